"""The SON–QTTN pipeline's configuration, inputs, compression bound and command line.

Chip runs use a 16 × 16 torus built from toroidal_8k's spec (same cell, components, DAC and
noise temperature; 256 cells instead of 8192) so the commands finish in seconds.
"""

import dataclasses
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import yaml

from device_models.registry import load_device
from device_models.topology import Topology
from sdk.cli import main
from sdk.pipeline import (DEFAULT_CONFIG, PipelineError, compress, digits_field, effective_rank, fit_to_torus,
                          load_config, parse_config, qtt_modes)

SHIPPED = {"backend": "jax", "precision": "float32",
           "network": {"topology": "toroidal_8k", "time_constant": 0.05, "oscillator_coupling": "gaussian_lattice"},
           "qttn": {"rank_truncation": 32, "svd_tolerance": 1e-6, "update_frequency": 10}}


def small_torus(rows=16, cols=16):
    base = load_device("toroidal_8k")
    return dataclasses.replace(base, name=f"torus{rows}x{cols}", cells=rows * cols,
                               topology=Topology("torus2d", rows, cols))


def write_config(tmp_path, **qttn):
    """A config for a 16 × 16 variant of toroidal_8k (chip YAML beside it, path relative)."""
    (tmp_path / "torus16.yaml").write_text(yaml.safe_dump(small_torus().to_dict()))
    raw = json.loads(json.dumps(SHIPPED))
    raw["network"]["topology"] = "torus16.yaml"
    raw["qttn"].update(rank_truncation=8, **qttn)
    path = tmp_path / "pipeline.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def test_shipped_config_has_exactly_the_issue_keys_and_values():
    raw = yaml.safe_load(DEFAULT_CONFIG.read_text())
    assert set(raw) == set(SHIPPED) and set(raw["network"]) == set(SHIPPED["network"])
    assert set(raw["qttn"]) == set(SHIPPED["qttn"])
    cfg = load_config(DEFAULT_CONFIG)
    assert cfg.to_dict() == SHIPPED  # 1e-6, which PyYAML reads as text, parsed as a number
    assert cfg.backend_options == {"precision": "float32"}


@pytest.mark.parametrize("edit,named", [
    (lambda r: r.update(extra=1), "extra"),
    (lambda r: r["qttn"].update(rank=3), "qttn.rank"),
    (lambda r: r["network"].pop("time_constant"), "network.time_constant"),
    (lambda r: r["qttn"].update(rank_truncation=3.0), "qttn.rank_truncation"),
    (lambda r: r["qttn"].update(rank_truncation=True), "qttn.rank_truncation"),
    (lambda r: r["qttn"].update(update_frequency=0), "qttn.update_frequency"),
    (lambda r: r["qttn"].update(svd_tolerance="small"), "qttn.svd_tolerance"),
    (lambda r: r["qttn"].update(svd_tolerance=1.5), "qttn.svd_tolerance"),
    (lambda r: r["network"].update(time_constant=-0.05), "network.time_constant"),
    (lambda r: r["network"].update(time_constant=float("nan")), "network.time_constant"),
    (lambda r: r["network"].update(oscillator_coupling="ising"), "network.oscillator_coupling"),
    (lambda r: r["network"].update(topology=7), "network.topology"),
    (lambda r: r.update(backend="spice"), "backend"),
    (lambda r: r.update(precision="float16"), "precision"),
    (lambda r: r.update(backend="c"), "float32"),  # float32 is a jax setting
    (lambda r: r.update(network=[1]), "network"),
])
def test_config_errors_name_the_key(edit, named):
    raw = json.loads(json.dumps(SHIPPED))
    edit(raw)
    with pytest.raises(PipelineError, match=named.replace(".", r"\.")):
        parse_config(raw)


def test_config_file_errors(tmp_path):
    with pytest.raises(PipelineError, match="cannot read"):
        load_config(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("backend: [jax\n")
    with pytest.raises(PipelineError, match="not valid YAML"):
        load_config(bad)


def test_fields_fit_the_torus():
    f = digits_field(128, 64)
    assert f.shape == (128, 64) and f.min() == 0 and f.max() == 1
    assert fit_to_torus(np.arange(12.0).reshape(3, 4), 16, 16).shape == (16, 16)
    assert np.all(fit_to_torus(np.ones((4, 4)), 8, 8) == 0)
    for bad in (np.ones(5), np.ones((1, 5)), np.array([["a", "b"], ["c", "d"]]), np.full((3, 3), np.nan)):
        with pytest.raises(PipelineError, match="field"):
            fit_to_torus(bad, 8, 8)
    with pytest.raises(PipelineError, match="digit index"):
        digits_field(16, 16, first=1797)


@pytest.mark.parametrize("eps,max_rank", [(0.0, 2), (0.0, 5), (1e-6, 32), (0.05, 1000), (0.3, 1000), (0.05, 3)])
def test_compression_error_within_the_tt_svd_bound(eps, max_rank):
    """‖x − x̂‖ ≤ √Σ_k‖s_k[r_k:]‖² always (Oseledets Thm 2.2; with equality, the truncations being
    nested orthogonal projections), and ≤ eps‖x‖ when the cap does not bind; 1e-12 relative slack
    for float64 rounding of the SVDs."""
    rng = np.random.default_rng(3)
    smooth = digits_field(32, 16).ravel()
    states = np.stack([rng.standard_normal(512), smooth, smooth + 0.1 * rng.standard_normal(512)])
    modes = qtt_modes(32, 16)
    comp = compress(states, modes, eps, max_rank)
    exact = np.linalg.norm(states - comp.states, axis=1)
    assert np.allclose(comp.errors, exact)
    assert np.all(exact <= comp.bounds + 1e-12 * comp.norms)
    assert np.allclose(exact, comp.bounds, rtol=1e-8, atol=1e-12 * comp.norms.max())
    assert np.all(comp.ranks.max(axis=1) <= max_rank)
    if max_rank == 1000:
        assert np.all(exact <= eps * comp.norms * (1 + 1e-12))
    if max_rank <= 3:  # the cap binds on every state: the error is a real truncation
        assert np.all(exact > 1e-3 * comp.norms)


def test_effective_rank_of_a_uniform_train():
    modes = (2, 3, 4, 5)
    for r in (1, 2, 7):
        params = 2 * r + 3 * r * r + 4 * r * r + 5 * r
        assert effective_rank(modes, params) == pytest.approx(r)


def test_cli_pipeline_analyze_visualize(tmp_path):
    """The three commands on a 16 × 16 chip: files written, metrics printed and consistent."""
    config = write_config(tmp_path)
    out = tmp_path / "outputs"
    proc = subprocess.run([sys.executable, "-m", "sdk.cli", "pipeline", "--config", str(config), "--out", str(out),
                           "--replicas", "4", "--updates", "40", "--burn-in", "10"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    for word in ("compression ratio", "reconstruction loss (MSE)", "effective TT rank", "energy oscillation",
                 "posterior mean"):
        assert word in proc.stdout
    state = np.load(out / "son_state.npy")
    assert state.shape == (4, 16, 16) and state.dtype == np.float32
    metrics = json.loads((out / "son_state.metrics.json").read_text())
    assert metrics["run"]["steps"] == 400 and metrics["compression"]["largest_rank"] <= 8
    assert metrics["tt_bound_holds_every_update"]
    analyzed = subprocess.run([sys.executable, "-m", "sdk.cli", "analyze", "--input", str(out / "son_state.npy")],
                              capture_output=True, text=True, timeout=300)
    assert analyzed.returncode == 0, analyzed.stderr
    # analyze recomputes the compression from the (float32) state file: same figures as the run's
    ratio = float(analyzed.stdout.split("compression ratio")[1].split()[0])
    assert ratio == pytest.approx(metrics["compression"]["compression_ratio"], rel=1e-3)
    assert f"{metrics['energy_oscillation']:.4g}" in analyzed.stdout
    assert main(["visualize", "--model", "qttn", "--input", str(out / "son_state.npy")]) == 0
    for name in ("son_state.spectrum.png", "son_state.fields.png"):
        assert (out / name).stat().st_size > 10_000


def test_cli_errors_before_work(tmp_path, capsys):
    config = write_config(tmp_path)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["pipeline", "--config", str(config), "--out", str(blocker)]) == 2
    assert "not a directory" in capsys.readouterr().err
    raw = yaml.safe_load(config.read_text())
    raw["qttn"]["rank"] = 4
    config.write_text(yaml.safe_dump(raw))
    assert main(["pipeline", "--config", str(config), "--out", str(tmp_path / "o")]) == 2
    assert "qttn.rank" in capsys.readouterr().err
    np.save(tmp_path / "line.npy", np.ones(7))
    assert main(["analyze", "--input", str(tmp_path / "missing.npy")]) == 2
    assert "cannot read the state" in capsys.readouterr().err
    assert main(["analyze", "--input", str(tmp_path / "line.npy")]) == 2
    assert "must be a real" in capsys.readouterr().err
    np.save(tmp_path / "field.npy", np.ones((16, 16)))
    assert main(["analyze", "--input", str(tmp_path / "field.npy")]) == 2  # no metrics beside it, no --config
    assert "give --config" in capsys.readouterr().err
    assert main(["analyze", "--input", str(tmp_path / "field.npy"), "--config", str(DEFAULT_CONFIG)]) == 0
    assert "compression ratio" in capsys.readouterr().out


def test_example_runs(tmp_path):
    """examples/son_qttn_pipeline.py in its quick settings writes its bias plot."""
    env = dict(os.environ, SONQ_EXAMPLE_QUICK="1", MPLBACKEND="Agg")
    script = DEFAULT_CONFIG.parents[1] / "examples" / "son_qttn_pipeline.py"
    proc = subprocess.run([sys.executable, str(script), str(tmp_path)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "son_qttn_bias.png").stat().st_size > 10_000
