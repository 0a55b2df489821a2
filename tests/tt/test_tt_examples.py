"""Every tensor-train example runs (short settings) and writes its plot."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = {
    "tt_compress_field.py": "tt_field_spectrum.png",
    "tt_torus_from_mpo.py": "tt_torus_mpo.png",
    "tt_mess3_on_chip.py": "tt_mess3_marginals.png",
}


@pytest.mark.parametrize("script", sorted(EXAMPLES))
def test_example_runs(script, tmp_path):
    env = dict(os.environ, SONQ_EXAMPLE_QUICK="1", MPLBACKEND="Agg")
    done = subprocess.run([sys.executable, str(ROOT / "examples" / script), str(tmp_path)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / EXAMPLES[script]).is_file()
