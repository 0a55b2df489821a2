"""Plots of run results, written straight to image files.

matplotlib is imported inside each function with the non-interactive ``Agg`` backend, so
``import sdk`` never pulls it in and plotting works without a display.  Every figure is written
atomically (:func:`device_models.files.atomic_write`), the path checked before any drawing
(:mod:`sdk.plots._figure`).  One module per subject.
"""

from sdk.plots.traces import plot_density, plot_energy_traces

__all__ = ["plot_energy_traces", "plot_density"]
