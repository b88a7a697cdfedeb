"""The weights folder: every name a checkpoint can have is found; storing replaces any other file."""

import pytest
import torch

import pose
from pose.model.checkpoints import CHECKPOINT_SUFFIXES, READABLE_SUFFIXES
from pose.model.weights import checkpoint_path, find_checkpoint, store_checkpoint, weights_dir


@pytest.mark.parametrize("suffix", READABLE_SUFFIXES)
def test_every_readable_suffix_is_found_in_any_case(tmp_path, suffix):
    path = tmp_path / f"convnextpose_xs{suffix.upper()}"
    path.write_bytes(b"x")
    assert find_checkpoint("XS", tmp_path) == path
    assert find_checkpoint("S", tmp_path) is None


def test_other_files_are_not_checkpoints(tmp_path):
    for name in ("ConvNeXtPose_XS.pth.tar.bak", "ConvNeXtPose_XS.txt", "ConvNeXtPose_XSS.tar", "snapshot_68.pth.tar"):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "ConvNeXtPose_XS.tar").mkdir()  # a folder named like one
    assert find_checkpoint("XS", tmp_path) is None


def test_a_readable_file_is_a_checkpoint_or_an_archive_holding_one():
    assert set(READABLE_SUFFIXES) - set(CHECKPOINT_SUFFIXES) == {".zip"}


def test_storing_replaces_a_checkpoint_of_another_name(tmp_path):
    old = tmp_path / "ConvNeXtPose_XS.zip"
    old.write_bytes(b"an older upload")
    state = pose.deterministic_state_dict(pose.build_model("XS"))
    target = store_checkpoint(state, "XS", tmp_path)
    assert target == checkpoint_path("XS", tmp_path) and not old.exists()
    assert find_checkpoint("XS", tmp_path) == target
    loaded = pose.load_checkpoint(target)
    assert loaded.variant.name == "XS"
    torch.testing.assert_close(loaded.state_dict()["head.final_layer.weight"], state["head.final_layer.weight"])
    assert [p.name for p in tmp_path.iterdir()] == [target.name]  # no temporary file left behind


def test_a_checkpoint_named_for_another_size_is_stored_as_what_it_holds(tmp_path):
    misnamed = tmp_path / "ConvNeXtPose_S.pth"  # as a public fork found the authors' "M" and "L": XS here, for speed
    torch.save({"network": pose.deterministic_state_dict(pose.build_model("XS"))}, misnamed)
    held, target = pose.store_as_held(misnamed, tmp_path)
    assert (held, target) == ("XS", checkpoint_path("XS", tmp_path))
    assert not misnamed.exists()  # named for what it holds, not kept twice
    assert find_checkpoint("S", tmp_path) is None and pose.load_checkpoint(target).variant.name == "XS"


def test_storing_as_held_keeps_a_checkpoint_already_there_unless_told(tmp_path):
    store_checkpoint(pose.deterministic_state_dict(pose.build_model("XS")), "XS", tmp_path)
    outside = tmp_path.parent / f"{tmp_path.name}-other.pth"
    torch.save({"network": pose.deterministic_state_dict(pose.build_model("XS"))}, outside)
    with pytest.raises(pose.CheckpointError, match="already does: replace it"):
        pose.store_as_held(outside, tmp_path)
    assert pose.store_as_held(outside, tmp_path, replace=True)[0] == "XS"
    assert outside.exists()  # a file outside the folder is copied, not moved


def test_an_unusable_file_is_refused_and_nothing_is_stored(tmp_path):
    bad = tmp_path.parent / f"{tmp_path.name}-bad.pth"
    bad.write_bytes(b"not a checkpoint" * 10)
    with pytest.raises(pose.CheckpointError, match="not a PyTorch checkpoint"):
        pose.store_as_held(bad, tmp_path)
    assert not any(tmp_path.iterdir())


def test_weights_folder_lookup(tmp_path, monkeypatch):
    monkeypatch.setenv("CONVNEXTPOSE_WEIGHTS", str(tmp_path))
    assert weights_dir() == tmp_path and find_checkpoint("XS") is None
    (tmp_path / "ConvNeXtPose_XS.tar").write_bytes(b"x")
    (tmp_path / "ConvNeXtPose_XS.pth.tar.bak").write_bytes(b"x")
    assert find_checkpoint("XS") == tmp_path / "ConvNeXtPose_XS.tar"
    assert find_checkpoint("S") is None
    assert checkpoint_path("L") == tmp_path / "ConvNeXtPose_L.pth.tar"
