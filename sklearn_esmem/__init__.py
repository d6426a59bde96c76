"""Gaussian mixtures fitted by evolutionary split-and-merge EM (ESM-EM).

The estimator :class:`EvolutionarySplitMergeMixture` extends
:mod:`sklearn.mixture`: it finds the number of components and escapes the
local optima of EM with a population of mixtures mutated by guided split and
merge operators (Covões, Hruschka & Ghosh, Evolutionary Computation, 2016).
"""

from ._persistence import SKOPS_TRUSTED_TYPES
from .baselines import GeneticEMMixture, OrderedMultipleRunsMixture
from .merge import Overlap, ResponsibilityCorrelation, moment_preserving_merge
from .mixture import VARIANTS, EvolutionarySplitMergeMixture
from .split import LocalKLDivergence, PartialLogLikelihood, SVDSplit, VarianceSplit

__version__ = "0.1.0.dev0"

__all__ = [
    "SKOPS_TRUSTED_TYPES",
    "VARIANTS",
    "EvolutionarySplitMergeMixture",
    "GeneticEMMixture",
    "OrderedMultipleRunsMixture",
    "LocalKLDivergence",
    "Overlap",
    "PartialLogLikelihood",
    "ResponsibilityCorrelation",
    "SVDSplit",
    "VarianceSplit",
    "moment_preserving_merge",
]
