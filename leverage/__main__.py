"""`python -m leverage`: see leverage/cli/."""

import sys

from leverage.cli.main import main

sys.exit(main())
