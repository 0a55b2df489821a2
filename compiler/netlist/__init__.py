"""Circuit level: lower a Program to a :class:`Circuit` and print it as an ngspice netlist."""

from compiler.netlist.circuit import Branches, Circuit, pwl_points
from compiler.netlist.lower import CircuitOptions, Lowered, circuit_cells, lower, with_initial_state
from compiler.netlist.writer import Netlist, SpiceOptions, sanitize, write_netlist

__all__ = ["Branches", "Circuit", "pwl_points", "CircuitOptions", "Lowered", "circuit_cells", "lower", "with_initial_state", "Netlist",
           "SpiceOptions", "sanitize", "write_netlist"]
