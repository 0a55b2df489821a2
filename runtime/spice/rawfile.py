"""Reader of ngspice's binary raw files (``ngspice -b -r out.raw``): the first plot, real data.

Layout: ASCII header lines (``Title:``, ``Flags: real``, ``No. Variables: n``, ``No. Points: p``,
``Variables:`` then one ``\\tindex\\tname\\ttype`` line per variable), ``Binary:\\n``, then p rows of
n little-endian float64 values.  ngspice 39's ``.options interp`` writes corrupt binary files, so
SONQ reads every internal time point and resamples itself (:func:`resample`).
"""

from __future__ import annotations

import re

import numpy as np
from scipy.interpolate import CubicSpline

from device_models.errors import SpiceError


def read_raw(data: bytes) -> dict[str, np.ndarray]:
    """Vectors of the first plot: ``{name: (points,) float64}``, names lower-case as ngspice
    writes them (``time``, ``v(n1)``, ``i(l1)``).

    Raises:
        SpiceError: not a real-valued binary raw file, or truncated.
    """
    marker = data.find(b"Binary:\n")
    if marker < 0:
        raise SpiceError("ngspice wrote no binary raw data (the raw file has no 'Binary:' section)")
    header = data[:marker].decode("ascii", errors="replace")
    flags = re.search(r"^Flags:\s*(.*)$", header, re.M)
    if flags is None or "complex" in flags.group(1):
        raise SpiceError(f"unsupported raw file flags {flags.group(1) if flags else None!r}; SONQ reads real plots")
    try:
        nvars = int(re.search(r"^No\. Variables:\s*(\d+)", header, re.M).group(1))
        npoints = int(re.search(r"^No\. Points:\s*(\d+)", header, re.M).group(1))
    except AttributeError:
        raise SpiceError("raw file header lacks the variable or point count") from None
    names = re.findall(r"^[ \t]*\d+[ \t]+(\S+)[ \t]+\S+", header.split("\nVariables:", 1)[-1], re.M)[:nvars]
    if len(names) != nvars:
        raise SpiceError(f"raw file lists {len(names)} variables, its header says {nvars}")
    body = data[marker + len(b"Binary:\n"):]
    need = nvars * npoints * 8
    if len(body) < need:
        raise SpiceError(f"raw file truncated: {len(body)} bytes of data, {need} expected")
    table = np.frombuffer(body[:need], dtype="<f8").reshape(npoints, nvars)
    return {name.lower(): table[:, k].copy() for k, name in enumerate(names)}


def resample(vectors: dict[str, np.ndarray], names: tuple, times: np.ndarray) -> np.ndarray:
    """Cubic-spline values of ``names`` at ``times`` (within the simulated span), shape
    (len(times), len(names)).  ngspice's own points are ≤ TMAX apart, so the interpolation error
    is ~(ω·TMAX)⁴/384 relative."""
    t = vectors["time"]
    keep = np.concatenate([[True], np.diff(t) > 0])
    table = np.stack([vectors[n][keep] for n in names], axis=1)
    if times.min() < t[0] - 1e-9 * t[-1] or times.max() > t[-1] * (1 + 1e-9):
        raise SpiceError(f"ngspice stopped at t = {t[-1]:.6g} s before the end of the run ({times.max():.6g} s)")
    return CubicSpline(t[keep], table, axis=0)(np.clip(times, t[0], t[-1]))
