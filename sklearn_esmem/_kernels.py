"""Batched E-step and M-step kernels for Gaussian mixtures.

scikit-learn's ``_estimate_log_gaussian_prob`` and
``_estimate_gaussian_parameters`` loop over components in Python. Here all
components are handled at once, and rows go through in chunks whose
temporaries stay within a byte budget, so nothing of size N x K x M is ever
allocated. Two formulations are used, chosen by measurement and by accuracy:

* the *difference* form, scikit-learn's: ``y = (x - c) L_k - (mu_k - c) L_k``
  squared and summed (E-step), and ``sum_i r_ik (x_i - mu_k)(x_i - mu_k)'``
  (M-step), batched: one matrix product of the rows with the precision
  Cholesky factors of all components side by side;
* the quadratic *expansion*: ``-(x - m)' P (x - m) / 2 = -x' P x / 2 + x' P m
  - m' P m / 2`` as one product of quadratic features of ``x`` with a weight
  matrix (E-step), and ``E[(x - c)(x - c)'] - (mu - c)(mu - c)'`` from one
  product of the responsibilities with the features (M-step). It needs about
  half the flops, and no elementwise pass over N x K x M.

The expansion loses accuracy when a component is tight compared with its
distance from the point the expansion is taken about. Everything is expanded
about a robust centre ``c`` of the data (:func:`data_centre`), which removes
the loss for data far from the origin that scikit-learn's own ``diag``,
``spherical`` and ``tied`` routines (expansions about 0) suffer. What is left
is bounded per component, with ``m = mu - c``: in the M-step the expansion's
rounding-error bound is ``A = max_a E[(x_a - c_a)^2] / var_a`` times the
difference form's; in the E-step the log-density's absolute error is about
``m' |P| m`` eps near the component (``|P|`` taken entrywise). Components
with ``A > EXPANSION_LIMIT`` (M-step) or ``m' |P| m >
LOG_PROB_EXPANSION_LIMIT`` (E-step) go through the difference form, as do
rows where the expansion overflowed. So covariances stay within about 2e-13
(relative to their variances) and log-densities within about 2e-12
(absolute) of the difference form, at any offset and scale.

With numba installed, full covariances in up to 14 dimensions go through the
compiled kernels of :mod:`sklearn_esmem._compiled` instead, in the
difference form (:func:`log_prob_kernel`, :func:`gaussian_parameters`).

Input of any float dtype is computed in float64, and results are float64:
scikit-learn computes in float64 as well (its precision factors are float64)
but stores some results in the input's dtype.
"""

import functools
import math
import threading

import numpy as np

from . import _compiled

__all__ = [
    "CHUNK_BYTES",
    "EXPANSION_LIMIT",
    "LOG_PROB_EXPANSION_LIMIT",
    "data_centre",
    "full_matrices",
    "gaussian_parameters",
    "log_gaussian_prob",
    "log_prob_kernel",
    "row_chunks",
    "work_array",
]

# Budget for the temporaries of one chunk of rows. 8 MB ran fastest here:
# smaller chunks pay Python's per-call overhead more often, larger ones fall
# out of cache (benchmarks/README.md). The work arrays of a thread are a few
# times this.
CHUNK_BYTES = 8 * 2**20

# Largest accepted amplification of rounding errors by the expansion, in
# units of eps (see the module's docstring): about 2e-13 relative to the
# variances in the M-step, and 2e-12 absolute in the log-densities.
EXPANSION_LIMIT = 1e3
LOG_PROB_EXPANSION_LIMIT = 1e4

# Variances of diag, spherical and tied models at most this times the mean
# square about the centre are rounding noise in scikit-learn's expansions
# about 0, and come out as exactly 0 here: a component sitting on copies of
# one point is then repaired by the caller, not left with a variance of 1e-33
# (what the differences give about a mean that nk's 10 eps moved by an ulp).
_ROUNDING_LEVEL = 8 * np.finfo(np.float64).eps

_LOG_2PI = math.log(2.0 * math.pi)
_EPS = np.finfo(np.float64).eps


def row_chunks(n_samples, bytes_per_row, chunk_bytes=None):
    """Yield slices of at most ``chunk_bytes / bytes_per_row`` rows (at least 1)."""
    step = _chunk_rows(n_samples, bytes_per_row, chunk_bytes)
    for start in range(0, n_samples, step):
        yield slice(start, min(start + step, n_samples))


def data_centre(X):
    """A point amid the data: the interquartile mean of 129 spread rows.

    The expansions are taken about it, and the difference form works relative
    to it. Any point near the components in units of their spread will do.
    The mean of the middle half of each coordinate is not dragged away by
    outlying rows, as a mean is, and falls between two clusters, where a
    median falls inside one of them, twice as far from the other.
    """
    n_samples, n_features = X.shape
    if n_samples == 0:
        return np.zeros(n_features)
    sample = np.array(X[:: max(1, n_samples // 129)][:129].T, dtype=np.float64)
    sample.sort(axis=1)
    quarter = sample.shape[1] // 4
    middle = sample[:, quarter : sample.shape[1] - quarter]
    return middle.sum(axis=1) / middle.shape[1]


def _chunk_rows(n_samples, bytes_per_row, chunk_bytes=None):
    if chunk_bytes is None:
        chunk_bytes = CHUNK_BYTES
    return max(1, min(n_samples, int(chunk_bytes // max(1, bytes_per_row))))


def _expand_log_prob(n_features, n_components):
    """Whether the expansion is the faster E-step for full covariances.

    The difference form computes N K M values of ``y`` from a product of
    2 N K M^2 flops and passes over them three times; the expansion builds
    N M (M + 3) / 2 features and multiplies them by the weights (about
    N K M^2 flops). Measured on one core (benchmarks/README.md), the
    difference form won with few components, or few for the dimension.
    """
    return n_components >= 8 and 2 * n_components >= n_features


def _expand_moments(n_features, n_components):
    """Whether the expansion is the faster M-step for full covariances.

    The expansion's features cost N M^2 / 2 whatever K, against 2 N K M
    elementwise operations and a product of 2 N K M^2 flops for the
    differences: the differences won only with few components for the
    dimension (benchmarks/README.md).
    """
    return 4 * n_components >= n_features


# --------------------------------------------------------------------------
# E-step
# --------------------------------------------------------------------------


def full_matrices(matrices, covariance_type, n_components, n_features):
    """Covariances or precision factors in scikit-learn's layout as (k, M, M).

    ``full`` comes back as given and ``tied`` as a read-only broadcast view;
    copy the result to modify it.
    """
    matrices = np.asarray(matrices, dtype=np.float64)
    if covariance_type == "full":
        return matrices
    if covariance_type == "tied":
        return np.broadcast_to(matrices, (n_components, n_features, n_features))
    if covariance_type == "diag":
        full = np.zeros((n_components, n_features, n_features))
        idx = np.arange(n_features)
        full[:, idx, idx] = matrices
        return full
    return matrices[:, np.newaxis, np.newaxis] * np.eye(n_features)


def _log_det(precisions_cholesky, covariance_type, n_features):
    """``ln det`` of each precision Cholesky factor, as scikit-learn computes it."""
    chol = np.asarray(precisions_cholesky, dtype=np.float64)
    if covariance_type == "full":
        return np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(axis=1)
    if covariance_type == "tied":
        return np.log(np.diagonal(chol)).sum()
    if covariance_type == "diag":
        return np.log(chol).sum(axis=1)
    return n_features * np.log(chol)


@functools.lru_cache(maxsize=64)
def _upper_indices(n_features):
    """``np.triu_indices(n_features)``, computed once per dimension.

    The arrays are read-only, since they are shared by every caller.
    """
    indices = np.triu_indices(n_features)
    for index in indices:
        index.flags.writeable = False
    return indices


def _upper_products(XcT, out):
    """Write the products ``x_a x_b`` (a <= b) of the rows of ``XcT``.

    ``XcT`` is (M, n) and ``out`` (M (M + 1) / 2, n): transposed, so that each
    product runs along contiguous rows of n values.
    """
    n_features = XcT.shape[0]
    start = 0
    for a in range(n_features):
        stop = start + n_features - a
        np.multiply(XcT[a], XcT[a:], out=out[start:stop])
        start = stop
    return out


_thread_local = threading.local()


def work_array(name, shape):
    """A float64 work array of ``shape``, reused by ``name`` within the thread.

    Fresh arrays of 128 kB to 4 MB are mapped page by page, and their page
    faults cost more than the arithmetic done in them; reusing one array per
    role keeps them out of the hot loops. The caller owns the array until it
    asks for the same name again. Each role's array is bounded by the chunk
    budget, so a thread holds a few times :data:`CHUNK_BYTES` at most.
    """
    arrays = getattr(_thread_local, "arrays", None)
    if arrays is None:
        arrays = _thread_local.arrays = {}
    size = math.prod(shape)
    array = arrays.get(name)
    if array is None or array.size < size:
        array = arrays[name] = np.empty(size)
    return array[:size].reshape(shape)


class _DifferenceLogProb:
    """Log-densities by differences, all components in one matrix product.

    Row ``j K + k`` of the stacked, transposed factors holds column j of
    ``L_k``, so that the squares of ``y`` sum over its leading axis, adding
    contiguous (k, n) blocks. The offsets ``(mu_k - c) L_k`` make a last
    column, against a row of ones after ``x - c``, and the factors are
    scaled by ``sqrt(1/2)``: the product then gives ``y / sqrt(2)`` whole,
    with none of the passes over the (K M, n) block that subtracting and
    halving took.
    """

    def __init__(self, means, factors, log_det, centre):
        n_components, n_features = means.shape
        self.shape = (n_components, n_features)
        self.centre = centre[:, np.newaxis]
        offsets = np.matmul((means - centre)[:, np.newaxis, :], factors)[:, 0, :]
        stacked = np.empty((n_features, n_components, n_features + 1))
        stacked[:, :, :n_features] = factors.transpose(2, 0, 1)
        stacked[:, :, n_features] = -offsets.T
        stacked *= math.sqrt(0.5)
        self.factors = stacked.reshape(n_features * n_components, n_features + 1)
        self.constant = (log_det - 0.5 * n_features * _LOG_2PI)[:, np.newaxis]
        self.bytes_per_row = 8 * (n_components * (n_features + 1) + n_features + 1)

    def __call__(self, X, out=None):
        """Return the (k, n) log-densities of the rows of ``X``, in ``out``."""
        n_components, n_features = self.shape
        n_samples = X.shape[0]
        centred = work_array("difference.x", (n_features + 1, n_samples))
        np.subtract(X.T, self.centre, out=centred[:n_features])
        centred[n_features] = 1.0
        y = work_array("difference.y", (n_features * n_components, n_samples))
        np.matmul(self.factors, centred, out=y)
        np.square(y, out=y)
        y = y.reshape(n_features, n_components, n_samples)
        if out is None:
            out = work_array("difference.out", (n_components, n_samples))
        np.sum(y, axis=0, out=out)
        np.subtract(self.constant, out, out=out)
        return out


class _ExpansionLogProb:
    """Log-densities as one product of quadratic features of ``x - c``.

    Features ``[q(x), x]`` with ``q`` the products ``x_a x_b`` (a <= b) for
    ``full``, the squares for ``diag``, ``|x|^2`` for ``spherical``; ``tied``
    uses ``[|y|^2, y]`` with ``y = x L``. ``amplification`` is, per component,
    the ratio of the rounding-error bound near the component to the
    difference form's: ``m' |P| m`` with ``m = mu - c`` (``|m L|^2`` for tied).
    """

    def __init__(self, means, precisions_cholesky, covariance_type, log_det, centre):
        n_components, n_features = means.shape
        self.covariance_type = covariance_type
        self.centre = centre
        chol = np.asarray(precisions_cholesky, dtype=np.float64)
        m = means - centre
        if covariance_type == "full":
            precisions = chol @ np.swapaxes(chol, 1, 2)
            rows, cols = _upper_indices(n_features)
            quadratic = -0.5 * precisions[:, rows, cols] * np.where(rows == cols, 1, 2)
            linear = np.einsum("kab,kb->ka", precisions, m)
            mahalanobis = np.einsum("ka,ka->k", linear, m)
            amplification = np.einsum(
                "ka,kab,kb->k", np.abs(m), np.abs(precisions), np.abs(m)
            )
        elif covariance_type == "tied":
            self.chol_t = np.ascontiguousarray(chol.T)
            linear = m @ chol
            quadratic = np.full((n_components, 1), -0.5)
            mahalanobis = amplification = np.einsum("ka,ka->k", linear, linear)
        elif covariance_type == "diag":
            precisions = chol**2
            quadratic = -0.5 * precisions
            linear = precisions * m
            mahalanobis = amplification = np.einsum("ka,ka->k", linear, m)
        else:
            precisions = chol**2
            quadratic = -0.5 * precisions[:, np.newaxis]
            linear = precisions[:, np.newaxis] * m
            mahalanobis = amplification = np.einsum("ka,ka->k", linear, m)
        self.n_quadratic = quadratic.shape[1]
        constant = log_det - 0.5 * (n_features * _LOG_2PI + mahalanobis)
        # The constant multiplies a row of ones among the features: adding
        # it inside the product saves a pass over the (k, n) result.
        self.weights = np.ascontiguousarray(
            np.concatenate([quadratic, linear, constant[:, np.newaxis]], axis=1)
        )
        # NaN (overflow) compares False and goes to the difference form too.
        self.exact = ~(amplification <= LOG_PROB_EXPANSION_LIMIT)
        self.bytes_per_row = 8 * (self.n_quadratic + 2 * n_features + n_components + 1)

    def restrict(self, components):
        """Compute only the log-densities of ``components`` (a boolean mask)."""
        self.weights = np.ascontiguousarray(self.weights[components])
        return self

    def __call__(self, X, out=None):
        """Return the (k, n) log-densities of the rows of ``X``, in ``out``."""
        n_samples = X.shape[0]
        n_quadratic = self.n_quadratic
        # The M-step's features have the same layout and name: one array, so
        # one less to fetch into cache each iteration.
        features = work_array("features", (self.weights.shape[1], n_samples))
        linear = features[n_quadratic:-1]
        features[-1] = 1.0
        if self.covariance_type == "tied":
            centred = work_array("expansion.x", (X.shape[1], n_samples))
            np.subtract(X.T, self.centre[:, np.newaxis], out=centred)
            np.matmul(self.chol_t, centred, out=linear)
        else:
            np.subtract(X.T, self.centre[:, np.newaxis], out=linear)
        if self.covariance_type == "full":
            _upper_products(linear, features[:n_quadratic])
        elif self.covariance_type == "diag":
            np.square(linear, out=features[:n_quadratic])
        else:
            np.einsum("an,an->n", linear, linear, out=features[0])
        if out is None:
            out = work_array("expansion.out", (self.weights.shape[0], n_samples))
        np.matmul(self.weights, features, out=out)
        return out


class _LogProb:
    """Log-densities of every component, prepared once and applied per chunk.

    Call it as ``kernel(X_chunk)``; ``bytes_per_row`` bounds its temporaries
    per row of the chunk.
    """

    def __init__(self, means, precisions_cholesky, covariance_type, centre, method):
        means = np.asarray(means, dtype=np.float64)
        n_components, n_features = means.shape
        self.n_components = n_components
        log_det = _log_det(precisions_cholesky, covariance_type, n_features)
        if covariance_type == "tied":
            log_det = np.full(n_components, log_det)
        self.log_det = log_det
        self.means = means
        centre = np.asarray(centre, dtype=np.float64)
        if centre.shape != (n_features,):
            centre = np.broadcast_to(centre, (n_features,))
        self.centre = centre
        self.precisions_cholesky = precisions_cholesky
        self.covariance_type = covariance_type
        if method is None:
            expand = covariance_type != "full" or _expand_log_prob(
                n_features, n_components
            )
            method = "expansion" if expand else "difference"
        self.expansion = self.difference = None
        self.exact = np.ones(n_components, dtype=bool)
        if method == "expansion":
            expansion = _ExpansionLogProb(
                means, precisions_cholesky, covariance_type, self.log_det, self.centre
            )
            self.exact = expansion.exact
            if not self.exact.all():
                self.expansion = expansion.restrict(~self.exact)
        if self.exact.any():
            self.difference = self._difference(self.exact)
        self.bytes_per_row = sum(
            kernel.bytes_per_row
            for kernel in (self.expansion, self.difference)
            if kernel is not None
        )

    def _difference(self, components):
        factors = full_matrices(
            self.precisions_cholesky, self.covariance_type, *self.means.shape
        )
        return _DifferenceLogProb(
            self.means[components],
            factors[components],
            self.log_det[components],
            self.centre,
        )

    def __call__(self, X, out=None):
        """Return the (k, n) log-densities of the rows of ``X``.

        They are written to ``out`` if given, else to an array that belongs
        to the kernel and is overwritten by the next call.
        """
        if self.expansion is None:
            return self.difference(X, out)
        # inf - inf (an overflow of the expansion) is repaired below.
        with np.errstate(invalid="ignore"):
            expanded = self.expansion(X, out if self.difference is None else None)
            # One reduction finds the rows with NaN or an infinity: inf - inf,
            # or an overflow that the difference form gives as -inf as well.
            bad = ~np.isfinite(expanded.sum(axis=0))
        if self.difference is None:
            out = expanded
        else:
            if out is None:
                out = work_array("log_prob.out", (self.n_components, X.shape[0]))
            out[~self.exact] = expanded
            out[self.exact] = self.difference(X)
        if bad.any():
            # The expansion overflowed; the difference form gives the -inf of a
            # density of exactly zero instead of inf - inf.
            out[:, bad] = self._difference(slice(None))(X[bad])
        return out

    def shifted_log_prob(self, X, log_weights, lowest, log_prob, shifted):
        """The first steps of an E-step on the rows of ``X``, into (k, n) arrays.

        Writes the log-densities, and those plus ``log_weights`` minus their
        row's maximum, clipped to ``[lowest, 0]`` (the argument of the
        E-step's exp); returns the (n,) maxima of the weighted log-densities,
        and whether they are all finite. Where a maximum is not finite, the
        shifted values mean nothing (the caller's errstate covers the ``-inf
        - -inf``).
        """
        self(X, out=log_prob)
        np.add(log_prob, log_weights[:, np.newaxis], out=shifted)
        row_max = shifted.max(axis=0)
        np.subtract(shifted, row_max, out=shifted)
        np.clip(shifted, lowest, 0.0, out=shifted)
        return row_max, bool(np.isfinite(row_max).all())

    @staticmethod
    def normalise(resp):
        """Divide each column of the (k, n) ``resp`` by its sum; return the sums."""
        sums = resp.sum(axis=0)
        resp *= 1.0 / sums
        return sums


class _CompiledLogProb:
    """Log-densities of full covariances by :func:`._compiled.log_prob`."""

    def __init__(self, means, precisions_cholesky, centre, rows=None):
        self.means = np.ascontiguousarray(means, dtype=np.float64)
        self.n_components = self.means.shape[0]
        self.factors = np.ascontiguousarray(precisions_cholesky, dtype=np.float64)
        self.centre = centre
        self.rows = rows
        # The kernel's own temporaries are a few blocks of rows; this counts
        # one (k, n) array of results, so that up to the compiled kernels'
        # 2^20 log-densities the E-step is one chunk: a chunk of fewer rows is
        # a view with strides that numba would compile a kernel for.
        self.bytes_per_row = 8 * self.n_components

    def __call__(self, X, out=None):
        """Return the (k, n) log-densities of the rows of ``X``, in ``out``."""
        shape = (self.n_components, X.shape[0])
        if out is None:
            out = work_array("compiled.out", shape)
        shifted = work_array("compiled.shifted", shape)
        self.shifted_log_prob(X, np.zeros(shape[0]), 0.0, out, shifted)
        return out

    def shifted_log_prob(self, X, log_weights, lowest, log_prob, shifted):
        """As :meth:`_LogProb.shifted_log_prob`, in one compiled pass."""
        return _compiled.log_prob(
            compiled_rows(X, self.centre, self.rows),
            self.means,
            self.factors,
            log_weights,
            lowest,
            (log_prob, shifted),
        )

    @staticmethod
    def normalise(resp):
        """:func:`._compiled.normalise`: the sums and the scaling in one pass."""
        return _compiled.normalise(resp)


def compiled_rows(X, centre, rows=None):
    """``rows`` if they are the :class:`._compiled.Rows` of ``X``, else new ones."""
    if rows is not None and rows.made_from(X):
        return rows
    return _compiled.Rows(X, centre)


def _use_compiled(covariance_type, n_features, n_values, method):
    """Whether ``method`` (None: the default) means the compiled kernels."""
    if method == "compiled":
        if covariance_type != "full":
            raise ValueError("the compiled kernels are for full covariances")
        return True
    return (
        method is None
        and covariance_type == "full"
        and _compiled.available(n_features, n_values)
    )


def log_prob_kernel(
    means,
    precisions_cholesky,
    covariance_type,
    centre,
    method=None,
    n_samples=0,
    rows=None,
):
    """Prepare ``kernel(X_chunk)``, returning ``ln N(x_i; mu_k, Sigma_k)`` as (k, n).

    ``centre`` is a point amid the data (:func:`data_centre`). The transposed
    layout makes the row-wise reductions of the E-step run along contiguous
    memory; the returned array is reused by the next call. The callable has a
    ``bytes_per_row`` attribute, the size of its temporaries per row, to size
    chunks with :func:`row_chunks`. ``method`` is "difference", "expansion"
    or "compiled" (full covariances, numba installed), or None: the compiled
    kernel where :func:`._compiled.available` for the dimension and
    ``n_samples`` rows, else the faster of the other two. ``rows``, the
    compiled kernels' :class:`._compiled.Rows` of the data if the caller has
    them, are read instead of the ``X`` they were made from.
    """
    n_components, n_features = np.shape(means)
    if _use_compiled(covariance_type, n_features, n_samples * n_components, method):
        return _CompiledLogProb(means, precisions_cholesky, centre, rows)
    return _LogProb(means, precisions_cholesky, covariance_type, centre, method)


def log_gaussian_prob(
    X, means, precisions_cholesky, covariance_type, *, chunk_bytes=None, method=None
):
    """Return ``ln N(x_i; mu_k, Sigma_k)`` as an (n_samples, n_components) array.

    The batched equivalent of scikit-learn's ``_estimate_log_gaussian_prob``,
    with the same arguments in the same layouts, computed in float64.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    means : ndarray of shape (n_components, n_features)
    precisions_cholesky : ndarray
        In scikit-learn's layout for ``covariance_type``.
    covariance_type : {"full", "tied", "diag", "spherical"}
    chunk_bytes : int, default=None
        Budget for the temporaries of one chunk of rows; :data:`CHUNK_BYTES`
        if None.
    method : {"difference", "expansion", "compiled"}, default=None
        Force a formulation (tests, benchmarks); None picks the fastest
        available (see :func:`log_prob_kernel`).

    Returns
    -------
    log_prob : ndarray of shape (n_samples, n_components)
    """
    kernel = log_prob_kernel(
        means,
        precisions_cholesky,
        covariance_type,
        data_centre(X),
        method,
        n_samples=X.shape[0],
    )
    out = np.empty((X.shape[0], kernel.n_components))
    for rows in row_chunks(X.shape[0], kernel.bytes_per_row, chunk_bytes):
        out[rows] = kernel(X[rows]).T
    return out


# --------------------------------------------------------------------------
# M-step
# --------------------------------------------------------------------------


def _moments(X, resp, centre, covariance_type, chunk_bytes):
    """First and second moments about ``centre``, in one pass over the rows.

    Returns ``(weight, first, second)``: ``weight`` is ``sum_i r_ik``, shape
    (k,); ``first`` is ``sum_i r_ik (x_i - c)``, shape
    (k, M); ``second`` is ``sum_i r_ik q(x_i - c)``, with ``q`` the products
    ``x_a x_b`` (a <= b) for ``full`` (shape (k, M (M + 1) / 2)) and the
    squares for ``diag`` and ``spherical`` (shape (k, M)), and for ``tied``
    the (M, M) scatter with each row weighted by its sum of ``resp``. All
    but the tied scatter come out of one matrix product.
    """
    n_samples, n_features = X.shape
    n_components = resp.shape[1]
    if covariance_type == "full":
        n_quadratic = n_features * (n_features + 1) // 2
    elif covariance_type in ("diag", "spherical"):
        n_quadratic = n_features
    else:  # tied, or the first moments only
        n_quadratic = 0
    # Features [q(x - c), x - c, 1], the expansion's layout: the E-step's
    # work array serves here too.
    n_rows = n_quadratic + n_features + 1
    step = _chunk_rows(n_samples, 8 * (n_rows + n_features), chunk_bytes)
    features = work_array("features", (n_rows, step))
    features[-1] = 1.0  # the row of ones gives sum_i r_ik
    if covariance_type == "tied":
        weighted = work_array("moments.weighted", (n_features, step))
    moments = np.zeros((n_rows, n_components))
    scatter = np.zeros((n_features, n_features))
    for rows in row_chunks(n_samples, 1, step):
        chunk = features[:, : rows.stop - rows.start]
        centred = chunk[n_quadratic:-1]
        np.subtract(X[rows].T, centre[:, np.newaxis], out=centred)
        if covariance_type == "full":
            _upper_products(centred, chunk[:n_quadratic])
        elif covariance_type == "tied":
            part = weighted[:, : rows.stop - rows.start]
            np.multiply(centred, resp[rows].sum(axis=1), out=part)
            scatter += part @ centred.T
        elif n_quadratic:
            np.square(centred, out=chunk[:n_quadratic])
        moments += chunk @ resp[rows]
    first = moments[n_quadratic:-1].T
    second = scatter if covariance_type == "tied" else moments[:n_quadratic].T
    return moments[-1], first, second


def _scatter_by_differences(X, resp, means, chunk_bytes):
    """``sum_i r_ik (x_i - mu_k)(x_i - mu_k)'``, as scikit-learn computes it."""
    n_samples, n_features = X.shape
    n_components = means.shape[0]
    scatter = np.zeros((n_components, n_features, n_features))
    step = _chunk_rows(n_samples, 8 * n_components * (n_features + 1), chunk_bytes)
    diff = work_array("scatter.diff", (n_components, n_features, step))
    root = work_array("scatter.root", (n_components, step))
    for rows in row_chunks(n_samples, 1, step):
        n_rows = rows.stop - rows.start
        d, r = diff[:, :, :n_rows], root[:, :n_rows]
        np.subtract(X[rows].T[np.newaxis], means[:, :, np.newaxis], out=d)
        # (sqrt(r) d)(sqrt(r) d)': numpy computes A @ A.T with syrk, at half
        # the flops of scikit-learn's (r d) d'.
        np.sqrt(resp[rows].T, out=r)
        d *= r[:, np.newaxis, :]
        scatter += d @ np.swapaxes(d, 1, 2)
    return scatter


def _add_to_diagonal(covariances, value):
    n_features = covariances.shape[-1]
    flat = covariances.reshape(-1, n_features * n_features)
    flat[:, :: n_features + 1] += value


def gaussian_parameters(
    X,
    resp,
    reg_covar,
    covariance_type,
    *,
    chunk_bytes=None,
    method=None,
    centre=None,
    rows=None,
):
    """Return ``(nk, means, covariances)`` from responsibilities (M-step).

    The batched equivalent of scikit-learn's ``_estimate_gaussian_parameters``,
    with the same arguments and results, in float64. For ``tied`` each row's
    second moment is weighted by its row sum of ``resp``: the same as
    scikit-learn's ``X' X`` when rows sum to 1, and right for sample-weighted
    ``resp`` too.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    resp : ndarray of shape (n_samples, n_components)
    reg_covar : float
    covariance_type : {"full", "tied", "diag", "spherical"}
    chunk_bytes : int, default=None
        Budget for the temporaries of one chunk of rows.
    method : {"difference", "expansion", "compiled"}, default=None
        Force the formulation of the ``full`` covariances (tests, benchmarks);
        None: the compiled kernel (:mod:`._compiled`) where it is available,
        else the faster of the other two.
    centre : ndarray of shape (n_features,), default=None
        ``data_centre(X)``, if the caller has it (EM reuses one for all its
        steps); None: computed here.
    rows : :class:`._compiled.Rows`, default=None
        The compiled kernels' copy of ``X`` about ``centre``, if the caller
        has it (EM makes one for all its steps).

    Returns
    -------
    nk : ndarray of shape (n_components,)
    means : ndarray of shape (n_components, n_features)
    covariances : ndarray
        In scikit-learn's layout for ``covariance_type``.
    """
    resp = np.asarray(resp, dtype=np.float64)
    n_samples, n_features = X.shape
    n_components = resp.shape[1]
    if centre is None:
        centre = data_centre(X)
    if _use_compiled(covariance_type, n_features, n_samples * n_components, method):
        return _compiled.moments(compiled_rows(X, centre, rows), resp.T, reg_covar)
    if method is None:
        expand = _expand_moments(n_features, n_components)
        method = "expansion" if expand else "difference"
    if covariance_type == "full" and method == "difference":
        weight, first, _ = _moments(X, resp, centre, "first", chunk_bytes)
    else:
        weight, first, second = _moments(X, resp, centre, covariance_type, chunk_bytes)
    nk = weight + 10 * _EPS
    # means - c without cancellation: sum_i r_ik x_i / nk - c, where nk
    # carries scikit-learn's 10 eps and weight (the plain sum) does not.
    m = (first - 10 * _EPS * centre) / nk[:, np.newaxis]
    means = centre + m
    if covariance_type == "full" and method == "difference":
        scatter = _scatter_by_differences(X, resp, means, chunk_bytes)
        scatter /= nk[:, np.newaxis, np.newaxis]
        _add_to_diagonal(scatter, reg_covar)
        return nk, means, scatter
    if covariance_type == "tied":
        # sum_k sum_i r_ik (x_i - mu_k)(x_i - mu_k)' expanded about c.
        cross = first.T @ m
        total = nk.sum()
        covariance = (second - cross - cross.T + (weight * m.T) @ m) / total
        spread = np.diagonal(second) / total
        if not np.all(spread <= EXPANSION_LIMIT * np.diagonal(covariance)):
            scatter = _scatter_by_differences(X, resp, means, chunk_bytes)
            covariance = scatter.sum(axis=0) / total
        collapsed = np.diagonal(covariance) <= _ROUNDING_LEVEL * spread
        covariance[collapsed] = covariance[:, collapsed] = 0.0
        _add_to_diagonal(covariance, reg_covar)
        return nk, means, covariance
    if covariance_type == "full":
        rows, cols = _upper_indices(n_features)
        cross = first[:, rows] * m[:, cols] + m[:, rows] * first[:, cols]
        upper = second - cross + weight[:, np.newaxis] * m[:, rows] * m[:, cols]
        upper /= nk[:, np.newaxis]
        covariances = np.empty((n_components, n_features, n_features))
        covariances[:, rows, cols] = upper
        covariances[:, cols, rows] = upper
        variances = np.diagonal(covariances, axis1=1, axis2=2)
        spread = second[:, rows == cols] / nk[:, np.newaxis]
    else:
        covariances = second - 2 * first * m + weight[:, np.newaxis] * m * m
        covariances /= nk[:, np.newaxis]
        variances = covariances
        spread = second / nk[:, np.newaxis]
    # The expansion's rounding-error bound over the difference form's is
    # max_a E[(x_a - c_a)^2] / var_a; NaN (overflow) goes to the fallback too.
    exact = ~np.all(spread <= EXPANSION_LIMIT * variances, axis=1)
    if exact.any():
        scatter = _scatter_by_differences(X, resp[:, exact], means[exact], chunk_bytes)
        scatter /= nk[exact, np.newaxis, np.newaxis]
        if covariance_type == "full":
            covariances[exact] = scatter
        else:
            covariances[exact] = np.diagonal(scatter, axis1=1, axis2=2)
    if covariance_type == "full":
        _add_to_diagonal(covariances, reg_covar)
        return nk, means, covariances
    if covariance_type == "spherical":
        covariances = covariances.mean(axis=1)
        spread = spread.mean(axis=1)
    covariances[covariances <= _ROUNDING_LEVEL * spread] = 0.0
    covariances += reg_covar
    return nk, means, covariances
