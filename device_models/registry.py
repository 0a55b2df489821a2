"""The shipped reference chips (``device_models/chips/*.yaml``) and lookup by name or path."""

from __future__ import annotations

from pathlib import Path

from device_models.errors import UnknownDeviceError
from device_models.spec import DeviceSpec

CHIPS_DIR = Path(__file__).with_name("chips")


def list_devices() -> list[DeviceSpec]:
    """Every shipped device, sorted by name."""
    return sorted((DeviceSpec.from_yaml(p) for p in CHIPS_DIR.glob("*.yaml")), key=lambda d: d.name)


def load_device(device: "str | Path | DeviceSpec") -> DeviceSpec:
    """Resolve a device given as a spec, a shipped name (``"oim64-kings"``) or a YAML path.

    Raises:
        UnknownDeviceError: the name is neither shipped nor an existing file.
    """
    if isinstance(device, DeviceSpec):
        return device
    text = str(device)
    shipped = CHIPS_DIR / f"{text}.yaml"
    if "/" not in text and shipped.is_file():
        return DeviceSpec.from_yaml(shipped)
    path = Path(text)
    if path.suffix in (".yaml", ".yml") and path.is_file():
        return DeviceSpec.from_yaml(path)
    names = ", ".join(p.stem for p in sorted(CHIPS_DIR.glob("*.yaml")))
    raise UnknownDeviceError(f"unknown device {text!r}: not a shipped device ({names}) nor a YAML file")
