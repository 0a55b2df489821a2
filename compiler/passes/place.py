"""Pass 2 — place: assign each variable a cell and check every coupling is a device edge."""

from __future__ import annotations

import numpy as np

from compiler.ir import EnergyIR
from device_models.errors import CapacityError, CompileError, TopologyError
from device_models.spec import DeviceSpec


def place(ir: EnergyIR, device: DeviceSpec, placement=None) -> np.ndarray:
    """Cell index of each variable.

    Args:
        ir: the lowered model.
        device: the target device.
        placement: optional (n,) cell indices, or a mapping ``label -> cell``; default identity.

    Raises:
        CapacityError: more variables than cells.
        CompileError: a malformed placement (out of range, repeated cell).
        TopologyError: a coupling between cells the topology does not connect (names the pair).
    """
    n = ir.n
    if n > device.cells:
        raise CapacityError(f"the model has {n} variables but device {device.name!r} has {device.cells} cells")
    if placement is None:
        cells = np.arange(n)
    elif isinstance(placement, dict):
        missing = [lab for lab in ir.labels if lab not in placement]
        if missing:
            raise CompileError(f"placement has no cell for variable(s) {missing[:5]}")
        cells = np.array([placement[lab] for lab in ir.labels], dtype=np.int64)
    else:
        cells = np.asarray(placement, dtype=np.int64)
        if cells.shape != (n,):
            raise CompileError(f"placement must give one cell per variable ({n}), got shape {cells.shape}")
    if np.any((cells < 0) | (cells >= device.cells)):
        bad = int(cells[(cells < 0) | (cells >= device.cells)][0])
        raise CompileError(f"placement uses cell {bad}, outside 0..{device.cells - 1}")
    if len(np.unique(cells)) != n:
        raise CompileError("placement puts two variables on the same cell")
    if device.topology.kind != "all_to_all":
        connects = device.topology.connects(device.cells)
        J = ir.J.tocoo()
        for i, j in zip(J.row, J.col):
            if i < j and not connects(int(cells[i]), int(cells[j])):
                raise TopologyError(
                    f"coupling between variables {ir.labels[i]!r} and {ir.labels[j]!r} needs cells "
                    f"{cells[i]} and {cells[j]}, which device {device.name!r} ({device.topology.kind}) does not connect"
                )
    return cells
