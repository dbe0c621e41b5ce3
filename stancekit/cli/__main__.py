"""``python -m stancekit.cli`` runs the command line, as ``python -m stancekit`` does."""

from __future__ import annotations

import sys

from stancekit.cli import main

sys.exit(main())
