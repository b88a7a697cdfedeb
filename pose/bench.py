"""``python -m pose.bench``, kept working: the program is :mod:`pose.measure.bench`."""

import sys

from pose.measure.bench import main

if __name__ == "__main__":
    sys.exit(main())
