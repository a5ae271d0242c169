"""The seeded draw of the test sample and the holdout, free of Odoo.

A scored campaign's targeted customers are split, within each score decile, into a holdout
(never contacted: what happens without the campaign), a test sample (contacted first) and the
rest (contacted at rollout). The draw is reproducible from the campaign's seed alone, so the
same campaign always gets the same groups. Win-back enrolments draw their holdout one customer
at a time with :func:`seeded_uniform`.

>>> groups = stratified_split({1: [1, 2, 3, 4], 2: [5, 6, 7, 8]}, 0.25, 0.25, seed=7)
>>> sorted(groups.values()).count('holdout'), sorted(groups.values()).count('test')
(2, 2)
>>> groups == stratified_split({1: [4, 3, 2, 1], 2: [8, 7, 6, 5]}, 0.25, 0.25, seed=7)
True
"""
import math
import random


def _largest_remainder(sizes, share, room=None):
    """Integer quotas per stratum summing to round(total * share) (half up), each the floor
    or the ceiling of size * share and at most ``room``; the largest remainders get the
    ceilings, ties in stratum order. Where ``room`` cuts a quota the others make it up."""
    room = list(sizes) if room is None else list(room)
    exact = [size * share for size in sizes]
    floors = [int(math.floor(value + 1e-9)) for value in exact]
    quotas = [min(value, cap) for value, cap in zip(floors, room)]
    target = min(int(math.floor(sum(sizes) * share + 0.5 + 1e-9)), sum(room))
    order = sorted(range(len(sizes)), key=lambda i: (-(exact[i] - floors[i]), i))
    for ceiling_only in (True, False):
        for i in order:
            if sum(quotas) >= target:
                break
            limit = min(room[i], floors[i] + 1) if ceiling_only else room[i]
            while quotas[i] < limit and sum(quotas) < target:
                quotas[i] += 1
    return quotas


def stratified_split(strata, holdout_share, test_share, seed):
    """Draw the holdout and the test sample from ``strata`` ({stratum: [ids]}).

    Reproducible: each stratum's ids are sorted, then shuffled by ``random.Random`` seeded
    with ``"<seed>:<stratum>"`` (string seeds are hashed with SHA-512, stable across runs and
    Python versions). The first ids of each stratum form its holdout, the next its test
    sample. Quotas follow the largest-remainder rule so each share is met in total.

    :returns: ``{id: 'holdout' | 'test' | 'rollout'}``
    """
    keys = sorted(strata)
    ordered = {}
    for key in keys:
        ids = sorted(strata[key])
        random.Random('%s:%s' % (seed, key)).shuffle(ids)
        ordered[key] = ids
    sizes = [len(ordered[key]) for key in keys]
    holdout = _largest_remainder(sizes, holdout_share)
    test = _largest_remainder(sizes, test_share, [s - h for s, h in zip(sizes, holdout)])
    groups = {}
    for key, n_holdout, n_test in zip(keys, holdout, test):
        for position, item in enumerate(ordered[key]):
            if position < n_holdout:
                groups[item] = 'holdout'
            elif position < n_holdout + n_test:
                groups[item] = 'test'
            else:
                groups[item] = 'rollout'
    return groups


def seeded_uniform(seed, item):
    """A reproducible uniform number in [0, 1) for one item (win-back enrolments)."""
    return random.Random('%s:enrol:%s' % (seed, item)).random()
