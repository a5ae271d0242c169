"""RFM quintile scores, composite score and the cell-to-segment table.

Quintile score of a value ``x`` among ``n`` values (the company's customers with at least one
posted invoice)::

    score(x) = 1 + floor(5 * c(x) / n),   c(x) = number of values strictly below x

Ties are never split: customers with equal values get the same score, the one of the first of
them in ascending order (PostgreSQL's ``rank()``). So quintile groups can be uneven when many
customers share a value (for example many one-time buyers), and a score may be skipped.
The rule depends only on the sorted values, so it is summarised by four edges
``b2..b5`` (``b_s`` is the value at 1-based position ``ceil((s-1) * n / 5)``) and
``score(x) = 1 + #{s : x > b_s}``; the review stores the edges and scores any chunk of
customers with them.

Recency is better when smaller: it is scored on ``-recency_days`` so the most recent buyers
get 5. Frequency and monetary are scored as they are.
"""

#: RFM grid: segment of each (R, F) pair. M does not change the segment (it drives the
#: composite score and the ABC class).
#:
#: ====  =========  =========  =========  =========  =========
#: R\\F  1          2          3          4          5
#: ====  =========  =========  =========  =========  =========
#: 5     new        potential  potential  champions  champions
#: 4     new        potential  potential  loyal      loyal
#: 3     hibernat.  hibernat.  potential  loyal      loyal
#: 2     hibernat.  hibernat.  at_risk    at_risk    cant_lose
#: 1     lost       lost       at_risk    at_risk    cant_lose
#: ====  =========  =========  =========  =========  =========
SEGMENT_GRID = {
    5: ('new', 'potential', 'potential', 'champions', 'champions'),
    4: ('new', 'potential', 'potential', 'loyal', 'loyal'),
    3: ('hibernating', 'hibernating', 'potential', 'loyal', 'loyal'),
    2: ('hibernating', 'hibernating', 'at_risk', 'at_risk', 'cant_lose'),
    1: ('lost', 'lost', 'at_risk', 'at_risk', 'cant_lose'),
}


def quintile_edges(values):
    """The four edges ``[b2, b3, b4, b5]`` of ``values`` (empty list for no values)."""
    ordered = sorted(values)
    n = len(ordered)
    if not n:
        return []
    edges = []
    for s in range(2, 6):
        k = -(-(s - 1) * n // 5)  # ceil((s-1) * n / 5), >= 1
        edges.append(ordered[k - 1])
    return edges


def score(value, edges):
    """Quintile score 1-5 of ``value`` given the edges of its population."""
    return 1 + sum(1 for edge in edges if value > edge)


def scores(values, edges):
    """Scores of many values (a list), same rule as :func:`score`."""
    return [score(value, edges) for value in values]


def cell(r, f, m):
    """The RFM cell as a string, e.g. ``"545"``."""
    return '%d%d%d' % (r, f, m)


def segment(r, f):
    """Named segment of an (R, F) pair, see :data:`SEGMENT_GRID`."""
    return SEGMENT_GRID[r][f - 1]


def composite(r, f, m, weights=(1.0, 1.0, 1.0)):
    """Weighted composite score on 0-100: 0 when R=F=M=1, 100 when R=F=M=5.

    ``100 * (wr*(R-1) + wf*(F-1) + wm*(M-1)) / (4 * (wr + wf + wm))``, rounded to 2 decimals.
    """
    wr, wf, wm = weights
    total = wr + wf + wm
    if total <= 0:
        raise ValueError("RFM weights must add up to more than zero")
    return round(100.0 * (wr * (r - 1) + wf * (f - 1) + wm * (m - 1)) / (4.0 * total), 2)
