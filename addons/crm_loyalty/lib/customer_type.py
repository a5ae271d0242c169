"""Customer type (Jones & Sasser) as far as the books tell it.

Of the six types, two are computed; the others are set by hand on the customer value:

* ``mercenary``: bought in the window and his discounts reach the company's mercenary share
  of his list value;
* ``defector``: a buyer with an unresolved complaint who stopped buying in the window or is
  at high churn risk (the risk of his buying rhythm, before the complaint rule); it wins
  over mercenary.

>>> import numpy as np
>>> types(frequency=np.array([3, 0, 2]), discount_share=np.array([0.4, 0.0, 0.5]),
...       mercenary_share=0.3, unresolved=np.array([False, True, True]),
...       buyer=np.array([True, True, True]),
...       risk=np.array(['low', 'low', 'high'], dtype=object)).tolist()
['mercenary', 'defector', 'defector']
"""
import numpy as np

#: The six customer types, with their labels (``mercenary`` and ``defector`` computed).
CUSTOMER_TYPES = [
    ('apostle', 'Apostle'), ('loyal', 'Loyal'), ('mercenary', 'Mercenary'),
    ('hostage', 'Hostage'), ('defector', 'Defector'), ('saboteur', 'Saboteur'),
]


def types(frequency, discount_share, mercenary_share, unresolved, buyer, risk):
    """The computed type of each customer (object array, None for neither)."""
    defector = unresolved & buyer & ((frequency == 0) | (risk == 'high'))
    computed = np.full(len(frequency), None, dtype=object)
    computed[(frequency > 0) & (discount_share >= mercenary_share)] = 'mercenary'
    computed[defector] = 'defector'
    return computed
