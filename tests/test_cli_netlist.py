"""``sonq netlist PROGRAM -o file.cir``: the exported netlist is the one the spice backend runs for
the same settings and seed (text and noise files, compared after a real ngspice run), user text
stays in sanitised comments, and bad outputs or programs are refused before anything is written."""

import re

import numpy as np
import pytest

import sdk
from compiler.netlist.writer import WRITER_COMMANDS
from sdk.cli import main

FILESOURCE = re.compile(r'file="[^"]*(sonq_noise\d+\.txt)"')


@pytest.fixture(scope="module")
def gauss_program(tmp_path_factory):
    path = tmp_path_factory.mktemp("netlist") / "gauss.npz"
    model = sdk.GaussianModel(np.array([[2.0, -0.5, 0.0], [-0.5, 1.5, 0.3], [0.0, 0.3, 1.0]]), b=[0.5, 0.0, -0.2])
    sdk.compile(model, "gauss8").save(path)
    return path


def test_the_export_is_the_netlist_the_spice_backend_runs(gauss_program, tmp_path, capsys):
    out = tmp_path / "g.cir"
    assert main(["netlist", str(gauss_program), "-o", str(out), "--seed", "3", "--steps", "20",
                 "--temperature", "1.0"]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    workdir = tmp_path / "spice"
    workdir.mkdir()
    sdk.run(sdk.Program.load(gauss_program), "spice", num_reads=1, seed=3, steps=20, temperature=1.0,
            backend_options={"workdir": str(workdir), "keep_netlist": True})
    (rundir,) = workdir.iterdir()
    ran = (rundir / "circuit.cir").read_text()
    exported = out.read_text()
    # the same netlist but for where ngspice finds the noise files (beside the export, named after it)
    assert FILESOURCE.sub(r"\1", exported.replace("g.cir.sonq_noise", "sonq_noise")) == FILESOURCE.sub(r"\1", ran)
    noise_files = sorted(rundir.glob("sonq_noise*.txt"))
    assert noise_files
    for ran_file in noise_files:
        assert (tmp_path / f"g.cir.{ran_file.name}").read_text() == ran_file.read_text()


def test_user_text_stays_in_comments_and_no_noise_leaves_the_sources_out(tmp_path):
    model = sdk.IsingModel(np.zeros(3), np.array([[0, 1.0, -1], [1, 0, 0.5], [-1, 0.5, 0]]),
                           labels=["a\n.end", "b;$x", "c\x1b[2J"])
    program = tmp_path / "ising.npz"
    sdk.compile(model, "oim1024").save(program)
    out = tmp_path / "o.cir"
    assert main(["netlist", str(program), "-o", str(out), "--steps", "2", "--no-noise", "--seed", "0"]) == 0
    lines = out.read_text().splitlines()
    commands = [line.split()[0] for line in lines if line.startswith(".")]
    assert set(commands) <= set(WRITER_COMMANDS) and lines[-1] == ".end" and commands.count(".end") == 1
    labels = [line for line in lines if line.startswith("* cell ")]
    assert len(labels) == 3 and all(re.fullmatch(r"[A-Za-z0-9 _.,:()+=<>'?-]*", line[2:]) for line in labels)
    assert not any("AN" == line[:2] for line in lines) and sorted(p.name for p in tmp_path.iterdir()) == \
        ["ising.npz", "o.cir"]


def test_outputs_and_programs_are_checked_before_anything_is_written(gauss_program, tmp_path, capsys):
    (tmp_path / "d").mkdir()
    assert main(["netlist", str(tmp_path / "missing.npz"), "-o", str(tmp_path / "d")]) == 2
    assert "is a directory" in capsys.readouterr().err  # the output is checked before the program is read
    assert main(["netlist", str(gauss_program), "-o", str(tmp_path / "no" / "x.cir")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["netlist", str(gauss_program), "-o", str(tmp_path / "a b.cir")]) == 2
    assert "letters, digits and '_.-' only" in capsys.readouterr().err
    assert main(["netlist", str(gauss_program), "-o", str(tmp_path / "s.cir"), "--seed", "-1"]) == 2
    assert "--seed" in capsys.readouterr().err
    pbit = tmp_path / "pbit.npz"
    sdk.compile(sdk.read_gset(sdk.datasets.instance_path("mc50_n20_1")), "pbit256").save(pbit)
    assert main(["netlist", str(pbit), "-o", str(tmp_path / "p.cir")]) == 2
    assert "no circuit for cell 'pbit'" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d", "pbit.npz"]
