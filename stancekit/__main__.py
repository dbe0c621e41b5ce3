"""``python -m stancekit`` runs the command line."""

from __future__ import annotations

import sys

from stancekit.cli import main

sys.exit(main())
