"""``python -m bench [--quick] [--only tour,baselines,export,validate,geodata,load,long|all]``."""

import sys

from bench.cli import main

sys.exit(main())
