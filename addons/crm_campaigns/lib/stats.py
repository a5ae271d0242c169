"""Statistics of the test phase, free of Odoo so it can be checked against references.

Everything a campaign decision rests on lives here: the two-proportion z-test and the
confidence interval of the difference, the minimum-sample guard, the difference of means of
invoiced margin, the decision, and the logistic calibration of the score by maximum
likelihood. The draw of the test sample and the holdout is in :mod:`.draw`.
"""
import math
from collections import namedtuple
from statistics import NormalDist

import numpy

_NORMAL = NormalDist()

ZTest = namedtuple('ZTest', [
    'p1', 'p2', 'diff', 'pooled', 'z', 'p_value', 'se_diff', 'ci_low', 'ci_high', 'level'])
MeanDiff = namedtuple('MeanDiff', [
    'mean1', 'mean2', 'diff', 'se_diff', 'z', 'p_value', 'ci_low', 'ci_high', 'level'])
LogisticFit = namedtuple('LogisticFit', ['intercept', 'slope', 'iterations', 'log_likelihood'])


def norm_ppf(p):
    """Quantile of the standard normal distribution."""
    if not 0.0 < p < 1.0:
        raise ValueError("A probability strictly between 0 and 1 is required, got %r." % (p,))
    return _NORMAL.inv_cdf(p)


def two_proportion_ztest(x1, n1, x2, n2, level=0.95):
    """Two-sided z-test of p1 = p2 with the pooled standard error, and the Wald interval
    of the difference p1 - p2 with the unpooled one (the textbook pair).

    ``x1`` successes among ``n1`` (test group), ``x2`` among ``n2`` (holdout).
    """
    if n1 <= 0 or n2 <= 0:
        raise ValueError("Both groups need at least one member.")
    if not (0 <= x1 <= n1 and 0 <= x2 <= n2):
        raise ValueError("Successes must lie between 0 and the group size.")
    if not 0.0 < level < 1.0:
        raise ValueError("The confidence level must lie strictly between 0 and 1.")
    p1, p2 = x1 / n1, x2 / n2
    diff = p1 - p2
    pooled = (x1 + x2) / (n1 + n2)
    se_pooled = math.sqrt(pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2))
    if se_pooled == 0.0:
        z, p_value = 0.0, 1.0
    else:
        z = diff / se_pooled
        p_value = math.erfc(abs(z) / math.sqrt(2.0))
    se_diff = math.sqrt(p1 * (1.0 - p1) / n1 + p2 * (1.0 - p2) / n2)
    half = norm_ppf(0.5 + level / 2.0) * se_diff
    return ZTest(p1, p2, diff, pooled, z, p_value, se_diff, diff - half, diff + half, level)


def minimum_sample_problems(x1, n1, x2, n2, min_size):
    """Reasons why the normal approximation of the z-test cannot be trusted (empty if none).

    Each group needs ``min_size`` members, and every cell of the 2x2 table expected under the
    pooled rate must hold at least 5 (the usual rule for the normal approximation).
    """
    problems = []
    for label, size in (('test', n1), ('holdout', n2)):
        if size < min_size:
            problems.append(('size', label, size, min_size))
    if n1 and n2:
        pooled = (x1 + x2) / (n1 + n2)
        for label, size in (('test', n1), ('holdout', n2)):
            expected = min(size * pooled, size * (1.0 - pooled))
            if expected < 5.0:
                problems.append(('expected', label, expected, 5))
    return problems


def mean_difference(n1, sum1, sumsq1, n2, sum2, sumsq2, level=0.95):
    """Difference of two means with Welch's standard error and a normal interval.

    Takes sufficient statistics (count, sum, sum of squares) so PostgreSQL can aggregate
    them; meant for the invoiced margin per target of large groups.
    """
    if n1 < 2 or n2 < 2:
        raise ValueError("Both groups need at least two members.")
    mean1, mean2 = sum1 / n1, sum2 / n2
    var1 = max(sumsq1 - n1 * mean1 * mean1, 0.0) / (n1 - 1)
    var2 = max(sumsq2 - n2 * mean2 * mean2, 0.0) / (n2 - 1)
    se_diff = math.sqrt(var1 / n1 + var2 / n2)
    diff = mean1 - mean2
    if se_diff == 0.0:
        z, p_value = 0.0, 1.0
    else:
        z = diff / se_diff
        p_value = math.erfc(abs(z) / math.sqrt(2.0))
    half = norm_ppf(0.5 + level / 2.0) * se_diff
    return MeanDiff(mean1, mean2, diff, se_diff, z, p_value, diff - half, diff + half, level)


def logistic(intercept, slope, x):
    """P(y = 1 | x) = 1 / (1 + exp(-(intercept + slope * x))); ``x`` scalar or array."""
    eta = numpy.clip(intercept + slope * numpy.asarray(x, dtype=float), -700.0, 700.0)
    value = 1.0 / (1.0 + numpy.exp(-eta))
    return float(value) if numpy.ndim(value) == 0 else value


def logistic_fit(x, y, weights=None, max_iter=100, tol=1e-12):
    """Maximum-likelihood fit of ``y ~ logistic(a + b x)`` by Newton-Raphson.

    ``x`` are scores scaled to [0, 1], ``y`` outcomes 0/1, ``weights`` optional counts (so
    identical rows can be grouped). Raises ``ValueError`` when the maximum does not exist:
    all outcomes equal, no spread in ``x``, or outcomes perfectly separated by ``x``.
    """
    x = numpy.asarray(x, dtype=float)
    y = numpy.asarray(y, dtype=float)
    w = numpy.ones_like(x) if weights is None else numpy.asarray(weights, dtype=float)
    if x.shape != y.shape or x.shape != w.shape or not x.size:
        raise ValueError("Scores, outcomes and weights must be non-empty and of equal length.")
    positives = float(numpy.sum(w * y))
    total = float(numpy.sum(w))
    if positives <= 0.0 or positives >= total:
        raise ValueError("All outcomes are the same; the calibration needs both.")
    if float(numpy.max(x)) == float(numpy.min(x)):
        raise ValueError("All scores are the same; the calibration needs a spread.")
    # (quasi-)complete separation: one side's scores all at or above the other's; the
    # likelihood then keeps growing with the slope and has no maximum
    seen = w > 0
    ones, zeros = x[seen & (y > 0.5)], x[seen & (y <= 0.5)]
    if float(numpy.min(ones)) >= float(numpy.max(zeros)) or \
            float(numpy.max(ones)) <= float(numpy.min(zeros)):
        raise ValueError("The outcomes are perfectly separated by the score.")
    rate = positives / total
    beta = numpy.array([math.log(rate / (1.0 - rate)), 0.0])
    design = numpy.column_stack([numpy.ones_like(x), x])
    for iteration in range(1, max_iter + 1):
        p = logistic(beta[0], beta[1], x)
        gradient = design.T @ (w * (y - p))
        info = design.T @ (design * (w * p * (1.0 - p))[:, None])
        try:
            step = numpy.linalg.solve(info, gradient)
        except numpy.linalg.LinAlgError:
            raise ValueError("The outcomes are perfectly separated by the score.")
        beta = beta + step
        if abs(beta[1]) > 200.0:
            raise ValueError("The outcomes are perfectly separated by the score.")
        if float(numpy.max(numpy.abs(step))) < tol:
            break
    else:
        raise ValueError("The calibration did not converge.")
    p = numpy.clip(logistic(beta[0], beta[1], x), 1e-300, 1.0 - 1e-16)
    loglik = float(numpy.sum(w * (y * numpy.log(p) + (1.0 - y) * numpy.log1p(-p))))
    return LogisticFit(float(beta[0]), float(beta[1]), iteration, loglik)


# the decisions and their reasons (codes returned by :func:`decide`, with their labels)
DECISIONS = [('go', 'Go'), ('no_go', 'No-go'), ('inconclusive', 'Inconclusive')]
DECISION_REASONS = [
    ('sample', 'Sample too small'), ('not_significant', 'Difference not significant'),
    ('negative', 'Significantly worse than the holdout'),
    ('unprofitable', 'Margin uplift below the contact cost'),
    ('profitable', 'Significant and profitable')]


def decide(ztest, problems, margin_uplift, cost_per_contact):
    """The campaign decision from the test against the holdout.

    ``inconclusive`` when the sample guard fails or the uplift in buying is not significant
    at the test's level; ``no_go`` when it is significantly negative or when the uplift in
    invoiced margin per target does not pay the contact cost; ``go`` otherwise.

    :returns: ``(decision, reason)`` with reason one of ``sample``, ``not_significant``,
        ``negative``, ``unprofitable``, ``profitable``.
    """
    if problems:
        return 'inconclusive', 'sample'
    if ztest.p_value >= 1.0 - ztest.level:
        return 'inconclusive', 'not_significant'
    if ztest.diff <= 0.0:
        return 'no_go', 'negative'
    if margin_uplift is None or margin_uplift <= cost_per_contact:
        return 'no_go', 'unprofitable'
    return 'go', 'profitable'
