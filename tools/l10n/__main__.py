"""``python3 -m tools.l10n <command>`` from the repository's root: the same as ``python3 tools/l10n.py <command>``."""

import sys

from .cli import main

sys.exit(main(prog="python3 -m tools.l10n"))
