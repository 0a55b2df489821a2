"""SONQ benchmarks: ``python -m benchmarks.run`` prints and writes BENCHMARKS.md."""
