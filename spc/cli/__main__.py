"""``python -m spc.cli``: the ``safety-spc`` command line."""

import sys

from spc.cli import main

sys.exit(main())
