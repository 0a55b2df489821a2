"""ngspice backend: runners (subprocess, PySpice), raw-file reader, error classification."""
