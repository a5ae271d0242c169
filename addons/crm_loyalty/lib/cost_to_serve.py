"""Cost to serve, profit and the figures derived from them.

The cost to serve of a customer in the window is the discounts he was given plus the costs
other addons report for him (complaint handling, campaign contacts, ...), each labelled::

    cost_to_serve = round(discount + sum(extra costs), 2)
    profit        = round(margin - cost_to_serve, 2)
    ideal_index   = profit / (monetary - margin + cost_to_serve)   (NaN when that is <= 0)
    discount_share = discount / (monetary + discount)              (0 without list value)

The detail lists each source with its amount, one per line, sorted by label.

>>> import numpy as np
>>> cost = costs(np.array([5.0, 0.0]), [(1, {'Returns': 2.5})], 2)
>>> cost.tolist()
[5.0, 2.5]
>>> details(np.array([5.0, 0.0]), [(1, {'Returns': 2.5})], 'Discounts').tolist()
['Discounts: 5.00', 'Returns: 2.50']
"""
import numpy as np


def costs(discount, extras, n):
    """Cost to serve of ``n`` customers: ``discount`` (array) plus ``extras``, a list of
    ``(position, {label: amount})`` for the customers with costs from other addons."""
    extra_total = np.zeros(n, dtype=float)
    for i, amounts in extras:
        extra_total[i] = sum(amounts.values())
    return np.round(discount + extra_total, 2)


def details(discount, extras, discounts_label):
    """The text detail of each cost to serve (object array, None without any cost):
    ``label: amount`` lines, the discounts under ``discounts_label``."""
    detail = np.full(len(discount), None, dtype=object)
    discounts = discount.tolist()
    for i in np.flatnonzero(discount).tolist():
        detail[i] = '%s: %.2f' % (discounts_label, round(discounts[i], 2))
    for i, amounts in extras:  # the few customers with costs from other addons
        parts = {}
        if discounts[i]:
            parts[discounts_label] = round(discounts[i], 2)
        for label, amount in amounts.items():
            parts[label] = round(parts.get(label, 0.0) + amount, 2)
        detail[i] = '\n'.join('%s: %.2f' % item for item in sorted(parts.items())) or None
    return detail


def profits(margin, cost_to_serve):
    """Margin after the cost to serve."""
    return np.round(margin - cost_to_serve, 2)


def ideal_indexes(monetary, margin, cost_to_serve, profit):
    """Profit per unit of cost (cost of goods plus cost to serve); NaN without cost."""
    cost_base = monetary - margin + cost_to_serve
    with np.errstate(all='ignore'):
        return np.where(cost_base > 0, profit / cost_base, np.nan)


def discount_shares(monetary, discount):
    """Discounts over list value (revenue plus discounts); 0 without list value."""
    list_value = monetary + discount
    with np.errstate(all='ignore'):
        return np.where(list_value > 0, discount / list_value, 0.0)
