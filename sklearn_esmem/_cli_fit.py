"""The ``fit FILE.csv`` command: ESM-EM fitted to the numeric columns of a file.

The file is read into a table of stripped cells, its feature and label columns
are chosen by name or index, and a bad input is reported in one line naming
the file, line and column (:class:`InputError`). The fit's labels and model
are written to ``PREFIX_labels.csv`` and ``PREFIX_model.json``.
"""

import argparse
import csv
import json
import math
import sys
import time
import warnings
from pathlib import Path
from typing import NamedTuple

import numpy as np


class InputError(ValueError):
    """A problem with the input of ``fit``: reported in one line, exit status 2."""


class _Table(NamedTuple):
    """The cells of a CSV file, stripped, without blank lines."""

    names: list
    rows: list
    line_numbers: list
    has_header: bool


def _is_number(cell):
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _looks_like_header(first, second):
    """A header has a non-numeric name above a number in some column.

    Empty cells are no evidence (a headerless file may miss a value in its
    first row), and neither is text above text (a column of class names).
    """
    for column, cell in enumerate(first):
        if cell == "" or _is_number(cell):
            continue
        if second is None or (column < len(second) and _is_number(second[column])):
            return True
    return False


def _read_table(path, delimiter=",", header="auto"):
    numbered = []  # (line number, stripped cells), blank lines left out
    try:
        # utf-8-sig: spreadsheet programs often start a CSV with a BOM.
        with open(path, newline="", encoding="utf-8-sig") as file:
            reader = csv.reader(file, delimiter=delimiter)
            for row in reader:
                cells = [cell.strip() for cell in row]
                if any(cells):
                    numbered.append((reader.line_num, cells))
    except FileNotFoundError:
        raise InputError(f"{path}: no such file.") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a UTF-8 text (CSV) file.") from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}.") from None
    except csv.Error as exc:
        raise InputError(f"{path}: not a readable CSV file ({exc}).") from None
    if not numbered:
        raise InputError(f"{path}: the file is empty.")

    rows = [row for _, row in numbered]
    if header == "auto":
        has_header = _looks_like_header(rows[0], rows[1] if len(rows) > 1 else None)
    else:
        has_header = header == "yes"
    n_columns = max(len(row) for row in rows)
    names = [f"x{i}" for i in range(n_columns)]
    if has_header:
        for i, name in enumerate(rows[0]):
            names[i] = name or names[i]
        numbered = numbered[1:]
    return _Table(
        names, [row for _, row in numbered], [line for line, _ in numbered], has_header
    )


def _resolve_column(token, names):
    """A column by name first, else by 0-based index."""
    if token in names:
        if names.count(token) > 1:
            raise InputError(
                f"column name {token!r} appears {names.count(token)} times in the "
                "header: choose it by its 0-based index."
            )
        return names.index(token)
    try:
        index = int(token)
    except ValueError:
        raise InputError(
            f"unknown column {token!r}; the columns are: {', '.join(names)}."
        ) from None
    if not 0 <= index < len(names):
        raise InputError(
            f"column index {index} is out of range: the file has {len(names)} "
            f"columns, 0 to {len(names) - 1}."
        )
    return index


def _split_tokens(tokens, names):
    """``--columns a b`` and ``--columns a,b`` both work, unless a name has a comma."""
    out = []
    for token in tokens:
        if token in names or "," not in token:
            out.append(token)
        else:
            out.extend(part.strip() for part in token.split(",") if part.strip())
    return out


def _choose_columns(table, columns, label_column):
    """Indices of the feature columns and of the label column (or None)."""
    names = table.names
    label = None if label_column is None else _resolve_column(label_column, names)
    if columns:
        chosen = [_resolve_column(t, names) for t in _split_tokens(columns, names)]
        for index in set(chosen):
            if chosen.count(index) > 1:
                raise InputError(f"column {names[index]!r} is chosen twice.")
        if label is not None and label in chosen:
            raise InputError(
                f"column {names[label]!r} is the label column: it cannot be a "
                "feature too."
            )
        return chosen, label, []
    # Default: every column with at least one number; a column of text (ids,
    # names, classes) is left out, while a stray word in a numeric column is
    # reported as an error later.
    chosen, skipped = [], []
    for index in range(len(names)):
        if index == label:
            continue
        cells = (row[index] for row in table.rows if index < len(row))
        (chosen if any(_is_number(c) for c in cells if c) else skipped).append(index)
    if not chosen:
        raise InputError(
            "no numeric column found"
            + (
                ""
                if table.has_header
                else " (is the first row a header? try --header yes)"
            )
            + "."
        )
    return chosen, label, skipped


def _where(path, table, row_index, column):
    return (
        f"{path}, line {table.line_numbers[row_index]} (data row {row_index}), "
        f"column {table.names[column]!r}"
    )


def _cell(path, table, row_index, column):
    row = table.rows[row_index]
    if column >= len(row):
        raise InputError(
            f"{_where(path, table, row_index, column)}: missing (the row has only "
            f"{len(row)} cell{'' if len(row) == 1 else 's'})."
        )
    if row[column] == "":
        raise InputError(f"{_where(path, table, row_index, column)}: empty cell.")
    return row[column]


def _numeric_matrix(path, table, columns):
    X = np.empty((len(table.rows), len(columns)))
    for i in range(len(table.rows)):
        for j, column in enumerate(columns):
            cell = _cell(path, table, i, column)
            try:
                X[i, j] = float(cell)
            except ValueError:
                raise InputError(
                    f"{_where(path, table, i, column)}: {cell!r} is not a number."
                ) from None
            if not math.isfinite(X[i, j]):
                raise InputError(
                    f"{_where(path, table, i, column)}: {cell!r} is not a finite "
                    "number (NaN or infinity)."
                )
    return X


def _class_labels(path, table, column):
    """The label column's values: numbers if they all are (to sort as numbers)."""
    values = [_cell(path, table, i, column) for i in range(len(table.rows))]
    for kind in (int, float):
        try:
            return np.array([kind(value) for value in values])
        except ValueError:
            pass
    return np.array(values)


def _format_confusion(matching, label_name):
    width = max(
        8,
        *(len(str(c)) + 2 for c in matching.classes),
        *(len(str(c)) + 7 for c in matching.columns),
    )
    head = [
        "-" if cluster is None else f"comp {cluster}" for cluster in matching.columns
    ]
    lines = [
        f"Matched confusion matrix (rows: classes of {label_name!r}; columns: "
        "components, the matched one on the diagonal):",
        " " * width + "".join(f"{h:>{width}}" for h in head),
    ]
    for name, counts in zip(matching.classes, matching.matrix, strict=True):
        lines.append(f"{name!s:>{width}}" + "".join(f"{n:>{width}d}" for n in counts))
    return lines


def _component_lines(est, max_features=4):
    lines = [f"{'component':>9}  {'weight':>7}  mean"]
    for j, (weight, mean) in enumerate(zip(est.weights_, est.means_, strict=True)):
        shown = ", ".join(f"{m:.4g}" for m in mean[:max_features])
        more = ", ..." if len(mean) > max_features else ""
        lines.append(f"{j:>9d}  {weight:>7.3f}  [{shown}{more}]")
    return lines


def _write_labels(path, proba):
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["index", "label", "max_posterior"])
        for i, row in enumerate(proba):
            writer.writerow([i, int(np.argmax(row)), f"{row.max():.6f}"])


def run_fit(
    path,
    *,
    columns=None,
    label_column=None,
    output_prefix=None,
    header="auto",
    delimiter=",",
    variant="VS-PLL",
    covariance_type="full",
    criterion="mdl",
    min_components=1,
    max_components=None,
    population_size=10,
    max_generations=50,
    max_time=None,
    random_state=0,
    n_jobs=None,
    verbose=0,
    stream=None,
):
    """Fit ESM-EM to the numeric columns of a CSV file and write the results.

    Writes ``PREFIX_labels.csv`` (one row per data row: ``index``, ``label``,
    ``max_posterior``) and ``PREFIX_model.json`` (the fitted mixture and the
    settings), and prints a summary.

    Parameters
    ----------
    path : str or path-like
        The CSV file. A first row with a non-numeric name above a number is a
        header (``header="auto"``).
    columns : list of str or None, default=None
        Feature columns, by header name or 0-based index (``"a,b"`` is split
        at commas). None takes every column that holds a number, except the
        label column.
    label_column : str or None, default=None
        A column of known classes, by name or index: excluded from the
        features and used to print the matched confusion matrix and the
        apparent error rate.
    output_prefix : str or None, default=None
        Prefix of the two output files; None is ``path`` without its suffix.
    header : {"auto", "yes", "no"}, default="auto"
        Whether the first row is a header.
    delimiter : str, default=","
        The CSV delimiter.
    variant, covariance_type, criterion, min_components, max_components, \
population_size, max_generations, max_time, random_state, n_jobs, verbose
        Passed to :class:`~sklearn_esmem.EvolutionarySplitMergeMixture`.
    stream : file-like or None, default=None
        Where to print; None means ``sys.stdout`` at call time.

    Returns
    -------
    results : dict
        ``estimator``, ``X``, ``model`` (what the JSON file holds),
        ``labels_path`` and ``model_path``.

    Raises
    ------
    InputError
        A ValueError naming the file, row and column of a bad input.
    """
    from sklearn_esmem import EvolutionarySplitMergeMixture

    stream = sys.stdout if stream is None else stream

    def say(*args):
        print(*args, file=stream, flush=True)

    say(f"Reading {path}")
    table = _read_table(path, delimiter=delimiter, header=header)
    n_samples = len(table.rows)
    if n_samples < 2:
        raise InputError(
            f"{path}: a mixture needs at least 2 data rows; got {n_samples}."
        )
    features, label, skipped = _choose_columns(table, columns, label_column)
    names = [table.names[i] for i in features]
    X = _numeric_matrix(path, table, features)
    y = None if label is None else _class_labels(path, table, label)
    say(
        f"  {n_samples} data rows, header row: {'yes' if table.has_header else 'no'}; "
        f"{len(features)} feature columns: {', '.join(names)}"
    )
    if skipped:
        say(f"  skipped (no numbers): {', '.join(table.names[i] for i in skipped)}")
    if label is not None:
        say(f"  label column: {table.names[label]} ({len(np.unique(y))} classes)")

    est = EvolutionarySplitMergeMixture(
        variant=variant,
        covariance_type=covariance_type,
        criterion=criterion,
        min_components=min_components,
        max_components=max_components,
        population_size=population_size,
        max_generations=max_generations,
        max_time=max_time,
        random_state=random_state,
        n_jobs=n_jobs,
        verbose=verbose,
    )
    k_max = "ceil(sqrt(N)) = " + str(math.ceil(math.sqrt(n_samples)))
    say(
        f"Fitting ESM-EM: variant={variant}, covariance_type={covariance_type}, "
        f"criterion={criterion}, components {min_components}.."
        f"{k_max if max_components is None else max_components}, "
        f"population_size={population_size}, max_generations={max_generations}, "
        f"max_time={max_time}, random_state={random_state}, n_jobs={n_jobs}"
    )
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            est.fit(X)
        except ValueError as exc:
            raise InputError(f"the fit failed: {exc}") from None
    seconds = time.perf_counter() - start
    for warning in caught:
        print(f"warning: {warning.message}", file=sys.stderr)

    bic = float(est.bic(X))
    say(
        f"Fitted in {seconds:.2f} s: k = {est.n_components_}, "
        f"{criterion.upper()} = {est.criterion_:.3f}, BIC = {bic:.3f}"
    )
    for line in _component_lines(est):
        say("  " + line)

    model = {
        "input": str(path),
        "columns": names,
        "n_samples": n_samples,
        "n_features": len(features),
        "variant": variant,
        "covariance_type": covariance_type,
        "criterion": criterion,
        "criterion_value": float(est.criterion_),
        "bic": bic,
        "n_components": int(est.n_components_),
        "weights": est.weights_.tolist(),
        "means": est.means_.tolist(),
        "covariances": np.asarray(est.covariances_).tolist(),
        "fit_seconds": seconds,
        "n_generations": len(est.history_),
        "random_state": random_state,
    }
    proba = est.predict_proba(X)
    if y is not None:
        from .metrics import _match

        matching = _match(y, proba.argmax(axis=1))
        n_errors = n_samples - int(np.trace(matching.matrix))
        aper = n_errors / n_samples
        heading, *table_lines = _format_confusion(matching, table.names[label])
        say(heading)
        for line in table_lines:
            say("  " + line)
        say(
            f"Apparent error rate: {aper:.4f} "
            f"({n_errors} of {n_samples} samples misclassified)"
        )
        model["label_column"] = table.names[label]
        model["classes"] = matching.classes
        model["confusion_matrix"] = matching.matrix.tolist()
        model["confusion_matrix_columns"] = matching.columns
        model["apparent_error_rate"] = aper

    prefix = str(Path(path).with_suffix("")) if output_prefix is None else output_prefix
    labels_path, model_path = f"{prefix}_labels.csv", f"{prefix}_model.json"
    say(f"Writing {labels_path} and {model_path}")
    try:
        _write_labels(labels_path, proba)
        with open(model_path, "w", encoding="utf-8") as file:
            json.dump(model, file, indent=2, allow_nan=False)
            file.write("\n")
    except OSError as exc:
        raise InputError(
            f"cannot write {exc.filename or prefix}: {exc.strerror or exc}."
        ) from None
    return {
        "estimator": est,
        "X": X,
        "model": model,
        "labels_path": labels_path,
        "model_path": model_path,
    }


def _positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return value


def _positive_float(text):
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def _add_fit_parser(commands):
    from sklearn_esmem._em import COVARIANCE_TYPES
    from sklearn_esmem.criteria import CRITERIA
    from sklearn_esmem.mixture import VARIANTS

    fit = commands.add_parser(
        "fit",
        help="fit ESM-EM to the numeric columns of a CSV file",
        description=(
            "Fit ESM-EM (EvolutionarySplitMergeMixture) to a CSV file and write "
            "PREFIX_labels.csv (index, label, max_posterior per data row) and "
            "PREFIX_model.json (weights, means, covariances, criterion, BIC, ...). "
            "A first row with a non-numeric name above a number is a header. "
            "Columns are chosen by header name or 0-based index; by default every "
            "column holding numbers is a feature."
        ),
    )
    fit.add_argument("file", metavar="FILE.csv", help="the data, one sample a row")
    fit.add_argument(
        "--columns",
        nargs="+",
        metavar="COLUMN",
        help="feature columns by name or 0-based index, e.g. --columns x y or "
        "--columns 0,2 (default: every column with numbers)",
    )
    fit.add_argument(
        "--label-column",
        metavar="COLUMN",
        help="column of known classes: not a feature; prints the matched "
        "confusion matrix and the apparent error rate",
    )
    fit.add_argument(
        "--output-prefix",
        metavar="PREFIX",
        help="prefix of the output files (default: FILE without its suffix)",
    )
    fit.add_argument(
        "--header",
        choices=("auto", "yes", "no"),
        default="auto",
        help="is the first row a header? (default: auto)",
    )
    fit.add_argument(
        "--delimiter", default=",", metavar="CHAR", help="CSV delimiter (default: ,)"
    )
    fit.add_argument(
        "--variant",
        choices=tuple(VARIANTS),
        default="VS-PLL",
        help="ESM-EM variant (default: VS-PLL)",
    )
    fit.add_argument(
        "--covariance-type",
        choices=COVARIANCE_TYPES,
        default="full",
        help="as in scikit-learn's GaussianMixture (default: full)",
    )
    fit.add_argument(
        "--criterion",
        choices=tuple(CRITERIA),
        default="mdl",
        help="model-selection criterion (default: mdl)",
    )
    fit.add_argument(
        "--min-components",
        type=_positive_int,
        default=1,
        metavar="N",
        help="fewest components (default: 1)",
    )
    fit.add_argument(
        "--max-components",
        type=_positive_int,
        metavar="N",
        help="most components (default: ceil(sqrt(number of rows)))",
    )
    fit.add_argument(
        "--population-size",
        type=_positive_int,
        default=10,
        metavar="N",
        help="mixtures in the population (default: 10)",
    )
    fit.add_argument(
        "--max-generations",
        type=_positive_int,
        default=50,
        metavar="N",
        help="most generations (default: 50)",
    )
    fit.add_argument(
        "--max-time",
        type=_positive_float,
        metavar="SECONDS",
        help="wall-clock budget of the search (default: none)",
    )
    fit.add_argument(
        "--random-state",
        type=int,
        default=0,
        metavar="N",
        help="seed of the search (default: 0)",
    )
    fit.add_argument(
        "--n-jobs",
        type=int,
        metavar="N",
        help="parallel jobs refining the population (default: one)",
    )
    fit.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="print the search's progress, generation by generation",
    )


def _fit_from_args(args):
    try:
        run_fit(
            args.file,
            columns=args.columns,
            label_column=args.label_column,
            output_prefix=args.output_prefix,
            header=args.header,
            delimiter=args.delimiter,
            variant=args.variant,
            covariance_type=args.covariance_type,
            criterion=args.criterion,
            min_components=args.min_components,
            max_components=args.max_components,
            population_size=args.population_size,
            max_generations=args.max_generations,
            max_time=args.max_time,
            random_state=args.random_state,
            n_jobs=args.n_jobs,
            verbose=args.verbose,
        )
    except InputError as exc:
        print(f"python -m sklearn_esmem fit: error: {exc}", file=sys.stderr)
        return 2
    return 0
