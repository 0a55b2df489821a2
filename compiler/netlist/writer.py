"""``Circuit → netlist text`` in ngspice's dialect, plus the XSPICE ``filesource`` noise files.

Safety: every element and node name is generated (``R3``, ``n7``); the only text that comes from
users (title, labels) is printed in comment lines ``* …`` after :func:`sanitize` has reduced it to a
plain alphabet (no ``#``, so no legacy ``*#`` command comments, no newlines, no ``$``/``;``).  Numbers
must be finite.  The writer's own dot-commands are the only dot-commands in the output:
``.model``, ``.ic``, ``.options``, ``.tran``, ``.save``, ``.end``.

Noise: each noise current source is a column of a ``filesource`` file (time, then ≤ 20 columns).
ngspice reads those lines into a 512-character buffer and silently gives zero noise (or crashes)
when a line is longer, so the writer checks every line.

Series R–L branches: inductor k with ``inductor_r[k] > 0`` is printed as ``RL<k> a m<k>`` and
``L<k> m<k> b``; the Johnson noise of ``RL<k>`` is a filesource column across it, injecting into
``m<k>`` (the series-EMF convention of :mod:`compiler.netlist.circuit`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from compiler.netlist.circuit import Circuit
from device_models.errors import CompileError

COLUMNS_PER_FILE = 20
FILESOURCE_LINE_LIMIT = 511          # characters, newline excluded
SAFE_PATH = re.compile(r"^[A-Za-z0-9_./-]*$")
UNSAFE_COMMENT = re.compile(r"[^A-Za-z0-9 _.,:()+=<>'-]")
COMMENT_LENGTH = 80
ITEMS_PER_LINE = 8
WRITER_COMMANDS = (".model", ".ic", ".options", ".tran", ".save", ".end")


@dataclass(frozen=True)
class SpiceOptions:
    """Transient-analysis settings written into the netlist.

    Attributes:
        reltol: ngspice's relative tolerance.
        max_step_divisor: TMAX = dt / max_step_divisor (TMAX ≤ NT, docs/physics.md#noise-in-ngspice).
        method: ``"trap"`` or ``"gear"``.
    """

    reltol: float = 1e-4
    max_step_divisor: int = 1
    method: str = "trap"


@dataclass(frozen=True)
class Netlist:
    """Netlist text, the noise files it reads (name → content) and the saved vector names.

    ``power_vectors``: with ``power=True``, the device powers ngspice computes for the dissipating
    elements, ``@r<k>[p]`` of every resistor and ``@rl<k>[p]`` of every series resistor (watts), and
    ``transconductor_vectors`` the currents ``i(@g<k>[i])`` of the transconductors, each paired with
    its output node's voltage vector in ``transconductor_nodes`` (ngspice 39 gives no ``@g[p]`` in a
    transient: the absorbed power is that voltage times the current).
    """

    text: str
    files: dict
    node_vectors: tuple
    inductor_vectors: tuple
    power_vectors: tuple = ()
    transconductor_vectors: tuple = ()
    transconductor_nodes: tuple = ()


def sanitize(text: object) -> str:
    """Comment-safe form of any user text: a plain alphabet, one line, at most 80 characters."""
    return UNSAFE_COMMENT.sub("?", str(text))[:COMMENT_LENGTH]


def _num(x: float) -> str:
    x = float(x)
    if not np.isfinite(x):
        raise CompileError(f"the netlist cannot hold the non-finite value {x!r}")
    return f"{x:.12g}"


def _node(k: int) -> str:
    return "0" if k == 0 else f"n{int(k)}"


def _lines(head: str, items: list[str], prefix: str = "+ ") -> list[str]:
    """``head`` followed by items, ITEMS_PER_LINE per line, as continuation lines."""
    chunks = [items[i:i + ITEMS_PER_LINE] for i in range(0, len(items), ITEMS_PER_LINE)] or [[]]
    return [f"{head} {' '.join(chunks[0])}".rstrip()] + [prefix + " ".join(c) for c in chunks[1:]]


def _check(circuit: Circuit) -> None:
    N = circuit.num_nodes
    for name in ("capacitors", "resistors", "inductors", "vdp", "vccs", "dc", "pump", "noise"):
        br = getattr(circuit, name)
        if len(br) and (br.a.min() < 0 or br.a.max() > N or br.b.min() < 0 or br.b.max() > N):
            raise CompileError(f"{name}: node index outside 0..{N}")
        if not np.all(np.isfinite(br.value)):
            raise CompileError(f"{name}: non-finite value")
    for name in ("capacitors", "resistors", "inductors", "pump"):
        if np.any(getattr(circuit, name).value <= 0):
            raise CompileError(f"{name}: values must be positive")
    r, branch = np.asarray(circuit.inductor_r), np.asarray(circuit.noise_branch)
    if r.shape != (len(circuit.inductors),) or not np.all(np.isfinite(r)) or np.any(r < 0):
        raise CompileError("inductor_r: one finite resistance ≥ 0 per inductor")
    if branch.shape != (len(circuit.noise),) or np.any(branch < -1) or np.any(branch >= len(r)):
        raise CompileError("noise_branch: one index in −1..nL−1 per noise source")
    series = branch >= 0
    k = branch[series]
    if np.any(r[k] <= 0) or np.any(circuit.noise.a[series] != circuit.inductors.a[k]) \
            or np.any(circuit.noise.b[series] != circuit.inductors.b[k]):
        raise CompileError("a series noise source needs an inductor with a series resistor and its terminals")
    if not (circuit.dt > 0 and circuit.steps >= 1):
        raise CompileError(f"need dt > 0 and steps ≥ 1, got dt={circuit.dt!r}, steps={circuit.steps!r}")


def write_netlist(circuit: Circuit, noise: np.ndarray | None = None, *, noise_dir: str = "",
                  options: SpiceOptions = SpiceOptions(), power: bool = False) -> Netlist:
    """Print ``circuit`` as an ngspice netlist.

    Args:
        circuit: the lowered circuit.
        noise: (steps + 1, S) noise currents in amperes at ``t_j = j·dt`` (see
            :meth:`Circuit.noise_samples`); ``None`` or S = 0 leaves the noise sources out.
        noise_dir: directory prefix of the noise files as ngspice should open them ("" = the
            working directory); letters, digits and ``_./-`` only.
        options: analysis settings.
        power: also save the dissipating elements' device powers (:class:`Netlist`).

    Raises:
        CompileError: a value the netlist cannot hold, an unsafe ``noise_dir``, an over-long noise
            file line.
    """
    _check(circuit)
    if not SAFE_PATH.match(noise_dir):
        raise CompileError(f"noise_dir may hold letters, digits and '_./-' only, got {noise_dir!r}")
    if options.method not in ("trap", "gear") or not options.reltol > 0 or options.max_step_divisor < 1:
        raise CompileError(f"invalid SpiceOptions {options!r}")
    out = [f"* {sanitize(circuit.title)}", "* written by SONQ: element and node names are generated"]
    out += [f"* cell {k} ({_node(a)}, {_node(b)}): {sanitize(lab)}"
            for k, (lab, (a, b)) in enumerate(zip(circuit.labels, circuit.probes))]
    c = circuit
    out += [f"C{k + 1} {_node(a)} {_node(b)} {_num(v)}" for k, (a, b, v) in enumerate(zip(c.capacitors.a, c.capacitors.b, c.capacitors.value))]
    out += [f"R{k + 1} {_node(a)} {_node(b)} {_num(1 / g)}" for k, (a, b, g) in enumerate(zip(c.resistors.a, c.resistors.b, c.resistors.value))]
    ic = [f"v({_node(k + 1)})={_num(v)}" for k, v in enumerate(c.v0)]
    inner = [_inner(c, k) for k in range(len(c.inductors))]
    for k, (a, b, L, i0, r) in enumerate(zip(c.inductors.a, c.inductors.b, c.inductors.value, c.i0, c.inductor_r)):
        if r > 0:
            out.append(f"RL{k + 1} {_node(a)} {inner[k]} {_num(r)}")
            ic.append(f"v({inner[k]})={_num((c.v0[a - 1] if a else 0.0) - r * i0)}")
        out.append(f"L{k + 1} {inner[k]} {_node(b)} {_num(L)} ic={_num(i0)}")
    for k, (a, b, g, gam) in enumerate(zip(c.vdp.a, c.vdp.b, c.vdp.value, c.vdp_gamma)):
        u = f"v({_node(a)},{_node(b)})"
        out.append(f"B{k + 1} {_node(a)} {_node(b)} I={_num(-g)}*{u}+{_num(gam)}*{u}*{u}*{u}")
    out += [f"G{k + 1} {_node(a)} 0 {_node(b)} 0 {_num(gm)}" for k, (a, b, gm) in enumerate(zip(c.vccs.a, c.vccs.b, c.vccs.value))]
    out += [f"I{k + 1} 0 {_node(a)} DC {_num(v)}" for k, (a, v) in enumerate(zip(c.dc.a, c.dc.value))]
    if len(c.pump):
        out += ["* pumped capacitors: charge C0(1 + mu(t) cos(w t)) v, mu from node mu",
                *_lines("Vmu mu 0 PWL(", [f"{_num(t)} {_num(v)}" for t, v in c.pump_depth]), "+ )"]
        factor0 = float(c.pump_at(0.0))
        for k, (a, c0) in enumerate(zip(c.pump.a, c.pump.value)):
            x, y = f"x{k + 1}", f"y{k + 1}"
            out += [f"BP{k + 1} {x} 0 V=v({_node(a)})*(1+v(mu)*cos({_num(c.pump_omega)}*time))",
                    f"VP{k + 1} {x} {y} 0", f"CP{k + 1} {y} 0 {_num(c0)}", f"FP{k + 1} {_node(a)} 0 VP{k + 1} 1"]
            ic += [f"v({x})={_num(c.v0[a - 1] * factor0)}", f"v({y})={_num(c.v0[a - 1] * factor0)}"]
    files = {}
    if noise is not None and len(c.noise):
        noise = np.asarray(noise, dtype=np.float64)
        if noise.shape != (c.steps + 1, len(c.noise)):
            raise CompileError(f"noise must have shape ({c.steps + 1}, {len(c.noise)}), got {noise.shape}")
        t = np.arange(c.steps + 1) * c.dt
        for f, start in enumerate(range(0, len(c.noise), COLUMNS_PER_FILE)):
            cols = slice(start, start + COLUMNS_PER_FILE)
            name = f"sonq_noise{f}.txt"
            files[name] = _noise_file(t, noise[:, cols])
            w = noise[0, cols].size
            zeros, ones = " ".join(["0"] * w), " ".join(["1"] * w)
            ports = " ".join(f"{_node(b)} {_node(a)}" if k < 0 else f"{_node(a)} {inner[k]}"
                             for a, b, k in zip(c.noise.a[cols], c.noise.b[cols], c.noise_branch[cols]))
            out += [f".model sonq_fs{f} filesource (file=\"{noise_dir}{name}\" amploffset=[{zeros}] "
                    f"amplscale=[{ones}] timeoffset=0 timescale=1 timerelative=false amplstep=false)",
                    f"AN{f} %id([{ports}]) sonq_fs{f}"]
    out += _lines(".ic", ic)
    nodes = tuple(f"v({_node(k + 1)})" for k in range(c.num_nodes))
    inductors = tuple(f"i(l{k + 1})" for k in range(len(c.inductors)))
    powers = transconductors = outputs = ()
    if power:
        powers = tuple(f"@r{k + 1}[p]" for k in range(len(c.resistors)))
        powers += tuple(f"@rl{k + 1}[p]" for k, r in enumerate(c.inductor_r) if r > 0)
        transconductors = tuple(f"@g{k + 1}[i]" for k in range(len(c.vccs)))
        outputs = tuple(f"v({_node(a)})" for a in c.vccs.a)
    out += [f".options method={options.method} reltol={_num(options.reltol)}",
            f".tran {_num(c.dt)} {_num(c.duration)} 0 {_num(c.dt / options.max_step_divisor)} uic",
            *_lines(".save", list(nodes + inductors + powers + transconductors)), ".end"]
    return Netlist("\n".join(out) + "\n", files, nodes, inductors, powers,
                   tuple(f"i({name})" for name in transconductors), outputs)


def _inner(c: Circuit, k: int) -> str:
    """Node where inductor k starts: its internal node ``m<k>`` behind a series resistor, else ``a``."""
    return f"m{k + 1}" if c.inductor_r[k] > 0 else _node(c.inductors.a[k])


def _noise_file(t: np.ndarray, cols: np.ndarray) -> str:
    """filesource text: one line per sample, time then the columns, each line checked."""
    table = np.column_stack([t, cols])
    row = " ".join(["%.9e"] * table.shape[1])
    text = "\n".join(row % tuple(r) for r in table.tolist()) + "\n"
    longest = max(len(line) for line in text.splitlines())
    if longest > FILESOURCE_LINE_LIMIT:
        raise CompileError(f"a noise file line has {longest} characters; filesource reads at most "
                           f"{FILESOURCE_LINE_LIMIT} and would silently give zero noise")
    return text
