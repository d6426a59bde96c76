"""Generators of the data sets used in the ESM-EM paper.

A mixture description is a dict with keys ``"weights"``, ``"means"`` and
``"covariances"`` (full); :func:`sample_mixture` draws from one.
"""

from ._generators import make_grid_mixture, make_three_components, sample_mixture

__all__ = ["make_grid_mixture", "make_three_components", "sample_mixture"]
