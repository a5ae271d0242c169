"""BG/NBD model (Fader, Hardie & Lee 2005, "Counting your customers the easy way").

Each customer buys at a Poisson rate ``lambda ~ Gamma(r, alpha)`` while alive and, after each
purchase, drops out with probability ``p ~ Beta(a, b)``. Data per customer: ``x`` repeat
purchases, ``t_x`` the time of the last purchase and ``T`` the age, both counted from the first
purchase (the review uses weeks: days / 7).

Fitting is maximum likelihood on log-parameters (so they stay positive), computed in log space
(``gammaln``, ``betaln``, ``logaddexp``) with its analytic gradient, and times rescaled to at
most 10 units, as the likelihood is badly conditioned on raw weeks. Formulas (equation numbers of the paper):

* likelihood (6): ``B(a,b+x)/B(a,b) Γ(r+x)α^r/(Γ(r)(α+T)^(r+x))
  + δ(x>0) B(a+1,b+x-1)/B(a,b) Γ(r+x)α^r/(Γ(r)(α+t_x)^(r+x))``;
* P(alive) (Fader, Hardie & Lee 2008 note):
  ``1 / (1 + δ(x>0) a/(b+x-1) ((α+T)/(α+t_x))^(r+x))``;
* expected purchases in the next ``t`` (10):
  ``(a+b+x-1)/(a-1) [1 - ((α+T)/(α+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; t/(α+T+t))] P(alive)``.
"""
import numpy as np
from scipy import optimize, special

#: Below these counts the fit is refused (:class:`NotEnoughData`) and callers fall back to
#: the simple CLV.
MIN_CUSTOMERS = 30
MIN_REPEAT_CUSTOMERS = 10
#: Shape parameters (r, a, b; p, q of Gamma-Gamma) outside this range mean the likelihood has
#: no interior maximum on the data (e.g. no heterogeneity at all): the fit is refused.
SHAPE_RANGE = (1e-4, 1e4)


class NotEnoughData(Exception):
    """Too little history to fit; ``customers`` and ``repeaters`` say how much there was."""

    def __init__(self, customers, repeaters):
        super().__init__(customers, repeaters)
        self.customers = customers
        self.repeaters = repeaters


class FitError(Exception):
    """The optimiser did not reach a finite maximum."""


def _arrays(x, t_x, T):
    x = np.asarray(x, dtype=float)
    t_x = np.asarray(t_x, dtype=float)
    T = np.asarray(T, dtype=float)
    return x, t_x, T


def _counts(x):
    """The distinct repeat counts and where each customer's is: functions of ``x`` alone
    are computed once per count (few) and gathered, with the same values."""
    counts, inverse = np.unique(x, return_inverse=True)
    return counts, inverse.ravel()


def _terms(params, x, t_x, T, counts):
    """The three log terms of the likelihood (6) and ``log(alpha + T)``."""
    r, alpha, a, b = params
    distinct, inverse = counts
    log_alpha_T = np.log(alpha + T)
    a1 = special.gammaln(r + distinct)[inverse] - special.gammaln(r) + r * np.log(alpha)
    a2 = special.betaln(a, b + distinct)[inverse] - special.betaln(a, b) \
        - (r + x) * log_alpha_T
    repeat = x > 0
    a3 = np.full_like(x, -np.inf)
    xr = x[repeat]
    # count 0 has no third term: computed at 1 (any valid count) and dropped
    beta3 = special.betaln(a + 1, b + np.where(distinct > 0, distinct, 1.0) - 1)[inverse]
    a3[repeat] = (beta3[repeat] - special.betaln(a, b)
                  - (r + xr) * np.log(alpha + t_x[repeat]))
    return a1, a2, a3, log_alpha_T


def _objective(log_params, x, t_x, T, w, total, counts=None):
    """Mean negative log-likelihood and its gradient in log-parameters (the likelihood's
    terms computed once for both)."""
    r, alpha, a, b = params = np.exp(log_params)
    counts = counts or _counts(x)
    distinct, inverse = counts
    a1, a2, a3, log_alpha_T = _terms(params, x, t_x, T, counts)
    ll = a1 + np.logaddexp(a2, a3)
    value = -np.sum(w * ll) / total
    if not np.isfinite(value):
        return 1e100, np.zeros(4)
    psi = special.digamma
    repeat = x > 0
    w2 = special.expit(a2 - a3)
    w3 = 1.0 - w2
    distinct_m1 = np.where(distinct > 0, distinct - 1, 0.0)
    d_r = psi(r + distinct)[inverse] - psi(r) + np.log(alpha) - w2 * log_alpha_T \
        - w3 * np.log(alpha + t_x)
    d_alpha = r / alpha - w2 * (r + x) / (alpha + T) - w3 * (r + x) / (alpha + t_x)
    common = psi(a + b) - psi(a + b + distinct)[inverse]
    d_a = w2 * common + w3 * (psi(a + 1) - psi(a) + common)
    d_b = (w2 * (psi(b + distinct)[inverse] - psi(b) + common)
           + w3 * np.where(repeat, psi(b + distinct_m1)[inverse] - psi(b) + common, 0.0))
    grad = -np.array([np.sum(w * d) for d in (d_r, d_alpha, d_a, d_b)]) / total * params
    return value, grad


def fit(x, t_x, T, weights=None):
    """Maximum-likelihood ``(r, alpha, a, b)``.

    Identical ``(x, t_x, T)`` rows are merged with a weight first; the optimiser is L-BFGS-B
    with the analytic gradient, from two starting points (the better optimum wins).

    :raises NotEnoughData: fewer than :data:`MIN_CUSTOMERS` customers or
        :data:`MIN_REPEAT_CUSTOMERS` with a repeat purchase.
    :raises FitError: no finite optimum.
    """
    x, t_x, T = _arrays(x, t_x, T)
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
    customers = float(w.sum())
    repeaters = float(w[x > 0].sum())
    if customers < MIN_CUSTOMERS or repeaters < MIN_REPEAT_CUSTOMERS:
        raise NotEnoughData(int(customers), int(repeaters))
    rows, inverse = np.unique(np.column_stack([x, t_x, T]), axis=0, return_inverse=True)
    w = np.bincount(inverse.ravel(), weights=w)
    x, t_x, T = rows[:, 0], rows[:, 1], rows[:, 2]
    counts = _counts(x)
    scale = 10.0 / max(float(T.max()), 1e-9)
    ts_x, ts = t_x * scale, T * scale
    best = None
    for start in ((0.0, 0.0, 0.0, 0.0), (np.log(0.5), np.log(5.0), np.log(0.5), np.log(2.0))):
        if best is not None and best.success:
            break
        result = optimize.minimize(_objective, np.array(start), jac=True, method='L-BFGS-B',
                                   args=(x, ts_x, ts, w, customers, counts),
                                   bounds=[(-15, 15)] * 4,
                                   options={'ftol': 1e-15, 'gtol': 1e-9, 'maxiter': 5000})
        if np.isfinite(result.fun) and result.fun < 1e100 and (best is None or result.fun < best.fun):
            best = result
    if best is None:
        raise FitError("BG/NBD likelihood has no finite maximum")
    r, alpha, a, b = np.exp(best.x)
    if not all(np.isfinite(v) and v > 0 for v in (r, alpha, a, b)):
        raise FitError("BG/NBD parameters are not finite")
    if not all(SHAPE_RANGE[0] < v < SHAPE_RANGE[1] for v in (r, a, b)):
        raise FitError("the history does not identify the BG/NBD model: its shape parameters "
                       "went to the edge of their range (too regular or too few purchases)")
    return float(r), float(alpha / scale), float(a), float(b)


def _log_alive_odds(params, x, t_x, T):
    """log of ``a/(b+x-1) ((α+T)/(α+t_x))^(r+x)`` for x > 0, -inf for x = 0."""
    r, alpha, a, b = params
    x, t_x, T = _arrays(x, t_x, T)
    out = np.full_like(x, -np.inf)
    repeat = x > 0
    xr = x[repeat]
    out[repeat] = (np.log(a) - np.log(b + xr - 1)
                   + (r + xr) * (np.log(alpha + T[repeat]) - np.log(alpha + t_x[repeat])))
    return out


def p_alive(params, x, t_x, T):
    """Probability that each customer is still alive at ``T``."""
    return special.expit(-_log_alive_odds(params, x, t_x, T))


def _safe_a(a):
    return a + 1e-9 if abs(a - 1.0) < 1e-9 else a


def expected_purchases(params, t, x, t_x, T):
    """Expected purchases of each customer in the next ``t`` time units, never NaN.

    Where ``2F1`` under- or overflows (extreme histories), the customer's expected rate times
    ``t`` weighted by P(alive) is used instead.
    """
    r, alpha, a, b = params
    a = _safe_a(a)
    x, t_x, T = _arrays(x, t_x, T)
    if t <= 0:
        return np.zeros_like(x)
    z = t / (alpha + T + t)
    alive = p_alive((r, alpha, a, b), x, t_x, T)
    with np.errstate(all='ignore'):
        hyp = special.hyp2f1(r + x, b + x, a + b + x - 1, z)
        log_ratio = (r + x) * (np.log(alpha + T) - np.log(alpha + T + t))
        bracket = 1.0 - np.exp(log_ratio + np.log(hyp))
        value = (a + b + x - 1) / (a - 1) * bracket * alive
    fallback = alive * t * (r + x) / (alpha + T)
    bad = ~np.isfinite(value) | (value < 0)
    value = np.where(bad, fallback, value)
    return value
