"""Every script in ``examples/`` runs (short settings via ``SONQ_EXAMPLE_QUICK=1``)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
# script → image files it writes into the output directory given as its argument
SCRIPTS = {"maxcut_demo.py": ["maxcut_energy_traces.png"], "gaussian_sampling.py": [],
           "double_well.py": ["double_well.png"], "cells_maxcut.py": [], "learn_on_chip.py": [],
           "ocean_sampler.py": [],
           "langevin_learning.py": ["arrhenius.png", "kl_relaxation.png", "consolidation.png"],
           "plots_gallery.py": ["energy_traces.png", "oim_phases.png", "device_graph.png", "kpo_portrait.png",
                                "mess3_simplex.png"]}


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_example_runs(script, tmp_path):
    env = dict(os.environ, SONQ_EXAMPLE_QUICK="1", MPLBACKEND="Agg")
    proc = subprocess.run([sys.executable, str(EXAMPLES / script), str(tmp_path)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    for name in SCRIPTS[script]:
        assert (tmp_path / name).stat().st_size > 10_000
