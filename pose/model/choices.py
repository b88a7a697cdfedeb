"""The choices of how the network runs, as names (no torch): runtimes, precisions, devices.

:mod:`pose.config` and the app's controls read them here, so that naming a choice never loads torch.
"""

__all__ = ["BACKENDS", "BACKEND_LABELS", "PRECISIONS", "DEVICES"]

BACKENDS = ("auto", "torch", "onnxruntime", "openvino")  # "auto": see pose.model.autoselect
BACKEND_LABELS = {
    "auto": "auto (fastest here)",
    "torch": "PyTorch",
    "onnxruntime": "ONNX Runtime",
    "openvino": "OpenVINO",
}
PRECISIONS = ("fp32", "bf16", "fp16")
DEVICES = ("auto", "cpu", "cuda")
