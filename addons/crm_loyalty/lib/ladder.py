"""Jones's loyalty ladder: the rung of each customer.

* no purchase: ``prospect`` with a sale order in the company, else ``suspect``;
* one purchase day: ``first_time``;
* more: ``repeat``; ``client`` when he bought in this window and in the previous one;
  ``loyal`` when, as a client, at least :data:`LOYAL_INCENTIVE_FREE` of his repeat purchase
  days in the window were without incentive (no discount, no negative line) and his
  attitude, when known, is at least :data:`~.attitude.ATTITUDE_HIGH` - 0.1;
* a repeat buyer who referred a buying customer is an ``advocate``.

>>> import numpy as np
>>> stages(buyer=np.array([False, True, True, True]), prospect=np.array([True, False, False,
...        False]), lifetime=np.array([0, 1, 3, 3]), frequency=np.array([0, 1, 2, 2]),
...        previous=np.array([0, 0, 1, 1]), free_rate=np.array([np.nan, np.nan, 1.0, 0.2]),
...        attitude=np.full(4, np.nan), known=np.zeros(4, dtype=bool),
...        referred=np.array([0, 0, 0, 2])).tolist()
['prospect', 'first_time', 'loyal', 'advocate']
"""
import numpy as np

from .attitude import ATTITUDE_HIGH

#: Share of incentive-free repeat purchase days that makes a client loyal.
LOYAL_INCENTIVE_FREE = 0.5
#: The rungs, lowest first, with their labels.
STAGES = [
    ('suspect', 'Suspect'), ('prospect', 'Prospect'), ('first_time', 'First-time buyer'),
    ('repeat', 'Repeat buyer'), ('client', 'Client'), ('loyal', 'Loyal'),
    ('advocate', 'Advocate'),
]


def incentive_free_rates(repeat_days, incentive_free_days):
    """Incentive-free repeat purchase days over repeat purchase days (NaN without any)."""
    with np.errstate(all='ignore'):
        return np.where(repeat_days > 0,
                        incentive_free_days / np.maximum(repeat_days, 1), np.nan)


def stages(buyer, prospect, lifetime, frequency, previous, free_rate, attitude, known,
           referred):
    """The rung of each customer (object array); ``attitude`` is NaN where not ``known``,
    ``referred`` the number of buying customers he referred."""
    with np.errstate(invalid='ignore'):
        loyal = ((free_rate >= LOYAL_INCENTIVE_FREE)
                 & (~known | (attitude >= ATTITUDE_HIGH - 0.1)))
    client = (frequency > 0) & (previous > 0)
    stage = np.where(client & loyal, 'loyal', np.where(client, 'client', 'repeat'))
    stage = np.where(lifetime < 2, 'first_time', stage)
    stage = np.where((referred != 0) & (lifetime >= 2), 'advocate', stage)
    stage = np.where(buyer, stage, np.where(prospect, 'prospect', 'suspect'))
    return stage.astype(object)
