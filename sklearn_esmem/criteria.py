"""Model-selection criteria: MDL, BIC and AIC.

Each takes the log-likelihood of the data, the number of free parameters and
the number of samples, and returns a value to *minimise*. The parameter count
is scikit-learn's (``k - 1`` free mixing weights); the paper's authors count
``k`` weights, which shifts every MDL by the same ``ln(N) / 2`` and leaves
rankings unchanged.
"""

import numpy as np

__all__ = ["CRITERIA", "aic", "bic", "mdl"]


def mdl(log_likelihood, n_parameters, n_samples):
    """Minimum description length, ``-ln L + (p / 2) ln N`` (the paper's Eq. 14).

    Parameters
    ----------
    log_likelihood : float
        ``ln L`` of the data under the model.
    n_parameters : int
        Number of free parameters ``p``.
    n_samples : float
        Number of samples ``N`` (the sum of the sample weights if weighted).

    Returns
    -------
    float
        The criterion; lower is better.

    Examples
    --------
    >>> from sklearn_esmem.criteria import mdl
    >>> print(round(mdl(-100.0, 5, 100), 3))  # print: numpy 2 reprs np.float64(...)
    111.513
    """
    return -log_likelihood + 0.5 * n_parameters * np.log(n_samples)


def bic(log_likelihood, n_parameters, n_samples):
    """Bayesian information criterion, ``-2 ln L + p ln N`` (twice the MDL).

    Examples
    --------
    >>> from sklearn_esmem.criteria import bic
    >>> print(round(bic(-100.0, 5, 100), 3))
    223.026
    """
    return -2.0 * log_likelihood + n_parameters * np.log(n_samples)


def aic(log_likelihood, n_parameters, n_samples):
    """Akaike information criterion, ``-2 ln L + 2 p`` (``n_samples`` unused).

    Examples
    --------
    >>> from sklearn_esmem.criteria import aic
    >>> aic(-100.0, 5, 100)
    210.0
    """
    return -2.0 * log_likelihood + 2.0 * n_parameters


CRITERIA = {"mdl": mdl, "bic": bic, "aic": aic}
