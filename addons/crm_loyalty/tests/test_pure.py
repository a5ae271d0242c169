import doctest
import json
import unittest
from datetime import date

import numpy as np

from ..lib import (abc, attitude, bulk, churn, clv, cost_to_serve, customer_type, engine,
                   invoice_lines, ladder, national_id, rfm, table, tiers)


class TestPureModules(unittest.TestCase):
    """The plain-Python definitions, on hand-made inputs with known answers: the functions
    the review runs (no database)."""

    def test_quintiles_distinct_values(self):
        edges = rfm.quintile_edges(list(range(1, 11)))
        self.assertEqual(edges, [2, 4, 6, 8])
        self.assertEqual(rfm.scores(list(range(1, 11)), edges).tolist(),
                         [1, 1, 2, 2, 3, 3, 4, 4, 5, 5])

    def test_quintiles_ties_at_an_edge_share_the_score(self):
        values = [1, 1, 1, 2, 2]
        edges = rfm.quintile_edges(values)
        self.assertEqual(edges, [1, 1, 1, 2])
        # the two 2s straddle the 4/5 edge: both get 4, 5 is skipped, 1s all get 1
        self.assertEqual(rfm.scores(values, edges).tolist(), [1, 1, 1, 4, 4])
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
        self.assertEqual(abc.classify(*zip(*items), abc_edges=edges).tolist(),
                         ['A', 'A', 'A', 'B', 'C', 'C'])
        # equal revenue: the lower partner id comes first
        tie = abc.edges([(7, 100.0), (3, 100.0)], a=0.5, b=0.5)
        self.assertEqual(abc.classify([3, 7], [100.0, 100.0], tie).tolist(), ['A', 'C'])
        # through JSON (as the review stores the edges), for buyers only
        self.assertEqual(abc.classify([3, 7, 9], [100.0, 100.0, 0.0],
                                      json.loads(json.dumps(tie)),
                                      buyer=np.array([True, True, False])).tolist(),
                         ['A', 'C', None])
        with self.assertRaises(ValueError):
            abc.edges(items, a=0.9, b=0.8)

    def test_simple_clv_and_retention(self):
        self.assertAlmostEqual(clv.simple(1000.0, 0.8, 0.1), 2666.6667, places=4)
        self.assertEqual(clv.simple(1000.0, 0.0, 0.1), 0.0)
        self.assertEqual(np.round(clv.simple(np.array([1000.0, 600.0]), np.array([0.8, 0.5]),
                                             0.1), 2).tolist(), [2666.67, 500.0])
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

    def test_every_lib_module_runs_its_examples(self):
        """The runnable examples in the docstrings of lib hold."""
        for module in (abc, attitude, bulk, churn, clv, cost_to_serve, customer_type, ladder,
                       rfm, table, tiers):
            result = doctest.testmod(module)
            self.assertEqual(result.failed, 0, module.__name__)
            self.assertGreater(result.attempted, 0, module.__name__)

    def test_rfm_scores_of_customers_and_segments(self):
        edges = rfm.population_edges(np.array([5, 10, 20, 40, 80]), np.array([1, 2, 3, 4, 5]),
                                     np.array([10.0, 20.0, 30.0, 40.0, 50.0]))
        self.assertEqual(edges['r'], [-80.0, -40.0, -20.0, -10.0])
        r, f, m = rfm.customer_scores(np.array([5, 80, 0]), np.array([5, 1, 0]),
                                      np.array([50.0, 10.0, 0.0]),
                                      np.array([True, True, False]), edges)
        self.assertEqual((r.tolist(), f.tolist(), m.tolist()),
                         ([5, 1, 0], [5, 1, 0], [5, 1, 0]))
        self.assertEqual(rfm.segments(r, f).tolist(), ['champions', 'lost', None])
        self.assertEqual(rfm.composite(r, f, m).tolist(), [100.0, 0.0, -25.0])

    def test_cost_to_serve_profit_and_index(self):
        discount = np.array([10.0, 0.0, 0.0])
        extras = [(1, {'Returns': 5.0, 'Calls': 2.5})]
        cost = cost_to_serve.costs(discount, extras, 3)
        self.assertEqual(cost.tolist(), [10.0, 7.5, 0.0])
        self.assertEqual(cost_to_serve.details(discount, extras, 'Discounts').tolist(),
                         ['Discounts: 10.00', 'Calls: 2.50\nReturns: 5.00', None])
        profit = cost_to_serve.profits(np.array([40.0, 20.0, 0.0]), cost)
        self.assertEqual(profit.tolist(), [30.0, 12.5, 0.0])
        index = cost_to_serve.ideal_indexes(np.array([100.0, 50.0, 0.0]),
                                            np.array([40.0, 20.0, 0.0]), cost, profit)
        self.assertEqual(index[:2].tolist(), [30.0 / 70.0, 12.5 / 37.5])
        self.assertTrue(np.isnan(index[2]))
        self.assertEqual(cost_to_serve.discount_shares(np.array([90.0, 0.0]),
                                                       np.array([10.0, 0.0])).tolist(),
                         [0.1, 0.0])

    def test_churn_gap_ratio_and_risk(self):
        buyer = np.array([True, True, True, False])
        ratio = churn.gap_ratios(np.array([30, 30, 400, 0]), np.array([3, 1, 2, 0]),
                                 np.array([0, 0, 0, -1]), np.array([20, 0, 100, -1]),
                                 buyer, median_gap=60.0, window_months=12)
        self.assertEqual(ratio[:3].tolist(), [3.0, 0.5, 4.0])
        self.assertTrue(np.isnan(ratio[3]))
        limits = churn.Limits(0.3, 0.6, 3.5, 2.0)
        risk = churn.risks(np.array([0.9, 0.2, np.nan, np.nan]), ratio, buyer, limits)
        self.assertEqual(risk.tolist(), ['medium', 'high', 'high', None])
        self.assertEqual(churn.median_gap(np.array([3, 2, 1]), np.array([0, 0, 5]),
                                          np.array([20, 30, 5])), 20.0)
        self.assertIsNone(churn.median_gap(np.array([1]), np.array([0]), np.array([0])))

    def test_ladder_types_and_customer_types(self):
        buyer = np.array([True, True, True, True, False])
        known = np.array([True, True, False, True, False])
        score = np.array([0.8, 0.9, np.nan, 0.2, np.nan])
        stage = ladder.stages(buyer, np.zeros(5, dtype=bool), np.array([4, 1, 3, 3, 0]),
                              np.array([2, 1, 2, 0, 0]), np.array([1, 0, 1, 1, 0]),
                              ladder.incentive_free_rates(np.array([2, 0, 2, 1, 0]),
                                                          np.array([2, 0, 0, 1, 0])),
                              score, known, np.zeros(5, dtype=np.int64))
        self.assertEqual(stage.tolist(), ['loyal', 'first_time', 'client', 'repeat', 'suspect'])
        self.assertEqual(attitude.loyalty_types(stage, score, known, buyer).tolist(),
                         ['true', 'latent', 'unknown', 'none', None])
        self.assertEqual(customer_type.types(
            np.array([2, 1, 2, 0, 0]), np.array([0.5, 0.0, 0.1, 0.0, 0.0]), 0.5,
            np.array([False, False, True, True, True]), buyer,
            np.array(['low', 'low', 'high', 'low', None], dtype=object)).tolist(),
            ['mercenary', None, 'defector', 'defector', None])

    def test_qualification_values(self):
        scores = np.array([62.5, 0.0])
        self.assertEqual(tiers.qualification_values('score', scores, None, None, None).tolist(),
                         [62.5, 0.0])
        self.assertEqual(tiers.qualification_values(
            'monetary', None, None, np.array([1000.004, 5.0]), None).tolist(), [1000.0, 5.0])
        self.assertEqual(tiers.qualification_values(
            'frequency', None, np.array([3, 0]), None, None).tolist(), [3.0, 0.0])

    def test_engine_end_to_end_on_a_small_company(self):
        """The engine's steps in their order on three customers and a partner without
        invoices: figures, parameters, per-customer figures, tiers, written columns."""
        day = engine.day_number(date(2024, 6, 30))
        rows = [(1, day - 400, day - 10, 3, 3000.0, 2, 2000.0, 800.0, 100.0, 1, 1, 1, 1000.0),
                (2, day - 30, day - 30, 1, 500.0, 1, 500.0, 200.0, 0.0, 0, 0, 0, 0.0),
                (4, None, None, 0, -50.0, 0, -50.0, -20.0, 0.0, 0, 0, 0, 0.0)]
        figures = table.Customers.from_rows(rows)
        settings = engine.Settings(12, (1.0, 1.0, 1.0), 0.8, 0.15, 0.1, 12,
                                   churn.Limits(0.3, 0.6, 3.0, 2.0), 0.3, 'monetary', 30)
        params = json.loads(json.dumps(engine.population_params(figures, day, settings)))
        self.assertEqual(params['abc_edges'], [[-2000.0, 1], [-500.0, 2]])
        self.assertEqual(params['median_gap'], 195.0)
        customers = figures.aligned([1, 2, 3, 4])
        inputs = engine.Inputs({1: {'Returns': 50.0}}, 'Discounts', {1: 0.9}, {2}, {3}, {})
        engine.compute(customers, params, settings, day, inputs)
        self.assertEqual(customers.abc.tolist(), ['A', 'B', None, None])
        self.assertEqual(customers.cost_to_serve.tolist(), [150.0, 0.0, 0.0, 0.0])
        self.assertEqual(customers.profit.tolist(), [650.0, 200.0, 0.0, -20.0])
        self.assertEqual(customers.clv_method.tolist(), ['simple', 'simple', None, None])
        self.assertEqual(customers.ladder_stage.tolist(),
                         ['loyal', 'first_time', 'prospect', 'suspect'])
        self.assertEqual(customers.loyalty_type.tolist(), ['true', 'unknown', None, None])
        classes = [tiers.Tier(11, 1, 100.0, 50.0), tiers.Tier(12, 2, 1000.0, 800.0)]
        changes = engine.decide_tiers(customers, classes, [(2, 70, 12, 0, -1, -1)], day, 30)
        self.assertEqual(changes, [(1, None, 12, 'upgrade'), (2, 12, 12, 'at_risk')])
        # the complaint rule: a buyer of the top tier with an unresolved complaint
        self.assertEqual(customers.churn_risk.tolist(), ['low', 'high', None, None])
        columns = engine.written_columns(customers, day)
        self.assertEqual(sorted(columns), sorted(engine.WRITTEN_COLUMNS))
        self.assertEqual(columns['tier_id'].tolist(), [12, 12, bulk.INT_NULL, bulk.INT_NULL])
        self.assertEqual(columns['rfm_cell'].tolist()[2:], [None, None])

    def test_invoice_line_cost_sql_is_one_statement_part(self):
        """The invoice-line cost is one SQL definition: the cost rule reads the company's
        cost before the company-less one, and the line cost carries the currency factor."""
        self.assertIn('company_id IS NULL', invoice_lines.PRODUCT_COST_SQL)
        self.assertIn(invoice_lines.LINE_FACTOR_SQL, invoice_lines.LINE_COST_SQL)
        self.assertIn('{so_price}', invoice_lines.LINE_COST_SQL)
