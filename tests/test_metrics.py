import itertools

import numpy as np
import pytest

from sklearn_esmem.metrics import apparent_error_rate, matched_confusion_matrix


def _two_groups(n1C, n1M, n2M, n2C, components=(0, 1)):
    """Seed 002's layout: group 1 -> component a, group 2 -> component b."""
    a, b = components
    y_true = np.repeat([1, 2], [n1C + n1M, n2M + n2C])
    y_pred = np.concatenate(
        [np.repeat([a, b], [n1C, n1M]), np.repeat([a, b], [n2M, n2C])]
    )
    return y_true, y_pred


def _brute_force_error(y_true, y_pred):
    """1 - best agreement over every one-to-one pairing of classes and clusters."""
    classes, clusters = np.unique(y_true), np.unique(y_pred)
    n_pairs = min(len(classes), len(clusters))
    best = 0
    for chosen_classes in itertools.permutations(classes, n_pairs):
        for chosen_clusters in itertools.combinations(clusters, n_pairs):
            pairs = zip(chosen_classes, chosen_clusters, strict=True)
            agree = sum(np.sum((y_true == c) & (y_pred == k)) for c, k in pairs)
            best = max(best, agree)
    return 1.0 - best / len(y_true)


def test_permuted_labels_make_no_error():
    y_true = np.array([0, 0, 1, 1, 1, 2, 2, 3])
    permutation = {0: 3, 1: 0, 2: 1, 3: 2}
    y_pred = np.array([permutation[c] for c in y_true])
    assert apparent_error_rate(y_true, y_pred) == 0.0
    matrix, mapping = matched_confusion_matrix(y_true, y_pred, return_mapping=True)
    np.testing.assert_array_equal(matrix, np.diag([2, 3, 2, 1]))
    assert mapping == {v: k for k, v in permutation.items()}


@pytest.mark.parametrize("components", [(0, 1), (1, 0), (7, 3)])
def test_seed_002_two_by_two_table(components):
    # Data set 2 of Nwobi & Kalu (2023): 200 babies, 74.5 % correct, APER 25.5 %.
    y_true, y_pred = _two_groups(70, 30, 21, 79, components)
    matrix = matched_confusion_matrix(y_true, y_pred)
    # Rows: true group 1 (n1C, n1M) and group 2 (n2M, n2C), whatever the
    # components are called.
    np.testing.assert_array_equal(matrix, [[70, 30], [21, 79]])
    assert apparent_error_rate(y_true, y_pred) == pytest.approx((30 + 21) / 200)


def test_seed_002_data_set_1_rate():
    # Data set 1: 1000 students, APER 30 %.
    y_true, y_pred = _two_groups(340, 160, 140, 360)
    assert apparent_error_rate(y_true, y_pred) == pytest.approx(0.30)


def test_matching_maximises_agreement_not_diagonal_labels():
    # Cluster 0 holds most of class 1: it must be matched to class 1.
    y_true = [0, 0, 0, 1, 1, 1, 1]
    y_pred = [1, 1, 0, 0, 0, 0, 1]
    matrix, mapping = matched_confusion_matrix(y_true, y_pred, return_mapping=True)
    np.testing.assert_array_equal(matrix, [[2, 1], [1, 3]])
    assert mapping == {0: 1, 1: 0}
    assert apparent_error_rate(y_true, y_pred) == pytest.approx(2 / 7)


def test_more_clusters_than_classes():
    # Class a: 3 in cluster 10, 1 in cluster 11; class b: 2 in 12, 2 in 13.
    y_true = ["a"] * 4 + ["b"] * 4
    y_pred = [10, 10, 10, 11, 12, 12, 13, 13]
    matrix, mapping = matched_confusion_matrix(y_true, y_pred, return_mapping=True)
    assert matrix.shape == (2, 4)
    assert mapping[10] == "a"
    assert len(mapping) == 2 and set(mapping.values()) == {"a", "b"}
    # Matched columns first, then the unmatched clusters in sorted order.
    assert matrix[0, 0] == 3 and matrix[1, 1] == 2
    np.testing.assert_array_equal(matrix.sum(axis=1), [4, 4])
    # Samples of unmatched clusters are errors: 1 (cluster 11) + 2.
    assert apparent_error_rate(y_true, y_pred) == pytest.approx(3 / 8)


def test_more_clusters_than_classes_exact_layout():
    y_true = [0, 0, 0, 1, 1, 1]
    y_pred = [5, 5, 6, 7, 7, 6]
    matrix, mapping = matched_confusion_matrix(y_true, y_pred, return_mapping=True)
    # Class 0 -> cluster 5, class 1 -> cluster 7, cluster 6 unmatched.
    np.testing.assert_array_equal(matrix, [[2, 0, 1], [0, 2, 1]])
    assert mapping == {5: 0, 7: 1}


def test_fewer_clusters_than_classes():
    y_true = [0, 0, 1, 1, 2, 2]
    y_pred = [0, 0, 0, 0, 1, 1]
    matrix, mapping = matched_confusion_matrix(y_true, y_pred, return_mapping=True)
    assert matrix.shape == (3, 3)
    # Cluster 0 goes to class 0 or 1 (a tie), cluster 1 to class 2; the class
    # left without a cluster has a column of zeros.
    assert mapping[1] == 2 and mapping[0] in (0, 1)
    assert np.trace(matrix) == 4
    unmatched_class = 1 - mapping[0]
    np.testing.assert_array_equal(matrix[:, unmatched_class], 0)
    assert apparent_error_rate(y_true, y_pred) == pytest.approx(2 / 6)


def test_one_cluster():
    assert apparent_error_rate([0, 1, 1, 1], [4, 4, 4, 4]) == pytest.approx(0.25)


@pytest.mark.parametrize("seed", range(40))
def test_agrees_with_brute_force(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 25))
    y_true = rng.integers(0, rng.integers(1, 5), n)
    y_pred = rng.integers(0, rng.integers(1, 5), n) + 10
    expected = _brute_force_error(y_true, y_pred)
    assert apparent_error_rate(y_true, y_pred) == pytest.approx(expected)
    matrix = matched_confusion_matrix(y_true, y_pred)
    assert matrix.sum() == n
    assert matrix.shape == (
        len(np.unique(y_true)),
        max(len(np.unique(y_true)), len(np.unique(y_pred))),
    )
    np.testing.assert_array_equal(
        matrix.sum(axis=1), np.unique(y_true, return_counts=True)[1]
    )


def test_mapping_relabels_predictions_onto_the_diagonal():
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 3, 50)
    y_pred = (y_true + 1) % 3
    y_pred[:10] = rng.integers(0, 3, 10)
    matrix, mapping = matched_confusion_matrix(y_true, y_pred, return_mapping=True)
    relabelled = np.array([mapping[k] for k in y_pred])
    assert np.trace(matrix) == np.sum(relabelled == y_true)


def test_labels_of_different_types():
    y_true = np.array(["boy", "girl", "girl", "boy"])
    y_pred = np.array([1, 0, 0, 1])
    matrix, mapping = matched_confusion_matrix(y_true, y_pred, return_mapping=True)
    np.testing.assert_array_equal(matrix, [[2, 0], [0, 2]])
    assert mapping == {0: "girl", 1: "boy"}
    # Python scalars, not numpy ones: readable and JSON-friendly.
    assert all(type(k) is int and type(v) is str for k, v in mapping.items())


def test_returns_a_python_float():
    assert type(apparent_error_rate([0, 1], [0, 0])) is float


def test_column_vectors_are_accepted():
    y = np.array([[0], [1], [1]])
    assert apparent_error_rate(y, y) == 0.0


def test_inconsistent_lengths():
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        apparent_error_rate([0, 1, 1], [0, 1])
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        matched_confusion_matrix([0, 1, 1], [0, 1])


def test_two_dimensional_labels_are_rejected():
    with pytest.raises(ValueError):
        apparent_error_rate(np.zeros((3, 2)), [0, 1, 1])


def test_empty_input_is_rejected():
    with pytest.raises(ValueError, match="empty"):
        apparent_error_rate([], [])
