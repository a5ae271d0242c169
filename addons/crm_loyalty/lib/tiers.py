"""Loyalty class transitions: qualification, hysteresis, grace period, one step down.

Classes of a company, ordered by level, each with a qualifying ``threshold`` and a lower
``keep`` threshold over one metric. A customer is *eligible* only with at least one purchase
in the window; a value meets a threshold when ``value >= threshold``.

* qualified class: the highest class whose threshold the value meets (none if not eligible);
* upgrade at once when the qualified class is above the current one (or the customer has no
  class yet);
* the current class is kept while the value meets its keep threshold; then a grace period
  starts (the retention warning);
* when the grace period has run out, each review lowers the class by one level (never below
  the qualified class, down to no class), until the value meets the keep threshold of the
  class reached again; at most one step per review day, so a second review on the same day
  changes nothing;
* a locked class never changes (the qualified class is still reported).
"""
import collections

Tier = collections.namedtuple('Tier', 'id level threshold keep')
Decision = collections.namedtuple('Decision', 'tier_id qualified_id pending_since event')

#: events: 'upgrade' (includes entering the programme), 'downgrade', 'leave' (lost the last
#: class), 'at_risk' (grace period started), 'recovered' (back above keep), None


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
    """Next class of one customer. ``tiers`` sorted by level ascending; dates are ``date``;
    ``changed_on`` is the day the class last changed."""
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
