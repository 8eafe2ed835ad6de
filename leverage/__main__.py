"""`python -m leverage`: see leverage/cli.py."""

import sys

from leverage.cli import main

sys.exit(main())
