"""Ocean (dimod) samplers on SONQ chips, and what minor-embedding on them needs beyond Ocean's own
tools (``docs/ocean.md``).  Needs the ``ocean`` extra: ``pip install 'sonq[ocean]'``."""

try:
    import dimod  # noqa: F401  (the samplers subclass dimod's ABCs)
except ImportError:
    raise ImportError("sdk.ocean needs dimod (and dwave-system, minorminer for embedding): "
                      "pip install 'sonq[ocean]'") from None

from sdk.ocean.embedding import ChainResolution, chain_resolution
from sdk.ocean.samplers import AbstractChipSampler, ChipSampler, StructuredChipSampler

__all__ = ["AbstractChipSampler", "ChipSampler", "StructuredChipSampler", "ChainResolution", "chain_resolution"]
