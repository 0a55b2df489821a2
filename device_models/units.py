"""Parse component values written with SI prefixes and units, e.g. ``"10 nH"``, ``"1.5pF"``, ``"300 K"``."""

from __future__ import annotations

import math
import re
import sys

from device_models.errors import DeviceSpecError

PREFIX_EXPONENTS = {"f": -15, "p": -12, "n": -9, "u": -6, "µ": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9}
_VALUE = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([fpnuµmkMG]?)([A-Za-zΩ]+)\s*$")


def parse_quantity(text: str | float | int, unit: str, *, field: str) -> float:
    """Return the SI value of ``text`` expressed in ``unit``.

    Args:
        text: a number (already SI) or a string ``"<number> [prefix]<unit>"``.
        unit: the expected unit symbol (``"H"``, ``"F"``, ``"S"``, ``"V"``, ``"A"``, ``"K"``,
            ``"Hz"``, ``"s"``, ``"Ω"``).
        field: the spec field, named in errors.

    Raises:
        DeviceSpecError: malformed text, a unit other than ``unit``, or a value that is not a
            finite number (YAML ``.nan``/``.inf``, ``"1e999 F"``, an integer beyond float range).
    """
    if isinstance(text, bool):
        raise DeviceSpecError(f"{field}: expected a quantity in {unit}, got {text!r}")
    value = float(text) if isinstance(text, float) else _parse_text(text, unit, field)
    if not math.isfinite(value):
        raise DeviceSpecError(f"{field}: expected a finite quantity in {unit}, got {text!r}")
    return value


def _parse_text(text: str | int, unit: str, field: str) -> float:
    """SI value of an integer or a ``"<number> [prefix]<unit>"`` string (±inf when it overflows)."""
    if isinstance(text, int):
        if abs(text) > sys.float_info.max:
            raise DeviceSpecError(f"{field}: a {text.bit_length()}-bit integer is beyond the range of a "
                                  f"quantity in {unit}")
        return float(text)
    m = _VALUE.match(str(text))
    if m is None:
        raise DeviceSpecError(f"{field}: cannot read {text!r} as a quantity in {unit}")
    number, prefix, symbol = m.groups()
    if symbol != unit:
        # "m" alone is ambiguous (milli vs. unit); treat a bare prefix-looking unit as a unit.
        if prefix and (prefix + symbol) == unit:
            prefix, symbol = "", unit
        else:
            raise DeviceSpecError(f"{field}: expected a value in {unit}, got {text!r}")
    # Scale in decimal ("10 fF" → 1e-14 exactly, not 10 × 1e-15 = 1.0000000000000002e-14).
    mantissa, _, exponent = number.lower().partition("e")
    return float(f"{mantissa}e{int(exponent or 0) + PREFIX_EXPONENTS[prefix]}")
