"""Customer lifetime value, two ways.

Simple (retention) CLV: ``m * r / (1 + d - r)`` with ``m`` the customer's yearly gross margin
(margin of the window scaled to twelve months), ``r`` the yearly retention rate of the
customer's RFM segment and ``d`` the yearly discount rate. Retention of a segment = share of
its customers who bought in the previous window and bought again in the current one; a
segment with fewer than :data:`MIN_SEGMENT_BASE` such customers uses the company's rate.

Model CLV: the BG/NBD expected purchases month by month over the horizon, times the
Gamma-Gamma expected spend and the customer's margin ratio, each month discounted::

    sum_{i=1..H} (E[Y(i·Δ)] - E[Y((i-1)·Δ)]) * spend * margin_ratio / (1 + d_m)^i

with ``Δ`` one month in weeks (365.25 / 12 / 7) and ``d_m = (1 + d)^(1/12) - 1``.
"""
import numpy as np

from . import bgnbd

MIN_SEGMENT_BASE = 5
WEEKS_PER_MONTH = 365.25 / 12 / 7


def simple(margin_per_year, retention, discount_rate):
    """``m r / (1 + d - r)``; ``retention`` in [0, 1], ``discount_rate`` > 0."""
    if not 0 <= retention <= 1:
        raise ValueError("retention must be within [0, 1]")
    if discount_rate <= 0:
        raise ValueError("the discount rate must be positive")
    return margin_per_year * retention / (1 + discount_rate - retention)


def retention_rates(rows, min_base=MIN_SEGMENT_BASE):
    """Retention per segment and for the company.

    :param rows: iterable of ``(segment, bought_previous_window, bought_current_window)``
    :returns: ``({segment: rate}, company_rate)``; the company rate is 0 without any buyer
        in the previous window. Segments below ``min_base`` get the company rate.
    """
    base = {}
    kept = {}
    for segment, previous, current in rows:
        if not previous:
            continue
        base[segment] = base.get(segment, 0) + 1
        kept[segment] = kept.get(segment, 0) + (1 if current else 0)
    total = sum(base.values())
    company = (sum(kept.values()) / total) if total else 0.0
    rates = {}
    for segment, count in base.items():
        rates[segment] = kept[segment] / count if count >= min_base else company
    return rates, company


def model(bgnbd_params, x, t_x, T, spend, margin_ratio, horizon_months, discount_rate):
    """Discounted model CLV per customer (arrays in, array out, never NaN)."""
    x = np.asarray(x, dtype=float)
    monthly = (1 + discount_rate) ** (1 / 12.0) - 1
    total = np.zeros_like(x)
    previous = np.zeros_like(x)
    for month in range(1, horizon_months + 1):
        current = bgnbd.expected_purchases(bgnbd_params, month * WEEKS_PER_MONTH, x, t_x, T)
        total += (current - previous) / (1 + monthly) ** month
        previous = current
    value = total * np.asarray(spend, dtype=float) * np.asarray(margin_ratio, dtype=float)
    return np.where(np.isfinite(value), value, 0.0)
