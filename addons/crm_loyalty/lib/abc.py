"""Pareto / ABC classes by share of revenue.

Customers are ordered by net revenue in the window, highest first, equal revenue by partner id
(ascending). A customer's *cumulative share before* is the revenue of the customers before it
divided by the total revenue of customers with positive revenue. With cut-offs ``a`` (default
0.80) and ``b`` (default 0.95, i.e. the next 15 %):

* A when the share before it is below ``a`` (so the customer that crosses 80 % is still A),
* B when it is below ``b``,
* C otherwise, and always when its revenue is zero or negative.

The classes form prefixes of the order, so they are summarised by two edges: the sort key
``(-revenue, partner_id)`` of the last A and of the last B customer.
"""


def _key(partner_id, revenue):
    return (-revenue, partner_id)


def edges(items, a=0.80, b=0.95):
    """``(last_a_key, last_b_key)`` from ``items`` = iterable of ``(partner_id, revenue)``.

    A key is ``None`` when no customer falls in that class.
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


def classify(partner_id, revenue, abc_edges):
    """'A', 'B' or 'C' for one customer given :func:`edges`."""
    if revenue <= 0:
        return 'C'
    key = _key(partner_id, revenue)
    last_a, last_b = abc_edges
    if last_a is not None and key <= tuple(last_a):
        return 'A'
    if last_b is not None and key <= tuple(last_b):
        return 'B'
    return 'C'
