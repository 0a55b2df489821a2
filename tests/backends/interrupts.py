"""Interrupting a long run in a child Python process, as a user's Ctrl-C does."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _default_sigint() -> None:
    # SIGINT back to its default in the child (a shell's background job inherits it ignored, and
    # Python then installs no KeyboardInterrupt handler).
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def sigint_latency(script: str, *args: str, settle: float, wait: float) -> tuple[float, str]:
    """Start ``python -c script *args``, wait for it to print ``running`` and ``settle`` seconds
    more (inside the long run), send SIGINT; return (seconds until it exited, its stderr).  The
    child is killed if it outlives ``wait`` seconds after the signal."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    proc = subprocess.Popen([sys.executable, "-c", script, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env, cwd=ROOT, preexec_fn=_default_sigint)
    try:
        started = proc.stdout.readline().strip()
        assert started == "running", proc.stderr.read()[-2000:]
        time.sleep(settle)
        assert proc.poll() is None
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=wait)
        latency = time.monotonic() - sent
    finally:
        proc.kill()
        proc.wait()
    return latency, proc.stderr.read()
