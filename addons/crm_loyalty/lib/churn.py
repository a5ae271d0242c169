"""Churn risk rules shared by the review and the addons that build on it.

The rule of the complaints desk lives here once: a buyer of the top class with a complaint
left unresolved is at high churn risk, whatever the buying rhythm says.

>>> import numpy as np
>>> risk = np.array(['low', 'medium', 'low'], dtype=object)
>>> complaint_raises(risk, top=np.array([True, True, False]),
...                  unresolved=np.array([True, False, True]),
...                  buyer=np.array([True, True, True])).tolist()
['high', 'medium', 'low']
"""
import numpy as np

HIGH = 'high'


def complaint_raises(risk, top, unresolved, buyer):
    """``risk`` (array of 'low'/'medium'/'high') with the complaint rule applied: 'high' where
    the customer is a buyer (``buyer``) of the top class (``top``) with an unresolved
    complaint (``unresolved``). Returns a new array."""
    raised = np.asarray(top, dtype=bool) & np.asarray(unresolved, dtype=bool) \
        & np.asarray(buyer, dtype=bool)
    return np.where(raised, HIGH, np.asarray(risk, dtype=object)).astype(object)
