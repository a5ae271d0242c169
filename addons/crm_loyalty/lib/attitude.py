"""Attitude and Dick & Basu's loyalty type.

The attitude of a customer is a score in [0, 1] that other addons give (satisfaction ratings
of the complaints desk); a customer without one is unknown, never invented. Dick & Basu
cross relative attitude with repeat patronage:

* repeat patronage is high from the ``client`` rung of the ladder up;
* attitude is high from :data:`ATTITUDE_HIGH`;
* ``true`` (both), ``latent`` (attitude only), ``spurious`` (patronage only), ``none``;
  ``unknown`` without an attitude score; no type without a purchase.

>>> import numpy as np
>>> attitude, known, score = scores([4, 5, 6], {5: 0.75, 6: None})
>>> known.tolist(), score.tolist()
([False, True, False], [None, 0.75, None])
>>> loyalty_types(np.array(['loyal', 'repeat', 'client'], dtype=object), attitude, known,
...               np.array([True, True, True])).tolist()
['unknown', 'latent', 'unknown']
"""
import numpy as np

#: Attitude score from which attitude is high.
ATTITUDE_HIGH = 0.6
#: The loyalty types, with their labels.
LOYALTY_TYPES = [
    ('true', 'True loyalty'), ('latent', 'Latent loyalty'), ('spurious', 'Spurious loyalty'),
    ('none', 'No loyalty'), ('unknown', 'Unknown (no attitude data)'),
]
#: Ladder rungs of high repeat patronage.
HIGH_PATRONAGE = ('client', 'loyal', 'advocate')


def scores(partner_ids, given):
    """``(attitude, known, rounded)`` arrays of ``partner_ids`` from ``given`` =
    ``{partner_id: score or None}``: the score (NaN where unknown), whether it is known, and
    the score rounded to 4 decimals as stored (object array, None where unknown)."""
    index = dict(zip(partner_ids, range(len(partner_ids))))
    n = len(partner_ids)
    attitude = np.full(n, np.nan)
    known = np.zeros(n, dtype=bool)
    rounded = np.full(n, None, dtype=object)
    for pid, score in given.items():
        if score is not None and pid in index:
            attitude[index[pid]] = score
            known[index[pid]] = True
            rounded[index[pid]] = round(float(score), 4)
    return attitude, known, rounded


def loyalty_types(stage, attitude, known, buyer):
    """Dick & Basu type of each customer (object array)."""
    repeat_high = np.isin(stage, HIGH_PATRONAGE)
    with np.errstate(invalid='ignore'):
        attitude_high = known & (attitude >= ATTITUDE_HIGH)
    types = np.where(
        repeat_high & attitude_high, 'true', np.where(
            attitude_high, 'latent', np.where(repeat_high, 'spurious', 'none'))
    ).astype(object)
    types[~known] = 'unknown'
    types[~buyer] = None
    return types
