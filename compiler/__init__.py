"""SONQ compiler: energy models, IR, lowering passes, the Program artifact."""

from compiler.compile import compile, reprogram
from compiler.ir import EnergyIR
from compiler.models.base import AbstractEnergyModel
from compiler.models.gaussian import GaussianModel
from compiler.models.ising import QUBO, IsingModel, MaxCutModel, maxcut
from compiler.models.langevin import LangevinModel
from compiler.program import Program
from compiler.report import CompileReport

__all__ = ["compile", "reprogram", "EnergyIR", "AbstractEnergyModel", "GaussianModel", "QUBO", "IsingModel",
           "MaxCutModel", "maxcut", "LangevinModel", "Program", "CompileReport"]
