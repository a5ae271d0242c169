"""The loyalty review's engine: customer figures in, tiers and figures out, no database.

The model ``crm.loyalty.review`` fetches, calls these functions in this order, writes and
notifies; nothing here reads the database or Odoo:

1. ``Customers.from_rows(rows)`` (:mod:`.table`) -- the figures of the SQL aggregate, one
   row per commercial partner.
2. :func:`population_params` -- everything that depends on the whole company, computed
   once: RFM quintile edges (:mod:`.rfm`), ABC edges (:mod:`.abc`), segment retention
   (:mod:`.clv`), the median purchase gap (:mod:`.churn`), the company margin ratio;
   :func:`fit_sample` and :func:`.clv.fit_models` add the BG/NBD and Gamma-Gamma parameters.
   The parameters are JSON: stored on the review, they let chunks of customers (queue jobs)
   be computed apart with exactly the result of one run.
3. ``figures.aligned(partner_ids)`` -- the customers of a run or a chunk (partners without
   invoices get zeros); then :func:`compute`, per customer, with those parameters only:
   RFM (:mod:`.rfm`), ABC (:mod:`.abc`), cost to serve (:mod:`.cost_to_serve`), CLV
   simple and model (:mod:`.clv`), churn (:mod:`.churn`), ladder (:mod:`.ladder`),
   attitude and Dick & Basu type (:mod:`.attitude`), customer type (:mod:`.customer_type`),
   qualification value (:mod:`.tiers`). Inputs from other addons (costs to serve, attitude
   scores, unresolved complaints) and the ladder's inputs come in :class:`Inputs`.
4. :func:`decide_tiers` -- the tier decision (:func:`.tiers.decide_many`) from the
   customers' current rows, then the complaint rule (:func:`.churn.complaint_raises`);
   returns the changes to record.
5. :func:`written_columns` -- the columns of ``crm_loyalty_value`` as they are written.

Each rule has one implementation, in the module named; this module only orders them.
"""
import collections

import numpy as np

from . import abc, attitude, churn, clv, cost_to_serve, customer_type, ladder, rfm, tiers
from .bulk import EPOCH, INT_NULL

#: The company's settings the rules read (shares and rates as fractions).
Settings = collections.namedtuple('Settings', [
    'window_months', 'weights', 'abc_a', 'abc_b', 'discount_rate', 'clv_horizon',
    'churn_limits', 'mercenary_share', 'metric', 'grace_days',
])

#: What the review fetched besides the figures, per customer: ``extras`` ``{partner_id:
#: {label: amount}}`` (costs to serve of other addons), ``discounts_label`` (the label of
#: discounts in the cost detail), ``attitudes`` ``{partner_id: score}``, ``unresolved`` (set
#: of partners with unresolved complaints), ``prospects`` (non-buyers with a sale order),
#: ``referrals`` ``{partner_id: buying customers referred}``.
Inputs = collections.namedtuple('Inputs', [
    'extras', 'discounts_label', 'attitudes', 'unresolved', 'prospects', 'referrals',
])

#: Columns of crm_loyalty_value the review writes, in COPY order.
WRITTEN_COLUMNS = [
    'review_date', 'tier_id', 'tier_level', 'computed_tier_id', 'tier_changed_on',
    'downgrade_pending_since',
    'qualification_value', 'first_invoice_date', 'last_invoice_date', 'recency_days',
    'frequency', 'monetary', 'lifetime_frequency', 'lifetime_monetary', 'previous_frequency',
    'r_score', 'f_score', 'm_score', 'rfm_cell', 'rfm_score', 'segment', 'margin',
    'discount_amount', 'discount_share', 'cost_to_serve', 'cost_to_serve_detail', 'profit',
    'ideal_index', 'abc_class', 'revenue_share', 'clv', 'clv_method', 'clv_simple',
    'clv_model', 'p_alive', 'expected_purchases', 'expected_spend', 'churn_risk',
    'gap_ratio', 'repeat_days', 'incentive_free_days', 'incentive_free_rate', 'ladder_stage',
    'referral_count', 'attitude_score', 'attitude_known', 'loyalty_type',
    'customer_type_computed', 'unresolved_complaints',
]


def day_number(date):
    """Days since 1970-01-01 of a ``date``."""
    return (date - EPOCH).days


def population_params(figures, day, settings):
    """Step 2 without the CLV models: the parameters every customer is scored with
    (JSON-serialisable). ``figures`` is the company's :class:`~.table.Customers` of step 1,
    ``day`` the review's day number."""
    buyer = figures.lifetime_frequency >= 1
    recency = day - figures.last_day[buyer]
    frequency = figures.frequency[buyer]
    monetary = figures.monetary[buyer]
    edges = rfm.population_edges(recency, frequency, monetary)
    abc_edges = abc.edges(zip(figures.partner_id[buyer].tolist(), monetary.tolist()),
                          settings.abc_a, settings.abc_a + settings.abc_b)
    r_scores = rfm.scores(-recency, edges['r'])
    f_scores = rfm.scores(frequency, edges['f'])
    retention, company_rate = clv.retention_rates(
        zip(rfm.segments(r_scores, f_scores).tolist(),
            (figures.previous_frequency[buyer] > 0).tolist(), (frequency > 0).tolist()))
    total_monetary = float(monetary.sum())
    margin_ratio = (float(figures.margin[buyer].sum()) / total_monetary
                    if total_monetary > 0 else 0.0)
    return {
        'edges': edges, 'abc_edges': [list(e) if e else None for e in abc_edges],
        'retention': retention, 'company_retention': company_rate,
        'median_gap': churn.median_gap(figures.lifetime_frequency[buyer],
                                       figures.first_day[buyer], figures.last_day[buyer]),
        'margin_ratio': max(0.0, min(1.0, margin_ratio)),
        'total_monetary': total_monetary, 'bgnbd': None, 'gamma_gamma': None,
    }


def fit_sample(figures):
    """The fetched figures of the buyers the CLV models are fitted on (see
    :func:`.clv.fit_sample`), as the arguments of :func:`.clv.fit_models` but the day."""
    sample = clv.fit_sample(figures.lifetime_frequency >= 1)
    return (figures.lifetime_frequency[sample], figures.first_day[sample],
            figures.last_day[sample], figures.repeat_amount[sample])


def _members(index, partner_ids, n):
    mask = np.zeros(n, dtype=bool)
    mask[[index[pid] for pid in partner_ids if pid in index]] = True
    return mask


def compute(c, params, settings, day, inputs):
    """Step 3: every figure but the tier decision, filled into ``c`` (the
    :class:`~.table.Customers` of step 3's alignment); returns ``c``."""
    ids = c.partner_id
    n = len(ids)
    id_list = ids.tolist()
    index = dict(zip(id_list, range(n)))
    buyer = c.buyer = c.lifetime_frequency >= 1
    c.recency_days = np.where(buyer, day - c.last_day, 0)
    # RFM
    c.r_score, c.f_score, c.m_score = rfm.customer_scores(
        c.recency_days, c.frequency, c.monetary, buyer, params['edges'])
    c.rfm_score = np.where(buyer, rfm.composite(c.r_score, c.f_score, c.m_score,
                                                settings.weights), 0.0)
    c.segment = rfm.segments(c.r_score, c.f_score)
    # ABC
    c.abc = abc.classify(ids, c.monetary, params['abc_edges'], buyer)
    c.revenue_share = abc.revenue_shares(c.monetary, buyer, params['total_monetary'])
    # cost to serve
    extras = [(index[pid], costs) for pid, costs in (inputs.extras or {}).items()
              if costs and pid in index]
    c.cost_to_serve = cost_to_serve.costs(c.discount, extras, n)
    c.cost_to_serve_detail = cost_to_serve.details(c.discount, extras,
                                                   inputs.discounts_label)
    c.profit = cost_to_serve.profits(c.margin, c.cost_to_serve)
    c.ideal_index = cost_to_serve.ideal_indexes(c.monetary, c.margin, c.cost_to_serve,
                                                c.profit)
    c.discount_share = cost_to_serve.discount_shares(c.monetary, c.discount)
    c.incentive_free_rate = ladder.incentive_free_rates(c.repeat_days, c.incentive_free_days)
    # CLV
    retention = clv.segment_retention(c.r_score, c.f_score, params['retention'],
                                      params['company_retention'])
    c.clv_simple = clv.simple_values(c.margin, settings.window_months, retention,
                                     settings.discount_rate, buyer)
    for name in ('p_alive', 'expected_purchases', 'expected_spend', 'clv_model'):
        setattr(c, name, np.full(n, np.nan))
    if params['bgnbd'] and buyer.any():
        x, t_x, age = clv.times(c.lifetime_frequency[buyer], c.first_day[buyer],
                                c.last_day[buyer], day)
        (c.p_alive[buyer], c.expected_purchases[buyer], c.expected_spend[buyer],
         c.clv_model[buyer]) = clv.model_figures(
            tuple(params['bgnbd']), tuple(params['gamma_gamma']), x, t_x, age,
            c.repeat_amount[buyer], c.monetary[buyer], c.margin[buyer],
            params['margin_ratio'], settings.clv_horizon, settings.discount_rate)
        c.clv = np.where(buyer, c.clv_model, 0.0)
        method = 'model'
    else:
        c.clv = c.clv_simple
        method = 'simple'
    c.clv_method = np.where(buyer, method, None).astype(object)
    # churn
    c.gap_ratio = churn.gap_ratios(c.recency_days, c.lifetime_frequency, c.first_day,
                                   c.last_day, buyer, params['median_gap'],
                                   settings.window_months)
    c.churn_risk = churn.risks(c.p_alive, c.gap_ratio, buyer, settings.churn_limits)
    # ladder, attitude, types
    c.referral_count = np.zeros(n, dtype=np.int64)
    for pid, count in inputs.referrals.items():
        if pid in index:
            c.referral_count[index[pid]] = count
    c.attitude, c.attitude_known, c.attitude_score = attitude.scores(
        id_list, inputs.attitudes or {})
    c.unresolved = _members(index, inputs.unresolved or set(), n)
    c.ladder_stage = ladder.stages(buyer, _members(index, inputs.prospects, n),
                                   c.lifetime_frequency, c.frequency, c.previous_frequency,
                                   c.incentive_free_rate, c.attitude, c.attitude_known,
                                   c.referral_count)
    c.loyalty_type = attitude.loyalty_types(c.ladder_stage, c.attitude, c.attitude_known,
                                            buyer)
    c.customer_type = customer_type.types(c.frequency, c.discount_share,
                                          settings.mercenary_share, c.unresolved, buyer,
                                          c.churn_risk)
    c.qualification_value = tiers.qualification_values(
        settings.metric, c.rfm_score, c.frequency, c.monetary, c.margin)
    return c


def decide_tiers(c, company_tiers, current, today, grace_days, realtime=False):
    """Step 4: the tier of each customer of ``c`` (filled in), then the complaint rule.

    :param company_tiers: the company's :class:`.tiers.Tier` list, by level.
    :param current: the customers' current value rows, ``(partner_id, value_id, tier_id,
        locked, pending_day, changed_day)`` (0 and -1 for none).
    :param realtime: only upgrades apply (an invoice was validated between reviews).
    :returns: the changes ``(partner_id, from_tier_id, to_tier_id, event)`` to record
        (ids None for none; 'recovered' is not a change).
    """
    ids = c.partner_id
    n = len(ids)
    value_id = np.zeros(n, dtype=np.int64)
    tier_id = np.zeros(n, dtype=np.int64)
    locked = np.zeros(n, dtype=bool)
    pending = np.full(n, -1, dtype=np.int64)
    changed_on = np.full(n, -1, dtype=np.int64)
    if current:
        columns = np.array(current, dtype=np.int64).T
        position = np.searchsorted(ids, columns[0]) if _is_sorted(ids) else np.array(
            [dict(zip(ids.tolist(), range(n)))[pid] for pid in columns[0].tolist()],
            dtype=np.int64)
        value_id[position] = columns[1]
        tier_id[position] = columns[2]
        locked[position] = columns[3].astype(bool)
        pending[position] = columns[4]
        changed_on[position] = columns[5]
    new_tier, qualified, pending_new, event = tiers.decide_many(
        tier_id, c.qualification_value, c.frequency > 0, company_tiers, pending, today,
        grace_days, locked, changed_on)
    if realtime:
        keep = event != tiers.UPGRADE
        new_tier = np.where(keep, tier_id, new_tier)
        pending_new = np.where(keep, pending, pending_new)
        event = np.where(keep, 0, event)
    levels = np.zeros(n, dtype=np.int64)
    for tier in company_tiers:
        levels[new_tier == tier.id] = tier.level
    c.value_id = value_id
    c.current_tier_id = tier_id
    c.tier_id = new_tier
    c.tier_level = levels
    c.computed_tier_id = np.asarray(qualified, dtype=np.int64)
    c.downgrade_pending_since = pending_new
    c.tier_changed_on = np.where(new_tier != tier_id, today, changed_on)
    c.event = event
    recorded = (event > 0) & (event != tiers.RECOVERED)
    changes = [(pid, old or None, new or None, tiers.EVENTS[code]) for pid, old, new, code
               in zip(ids[recorded].tolist(), tier_id[recorded].tolist(),
                      new_tier[recorded].tolist(), event[recorded].tolist())]
    if company_tiers:
        c.churn_risk = churn.complaint_raises(
            c.churn_risk, top=(new_tier != 0) & (levels == company_tiers[-1].level),
            unresolved=c.unresolved, buyer=c.buyer)
    return changes


def _is_sorted(values):
    return bool(len(values) < 2 or np.all(values[1:] > values[:-1]))


def written_columns(c, day):
    """Step 5: ``{column: values}`` of :data:`WRITTEN_COLUMNS` for ``c``: amounts as float
    arrays (NaN for NULL), counts, ids and day numbers as int arrays (:data:`~.bulk.INT_NULL`
    for NULL), codes as object arrays with None."""
    n = len(c)
    buyer = c.buyer

    def num(values):  # NaN is NULL
        return np.asarray(values, dtype=float)

    def days(values):  # day numbers, -1 for none
        return np.where(values >= 0, values, INT_NULL)

    def ids(values, present):  # 0 for none
        return np.where(present, values, INT_NULL)

    cells = (c.r_score * 100 + c.f_score * 10 + c.m_score).astype(str).astype(object)
    cells[c.r_score == 0] = None
    return {
        'review_date': np.full(n, day, dtype=np.int64),
        'tier_id': ids(c.tier_id, c.tier_id != 0),
        'tier_level': ids(c.tier_level, c.tier_id != 0),
        'computed_tier_id': ids(c.computed_tier_id, c.computed_tier_id != 0),
        'tier_changed_on': days(c.tier_changed_on),
        'downgrade_pending_since': days(c.downgrade_pending_since),
        'qualification_value': np.round(c.qualification_value, 2),
        'first_invoice_date': days(c.first_day),
        'last_invoice_date': days(c.last_day),
        'recency_days': np.where(buyer, c.recency_days, INT_NULL),
        'frequency': c.frequency, 'monetary': np.round(c.monetary, 2),
        'lifetime_frequency': c.lifetime_frequency,
        'lifetime_monetary': np.round(c.lifetime_monetary, 2),
        'previous_frequency': c.previous_frequency,
        'r_score': c.r_score, 'f_score': c.f_score, 'm_score': c.m_score,
        'rfm_cell': cells, 'rfm_score': c.rfm_score, 'segment': c.segment,
        'margin': np.round(c.margin, 2),
        'discount_amount': np.round(c.discount, 2),
        'discount_share': np.round(c.discount_share, 4),
        'cost_to_serve': c.cost_to_serve,
        'cost_to_serve_detail': c.cost_to_serve_detail,
        'profit': c.profit,
        'ideal_index': num(np.round(c.ideal_index, 4)),
        'abc_class': c.abc,
        'revenue_share': np.round(c.revenue_share, 6),
        'clv': num(np.round(c.clv, 2)),
        'clv_method': c.clv_method, 'clv_simple': c.clv_simple,
        'clv_model': num(c.clv_model),
        'p_alive': num(c.p_alive),
        'expected_purchases': num(c.expected_purchases),
        'expected_spend': num(c.expected_spend),
        'churn_risk': c.churn_risk,
        'gap_ratio': num(c.gap_ratio),
        'repeat_days': c.repeat_days,
        'incentive_free_days': c.incentive_free_days,
        'incentive_free_rate': num(np.round(c.incentive_free_rate, 4)),
        'ladder_stage': c.ladder_stage, 'referral_count': c.referral_count,
        'attitude_score': c.attitude_score, 'attitude_known': c.attitude_known,
        'loyalty_type': c.loyalty_type,
        'customer_type_computed': c.customer_type,
        'unresolved_complaints': c.unresolved,
    }
