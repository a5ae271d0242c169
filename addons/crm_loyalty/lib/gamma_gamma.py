"""Gamma-Gamma spend model (Fader, Hardie & Lee 2005 "RFM and CLV"; Fader & Hardie 2013,
"The Gamma-Gamma model of monetary value").

A customer's transaction values are Gamma(p, ν) around a mean p/ν, with ``ν ~ Gamma(q, γ)``
across customers. Data: customers with ``x > 0`` repeat transactions and a positive mean
``zbar`` of those transactions. Log-likelihood of one customer::

    ln Γ(px+q) - ln Γ(px) - ln Γ(q) + q ln γ + (px-1) ln zbar + px ln x - (px+q) ln(γ + x zbar)

Expected average transaction value (conditional mean of p/ν)::

    E(Z | x, zbar) = p (γ + x zbar) / (p x + q - 1)

and for a customer without repeat history the population mean ``p γ / (q - 1)``.
"""
import numpy as np
from scipy import optimize, special

from .bgnbd import SHAPE_RANGE, FitError, NotEnoughData

MIN_REPEAT_CUSTOMERS = 10


def log_likelihood(params, x, zbar, data=None):
    """Log-likelihood of each customer. ``data`` = :func:`_prepare` ``(x, zbar)``: what
    does not depend on the parameters, computed once for the hundreds of evaluations of a
    fit (same values: the per-``x`` terms are computed on the few distinct counts)."""
    p, q, g = params
    if data is None:
        data = _prepare(x, zbar)
    x, zbar, log_x, log_zbar, counts, inverse = data
    px = p * x
    pcounts = p * counts
    return (special.gammaln(pcounts + q)[inverse] - special.gammaln(pcounts)[inverse]
            - special.gammaln(q) + q * np.log(g)
            + (px - 1) * log_zbar + px * log_x - (px + q) * np.log(g + x * zbar))


def _prepare(x, zbar):
    x = np.asarray(x, dtype=float)
    zbar = np.asarray(zbar, dtype=float)
    with np.errstate(divide='ignore', invalid='ignore'):
        log_x, log_zbar = np.log(x), np.log(zbar)
    counts, inverse = np.unique(x, return_inverse=True)
    return x, zbar, log_x, log_zbar, counts, inverse.ravel()


def fit(x, zbar):
    """Maximum-likelihood ``(p, q, gamma)`` on customers with ``x > 0`` and ``zbar > 0``."""
    x = np.asarray(x, dtype=float)
    zbar = np.asarray(zbar, dtype=float)
    keep = (x > 0) & (zbar > 0) & np.isfinite(zbar)
    x, zbar = x[keep], zbar[keep]
    if len(x) < MIN_REPEAT_CUSTOMERS:
        raise NotEnoughData(len(x), len(x))
    scale = 10.0 / float(zbar.max())
    zs = zbar * scale
    data = _prepare(x, zs)

    def objective(log_params):
        value = -np.mean(log_likelihood(np.exp(log_params), x, zs, data))
        return value if np.isfinite(value) else 1e100

    result = optimize.minimize(objective, np.zeros(3), method='Nelder-Mead',
                               options={'xatol': 1e-10, 'fatol': 1e-12, 'maxiter': 20000,
                                        'maxfev': 40000})
    result = optimize.minimize(objective, result.x, method='L-BFGS-B', bounds=[(-15, 15)] * 3,
                               options={'ftol': 1e-15, 'gtol': 1e-10})
    if not np.isfinite(result.fun) or result.fun >= 1e100:
        raise FitError("Gamma-Gamma likelihood has no finite maximum")
    p, q, g = np.exp(result.x)
    if q <= 1:
        raise FitError("Gamma-Gamma fit gives q <= 1: the mean spend is not defined")
    if not (SHAPE_RANGE[0] < p < SHAPE_RANGE[1] and q < SHAPE_RANGE[1]):
        raise FitError("the spend history does not identify the Gamma-Gamma model: its shape "
                       "parameters went to the edge of their range")
    return float(p), float(q), float(g / scale)


def expected_spend(params, x, zbar):
    """Expected average transaction value per customer; the population mean where ``x = 0``
    or ``zbar <= 0``."""
    p, q, g = params
    x = np.asarray(x, dtype=float)
    zbar = np.asarray(zbar, dtype=float)
    population = p * g / (q - 1)
    known = (x > 0) & (zbar > 0)
    with np.errstate(all='ignore'):
        conditional = p * (g + x * zbar) / (p * x + q - 1)
    return np.where(known, conditional, population)
