"""Tests of sklearn_esmem.criteria (MDL, BIC, AIC)."""

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.mixture import GaussianMixture

from sklearn_esmem._em import COVARIANCE_TYPES, n_parameters
from sklearn_esmem.criteria import CRITERIA, aic, bic, mdl

CASES = [(-100.0, 5, 100), (250.5, 17, 1200), (-3.25, 1, 2), (0.0, 40, 4900)]


@pytest.mark.parametrize("log_likelihood, p, n", CASES)
def test_mdl_formula(log_likelihood, p, n):
    # -ln L + (p / 2) ln N in plain arithmetic.
    assert mdl(log_likelihood, p, n) == pytest.approx(
        -log_likelihood + p * math.log(n) / 2
    )


@pytest.mark.parametrize("log_likelihood, p, n", CASES)
def test_bic_formula(log_likelihood, p, n):
    assert bic(log_likelihood, p, n) == pytest.approx(
        -2 * log_likelihood + p * math.log(n)
    )
    assert bic(log_likelihood, p, n) == pytest.approx(2 * mdl(log_likelihood, p, n))


@pytest.mark.parametrize("log_likelihood, p, n", CASES)
def test_aic_formula(log_likelihood, p, n):
    assert aic(log_likelihood, p, n) == pytest.approx(-2 * log_likelihood + 2 * p)
    # AIC does not depend on the sample size.
    assert aic(log_likelihood, p, n) == aic(log_likelihood, p, 7 * n + 3)


def test_mdl_worked_example():
    # 100 + 2.5 * ln(100) = 100 + 5 * ln(10)
    assert mdl(-100.0, 5, 100) == pytest.approx(100.0 + 5 * 2.302585092994046)


@pytest.mark.parametrize("name", ["mdl", "bic", "aic"])
def test_lower_is_better(name):
    criterion = CRITERIA[name]
    # Higher likelihood, same size: lower value.
    assert criterion(-10.0, 5, 100) < criterion(-20.0, 5, 100)
    # Same likelihood, more parameters: higher value.
    assert criterion(-10.0, 6, 100) > criterion(-10.0, 5, 100)


def test_criteria_registry():
    assert CRITERIA == {"mdl": mdl, "bic": bic, "aic": aic}


def test_weighted_sample_count_accepted():
    # n_samples may be a sum of sample weights (a float).
    assert mdl(-1.0, 2, 12.5) == pytest.approx(1.0 + math.log(12.5))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize("n_components", [1, 3])
def test_bic_and_aic_match_gaussian_mixture(covariance_type, n_components):
    rng = np.random.RandomState(0)
    X = np.concatenate([rng.normal(size=(40, 3)), rng.normal(4.0, 1.0, size=(40, 3))])
    gm = GaussianMixture(
        n_components, covariance_type=covariance_type, max_iter=20, random_state=0
    ).fit(X)
    log_likelihood = gm.score(X) * len(X)
    p = n_parameters(n_components, X.shape[1], covariance_type)
    assert_allclose(bic(log_likelihood, p, len(X)), gm.bic(X), rtol=1e-12)
    assert_allclose(aic(log_likelihood, p, len(X)), gm.aic(X), rtol=1e-12)
    assert_allclose(mdl(log_likelihood, p, len(X)), gm.bic(X) / 2, rtol=1e-12)
