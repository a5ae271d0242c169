"""Score arithmetic and targeting, free of Odoo (numpy only). The features a variable can
score on are listed once, in ``models/scoring_features.py``.

A scoring model is a list of weighted variables. Each raw value is transformed into [0, 1]
(``linear``: min-max normalised; ``log``: min-max normalised after ``log(1 + x)``;
``bucket``: share of thresholds reached; ``boolean``: 1 at or above a threshold), optionally
inverted (lower raw values are better, e.g. recency). A missing value (no customer value row,
no date) transforms to 0. The score is ``100 * sum(w_i * t_i) / sum(w_i)``, so it lies in
[0, 100] and each variable's points ``100 * w_i * t_i / sum(w_i)`` add up to it.
"""
import json

import numpy

TRANSFORMS = ('linear', 'log', 'bucket', 'boolean')

# exclusion codes set by the targeting (the model keeps the labels)
UNPROFITABLE = 'unprofitable'
OVER_BUDGET = 'budget'


def parse_thresholds(text):
    """``"30, 90,180"`` -> ``[30.0, 90.0, 180.0]``; raises ``ValueError`` on a bad list."""
    values = [float(part) for part in (text or '').replace(';', ',').split(',') if part.strip()]
    if not values:
        raise ValueError("A bucket transformation needs at least one threshold.")
    if any(b <= a for a, b in zip(values, values[1:])):
        raise ValueError("Bucket thresholds must be strictly increasing.")
    return values


def transform(values, kind, lower=None, upper=None, thresholds=None, threshold=None,
              invert=False):
    """Transform raw ``values`` (``nan`` = missing) into [0, 1].

    ``lower``/``upper`` bound the ``linear`` and ``log`` scales; when ``None`` the population's
    own minimum and maximum are used. A scale without spread maps every present value to 0.5.
    """
    values = numpy.asarray(values, dtype=float)
    present = ~numpy.isnan(values)
    out = numpy.zeros(values.shape, dtype=float)
    if not present.any():
        return out
    raw = values[present]
    if kind in ('linear', 'log'):
        if kind == 'log':
            raw = numpy.log1p(numpy.maximum(raw, 0.0))
        lo = raw.min() if lower is None else lower
        hi = raw.max() if upper is None else upper
        if kind == 'log':
            lo = lo if lower is None else numpy.log1p(max(lower, 0.0))
            hi = hi if upper is None else numpy.log1p(max(upper, 0.0))
        if hi > lo:
            scaled = numpy.clip((raw - lo) / (hi - lo), 0.0, 1.0)
        else:
            scaled = numpy.full(raw.shape, 0.5)
    elif kind == 'bucket':
        bounds = numpy.asarray(thresholds, dtype=float)
        if not bounds.size:
            raise ValueError("A bucket transformation needs at least one threshold.")
        scaled = numpy.searchsorted(bounds, raw, side='right') / float(bounds.size)
    elif kind == 'boolean':
        scaled = (raw >= (0.5 if threshold is None else threshold)).astype(float)
    else:
        raise ValueError("Unknown transformation %r." % (kind,))
    if invert:
        scaled = 1.0 - scaled
    out[present] = scaled
    return out


def score(transformed, weights):
    """Scores (0-100) and points per variable from an ``n x k`` matrix of transformed values.

    :returns: ``(scores, points)``; ``points[:, i]`` sum to ``scores``.
    """
    weights = numpy.asarray(weights, dtype=float)
    if not weights.size or (weights <= 0).any():
        raise ValueError("Every variable needs a positive weight.")
    matrix = numpy.asarray(transformed, dtype=float).reshape(-1, weights.size)
    points = matrix * (100.0 * weights / weights.sum())
    return points.sum(axis=1), points


def deciles(scores, ids):
    """Decile of each row (1 = best tenth), ranking by score descending then id ascending,
    with PostgreSQL ``ntile(10)`` bucket sizes."""
    scores = numpy.asarray(scores, dtype=float)
    ids = numpy.asarray(ids)
    order = numpy.lexsort((ids, -scores))
    count = scores.size
    size, extra = divmod(count, 10)
    sizes = numpy.array([size + (1 if b < extra else 0) for b in range(10)])
    ranked = numpy.repeat(numpy.arange(1, 11), sizes)
    result = numpy.empty(count, dtype=int)
    result[order] = ranked
    return result


def select_by_expected_profit(expected_profit, cost, eligible, budget, scores, ids):
    """Choose whom to contact: positive expected profit, best first, within ``budget``.

    Candidates (``eligible``) are taken in order of expected profit (then score, then id);
    one whose contact cost no longer fits is skipped and cheaper ones after it may still fit.

    :returns: ``(selected, reason)`` arrays; reason is ``''``, ``UNPROFITABLE`` or
        ``OVER_BUDGET`` for eligible rows and ``''`` for the others.
    """
    expected_profit = numpy.asarray(expected_profit, dtype=float)
    cost = numpy.asarray(cost, dtype=float)
    eligible = numpy.asarray(eligible, dtype=bool)
    count = expected_profit.size
    selected = numpy.zeros(count, dtype=bool)
    reason = numpy.full(count, '', dtype=object)
    reason[eligible & (expected_profit <= 0.0)] = UNPROFITABLE
    candidates = numpy.flatnonzero(eligible & (expected_profit > 0.0))
    order = candidates[numpy.lexsort((numpy.asarray(ids)[candidates],
                                      -numpy.asarray(scores, dtype=float)[candidates],
                                      -expected_profit[candidates]))]
    left = float(budget)
    for index in order:
        if cost[index] <= left + 1e-9:
            selected[index] = True
            left -= cost[index]
        else:
            reason[index] = OVER_BUDGET
    return selected, reason


def score_details(variable_ids, points, raws):
    """The explanation of each row as JSON text: ``[[variable_id, raw, points], ...]``, the
    values rounded to 6 decimals, ``null`` for a missing raw value.

    Built one variable (column) at a time with ``'%.6f'``, the correctly rounded decimal text
    that ``round(value, 6)`` converts back from: ``json.loads`` reads the same numbers as from
    ``json.dumps`` of the rounded values (the text keeps trailing zeros), faster. Non-finite
    values, which JSON has no number for, take the ``json.dumps`` way.

    >>> score_details([7, 9], [[60.0, 0.5]], [[12.0, float('nan')]])
    ['[[7, 12.000000, 60.000000], [9, null, 0.500000]]']
    """
    points = numpy.asarray(points, dtype=float)
    raws = numpy.asarray(raws, dtype=float)
    if not numpy.isfinite(points).all() or numpy.isinf(raws).any():
        return [json.dumps([
            [variable_id, None if raw != raw else round(raw, 6), round(point, 6)]
            for variable_id, raw, point in zip(variable_ids, row_raw, row_points)])
            for row_points, row_raw in zip(points.tolist(), raws.tolist())]
    columns = []
    for index, variable_id in enumerate(variable_ids):
        known = '[%d, %%.6f, %%.6f]' % variable_id
        missing = '[%d, null, %%.6f]' % variable_id
        columns.append([known % (raw, point) if raw == raw else missing % point
                        for raw, point in zip(raws[:, index].tolist(),
                                              points[:, index].tolist())])
    if not columns:
        return ['[]'] * len(points)
    return ['[' + ', '.join(parts) + ']' for parts in zip(*columns)]
