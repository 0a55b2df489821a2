"""``python -m device_models.schema [--check]``: write ``device.schema.json`` from the cells' tables
(atomically), or with ``--check`` exit 1 when the shipped file differs from the generated schema."""

from __future__ import annotations

import argparse
import sys

from device_models.files import atomic_write
from device_models.schema import SCHEMA_FILE, device_schema, schema_text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m device_models.schema", description=__doc__)
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 when the file is stale")
    args = parser.parse_args(argv)
    text = schema_text(device_schema())
    if args.check:
        current = SCHEMA_FILE.read_text(encoding="utf-8") if SCHEMA_FILE.is_file() else ""
        if current != text:
            print(f"{SCHEMA_FILE} is stale: run python -m device_models.schema", file=sys.stderr)
            return 1
        return 0
    atomic_write(SCHEMA_FILE, lambda f: f.write(text), text=True)
    print(f"wrote {SCHEMA_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
