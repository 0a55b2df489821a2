"""ngspice runs nothing the user did not ask for and writes nowhere but its own private directory.

Issue 10: ``.spiceinit`` files (in the run's directory, the current directory, ``$HOME`` or the
passwd home directory, which libngspice reads) are never executed, by either runner; a symlink
planted where a netlist or an output would go is never followed; ngspice's text in an error has its
control characters escaped.  Everything drives the real ngspice: the subprocess runner in this
process, libngspice in child processes (its one instance per process reads init files only once,
when it starts).  Each planted file is first shown to run when SONQ's guards are left out.
"""

from __future__ import annotations

import functools
import os
import pwd
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from compiler.netlist import Netlist
from device_models.errors import SpiceError
from runtime.spice.errors import classify, printable
from runtime.spice.pyspice_runner import PySpiceRunner
from runtime.spice.runner import LOG_NAME, NETLIST_NAME, RAW_NAME, SubprocessRunner

ROOT = Path(__file__).resolve().parents[1]
RC = "* t\nR1 n1 0 1k\nC1 n1 0 1p\n.tran 1n 10n\n.end\n"
NOISE_NAME = "drive.txt"
#: a filesource driving 1 mA into 1 kΩ: v(n1) = 1 V, read from the run directory's drive.txt
DRIVEN = ("* t\n.model fs filesource (file=\"{prefix}" + NOISE_NAME + "\" amploffset=[0] amplscale=[1] "
          "timeoffset=0 timescale=1 timerelative=false amplstep=false)\nA1 %id([0 n1]) fs\nR1 n1 0 1k\n"
          ".tran 1n 10n\n.end\n")
DRIVE = "0 1e-3\n1e-6 1e-3\n"
#: child process: ``sonq`` runs the RC netlist through PySpiceRunner under WORKDIR; ``bare`` only
#: starts libngspice as PySpice would, without SONQ's init-file guard
CHILD = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from compiler.netlist import Netlist
from runtime.spice.pyspice_runner import PySpiceRunner, _ngspice_class
if sys.argv[2] == "bare":
    _ngspice_class()()
else:
    vectors = PySpiceRunner().run(Netlist(sys.argv[4], {}, (), ()), Path(sys.argv[3]))
    assert "v(n1)" in vectors, sorted(vectors)
"""

needs_pyspice = pytest.mark.skipif(PySpiceRunner.unavailable_reason() is not None,
                                   reason=str(PySpiceRunner.unavailable_reason()))
needs_ngspice = pytest.mark.skipif(SubprocessRunner().unavailable_reason() is not None,
                                   reason=str(SubprocessRunner().unavailable_reason()))


class Planted:
    """Directories for one case: ``work`` (the runner's working directory), ``cwd`` (the current
    directory), ``home`` (``$HOME``) and ``upper`` (laid over the passwd entry's home directory);
    :meth:`plant` puts a ``.spiceinit`` that touches ``marker`` into one of them."""

    def __init__(self, tmp_path: Path, where: str):
        self.where = where
        self.marker = tmp_path / "marker"
        self.work, self.cwd, self.home, self.upper = (tmp_path / name for name in ("work", "cwd", "home", "upper"))
        for d in (self.work, self.cwd, self.home, self.upper):
            d.mkdir()
        self.env = {**os.environ, "HOME": str(self.home)}

    def plant(self, directory: Path) -> None:
        (directory / ".spiceinit").write_text(f"shell touch {self.marker}\n")

    def ran(self) -> bool:
        return self.marker.exists()


def _plant_for_subprocess(planted: Planted, runner: SubprocessRunner) -> Path:
    """Plant the file where ``planted.where`` says and return the run directory."""
    rundir = runner.start(planted.work)
    planted.plant({"workdir": rundir, "cwd": planted.cwd, "home": planted.home}[planted.where])
    return rundir


@needs_ngspice
@pytest.mark.parametrize("where", ["workdir", "home"])
def test_planted_spiceinit_runs_in_plain_ngspice(tmp_path, where):
    """The control: ``ngspice -b`` without ``-n``, started as SONQ starts it, executes the file."""
    planted = Planted(tmp_path, where)
    rundir = _plant_for_subprocess(planted, SubprocessRunner())
    (rundir / NETLIST_NAME).write_text(RC)
    subprocess.run(["ngspice", "-b", NETLIST_NAME], cwd=rundir, env=planted.env, capture_output=True, timeout=60)
    assert planted.ran()


@needs_ngspice
@pytest.mark.parametrize("where", ["workdir", "cwd", "home"])
def test_subprocess_runner_executes_no_spiceinit(tmp_path, monkeypatch, where):
    planted = Planted(tmp_path, where)
    monkeypatch.chdir(planted.cwd)
    monkeypatch.setenv("HOME", str(planted.home))
    runner = SubprocessRunner()
    vectors = runner.run_in(Netlist(RC, {}, (), ()), _plant_for_subprocess(planted, runner))
    assert "v(n1)" in vectors and not planted.ran()
    assert "-n" in runner.command()


@functools.lru_cache(maxsize=1)
def _overlay_unavailable() -> str | None:
    """Why the passwd home directory cannot be overlaid in a private mount namespace here."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        return "overlaying the passwd home needs root and unshare(1)"
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True)
    return None if probe.returncode == 0 else f"unshare -m fails here: {probe.stderr.decode(errors='replace')}"


def _child(planted: Planted, mode: str) -> subprocess.CompletedProcess:
    """Run CHILD (``mode``) from ``planted.cwd`` with ``planted.env``; for ``where="passwd"`` in a
    private mount namespace whose passwd home is overlaid with ``planted.upper`` (the real home is
    untouched and no other process sees the overlay)."""
    command = [sys.executable, "-c", CHILD, str(ROOT), mode, str(planted.work), RC]
    if planted.where == "passwd":
        pw_home = pwd.getpwuid(os.getuid()).pw_dir
        overlay_work = planted.upper.parent / "overlay-work"
        overlay_work.mkdir()
        script = 'mount -t overlay overlay -o lowerdir="$1",upperdir="$2",workdir="$3" "$1" && shift 3 && exec "$@"'
        command = ["unshare", "-m", "sh", "-c", script, "sh", pw_home, str(planted.upper), str(overlay_work), *command]
    return subprocess.run(command, cwd=planted.cwd, env=planted.env, capture_output=True, text=True, timeout=120)


def _planted_for_pyspice(tmp_path: Path, where: str) -> Planted:
    if where == "passwd" and _overlay_unavailable():
        pytest.skip(_overlay_unavailable())
    planted = Planted(tmp_path, where)
    planted.plant({"workdir": planted.work, "cwd": planted.cwd, "home": planted.home, "passwd": planted.upper}[where])
    return planted


@needs_pyspice
@pytest.mark.parametrize("where", ["cwd", "passwd"])
def test_planted_spiceinit_runs_in_bare_libngspice(tmp_path, where):
    """The control: libngspice started without SONQ's guard executes ./.spiceinit, else the one in
    the passwd entry's home directory."""
    planted = _planted_for_pyspice(tmp_path, where)
    proc = _child(planted, "bare")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert planted.ran()


@needs_pyspice
@pytest.mark.parametrize("where", ["workdir", "cwd", "home", "passwd"])
def test_pyspice_runner_executes_no_spiceinit(tmp_path, where):
    planted = _planted_for_pyspice(tmp_path, where)
    proc = _child(planted, "sonq")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert not planted.ran()
    assert [p.name for p in planted.cwd.iterdir()] == ([".spiceinit"] if where == "cwd" else [])


RUNNERS = [pytest.param(SubprocessRunner, marks=needs_ngspice), pytest.param(PySpiceRunner, marks=needs_pyspice)]


def _victim(tmp_path: Path) -> Path:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    return victim


@pytest.mark.parametrize("runner_class", RUNNERS)
def test_run_directory_is_private_and_its_files_are_used(tmp_path, runner_class):
    """Each run gets a new 0700 directory; its files (0600) are the ones ngspice reads."""
    runner = runner_class()
    first, second = runner.start(tmp_path), runner.start(tmp_path)
    assert first != second and first.parent == second.parent == tmp_path
    assert stat.S_IMODE(first.stat().st_mode) == 0o700
    prefix = f"{first.resolve()}/" if runner.absolute_paths else ""
    vectors = runner.run_in(Netlist(DRIVEN.format(prefix=prefix), {NOISE_NAME: DRIVE}, (), ()), first)
    assert np.allclose(vectors["v(n1)"], 1.0)
    assert stat.S_IMODE((first / NOISE_NAME).stat().st_mode) == 0o600


@pytest.mark.parametrize("runner_class", RUNNERS)
def test_symlinks_planted_in_the_workdir_are_not_followed(tmp_path, runner_class):
    victim = _victim(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    for name in (NETLIST_NAME, RAW_NAME, LOG_NAME, NOISE_NAME, ".spiceinit"):
        (work / name).symlink_to(victim)
    vectors = runner_class().run(Netlist(RC, {NOISE_NAME: DRIVE}, (), ()), work)
    assert "v(n1)" in vectors and victim.read_text() == "precious\n"


@pytest.mark.parametrize("name", [NETLIST_NAME, NOISE_NAME, RAW_NAME, LOG_NAME])
@needs_ngspice
def test_symlink_in_the_run_directory_is_refused(tmp_path, name):
    """Even inside the run directory (only reachable by this user) a planted link is refused, not
    followed: files are created with O_CREAT | O_EXCL | O_NOFOLLOW."""
    victim = _victim(tmp_path)
    runner = SubprocessRunner()
    rundir = runner.start(tmp_path / "work")
    (rundir / name).symlink_to(victim)
    with pytest.raises(SpiceError, match="refusing to write .*something is already there"):
        runner.run_in(Netlist(RC, {NOISE_NAME: DRIVE}, (), ()), rundir)
    assert victim.read_text() == "precious\n"


@pytest.mark.parametrize("name", ["../escape.txt", "sub/dir.txt", "..", ""])
@needs_ngspice
def test_netlist_file_names_stay_in_the_run_directory(tmp_path, name):
    with pytest.raises(SpiceError, match="not a plain file name"):
        SubprocessRunner().run(Netlist(RC, {name: DRIVE}, (), ()), tmp_path / "work")
    assert not (tmp_path / "escape.txt").exists()


def test_printable_escapes_control_characters_but_keeps_lines():
    assert printable("a\x1b[31mb\tc\nd\r\x00\u202e\x7f\x85é") == "a\\x1b[31mb\tc\nd\\r\\x00\\u202e\\x7f\\x85é"


def test_classify_escapes_ngspice_output_and_netlist_lines():
    error = classify("Error on line 2 \x1b]0;pwned\x07\nmore\x1b[2J", "* t\nQ7 a\x1b[31m b\n", exit_code=1)
    assert "\x1b" not in str(error) and "\x07" not in str(error)
    assert error.message == "Error on line 2 \\x1b]0;pwned\\x07\nmore\\x1b[2J"
    assert error.line == "Q7 a\\x1b[31m b"
    status = classify("fatal\x1b[2J", "", exit_code=3)
    assert str(status) == "ngspice exited with status 3: fatal\\x1b[2J"


@needs_ngspice
def test_real_ngspice_error_quoting_a_control_character_is_escaped(tmp_path):
    with pytest.raises(SpiceError) as info:
        SubprocessRunner().run(Netlist("* t\nR1 n1 0 1k\nQ7 a\x1b[31m b\n.tran 1n 10n\n.end\n", {}, (), ()), tmp_path)
    assert "Error on line 3" in info.value.message
    assert info.value.line == "Q7 a\\x1b[31m b" and "\x1b" not in str(info.value)
