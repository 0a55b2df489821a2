"""Shipped instances: found by name, readable, and declared as package data."""

from __future__ import annotations

import tomllib
from fnmatch import fnmatch
from pathlib import Path

import pytest

import sdk

ROOT = Path(__file__).resolve().parents[1]


def test_every_shipped_instance_reads():
    assert {"mc50_n20_1", "mc50_n100_1", "random_n100"} <= set(sdk.datasets.names())
    for name in sdk.datasets.names():
        model = sdk.read_gset(sdk.datasets.instance_path(name))
        assert model.num_variables > 0
    assert sdk.datasets.instance_path("mc50_n20_1.rudy") == sdk.datasets.instance_path("mc50_n20_1")


def test_unknown_instance_names_the_shipped_ones():
    with pytest.raises(sdk.ModelError, match="no shipped instance 'G1'.*mc50_n20_1"):
        sdk.datasets.instance_path("G1")


def test_data_files_are_package_data():
    """A wheel carries sdk/data: every file there matches a package-data pattern."""
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["sdk"]
    for path in sdk.datasets.DATA_DIR.iterdir():
        assert any(fnmatch(f"data/{path.name}", p) for p in patterns), path.name
