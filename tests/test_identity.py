"""Who is who: the one same-person rule shared by the detector's merge and the tracker, and its table."""

from __future__ import annotations

import numpy as np

from pose.geometry import box_iou
from pose.identity import RULES, lower_body_of, one_each, part_of, same_person, within_another


def test_a_lower_body_stands_on_the_persons_feet_and_starts_below_their_head():
    person = (275, 33, 104, 326)  # lateral_raise.mp4's man; his legs, seen alone by a tile, were a person
    assert lower_body_of((286, 185, 75, 167), person)
    assert lower_body_of((352, 150, 50, 92), (344, 77, 31, 170))  # a side-on walker's legs stick out sideways
    assert not lower_body_of(person, person)  # the whole body starts at the head
    assert not lower_body_of((300, 40, 80, 160), person)  # a skier behind another: his box starts at the top
    assert not lower_body_of((286, 185, 75, 100), person)  # ends well above the feet: not standing on them
    assert not lower_body_of((400, 185, 75, 167), person)  # beside the person, not on their feet
    assert not lower_body_of((639, 969, 710, 370), (499, 849, 291, 433))  # somebody lying on the floor beside


def test_a_small_part_within_a_person_is_theirs_and_a_person_behind_is_not():
    man = np.array([100.0, 50.0, 200.0, 282.0])
    assert part_of([150.0, 290.0, 40.0, 36.0], man)  # a shoe: 0.13 of his height
    assert part_of([110.0, 100.0, 180.0, 90.0], man)  # spread arms: 0.32
    assert not part_of([150.0, 60.0, 80.0, 0.47 * 282.0], man)  # a skier behind him: 0.47 of his height
    assert not part_of(man, [150.0, 290.0, 40.0, 36.0])


def test_one_person_seen_whole_and_cut_is_one_person_and_two_heads_are_two():
    rng = np.random.default_rng(0)
    whole_px = rng.uniform([100, 50], [300, 450], size=(33, 2))
    whole_px[:11] = rng.uniform([190, 70], [210, 90], size=(11, 2))  # the face: nose, eyes, ears, mouth
    whole = np.array([100.0, 50.0, 200.0, 400.0])
    cut_px = whole_px.copy()
    cut_px[13:] = rng.uniform([120, 60], [280, 200], size=(20, 2))  # arms and legs squeezed into a tile's view
    cut = np.array([110.0, 50.0, 180.0, 160.0])
    overlap = RULES.view_overlap
    assert box_iou(whole, cut)[0, 0] < overlap and same_person(whole, cut, overlap, whole_px, cut_px + 2.0)
    assert not same_person(whole, cut, overlap, whole_px, cut_px + [0.0, 20.0])  # another head 20 px lower
    assert not same_person(whole, cut, overlap)  # without landmarks, boxes alone do not tell
    face_as_body = np.array([185.0, 60.0, 30.0, 40.0])
    assert same_person(whole, face_as_body, overlap)  # a whole small skeleton on the face: the same person


def test_the_older_stays_but_a_whole_body_takes_the_place_of_its_legs():
    whole = [491.0, 3.0, 162.0, 534.0]
    legs = [537.0, 180.0, 62.0, 318.0]
    other = [20.0, 100.0, 300.0, 440.0]
    assert one_each([legs, other, whole], RULES.track_overlap) == [1, 2]  # the legs came first: replaced
    assert one_each([whole, legs, other], RULES.track_overlap) == [0, 2]
    beside = [whole[0] + 10, whole[1] + 5, whole[2], whole[3]]  # a second track on the same body
    assert box_iou(whole, beside)[0, 0] >= RULES.track_overlap
    assert one_each([whole, beside], RULES.track_overlap) == [0]


def test_a_newcomer_within_a_larger_person_is_held_back():
    person = [100.0, 50.0, 200.0, 400.0]
    torso = [120.0, 110.0, 160.0, 284.0]  # 0.71 of the person tall, 0.15 down
    assert within_another(torso, [person])
    assert not within_another(person, [torso])  # only within a larger box
    assert not within_another([250.0, 50.0, 200.0, 400.0], [person])
