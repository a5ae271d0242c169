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
get 5. Frequency and monetary are scored as they are. A customer without any purchase has
no score (0) and no segment.

>>> import numpy as np
>>> edges = quintile_edges(list(range(1, 11)))
>>> scores(list(range(1, 11)), edges).tolist()
[1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
>>> composite(np.array([5, 1]), np.array([1, 1]), np.array([3, 1]), (2.0, 1.0, 1.0)).tolist()
[62.5, 0.0]
>>> segments(np.array([5, 0]), np.array([5, 0])).tolist()
['champions', None]
"""
import numpy as np

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
#: The segments, with their labels.
SEGMENTS = [
    ('champions', 'Champions'), ('loyal', 'Loyal'), ('potential', 'Potential loyalist'),
    ('new', 'New'), ('at_risk', 'At risk'), ('cant_lose', "Can't lose"),
    ('hibernating', 'Hibernating'), ('lost', 'Lost'),
]
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
    """Quintile score 1-5 of one ``value`` given the edges of its population."""
    return int(scores([value], edges)[0])


def scores(values, edges):
    """Quintile scores 1-5 of ``values`` (array) given the edges of their population: 1 plus
    the number of edges each value is above (all 1 without edges)."""
    values = np.asarray(values, dtype=float)
    if not edges:
        return np.ones(len(values), dtype=np.int64)
    return 1 + (values[:, None] > np.asarray(edges, dtype=float)[None, :]).sum(axis=1)


def customer_scores(recency_days, frequency, monetary, buyer, edges):
    """``(r, f, m)`` score arrays of the customers, 0 for those without a purchase
    (``buyer`` False); ``edges`` is ``{'r': ..., 'f': ..., 'm': ...}`` (see
    :func:`population_edges`)."""
    return (np.where(buyer, scores(-np.asarray(recency_days), edges['r']), 0),
            np.where(buyer, scores(frequency, edges['f']), 0),
            np.where(buyer, scores(monetary, edges['m']), 0))


def population_edges(recency_days, frequency, monetary):
    """The quintile edges of a company's buyers, ``{'r', 'f', 'm'}`` (lists of floats);
    recency on ``-recency_days``."""
    return {
        'r': [float(v) for v in quintile_edges((-np.asarray(recency_days)).tolist())],
        'f': [float(v) for v in quintile_edges(np.asarray(frequency).tolist())],
        'm': [float(v) for v in quintile_edges(np.asarray(monetary).tolist())],
    }


def cell(r, f, m):
    """The RFM cell as a string, e.g. ``"545"``."""
    return '%d%d%d' % (r, f, m)


def segment(r, f):
    """Named segment of an (R, F) pair, see :data:`SEGMENT_GRID`."""
    return SEGMENT_GRID[r][f - 1]


#: :data:`SEGMENT_GRID` as a lookup table indexed by ``[r, f]``; row and column 0 (no
#: purchase) hold None.
SEGMENT_TABLE = np.full((6, 6), None, dtype=object)
for _r, _row in SEGMENT_GRID.items():
    SEGMENT_TABLE[_r, 1:] = _row


def segments(r, f):
    """Segments of arrays of (R, F) scores (object array, None where a score is 0)."""
    return SEGMENT_TABLE[np.asarray(r), np.asarray(f)]


def composite(r, f, m, weights=(1.0, 1.0, 1.0)):
    """Weighted composite score on 0-100 of scores or arrays of scores: 0 when R=F=M=1,
    100 when R=F=M=5.

    ``100 * (wr*(R-1) + wf*(F-1) + wm*(M-1)) / (4 * (wr + wf + wm))``, rounded to 2 decimals.
    """
    wr, wf, wm = weights
    total = wr + wf + wm
    if total <= 0:
        raise ValueError("RFM weights must add up to more than zero")
    return np.round(100.0 * (wr * (np.asarray(r) - 1) + wf * (np.asarray(f) - 1)
                             + wm * (np.asarray(m) - 1)) / (4.0 * total), 2)
