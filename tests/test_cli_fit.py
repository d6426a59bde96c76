import csv
import json
import subprocess
import sys

import numpy as np
import pytest

from sklearn_esmem import VARIANTS, EvolutionarySplitMergeMixture
from sklearn_esmem._cli import InputError, main, run_fit
from sklearn_esmem._em import COVARIANCE_TYPES
from sklearn_esmem.criteria import CRITERIA
from sklearn_esmem.metrics import apparent_error_rate

FAST = ["--population-size", "3", "--max-generations", "3"]
FAST_PARAMS = {"population_size": 3, "max_generations": 3, "random_state": 0}


@pytest.fixture(scope="module")
def two_groups():
    """Two well separated 2-D groups, 30 rows each, with an id and a class."""
    rng = np.random.RandomState(0)
    X = np.vstack([rng.normal(0, 1, (30, 2)), rng.normal(8, 1, (30, 2))])
    X = np.round(X, 6)
    classes = np.repeat(["boy", "girl"], 30)
    return X, classes


def _write(path, rows, header=None, delimiter=","):
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file, delimiter=delimiter)
        if header is not None:
            writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def headed_csv(tmp_path, two_groups):
    X, classes = two_groups
    rows = [
        [f"s{i}", *x, c, i % 3] for i, (x, c) in enumerate(zip(X, classes, strict=True))
    ]
    return _write(tmp_path / "data.csv", rows, ["id", "x", "y", "group", "batch"])


def _read_labels(path):
    with open(path, newline="") as file:
        return list(csv.reader(file))


def _reference_fit(X, **params):
    return EvolutionarySplitMergeMixture(**{**FAST_PARAMS, **params}).fit(X)


def test_header_csv_outputs(headed_csv, two_groups, capsys):
    X, _ = two_groups
    assert main(["fit", str(headed_csv), "--columns", "x", "y", *FAST]) == 0
    out = capsys.readouterr().out
    for step in ("Reading", "Fitting ESM-EM", "VS-PLL", "Writing", "k = "):
        assert step in out

    # Outputs sit beside the input by default.
    labels_path = headed_csv.parent / "data_labels.csv"
    model_path = headed_csv.parent / "data_model.json"
    reference = _reference_fit(X)

    rows = _read_labels(labels_path)
    assert rows[0] == ["index", "label", "max_posterior"]
    assert len(rows) == 1 + len(X)
    body = np.array(rows[1:], dtype=float)
    np.testing.assert_array_equal(body[:, 0], np.arange(len(X)))
    np.testing.assert_array_equal(body[:, 1], reference.predict(X))
    np.testing.assert_allclose(
        body[:, 2], reference.predict_proba(X).max(axis=1), atol=1e-6
    )

    model = json.loads(model_path.read_text())
    assert model["columns"] == ["x", "y"]
    assert model["n_features"] == 2
    assert model["n_samples"] == len(X)
    assert model["variant"] == "VS-PLL"
    assert model["covariance_type"] == "full"
    assert model["criterion"] == "mdl"
    assert model["n_components"] == reference.n_components_
    np.testing.assert_allclose(model["weights"], reference.weights_)
    np.testing.assert_allclose(model["means"], reference.means_)
    np.testing.assert_allclose(model["covariances"], reference.covariances_)
    assert model["criterion_value"] == pytest.approx(reference.criterion_)
    assert model["bic"] == pytest.approx(reference.bic(X))
    assert model["fit_seconds"] > 0
    assert "label_column" not in model


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_covariance_layout_in_json(tmp_path, two_groups, covariance_type):
    X, _ = two_groups
    path = _write(tmp_path / "d.csv", X.tolist(), ["a", "b"])
    prefix = tmp_path / "out" / "run"
    prefix.parent.mkdir()
    argv = ["fit", str(path), "--output-prefix", str(prefix), *FAST]
    assert main([*argv, "--covariance-type", covariance_type]) == 0
    model = json.loads((tmp_path / "out" / "run_model.json").read_text())
    reference = _reference_fit(X, covariance_type=covariance_type)
    assert model["covariance_type"] == covariance_type
    k = model["n_components"]
    expected_shape = {
        "full": (k, 2, 2),
        "tied": (2, 2),
        "diag": (k, 2),
        "spherical": (k,),
    }[covariance_type]
    assert np.shape(model["covariances"]) == expected_shape
    np.testing.assert_allclose(model["covariances"], reference.covariances_)
    assert (tmp_path / "out" / "run_labels.csv").exists()


def test_headerless_csv(tmp_path, two_groups, capsys):
    X, _ = two_groups
    path = _write(tmp_path / "plain.csv", X.tolist())
    result = run_fit(path, **FAST_PARAMS)
    # The first row is data, not a header.
    np.testing.assert_array_equal(result["X"], X)
    assert result["model"]["columns"] == ["x0", "x1"]
    assert "header row: no" in capsys.readouterr().out
    assert len(_read_labels(result["labels_path"])) == 1 + len(X)


def test_header_forced_on_numeric_names(tmp_path, two_groups):
    X, _ = two_groups
    path = _write(tmp_path / "d.csv", X.tolist(), ["1", "2"])
    # Auto cannot tell a numeric header from data: --header yes can.
    assert len(run_fit(path, **FAST_PARAMS)["X"]) == len(X) + 1
    result = run_fit(path, header="yes", columns=["2"], **FAST_PARAMS)
    # Names win over indices: column "2" is the second column.
    np.testing.assert_array_equal(result["X"], X[:, [1]])


def test_header_forced_off(tmp_path, two_groups):
    X, _ = two_groups
    path = _write(tmp_path / "d.csv", X.tolist(), ["a", "b"])
    with pytest.raises(InputError, match=r"line 1 \(data row 0\), column 'x0'"):
        run_fit(path, header="no", **FAST_PARAMS)


@pytest.mark.parametrize(
    "columns, expected",
    [
        (["x", "y"], [0, 1]),
        (["y"], [1]),
        (["1", "2"], [0, 1]),
        (["2", "1"], [1, 0]),
        (["x,y"], [0, 1]),
        (["1,y"], [0, 1]),
    ],
)
def test_column_selection_by_name_and_index(headed_csv, two_groups, columns, expected):
    X, _ = two_groups
    result = run_fit(headed_csv, columns=columns, **FAST_PARAMS)
    np.testing.assert_array_equal(result["X"], X[:, expected])
    assert result["model"]["columns"] == [["x", "y"][i] for i in expected]


def test_default_columns_skip_text(headed_csv, two_groups, capsys):
    X, classes = two_groups
    result = run_fit(headed_csv, **FAST_PARAMS)
    # id and group hold no number; batch does and is taken.
    assert result["model"]["columns"] == ["x", "y", "batch"]
    np.testing.assert_array_equal(result["X"][:, :2], X)
    assert "skipped (no numbers): id, group" in capsys.readouterr().out


def test_label_column(headed_csv, two_groups, capsys):
    X, classes = two_groups
    argv = ["fit", str(headed_csv), "--label-column", "group", *FAST]
    assert main([*argv, "--columns", "x", "y"]) == 0
    out = capsys.readouterr().out
    assert "label column: group (2 classes)" in out
    assert "Matched confusion matrix" in out
    assert "Apparent error rate: 0.0000 (0 of 60 samples misclassified)" in out
    assert "boy" in out and "girl" in out

    model = json.loads((headed_csv.parent / "data_model.json").read_text())
    assert model["label_column"] == "group"
    assert model["classes"] == ["boy", "girl"]
    assert model["apparent_error_rate"] == 0.0
    assert np.trace(model["confusion_matrix"]) == len(X)
    assert model["columns"] == ["x", "y"]


def test_label_column_excluded_from_default_features(tmp_path, two_groups):
    X, _ = two_groups
    y = np.repeat([1, 2], 30)
    y[:3] = 2  # three of group 1 labelled 2: misclassified for any fit
    rows = [[a, b, label] for (a, b), label in zip(X, y.tolist(), strict=True)]
    path = _write(tmp_path / "d.csv", rows)
    result = run_fit(path, label_column="2", **FAST_PARAMS)
    np.testing.assert_array_equal(result["X"], X)
    labels = result["estimator"].predict(X)
    assert result["model"]["apparent_error_rate"] == pytest.approx(
        apparent_error_rate(y, labels)
    )
    assert result["model"]["classes"] == [1, 2]


def test_label_column_matches_apparent_error_rate_output(tmp_path, capsys):
    # Seed 002-style: one feature, two overlapping groups.
    rng = np.random.RandomState(1)
    x = np.r_[rng.normal(3.0, 0.5, 60), rng.normal(3.6, 0.5, 60)]
    group = np.repeat(["1", "2"], 60)
    path = _write(
        tmp_path / "w.csv", zip(np.round(x, 3), group, strict=True), ["weight", "sex"]
    )
    argv = ["fit", str(path), "--label-column", "sex", "--max-components", "2"]
    assert main([*argv, *FAST]) == 0
    model = json.loads((tmp_path / "w_model.json").read_text())
    labels = np.array(_read_labels(tmp_path / "w_labels.csv")[1:])[:, 1].astype(int)
    expected = apparent_error_rate(group, labels)
    assert model["apparent_error_rate"] == pytest.approx(expected)
    assert f"Apparent error rate: {expected:.4f}" in capsys.readouterr().out


def _error(argv, capsys):
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    assert captured.err.startswith("python -m sklearn_esmem fit: error: ")
    return captured.err


def test_error_missing_file(tmp_path, capsys):
    err = _error(["fit", str(tmp_path / "none.csv")], capsys)
    assert "none.csv: no such file" in err


@pytest.mark.parametrize(
    "cell, message",
    [
        ("abc", "'abc' is not a number"),
        ("", "empty cell"),
        ("nan", "'nan' is not a finite number"),
        ("NaN", "'NaN' is not a finite number"),
        ("inf", "'inf' is not a finite number"),
    ],
)
def test_error_bad_cell_names_row_and_column(tmp_path, capsys, cell, message):
    rows = [["1", "2"], ["3", "4"], ["5", cell], ["7", "8"]]
    path = _write(tmp_path / "d.csv", rows, ["a", "b"])
    err = _error(["fit", str(path), *FAST], capsys)
    assert "line 4 (data row 2), column 'b'" in err
    assert message in err


def test_error_bad_cell_in_first_data_row(tmp_path, capsys):
    # A missing value in the first row does not make it a header.
    path = _write(tmp_path / "d.csv", [["1", ""], ["3", "4"], ["5", "6"]])
    err = _error(["fit", str(path), *FAST], capsys)
    assert "line 1 (data row 0), column 'x1': empty cell" in err


def test_error_short_row(tmp_path, capsys):
    path = _write(tmp_path / "d.csv", [["1", "2"], ["3"], ["5", "6"]], ["a", "b"])
    err = _error(["fit", str(path), *FAST], capsys)
    assert "line 3 (data row 1), column 'b': missing" in err


def test_error_unknown_column_name(headed_csv, capsys):
    err = _error(["fit", str(headed_csv), "--columns", "x", "height"], capsys)
    assert "unknown column 'height'" in err
    assert "id, x, y, group, batch" in err


def test_error_unknown_label_column(headed_csv, capsys):
    err = _error(["fit", str(headed_csv), "--label-column", "sex"], capsys)
    assert "unknown column 'sex'" in err


def test_error_column_index_out_of_range(headed_csv, capsys):
    err = _error(["fit", str(headed_csv), "--columns", "1", "9"], capsys)
    assert "column index 9 is out of range" in err


def test_error_text_column_chosen(headed_csv, capsys):
    err = _error(["fit", str(headed_csv), "--columns", "x", "group", *FAST], capsys)
    assert "column 'group': 'boy' is not a number" in err


def test_error_label_column_as_feature(headed_csv, capsys):
    argv = ["fit", str(headed_csv), "--columns", "x", "--label-column", "x"]
    assert "cannot be a feature" in _error(argv, capsys)


def test_error_column_chosen_twice(headed_csv, capsys):
    argv = ["fit", str(headed_csv), "--columns", "x", "1"]
    assert "chosen twice" in _error(argv, capsys)


@pytest.mark.parametrize("rows", [[["1.0", "2.0"]], []])
def test_error_fewer_than_two_rows(tmp_path, capsys, rows):
    path = _write(tmp_path / "d.csv", rows, ["a", "b"])
    err = _error(["fit", str(path), *FAST], capsys)
    assert "at least 2 data rows; got" in err


def test_error_empty_file(tmp_path, capsys):
    path = tmp_path / "d.csv"
    path.write_text("\n\n")
    assert "the file is empty" in _error(["fit", str(path)], capsys)


def test_error_no_numeric_column(tmp_path, capsys):
    path = _write(tmp_path / "d.csv", [["a", "b"], ["c", "d"]], ["n", "m"])
    assert "no numeric column" in _error(["fit", str(path)], capsys)


def test_error_unwritable_output(headed_csv, tmp_path, capsys):
    prefix = tmp_path / "missing_dir" / "p"
    argv = ["fit", str(headed_csv), "--output-prefix", str(prefix), *FAST]
    assert "cannot write" in _error(argv, capsys)


def test_error_from_the_estimator(headed_csv, capsys):
    argv = ["fit", str(headed_csv), "--min-components", "5", "--max-components", "3"]
    err = _error([*argv, *FAST], capsys)
    assert "the fit failed" in err and "min_components" in err


def test_error_as_a_process(tmp_path):
    path = _write(tmp_path / "d.csv", [["1", "2"], ["3", "x"]], ["a", "b"])
    result = subprocess.run(
        [sys.executable, "-m", "sklearn_esmem", "fit", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "line 3 (data row 1), column 'b': 'x' is not a number" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_option_value_is_a_usage_error(headed_csv, capsys):
    with pytest.raises(SystemExit) as excinfo:
        main(["fit", str(headed_csv), "--max-components", "0"])
    assert excinfo.value.code == 2
    assert "must be a positive integer" in capsys.readouterr().err


def test_fit_help(capsys):
    with pytest.raises(SystemExit) as excinfo:
        main(["fit", "--help"])
    assert excinfo.value.code == 0
    out = capsys.readouterr().out
    for option in (
        "--columns",
        "--output-prefix",
        "--variant",
        "--covariance-type",
        "--max-components",
        "--random-state",
        "--n-jobs",
        "--label-column",
        "--verbose",
    ):
        assert option in out


def test_fit_is_listed_in_the_main_help(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "fit" in capsys.readouterr().out


def test_choices_are_the_package_s(capsys):
    with pytest.raises(SystemExit):
        main(["fit", "--help"])
    out = capsys.readouterr().out
    for choice in (*VARIANTS, *COVARIANCE_TYPES, *CRITERIA):
        assert choice in out


def test_settings_reach_the_estimator(headed_csv, two_groups):
    X, _ = two_groups
    result = run_fit(
        headed_csv,
        columns=["x", "y"],
        variant="SVD",
        criterion="bic",
        max_components=4,
        **FAST_PARAMS,
    )
    est = result["estimator"]
    assert (est.variant, est.criterion, est.max_components) == ("SVD", "bic", 4)
    assert result["model"]["variant"] == "SVD"
    assert result["model"]["criterion"] == "bic"
    assert result["model"]["criterion_value"] == pytest.approx(est.bic(X))


def test_verbose_is_passed_through(headed_csv, capsys):
    argv = ["fit", str(headed_csv), "--columns", "x", "y", "--verbose", *FAST]
    assert main(argv) == 0
    assert "Generation 1" in capsys.readouterr().out


def test_quiet_without_verbose(headed_csv, capsys):
    assert main(["fit", str(headed_csv), "--columns", "x", "y", *FAST]) == 0
    assert "Generation 1" not in capsys.readouterr().out


def test_semicolon_delimiter_and_bom(tmp_path, two_groups):
    X, _ = two_groups
    path = tmp_path / "d.csv"
    lines = ["a;b"] + [f"{a};{b}" for a, b in X]
    # A spreadsheet's UTF-8 export starts with a byte-order mark.
    path.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")
    result = run_fit(path, delimiter=";", columns=["a", "b"], **FAST_PARAMS)
    np.testing.assert_array_equal(result["X"], X)


def test_blank_lines_and_spaces_are_ignored(tmp_path, two_groups):
    X, _ = two_groups
    text = "a, b\n\n" + "".join(f" {a} , {b}\n\n" for a, b in X)
    path = tmp_path / "d.csv"
    path.write_text(text)
    result = run_fit(path, columns=["a", "b"], **FAST_PARAMS)
    np.testing.assert_array_equal(result["X"], X)


def test_one_feature(tmp_path):
    x = np.r_[np.linspace(0, 1, 20), np.linspace(10, 11, 20)]
    path = _write(tmp_path / "d.csv", [[v] for v in x], ["w"])
    result = run_fit(path, **FAST_PARAMS)
    assert result["model"]["n_features"] == 1
    assert np.shape(result["model"]["means"]) == (result["model"]["n_components"], 1)


def test_numeric_labels_sort_as_numbers(tmp_path, two_groups):
    X, _ = two_groups
    y = np.repeat(["10.0", "9.5"], 30)
    rows = [[a, b, label] for (a, b), label in zip(X, y, strict=True)]
    path = _write(tmp_path / "d.csv", rows, ["a", "b", "class"])
    result = run_fit(path, label_column="class", **FAST_PARAMS)
    assert result["model"]["classes"] == [9.5, 10.0]
    assert result["model"]["apparent_error_rate"] == 0.0
