"""The pipeline's YAML configuration: exactly the keys of ``configs/default.yaml``, each checked.

::

    backend: jax                  # runtime backend: jax, c, numba or numpy
    precision: float32            # float32 (jax only) or float64
    network:
      topology: toroidal_8k       # a shipped gauss torus chip, or a chip YAML (relative to this file)
      time_constant: 0.05         # emulator step dt in units of the cell's time constant τ₀ = c₀/g_max
      oscillator_coupling: gaussian_lattice   # the prior: mass·I + coupling·L_torus on the chip
    qttn:
      rank_truncation: 32         # cap on every QTT bond rank
      svd_tolerance: 1e-6         # relative Frobenius tolerance of TT-SVD
      update_frequency: 10        # emulator steps between two compressions

A missing or unknown key, a wrong type or a value out of range raises :class:`PipelineError`
naming the key (``network.time_constant``), the value and what is allowed.  PyYAML reads ``1e-6``
(no decimal point) as text, so real-valued keys also take a string that spells a number.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass
from pathlib import Path

import yaml

from sdk.pipeline.errors import PipelineError

BACKENDS = ("jax", "c", "numba", "numpy")
PRECISIONS = ("float32", "float64")
COUPLINGS = ("gaussian_lattice",)
NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
DEFAULT_CONFIG = Path(__file__).resolve().parents[2] / "configs" / "default.yaml"


@dataclass(frozen=True)
class NetworkConfig:
    """The chip and its coupling.

    Attributes:
        topology: shipped device name or chip YAML path (a ``gauss`` chip on a ``torus2d``).
        time_constant: emulator step dt in device time units (τ₀ = c₀/g_max, 1 ns on toroidal_8k).
        oscillator_coupling: the prior precision programmed on the chip (``gaussian_lattice``).
    """

    topology: str
    time_constant: float
    oscillator_coupling: str


@dataclass(frozen=True)
class QTTNConfig:
    """Compression and re-injection.

    Attributes:
        rank_truncation: maximum QTT bond rank, ≥ 1.
        svd_tolerance: relative TT-SVD tolerance eps in [0, 1): ‖x − TT‖ ≤ eps‖x‖ when no rank cap binds.
        update_frequency: emulator steps between compressions, ≥ 1.
    """

    rank_truncation: int
    svd_tolerance: float
    update_frequency: int


@dataclass(frozen=True)
class PipelineConfig:
    """A validated pipeline configuration (see the module docstring)."""

    backend: str
    precision: str
    network: NetworkConfig
    qttn: QTTNConfig

    def to_dict(self) -> dict:
        """Plain data in the YAML's layout (for the metrics file)."""
        return asdict(self)

    @property
    def backend_options(self) -> dict:
        """Keyword arguments for the backend: the working precision where the backend has one."""
        return {"precision": self.precision} if self.backend == "jax" else {}


def load_config(path: str | Path = DEFAULT_CONFIG) -> PipelineConfig:
    """Read and validate a pipeline YAML file; a relative ``network.topology`` path is taken
    relative to the file's directory.

    Raises:
        PipelineError: the file cannot be read, is not YAML, or fails :func:`parse_config`.
    """
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise PipelineError(f"cannot read the pipeline config {str(path)!r}: {exc}") from None
    except yaml.YAMLError as exc:
        raise PipelineError(f"{path}: not valid YAML: {exc}") from None
    config = parse_config(raw, source=str(path))
    topology = Path(config.network.topology)
    if topology.suffix in (".yaml", ".yml") and not topology.is_absolute():
        network = NetworkConfig(str(path.parent / topology), config.network.time_constant,
                                config.network.oscillator_coupling)
        config = PipelineConfig(config.backend, config.precision, network, config.qttn)
    return config


def parse_config(raw, *, source: str = "the pipeline config") -> PipelineConfig:
    """Validate a parsed mapping against the schema of the module docstring."""
    top = _mapping(raw, "", {"backend", "precision", "network", "qttn"}, source)
    net = _mapping(top["network"], "network", {"topology", "time_constant", "oscillator_coupling"}, source)
    qttn = _mapping(top["qttn"], "qttn", {"rank_truncation", "svd_tolerance", "update_frequency"}, source)
    backend = _choice(top, "backend", BACKENDS, source)
    precision = _choice(top, "precision", PRECISIONS, source)
    if precision == "float32" and backend != "jax":
        raise PipelineError(f"precision: float32 runs on the jax backend only ({backend!r} computes in float64) "
                            f"in {source}")
    if not isinstance(net["topology"], str) or not net["topology"]:
        raise PipelineError(f"network.topology must be a device name or chip YAML path, got "
                            f"{net['topology']!r} in {source}")
    dt = _real(net, "network.time_constant", source)
    if not dt > 0:
        raise PipelineError(f"network.time_constant must be > 0 (device time units), got {dt!r} in {source}")
    tol = _real(qttn, "qttn.svd_tolerance", source)
    if not 0 <= tol < 1:
        raise PipelineError(f"qttn.svd_tolerance must be in [0, 1), got {tol!r} in {source}")
    return PipelineConfig(
        backend, precision,
        NetworkConfig(net["topology"], dt, _choice(net, "oscillator_coupling", COUPLINGS, source, "network.")),
        QTTNConfig(_integer(qttn, "qttn.rank_truncation", source), tol, _integer(qttn, "qttn.update_frequency", source)))


def _mapping(value, where: str, keys: set[str], source: str) -> dict:
    what = f"section {where!r}" if where else "the top level"
    if not isinstance(value, dict):
        raise PipelineError(f"{what} of {source} must be a mapping, got {type(value).__name__}")
    prefix = f"{where}." if where else ""
    unknown = sorted(str(k) for k in set(value) - keys)
    if unknown:
        raise PipelineError(f"unknown key(s) {[prefix + k for k in unknown]} in {source}; allowed: "
                            f"{sorted(prefix + k for k in keys)}")
    missing = sorted(keys - set(value))
    if missing:
        raise PipelineError(f"missing key(s) {[prefix + k for k in missing]} in {source}")
    return value


def _choice(section: dict, key: str, allowed: tuple[str, ...], source: str, prefix: str = "") -> str:
    value = section[key]
    if value not in allowed or not isinstance(value, str):
        raise PipelineError(f"{prefix}{key} must be one of {list(allowed)}, got {value!r} in {source}")
    return value


def _real(section: dict, name: str, source: str) -> float:
    value = section[name.split(".")[-1]]
    if isinstance(value, str) and NUMBER.fullmatch(value.strip()):
        value = float(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise PipelineError(f"{name} must be a finite number, got {value!r} in {source}")
    return float(value)


def _integer(section: dict, name: str, source: str) -> int:
    value = section[name.split(".")[-1]]
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise PipelineError(f"{name} must be an integer ≥ 1, got {value!r} in {source}")
    return value
