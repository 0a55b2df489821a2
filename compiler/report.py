"""What the compiler did to a model: scaling, quantization, clipping, dropped terms."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class CompileReport:
    """Summary of one compilation, in the model's own energy units unless stated.

    Attributes:
        device: device name.
        cell: cell type.
        num_variables: model variables.
        cells_used: device cells occupied (the OIM reference oscillator is not counted).
        scale: model energy per device energy unit (full-scale coupling = 1 device unit).
        thermal_temperature: the temperature, in model energy units, that the device's own
            noise temperature corresponds to.
        time_unit: seconds per unit of emulator time (per sweep for p-bits).
        quantization_max_error: largest |programmed − ideal| coupling, relative to full scale.
        quantization_rms_error: RMS of the same over the nonzero couplings.
        energy_error: RMS of (programmed − exact) energy over 256 random states, relative to the
            spread (standard deviation) of the exact energy over those states: what scaling,
            quantization and mismatch do to the landscape.
        clipped: pairs (i, j) (variable indices, i < j; ``-1`` is the reference oscillator)
            raised to the smallest programmable conductance g_min.
        dropped: pairs whose coupling quantized to zero and was not mapped.
        mismatch: relative σ applied to every programmed conductance, and its seed (the chip
            instance; drawn fresh and recorded when the compile was not given one).
        quantized: whether conductances were snapped to the DAC grid.
        saturated: values beyond full scale clipped to it (only when reprogramming at a fixed
            device unit, :func:`compiler.compile.reprogram`).
        warnings: plain-language notes (e.g. loading close to the tank's limit).
    """

    device: str
    cell: str
    num_variables: int
    cells_used: int
    scale: float
    thermal_temperature: float
    time_unit: float
    quantization_max_error: float = 0.0
    quantization_rms_error: float = 0.0
    energy_error: float = 0.0
    clipped: list = field(default_factory=list)
    dropped: list = field(default_factory=list)
    mismatch: float = 0.0
    mismatch_seed: int | None = None
    quantized: bool = True
    saturated: int = 0
    warnings: list = field(default_factory=list)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["clipped"] = [list(p) for p in self.clipped]
        d["dropped"] = [list(p) for p in self.dropped]
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "CompileReport":
        d = dict(d)
        d["clipped"] = [tuple(p) for p in d.get("clipped", [])]
        d["dropped"] = [tuple(p) for p in d.get("dropped", [])]
        return cls(**d)

    def __str__(self) -> str:
        lines = [
            f"compiled {self.num_variables} variables onto {self.device} ({self.cell}, {self.cells_used} cells)",
            f"  scale: 1 device unit = {self.scale:.6g} model energy units",
            f"  device noise ≙ temperature {self.thermal_temperature:.4g} (model units); time unit {self.time_unit:.4g} s",
            f"  quantization error (rel. to full scale): max {self.quantization_max_error:.3g}, "
            f"RMS {self.quantization_rms_error:.3g}; energy error {self.energy_error:.3g} (rel. RMS)",
            f"  clipped to g_min: {len(self.clipped)}; dropped (below one DAC step): {len(self.dropped)}",
        ]
        if self.mismatch:
            lines.append(f"  mismatch σ = {self.mismatch:g} (seed {self.mismatch_seed})")
        lines += [f"  warning: {w}" for w in self.warnings]
        return "\n".join(lines)
