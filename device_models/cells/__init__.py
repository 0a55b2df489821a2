"""Cell types, by the name a chip file gives (``cell: oim``).

:data:`CELLS` maps each name to its cell (an instance of a final :class:`AbstractCell` subclass);
:func:`cell_for` looks one up.  A new cell registers here with :func:`register_cell`.
"""

from __future__ import annotations

from device_models.cells.base import (K_BOLTZMANN, MODES, AbstractCell, AbstractSpinCell, CellPhysics, CellPower, Component,
                                      Preset, Programmed, coupling_scale, flip_costs, spectral_norm)
from device_models.cells.gauss import GaussCell
from device_models.cells.kpo import KpoCell
from device_models.cells.cim import CimCell
from device_models.cells.oim import OimCell, read_spins
from device_models.cells.pbit import PbitCell, anneal_range, pbit_anneal
from device_models.errors import DeviceSpecError

CELLS: dict[str, AbstractCell] = {}


def register_cell(cell: AbstractCell) -> None:
    """Make ``cell`` available to chip files as ``cell: <cell.name>``."""
    CELLS[cell.name] = cell


def cell_for(name) -> AbstractCell:
    """The cell called ``name``.

    Raises:
        DeviceSpecError: no cell has that name.
    """
    if isinstance(name, AbstractCell):
        return name
    try:
        return CELLS[name]
    except (KeyError, TypeError):
        raise DeviceSpecError(f"cell must be one of {sorted(CELLS)}, got {name!r}") from None


for _cell in (OimCell(), PbitCell(), GaussCell(), KpoCell(), CimCell()):
    register_cell(_cell)

__all__ = ["AbstractCell", "AbstractSpinCell", "CellPhysics", "CellPower", "Component", "Preset", "Programmed", "MODES",
           "K_BOLTZMANN", "CELLS", "cell_for", "register_cell", "OimCell", "PbitCell", "GaussCell", "read_spins",
           "pbit_anneal", "anneal_range", "coupling_scale", "flip_costs", "spectral_norm"]
