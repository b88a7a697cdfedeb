"""``python -m pose.evaluate``, kept working: the program is :mod:`pose.measure.evaluate`."""

import sys

from pose.measure.evaluate import main

if __name__ == "__main__":
    sys.exit(main())
