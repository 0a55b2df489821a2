"""Tensor-train networks: TT-SVD, TT-matrices (MPOs), probabilistic TTs and their lowering.

The tensor part (``tensor_train``, ``tt_matrix``, ``probabilistic``, ``hmm``) depends only on
NumPy/SciPy; ``models`` wraps an MPO precision as a :class:`GaussianModel`; ``lowering`` turns
a sequence distribution into a Potts and then a one-hot :class:`~compiler.models.ising.IsingModel`
for the chip.
"""

from compiler.tt.hmm import HMM, mess3
from compiler.tt.lowering import (BitEncoding, DecodedSamples, PottsModel, decode_spins, domain_wall_penalty,
                                  encode_states, hmm_to_potts, one_hot_penalty, potts_to_ising, tt_to_potts)
from compiler.tt.models import gaussian_model_from_mpo
from compiler.tt.probabilistic import TTDistribution
from compiler.tt.tensor_train import TensorTrain, tt_reconstruct, tt_svd
from compiler.tt.tt_matrix import TTMatrix, gaussian_lattice_mpo, laplacian_1d_mpo, laplacian_2d_mpo

__all__ = ["TensorTrain", "tt_svd", "tt_reconstruct", "TTMatrix", "laplacian_1d_mpo",
           "laplacian_2d_mpo", "gaussian_lattice_mpo", "gaussian_model_from_mpo", "TTDistribution",
           "HMM", "mess3",
           "PottsModel", "hmm_to_potts", "tt_to_potts", "one_hot_penalty", "domain_wall_penalty", "BitEncoding", "potts_to_ising",
           "decode_spins", "encode_states", "DecodedSamples"]
