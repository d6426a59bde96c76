"""Parameters of one Gaussian mixture and the EM kernels that refine them.

This is the lowest layer of the package: it knows nothing of populations,
operators or estimators. Covariances are stored in scikit-learn's layout for
each ``covariance_type`` (``full``: (k, M, M), ``tied``: (M, M), ``diag``:
(k, M), ``spherical``: (k,)), so scikit-learn's own routines, imported through
:mod:`sklearn_esmem._sklearn_compat`, do the numerical work.
"""

import math
import time
from typing import NamedTuple

import numpy as np

from . import _compiled
from ._kernels import (
    data_centre,
    full_matrices,
    gaussian_parameters,
    log_prob_kernel,
    row_chunks,
)
from ._sklearn_compat import compute_precision_cholesky

COVARIANCE_TYPES = ("full", "tied", "diag", "spherical")

# Responsibilities below exp(-600) are zero for every purpose here; clamping
# keeps subnormal numbers out of the M-step's matrix products, which they slow
# down by an order of magnitude.
_LOG_RESP_FLOOR = -600.0
_RESP_FLOOR = float(np.exp(_LOG_RESP_FLOOR))

# exp of what underflows costs 10 to 50 times a normal exp, so the E-step
# raises everything more than 700 below its row's maximum to exactly that:
# such log-responsibilities end at the floor of -600 all the same, and ln p(x)
# moves by at most k e^-700 relative. Everything is <= 0 there, and np.clip
# with both bounds runs 2.5 times as fast as np.maximum with one.
_EXP_FLOOR = -700.0

_TINY = np.finfo(float).tiny

# A variance below the square of this many ulps of its component's mean is
# rounding: the values do not vary at float64's precision.
_RESOLUTION = 100 * np.finfo(float).eps


class MixtureParameters:
    """Weights, means and covariances of one Gaussian mixture.

    Parameters
    ----------
    weights : ndarray of shape (n_components,)
    means : ndarray of shape (n_components, n_features)
    covariances : ndarray
        In scikit-learn's layout for ``covariance_type``.
    covariance_type : {"full", "tied", "diag", "spherical"}
    precisions_cholesky : ndarray
        Cholesky factors of the precisions, in scikit-learn's layout.
    """

    def __init__(
        self, weights, means, covariances, covariance_type, precisions_cholesky
    ):
        self.weights = weights
        self.means = means
        self.covariances = covariances
        self.covariance_type = covariance_type
        self.precisions_cholesky = precisions_cholesky

    @property
    def n_components(self):
        return self.means.shape[0]

    @property
    def n_features(self):
        return self.means.shape[1]

    def full_covariances(self):
        """Return every component's covariance as a full (k, M, M) array."""
        return to_full_covariances(
            self.covariances, self.covariance_type, self.n_components, self.n_features
        )

    def copy(self):
        return MixtureParameters(
            self.weights.copy(),
            self.means.copy(),
            self.covariances.copy(),
            self.covariance_type,
            self.precisions_cholesky.copy(),
        )


class _EStepFields(NamedTuple):
    log_prob: np.ndarray
    log_resp: np.ndarray
    log_prob_norm: np.ndarray
    resp: np.ndarray


class EStep(_EStepFields):
    """What one E-step computes, kept so that nothing computes it twice.

    Attributes
    ----------
    log_prob : ndarray of shape (n_samples, n_components)
        ``ln N(x_i; mu_j, Sigma_j)``, without the mixing weights.
    log_resp : ndarray of shape (n_samples, n_components)
        Log responsibilities (posteriors), floored at -600.
    log_prob_norm : ndarray of shape (n_samples,)
        ``ln p(x_i)`` under the mixture.
    resp : ndarray of shape (n_samples, n_components)
        The responsibilities, ``exp(log_resp)``: computed from ``log_resp``
        when not given.

    The (n_samples, n_components) arrays that :func:`e_step` returns are
    stored component by component (Fortran order): that is the order in
    which the E-step computes them, and the M-step and the split and merge
    measures reduce over samples.
    """

    __slots__ = ()

    def __new__(cls, log_prob, log_resp, log_prob_norm, resp=None):
        if resp is None:
            resp = np.exp(log_resp)
        return super().__new__(cls, log_prob, log_resp, log_prob_norm, resp)


class EMResult(NamedTuple):
    """Outcome of :func:`run_em`; ``e_step`` belongs to ``parameters``."""

    parameters: MixtureParameters
    e_step: EStep
    log_likelihood: float
    n_iter: int
    converged: bool
    n_repaired: int


def to_full_covariances(covariances, covariance_type, n_components, n_features):
    """Expand covariances in scikit-learn's layout to a new (k, M, M) array."""
    return np.array(
        full_matrices(covariances, covariance_type, n_components, n_features)
    )


def from_full_covariances(full_covariances, covariance_type, weights):
    """Project full (k, M, M) covariances onto ``covariance_type``'s layout.

    ``diag`` keeps the diagonals, ``spherical`` the mean variance, and ``tied``
    the weight-averaged covariance, which is what the M-step of a tied model
    would estimate from components with these covariances.
    """
    if covariance_type == "full":
        return full_covariances
    if covariance_type == "tied":
        return np.tensordot(weights / weights.sum(), full_covariances, axes=1)
    diagonals = np.diagonal(full_covariances, axis1=1, axis2=2).copy()
    if covariance_type == "diag":
        return diagonals
    return diagonals.mean(axis=1)


def _floor_eigenvalues(covariance, floor):
    """Return the nearest symmetric matrix whose eigenvalues are >= floor."""
    covariance = np.where(np.isfinite(covariance), covariance, 0.0)
    covariance = 0.5 * (covariance + covariance.T)
    eigenvalues, eigenvectors = np.linalg.eigh(covariance)
    eigenvalues = np.maximum(eigenvalues, floor)
    return (eigenvectors * eigenvalues) @ eigenvectors.T


def _variance_floor(covariances, reg_covar):
    """The smallest variance a covariance of any type may keep."""
    magnitudes = np.abs(covariances)
    scale = float(magnitudes.max(initial=0.0))
    if math.isnan(scale):
        # np.nanmax warned "All-NaN slice" on an all-NaN covariance, the very
        # case this repairs: the max over non-NaN entries (0 if none). Masked
        # only then: every M-step computes the floor, and the mask cost more
        # than all of make_parameters' other checks.
        scale = float(np.max(magnitudes, where=~np.isnan(magnitudes), initial=0.0))
    scale = scale if math.isfinite(scale) and scale > 0 else 1.0
    # Relative to the largest variance, so that the floor is felt by
    # Cholesky at any scale of the data; never below the user's reg_covar.
    return max(reg_covar, 1e-10 * scale, _TINY)


def _variances(covariances, covariance_type):
    """The variances in ``covariance_type``'s layout, a component per row."""
    if covariance_type == "full":
        return covariances.diagonal(axis1=1, axis2=2)
    if covariance_type == "tied":
        return covariances.diagonal()
    return covariances


def _collapsed(covariances, means, covariance_type, floor):
    """Which variances a component has collapsed to, in their layout.

    A variance below the floor of :func:`_variance_floor` is collapsed when
    it is rounding, below the resolution of its component's values (a
    constant feature: 1e-32 measured with ``reg_covar=0``), or when every
    variance of its component is below the floor, the component sitting on
    (copies of) one point (1e-259, from responsibilities floored at
    e^-600). Cholesky passes on either, its pivots being large relative to
    its own diagonal, yet the density is unbounded but for such a variance.
    Any other variance is left alone, however small beside the largest, so
    that features of very different scales keep theirs: flooring it would
    raise the variances of a feature a million times narrower than another
    (in standard deviation), and favour mixtures of more components, whose
    floor is lower.
    """
    variances = _variances(covariances, covariance_type)
    below = variances < floor
    if covariance_type == "spherical":
        return below  # a component's only variance
    magnitudes = np.abs(means)
    if covariance_type == "tied":
        magnitudes = magnitudes.max(axis=0)
    with np.errstate(over="ignore"):
        # Means too large to square resolve no variance: an infinite bound.
        rounding = variances < (_RESOLUTION * magnitudes) ** 2
    return below & (rounding | below.all(axis=-1, keepdims=True))


def _repair_covariances(covariances, means, covariance_type, reg_covar):
    """Make every covariance positive definite; return it and the count fixed."""
    floor = _variance_floor(covariances, reg_covar)
    covariances = covariances.copy()
    if covariance_type in ("diag", "spherical"):
        bad = ~np.isfinite(covariances) | (covariances <= 0.0)
        bad |= _collapsed(covariances, means, covariance_type, floor)
        covariances[bad] = floor
        n_bad = int(np.any(np.atleast_2d(bad.T).T, axis=-1).sum())
        return covariances, n_bad
    if covariance_type == "tied":
        return _floor_eigenvalues(covariances, floor), 1
    n_bad = 0
    collapsed = _collapsed(covariances, means, covariance_type, floor).any(axis=1)
    for j, covariance in enumerate(covariances):
        try:
            # np.linalg.cholesky returns NaNs rather than raising on NaN or
            # inf entries, which then reached scikit-learn's Cholesky unrepaired.
            if collapsed[j] or not np.all(np.isfinite(covariance)):
                raise np.linalg.LinAlgError("non-finite covariance")
            _checked_cholesky(covariance[np.newaxis])
        except np.linalg.LinAlgError:
            covariances[j] = _floor_eigenvalues(covariance, floor)
            n_bad += 1
    return covariances, n_bad


def _checked_cholesky(covariances):
    """Batched Cholesky factors; LinAlgError for a matrix singular in practice.

    Cholesky can succeed on a singular matrix by rounding (a pivot of 1e-16
    relative to its diagonal entry, an eigenvalue of -4e-16): the precision
    computed from it would be noise, so such a matrix counts as not positive
    definite. A pivot is compared with its own diagonal entry, not with the
    largest variance, so features of very different scales pass.
    """
    lower = np.linalg.cholesky(covariances)
    pivots = np.diagonal(lower, axis1=1, axis2=2) ** 2
    diagonal = np.diagonal(covariances, axis1=1, axis2=2)
    if np.any(pivots <= covariances.shape[-1] * np.finfo(float).eps * diagonal):
        raise np.linalg.LinAlgError("singular to working precision")
    return lower


def _precision_cholesky(covariances, covariance_type):
    """Cholesky factors of the precisions, as scikit-learn's routine computes them.

    For full covariances the factorisation and the triangular inverse are
    batched over components: scikit-learn loops in Python, which dominated a
    whole search with many small components.
    """
    if covariance_type != "full":
        return compute_precision_cholesky(covariances, covariance_type)
    try:
        lower = _checked_cholesky(covariances)
    except np.linalg.LinAlgError as error:
        raise ValueError("a covariance is not positive definite") from error
    identity = np.broadcast_to(np.eye(covariances.shape[-1]), covariances.shape)
    # C order, as pickling returns it: predictions identical after a round trip.
    return np.ascontiguousarray(np.swapaxes(np.linalg.solve(lower, identity), 1, 2))


def make_parameters(weights, means, covariances, covariance_type, reg_covar=0.0):
    """Build :class:`MixtureParameters`, repairing covariances if needed.

    A covariance of any type with a collapsed variance (see
    :func:`_collapsed`: a constant feature, a component on one point), or
    one that is not positive definite (rounding on near-singular data), has
    its variances or eigenvalues raised to the floor of
    :func:`_variance_floor` instead of aborting the fit.

    Returns
    -------
    parameters : MixtureParameters
    n_repaired : int
        How many components had to be repaired.
    """
    n_repaired = 0
    try:
        covariances = np.asarray(covariances)
        # One rule for every covariance type (see _collapsed): a collapsed
        # variance is raised to the floor, and the fit says so. Only a
        # variance below the floor can be collapsed, which is rare: the
        # finer test only then.
        floor = _variance_floor(covariances, reg_covar)
        if _variances(covariances, covariance_type).min() < floor and np.any(
            _collapsed(covariances, means, covariance_type, floor)
        ):
            raise ValueError("a collapsed variance")
        if covariance_type == "full" and _compiled.available(np.shape(covariances)[-1]):
            # The checks below and the factors in one compiled call, which
            # gives None exactly where they would raise.
            covariances = np.ascontiguousarray(covariances, dtype=np.float64)
            precisions_cholesky = _compiled.precision_cholesky(covariances, reg_covar)
            if precisions_cholesky is None:
                raise ValueError("a covariance needs repair")
        else:
            if not np.all(np.isfinite(covariances)):
                raise ValueError("non-finite covariance")
            precisions_cholesky = _precision_cholesky(covariances, covariance_type)
    except ValueError:
        covariances, n_repaired = _repair_covariances(
            covariances, means, covariance_type, reg_covar
        )
        n_repaired = max(n_repaired, 1)
        precisions_cholesky = _precision_cholesky(covariances, covariance_type)
    weights = np.asarray(weights, dtype=float)
    parameters = MixtureParameters(
        weights / weights.sum(),
        means,
        covariances,
        covariance_type,
        precisions_cholesky,
    )
    return parameters, n_repaired


def normalize_log_prob(weighted_log_prob):
    """Return ``ln p(x_i)`` and the log-responsibilities from ``ln pi_j phi_j(x_i)``.

    The row maximum is subtracted before normalising, so that responsibilities
    sum to 1 even for a sample so far from every component that its
    log-densities (about -1e20) absorb ``ln 2`` when added: scipy's
    ``logsumexp`` followed by a subtraction gave rows summing to 2 there. A
    sample of density 0 under every component gets ``ln p = -inf`` and uniform
    responsibilities instead of NaN; a log-likelihood of -inf then tells the
    search to replace the mixture.
    """
    row_max = weighted_log_prob.max(axis=1, keepdims=True)
    dead = ~np.isfinite(row_max[:, 0])
    row_max[dead] = 0.0
    shifted = weighted_log_prob - row_max
    with np.errstate(divide="ignore", invalid="ignore"):
        # Only dead rows reach ln 0 and -inf - -inf; they are overwritten below.
        log_sum = np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        log_resp = shifted - log_sum
    log_prob_norm = (row_max + log_sum)[:, 0]
    if dead.any():
        log_resp[dead] = -np.log(weighted_log_prob.shape[1])
        log_prob_norm[dead] = -np.inf
    return log_prob_norm, log_resp


def _result_arrays(out, n_components, n_samples):
    """The (k, n), (k, n), (k, n) and (n,) arrays an E-step writes into."""
    if out is not None and out.log_prob.shape == (n_samples, n_components):
        return out.log_prob.T, out.log_resp.T, out.resp.T, out.log_prob_norm
    return (
        np.empty((n_components, n_samples)),
        np.empty((n_components, n_samples)),
        np.empty((n_components, n_samples)),
        np.empty(n_samples),
    )


def e_step(X, parameters, out=None, centre=None):
    """Compute the component log-densities, log-responsibilities and ln p(x).

    Rows go through the batched kernels of :mod:`._kernels` in chunks, so the
    temporaries stay within a fixed budget whatever the number of samples.

    ``out``, an earlier result of :func:`e_step` that nobody needs any more,
    is overwritten with the new one if its shape fits: fresh (N, K) arrays
    cost page faults of about 2.5 ns per value on this VM, more than the
    arithmetic on them. Only :func:`run_em` passes it, for the E-steps it
    made itself. ``centre``, ``data_centre(X)`` if the caller has it, saves
    computing it again (run_em computes it once for all its steps).
    """
    return _complete(_partial_e_step(X, parameters, out, centre), parameters.weights)


def _partial_e_step(X, parameters, out=None, centre=None, rows=None):
    """An E-step whose ``log_resp`` is not computed yet.

    Its ``resp``, ``log_prob`` and ``log_prob_norm`` are final, and are all
    that an M-step and a log-likelihood need; ``log_resp`` is filled in by
    :func:`_complete`, from the weighted log-densities ``ln pi_j + ln
    phi_j(x_i)``, which the kernels do not store, and ``resp`` is not
    floored yet. run_em completes only the E-step it returns: the passes
    over (N, K) that the log-responsibilities take, and the one that floors
    ``resp``, are a good part of an E-step where its exp is most of the work
    (M = 2), and little where the matrix products are (M = 32). ``rows`` are
    the compiled kernels' copy of ``X`` about ``centre``, if the caller has
    them (:func:`compiled_rows_for`).
    """
    kernel = log_prob_kernel(
        parameters.means,
        parameters.precisions_cholesky,
        parameters.covariance_type,
        data_centre(X) if centre is None else centre,
        n_samples=X.shape[0],
        rows=rows,
    )
    n_samples, n_components = X.shape[0], parameters.n_components
    # The kernel computes (k, rows) blocks, so that the reductions over
    # components below run along contiguous memory; the results are stored
    # in that order too, as (k, n) arrays returned transposed, so that the
    # kernel writes into them directly (a transposing copy cost 0.3 to 1.7
    # ns per value).
    log_prob, log_resp, resp, log_prob_norm = _result_arrays(
        out, n_components, n_samples
    )
    # X itself for a single chunk: the compiled kernels recognise their rows
    # by the array object.
    everything = slice(0, n_samples)
    # One errstate for the whole E-step (entering one took a microsecond, 1
    # to 2 % of an iteration on 1,000 points): a squared Mahalanobis
    # distance beyond float range (a mean far from the data, or a collapsed
    # covariance) is a density of exactly 0, so -inf is the right
    # log-density and numpy's overflow warning is noise, as are the ln 0 of
    # a component of weight 0 and the -inf - -inf of a row of density 0
    # everywhere, which is done over below.
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        log_weights = np.log(parameters.weights)
        for chunk in row_chunks(n_samples, kernel.bytes_per_row):
            # The normalisation works in the results' own memory, no work
            # arrays: after a scikit-learn iteration in between (the
            # benchmark), every array touched had to come back from main
            # memory. resp holds the argument of the exp, weighted
            # log-densities minus their row's maximum, clipped (see
            # _EXP_FLOOR).
            chunk_log_prob = log_prob[:, chunk]
            chunk_resp = resp[:, chunk]
            row_max, finite = kernel.shifted_log_prob(
                X if chunk == everything else X[chunk],
                log_weights,
                _EXP_FLOOR,
                chunk_log_prob,
                chunk_resp,
            )
            if not finite:
                # Some row has density 0 (or inf) everywhere:
                # normalize_log_prob has the rules for it, and gives
                # ln p = -inf there, which _complete recognises.
                weighted = np.add(chunk_log_prob, log_weights[:, np.newaxis])
                log_prob_norm[chunk], chunk_log_resp = normalize_log_prob(weighted.T)
                np.maximum(chunk_log_resp.T, _LOG_RESP_FLOOR, out=chunk_resp)
                np.exp(chunk_resp, out=chunk_resp)
                continue
            # normalize_log_prob's arithmetic, in resp's memory. The
            # responsibilities come from this exp rather than an exp of
            # log_resp (they agree to a few ulps).
            np.exp(chunk_resp, out=chunk_resp)
            sum_exp = kernel.normalise(chunk_resp)
            np.add(row_max, np.log(sum_exp), out=log_prob_norm[chunk])
    return EStep(log_prob.T, log_resp.T, log_prob_norm, resp.T)


def _complete(partial, weights):
    """Turn a :func:`_partial_e_step` into the E-step, in its own memory.

    ``weights`` are those of the parameters the E-step was made with.
    """
    # (k, n), the layout they are stored in, so that ln p(x) broadcasts.
    log_prob, log_resp, resp = partial.log_prob.T, partial.log_resp.T, partial.resp.T
    log_prob_norm = partial.log_prob_norm
    # ln r_ij = ln pi_j phi_j(x_i) - ln p(x_i), floored at -600, and the
    # responsibilities floored alike.
    with np.errstate(divide="ignore"):
        log_weights = np.log(weights)
    with np.errstate(invalid="ignore"):
        # -inf - -inf on rows of density 0 everywhere, overwritten below.
        np.add(log_prob, log_weights[:, np.newaxis], out=log_resp)
        np.subtract(log_resp, log_prob_norm, out=log_resp)
    np.clip(log_resp, _LOG_RESP_FLOOR, 0.0, out=log_resp)
    np.clip(resp, _RESP_FLOOR, 1.0, out=resp)
    dead = ~np.isfinite(log_prob_norm)
    if dead.any():
        # normalize_log_prob's uniform responsibilities for them.
        log_resp[:, dead] = -np.log(log_resp.shape[0])
    return partial


def m_step(
    X, resp, covariance_type, reg_covar, sample_weight=None, centre=None, rows=None
):
    """Estimate parameters from responsibilities, weighting samples if given.

    ``centre`` is ``data_centre(X)`` if the caller has it, and ``rows`` the
    compiled kernels' copy of ``X`` about it (:func:`compiled_rows_for`).

    Returns
    -------
    parameters : MixtureParameters
    n_repaired : int
    """
    if sample_weight is not None:
        resp = resp * sample_weight[:, np.newaxis]
    # The batched kernel weights each row's second moment in the tied scatter
    # by its row sum of resp, i.e. by its sample weight: sum_i w_i x_i x_i' -
    # sum_j n_j mu_j mu_j' (scikit-learn's tied estimator uses the unweighted
    # X.T @ X, right only when each row of resp sums to 1).
    nk, means, covariances = gaussian_parameters(
        X, resp, reg_covar, covariance_type, centre=centre, rows=rows
    )
    return make_parameters(nk, means, covariances, covariance_type, reg_covar)


def log_likelihood(e_step_result, sample_weight=None):
    """Return the (sample-weighted) log-likelihood ``sum_i w_i ln p(x_i)``."""
    if sample_weight is None:
        return float(e_step_result.log_prob_norm.sum())
    return float(sample_weight @ e_step_result.log_prob_norm)


def drop_components(parameters, keep, reg_covar=0.0):
    """Return the mixture restricted to the components flagged in ``keep``."""
    covariances = parameters.covariances
    if parameters.covariance_type != "tied":
        covariances = covariances[keep]
    return make_parameters(
        parameters.weights[keep],
        parameters.means[keep],
        covariances,
        parameters.covariance_type,
        reg_covar,
    )[0]


def compiled_rows_for(X, parameters, centre):
    """The compiled kernels' :class:`._compiled.Rows` of ``X``, if they will run.

    None where the compiled kernels do not run for these parameters (see
    :func:`._compiled.available`); the kernels then read ``X``. The
    components only get fewer during EM, so the kernels never need the rows
    where this gave None.
    """
    n_samples, n_features = X.shape
    if parameters.covariance_type != "full" or not _compiled.available(
        n_features, n_samples * parameters.n_components
    ):
        return None
    return _compiled.Rows(X, centre)


def run_em(
    X,
    parameters,
    n_steps,
    *,
    reg_covar,
    sample_weight=None,
    tol=0.0,
    e_step_result=None,
    min_weight=0.0,
    min_components=1,
    deadline=None,
):
    """Run at most ``n_steps`` EM iterations from ``parameters``.

    The sequence is scikit-learn's: E-step, M-step, repeated, then one last
    E-step on the final parameters, whose result is returned so that the
    criterion and the split and merge measures reuse it. Iteration stops early
    when the mean log-likelihood per sample changes by less than ``tol``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    parameters : MixtureParameters
    n_steps : int
    reg_covar : float
        Added to the diagonal of every covariance in the M-step.
    sample_weight : ndarray of shape (n_samples,), default=None
    tol : float, default=0.0
    e_step_result : EStep, default=None
        The E-step of ``parameters`` if the caller already has it.
    min_weight : float, default=0.0
        Components whose weight falls below this after an M-step are dropped
        (an empty component has no defined covariance), but never below
        ``min_components`` (the heaviest are kept).
    min_components : int, default=1
    deadline : float, default=None
        A ``time.perf_counter()`` value after which no new iteration starts.

    Returns
    -------
    EMResult
    """
    # E-steps made here, and only those, are overwritten by the next one: the
    # caller may hold the one it passed. They are partial (_partial_e_step)
    # until the last, which is completed before it is returned.
    owned = e_step_result is None
    # One centre for every step, and one copy of the data for the compiled
    # kernels: the data do not change between steps.
    centre = data_centre(X)
    rows = compiled_rows_for(X, parameters, centre)
    if owned:
        e_step_result = _partial_e_step(X, parameters, centre=centre, rows=rows)
    total_weight = X.shape[0] if sample_weight is None else float(sample_weight.sum())
    current = log_likelihood(e_step_result, sample_weight) / total_weight
    converged = False
    n_repaired = 0
    n_iter = 0
    # A non-finite log-likelihood means NaN responsibilities: an M-step from
    # them only spreads NaN (and numpy warnings) through every parameter, so
    # stop and let the caller repair or replace the mixture.
    while n_iter < n_steps and np.isfinite(current):
        if deadline is not None and time.perf_counter() >= deadline:
            break
        n_iter += 1
        parameters, repaired = m_step(
            X,
            e_step_result.resp,
            parameters.covariance_type,
            reg_covar,
            sample_weight,
            centre=centre,
            rows=rows,
        )
        n_repaired += repaired
        keep = parameters.weights >= min_weight
        if keep.sum() < min_components:
            heaviest = np.argsort(-parameters.weights, kind="stable")[:min_components]
            keep[heaviest] = True
        if not keep.all():
            parameters = drop_components(parameters, keep, reg_covar)
            n_repaired += 1
        e_step_result = _partial_e_step(
            X,
            parameters,
            out=e_step_result if owned else None,
            centre=centre,
            rows=rows,
        )
        owned = True
        previous = current
        current = log_likelihood(e_step_result, sample_weight) / total_weight
        if abs(current - previous) < tol:
            converged = True
            break
    return EMResult(
        parameters,
        _complete(e_step_result, parameters.weights) if owned else e_step_result,
        current * total_weight,
        n_iter,
        converged,
        n_repaired,
    )


def n_parameters(n_components, n_features, covariance_type):
    """Count free parameters as scikit-learn's ``GaussianMixture`` does.

    ``k - 1`` free weights, ``k M`` mean entries and the covariance entries of
    ``covariance_type``, for the given (fitted) number of components.
    """
    if covariance_type == "full":
        cov_params = n_components * n_features * (n_features + 1) / 2.0
    elif covariance_type == "diag":
        cov_params = n_components * n_features
    elif covariance_type == "tied":
        cov_params = n_features * (n_features + 1) / 2.0
    else:
        cov_params = n_components
    return int(cov_params + n_components * n_features + n_components - 1)
