"""Generators and loaders of the data sets used in the ESM-EM paper, and the
separation and overlap measures that describe them.

A mixture description is a dict with keys ``"weights"``, ``"means"`` and
``"covariances"`` (full); :func:`sample_mixture` draws from one.
:func:`paper_datasets` lists the paper's 35 sets and
:func:`load_paper_dataset` returns any of them by name.
"""

from ._generators import make_grid_mixture, make_three_components, sample_mixture
from ._paper import load_paper_dataset, paper_datasets
from ._pendigits import load_digits_pca
from ._separation import c_separation, pair_statistics, pairwise_overlap
from ._shapes import SHAPE_SETS, make_shape
from ._synthetic import make_c_separated_mixture, make_overlap_mixture

__all__ = [
    "SHAPE_SETS",
    "c_separation",
    "load_digits_pca",
    "load_paper_dataset",
    "make_c_separated_mixture",
    "make_grid_mixture",
    "make_overlap_mixture",
    "make_shape",
    "make_three_components",
    "pair_statistics",
    "paper_datasets",
    "pairwise_overlap",
    "sample_mixture",
]
