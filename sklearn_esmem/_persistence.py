"""The type names a fitted estimator of this package holds, for skops.

skops refuses to load types it does not know unless the caller trusts them.
Everything a fitted estimator here contains besides numpy and builtins is one
of these types, so ``skops.io.load(path, trusted=SKOPS_TRUSTED_TYPES)`` loads
any of them and nothing else of ours.
"""

from ._em import MixtureParameters
from ._evolution import Individual
from .baselines import GeneticEMMixture, OrderedMultipleRunsMixture, _GAIndividual
from .merge import Overlap, ResponsibilityCorrelation
from .mixture import EvolutionarySplitMergeMixture
from .split import LocalKLDivergence, PartialLogLikelihood, SVDSplit, VarianceSplit

__all__ = ["SKOPS_TRUSTED_TYPES"]


def _qualified_name(cls):
    return f"{cls.__module__}.{cls.__qualname__}"


SKOPS_TRUSTED_TYPES = sorted(
    _qualified_name(cls)
    for cls in (
        EvolutionarySplitMergeMixture,
        OrderedMultipleRunsMixture,
        GeneticEMMixture,
        SVDSplit,
        VarianceSplit,
        LocalKLDivergence,
        PartialLogLikelihood,
        ResponsibilityCorrelation,
        Overlap,
        MixtureParameters,
        Individual,
        _GAIndividual,
    )
)
