"""Models fetched on request, never silently: the authors' ConvNeXtPose checkpoints and person detectors.

``python -m pose.fetch weights XS S M L`` and ``python -m pose.fetch detector NAME`` (``--source URL-or-path``
for anywhere else), and the Models page, call :func:`fetch_weights` and :func:`fetch_detector`. Each file is
checked by loading it before it is kept, stored atomically in the weights folder, and nothing of a failed,
cut or wrong download is left. Nothing here runs unless a person asks.

Modules: ``download`` (bytes from a URL, Google Drive or a path, with progress), ``weights`` (checkpoints,
stored as the size they hold), ``detectors`` (person detectors, with their checksums).
"""

from .detectors import MAX_DETECTOR_BYTES, StoredDetector, fetch_detector, keep_detector, where_to_get_detector
from .download import FetchError, Progress, SourceUnreachable
from .weights import DRIVE_FOLDER_URL, StoredWeights, fetch_weights, where_to_get

__all__ = [
    "DRIVE_FOLDER_URL",
    "MAX_DETECTOR_BYTES",
    "FetchError",
    "Progress",
    "SourceUnreachable",
    "StoredDetector",
    "StoredWeights",
    "fetch_detector",
    "fetch_weights",
    "keep_detector",
    "where_to_get",
    "where_to_get_detector",
]
