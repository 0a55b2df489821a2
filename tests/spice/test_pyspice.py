"""The in-process (PySpice ``NgSpiceShared``) runner: errors, threads and memory.  Checks that could
crash or poison the process run in a child process (``pyspice_probe.py``)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from compiler.netlist import Netlist
from device_models.errors import SpiceError
from runtime.spice.pyspice_runner import PySpiceRunner
from runtime.spice.runner import SubprocessRunner

PROBE = Path(__file__).with_name("pyspice_probe.py")

pytestmark = pytest.mark.skipif(PySpiceRunner.unavailable_reason() is not None,
                                reason=str(PySpiceRunner.unavailable_reason()))


def probe(*args: str) -> object:
    proc = subprocess.run([sys.executable, str(PROBE), *args], capture_output=True, text=True, timeout=300,
                          cwd=Path(__file__).parents[2])
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Unsupported Ngspice version" not in proc.stderr and "Circuit:" not in proc.stderr + proc.stdout
    return json.loads(proc.stdout.splitlines()[-1])


def test_syntax_errors_classified_like_the_subprocess_runner(tmp_path):
    """Same SpiceError (message and netlist line) as ``ngspice -b``; after ngspice's own fatal exit
    the process's in-process ngspice refuses to run instead of crashing."""
    from pyspice_probe import FATAL, SURVIVABLE
    survivable, good, fatal, after = probe("errors")
    with pytest.raises(SpiceError) as reference:
        SubprocessRunner().run(Netlist(SURVIVABLE, {}, (), ()), tmp_path)
    assert survivable == {"message": reference.value.message, "line": "Q7 a b"}
    assert good == {"vectors": ["time", "v(n1)"]}
    assert fatal["line"] == FATAL.splitlines()[1] and "Expression err" in fatal["message"]
    assert "cannot run again in this process" in after["message"]


def test_memory_stays_flat():
    """40 runs: without ``destroy all`` + ``remcirc`` VmRSS grows ~1.2 MB per run (≈ 40 MB over the
    35 runs after warm-up); with them it stays within a few MB."""
    rss = probe("memory", "40")
    assert rss[-1] - rss[4] < 20, rss


def test_other_threads_are_refused(tmp_path):
    runner, errors = PySpiceRunner(), []
    netlist = Netlist("* t\nR1 n1 0 1k\nC1 n1 0 1p\n.tran 1n 10n\n.end\n", {}, (), ())
    runner.run(netlist, tmp_path)  # this thread owns the process's ngspice

    def other():
        try:
            runner.run(netlist, tmp_path)
        except SpiceError as error:
            errors.append(error.message)

    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    assert errors and "another thread" in errors[0]
