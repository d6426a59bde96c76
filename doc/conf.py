"""Sphinx configuration of the sklearn_esmem documentation.

Build (from the repository root)::

    python -m sphinx -W --keep-going -b html doc doc/_build/html

Fast build, without running the gallery's examples::

    python -m sphinx -W --keep-going -b html -D plot_gallery=0 doc doc/_build/html
"""

import os
import re
import sys
import warnings
from pathlib import Path

_HERE = Path(__file__).resolve().parent
# Build from a source checkout without installing it; an installed package
# (CI, or a copy of doc/ elsewhere) is used when there is no checkout beside.
if (_HERE.parent / "sklearn_esmem" / "__init__.py").exists():
    sys.path.insert(0, str(_HERE.parent))

import sklearn_esmem  # noqa: E402

# Examples and build-time figures draw off screen.
os.environ.setdefault("MPLBACKEND", "Agg")

project = "sklearn-esmem"
author = "the sklearn_esmem developers"
copyright = "2026, the sklearn_esmem developers"  # noqa: A001
version = sklearn_esmem.__version__
release = sklearn_esmem.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "matplotlib.sphinxext.plot_directive",
]

templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "Thumbs.db",
    ".DS_Store",
    # sphinx-gallery writes these beside the sources it generates.
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
    "auto_examples/*.zip",
    "auto_examples/*.md5",
    "auto_examples/*.pickle",
]
root_doc = "index"
default_role = "literal"

# -- API reference: autosummary writes a page per public name at build time.
autosummary_generate = True
autosummary_imported_members = False
autodoc_typehints = "none"
# numpydoc renders the sections; the class template lists the members, so
# numpydoc's own member tables would only repeat them.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False

# -- Gallery ------------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": ["../examples"],
    "gallery_dirs": ["auto_examples"],
    "filename_pattern": r"/plot_",
    "within_subsection_order": "FileNameSortKey",
    "doc_module": ("sklearn_esmem",),
    "backreferences_dir": "generated/backreferences",
    "download_all_examples": False,
    "show_memory": False,
    "remove_config_comments": True,
    # Every example must run without error and under a minute.
    "abort_on_example_error": True,
    "only_warn_on_example_error": False,
    "min_reported_time": 1,
}

# -- Figures drawn at build time by ``.. plot::`` in the user guide ----------
plot_include_source = True
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 100)]
plot_rcparams = {"figure.autolayout": True}
plot_pre_code = "import numpy as np\nimport matplotlib.pyplot as plt\n"

# -- HTML -----------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"sklearn-esmem {release}"
html_theme_options = {
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "header_links_before_dropdown": 6,
    "secondary_sidebar_items": ["page-toc"],
}
html_sidebars = {
    "index": [],
    "install": [],
    "quick_start": [],
    "changelog": [],
}
html_show_sourcelink = False
# "fit", not "EvolutionarySplitMergeMixture.fit", in the page tables of contents.
toc_object_entries_show_parents = "hide"

# Matplotlib's Agg backend says it cannot show figures when an example calls
# plt.show(); sphinx-gallery collects the figures itself.
warnings.filterwarnings(
    "ignore",
    category=UserWarning,
    message="(Matplotlib is currently using agg|FigureCanvasAgg is non-interactive)",
)


# -- Docstring fix-ups ----------------------------------------------------------
# In a numpydoc type such as "ndarray of shape (n_components_,)", reST reads
# the trailing underscore of ``n_components_`` as a hyperlink reference and
# fails on the unknown target. Escape it in the type part of "name : type"
# lines of the Parameters, Returns and Attributes sections, before numpydoc
# parses the docstring; descriptions and examples are left as they are.
_TYPE_LINE = re.compile(r"^(\s*[\w*, ]+ : )(.*)$")
_TRAILING_UNDERSCORE = re.compile(r"\b([A-Za-z]\w*[A-Za-z0-9])_(?=\W|$)")


def _escape_type_underscores(app, what, name, obj, options, lines):
    for i, line in enumerate(lines):
        match = _TYPE_LINE.match(line)
        if match and "`" not in match.group(2):
            lines[i] = match.group(1) + _TRAILING_UNDERSCORE.sub(
                r"\1\\_", match.group(2)
            )


# scikit-learn's metadata-routing methods (``set_fit_request``,
# ``set_split_request``..., ``get_metadata_routing``) are generated for every
# estimator; their docstrings point into scikit-learn's own user guide.
_METADATA_ROUTING = re.compile(r"^(set_\w+_request|get_metadata_routing)$")


def _skip_metadata_routing(app, what, name, obj, skip, options):
    if _METADATA_ROUTING.match(name):
        return True
    return None


def setup(app):
    # Before numpydoc (priority 500) turns the sections into reST.
    app.connect("autodoc-process-docstring", _escape_type_underscores, priority=400)
    app.connect("autodoc-skip-member", _skip_metadata_routing)
