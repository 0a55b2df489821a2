"""The MPO → GaussianModel helper."""

import numpy as np
import pytest

from compiler.tt import TTMatrix, gaussian_lattice_mpo, gaussian_model_from_mpo
from device_models.errors import ModelError


def test_gaussian_model_from_mpo():
    mpo = gaussian_lattice_mpo(8, 4, mass=0.5, coupling=1.0)
    model = gaussian_model_from_mpo(mpo, b=np.ones(32))
    assert (model.A != mpo.to_sparse()).nnz == 0 and model.smallest_eigenvalue == pytest.approx(0.5)
    np.testing.assert_allclose(model.mean(), np.full(32, 2.0))  # A·1 = mass·1
    with pytest.raises(ModelError, match="square"):
        gaussian_model_from_mpo(TTMatrix((np.ones((1, 2, 3, 1)),)))
