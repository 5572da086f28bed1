"""``python -m smarketing`` runs the ``smarketing`` command."""

import sys

from smarketing.cli.main import main

sys.exit(main())
