"""Classification error of a clustering against known classes.

A mixture's component labels are arbitrary: component 0 may be class "B".
Before a fitted mixture can be scored as a classifier (as in Nwobi &
Kalu 2023, after Johnson & Wichern), each component is matched to a class by
the Hungarian method, so that as many samples as possible agree; then the
confusion matrix and the apparent error rate (APER) are read as usual.
"""

from typing import NamedTuple

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.utils import check_consistent_length, column_or_1d

__all__ = ["apparent_error_rate", "matched_confusion_matrix"]


class _Matching(NamedTuple):
    """Result of matching clusters to classes.

    ``matrix[i, c]`` counts the samples of class ``classes[i]`` in the
    cluster ``columns[c]``; ``columns[i]`` for ``i < len(classes)`` is the
    cluster matched to class ``i`` (None if no cluster is), the rest are the
    clusters left unmatched.
    """

    matrix: np.ndarray
    classes: list
    columns: list
    mapping: dict


def _check_labels(y_true, y_pred):
    y_true = column_or_1d(y_true)
    y_pred = column_or_1d(y_pred)
    check_consistent_length(y_true, y_pred)
    if y_true.shape[0] == 0:
        raise ValueError("y_true and y_pred are empty.")
    return y_true, y_pred


def _match(y_true, y_pred):
    y_true, y_pred = _check_labels(y_true, y_pred)
    classes, class_codes = np.unique(y_true, return_inverse=True)
    clusters, cluster_codes = np.unique(y_pred, return_inverse=True)
    contingency = np.zeros((len(classes), len(clusters)), dtype=np.int64)
    np.add.at(contingency, (class_codes.ravel(), cluster_codes.ravel()), 1)

    # Rectangular assignment: min(n_classes, n_clusters) pairs, maximising
    # the samples on the matched pairs.
    rows, cols = linear_sum_assignment(contingency, maximize=True)
    order = [None] * len(classes)
    for row, col in zip(rows, cols, strict=True):
        order[row] = int(col)
    unmatched = [c for c in range(len(clusters)) if c not in set(cols.tolist())]

    matrix = np.zeros((len(classes), len(classes) + len(unmatched)), dtype=np.int64)
    for i, col in enumerate(order):
        if col is not None:
            matrix[:, i] = contingency[:, col]
    matrix[:, len(classes) :] = contingency[:, unmatched]

    classes = classes.tolist()
    clusters = clusters.tolist()
    columns = [None if c is None else clusters[c] for c in order]
    columns += [clusters[c] for c in unmatched]
    pairs = sorted(zip(cols.tolist(), rows.tolist(), strict=True))
    mapping = {clusters[col]: classes[row] for col, row in pairs}
    return _Matching(matrix, classes, columns, mapping)


def matched_confusion_matrix(y_true, y_pred, *, return_mapping=False):
    """Confusion matrix of a clustering, its clusters matched to the classes.

    The contingency table of classes (rows) by predicted clusters (columns)
    is built, and each class is matched to at most one cluster, and each
    cluster to at most one class, so that the matched pairs hold as many
    samples as possible (the Hungarian method,
    :func:`scipy.optimize.linear_sum_assignment`). The columns are then put in
    the order of the classes: the diagonal counts the samples classified
    correctly, and every other entry is an error.

    When the numbers differ, the table is rectangular:

    - more clusters than classes: the clusters left unmatched come after the
      matched ones, in the sorted order of their labels, and all their
      samples count as errors;
    - fewer clusters than classes: the column of a class that gets no cluster
      is all zeros, so all its samples count as errors.

    The matrix has shape ``(n_classes, max(n_classes, n_clusters))``.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Known classes, of any sortable type.

    y_pred : array-like of shape (n_samples,)
        Cluster labels, for instance ``estimator.predict(X)``; they need not
        share values or type with ``y_true``.

    return_mapping : bool, default=False
        Also return the matching.

    Returns
    -------
    matrix : ndarray of shape (n_classes, max(n_classes, n_clusters))
        ``matrix[i, j]`` counts the samples of the ``i``-th class (in sorted
        order) in the cluster of column ``j``; the cluster matched to the
        ``i``-th class is column ``i``.

    mapping : dict
        Only if ``return_mapping``: matched cluster label -> class label.
        Unmatched clusters are not in it.

    See Also
    --------
    apparent_error_rate : The fraction of samples off the diagonal.
    sklearn.metrics.confusion_matrix : When predictions are already classes.

    Examples
    --------
    The layout of Nwobi & Kalu's Table 1 (after Johnson & Wichern): 100 samples in each
    of two groups, component 1 found for group 1 and component 0 for group 2:

    >>> import numpy as np
    >>> from sklearn_esmem.metrics import matched_confusion_matrix
    >>> y_true = np.repeat([1, 2], 100)
    >>> y_pred = np.r_[np.repeat([1, 0], [70, 30]), np.repeat([1, 0], [21, 79])]
    >>> matched_confusion_matrix(y_true, y_pred)
    array([[70, 30],
           [21, 79]])

    Rows are n1C, n1M and n2M, n2C. The matching:

    >>> matched_confusion_matrix(y_true, y_pred, return_mapping=True)[1]
    {0: 2, 1: 1}

    Three clusters for two classes: the unmatched cluster comes last and
    counts as errors.

    >>> matched_confusion_matrix(["a", "a", "b", "b", "b"], [5, 5, 7, 7, 9])
    array([[2, 0, 0],
           [0, 2, 1]])
    """
    matching = _match(y_true, y_pred)
    if return_mapping:
        return matching.matrix, matching.mapping
    return matching.matrix


def apparent_error_rate(y_true, y_pred):
    """Apparent error rate (APER) of a clustering, its clusters matched to classes.

    ``APER = (n1M + n2M) / (n1 + n2)`` (Johnson & Wichern, as in Nwobi & Kalu 2023),
    generalised to any numbers of classes and clusters: one minus the
    fraction of samples on the diagonal of :func:`matched_confusion_matrix`.

    Because the matching is chosen to maximise agreement, this is the error
    of the best labelling of the clusters, an optimistic estimate of the
    error of a mixture used as a classifier (as the APER on the training
    sample is in any case).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Known classes.

    y_pred : array-like of shape (n_samples,)
        Cluster labels.

    Returns
    -------
    float
        In [0, 1].

    See Also
    --------
    matched_confusion_matrix : The table it is read from.

    Examples
    --------
    Seed 002's layout, 51 of 200 misclassified:

    >>> import numpy as np
    >>> from sklearn_esmem.metrics import apparent_error_rate
    >>> y_true = np.repeat([1, 2], 100)
    >>> y_pred = np.r_[np.repeat([1, 0], [70, 30]), np.repeat([1, 0], [21, 79])]
    >>> apparent_error_rate(y_true, y_pred)
    0.255

    Permuted cluster labels make no error:

    >>> apparent_error_rate([0, 0, 1, 1, 2], [2, 2, 0, 0, 1])
    0.0
    """
    matrix = _match(y_true, y_pred).matrix
    return float(1.0 - np.trace(matrix) / matrix.sum())
