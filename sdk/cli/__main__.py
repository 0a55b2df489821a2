"""``python -m sdk.cli`` runs the ``sonq`` command."""

import sys

from sdk.cli import main

if __name__ == "__main__":
    sys.exit(main())
