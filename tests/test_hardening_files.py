"""Files and interrupts (issue 10): every write is atomic (a failure mid-write leaves the old file
intact and no temporary file behind), output paths are checked before any work, and Ctrl-C stops
``sonq run`` at once with exit code 130, one line on stderr and no partial output."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import sdk
from compiler.program import Program
from device_models.errors import OutputFileError, SonqError
from device_models.files import atomic_write, check_output_dir, check_output_path, one_line, printable
from sdk.cli import main
from sdk.demo import SMALL_INSTANCE

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def program_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("files") / "prog.npz"
    assert main(["compile", str(SMALL_INSTANCE), "--device", "oim1024", "-o", str(path)]) == 0
    return path


# --- atomic_write ------------------------------------------------------------------------------

def test_atomic_write_replaces_the_file(tmp_path):
    target = tmp_path / "f.txt"
    target.write_text("old")
    os.chmod(target, 0o640)
    assert atomic_write(target, lambda f: f.write("new"), text=True) == target
    assert target.read_text() == "new" and (target.stat().st_mode & 0o777) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.txt"]


def test_a_failing_writer_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "f.bin"
    target.write_bytes(b"old")

    def fail(f):
        f.write(b"x" * 100_000)
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError, match="disk on fire"):
        atomic_write(target, fail)
    assert target.read_bytes() == b"old" and sorted(p.name for p in tmp_path.iterdir()) == ["f.bin"]

    def interrupted(f):
        f.write(b"partial")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, interrupted)
    assert target.read_bytes() == b"old" and sorted(p.name for p in tmp_path.iterdir()) == ["f.bin"]


def test_os_errors_while_writing_are_output_file_errors(tmp_path):
    def enospc(f):
        raise OSError(28, "No space left on device")

    with pytest.raises(OutputFileError, match="No space left on device; the previous file, if any, is unchanged"):
        atomic_write(tmp_path / "f", enospc)
    assert list(tmp_path.iterdir()) == []


def test_directories_and_special_files_are_refused(tmp_path):
    with pytest.raises(OutputFileError, match="is a directory"):
        atomic_write(tmp_path, lambda f: None)
    with pytest.raises(OutputFileError, match="does not exist"):
        atomic_write(tmp_path / "no" / "f", lambda f: None)
    with pytest.raises(OutputFileError, match="not a regular file"):
        check_output_path("/dev/null")
    with pytest.raises(OutputFileError, match="empty"):
        check_output_path("")
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputFileError, match="(?i)not a directory"):
        check_output_path(tmp_path / "file" / "inner")
    with pytest.raises(OutputFileError, match="exists and is not a directory"):
        check_output_dir(tmp_path / "file")
    assert check_output_dir(tmp_path / "new" / "dir") == tmp_path / "new" / "dir"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_read_only_directory_is_refused(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(OutputFileError, match="not writable"):
            check_output_path(ro / "f")
    finally:
        ro.chmod(0o700)


def test_a_symlink_at_the_target_is_replaced_not_followed(tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("precious")
    link = tmp_path / "out.txt"
    link.symlink_to(victim)
    atomic_write(link, lambda f: f.write("output"), text=True)
    assert victim.read_text() == "precious"
    assert not link.is_symlink() and link.read_text() == "output"


def test_a_symlink_to_a_directory_is_refused(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "d")
    with pytest.raises(OutputFileError, match="is a directory"):
        atomic_write(tmp_path / "link", lambda f: None)


def test_printable_escapes_control_characters():
    assert printable("a\x1b[2Jb\u202ec\td\ne") == "a\\x1b[2Jb\\u202ec\td\ne"
    assert one_line("first\nsecond\r\n") == "first | second\\r"


#: child: overwrite argv[2] with a program far larger than RLIMIT_FSIZE allows
BIG_SAVE = """
import resource, sys
sys.path.insert(0, sys.argv[1])
import numpy as np, sdk
rng = np.random.default_rng(0)
J = np.triu(rng.normal(size=(400, 400)), 1)
program = sdk.compile(sdk.IsingModel(np.zeros(400), J + J.T), "oim1024", quantize=False)
resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, resource.RLIM_INFINITY))
try:
    program.save(sys.argv[2])
except sdk.OutputFileError as error:
    print("refused:", error)
"""


def test_program_save_under_a_write_failure_keeps_the_old_file(program_file, tmp_path):
    """A save that fails midway (file-size limit: the kernel refuses the write, EFBIG, as on a full
    disk) leaves the previous program loadable and no temporary file."""
    target = tmp_path / "prog.npz"
    target.write_bytes(program_file.read_bytes())
    before = target.read_bytes()
    assert len(before) < 64 * 1024
    proc = subprocess.run([sys.executable, "-c", BIG_SAVE, str(ROOT), str(target)], capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "refused: cannot write" in proc.stdout and "File too large" in proc.stdout
    assert target.read_bytes() == before
    assert Program.load(target).num_variables == 20
    assert sorted(p.name for p in tmp_path.iterdir()) == ["prog.npz"]


def test_write_gset_and_plots_are_atomic(tmp_path):
    model = sdk.read_gset(SMALL_INSTANCE)
    path = sdk.write_gset(model, tmp_path / "g.rudy")
    assert sdk.read_gset(path).J.nnz == model.J.nnz
    with pytest.raises(OutputFileError, match="is a directory"):
        sdk.write_gset(model, tmp_path)
    from sdk.plots import plot_density

    grid = np.linspace(-3, 3, 50)
    with pytest.raises(OutputFileError, match="is a directory"):
        plot_density(np.zeros(10), grid, np.exp(-grid**2 / 2), tmp_path)
    png = plot_density(np.random.default_rng(0).normal(size=200), grid, np.exp(-grid**2 / 2) / 2.5,
                       tmp_path / "d.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.png", "g.rudy"]


# --- the CLI checks output paths first ----------------------------------------------------------

def test_run_output_directory_is_refused_before_the_run(program_file, tmp_path, capsys):
    out = tmp_path / "results"
    out.mkdir()
    start = time.perf_counter()
    # 10¹² steps would be refused later for memory; the output check comes first, at once.
    code = main(["run", str(program_file), "--backend", "numpy", "--steps", str(10**12), "-o", str(out)])
    assert code == 2 and time.perf_counter() - start < 5
    err = capsys.readouterr().err
    assert "is a directory" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "results.npz").exists() and list(out.iterdir()) == []


def test_compile_output_checked_before_compiling(tmp_path, capsys):
    (tmp_path / "dir").mkdir()
    assert main(["compile", str(SMALL_INSTANCE), "-d", "oim1024", "-o", str(tmp_path / "dir")]) == 2
    assert "is a directory" in capsys.readouterr().err
    assert main(["compile", str(SMALL_INSTANCE), "-d", "oim1024", "-o", str(tmp_path / "no" / "p.npz")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert not (tmp_path / "dir.npz").exists()


def test_demo_output_directory_checked_before_the_run(tmp_path, capsys):
    (tmp_path / "file").write_text("x")
    assert main(["demo", "--quick", "--out", str(tmp_path / "file")]) == 2
    assert "exists and is not a directory" in capsys.readouterr().err


def test_cli_errors_escape_control_characters(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["run", "evil\x1b[2J.npz"]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\\x1b[2J" in err and len(err.strip().splitlines()) == 1


def test_cli_run_writes_results_atomically(program_file, tmp_path):
    out = tmp_path / "r.npz"
    out.write_bytes(b"old")
    assert main(["run", str(program_file), "-b", "numpy", "-r", "2", "--steps", "5", "-s", "0", "-o", str(out)]) == 0
    with np.load(out) as z:
        assert z["samples"].shape == (2, 20)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.npz"]


# --- Ctrl-C -----------------------------------------------------------------------------------

def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a running process (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _sonq() -> list[str]:
    exe = Path(sys.executable).with_name("sonq")
    return [str(exe)] if exe.is_file() else [sys.executable, "-m", "sdk.cli"]


# Every emulator returns to Python between blocks (the C backend caps each kernel call at
# runtime.backends.base.MAX_BLOCK_WORK), so the KeyboardInterrupt is raised within a block.
@pytest.mark.parametrize("backend", ["numba", "numpy", "c"])
def test_sigint_stops_sonq_run_at_once(program_file, tmp_path, backend):
    out = tmp_path / "out.npz"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # Warm the compiled kernels (numba caches them) and measure the CPU time of a whole short run
    # (imports included): once the long run has used a second more, it is simulating, not importing.
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(_sonq() + ["run", str(program_file), "-b", backend, "-r", "4", "--steps", "10"],
                   capture_output=True, timeout=300, env=env, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    warm = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    proc = subprocess.Popen(_sonq() + ["run", str(program_file), "-b", backend, "-r", "64", "--steps",
                                       str(10**7), "-o", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
    try:
        deadline = time.monotonic() + 120
        while _cpu_seconds(proc.pid) < warm + 1.0 and time.monotonic() < deadline:
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.1)
        time.sleep(0.5)
        assert proc.poll() is None, proc.communicate()
        sent = time.perf_counter()
        proc.send_signal(signal.SIGINT)
        try:
            stdout, stderr = proc.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            pytest.fail(f"sonq run --backend {backend} still running 5 s after SIGINT")
        elapsed = time.perf_counter() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, (proc.returncode, stderr[-2000:])
    assert elapsed < 2.0, elapsed
    assert stderr.strip() == "sonq: interrupted" and "Traceback" not in stderr
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == []


def test_output_file_error_is_a_sonq_and_os_error():
    assert issubclass(OutputFileError, SonqError) and issubclass(OutputFileError, OSError)
    assert sdk.OutputFileError is OutputFileError
