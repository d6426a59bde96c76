"""The paper's seven 2-D shape sets (Table 2), as reconstructions.

The paper shows them only in a figure that our copy lacks, and their
generators were not published: each shape here is a union of thick strokes
(bars, and arcs for the bowls of the B), sampled uniformly, with one stroke
per component of the paper's reference number of components k.
"""

import numpy as np
from sklearn.utils import check_random_state

from ._generators import _check_int

__all__ = ["SHAPE_SETS", "make_shape"]

#: Table 2 of the paper: name -> (n_samples, reference number of components).
SHAPE_SETS = {
    "Triangle": (500, 5),
    "Letter A": (300, 3),
    "Letter B": (400, 5),
    "Letter M": (400, 4),
    "Letter Y": (300, 3),
    "In X": (500, 5),
    "Two bars": (300, 3),
}

_THICKNESS = 0.2
_DIAGONALS = np.array([[1.0, 1.0], [-1.0, 1.0], [-1.0, -1.0], [1.0, -1.0]]) / np.sqrt(2)

# A stroke is ("bar", start, end) or ("arc", centre, radius, angle0, angle1,
# thickness); bars have thickness _THICKNESS. Coordinates span about 2 units.
_STROKES = {
    # A tall isosceles triangle whose legs are two bars each, so that the
    # five strokes have about the same length.
    "Triangle": [
        ("bar", (0.0, 0.0), (1.0, 0.0)),
        ("bar", (0.0, 0.0), (0.25, 1.0)),
        ("bar", (0.25, 1.0), (0.5, 2.0)),
        ("bar", (1.0, 0.0), (0.75, 1.0)),
        ("bar", (0.75, 1.0), (0.5, 2.0)),
    ],
    "Letter A": [
        ("bar", (0.0, 0.0), (0.5, 2.0)),
        ("bar", (1.0, 0.0), (0.5, 2.0)),
        ("bar", (0.22, 0.85), (0.78, 0.85)),
    ],
    # A spine and two round bowls, each bowl two quarter arcs.
    "Letter B": [
        ("bar", (0.0, 0.0), (0.0, 2.0)),
        ("arc", (0.0, 1.5), 0.5, 0.0, np.pi / 2, _THICKNESS),
        ("arc", (0.0, 1.5), 0.5, -np.pi / 2, 0.0, _THICKNESS),
        ("arc", (0.0, 0.5), 0.5, 0.0, np.pi / 2, _THICKNESS),
        ("arc", (0.0, 0.5), 0.5, -np.pi / 2, 0.0, _THICKNESS),
    ],
    "Letter M": [
        ("bar", (0.0, 0.0), (0.0, 2.0)),
        ("bar", (0.0, 2.0), (0.75, 0.7)),
        ("bar", (0.75, 0.7), (1.5, 2.0)),
        ("bar", (1.5, 2.0), (1.5, 0.0)),
    ],
    "Letter Y": [
        ("bar", (0.75, 0.0), (0.75, 1.0)),
        ("bar", (0.75, 1.0), (0.0, 2.0)),
        ("bar", (0.75, 1.0), (1.5, 2.0)),
    ],
    # An X: four arms and the disc where the two strokes cross.
    "In X": [("bar", tuple(1.0 + 0.25 * d), tuple(1.0 + 1.25 * d)) for d in _DIAGONALS]
    + [("arc", (1.0, 1.0), 0.125, 0.0, 2 * np.pi, 0.25)],
    # Two parallel bars, the upper one twice as long (two strokes).
    "Two bars": [
        ("bar", (0.0, 1.0), (1.0, 1.0)),
        ("bar", (1.0, 1.0), (2.0, 1.0)),
        ("bar", (0.5, 0.0), (1.5, 0.0)),
    ],
}


def _area(stroke):
    if stroke[0] == "bar":
        return np.linalg.norm(np.subtract(stroke[2], stroke[1])) * _THICKNESS
    _, _, radius, angle0, angle1, thickness = stroke
    return (angle1 - angle0) * radius * thickness


def _sample_stroke(stroke, n, rng):
    if stroke[0] == "bar":
        start, end = np.asarray(stroke[1]), np.asarray(stroke[2])
        direction = end - start
        normal = np.array([-direction[1], direction[0]]) / np.linalg.norm(direction)
        along = rng.random_sample(n)[:, None]
        across = (rng.random_sample(n)[:, None] - 0.5) * _THICKNESS
        return start + along * direction + across * normal
    _, centre, radius, angle0, angle1, thickness = stroke
    inner, outer = radius - thickness / 2, radius + thickness / 2
    # Uniform in the annular sector: r^2 uniform between the radii squared.
    r = np.sqrt(inner**2 + rng.random_sample(n) * (outer**2 - inner**2))
    angle = angle0 + rng.random_sample(n) * (angle1 - angle0)
    return np.asarray(centre) + r[:, None] * np.column_stack(
        [np.cos(angle), np.sin(angle)]
    )


def _allocate(areas, n_samples):
    """Counts proportional to the areas, summing to n_samples (largest
    remainders), so that the density is uniform over the shape."""
    share = n_samples * np.asarray(areas) / np.sum(areas)
    counts = np.floor(share).astype(int)
    remainder = n_samples - counts.sum()
    counts[np.argsort(-(share - counts), kind="stable")[:remainder]] += 1
    return counts


def _resolve(name):
    if isinstance(name, str):
        for key in SHAPE_SETS:
            if key.lower() == name.strip().lower():
                return key
    raise ValueError(f"name must be one of {sorted(SHAPE_SETS)}, got {name!r}.")


def make_shape(name, n_samples=None, random_state=None):
    """Generate one of the paper's seven 2-D shape sets (reconstructions).

    The paper's Triangle, Letter A, Letter B, Letter M, Letter Y, In X and
    Two bars sets are 2-D data "not generated from Gaussian mixtures", shown
    only in a figure; their generators were not published. **These are
    reconstructions**: each shape is a union of thick strokes (straight bars
    0.2 wide, and quarter arcs for the bowls of the B; the crossing of the X
    is a disc), with one stroke per component of the paper's reference
    number of components (:data:`SHAPE_SETS`). Points are spread uniformly
    over the shape: each stroke receives a number of points proportional to
    its area (rounded by largest remainders, so the total is exact) and
    uniform positions within it. Long strokes are split in two (the legs of
    the triangle, the upper of the two bars) so that the strokes of a shape
    have similar sizes.

    Parameters
    ----------
    name : str
        One of the keys of :data:`SHAPE_SETS` (case-insensitive):
        ``"Triangle"``, ``"Letter A"``, ``"Letter B"``, ``"Letter M"``,
        ``"Letter Y"``, ``"In X"``, ``"Two bars"``.
    n_samples : int or None, default=None
        Number of samples; None means the paper's N (Table 2).
    random_state : int, RandomState instance or None, default=None
        Seed or generator of every random draw; pass an int for
        reproducible output.

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
        The samples, in random order.
    y : ndarray of shape (n_samples,)
        The index of the stroke each sample lies on, from 0 to k - 1.

    See Also
    --------
    SHAPE_SETS : The names, sizes and reference numbers of components.
    load_paper_dataset : Any of the paper's 35 data sets by name.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_esmem.datasets import SHAPE_SETS, make_shape
    >>> SHAPE_SETS["Letter A"]
    (300, 3)
    >>> X, y = make_shape("Letter A", random_state=0)
    >>> X.shape
    (300, 2)
    >>> np.unique(y)
    array([0, 1, 2])
    """
    name = _resolve(name)
    if n_samples is None:
        n_samples = SHAPE_SETS[name][0]
    n_samples = _check_int(n_samples, "n_samples", 1)
    rng = check_random_state(random_state)

    strokes = _STROKES[name]
    counts = _allocate([_area(stroke) for stroke in strokes], n_samples)
    X = np.concatenate(
        [
            _sample_stroke(stroke, n, rng)
            for stroke, n in zip(strokes, counts, strict=True)
        ]
    )
    y = np.repeat(np.arange(len(strokes)), counts).astype(np.intp)
    order = rng.permutation(n_samples)
    return X[order], y[order]
