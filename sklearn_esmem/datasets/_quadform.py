"""Distribution function of a Gaussian quadratic form, by numerical inversion
of its characteristic function (Imhof 1961; Gil-Pelaez 1951).

The form is ``Q = sum_l (a_l W_l ** 2 + b_l W_l)`` with independent standard
normal ``W_l``. Writing it with a linear term, rather than the usual
``sum_l a_l (W_l + c_l) ** 2``, keeps every coefficient finite when some
``a_l`` is zero (a component pair with an eigenvalue ``lambda_l == 1``): that
term is then the normal variable ``b_l W_l``, and its characteristic function
is the limit of the quadratic one. One term has the characteristic function

    E exp(i u (a W^2 + b W)) = (1 - 2 i u a)^(-1/2) exp(-u^2 b^2 / (2 (1 - 2 i u a)))

and Gil-Pelaez's formula gives, for real u,

    P(Q <= t) = 1/2 - (1/pi) int_0^inf Im G(u) du,   G(u) = exp(-i u t) phi(u) / u.

Why the path leaves the real axis
---------------------------------
On the real axis the integrand decays only like ``u ** (-1 - m / 2)`` (``m``
the number of non-zero ``a_l``) and oscillates, too slowly for a plain
quadrature to reach 1e-10 in one or two dimensions. But G is analytic in the
half-plane Re u > 0 (its singularities, u = -i / (2 a_l), are on the
imaginary axis, and there ``1 - 2 i u a`` never crosses the negative real
axis, so the principal logarithm is continuous), and for large u it behaves
like ``exp(-i kappa u)`` times a slowly varying factor, with
``kappa = t + sum_{a_l != 0} b_l^2 / (4 a_l)``. So the range is cut at
``u0``: ``[0, u0]`` is integrated on the real axis, and by Cauchy's theorem
the tail ``[u0, inf)`` equals the integral along the ray
``u0 + r exp(-i sign(kappa) pi / 4)``, on which ``|exp(-i kappa u)|``
decays like ``exp(-|kappa| r / sqrt(2))``. (An angle of at most pi / 4 also
keeps ``exp(-u^2 b^2 / 2)`` of a purely normal term decaying.) When kappa is
near zero the tail hardly oscillates and decays algebraically, which the
infinite-range quadrature handles; the rotation is harmless then.

Every quantity is computed on the standardised form (unit variance).
"""

import numpy as np
from scipy import integrate
from scipy.special import ndtr

__all__ = ["quadratic_form_cdf", "quadratic_form_cdf_many"]

# A quadratic coefficient this small (relative to the form's standard
# deviation) is rounding noise of an eigenvalue equal to one.
_QUADRATIC_RTOL = 1e-12
_ANGLE = np.pi / 4


def _standardize(a, b, t):
    """Scale Q to unit variance; return the scaled (a, b, t) and the scale."""
    scale = np.sqrt(np.sum(2.0 * a**2 + b**2, axis=-1))
    safe = np.where(scale > 0, scale, 1.0)
    a = a / safe[..., None]
    a = np.where(np.abs(a) < _QUADRATIC_RTOL, 0.0, a)
    return a, b / safe[..., None], t / safe, scale


def _log_g(u, a, b, t):
    """log G(u) = log phi(u) - i u t - log u; u of shape (n,), a, b (n, m)."""
    z = 1.0 - 2j * u[:, None] * a
    log_phi = np.sum(-0.5 * np.log(z) - 0.5 * (u[:, None] * b) ** 2 / z, axis=1)
    return log_phi - 1j * u * t - np.log(u)


def _path(a, b, t):
    """Where each form's path leaves the real axis, and how it goes on.

    The tail ray is turned against the asymptotic oscillation exp(-i kappa u),
    kappa = t + sum_l d_l with drifts d_l = b_l^2 / (4 a_l), and decays like
    exp(-|kappa| r sin(pi / 4)). But term l only reaches its asymptotic
    regime beyond its scale s_l = 1 / (2 |a_l|); before that it behaves like
    exp(-u^2 b_l^2 / 2) and contributes no drift. If a term whose drift
    matters is still short of its regime on the ray, the local oscillation
    can have the other sign, and the integrand grows along the ray. So the
    path leaves the real axis at u0 = 2 s_l of the largest-scale term that
    matters, where terms may only lag behind if their drifts sum to at most
    |kappa| / 2; the modulus then decays at least like exp(-|kappa| r / (2
    sqrt(2))). Terms that force a large u0 have strong linear parts
    (b_l^2 >> |a_l|), so on the real axis the integrand has died long before
    u0.

    Returns
    -------
    cut : (n_forms,) -- u0, at least 1
    direction : (n_forms,) -- exp(i alpha) of the ray
    length : (n_forms,) -- du per unit of the integration variable on the ray
    """
    nonzero = a != 0
    drift = np.zeros_like(b)
    drift[nonzero] = b[nonzero] ** 2 / (4.0 * a[nonzero])
    kappa = t + np.sum(drift, axis=1)
    scale = np.zeros_like(a)
    scale[nonzero] = 0.5 / np.abs(a[nonzero])

    order = np.argsort(-scale, axis=1)  # largest scale first
    lagging = np.cumsum(np.take_along_axis(np.abs(drift), order, axis=1), axis=1)
    # Terms may lag while their drifts sum to <= |kappa| / 2; the first one
    # that may not sets the cut (zero-a terms have scale 0 and never do).
    n_lagging = np.sum(lagging <= 0.5 * np.abs(kappa)[:, None], axis=1)
    first = np.minimum(n_lagging, a.shape[1] - 1)
    binding = np.take_along_axis(scale, order, axis=1)[np.arange(len(t)), first]
    binding = np.where(n_lagging < a.shape[1], binding, 0.0)
    cut = np.maximum(1.0, 2.0 * binding)

    direction = np.exp(1j * np.where(kappa >= 0, -_ANGLE, _ANGLE))
    length = 1.0 / np.maximum(np.abs(kappa) * np.sin(_ANGLE) / 2, 1.0 / cut)
    return cut, direction, length


def _head(x, a, b, t, cut):
    """Im G on the real axis, times du/dx: u = x on [0, 1] for x in [0, 1],
    then u = cut ** (x - 1) on [1, cut] for x in [1, 2].

    The second piece is logarithmic because a large cut comes with a strong
    linear term whose Gaussian decay ends the integrand near u = 1 / |b_l|,
    far below the cut.
    """
    u = np.where(x <= 1.0, x, cut ** (x - 1.0))
    jacobian = np.where(x <= 1.0, 1.0, u * np.log(cut))
    return np.exp(_log_g(u.astype(complex), a, b, t)).imag * jacobian


def _tail(x, a, b, t, cut, direction, length):
    """Im of G along the ray u = cut + x * length * direction, times du/dx."""
    step = length * direction
    u = cut + x * step
    return (np.exp(_log_g(u, a, b, t)) * step).imag


def _log_chernoff(a, b, t, sign):
    """log of a Chernoff bound on P(sign * (Q - t) >= 0), per form.

    P(sign Q >= sign t) <= E exp(s sign Q - s sign t) for every admissible
    s > 0 (1 - 2 s sign a_l > 0), so a coarse grid of s gives a valid bound;
    E exp(v (a W^2 + b W)) = (1 - 2 v a)^(-1/2) exp(v^2 b^2 / (2 (1 - 2 v a))).
    """
    a = sign * a
    largest = np.max(a, axis=1)
    limit = np.where(largest > 0, 0.5 / np.where(largest > 0, largest, 1.0), np.inf)
    grid = np.geomspace(1e-2, 1e3, 40)
    s = np.minimum(grid[None, :], (1.0 - 1e-6) * limit[:, None])[:, :, None]
    one = 1.0 - 2.0 * s * a[:, None, :]
    log_mgf = np.sum(
        -0.5 * np.log(one) + (s * b[:, None, :]) ** 2 / (2.0 * one), axis=2
    )
    return np.min(log_mgf - s[:, :, 0] * sign * t[:, None], axis=1)


def _special_cases(a, t, scale):
    """Closed forms: a degenerate Q (0 a.s.) and a normal Q. NaN elsewhere."""
    out = np.full(t.shape, np.nan)
    degenerate = scale == 0
    out[degenerate] = t[degenerate] >= 0
    normal = ~degenerate & ~np.any(a != 0, axis=-1)
    out[normal] = ndtr(t[normal])
    return out


def quadratic_form_cdf(a, b, t, epsabs=1e-12):
    """P(sum_l a_l W_l^2 + b_l W_l <= t) for independent standard normal W_l.

    Two calls of :func:`scipy.integrate.quad`: the real segment, then the
    tail along the ray (see the module docstring).

    Parameters
    ----------
    a, b : array-like of shape (n_terms,)
        Quadratic and linear coefficients.
    t : float
        Threshold.
    epsabs : float, default=1e-12
        Absolute error requested from each quadrature (the integral is
        divided by pi, so the probability is a little more accurate).

    Returns
    -------
    p : float
        The probability, clipped to [0, 1]. When every coefficient is zero
        (Q = 0 almost surely) it is 1 if ``t >= 0`` and 0 otherwise.
    """
    a, b, t, scale = _standardize(
        np.atleast_2d(np.asarray(a, dtype=float)),
        np.atleast_2d(np.asarray(b, dtype=float)),
        np.atleast_1d(np.asarray(t, dtype=float)),
    )
    special = _special_cases(a, t, scale)
    if np.isfinite(special[0]):
        return float(special[0])
    path = _path(a, b, t)
    options = {"epsabs": epsabs, "epsrel": 0.0, "limit": 1000}
    head, _ = integrate.quad(
        lambda x: _head(np.array([x]), a, b, t, path[0])[0],
        0.0,
        2.0,
        points=[1.0],
        **options,
    )
    tail, _ = integrate.quad(
        lambda x: _tail(np.array([x]), a, b, t, *path)[0],
        0.0,
        np.inf,
        **options,
    )
    return float(np.clip(0.5 - (head + tail) / np.pi, 0.0, 1.0))


def quadratic_form_cdf_many(a, b, t, epsabs=1e-12):
    """Vectorised :func:`quadratic_form_cdf` over a batch of forms.

    All forms are integrated together by :func:`scipy.integrate.quad_vec`,
    which shares one adaptive subdivision and refines it wherever any form
    needs it: much faster than one :func:`~scipy.integrate.quad` call each.

    Parameters
    ----------
    a, b : array-like of shape (n_forms, n_terms)
    t : array-like of shape (n_forms,)
    epsabs : float, default=1e-12

    Returns
    -------
    p : ndarray of shape (n_forms,)
    """
    a, b, t, scale = _standardize(
        np.atleast_2d(np.asarray(a, dtype=float)),
        np.atleast_2d(np.asarray(b, dtype=float)),
        np.atleast_1d(np.asarray(t, dtype=float)),
    )
    out = _special_cases(a, t, scale)
    rest = np.isnan(out)
    # Forms deep in either tail (far-apart components) are settled by a
    # Chernoff bound below the tolerance; they would otherwise cost the most,
    # their integrand oscillating fast.
    negligible = np.log(epsabs) - np.log(100.0)
    lower = np.full(out.shape, -np.inf)
    upper = np.full(out.shape, -np.inf)
    lower[rest] = _log_chernoff(a[rest], b[rest], t[rest], -1.0)
    upper[rest] = _log_chernoff(a[rest], b[rest], t[rest], 1.0)
    out[rest & (lower < negligible)] = 0.0
    out[rest & (upper < negligible)] = 1.0
    rest = np.isnan(out)
    if not np.any(rest):
        return out
    a, b, t = a[rest], b[rest], t[rest]
    path = _path(a, b, t)
    options = {"epsabs": epsabs, "epsrel": 0.0, "norm": "max", "limit": 10_000}
    head, _ = integrate.quad_vec(
        lambda x: _head(np.full(len(t), x), a, b, t, path[0]),
        0.0,
        2.0,
        points=[1.0],
        **options,
    )
    tail, _ = integrate.quad_vec(
        lambda x: _tail(np.full(len(t), x), a, b, t, *path),
        0.0,
        np.inf,
        **options,
    )
    out[rest] = np.clip(0.5 - (head + tail) / np.pi, 0.0, 1.0)
    return out
