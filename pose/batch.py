"""``python -m pose.batch``: the program is :mod:`pose.video.batch` (many videos on a Ray actor pool)."""

import sys

from pose.video.batch import main

if __name__ == "__main__":
    sys.exit(main())
