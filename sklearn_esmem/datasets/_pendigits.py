"""A stand-in for the paper's Pendigits set, from scikit-learn's bundled
digits (no download)."""

import numpy as np
from sklearn.datasets import load_digits
from sklearn.utils import check_random_state

from ._validation import _check_bool

__all__ = ["load_digits_pca"]


def load_digits_pca(shuffle=False, random_state=None):
    """Digits 0 to 4 projected on their first two principal components.

    **A stand-in for the paper's Pendigits set**, which is the UCI pen-based
    handwritten digits, classes 0 to 4 (N = 5629, training and test sets
    together), 16 features reduced to 2 by PCA. UCI's files cannot be
    downloaded here, so this loader uses scikit-learn's bundled
    :func:`~sklearn.datasets.load_digits` instead (UCI's *optical* digits,
    8 x 8 images, 64 features): digits 0 to 4, N = 901. The features are
    centred, not scaled (they share the 0-16 range, as Pendigits' share
    0-100; whether the paper scaled them is unknown), and projected on the
    two leading principal directions, computed by an SVD with a fixed sign
    convention (the largest loading of each direction is positive), so the
    result does not depend on any random draw.

    Parameters
    ----------
    shuffle : bool, default=False
        Shuffle the rows. By default they keep :func:`load_digits`' order.
    random_state : int, RandomState instance or None, default=None
        Seed or generator of the shuffle; only used when ``shuffle=True``.

    Returns
    -------
    X : ndarray of shape (901, 2)
        The two principal-component scores of each image.
    y : ndarray of shape (901,)
        The digit, 0 to 4. The paper gives no reference number of
        components for this set.

    See Also
    --------
    load_paper_dataset : Any of the paper's 35 data sets by name.

    References
    ----------
    .. [1] F. Alimoglu and E. Alpaydin, "Pen-based recognition of
       handwritten digits", UCI Machine Learning Repository, 1998.
    .. [2] F. Pernkopf and D. Bouchaffra, "Genetic-based EM algorithm for
       learning Gaussian mixture models", IEEE TPAMI 27(8):1344-1348, 2005.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_esmem.datasets import load_digits_pca
    >>> X, y = load_digits_pca()
    >>> X.shape
    (901, 2)
    >>> np.unique(y)
    array([0, 1, 2, 3, 4])
    >>> np.allclose(X.mean(axis=0), 0)
    True
    """
    shuffle = _check_bool(shuffle, "shuffle")
    data, y = load_digits(n_class=5, return_X_y=True)
    centred = data - data.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    directions = vt[:2]
    largest = np.argmax(np.abs(directions), axis=1)
    directions *= np.sign(directions[np.arange(2), largest])[:, None]
    X = centred @ directions.T
    y = y.astype(np.intp)
    if shuffle:
        order = check_random_state(random_state).permutation(len(y))
        X, y = X[order], y[order]
    return X, y
