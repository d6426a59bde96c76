"""Compiled E-step and M-step kernels for full covariances, if numba is installed.

The numpy kernels of :mod:`sklearn_esmem._kernels` make about 60 numpy calls
an iteration whatever the size of the data: an iteration on a thousand points
in two dimensions with four components took 0.25 ms, 0.06 ms with these
kernels (``benchmarks/bench_em_iteration.py``), and such data is where a
search spends its time. The kernels here do an iteration in four compiled calls
and numpy's ``exp`` (numba's is the C library's: 4.3 ns a call against 0.86,
in the ad-hoc timings of ``benchmarks/README.md``), in the
difference form (scikit-learn's: no rounding error is amplified):

* :class:`Rows`: the data minus a centre, transposed in blocks of rows, the
  layout all the kernels read; :func:`sklearn_esmem._em.run_em` makes it
  once for all its steps;
* :func:`log_prob`: ``ln N(x_i; mu_k, Sigma_k)`` from ``y = (x_i - mu_k) U_k``,
  and the maximum per row of the E-step's weighted log-densities and their
  differences from it, where numpy took four more passes;
* :func:`normalise`: after the ``exp``, the responsibilities' sums and
  scaling;
* :func:`moments`: ``nk``, the means and ``sum_i r_ik (x_i - mu_k)(x_i -
  mu_k)' / nk``, as :func:`sklearn_esmem._kernels.gaussian_parameters`;
* :func:`precision_cholesky`: the factors ``U_k`` of the precisions, with
  the checks of :func:`sklearn_esmem._em.make_parameters`.

Each kernel is compiled for one dimension ``M`` (a constant of its closure),
so that the compiler unrolls the loops over the features and vectorises the
loop over the rows. numba caches the machine code on disk: the first fit in
a new dimension compiles for 5 to 6 seconds, once per machine, and a later
process loads the kernels in about 0.45 seconds
(``benchmarks/bench_compile.py``).

numba is optional (``pip install sklearn-esmem[numba]``); without it, with
``SKLEARN_ESMEM_NUMBA=0`` in the environment, or with numba's
``NUMBA_DISABLE_JIT`` set, :func:`available` is False and the numpy kernels
run.
"""

import functools
import math
import os

import numpy as np

__all__ = [
    "MAX_FEATURES",
    "Rows",
    "available",
    "log_prob",
    "moments",
    "normalise",
    "precision_cholesky",
]

# Largest dimension that goes through these kernels. The unrolled loops grow
# as M^2: at M = 16 the compiled iterations took 0.49 to 1.46 times the numpy
# kernels' time (slower from N = 1e4 and K = 16), at M = 12 and 14 0.33 to
# 0.95 times (benchmarks/README.md).
MAX_FEATURES = 14

# Beyond 2^20 log-densities (8 MB for each (k, n) array) the kernels wait on
# memory: the M-step reads the responsibilities twice (first moments, then
# the scatter about the means), where the numpy kernels' one matrix product
# reads them once. Iterations with the compiled kernels took 0.44 to 0.92
# times the numpy kernels' time up to 6.4e5 log-densities at M = 2 to 4, 1.0
# to 1.13 at 1.6e6 and 1.09 to 1.28 at 6.4e6 (benchmarks/README.md).
_MANY_VALUES = 2**20

# Rows per block: the block of rows transposed, and the M-step's work arrays,
# stay in the first-level cache.
_BLOCK = 256

# Reassociation lets the sums over rows use vector registers, and contraction
# lets them use fused multiply-adds. Not "fast" as a whole: that would assume
# no infinities, and a density of 0 is an infinite Mahalanobis distance.
_FASTMATH = frozenset({"reassoc", "contract"})

_LOG_2PI = math.log(2.0 * math.pi)
_EPS = np.finfo(np.float64).eps
_TINY = np.finfo(np.float64).tiny


@functools.cache
def _numba():
    if os.environ.get("SKLEARN_ESMEM_NUMBA", "1") == "0":
        return None
    try:
        import numba
    except ImportError:
        return None
    if numba.config.DISABLE_JIT:
        # Interpreted, these loops would run a thousand times slower than numpy.
        return None
    return numba


def available(n_features, n_values=0):
    """Whether the compiled kernels run for this dimension and N K values.

    ``n_values`` is the number of log-densities (samples times components)
    of the E-step and M-step they would serve.
    """
    if n_features > MAX_FEATURES or n_values > _MANY_VALUES:
        return False
    return _numba() is not None


def _jit(function, name, fastmath=_FASTMATH):
    """Compile ``function`` with numba's on-disk cache, under its own ``name``.

    numba keeps one index file per function name, naming each entry's data
    file by the first free number. Two processes that compile different
    entries of one index at once (xdist's workers, joblib's) can both take
    the same number, and the index can end up pointing one entry at the
    other's machine code, which numba loads without checking: a kernel for
    another dimension, or for other argument types (seen in the test suite
    as "NRT_adapt_ndarray_to_python: descr is NULL"). So every kernel gets
    a name of its own (dimension and layout included), and the functions
    below pass it arguments of one type only: each index then holds a single
    entry, which racing processes write alike.
    """
    function.__qualname__ = name
    return _numba().njit(cache=True, nogil=True, fastmath=set(fastmath) or False)(
        function
    )


def _panel(n_features):
    """The side of the moments kernel's square panels of sums.

    The scatter is summed over rows in panels of accumulators, which stay in
    registers: 4 x 4 (16 sums from 8 values a row) from 8 features, 2 x 2
    below, where 4 x 4 panels would be mostly padding (measured in
    benchmarks/README.md).
    """
    return 4 if n_features >= 8 else 2


def _n_padded(n_features):
    """Features rounded up to whole panels: the rows of a block."""
    panel = _panel(n_features)
    return -(-n_features // panel) * panel


@functools.cache
def _blocks_kernel(n_features):
    n_block = _BLOCK
    n_padded = _n_padded(n_features)

    def blocks_kernel(X, centre):
        n_samples = X.shape[0]
        # Rows past n_features and past the last sample stay 0: the moments'
        # spare panel sums are 0, and the last block's spare columns are
        # never read.
        blocks = np.zeros((-(-n_samples // n_block), n_padded, n_block))
        for start in range(0, n_samples, n_block):
            size = min(n_block, n_samples - start)
            rows = X[start : start + size]
            block = blocks[start // n_block]
            for b in range(size):
                for a in range(n_features):
                    block[a, b] = rows[b, a] - centre[a]
        return blocks

    return _jit(blocks_kernel, f"blocks_kernel_{n_features}")


class Rows:
    """The rows of ``X`` minus a centre, in the layout the kernels read.

    Blocks of :data:`_BLOCK` rows, transposed, features padded with zeros to
    whole panels: an (n_blocks, n_padded, _BLOCK) array in C order. The
    kernels read a block as a contiguous (features, rows) array, which the
    compiler vectorises along the rows. Transposing X in every kernel call
    took about a fifth of an iteration at (N, M, K) = (1e4, 8, 4), three
    transposes an iteration: the E-step's and the M-step's two passes
    (benchmarks/README.md). The data do not change between EM steps, so
    :func:`sklearn_esmem._em.run_em` makes this once.
    """

    def __init__(self, X, centre):
        self.n_samples, self.n_features = X.shape
        self.centre = _float64(centre)
        self.blocks = _blocks_kernel(self.n_features)(_float64(X), self.centre)
        self._X = X

    def made_from(self, X):
        """Whether these are the rows of the array object ``X``.

        The object, not its contents: EM's steps pass the one X they were
        made from, and a test of the memory (``__array_interface__``) cost
        about 5 microseconds (ad hoc, under cProfile), twice an iteration of
        some 60 microseconds on a thousand points.
        """
        return X is self._X


@functools.cache
def _log_prob_kernel(n_features):
    n_block = _BLOCK

    def log_prob_kernel(
        blocks,
        n_samples,
        means,
        factors,
        log_weights,
        lowest,
        log_prob,
        shifted,
        row_max,
    ):
        n_components = means.shape[0]
        # ln det U_k - M ln(2 pi) / 2, as scikit-learn's log_det.
        constant = np.full(n_components, -0.5 * n_features * _LOG_2PI)
        for k in range(n_components):
            for a in range(n_features):
                constant[k] += math.log(factors[k, a, a])
        values = np.empty(n_block)
        largest = np.empty(n_block)
        n_not_finite = 0
        for start in range(0, n_samples, n_block):
            size = min(n_block, n_samples - start)
            block = blocks[start // n_block]
            for b in range(size):
                largest[b] = -np.inf
            for k in range(n_components):
                for b in range(size):
                    total = 0.0
                    for i in range(n_features):
                        y = 0.0
                        for j in range(i + 1):
                            y += (block[j, b] - means[k, j]) * factors[k, j, i]
                        total += y * y
                    values[b] = constant[k] - 0.5 * total
                # Rows of the results as views: indexing with start + b,
                # which numba must check for a negative index, kept these
                # loops from being vectorised (as did max() and min(), which
                # branch on NaN).
                weight = log_weights[k]
                log_prob_row = log_prob[k, start : start + size]
                for b in range(size):
                    value = values[b]
                    log_prob_row[b] = value
                    value += weight
                    largest[b] = value if value > largest[b] else largest[b]
            for b in range(size):
                # inf - inf is NaN: maxima of -inf (no density anywhere),
                # +inf and NaN.
                n_not_finite += 0 if largest[b] - largest[b] == 0.0 else 1
            row_max[start : start + size] = largest[:size]
            # The weighted log-densities again rather than stored: only the
            # E-step that EM returns needs them (sklearn_esmem._em._complete),
            # and a store stream fewer made iterations up to 6 % faster at
            # M = 8, 11 % at M = 2 and N = 1e4 (benchmarks/README.md).
            for k in range(n_components):
                weight = log_weights[k]
                log_prob_row = log_prob[k, start : start + size]
                shifted_row = shifted[k, start : start + size]
                for b in range(size):
                    value = log_prob_row[b] + weight - largest[b]
                    value = lowest if value < lowest else value
                    shifted_row[b] = 0.0 if value > 0.0 else value
        return n_not_finite

    return _jit(log_prob_kernel, f"log_prob_kernel_{n_features}")


@functools.cache
def _moments_kernel(n_features, resp_layout):
    n_block = _BLOCK
    panel = _panel(n_features)
    n_padded = _n_padded(n_features)
    eps10 = 10 * _EPS

    def moments_kernel(blocks, resp, centre, reg_covar):
        n_components, n_samples = resp.shape
        weight = np.zeros(n_components)
        first = np.zeros((n_components, n_padded))
        for start in range(0, n_samples, n_block):
            size = min(n_block, n_samples - start)
            block = blocks[start // n_block]
            for k in range(n_components):
                r = resp[k, start : start + size]
                out = first[k]
                # In panels too, one pass over r for every panel: one for
                # every feature had taken about 30 % of this kernel at M = 8
                # (benchmarks/README.md). Each pass sums the weights too, one
                # add beside four multiply-adds; the first panel's sum is
                # kept.
                for a0 in range(0, n_padded, panel):
                    total = 0.0
                    if panel == 4:
                        s0 = s1 = s2 = s3 = 0.0
                        for b in range(size):
                            rb = r[b]
                            total += rb
                            s0 += rb * block[a0, b]
                            s1 += rb * block[a0 + 1, b]
                            s2 += rb * block[a0 + 2, b]
                            s3 += rb * block[a0 + 3, b]
                        out[a0 + 2] += s2
                        out[a0 + 3] += s3
                    else:
                        s0 = s1 = 0.0
                        for b in range(size):
                            rb = r[b]
                            total += rb
                            s0 += rb * block[a0, b]
                            s1 += rb * block[a0 + 1, b]
                    out[a0] += s0
                    out[a0 + 1] += s1
                    if a0 == 0:
                        weight[k] += total
        nk = weight + eps10
        # means - c without cancellation, as gaussian_parameters computes it.
        offsets = np.zeros((n_components, n_padded))
        means = np.empty((n_components, n_features))
        for k in range(n_components):
            for a in range(n_features):
                offsets[k, a] = (first[k, a] - eps10 * centre[a]) / nk[k]
                means[k, a] = centre[a] + offsets[k, a]
        scatter = np.zeros((n_components, n_padded, n_padded))
        for start in range(0, n_samples, n_block):
            size = min(n_block, n_samples - start)
            block = blocks[start // n_block]
            for k in range(n_components):
                r = resp[k, start : start + size]
                off = offsets[k]
                out = scatter[k]
                for i0 in range(0, n_padded, panel):
                    for j0 in range(0, i0 + 1, panel):
                        if panel == 4 and j0 == i0:
                            # A panel on the diagonal: its lower triangle
                            # only, 10 sums of 16, from one difference per
                            # feature.
                            s00 = s10 = s11 = s20 = s21 = s22 = 0.0
                            s30 = s31 = s32 = s33 = 0.0
                            for b in range(size):
                                rb = r[b]
                                d0 = block[i0, b] - off[i0]
                                d1 = block[i0 + 1, b] - off[i0 + 1]
                                d2 = block[i0 + 2, b] - off[i0 + 2]
                                d3 = block[i0 + 3, b] - off[i0 + 3]
                                e0 = rb * d0
                                e1 = rb * d1
                                e2 = rb * d2
                                e3 = rb * d3
                                s00 += e0 * d0
                                s10 += e1 * d0
                                s11 += e1 * d1
                                s20 += e2 * d0
                                s21 += e2 * d1
                                s22 += e2 * d2
                                s30 += e3 * d0
                                s31 += e3 * d1
                                s32 += e3 * d2
                                s33 += e3 * d3
                            out[i0, i0] += s00
                            out[i0 + 1, i0] += s10
                            out[i0 + 1, i0 + 1] += s11
                            out[i0 + 2, i0] += s20
                            out[i0 + 2, i0 + 1] += s21
                            out[i0 + 2, i0 + 2] += s22
                            out[i0 + 3, i0] += s30
                            out[i0 + 3, i0 + 1] += s31
                            out[i0 + 3, i0 + 2] += s32
                            out[i0 + 3, i0 + 3] += s33
                        elif panel == 4:
                            s00 = s01 = s02 = s03 = 0.0
                            s10 = s11 = s12 = s13 = 0.0
                            s20 = s21 = s22 = s23 = 0.0
                            s30 = s31 = s32 = s33 = 0.0
                            for b in range(size):
                                rb = r[b]
                                e0 = rb * (block[i0, b] - off[i0])
                                e1 = rb * (block[i0 + 1, b] - off[i0 + 1])
                                e2 = rb * (block[i0 + 2, b] - off[i0 + 2])
                                e3 = rb * (block[i0 + 3, b] - off[i0 + 3])
                                d0 = block[j0, b] - off[j0]
                                d1 = block[j0 + 1, b] - off[j0 + 1]
                                d2 = block[j0 + 2, b] - off[j0 + 2]
                                d3 = block[j0 + 3, b] - off[j0 + 3]
                                s00 += e0 * d0
                                s01 += e0 * d1
                                s02 += e0 * d2
                                s03 += e0 * d3
                                s10 += e1 * d0
                                s11 += e1 * d1
                                s12 += e1 * d2
                                s13 += e1 * d3
                                s20 += e2 * d0
                                s21 += e2 * d1
                                s22 += e2 * d2
                                s23 += e2 * d3
                                s30 += e3 * d0
                                s31 += e3 * d1
                                s32 += e3 * d2
                                s33 += e3 * d3
                            out[i0, j0] += s00
                            out[i0, j0 + 1] += s01
                            out[i0, j0 + 2] += s02
                            out[i0, j0 + 3] += s03
                            out[i0 + 1, j0] += s10
                            out[i0 + 1, j0 + 1] += s11
                            out[i0 + 1, j0 + 2] += s12
                            out[i0 + 1, j0 + 3] += s13
                            out[i0 + 2, j0] += s20
                            out[i0 + 2, j0 + 1] += s21
                            out[i0 + 2, j0 + 2] += s22
                            out[i0 + 2, j0 + 3] += s23
                            out[i0 + 3, j0] += s30
                            out[i0 + 3, j0 + 1] += s31
                            out[i0 + 3, j0 + 2] += s32
                            out[i0 + 3, j0 + 3] += s33
                        elif j0 == i0:
                            s00 = s10 = s11 = 0.0
                            for b in range(size):
                                rb = r[b]
                                d0 = block[i0, b] - off[i0]
                                d1 = block[i0 + 1, b] - off[i0 + 1]
                                e0 = rb * d0
                                e1 = rb * d1
                                s00 += e0 * d0
                                s10 += e1 * d0
                                s11 += e1 * d1
                            out[i0, i0] += s00
                            out[i0 + 1, i0] += s10
                            out[i0 + 1, i0 + 1] += s11
                        else:
                            s00 = s01 = s10 = s11 = 0.0
                            for b in range(size):
                                rb = r[b]
                                e0 = rb * (block[i0, b] - off[i0])
                                e1 = rb * (block[i0 + 1, b] - off[i0 + 1])
                                d0 = block[j0, b] - off[j0]
                                d1 = block[j0 + 1, b] - off[j0 + 1]
                                s00 += e0 * d0
                                s01 += e0 * d1
                                s10 += e1 * d0
                                s11 += e1 * d1
                            out[i0, j0] += s00
                            out[i0, j0 + 1] += s01
                            out[i0 + 1, j0] += s10
                            out[i0 + 1, j0 + 1] += s11
        covariances = np.empty((n_components, n_features, n_features))
        for k in range(n_components):
            for i in range(n_features):
                for j in range(i + 1):
                    value = scatter[k, i, j] / nk[k]
                    covariances[k, i, j] = value
                    covariances[k, j, i] = value
                covariances[k, i, i] += reg_covar
        return nk, means, covariances

    return _jit(moments_kernel, f"moments_kernel_{n_features}_{resp_layout}")


def _precision_cholesky_kernel(covariances, reg_covar):
    n_components, n_features, _ = covariances.shape
    factors = np.zeros((n_components, n_features, n_features))
    lower = np.zeros((n_features, n_features))
    scale = 0.0
    for value in covariances.flat:
        if not np.isfinite(value):
            return factors, False
        scale = max(scale, abs(value))
    # _em._variance_floor, for finite covariances.
    floor = max(reg_covar, 1e-10 * (scale if scale > 0 else 1.0), _TINY)
    for k in range(n_components):
        largest = -np.inf
        for j in range(n_features):
            largest = max(largest, covariances[k, j, j])
        if largest < floor:
            return factors, False  # collapsed: see _em._collapsed
        for j in range(n_features):
            pivot = covariances[k, j, j]
            for p in range(j):
                pivot -= lower[j, p] * lower[j, p]
            # _em._checked_cholesky's test: singular to working precision.
            if not pivot > n_features * _EPS * covariances[k, j, j]:
                return factors, False
            lower[j, j] = math.sqrt(pivot)
            for i in range(j + 1, n_features):
                value = covariances[k, i, j]
                for p in range(j):
                    value -= lower[i, p] * lower[j, p]
                lower[i, j] = value / lower[j, j]
        # factors[k] = inv(lower)', by forward substitution, column by column.
        for j in range(n_features):
            for i in range(j, n_features):
                value = 1.0 if i == j else 0.0
                for p in range(j, i):
                    value -= lower[i, p] * factors[k, j, p]
                factors[k, j, i] = value / lower[i, i]
    return factors, True


def _normalise_kernel(resp, sums):
    n_components, n_samples = resp.shape
    total = np.empty(_BLOCK)
    scale = np.empty(_BLOCK)
    for start in range(0, n_samples, _BLOCK):
        size = min(_BLOCK, n_samples - start)
        total[:size] = 0.0
        for k in range(n_components):
            row = resp[k, start : start + size]
            for b in range(size):
                total[b] += row[b]
        for b in range(size):
            scale[b] = 1.0 / total[b]
        for k in range(n_components):
            row = resp[k, start : start + size]
            for b in range(size):
                row[b] *= scale[b]
        sums[start : start + size] = total[:size]


@functools.cache
def _normalise_compiled():
    return _jit(_normalise_kernel, "normalise_kernel")


@functools.cache
def _precision_cholesky_compiled():
    # No fast-math: the Cholesky's pivots are compared with rounding level.
    return _jit(_precision_cholesky_kernel, "precision_cholesky_kernel", fastmath=())


def _float64(array, order="C"):
    return np.asarray(array, dtype=np.float64, order=order)


def log_prob(rows, means, precisions_cholesky, log_weights, lowest, out):
    """Log-densities of the :class:`Rows` ``rows``, and the first steps of an E-step.

    Writes into the (k, n) arrays of ``out = (log_prob, shifted)``
    ``ln N(x_i; mu_k, Sigma_k)``, and that plus ``log_weights`` minus its
    row's maximum, clipped to ``[lowest, 0]``; returns the (n,) maxima of
    the weighted log-densities, and whether they are all finite.
    Everything is computed in float64, with ``x_i - mu_k`` as ``(x_i - c) -
    (mu_k - c)`` about the rows' centre ``c``. Where a row's maximum is not
    finite, its shifted values mean nothing.
    """
    kernel = _log_prob_kernel(rows.n_features)
    arguments = (
        rows.blocks,
        rows.n_samples,
        _float64(np.subtract(means, rows.centre)),
        _float64(precisions_cholesky),
        _float64(log_weights),
        float(lowest),
    )
    row_max = np.empty(rows.n_samples)
    log_prob, shifted = out
    if log_prob.flags.c_contiguous and shifted.flags.c_contiguous:
        n_not_finite = kernel(*arguments, log_prob, shifted, row_max)
        return row_max, n_not_finite == 0
    # Views of a chunk of rows (see _jit): the kernel writes C arrays, copied
    # into them after.
    results = [np.empty(array.shape) for array in out]
    n_not_finite = kernel(*arguments, *results, row_max)
    for array, result in zip(out, results, strict=True):
        array[...] = result
    return row_max, n_not_finite == 0


def normalise(resp):
    """Divide each column of the (k, n) ``resp`` by its sum, in place; return the sums.

    numpy's ``resp.sum(axis=0)`` and ``resp *= 1 / sums``, in one pass.
    """
    sums = np.empty(resp.shape[1])
    if resp.flags.c_contiguous and resp.dtype == np.float64:
        _normalise_compiled()(resp, sums)
    else:  # one argument type only (see _jit)
        contiguous = _float64(resp)
        _normalise_compiled()(contiguous, sums)
        resp[...] = contiguous
    return sums


def moments(rows, resp, reg_covar):
    """Return ``(nk, means, covariances)`` of full covariances.

    ``rows`` are the samples' :class:`Rows`. ``resp`` is (n_components,
    n_samples), the E-step's layout, or its transpose in memory (an (n, k)
    array in C order, transposed), read in place either way; any other
    layout is copied (see _jit).
    """
    if resp.shape[1] != rows.n_samples:
        raise ValueError(f"{resp.shape[1]} responsibilities for {rows.n_samples} rows")
    layout = "F" if resp.flags.f_contiguous and not resp.flags.c_contiguous else "C"
    return _moments_kernel(rows.n_features, layout)(
        rows.blocks, _float64(resp, layout), rows.centre, float(reg_covar)
    )


def precision_cholesky(covariances, reg_covar):
    """The precision factors of full covariances, or None if one needs repair.

    None where :func:`sklearn_esmem._em.make_parameters` would repair: a
    non-finite entry, every variance of a component below the floor of
    :func:`sklearn_esmem._em._variance_floor`, or a Cholesky pivot that is
    rounding noise.
    """
    factors, ok = _precision_cholesky_compiled()(
        _float64(covariances), float(reg_covar)
    )
    return factors if ok else None
