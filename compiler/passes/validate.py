"""Pass 1 — validate: the model is an energy model and its variables suit the device's cell."""

from __future__ import annotations

from compiler.ir import EnergyIR
from compiler.models.base import AbstractEnergyModel
from device_models.errors import CompileError
from device_models.spec import DeviceSpec

def validate(model: AbstractEnergyModel, device: DeviceSpec) -> EnergyIR:
    """Lower ``model`` to IR after checking it can run on ``device``'s cell type."""
    if not isinstance(model, AbstractEnergyModel):
        raise TypeError(f"model must be an energy model (IsingModel, QUBO, GaussianModel, ...), got {type(model).__name__}")
    ir = model.to_ir()
    want = device.cell.domain
    if ir.domain != want:
        raise CompileError(
            f"{type(model).__name__} has {ir.domain} variables but device {device.name!r} has "
            f"{device.cell.name!r} cells, which hold {want} variables"
        )
    if ir.n == 0:
        raise CompileError("the model has no variables")
    return ir
