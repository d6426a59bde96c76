"""Test configuration shared by the doctests and the test suite."""

import numpy as np
from sklearn.utils.fixes import parse_version


def pytest_configure(config):
    # NumPy 2 prints scalars as ``np.float64(1.0)``; doctests are written in
    # the plain form so that they pass on every NumPy in the supported range
    # (>= 1.23), as scikit-learn's own conftest does.
    if parse_version(np.__version__) >= parse_version("2"):
        np.set_printoptions(legacy="1.25")
