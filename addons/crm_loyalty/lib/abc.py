"""Pareto / ABC classes by share of revenue.

Customers are ordered by net revenue in the window, highest first, equal revenue by partner id
(ascending). A customer's *cumulative share before* is the revenue of the customers before it
divided by the total revenue of customers with positive revenue. With cut-offs ``a`` (default
0.80) and ``b`` (default 0.95, i.e. the next 15 %):

* A when the share before it is below ``a`` (so the customer that crosses 80 % is still A),
* B when it is below ``b``,
* C otherwise, and always when its revenue is zero or negative.

The ABC classes form prefixes of the order, so they are summarised by two edges: the sort key
``(-revenue, partner_id)`` of the last A and of the last B customer.

>>> items = [(1, 2500.0), (2, 1800.0), (3, 800.0), (4, 500.0), (5, 250.0), (6, 0.0)]
>>> classify([1, 2, 3, 4, 5, 6], [rev for _pid, rev in items], edges(items)).tolist()
['A', 'A', 'A', 'B', 'C', 'C']
"""
import numpy as np

#: The ABC classes, with their labels.
GRADES = [('A', 'A'), ('B', 'B'), ('C', 'C')]


def _key(partner_id, revenue):
    return (-revenue, partner_id)


def edges(items, a=0.80, b=0.95):
    """``(last_a_key, last_b_key)`` from ``items`` = iterable of ``(partner_id, revenue)``.

    A key is ``None`` when no customer gets that ABC class.
    """
    if not 0 < a <= b <= 1:
        raise ValueError("ABC cut-offs must satisfy 0 < A <= A+B <= 100 %")
    positive = sorted((_key(pid, rev) for pid, rev in items if rev > 0))
    total = sum(-key[0] for key in positive)
    last_a = last_b = None
    before = 0.0
    for key in positive:
        if before < a * total:
            last_a = key
        if before < b * total:
            last_b = key
        else:
            break
        before += -key[0]
    return last_a, last_b


def classify(partner_ids, revenue, abc_edges, buyer=None):
    """The ABC class ('A', 'B' or 'C') of each customer given :func:`edges` (object array;
    None where ``buyer`` is False: no purchase, no ABC class)."""
    ids = np.asarray(partner_ids, dtype=np.int64)
    revenue = np.asarray(revenue, dtype=float)
    key = -revenue

    def within(edge):  # (-revenue, partner_id) <= edge, as tuples compare
        if not edge:
            return np.zeros(len(ids), dtype=bool)
        return (key < edge[0]) | ((key == edge[0]) & (ids <= edge[1]))

    last_a, last_b = abc_edges
    positive = revenue > 0
    grades = np.where(positive & within(last_a), 'A',
                      np.where(positive & within(last_b), 'B', 'C')).astype(object)
    if buyer is not None:
        grades[~np.asarray(buyer, dtype=bool)] = None
    return grades


def revenue_shares(revenue, buyer, total):
    """Each buyer's share of ``total`` (the revenue of the company's buyers); 0 for the
    others and when the total is not positive."""
    return np.where(buyer & (total > 0), revenue / (total if total > 0 else 1.0), 0.0)
