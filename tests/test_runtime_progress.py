"""run(..., progress=): a tqdm bar over the steps on stderr, advanced between kernel calls."""

from __future__ import annotations

import numpy as np
import pytest

import sdk
from runtime.backends import base
from runtime.errors import RunError


@pytest.fixture(scope="module")
def program():
    return sdk.compile(sdk.IsingModel(np.zeros(4), np.triu(np.ones((4, 4)), 1)), "pbit256")


def test_progress_bar_counts_the_steps(program, capsys, monkeypatch):
    """Forced on, the bar reaches every step through the calls (cut to 10 steps each here); the
    samples are the run's without a bar."""
    monkeypatch.setattr(base, "MAX_BLOCK_WORK", 10 * (4 * (program.couplings.nnz + base.NODE_WORK * 4) + base.STEP_WORK))
    quiet = sdk.run(program, "c", num_reads=4, steps=100, seed=1, progress=False)
    assert capsys.readouterr().err == ""
    import tqdm

    counts = []
    update = tqdm.tqdm.update
    monkeypatch.setattr(tqdm.tqdm, "update", lambda self, n=1: (counts.append(self.n + n), update(self, n))[1])
    shown = sdk.run(program, "c", num_reads=4, steps=100, seed=1, progress=True)
    err = capsys.readouterr().err
    assert "sonq run" in err and "100/100" in err, err
    assert counts == list(range(10, 101, 10))  # one update after each kernel call
    np.testing.assert_array_equal(shown.samples, quiet.samples)


def test_progress_off_when_not_a_terminal_and_bad_values_refused(program, capsys):
    sdk.run(program, "numpy", num_reads=2, steps=5, seed=1)  # stderr captured: not a terminal
    assert capsys.readouterr().err == ""
    with pytest.raises(RunError, match="progress"):
        sdk.run(program, "numpy", num_reads=2, steps=5, seed=1, progress="yes")
