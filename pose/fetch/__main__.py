"""``python -m pose.fetch weights [XS S M L]`` and ``python -m pose.fetch detector NAME``: models fetched on request.

Exit status: 0 kept; 2 the source cannot be reached (the message says where to get the files by hand and where
to put them), or what came is unusable (nothing was kept).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from tqdm import tqdm

from ..detect.catalog import DETECTORS
from ..model import VARIANTS
from ..model_folder import weights_dir
from .detectors import fetch_detector, where_to_get_detector
from .download import FetchError, SourceUnreachable
from .weights import fetch_weights, where_to_get

EXIT_OK, EXIT_ERROR = 0, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pose.fetch",
        description="Fetch models on request: the authors' ConvNeXtPose checkpoints, or a person detector. Each file "
        f"is checked by loading it before it is kept in the weights folder ({weights_dir()}, or "
        "$CONVNEXTPOSE_WEIGHTS).",
        epilog="Exit status: 0 kept; 2 unreachable source or unusable file (nothing kept).",
    )
    kinds = parser.add_subparsers(dest="kind", required=True)
    weights = kinds.add_parser("weights", help="ConvNeXtPose checkpoints, stored under the size each holds")
    weights.add_argument("sizes", nargs="*", metavar="SIZE", help=f"{' '.join(VARIANTS)} (default: all)")
    detector = kinds.add_parser(
        "detector", help=f"a person detector: {', '.join(DETECTORS)}, or any name with --source"
    )
    detector.add_argument("name", help="the name it is kept and chosen by (CONVNEXTPOSE_DETECTOR=NAME)")
    for sub in (weights, detector):
        sub.add_argument("--source", help="a URL (http, https) or path to fetch from instead of the publisher")
    return parser


class _Bar:
    """A tqdm bar in bytes for one file at a time (silent off a terminal)."""

    def __init__(self) -> None:
        self._bar: tqdm | None = None

    def __call__(self, done: int, total: int | None) -> None:
        if self._bar is None:
            self._bar = tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, file=sys.stderr, disable=None)
        self._bar.update(done - self._bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    args = _parser().parse_args(argv)
    bar = _Bar()
    try:
        if args.kind == "weights":
            for stored in fetch_weights(args.sizes, source=args.source, progress=bar):
                bar.close()
                print(f"kept {stored.describe()}")
        else:
            stored = fetch_detector(args.name, source=args.source, progress=bar)
            bar.close()
            print(f"kept {stored.describe()}\nuse it with CONVNEXTPOSE_DETECTOR={stored.name}")
    except SourceUnreachable as error:
        bar.close()
        hint = where_to_get() if args.kind == "weights" else where_to_get_detector(args.name.lower())
        print(f"error: {error}. Nothing was kept.\n{hint}", file=sys.stderr)
        return EXIT_ERROR
    except (FetchError, ValueError) as error:
        bar.close()
        print(f"error: {error}. Nothing was kept.", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
