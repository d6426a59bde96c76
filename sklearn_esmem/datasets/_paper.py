"""The registry of the paper's 35 data sets (Table 2)."""

from ._generators import make_grid_mixture, make_three_components
from ._pendigits import load_digits_pca
from ._shapes import SHAPE_SETS, make_shape
from ._synthetic import make_c_separated_mixture, make_overlap_mixture

__all__ = ["load_paper_dataset", "paper_datasets"]

_SEPARATIONS = (0.5, 1.0, 2.0)
_OVERLAPS = (0.1, 0.01, 0.001)
_SIZES = ((4, 4), (4, 8), (12, 4), (12, 8))  # (k, M), in Table 3's order

# name -> (kind, parameters), in the order of the paper's Tables 2 and 3.
_REGISTRY = {
    "9Gauss": ("named", {"grid_size": 3, "std": 0.22}),
    "49Gauss": ("named", {"grid_size": 7, "std": 0.15}),
    "3-components": ("named", {}),
    **{name: ("shape", {}) for name in SHAPE_SETS},
    "Pendigits": ("real", {}),
    **{
        f"c{c}-k{k}M{m}": ("c-separation", {"c": c, "k": k, "m": m})
        for k, m in _SIZES
        for c in _SEPARATIONS
    },
    **{
        f"{omega}-k{k}M{m}": ("overlap", {"omega": omega, "k": k, "m": m})
        for k, m in _SIZES
        for omega in _OVERLAPS
    },
}
_KINDS = ("named", "shape", "real", "c-separation", "overlap")


def paper_datasets(kind=None):
    """Names of the paper's 35 data sets, in the order of its Tables 2 and 3.

    Parameters
    ----------
    kind : {"named", "shape", "real", "c-separation", "overlap"} or None, \
default=None
        Only the sets of one kind: the Gaussian ``"named"`` sets (9Gauss,
        49Gauss, 3-components), the seven ``"shape"`` sets, the ``"real"``
        one (Pendigits), the twelve ``"c-separation"`` sets
        ``c{c}-k{k}M{M}`` (c in 0.5, 1.0, 2.0) or the twelve ``"overlap"``
        sets ``{omega}-k{k}M{M}`` (omega in 0.1, 0.01, 0.001), with k in 4,
        12 and M in 4, 8. None lists all 35.

    Returns
    -------
    names : list of str
        Names accepted by :func:`load_paper_dataset`.

    See Also
    --------
    load_paper_dataset : Generate or load one of them.

    Examples
    --------
    >>> from sklearn_esmem.datasets import paper_datasets
    >>> len(paper_datasets())
    35
    >>> paper_datasets("named")
    ['9Gauss', '49Gauss', '3-components']
    >>> paper_datasets("overlap")[:3]
    ['0.1-k4M4', '0.01-k4M4', '0.001-k4M4']
    """
    if kind is not None and kind not in _KINDS:
        raise ValueError(f"kind must be None or one of {list(_KINDS)}, got {kind!r}.")
    return [name for name, (k, _) in _REGISTRY.items() if kind is None or k == kind]


def _resolve(name):
    if isinstance(name, str):
        key = name.strip()
        if key in _REGISTRY:
            return key
        lowered = {registered.lower(): registered for registered in _REGISTRY}
        if key.lower() in lowered:
            return lowered[key.lower()]
        # "c1-k4M4" and "c2-k12M8" for Table 3's "c1.0-k4M4", "c2.0-k12M8".
        if key.startswith("c") and "-" in key:
            head, tail = key.split("-", 1)
            try:
                alias = f"c{float(head[1:])}-{tail}"
            except ValueError:
                alias = None
            if alias in _REGISTRY:
                return alias
    raise ValueError(f"Unknown data set {name!r}; paper_datasets() lists the 35 names.")


def load_paper_dataset(name, random_state=None):
    """Generate or load one of the paper's 35 data sets by its name.

    - **9Gauss** (N = 900, k = 9) and **49Gauss** (N = 4900, k = 49):
      :func:`make_grid_mixture` on a 3 x 3 grid with ``std=0.22`` and on a
      7 x 7 grid with ``std=0.15`` (reconstructions);
    - **3-components** (N = 900, k = 3): :func:`make_three_components`;
    - the seven shape sets (N = 300 to 500, reference k = 3 to 5):
      :func:`make_shape` (reconstructions);
    - **Pendigits**: :func:`load_digits_pca`, a stand-in (N = 901) for
      UCI's pen-based digits (N = 5629), which cannot be downloaded here;
    - **c{c}-k{k}M{M}** (N = 100 k): :func:`make_c_separated_mixture`;
    - **{omega}-k{k}M{M}** (N = 100 k): :func:`make_overlap_mixture`.

    The spacing-1 grids' ``std`` values are reconstructions: the paper's
    parameters are lost; on the 3 x 3 grid 0.22 makes neighbours overlap
    while 9 components stay the MDL optimum, and on the 7 x 7 grid 0.15 keeps
    49 (from about 0.22 MDL merges them). The synthetic sets use the
    generators' defaults (see their documentation for the choices made
    where the paper is silent).

    Parameters
    ----------
    name : str
        A name from :func:`paper_datasets` (case-insensitive; ``"c1-k4M4"``
        is accepted for ``"c1.0-k4M4"``).
    random_state : int, RandomState instance or None, default=None
        Seed or generator of every random draw; pass an int for
        reproducible output. Pendigits is deterministic and ignores it.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        The samples.
    y : ndarray of shape (n_samples,)
        The generating component (Gaussian sets), stroke (shape sets) or
        digit (Pendigits) of each sample.
    n_components : int or None
        The true (Gaussian sets) or reference (shape sets, Table 2) number
        of components; None for Pendigits, for which the paper gives none.
    mixture : dict or None
        The true mixture of the Gaussian sets, which :func:`sample_mixture`
        accepts to draw held-out data (the paper draws 10 000 points); None
        for the shape sets and Pendigits.

    See Also
    --------
    paper_datasets : The names.
    sample_mixture : Draw held-out data from the returned mixture.

    Examples
    --------
    >>> from sklearn_esmem.datasets import load_paper_dataset, sample_mixture
    >>> X, y, k, mixture = load_paper_dataset("c1.0-k4M4", random_state=0)
    >>> X.shape, k
    ((400, 4), 4)
    >>> X_test, _ = sample_mixture(mixture, 10_000, random_state=1)
    >>> X_test.shape
    (10000, 4)
    >>> X, y, k, mixture = load_paper_dataset("Letter B", random_state=0)
    >>> X.shape, k, mixture is None
    ((400, 2), 5, True)
    """
    name = _resolve(name)
    kind, params = _REGISTRY[name]
    if kind == "named":
        if name == "3-components":
            X, y, mixture = make_three_components(
                random_state=random_state, return_mixture=True
            )
        else:
            X, y, mixture = make_grid_mixture(
                **params, random_state=random_state, return_mixture=True
            )
        return X, y, len(mixture["weights"]), mixture
    if kind == "shape":
        X, y = make_shape(name, random_state=random_state)
        return X, y, SHAPE_SETS[name][1], None
    if kind == "real":
        X, y = load_digits_pca()
        return X, y, None, None
    k, m = params["k"], params["m"]
    if kind == "c-separation":
        X, y, mixture = make_c_separated_mixture(
            100 * k, k, m, params["c"], random_state=random_state, return_mixture=True
        )
    else:
        X, y, mixture = make_overlap_mixture(
            100 * k, k, m, params["omega"], random_state=random_state,
            return_mixture=True,
        )  # fmt: skip
    return X, y, k, mixture
