"""The compiled artifact: everything a runtime needs, versioned and serializable.

A :class:`Program` holds two views of the same energy:

* ``model`` — the exact :class:`~compiler.ir.EnergyIR` in the model's own units, used to report
  energies;
* ``couplings``/``fields``/``poly`` — what the chip is programmed with, in device units (scaled,
  quantized, mismatched), indexed by *node*.  Nodes are the model's variables in order, plus, for
  ``oim`` programs with fields, one trailing reference oscillator whose couplings carry ``h``.

Saved form: one ``.npz`` file with the arrays and a JSON header (``format``, ``version``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from compiler.ir import EnergyIR
from compiler.report import CompileReport
from device_models.cells import AbstractCell, CellPhysics
from device_models.errors import ProgramFormatError
from device_models.spec import DeviceSpec

PROGRAM_FORMAT = "sonq-program"
PROGRAM_VERSION = 1


@dataclass(frozen=True)
class Program:
    """A model compiled for one device.

    Attributes:
        device: the target device.
        model: exact energy in model units.
        couplings: (m, m) symmetric CSR, device units (full-scale conductance = 1).
        fields: (m,) device units (zero on ``oim``, where fields ride on the reference node).
        poly: (m, 3) x², x³, x⁴ node coefficients, device units (``gauss`` only).
        placement: (n,) cell index of each model variable.
        scale: model energy per device energy unit.
        colors: (m,) colour class of each node; nodes of one colour share no coupling.
        physics: time unit and thermal temperature of the device.
        report: the compile report.
        reference: True when node m−1 is an ``oim`` reference oscillator.
    """

    device: DeviceSpec
    model: EnergyIR
    couplings: sp.csr_matrix
    fields: np.ndarray
    poly: np.ndarray
    placement: np.ndarray
    scale: float
    colors: np.ndarray
    physics: CellPhysics
    report: CompileReport
    reference: bool = False

    @property
    def cell(self) -> AbstractCell:
        return self.device.cell

    @property
    def num_nodes(self) -> int:
        return int(self.fields.shape[0])

    @property
    def num_variables(self) -> int:
        return self.model.n

    @property
    def default_temperature(self) -> float:
        """The device's own thermal temperature, in model energy units."""
        return self.physics.thermal_temperature * self.scale

    def device_energy(self, x: np.ndarray) -> np.ndarray:
        """Energy of node states (..., m) in device units, as the chip sees it (offset omitted)."""
        x = np.asarray(x, dtype=np.float64)
        flat = x.reshape(-1, self.num_nodes)
        e = flat @ self.fields + 0.5 * np.einsum("ri,ri->r", flat, (self.couplings @ flat.T).T)
        if np.any(self.poly):
            e = e + sum((flat**k) @ self.poly[:, k - 2] for k in (2, 3, 4))
        return e.reshape(x.shape[:-1])

    def save(self, path: str | Path) -> Path:
        """Write the program to ``path`` (``.npz`` appended when missing)."""
        path = Path(path)
        if path.suffix != ".npz":
            path = path.with_name(path.name + ".npz")
        header = {
            "format": PROGRAM_FORMAT, "version": PROGRAM_VERSION,
            "device": self.device.to_dict(), "scale": self.scale, "reference": self.reference,
            "physics": vars(self.physics), "report": self.report.to_dict(),
            "model": {"offset": self.model.offset, "domain": self.model.domain,
                      "labels": list(self.model.labels), "vartype": self.model.vartype,
                      "kind": self.model.kind, "meta": self.model.meta},
        }
        try:
            text = json.dumps(header)
        except TypeError as exc:
            raise ProgramFormatError(f"cannot save: variable labels must be JSON-serializable ({exc})") from None
        np.savez_compressed(
            path, header=np.array(text),
            model_h=self.model.h, model_poly=self.model.poly, **_csr("model_J", self.model.J),
            fields=self.fields, poly=self.poly, placement=self.placement, colors=self.colors,
            **_csr("couplings", self.couplings),
        )
        return path

    @classmethod
    def load(cls, path: str | Path) -> "Program":
        """Read a program written by :meth:`save`."""
        try:
            with np.load(path, allow_pickle=False) as z:
                arrays = {k: z[k] for k in z.files}
            header = json.loads(str(arrays["header"]))
        except (OSError, ValueError, KeyError) as exc:
            raise ProgramFormatError(f"{path}: not a SONQ program ({exc})") from None
        if header.get("format") != PROGRAM_FORMAT:
            raise ProgramFormatError(f"{path}: not a SONQ program (format {header.get('format')!r})")
        if header.get("version") != PROGRAM_VERSION:
            raise ProgramFormatError(
                f"{path}: program version {header.get('version')} is not supported (this SONQ reads {PROGRAM_VERSION})"
            )
        m = header["model"]
        model = EnergyIR(arrays["model_h"], _uncsr("model_J", arrays), arrays["model_poly"], m["offset"],
                         m["domain"], tuple(_hashable(x) for x in m["labels"]), m["vartype"], m["kind"], m["meta"])
        return cls(
            device=DeviceSpec.from_dict(header["device"]), model=model,
            couplings=_uncsr("couplings", arrays), fields=arrays["fields"], poly=arrays["poly"],
            placement=arrays["placement"], scale=header["scale"], colors=arrays["colors"],
            physics=CellPhysics(**header["physics"]), report=CompileReport.from_dict(header["report"]),
            reference=header["reference"],
        )


def _csr(name: str, M: sp.csr_matrix) -> dict:
    M = sp.csr_matrix(M)
    return {f"{name}_data": M.data, f"{name}_indices": M.indices, f"{name}_indptr": M.indptr,
            f"{name}_shape": np.array(M.shape)}


def _uncsr(name: str, a: dict) -> sp.csr_matrix:
    return sp.csr_matrix((a[f"{name}_data"], a[f"{name}_indices"], a[f"{name}_indptr"]),
                         shape=tuple(a[f"{name}_shape"]))


def _hashable(x):
    return tuple(_hashable(v) for v in x) if isinstance(x, list) else x
