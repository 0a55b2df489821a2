"""``sonq compile``: a model file → program file.  Model files: Gset/rudy MaxCut, qbsolv ``.qubo``,
dimod BQMs (``.json`` as ``to_serializable()`` writes them, ``.coo``), or a dense J as
``.npy``/``.npz``; recognised by suffix, else by content (:func:`sdk.interop.detect_format`)."""

from __future__ import annotations

import argparse
import zipfile
import zlib
from pathlib import Path

import numpy as np

from compiler.compile import compile
from compiler.models.base import AbstractEnergyModel
from compiler.models.ising import IsingModel
from compiler.program import DEFLATE_MAX_RATIO
from device_models.errors import ModelError, ProgramFormatError
from device_models.files import printable
from sdk.cli._common import output_file, say
from sdk.interop import detect_format, read_bqm, read_gset, read_qubo


def register(sub) -> None:
    p = sub.add_parser("compile", help="compile a model file for a device")
    p.add_argument("model", type=Path, help="Gset/rudy text file (MaxCut), qbsolv .qubo, dimod BQM "
                   "(.json from to_serializable, .coo), or .npy/.npz dense J (Ising, E = ½ sᵀJs)")
    p.add_argument("--vartype", choices=("SPIN", "BINARY"), default=None,
                   help="variable type of a .coo file that has no '# vartype=' line")
    p.add_argument("--device", "-d", required=True, help="shipped device name or YAML file")
    p.add_argument("-o", "--output", type=Path, required=True, help="program file to write (.npz)")
    p.add_argument("--no-quantize", action="store_true", help="keep ideal couplings (no DAC grid)")
    p.add_argument("--mismatch-seed", type=int, default=None, help="seed of the device's mismatch draw")
    p.set_defaults(func=compile_model)


def compile_model(args: argparse.Namespace) -> int:
    output_file(args.output)  # before any work
    model = read_model(args.model, args.vartype)
    program = compile(model, args.device, quantize=not args.no_quantize, mismatch_seed=args.mismatch_seed)
    say(program.report)
    say(f"wrote {program.save(args.output)}")
    return 0


def read_model(path: Path, vartype: str | None = None) -> AbstractEnergyModel:
    """The model in a file (:func:`sdk.interop.detect_format`): Gset/rudy as MaxCut, qbsolv as
    QUBO, a dimod BQM (``vartype`` for a COO file without its header) as Ising or QUBO, or a dense
    J (``.npy``, or ``.npz`` holding one array or ``J``) as ``IsingModel(0, J)``, i.e.
    ``E(s) = ½ sᵀJs``.  A ``.npy`` file is mapped, not read, until its declared shape is known to
    fit the file; an ``.npz`` member's declared size is checked against the archive before it is
    read."""
    shown = printable(str(path))
    if not path.exists():
        raise ModelError(f"model file {shown!r} does not exist")
    if not path.is_file():
        raise ModelError(f"model file {shown!r} is not a regular file")
    kind = detect_format(path)
    if kind == "qubo":
        return read_qubo(path)
    if kind in ("json", "coo"):
        return read_bqm(path, vartype)
    if kind == "gset":
        return read_gset(path)
    try:
        if kind == "npy":
            J = np.load(path, mmap_mode="r", allow_pickle=False)
        else:
            J = _npz_matrix(path, shown)
    except ModelError:
        raise
    except (OSError, ValueError, EOFError, MemoryError, zipfile.BadZipFile, zlib.error, ProgramFormatError) as exc:
        raise ModelError(f"{shown}: cannot read a J matrix ({printable(str(exc))})") from None
    if not isinstance(J, np.ndarray) or J.ndim != 2:
        raise ModelError(f"{shown}: J must be a square matrix, got shape {getattr(J, 'shape', None)}")
    return IsingModel(np.zeros(J.shape[0]), J)


def _npz_matrix(path: Path, shown: str) -> np.ndarray:
    """The one array (or the array ``J``) of an ``.npz`` file, its declared size checked first."""
    from compiler.program import _member_header, _read_member

    with zipfile.ZipFile(path) as archive:
        infos = {info.filename[:-4] if info.filename.endswith(".npy") else info.filename: info
                 for info in archive.infolist()}
        if "J" not in infos and len(infos) != 1:
            raise ModelError(f"{shown}: an .npz model needs one array or an array named 'J', found "
                             f"{printable(str(sorted(infos)))}")
        name = "J" if "J" in infos else next(iter(infos))
        info = infos[name]
        if info.file_size > DEFLATE_MAX_RATIO * info.compress_size + 4096:
            raise ModelError(f"{shown}: array {printable(name)!r} claims {info.file_size} bytes from "
                             f"{info.compress_size} compressed bytes")
        _member_header(archive, info, name)
        return _read_member(archive, info)
