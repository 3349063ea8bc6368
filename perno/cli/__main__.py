"""``python -m perno.cli``: the `perno` command (the serve command starts its scheduler so)."""

import sys

from perno.cli import main

sys.exit(main())
