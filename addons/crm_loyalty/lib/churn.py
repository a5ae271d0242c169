"""Churn risk: the buying rhythm, P(alive), and the complaint rule.

A buyer's *gap ratio* is his recency over his usual gap between purchase days (his own mean
gap with two purchase days or more; else the company's median gap; else the window's length
in days), rounded to 2 decimals. His churn risk is

* ``high`` when P(alive) (when the CLV model is fitted) is below the company's high limit,
  or the gap ratio above its high limit;
* else ``medium`` with the medium limits;
* else ``low``; customers without a purchase have none.

The rule of the complaints desk lives here once: a buyer of the top tier with a complaint
left unresolved is at high churn risk, whatever the buying rhythm says
(:func:`complaint_raises`; applied by the review and at complaint intake).

>>> import numpy as np
>>> risk = np.array(['low', 'medium', 'low'], dtype=object)
>>> complaint_raises(risk, top=np.array([True, True, False]),
...                  unresolved=np.array([True, False, True]),
...                  buyer=np.array([True, True, True])).tolist()
['high', 'medium', 'low']
>>> ratio = gap_ratios(np.array([40, 10]), np.array([3, 1]), np.array([0, 50]),
...                    np.array([20, 50]), np.array([True, True]), median_gap=None,
...                    window_months=12)
>>> ratio.tolist()
[4.0, 0.03]
>>> risks(np.array([np.nan, 0.9]), ratio, np.array([True, True]),
...       Limits(0.3, 0.6, 3.0, 2.0)).tolist()
['high', 'low']
"""
import collections

import numpy as np

HIGH = 'high'
#: The churn risks, with their labels.
CHURN_RISKS = [('low', 'Low'), ('medium', 'Medium'), (HIGH, 'High')]

#: The company's churn limits: P(alive) below ``high_p_alive`` / ``medium_p_alive``, gap
#: ratio above ``high_gap`` / ``medium_gap``.
Limits = collections.namedtuple('Limits', 'high_p_alive medium_p_alive high_gap medium_gap')


def median_gap(lifetime_frequency, first_day, last_day):
    """The median of the buyers' mean gaps (days) between purchase days, over those with
    two purchase days or more; None without any (arrays of buyers only)."""
    span = (last_day - first_day).astype(float)
    repeaters = lifetime_frequency >= 2
    gaps = span[repeaters] / (lifetime_frequency[repeaters] - 1)
    return float(np.median(gaps)) if len(gaps) else None


def gap_ratios(recency_days, lifetime_frequency, first_day, last_day, buyer, median_gap,
               window_months):
    """Recency over the usual gap (see the module docstring); NaN without a purchase."""
    span = (last_day - first_day).astype(float)
    with np.errstate(all='ignore'):
        own_gap = np.where(lifetime_frequency >= 2,
                           span / np.maximum(lifetime_frequency - 1, 1), np.nan)
    reference = median_gap or (window_months * 365.25 / 12)
    gap = np.where(np.isnan(own_gap), reference, own_gap)
    return np.where(buyer, np.round(recency_days / np.maximum(gap, 1.0), 2), np.nan)


def risks(p_alive, gap_ratio, buyer, limits):
    """Churn risk of each customer (object array; None without a purchase); ``p_alive`` is
    NaN where the CLV model does not apply."""
    known = ~np.isnan(p_alive)
    high = (known & (p_alive < limits.high_p_alive)) | (gap_ratio > limits.high_gap)
    medium = (known & (p_alive < limits.medium_p_alive)) | (gap_ratio > limits.medium_gap)
    risk = np.where(high, HIGH, np.where(medium, 'medium', 'low')).astype(object)
    risk[~buyer] = None
    return risk


def complaint_raises(risk, top, unresolved, buyer):
    """``risk`` (array of 'low'/'medium'/'high') with the complaint rule applied: 'high' where
    the customer is a buyer (``buyer``) of the top tier (``top``) with an unresolved
    complaint (``unresolved``). Returns a new array."""
    raised = np.asarray(top, dtype=bool) & np.asarray(unresolved, dtype=bool) \
        & np.asarray(buyer, dtype=bool)
    return np.where(raised, HIGH, np.asarray(risk, dtype=object)).astype(object)
