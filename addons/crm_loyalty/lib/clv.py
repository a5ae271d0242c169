"""Customer lifetime value, two ways.

Simple (retention) CLV: ``m * r / (1 + d - r)`` with ``m`` the customer's yearly gross margin
(margin of the window scaled to twelve months), ``r`` the yearly retention rate of the
customer's RFM segment and ``d`` the yearly discount rate. Retention of a segment = share of
its customers who bought in the previous window and bought again in the current one; a
segment with fewer than :data:`MIN_SEGMENT_BASE` such customers uses the company's rate.

Model CLV: the BG/NBD expected purchases month by month over the horizon, times the
Gamma-Gamma expected spend and the customer's margin ratio, each month discounted::

    sum_{i=1..H} (E[Y(i·Δ)] - E[Y((i-1)·Δ)]) * spend * margin_ratio / (1 + d_m)^i

with ``Δ`` one month in weeks (365.25 / 12 / 7) and ``d_m = (1 + d)^(1/12) - 1``. The model
is fitted on the company's buyers (:func:`fit_models`; a systematic sample of
:data:`FIT_SAMPLE` above that many); a company too small to fit uses the simple CLV.

Times of the models are in weeks from the customer's first purchase: ``x`` repeat purchase
days, ``t_x`` the last purchase, ``T`` the age at the review date.

>>> round(float(simple(1000.0, 0.8, 0.1)), 4)
2666.6667
"""
import numpy as np

from . import bgnbd, gamma_gamma, rfm

#: How a customer's CLV was computed, with the labels.
CLV_METHODS = [('model', 'BG/NBD + Gamma-Gamma'), ('simple', 'Simple retention formula')]
MIN_SEGMENT_BASE = 5
WEEKS_PER_MONTH = 365.25 / 12 / 7
DAYS_PER_WEEK = 7.0
#: Largest number of customers the CLV models are fitted on (a systematic sample above it).
FIT_SAMPLE = 20000


def simple(margin_per_year, retention, discount_rate):
    """``m r / (1 + d - r)`` of numbers or arrays; ``retention`` in [0, 1],
    ``discount_rate`` > 0."""
    retention = np.asarray(retention, dtype=float)
    if retention.size and not ((retention >= 0) & (retention <= 1)).all():
        raise ValueError("retention must be within [0, 1]")
    if discount_rate <= 0:
        raise ValueError("the discount rate must be positive")
    return margin_per_year * retention / (1 + discount_rate - retention)


def segment_retention(r, f, rates, company_rate):
    """The retention rate of each customer's segment (arrays of R and F scores; the company
    rate for a segment without its own rate and for score 0)."""
    table = np.zeros((6, 6), dtype=float)
    for r_value in range(1, 6):
        for f_value in range(1, 6):
            table[r_value, f_value] = rates.get(rfm.SEGMENT_TABLE[r_value, f_value],
                                                company_rate)
    return table[r, f]


def simple_values(margin, window_months, retention, discount_rate, buyer):
    """The simple CLV of each customer, rounded to cents: the window's margin scaled to a
    year; 0 for those without a purchase."""
    yearly_margin = margin * 12.0 / window_months
    return np.where(buyer, np.round(simple(yearly_margin, retention, discount_rate), 2), 0.0)


def times(lifetime_frequency, first_day, last_day, day):
    """``(x, t_x, T)`` of customers with a purchase (day numbers in, weeks out)."""
    x = (lifetime_frequency - 1).astype(float)
    t_x = (last_day - first_day) / DAYS_PER_WEEK
    age = (day - first_day) / DAYS_PER_WEEK
    return x, t_x, age


def mean_spend(x, repeat_amount):
    """Mean value of a repeat purchase (0 without one): the Gamma-Gamma input ``zbar``."""
    return np.where(x > 0, repeat_amount / np.maximum(x, 1), 0.0)


def fit_sample(buyer, size=FIT_SAMPLE):
    """``buyer`` reduced to a systematic sample of ``size`` (every k-th in partner order),
    which keeps the fit short and deterministic."""
    picked = np.flatnonzero(buyer)
    if len(picked) > size:
        picked = picked[np.linspace(0, len(picked) - 1, size).astype(np.int64)]
    sample = np.zeros(len(buyer), dtype=bool)
    sample[picked] = True
    return sample


def fit_models(lifetime_frequency, first_day, last_day, repeat_amount, day):
    """BG/NBD and Gamma-Gamma parameters by maximum likelihood on the given buyers.

    :returns: ``(bgnbd_params, gamma_gamma_params)``
    :raises bgnbd.NotEnoughData, bgnbd.FitError: the simple CLV applies.
    """
    x, t_x, age = times(lifetime_frequency, first_day, last_day, day)
    bg = bgnbd.fit(x, t_x, age)
    repeat = x > 0
    zbar = mean_spend(x, repeat_amount)
    gg = gamma_gamma.fit(x[repeat], zbar[repeat])
    return bg, gg


def model_figures(bg, gg, x, t_x, age, repeat_amount, monetary, margin, margin_ratio,
                  horizon_months, discount_rate):
    """``(p_alive, expected_purchases, expected_spend, clv)`` of buyers with the fitted
    parameters: P(alive) and the expected purchases over the horizon rounded to 4 decimals,
    spend and CLV to cents. The margin ratio is the customer's (margin over revenue, within
    [0, 1]), else the company's ``margin_ratio``."""
    spend = gamma_gamma.expected_spend(gg, x, mean_spend(x, repeat_amount))
    with np.errstate(all='ignore'):
        ratio = np.where(monetary > 0, margin / monetary, margin_ratio)
    ratio = np.clip(ratio, 0.0, 1.0)
    return (np.round(bgnbd.p_alive(bg, x, t_x, age), 4),
            np.round(bgnbd.expected_purchases(
                bg, horizon_months * WEEKS_PER_MONTH, x, t_x, age), 4),
            np.round(spend, 2),
            np.round(model(bg, x, t_x, age, spend, ratio, horizon_months, discount_rate), 2))


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
