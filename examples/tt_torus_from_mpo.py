"""Compile the 8k torus from its MPO, without a dense 8192 × 8192 matrix.

The ``toroidal_8k`` chip is a 128 × 64 periodic lattice of Gaussian cells.  Its precision
``A = mass·I + coupling·L_torus`` is a QTT-matrix (MPO) over 7 row digits and 6 column digits with
bond ranks ≤ 4; ``gaussian_model_from_mpo`` turns it into a sparse ``GaussianModel`` and
``sdk.compile`` programs the chip.  The same model built directly from the device's edge list
must give the identical Program.  Writes ``tt_torus_mpo.png`` (MPO ranks and the programmed
couplings of the first cells).

Usage: ``python examples/tt_torus_from_mpo.py [OUT_DIR]`` (default ``$SONQ_EXAMPLE_OUT`` or
``out/``); it is already fast, so ``SONQ_EXAMPLE_QUICK`` changes nothing.
"""

import os
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402

import sdk  # noqa: E402
from compiler.tt import gaussian_lattice_mpo, gaussian_model_from_mpo  # noqa: E402

ROWS, COLS, MASS, COUPLING = 128, 64, 0.25, 1.5


def direct_precision(device: sdk.DeviceSpec) -> sp.csr_matrix:
    """``mass·I + coupling·(D − Adj)`` from the device's torus edges (sparse)."""
    n = device.cells
    edges = device.topology.edges(n)
    adj = sp.coo_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(n, n))
    adj = (adj + adj.T).tocsr()
    return (sp.diags(MASS + COUPLING * np.asarray(adj.sum(axis=1)).ravel()) - COUPLING * adj).tocsr()


def main(out: Path) -> None:
    device = sdk.load_device("toroidal_8k")
    t0 = time.perf_counter()
    mpo = gaussian_lattice_mpo(ROWS, COLS, mass=MASS, coupling=COUPLING)
    model = gaussian_model_from_mpo(mpo)
    t1 = time.perf_counter()
    program = sdk.compile(model, device)
    t2 = time.perf_counter()
    direct = sdk.compile(sdk.GaussianModel(direct_precision(device)), device)
    same = (program.couplings != direct.couplings).nnz == 0 and np.array_equal(program.poly, direct.poly) \
        and np.array_equal(program.fields, direct.fields) and program.scale == direct.scale
    params = sum(c.size for c in mpo.cores)
    print(f"MPO of A = {MASS}·I + {COUPLING}·L on the {ROWS}×{COLS} torus: ranks {mpo.ranks}")
    print(f"MPO numbers {params} vs dense {8192**2:.3g} ({8192**2 * 8 / 2**20:.0f} MiB) vs CSR nnz {model.A.nnz}")
    print(f"MPO → sparse model {t1 - t0:.3f} s; compile {t2 - t1:.3f} s")
    print(f"identical to the directly specified Program: {same}")
    print(program.report)

    fig, (a1, a2) = plt.subplots(1, 2, figsize=(9, 3.6))
    a1.bar(range(len(mpo.ranks)), mpo.ranks)
    a1.set(xlabel="bond (7 row digits, then 6 column digits)", ylabel="rank", title="MPO ranks")
    a2.spy(program.couplings[:256, :256], markersize=1)
    a2.set(title="programmed couplings, cells 0–255")
    fig.tight_layout()
    fig.savefig(out / "tt_torus_mpo.png", dpi=120)
    print(f"wrote {out / 'tt_torus_mpo.png'}")
    if not same:
        raise SystemExit("the MPO-specified Program differs from the direct one")


if __name__ == "__main__":
    out_dir = Path(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("SONQ_EXAMPLE_OUT", "out"))
    out_dir.mkdir(parents=True, exist_ok=True)
    main(out_dir)
