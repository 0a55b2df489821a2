"""The ``sonq`` command line: every subcommand through ``main([...])``, error exits, and one call
of the installed console script."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from compiler.program import Program
from sdk.cli import main
from sdk.demo import SMALL_INSTANCE


@pytest.fixture(scope="module")
def program_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "prog.npz"
    assert main(["compile", str(SMALL_INSTANCE), "--device", "oim1024", "-o", str(path)]) == 0
    return path


def test_devices_lists_every_shipped_chip(capsys):
    assert main(["devices"]) == 0
    out = capsys.readouterr().out
    for name in ("oim1024", "oim64-kings", "gauss8", "pbit256", "toroidal_8k"):
        assert name in out
    row = next(line for line in out.splitlines() if line.startswith("oim1024"))
    assert row.split()[1:3] == ["oim", "1024"] and "5 µS" in row and "8 bit" in row and "400 ns" in row


def test_compile_gset_prints_the_report(program_file, capsys):
    assert main(["compile", str(SMALL_INSTANCE), "--device", "oim1024", "-o", str(program_file)]) == 0
    out = capsys.readouterr().out
    assert "compiled 20 variables onto oim1024" in out and f"wrote {program_file}" in out
    program = Program.load(program_file)
    assert program.model.kind == "maxcut" and program.num_variables == 20


def test_compile_dense_J_is_ising_with_half_sJs(tmp_path):
    rng = np.random.default_rng(3)
    J = np.triu(rng.choice([-1.0, 1.0], size=(6, 6)), 1)
    J = J + J.T
    np.save(tmp_path / "J.npy", J)
    assert main(["compile", str(tmp_path / "J.npy"), "--device", "oim1024", "-o", str(tmp_path / "p")]) == 0
    program = Program.load(tmp_path / "p.npz")
    s = rng.choice([-1.0, 1.0], size=(5, 6))
    assert np.allclose(program.model.energy(s), 0.5 * np.einsum("ri,ij,rj->r", s, J, s))


def test_run_prints_a_summary_and_saves_samples(program_file, tmp_path, capsys):
    out_file = tmp_path / "result.npz"
    code = main(["run", str(program_file), "--backend", "numba", "--reads", "8", "--seed", "2",
                 "--steps", "2000", "-o", str(out_file)])
    assert code == 0
    out = capsys.readouterr().out
    for key in ("best energy", "best cut", "success", "TTS99", "wall time", "chip time"):
        assert key in out
    with np.load(out_file) as z:
        assert z["samples"].shape == (8, 20) and z["energies"].shape == (8,)
        assert np.allclose(z["cut_values"], (95 - z["energies"]) / 2)


def test_run_with_constant_temperature_and_target(program_file, capsys):
    code = main(["run", str(program_file), "--backend", "numpy", "--reads", "4", "--seed", "1",
                 "--steps", "300", "--temperature", "0.01", "--target", "-29"])
    assert code == 0
    assert "reads at energy ≤ -29 (target)" in capsys.readouterr().out


def test_demo_quick_writes_the_plot(tmp_path, capsys):
    assert main(["demo", "--quick", "--backend", "numba", "--instance", str(SMALL_INSTANCE),
                 "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "best cut       62" in out and "optimum by enumeration" in out and "TTS99" in out
    assert (tmp_path / "energy_traces.png").stat().st_size > 10_000


@pytest.mark.parametrize("argv, needle", [
    (["compile", str(SMALL_INSTANCE), "--device", "no-such-chip", "-o", "x.npz"], "no-such-chip"),
    (["compile", "missing.rudy", "--device", "oim1024", "-o", "x.npz"], "missing.rudy"),
    (["run", "missing.npz"], "missing.npz"),
])
def test_sonq_errors_exit_2_with_one_line(argv, needle, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("sonq: error:") and needle in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_dense_model_off_the_device_topology_is_an_error(tmp_path, capsys):
    np.save(tmp_path / "J.npy", np.ones((10, 10)) - np.eye(10))
    assert main(["compile", str(tmp_path / "J.npy"), "--device", "oim64-kings", "-o", str(tmp_path / "p")]) == 2
    assert "sonq: error:" in capsys.readouterr().err


def test_usage_error_returns_2(capsys):
    assert main(["run"]) == 2
    assert "usage:" in capsys.readouterr().err


def test_installed_console_script(tmp_path):
    # pip puts console scripts beside the interpreter; PATH need not include that directory.
    exe = Path(sys.executable).with_name("sonq")
    assert exe.is_file(), f"the sonq console script is not installed beside {sys.executable} (pip install -e .)"
    ok = subprocess.run([exe, "devices"], capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0 and "oim1024" in ok.stdout
    bad = subprocess.run([exe, "compile", str(SMALL_INSTANCE), "--device", "nope", "-o", str(tmp_path / "p")],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "'nope'" in bad.stderr and "Traceback" not in bad.stderr


def test_ctrl_c_exits_130_with_one_line_and_no_file(program_file, tmp_path, capsys, monkeypatch):
    import sdk.cli.run
    import sdk.cli.devices

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(sdk.cli.run, "run", interrupted)
    out = tmp_path / "r.npz"
    assert main(["run", str(program_file), "--backend", "numpy", "-o", str(out)]) == 130
    assert capsys.readouterr().err == "sonq: interrupted\n"
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_multiline_errors_print_on_one_line(capsys, monkeypatch):
    import sdk.cli.run
    import sdk.cli.devices
    from device_models.errors import SpiceError

    def fails(args):
        raise SpiceError("ngspice failed\x1b[31m", line="R1 a b \x07")

    monkeypatch.setattr(sdk.cli.devices, "devices", fails)
    assert main(["devices"]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "\x1b" not in err and "\x07" not in err
    assert err.startswith("sonq: error: ngspice failed\\x1b[31m | ")


def test_unreadable_model_file_is_one_line(tmp_path, capsys):
    (tmp_path / "J.npy").write_bytes(b"\x93NUMPY garbage")
    assert main(["compile", str(tmp_path / "J.npy"), "-d", "oim1024", "-o", str(tmp_path / "p.npz")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("sonq: error:") and "cannot read a J matrix" in err and len(err.splitlines()) == 1


def test_run_takes_the_protocol_step_and_recording_options(program_file, capsys):
    assert main(["run", str(program_file), "--backend", "numpy", "--reads", "2", "--seed", "3", "--steps", "40",
                 "--temperature", "0.2", "--dt", "0.01", "--integrator", "euler", "--record-every", "10",
                 "--burn-in", "15"]) == 0
    out = capsys.readouterr().out
    assert "40 steps, dt 0.01" in out and "ran 2 replicas" in out and "6 samples" in out  # 3 records after 15
    assert main(["run", str(program_file), "--backend", "numpy", "--reads", "2", "--steps", "5",
                 "--integrator", "sweep"]) == 2
    assert "integrator must be one of" in capsys.readouterr().err


def test_devices_validates_and_shows_a_custom_chip(tmp_path, capsys):
    chip = tmp_path / "mine.yaml"
    chip.write_text("name: my-chip\ncell: pbit\ncells: 16\ntopology: all_to_all\n"
                    "components: {supply: 1 V, input_scale: 1 uA, clock: 1 GHz}\n"
                    "coupling: {g_max: 10 uS, dac_bits: 6}\n")
    assert main(["devices", "--file", str(chip)]) == 0
    assert "my-chip" in capsys.readouterr().out
    chip.write_text(chip.read_text().replace("cells: 16", "cells: -1"))
    assert main(["devices", "--file", str(chip)]) == 2
    assert "cells" in capsys.readouterr().err
