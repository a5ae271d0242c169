"""Complaint KPI formulas, without the database (the figures come from SQL aggregates).

Definitions (documented in readme/USAGE.rst):

* CSAT: share of ratings 4 or 5 among the answered ratings (1-5 scale), in percent; the answer
  rate is the share of rating requests that were answered.
* SLA compliance: share of decided SLA targets (met or breached) that were met.
* First contact resolution: share of resolved complaints resolved without the customer having
  to come back (one customer contact, never reopened).
* Reopen rate: share of closed complaints that were reopened at least once.
* Complaints per 100 orders: complaints received per 100 confirmed sale orders of the period.
* Word of mouth: each dissatisfied complaint is told to ``factor`` people (seed: 8-10).
"""

SATISFIED_MIN = 4  # ratings 4 and 5 count as satisfied (CSAT)
RATING_MIN, RATING_MAX = 1, 5
# Odoo's own rating links and pages (1, 5, 10: three smileys) onto the 1-5 scale
ODOO_RATES = {1: 1, 5: 3, 10: 5}


def ratio(part, total, scale=100.0):
    """``part / total * scale``, or ``None`` when nothing was measured (never a made-up 0)."""
    if not total:
        return None
    return part * scale / total


def csat(ratings):
    """CSAT in percent of an iterable of 1-5 ratings; ``None`` when there is none."""
    ratings = list(ratings)
    for rating in ratings:
        check_rating(rating)
    return ratio(sum(1 for rating in ratings if rating >= SATISFIED_MIN), len(ratings))


def check_rating(score):
    """Raise ``ValueError`` unless ``score`` is an integer from 1 to 5."""
    if isinstance(score, bool) or not isinstance(score, int) \
            or not RATING_MIN <= score <= RATING_MAX:
        raise ValueError("a rating is a whole number from %d to %d, got %r"
                         % (RATING_MIN, RATING_MAX, score))
    return score


def rating_to_odoo(score):
    """1-5 rating onto ``rating.rating``'s 0-10 scale (4-5 land on 'satisfied' >= 7)."""
    return check_rating(score) * 2


def attitude(ratings):
    """Attitude score in [0, 1] from 1-5 ratings: the mean rescaled; ``None`` without any."""
    ratings = [check_rating(rating) for rating in ratings]
    if not ratings:
        return None
    return (sum(ratings) / float(len(ratings)) - RATING_MIN) / (RATING_MAX - RATING_MIN)


def pareto(rows):
    """Pareto table of ``(key, label, count, cost)`` rows.

    Sorted by count (then cost, then label), each row gets its share and the cumulative share in
    percent, and ``vital`` is True for the rows up to and including the one that reaches 80 %.

    :returns: list of dicts with key, label, count, cost, share, cumulative, vital
    """
    rows = sorted(rows, key=lambda row: (-row[2], -(row[3] or 0.0), row[1] or ''))
    total = sum(row[2] for row in rows)
    result, running, reached = [], 0, False
    for key, label, count, cost in rows:
        running += count
        cumulative = ratio(running, total)
        result.append({
            'key': key, 'label': label, 'count': count, 'cost': cost or 0.0,
            'share': ratio(count, total), 'cumulative': cumulative, 'vital': not reached,
        })
        if cumulative is not None and cumulative >= 80.0:
            reached = True
    return result


def word_of_mouth(dissatisfied, factor):
    """People told about a bad experience: dissatisfied complaints times the factor."""
    return dissatisfied * factor
