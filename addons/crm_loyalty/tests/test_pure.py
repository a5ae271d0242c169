import doctest
from datetime import date

from odoo.tests.common import TransactionCase

from ..lib import abc, churn, clv, national_id, rfm, tiers


class TestPureModules(TransactionCase):
    """The plain-Python definitions, on hand-made inputs with known answers."""

    def test_quintiles_distinct_values(self):
        edges = rfm.quintile_edges(list(range(1, 11)))
        self.assertEqual(edges, [2, 4, 6, 8])
        self.assertEqual(rfm.scores(list(range(1, 11)), edges), [1, 1, 2, 2, 3, 3, 4, 4, 5, 5])

    def test_quintiles_ties_at_an_edge_share_the_score(self):
        values = [1, 1, 1, 2, 2]
        edges = rfm.quintile_edges(values)
        self.assertEqual(edges, [1, 1, 1, 2])
        # the two 2s straddle the 4/5 edge: both get 4, 5 is skipped, 1s all get 1
        self.assertEqual(rfm.scores(values, edges), [1, 1, 1, 4, 4])
        self.assertEqual(rfm.score(3, edges), 5)
        self.assertEqual(rfm.quintile_edges([]), [])

    def test_segment_table_and_composite(self):
        self.assertEqual(rfm.segment(5, 5), 'champions')
        self.assertEqual(rfm.segment(4, 4), 'loyal')
        self.assertEqual(rfm.segment(5, 1), 'new')
        self.assertEqual(rfm.segment(4, 3), 'potential')
        self.assertEqual(rfm.segment(2, 3), 'at_risk')
        self.assertEqual(rfm.segment(1, 5), 'cant_lose')
        self.assertEqual(rfm.segment(3, 2), 'hibernating')
        self.assertEqual(rfm.segment(1, 1), 'lost')
        self.assertEqual(len({rfm.segment(r, f) for r in range(1, 6) for f in range(1, 6)}), 8)
        self.assertEqual(rfm.cell(5, 4, 3), '543')
        self.assertEqual(rfm.composite(5, 5, 5), 100.0)
        self.assertEqual(rfm.composite(1, 1, 1), 0.0)
        self.assertEqual(rfm.composite(5, 1, 3, (2.0, 1.0, 1.0)), 62.5)
        with self.assertRaises(ValueError):
            rfm.composite(1, 1, 1, (0, 0, 0))

    def test_abc_cutoffs_and_ties(self):
        items = [(1, 2500.0), (2, 1800.0), (3, 800.0), (4, 500.0), (5, 250.0), (6, 0.0)]
        edges = abc.edges(items)
        self.assertEqual([abc.classify(pid, rev, edges) for pid, rev in items],
                         ['A', 'A', 'A', 'B', 'C', 'C'])
        # equal revenue: the lower partner id comes first
        tie = abc.edges([(7, 100.0), (3, 100.0)], a=0.5, b=0.5)
        self.assertEqual(abc.classify(3, 100.0, tie), 'A')
        self.assertEqual(abc.classify(7, 100.0, tie), 'C')
        with self.assertRaises(ValueError):
            abc.edges(items, a=0.9, b=0.8)

    def test_simple_clv_and_retention(self):
        self.assertAlmostEqual(clv.simple(1000.0, 0.8, 0.1), 2666.6667, places=4)
        self.assertEqual(clv.simple(1000.0, 0.0, 0.1), 0.0)
        with self.assertRaises(ValueError):
            clv.simple(1000.0, 1.2, 0.1)
        with self.assertRaises(ValueError):
            clv.simple(1000.0, 0.5, 0.0)
        rows = [('loyal', True, True)] * 4 + [('loyal', True, False)] + \
            [('lost', True, False)] * 2 + [('new', False, True)]
        rates, company = clv.retention_rates(rows, min_base=5)
        self.assertEqual(rates['loyal'], 0.8)
        self.assertAlmostEqual(company, 4 / 7.0)
        self.assertAlmostEqual(rates['lost'], 4 / 7.0)  # 2 < 5: the company rate
        self.assertNotIn('new', rates)

    def test_national_id(self):
        self.assertTrue(national_id.is_valid('0499370899'))
        self.assertEqual(national_id.check_digit('049937089'), 9)
        self.assertFalse(national_id.is_valid('0499370898'))
        self.assertFalse(national_id.is_valid('1111111111'))
        self.assertFalse(national_id.is_valid('12345'))
        self.assertEqual(national_id.normalize('۰۴۹۹-۳۷۰ ۸۹۹'), '0499370899')
        self.assertIsNone(national_id.normalize(''))

    def test_tier_decisions(self):
        classes = [tiers.Tier(1, 1, 1.0, 1.0), tiers.Tier(2, 2, 1000.0, 800.0),
                   tiers.Tier(3, 3, 5000.0, 4000.0)]
        today = date(2024, 6, 30)
        # entry and upgrade at once, two levels if earned
        self.assertEqual(tiers.decide(None, 6000, True, classes, None, today, 30),
                         (3, 3, None, 'upgrade'))
        # hysteresis: 900 is below Silver's threshold but above its keep threshold
        self.assertEqual(tiers.decide(2, 900, True, classes, None, today, 30),
                         (2, 1, None, None))
        # below keep: the grace period starts
        self.assertEqual(tiers.decide(3, 100, True, classes, None, today, 30),
                         (3, 1, today, 'at_risk'))
        # grace not over
        self.assertEqual(tiers.decide(3, 100, True, classes, date(2024, 6, 10), today, 30),
                         (3, 1, date(2024, 6, 10), None))
        # grace over: one level down only, still pending
        self.assertEqual(tiers.decide(3, 100, True, classes, date(2024, 5, 1), today, 30),
                         (2, 1, date(2024, 5, 1), 'downgrade'))
        # a second step the same day is refused
        self.assertEqual(tiers.decide(2, 100, True, classes, date(2024, 5, 1), today, 30,
                                      changed_on=today), (2, 1, date(2024, 5, 1), None))
        # not eligible (no purchase in the window): falls to no class in the end
        self.assertEqual(tiers.decide(1, 0, False, classes, date(2024, 5, 1), today, 30),
                         (None, None, None, 'leave'))
        # recovering above keep clears the warning
        self.assertEqual(tiers.decide(3, 4500, True, classes, date(2024, 6, 10), today, 30),
                         (3, 2, None, 'recovered'))
        # locked: nothing moves, the qualified class is still reported
        self.assertEqual(tiers.decide(1, 6000, True, classes, None, today, 30, locked=True),
                         (1, 3, None, None))

    def test_tier_decisions_vectorised_match_one_by_one(self):
        """decide_many (the review's path) gives decide's answer in every case of a grid:
        current class (none, each, unknown), values around every threshold and keep
        threshold, eligibility, pending dates around the grace period, lock, class changed
        today, grace zero."""
        classes = [tiers.Tier(11, 1, 1.0, 1.0), tiers.Tier(12, 2, 1000.0, 800.0),
                   tiers.Tier(13, 3, 5000.0, 4000.0)]
        today = date(2024, 6, 30)
        epoch = date(1970, 1, 1)
        cases = []
        for current in (None, 11, 12, 13, 99):
            for value in (0.0, 1.0, 799.0, 800.0, 999.0, 1000.0, 3999.0, 4000.0, 5000.0):
                for eligible in (True, False):
                    for pending in (None, date(2024, 6, 10), date(2024, 5, 31),
                                    date(2024, 5, 1)):
                        for locked in (False, True):
                            for changed_on in (None, date(2024, 1, 1), today):
                                cases.append((current, value, eligible, pending, locked,
                                              changed_on))
        for grace in (30, 0):
            expected = [tiers.decide(c, v, e, classes, p, today, grace, locked=lock,
                                     changed_on=ch)
                        for c, v, e, p, lock, ch in cases]

            def days(value):
                return (value - epoch).days if value else -1

            tier_ids, qualified, pending, events = tiers.decide_many(
                [c or 0 for c, *_r in cases], [case[1] for case in cases],
                [case[2] for case in cases], classes, [days(case[3]) for case in cases],
                days(today), grace, [case[4] for case in cases],
                [days(case[5]) for case in cases])
            got = [(t or None, q or None,
                    date.fromordinal(epoch.toordinal() + p) if p >= 0 else None,
                    tiers.EVENTS[e])
                   for t, q, p, e in zip(tier_ids.tolist(), qualified.tolist(),
                                         pending.tolist(), events.tolist())]
            for case, want, have in zip(cases, expected, got):
                self.assertEqual(tuple(want), have, 'grace %s, case %s' % (grace, (case,)))

    def test_complaint_rule_examples(self):
        """The churn rules' runnable examples (lib/churn.py) hold."""
        self.assertEqual(doctest.testmod(churn).failed, 0)
        risk = churn.complaint_raises([None, 'low'], top=[True, True], unresolved=[True, True],
                                      buyer=[False, True])
        self.assertEqual(risk.tolist(), [None, 'high'])
