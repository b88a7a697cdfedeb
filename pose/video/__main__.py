"""``python -m pose.video INPUT --variant XS --out DIR``."""

import sys

from .process import main

sys.exit(main())
