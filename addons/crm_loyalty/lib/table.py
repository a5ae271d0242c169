"""The customer table of a review: one numpy array per figure, one row per customer.

:class:`Customers` carries the figures fetched from the books (:data:`FETCHED`, one row per
commercial partner, ordered by partner id) and the figures the engine computes from them
(:data:`COMPUTED`), as named attributes. Conventions, shared by every rule of ``lib``:

* day numbers are days since 1970-01-01, ``-1`` for none; ids are ``0`` for none;
* amounts and rates are float64 with NaN where a figure is unknown;
* codes (segment, churn risk, ...) are object arrays of ``str`` with None for none.

>>> table = Customers.from_rows([(5, 100, 130, 2, 90.0, 1, 40.0, 10.0, 0.0, 1, 1, 1, 50.0)])
>>> table.partner_id.tolist(), table.last_day.tolist(), table.monetary.tolist()
([5], [130], [40.0])
>>> aligned = table.aligned([3, 5])
>>> aligned.partner_id.tolist(), aligned.frequency.tolist(), aligned.first_day.tolist()
([3, 5], [0, 1], [-1, 100])
"""
import numpy as np

#: Figures of :data:`~.engine` step 1, in the order of the SQL aggregate's columns.
FETCHED = (
    'partner_id', 'first_day', 'last_day', 'lifetime_frequency', 'lifetime_monetary',
    'frequency', 'monetary', 'margin', 'discount', 'previous_frequency', 'repeat_days',
    'incentive_free_days', 'repeat_amount',
)
#: Fetched amounts (float64); the others are whole numbers (int64).
AMOUNTS = ('lifetime_monetary', 'monetary', 'margin', 'discount', 'repeat_amount')
#: Fetched day numbers (-1 for none).
DAYS = ('first_day', 'last_day')
#: Figures the engine adds, by rule (the file of each rule in brackets).
COMPUTED = (
    'buyer', 'recency_days',
    # RFM [rfm.py]
    'r_score', 'f_score', 'm_score', 'rfm_score', 'segment',
    # ABC [abc.py]
    'abc', 'revenue_share',
    # cost to serve [cost_to_serve.py]
    'cost_to_serve', 'cost_to_serve_detail', 'profit', 'ideal_index', 'discount_share',
    # CLV [clv.py]
    'clv_simple', 'clv_model', 'clv', 'clv_method', 'p_alive', 'expected_purchases',
    'expected_spend',
    # churn [churn.py]
    'gap_ratio', 'churn_risk',
    # ladder [ladder.py], attitude and loyalty type [attitude.py], customer type
    # [customer_type.py]
    'incentive_free_rate', 'referral_count', 'ladder_stage', 'attitude', 'attitude_known',
    'attitude_score', 'loyalty_type', 'unresolved', 'customer_type',
    # tier [tiers.py]
    'qualification_value', 'value_id', 'current_tier_id', 'tier_id', 'tier_level',
    'computed_tier_id', 'downgrade_pending_since', 'tier_changed_on', 'event',
)


class Customers:
    """Columns of customer figures (see the module docstring); attributes not computed yet
    are None."""

    __slots__ = FETCHED + COMPUTED

    def __init__(self, **columns):
        for name in self.__slots__:
            setattr(self, name, columns.get(name))

    def __len__(self):
        return len(self.partner_id)

    @classmethod
    def from_rows(cls, rows):
        """The table of the SQL aggregate's rows (columns in :data:`FETCHED` order)."""
        columns = list(zip(*rows)) if rows else [[] for _name in FETCHED]
        table = {}
        for name, values in zip(FETCHED, columns):
            if name in DAYS:
                table[name] = np.array([-1 if v is None else v for v in values],
                                       dtype=np.int64)
            elif name in AMOUNTS:
                table[name] = np.array(values, dtype=float)
            else:
                table[name] = np.array(values, dtype=np.int64)
        return cls(**table)

    def aligned(self, partner_ids):
        """The fetched figures of ``partner_ids`` (sorted ids), in that order: partners
        without a row get zeros (no day: -1)."""
        ids = np.asarray(partner_ids, dtype=np.int64)
        n = len(ids)
        known = self.partner_id
        position = np.searchsorted(known, ids)
        position = np.minimum(position, max(len(known) - 1, 0))
        found = (known[position] == ids) if len(known) else np.zeros(n, dtype=bool)

        def column(name, fill):
            values = getattr(self, name)
            values = values[position] if len(values) else np.zeros(n)
            return np.where(found, values, fill)

        table = {'partner_id': ids}
        for name in FETCHED[1:]:
            if name in DAYS:
                table[name] = column(name, -1).astype(np.int64)
            elif name in AMOUNTS:
                table[name] = column(name, 0.0).astype(float)
            else:
                table[name] = column(name, 0).astype(np.int64)
        return type(self)(**table)
