"""The SON–QTTN pipeline: Gaussian field inference on a Gaussian-cell torus chip with periodic
quantized-tensor-train compression of the array's state (``docs/pipeline.md``).

``load_config`` reads the YAML (``configs/default.yaml``); ``build_posterior`` observes an input
field (:mod:`sdk.pipeline.field`) and programs the GMRF posterior; ``run_pipeline`` samples it with
compression and re-injection every ``update_frequency`` steps; ``prepare_outputs`` /
``write_outputs`` write the state, metrics and trajectory.
"""

from sdk.pipeline.compression import Compressed, compress, effective_rank, qtt_modes
from sdk.pipeline.config import DEFAULT_CONFIG, NetworkConfig, PipelineConfig, QTTNConfig, load_config, parse_config
from sdk.pipeline.errors import PipelineError
from sdk.pipeline.field import digits_field, fit_to_torus, load_field
from sdk.pipeline.loop import PipelineResult, run_pipeline
from sdk.pipeline.metrics import state_metrics, summary
from sdk.pipeline.outputs import OutputPaths, prepare_outputs, read_metrics, read_state, read_trajectory, write_outputs
from sdk.pipeline.posterior import FieldPosterior, GMRFPrior, build_posterior, programmed_gaussian

__all__ = ["PipelineConfig", "NetworkConfig", "QTTNConfig", "load_config", "parse_config", "DEFAULT_CONFIG",
           "PipelineError", "digits_field", "load_field", "fit_to_torus", "GMRFPrior", "FieldPosterior",
           "build_posterior", "programmed_gaussian", "Compressed", "compress", "effective_rank", "qtt_modes",
           "PipelineResult", "run_pipeline", "summary", "state_metrics", "OutputPaths", "prepare_outputs",
           "write_outputs", "read_state", "read_metrics", "read_trajectory"]
