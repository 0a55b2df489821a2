"""Circuit-level emulator: integrates the equations of the ngspice netlist."""
