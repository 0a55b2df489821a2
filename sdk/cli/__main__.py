"""``python -m sdk.cli`` runs the ``sonq`` command."""

import sys

from sdk.cli import main

sys.exit(main())
