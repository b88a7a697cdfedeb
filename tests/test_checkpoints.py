import io
import os
import pickle
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch

import pose
from pose.model.checkpoints import CheckpointError, detect_variant, filter_state_dict, read_state_dict

SHIPPED = "snapshot_XS_deterministic.pth.tar"


@pytest.fixture(scope="module")
def xs_state():
    return pose.deterministic_state_dict(pose.build_model("XS"))


def _same_output(model, reference_state):
    reference = pose.build_model(model.variant.name)
    reference.load_state_dict(reference_state)
    x = torch.randn(1, 3, 256, 256, generator=torch.Generator().manual_seed(0))
    with torch.inference_mode():
        torch.testing.assert_close(model(x), reference(x), rtol=0, atol=0)


def test_shipped_snapshot_loads_and_is_conformant(conformance_dir, golden):
    model = pose.load_checkpoint(conformance_dir / SHIPPED)
    assert model.variant.name == "XS" and not model.training
    x = torch.from_numpy(np.load(conformance_dir / "input.npy"))
    with torch.inference_mode():
        out = model(x)[0].numpy()
    np.testing.assert_allclose(out, golden["variants"]["XS"]["coord_on_input"], atol=1e-3, rtol=0)


def test_renamed_and_zipped_snapshot(conformance_dir, tmp_path, xs_state):
    data = (conformance_dir / SHIPPED).read_bytes()
    renamed = tmp_path / "ConvNeXtPose_XS.tar"
    renamed.write_bytes(data)
    _same_output(pose.load_checkpoint(renamed), xs_state)
    archive = tmp_path / "ConvNeXtPose_XS.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("ConvNeXtPose_XS/README.txt", "weights")
        zf.writestr("ConvNeXtPose_XS/snapshot_68.pth.tar", data)
    _same_output(pose.load_checkpoint(archive), xs_state)
    with open(archive, "rb") as fh:  # file objects, as an upload arrives
        _same_output(pose.load_checkpoint(fh), xs_state)


@pytest.mark.parametrize(
    "wrap",
    [
        pytest.param(lambda sd: sd, id="bare-state-dict"),
        pytest.param(lambda sd: {"module." + k: v for k, v in sd.items()}, id="bare-module-prefix"),
        pytest.param(
            lambda sd: {
                "epoch": 68,
                "network": {"module." + k: v for k, v in sd.items()},
                "optimizer": {"state": {}, "param_groups": [{"lr": 1e-4, "params": [0, 1]}]},
            },
            id="snapshot-with-optimizer",
        ),
        pytest.param(lambda sd: {"state_dict": sd, "epoch": 3}, id="state_dict-key"),
    ],
)
def test_every_wrapping_loads(tmp_path, xs_state, wrap):
    path = tmp_path / "snapshot_68.pth.tar"
    torch.save(wrap(xs_state), path)
    _same_output(pose.load_checkpoint(path), xs_state)


@pytest.mark.parametrize("name", ["M", "L"])
def test_positional_head_names(tmp_path, name):
    state = pose.deterministic_state_dict(pose.build_model(name))
    renamed = {}
    for key, value in state.items():
        for pos, layer in enumerate(("dwconv", "norm", "pwconv")):
            key = key.replace(f".{layer}.", f".{pos}.") if key.startswith("head.deconv_layers_") else key
        renamed["module." + key] = value
    assert "module.head.deconv_layers_1.0.weight" in renamed
    path = tmp_path / f"ConvNeXtPose_{name}.tar"
    torch.save({"epoch": 24, "network": renamed}, path)
    model = pose.load_checkpoint(path)
    assert model.variant.name == name
    _same_output(model, state)


def test_variant_detected_for_each_size():
    for name in pose.VARIANTS:
        state = pose.build_model(name).state_dict()
        assert detect_variant(state).name == name


def test_filter_is_pure_and_ignores_extras(xs_state):
    raw = {"epoch": 1, "network": {"module.module." + k: v for k, v in xs_state.items()}}
    out = filter_state_dict(raw)
    assert out.keys() == xs_state.keys()
    assert "epoch" in raw and next(iter(raw["network"])).startswith("module.")


# --- bad files -------------------------------------------------------------------------------


def _save(tmp_path, obj, name="bad.pth.tar"):
    path = tmp_path / name
    torch.save(obj, path)
    return path


def test_not_a_checkpoint(tmp_path):
    text = tmp_path / "notes.pth"
    text.write_text("these are not weights\n" * 20)
    with pytest.raises(CheckpointError, match="not a PyTorch checkpoint: it is a text file"):
        pose.load_checkpoint(text)
    png = tmp_path / "photo.tar"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    with pytest.raises(CheckpointError, match="not a PyTorch checkpoint: it is a PNG image"):
        pose.load_checkpoint(png)
    noise = tmp_path / "noise.pth"  # nothing it can be told to be: torch's own reason
    noise.write_bytes(np.random.default_rng(0).integers(128, 256, 300, dtype=np.uint8).tobytes())
    with pytest.raises(CheckpointError, match=r"not a PyTorch checkpoint \("):
        pose.load_checkpoint(noise)


def test_an_onnx_model_is_named_as_one(tmp_path):
    import onnx
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["y"])],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])],
    )
    path = tmp_path / "ConvNeXtPose_XS.pth.tar"
    onnx.save(helper.make_model(graph), path)
    with pytest.raises(CheckpointError, match="it is an ONNX model .*CONVNEXTPOSE_DETECTOR"):
        pose.load_checkpoint(path)


def test_empty_and_missing(tmp_path):
    empty = tmp_path / "empty.tar"
    empty.write_bytes(b"")
    with pytest.raises(CheckpointError, match="empty"):
        pose.load_checkpoint(empty)
    with pytest.raises(CheckpointError, match="no such file"):
        pose.load_checkpoint(tmp_path / "absent.tar")


def test_truncated(tmp_path, xs_state):
    good = _save(tmp_path, {"network": xs_state}, "good.tar")
    cut = tmp_path / "cut.tar"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(CheckpointError, match="truncated"):
        pose.load_checkpoint(cut)


class _Exploit:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_pickle_that_runs_code_is_refused_not_run(tmp_path):
    marker = tmp_path / "pwned"
    path = _save(tmp_path, {"network": {"x": torch.zeros(1)}, "payload": _Exploit(str(marker))})
    with pytest.raises(CheckpointError, match="refused"):
        pose.load_checkpoint(path)
    raw = tmp_path / "raw.pkl"
    raw.write_bytes(pickle.dumps(_Exploit(str(marker))))
    with pytest.raises(CheckpointError):
        pose.load_checkpoint(raw)
    assert not marker.exists()


def test_shapes_of_no_known_variant(tmp_path, xs_state):
    state = dict(xs_state)
    state["head.final_layer.weight"] = torch.zeros(17 * 32, 128, 1, 1)
    state["head.final_layer.bias"] = torch.zeros(17 * 32)
    with pytest.raises(
        CheckpointError, match=r"shapes of no known variant.*head\.final_layer\.weight \[544, 128, 1, 1\]"
    ):
        pose.load_checkpoint(_save(tmp_path, state))


def test_missing_and_unexpected_keys(tmp_path, xs_state):
    state = dict(xs_state)
    del state["backbone.norm.running_var"]
    state["head.extra.weight"] = torch.zeros(3)
    with pytest.raises(
        CheckpointError, match=r"1 missing key\(s\): backbone\.norm\.running_var.*unexpected.*head\.extra"
    ):
        pose.load_checkpoint(_save(tmp_path, state))


def test_not_a_state_dict(tmp_path):
    with pytest.raises(CheckpointError, match="holds a Tensor"):
        pose.load_checkpoint(_save(tmp_path, torch.zeros(3)))
    with pytest.raises(CheckpointError, match="no tensors found"):
        pose.load_checkpoint(_save(tmp_path, {"epoch": 3, "lr": 0.1}))


def test_zip_without_a_single_checkpoint(tmp_path):
    archive = tmp_path / "weights.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("readme.txt", "nothing here")
    with pytest.raises(CheckpointError, match="0 checkpoint files"):
        pose.load_checkpoint(archive)


def test_read_state_dict_from_bytes(xs_state):
    buf = io.BytesIO()
    torch.save({"network": xs_state}, buf)
    buf.seek(0)
    assert read_state_dict(buf).keys() == xs_state.keys()


# --- files too large to be a checkpoint: refused before they are read -------------------------

_MEASURE_BOMB = """
import resource, sys, time
from pose.model.checkpoints import CheckpointError, read_state_dict
before_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
try:
    read_state_dict(sys.argv[1])
except CheckpointError as exc:
    message = str(exc)
else:
    message = "accepted"
elapsed_s = time.perf_counter() - t0
growth_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before_kb) / 1024
print(f"{elapsed_s:.3f} {growth_mb:.1f} {message}")
"""


@pytest.fixture(scope="module")
def zip_bomb(tmp_path_factory):
    """A ~9 MB zip whose one member, named like a checkpoint, unpacks to 2 GiB of zeros."""
    path = tmp_path_factory.mktemp("bomb") / "ConvNeXtPose_XS.zip"
    chunk = bytes(2**20)
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf,
        zf.open("ConvNeXtPose_XS/snapshot_68.pth.tar", "w", force_zip64=True) as fh,
    ):
        for _ in range(2048):
            fh.write(chunk)
    return path


def test_a_zip_bomb_is_refused_at_once_without_memory(zip_bomb):
    # Measured in a fresh process: ru_maxrss is the peak of the whole process, so imports come first.
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE_BOMB, str(zip_bomb)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert done.returncode == 0, done.stderr
    elapsed_s, growth_mb, message = done.stdout.strip().split(" ", 2)
    assert float(growth_mb) < 100, f"reading the bomb grew the process by {growth_mb} MB"
    assert float(elapsed_s) < 1.0, f"refusing took {elapsed_s} s"  # the bound; it takes milliseconds
    assert message.startswith(
        "ConvNeXtPose_XS.zip: refused: ConvNeXtPose_XS/snapshot_68.pth.tar (unpacked) holds 2,048 MB"
    )


def test_a_torch_zip_declaring_huge_records_is_refused(tmp_path):
    """A torch.save zip whose tensor record is deflated: the declared sizes are checked before torch.load."""
    path = tmp_path / "ConvNeXtPose_XS.pth.tar"
    buf = io.BytesIO()
    torch.save({"network": {"w": torch.zeros(4)}}, buf)
    with zipfile.ZipFile(buf) as original, zipfile.ZipFile(path, "w") as forged:
        for info in original.infolist():
            forged.writestr(info.filename, original.read(info))
        forged.writestr("archive/data/1", bytes(8 * 2**20), compress_type=zipfile.ZIP_DEFLATED)
    with pytest.raises(CheckpointError, match=r"refused: the archive \(unpacked\) holds 8 MB") as caught:
        read_state_dict(path, max_bytes=4 * 2**20)
    assert caught.value.file == "ConvNeXtPose_XS.pth.tar"


def test_plain_files_over_the_limit_are_refused_before_reading(tmp_path):
    sparse = tmp_path / "ConvNeXtPose_L.tar"
    with open(sparse, "wb") as fh:
        fh.truncate(pose.model.checkpoints.MAX_CHECKPOINT_BYTES + 1)  # sparse: no disk, no memory
    with pytest.raises(CheckpointError, match="refused: the file holds 512 MB, more than any ConvNeXtPose checkpoint"):
        read_state_dict(sparse)
    with open(sparse, "rb") as fh, pytest.raises(CheckpointError, match="refused: the file holds 512 MB"):
        read_state_dict(fh)


def test_a_stream_that_cannot_tell_its_size_is_read_with_a_cap():
    class Pipe(io.RawIOBase):  # not seekable: the size is known only by reading
        def __init__(self, n_bytes):
            self.left = n_bytes

        def readable(self):
            return True

        def readinto(self, buffer):
            n = min(len(buffer), self.left)
            buffer[:n] = bytes(n)
            self.left -= n
            return n

    pipe = Pipe(50 * 2**20)
    with pytest.raises(CheckpointError, match=r"refused: the file \(at least\) holds"):
        read_state_dict(io.BufferedReader(pipe), name="piped.pth", max_bytes=8 * 2**20)
    assert pipe.left >= 40 * 2**20  # it stopped reading at the cap


# --- messages name the file and the reason ---------------------------------------------------


def test_messages_name_an_uploaded_file_and_the_reason(tmp_path):
    upload = io.BytesIO(b"definitely not weights" * 100)
    upload.name = "ConvNeXtPose_L.tar"  # as streamlit's UploadedFile carries it
    with pytest.raises(CheckpointError) as caught:
        read_state_dict(upload)
    assert str(caught.value).startswith("ConvNeXtPose_L.tar: not a PyTorch checkpoint")
    assert caught.value.file == "ConvNeXtPose_L.tar" and "BytesIO" not in str(caught.value)
    with pytest.raises(CheckpointError) as caught:
        read_state_dict(io.BytesIO(b"\x00" * 64))  # nameless
    assert "BytesIO" not in str(caught.value) and caught.value.file == "the uploaded file"


class _System:
    def __reduce__(self):
        return (os.system, ("echo never run",))


def test_a_pickle_that_wants_to_run_a_command_says_so(tmp_path):
    path = _save(tmp_path, {"network": {"x": torch.zeros(1)}, "payload": _System()}, "ConvNeXtPose_S.tar")
    with pytest.raises(CheckpointError) as caught:
        pose.load_checkpoint(path)
    assert caught.value.file == "ConvNeXtPose_S.tar"
    assert caught.value.reason.startswith(f"refused: the file wants to run code ({os.system.__module__}.system)")


def test_a_checkpoint_of_no_variant_names_the_file(tmp_path, xs_state):
    state = dict(xs_state)
    state["extra.weight"] = torch.zeros(3)
    with pytest.raises(CheckpointError, match=r"^ConvNeXtPose_XS\.tar: not a ConvNeXtPose state dict"):
        pose.load_checkpoint(_save(tmp_path, state, "ConvNeXtPose_XS.tar"))
    del state["extra.weight"], state["backbone.norm.running_var"]  # only missing: said as such, with its share
    with pytest.raises(CheckpointError, match=r"^ConvNeXtPose_XS\.tar: an incomplete ConvNeXtPose-XS .*running_var"):
        pose.load_checkpoint(_save(tmp_path, state, "ConvNeXtPose_XS.tar"))


def test_a_text_pickle_that_wants_to_run_a_command_is_refused_as_such(tmp_path):
    """Protocol 0 is plain ASCII: it is refused for the code it wants to run, not named a text file."""
    path = tmp_path / "ConvNeXtPose_S.pth"
    path.write_bytes(pickle.dumps({"network": _System()}, protocol=0))
    assert path.read_bytes().decode("ascii").isascii()
    with pytest.raises(CheckpointError, match="refused: the file wants to run code"):
        pose.load_checkpoint(path)


def test_text_whose_last_character_is_cut_at_the_bytes_looked_at_is_still_text(tmp_path):
    path = tmp_path / "notes.pth"
    path.write_bytes(("é" * 3000).encode("utf-8"))  # 6000 bytes: byte 4096 cuts nothing, try an odd offset too
    with pytest.raises(CheckpointError, match="it is a text file"):
        pose.load_checkpoint(path)
    path.write_bytes(("a" + "é" * 3000).encode("utf-8"))  # byte 4096 falls inside an "é"
    with pytest.raises(CheckpointError, match="it is a text file"):
        pose.load_checkpoint(path)


def test_a_real_checkpoint_missing_tensors_is_refused_naming_them_and_its_share():
    """``../shared/weights/ConvNeXtPose_XS_partial.pth``: the authors' XS as found, without the stem conv, the stem
    BatchNorm and the BatchNorm before the second downsample (its README: 3,525,888 of 3,528,008 parameters)."""
    from conftest import SHARED, require_shared

    partial = require_shared(SHARED / "weights" / "ConvNeXtPose_XS_partial.pth")
    state = read_state_dict(partial)
    with pytest.raises(CheckpointError) as caught:
        detect_variant(state)
    reason = caught.value.reason
    assert reason.startswith("an incomplete ConvNeXtPose-XS checkpoint: 11 tensor(s) missing")
    assert "backbone.downsample_layers.0.0.bias" in reason
    assert "it holds 3,525,888 of its 3,528,008 parameters (99.94%)" in reason
    with pytest.raises(CheckpointError, match=r"ConvNeXtPose_XS_partial.pth: an incomplete .* \(99.94%\)"):
        pose.load_checkpoint(partial)
