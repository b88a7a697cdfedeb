"""The weights folder: every name a checkpoint can have is found; storing replaces any other file."""

import pytest
import torch

import pose
from pose.model.checkpoints import CHECKPOINT_SUFFIXES, READABLE_SUFFIXES
from pose.model.weights import checkpoint_path, find_checkpoint, store_checkpoint


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
