"""Plots of run results, written straight to image files.

matplotlib is imported inside each function with the non-interactive ``Agg`` backend, so
``import sdk`` never pulls it in and plotting works without a display.  Every figure is written
atomically (:func:`device_models.files.atomic_write`), the path checked before any drawing
(:mod:`sdk.plots._figure`).  One module per subject.
"""

from sdk.plots.arrhenius import plot_arrhenius
from sdk.plots.graph import plot_device_graph
from sdk.plots.learning import plot_image_grid, plot_learning_curve, plot_retrieval_curve
from sdk.plots.mess3 import plot_belief_simplex
from sdk.plots.portraits import plot_phase_circle, plot_phase_portrait, quadrature_portrait
from sdk.plots.relaxation import plot_relaxation
from sdk.plots.traces import plot_density, plot_energy_traces

__all__ = ["plot_energy_traces", "plot_density", "plot_arrhenius", "plot_relaxation", "plot_phase_portrait",
           "quadrature_portrait", "plot_phase_circle", "plot_device_graph", "plot_belief_simplex",
           "plot_learning_curve", "plot_image_grid", "plot_retrieval_curve"]
