"""Tier transitions: qualification, hysteresis, grace period, one step down.

A tier is a loyalty class of the interface. Tiers of a company, ordered by level, each with
a qualifying ``threshold`` and a lower ``keep`` threshold over one metric (the company's
qualification metric, :func:`qualification_values`). A customer is *eligible* only with at least one purchase
in the window; a value meets a threshold when ``value >= threshold``.

* qualified tier: the highest tier whose threshold the value meets (none if not eligible);
* upgrade at once when the qualified tier is above the current one (or the customer has no
  tier yet);
* the current tier is kept while the value meets its keep threshold; then a grace period
  starts (the retention warning);
* when the grace period has run out, each review lowers the tier by one level (never below
  the qualified tier, down to none), until the value meets the keep threshold of the
  tier reached again; at most one step per review day, so a second review on the same day
  changes nothing;
* a locked tier never changes (the qualified tier is still reported).
"""
import collections

import numpy as np

Tier = collections.namedtuple('Tier', 'id level threshold keep')
Decision = collections.namedtuple('Decision', 'tier_id qualified_id pending_since event')

#: Events of a customer's tier history, with their labels (the history's and the review
#: preview's selection): 'upgrade' (includes entering the programme), 'downgrade', 'leave'
#: (lost the last tier), 'at_risk' (grace period started), 'lock' and 'unlock' (by hand).
HISTORY_EVENTS = [
    ('upgrade', 'Upgrade'), ('downgrade', 'Downgrade'), ('leave', 'Left the programme'),
    ('lock', 'Locked'), ('unlock', 'Unlocked'), ('at_risk', 'Downgrade risk'),
]
#: The events a review records (:func:`decide` also returns 'recovered', back above keep,
#: which is not recorded, and None).
REVIEW_EVENTS = ('upgrade', 'downgrade', 'leave', 'at_risk')


def qualification_values(metric, rfm_score, frequency, monetary, margin):
    """The value compared with the thresholds: the company's ``metric`` ('score',
    'frequency', 'monetary' or 'margin'), amounts rounded to cents.

    >>> qualification_values('margin', None, None, None, np.array([10.005, 3.0])).tolist()
    [10.01, 3.0]
    """
    if metric == 'score':
        return rfm_score.astype(float)
    if metric == 'frequency':
        return frequency.astype(float)
    return np.round({'monetary': monetary, 'margin': margin}[metric].astype(float), 2)


def qualified(value, eligible, tiers):
    """The highest tier whose threshold ``value`` meets, or None."""
    if not eligible:
        return None
    best = None
    for tier in tiers:
        if value >= tier.threshold:
            best = tier
    return best


def decide(current_id, value, eligible, tiers, pending_since, today, grace_days,
           locked=False, changed_on=None):
    """Next tier of one customer. ``tiers`` sorted by level ascending; dates are ``date``;
    ``changed_on`` is the day the tier last changed.

    The rule as written for one customer: the specification :func:`decide_many` (what the
    review runs, for all customers at once) is tested against, case by case."""
    by_id = {tier.id: tier for tier in tiers}
    target = qualified(value, eligible, tiers)
    target_id = target.id if target else None
    current = by_id.get(current_id)
    if locked:
        return Decision(current_id, target_id, None, None)
    if target and (current is None or target.level > current.level):
        return Decision(target.id, target_id, None, 'upgrade')
    if current is None:
        return Decision(None, target_id, None, None)
    if eligible and value >= current.keep:
        return Decision(current.id, target_id, None, 'recovered' if pending_since else None)
    stepped_today = changed_on is not None and changed_on >= today
    if not pending_since:
        if grace_days <= 0 and not stepped_today:
            return _step_down(current, target, tiers, eligible, value, today)
        return Decision(current.id, target_id, today, 'at_risk')
    if (today - pending_since).days >= grace_days and not stepped_today:
        return _step_down(current, target, tiers, eligible, value, pending_since)
    return Decision(current.id, target_id, pending_since, None)


def _step_down(current, target, tiers, eligible, value, pending_since):
    lower = [tier for tier in tiers if tier.level < current.level]
    below = lower[-1] if lower else None
    if target and (below is None or target.level > below.level):
        below = target
    if below is None:
        return Decision(None, target.id if target else None, None, 'leave')
    still_pending = not (eligible and value >= below.keep)
    return Decision(below.id, target.id if target else None,
                    pending_since if still_pending else None, 'downgrade')


#: event codes of :func:`decide_many`
EVENTS = (None, 'upgrade', 'downgrade', 'leave', 'at_risk', 'recovered')
UPGRADE, RECOVERED = 1, 5


def decide_many(current_ids, values, eligible, tiers, pending_days, today_day, grace_days,
                locked, changed_days):
    """:func:`decide` for arrays of customers at once (numpy; same rule, same results).

    Ids are integers with 0 for none; dates are day numbers with -1 for none.

    :returns: ``(tier_ids, qualified_ids, pending_days, event_codes)`` arrays, events coded
        as indexes into :data:`EVENTS`.
    """
    current_ids = np.asarray(current_ids, dtype=np.int64)
    values = np.asarray(values, dtype=float)
    eligible = np.asarray(eligible, dtype=bool)
    pending_days = np.asarray(pending_days, dtype=np.int64)
    locked = np.asarray(locked, dtype=bool)
    changed_days = np.asarray(changed_days, dtype=np.int64)
    n = len(values)
    count = len(tiers)
    ids = np.array([0] + [tier.id for tier in tiers], dtype=np.int64)  # position 0: none
    level = np.array([0] + [tier.level for tier in tiers], dtype=np.int64)
    keep = np.array([0.0] + [tier.keep for tier in tiers], dtype=float)
    # qualified: the last tier (in level order) whose threshold the value meets
    target = np.zeros(n, dtype=np.int64)
    for position, tier in enumerate(tiers, 1):
        target = np.where(eligible & (values >= tier.threshold), position, target)
    # current: position of the current id among the tiers (the first one, as a dict keeps
    # the last of equal ids: tiers have unique ids), 0 when not one of them
    current = np.zeros(n, dtype=np.int64)
    for position in range(count, 0, -1):
        current = np.where(current_ids == ids[position], position, current)
    has_target = target > 0
    has_current = current > 0
    pending = pending_days >= 0
    stepped_today = (changed_days >= 0) & (changed_days >= today_day)
    # step down: the highest tier below the current level (last in order), or the target
    # when it is higher; from a pending date (or today when the grace period is zero)
    below = np.zeros(n, dtype=np.int64)
    for position in range(1, count + 1):
        below = np.where(level[position] < level[current], position, below)
    below = np.where(has_target & ((below == 0) | (level[target] > level[below])), target,
                     below)
    still_pending = ~(eligible & (values >= keep[below]))
    step_from = np.where(pending, pending_days, today_day)
    step_tier = ids[below]
    step_pending = np.where((below > 0) & still_pending, step_from, -1)
    step_event = np.where(below > 0, 2, 3)
    # the rule, in the order of decide()
    tier_out = current_ids.copy()
    pending_out = np.full(n, -1, dtype=np.int64)
    event = np.zeros(n, dtype=np.int64)
    decided = locked.copy()
    upgrade = ~decided & has_target & (~has_current | (level[target] > level[current]))
    tier_out[upgrade] = ids[target[upgrade]]
    event[upgrade] = 1
    decided |= upgrade
    no_tier = ~decided & ~has_current
    tier_out[no_tier] = 0
    decided |= no_tier
    kept = ~decided & eligible & (values >= keep[current])
    event[kept & pending] = 5
    decided |= kept
    step = ~decided & ((~pending & (grace_days <= 0)) | (
        pending & (today_day - pending_days >= grace_days))) & ~stepped_today
    tier_out[step] = step_tier[step]
    pending_out[step] = step_pending[step]
    event[step] = step_event[step]
    decided |= step
    warn = ~decided & ~pending
    pending_out[warn] = today_day
    event[warn] = 4
    decided |= warn
    wait = ~decided
    pending_out[wait] = pending_days[wait]
    return tier_out, ids[target], pending_out, event
