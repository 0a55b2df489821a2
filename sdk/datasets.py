"""Small MaxCut instances shipped with SONQ as package data (sources and best cuts in
``sdk/data/README.md``), for the demo, the examples and quick experiments."""

from __future__ import annotations

from pathlib import Path

from device_models.errors import ModelError

DATA_DIR = Path(__file__).with_name("data")
SUFFIX = ".rudy"


def names() -> list[str]:
    """Names of the shipped instances (file stems), sorted."""
    return sorted(p.stem for p in DATA_DIR.glob(f"*{SUFFIX}"))


def instance_path(name: str) -> Path:
    """Path of the shipped Gset/rudy file ``name`` (stem or file name, e.g. ``"mc50_n20_1"``);
    read it with :func:`sdk.read_gset`."""
    stem = name[: -len(SUFFIX)] if name.endswith(SUFFIX) else name
    if stem not in names():
        raise ModelError(f"no shipped instance {name!r}; shipped: {', '.join(names())}")
    return DATA_DIR / f"{stem}{SUFFIX}"
