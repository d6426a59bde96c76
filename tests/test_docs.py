"""The documentation builds without a warning and covers the public API.

The Sphinx build is skipped when Sphinx and the ``docs`` extra are not
installed (``pip install ".[docs]"``). It runs without executing the
gallery (``-D plot_gallery=0``), so that it takes seconds, not minutes; set
``SKLEARN_ESMEM_DOCS_GALLERY=1`` to run the gallery's examples too (CI's
documentation job builds with the gallery directly). The build works on a
copy of ``doc/``, ``examples/`` and the committed quick run of the paper's
experiments (which the reproduction page includes) in a temporary folder,
so that it leaves nothing in the source tree and cannot race with a build of
the same tree.

The other tests need no Sphinx: the quick start's ``>>>`` lines run as a
doctest, every public class and function has an Examples section with a
doctest, and the API reference lists every public name.
"""

import doctest
import importlib
import inspect
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "doc"
EXAMPLES = ROOT / "examples"

# What a build writes into the source folder; never copied.
_GENERATED = ("_build", "auto_examples", "generated", "sg_execution_times.rst")


def _docs_requirements():
    pytest.importorskip("sphinx")
    pytest.importorskip("numpydoc")
    pytest.importorskip("sphinx_gallery")
    pytest.importorskip("pydata_sphinx_theme")
    pytest.importorskip("matplotlib")


@pytest.mark.skipif(not DOC.is_dir(), reason="no doc/ folder beside the tests")
def test_docs_build_without_warnings(tmp_path):
    _docs_requirements()
    shutil.copytree(DOC, tmp_path / "doc", ignore=shutil.ignore_patterns(*_GENERATED))
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    # The reproduction page includes the committed quick run's tables and plots.
    shutil.copytree(
        ROOT / "benchmarks" / "results" / "paper_quick",
        tmp_path / "benchmarks" / "results" / "paper_quick",
    )
    command = [
        sys.executable,
        "-m",
        "sphinx",
        "-W",
        "--keep-going",
        "-q",
        "-b",
        "html",
    ]
    if os.environ.get("SKLEARN_ESMEM_DOCS_GALLERY", "0") in ("", "0"):
        command += ["-D", "plot_gallery=0"]
    command += [str(tmp_path / "doc"), str(tmp_path / "html")]
    env = dict(os.environ, MPLBACKEND="Agg")
    # The package under test, even when it is not installed.
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    assert result.returncode == 0, (
        f"the documentation build failed:\n{result.stdout[-5000:]}\n"
        f"{result.stderr[-10000:]}"
    )
    html = tmp_path / "html"
    for page in [
        "index.html",
        "api.html",
        "deviations.html",
        "reproduction.html",
        "user_guide/variants.html",
        "generated/sklearn_esmem.EvolutionarySplitMergeMixture.html",
        "auto_examples/index.html",
    ]:
        assert (html / page).is_file(), page


@pytest.mark.skipif(not DOC.is_dir(), reason="no doc/ folder beside the tests")
def test_quick_start_runs_as_written():
    # The quick start's >>> lines are run as a doctest, so that the page
    # shows what the package really prints.
    pytest.importorskip("sklearn_esmem")
    printoptions = np.get_printoptions()
    try:
        # As conftest.py: doctests are written in NumPy's plain scalar style.
        if int(np.__version__.split(".")[0]) >= 2:
            np.set_printoptions(legacy="1.25")
        result = doctest.testfile(
            str(DOC / "quick_start.rst"),
            module_relative=False,
            optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
            verbose=False,
            report=True,
        )
    finally:
        np.set_printoptions(**printoptions)
    assert result.attempted > 0
    assert result.failed == 0, f"{result.failed} quick start examples failed"


# The public modules whose ``__all__`` the API reference documents.
PUBLIC_MODULES = [
    "sklearn_esmem",
    "sklearn_esmem.split",
    "sklearn_esmem.merge",
    "sklearn_esmem.criteria",
    "sklearn_esmem.datasets",
    "sklearn_esmem.metrics",
    "sklearn_esmem.plotting",
    "sklearn_esmem.baselines",
    "sklearn_esmem.benchmark",
]

# Public functions still without an Examples section: the benchmark runs for
# minutes, so its examples need a cheap form first. Remove a name once its
# docstring has one.
MISSING_EXAMPLES: set = set()


def _public_names():
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            yield module_name, name, getattr(module, name)


def test_every_public_class_and_function_has_a_doctest_example():
    lacking = []
    for module_name, name, obj in _public_names():
        qualified = f"{module_name}.{name}"
        if not (inspect.isclass(obj) or inspect.isfunction(obj)):
            continue  # constants are described in doc/api.rst
        if qualified in MISSING_EXAMPLES:
            continue
        doc = inspect.getdoc(obj) or ""
        examples = doc.split("Examples\n--------", 1)
        if len(examples) < 2 or ">>>" not in examples[1]:
            lacking.append(qualified)
    assert not lacking, f"no Examples section with a doctest: {sorted(set(lacking))}"


@pytest.mark.skipif(not DOC.is_dir(), reason="no doc/ folder beside the tests")
def test_api_reference_lists_every_public_name():
    api = (DOC / "api.rst").read_text(encoding="utf-8")
    missing = sorted(
        f"{module_name}.{name}"
        for module_name, name, _ in _public_names()
        if not any(
            line.strip() == name or line.strip() == f".. py:data:: {name}"
            for line in api.splitlines()
        )
    )
    assert not missing, f"public names missing from doc/api.rst: {missing}"
