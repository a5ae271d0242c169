import json
import math
import unittest

import numpy

from odoo.exceptions import ValidationError

from ..lib import scoring
from ..models import scoring_features
from .common import CampaignCase

TOL = 1e-9


def logistic(score):
    return 1.0 / (1.0 + math.exp(-(-3.0 + 2.0 * score / 100.0)))


class TestScoringPure(unittest.TestCase):
    """The plain scoring module."""

    def test_transforms(self):
        values = numpy.array([10.0, 40.0, numpy.nan, 400.0])
        self.assertEqual(scoring.transform(values, 'linear').tolist(),
                         [0.0, 30.0 / 390.0, 0.0, 1.0])
        self.assertEqual(scoring.transform(values, 'linear', invert=True).tolist(),
                         [1.0, 1.0 - 30.0 / 390.0, 0.0, 0.0])
        bounded = scoring.transform(values, 'linear', lower=0.0, upper=100.0)
        self.assertEqual(bounded.tolist(), [0.1, 0.4, 0.0, 1.0])
        logs = scoring.transform(numpy.array([0.0, 99.0, 9999.0]), 'log')
        self.assertAlmostEqual(logs[1], math.log(100) / math.log(10000), delta=TOL)
        buckets = scoring.transform(numpy.array([1.0, 2.0, 7.0, 10.0, 30.0]), 'bucket',
                                    thresholds=[2.0, 5.0, 10.0])
        self.assertEqual(buckets.tolist(), [0.0, 1 / 3, 2 / 3, 1.0, 1.0])
        flags = scoring.transform(numpy.array([0.0, 1.0, 3.0]), 'boolean', threshold=2.0)
        self.assertEqual(flags.tolist(), [0.0, 0.0, 1.0])
        flat = scoring.transform(numpy.array([5.0, 5.0]), 'linear')
        self.assertEqual(flat.tolist(), [0.5, 0.5])
        with self.assertRaises(ValueError):
            scoring.parse_thresholds('10, 5')

    def test_score_and_points(self):
        scores, points = scoring.score([[1.0, 0.5], [0.0, 1.0]], [3.0, 1.0])
        self.assertEqual(scores.tolist(), [87.5, 25.0])
        self.assertEqual(points.tolist(), [[75.0, 12.5], [0.0, 25.0]])
        with self.assertRaises(ValueError):
            scoring.score([[1.0]], [0.0])

    def test_deciles_and_selection(self):
        ids = numpy.arange(1, 13)
        scores = numpy.array([5, 90, 90, 10, 80, 70, 60, 50, 40, 30, 20, 15], dtype=float)
        # ranked: id2, id3 (tie by id), id5, id6, id7, id8, id9, id10, id11, id12, id4, id1
        self.assertEqual(scoring.deciles(scores, ids).tolist(),
                         [10, 1, 1, 9, 2, 2, 3, 4, 5, 6, 7, 8])
        profit = numpy.array([5.0, -1.0, 3.0, 4.0])
        cost = numpy.array([6.0, 1.0, 5.0, 2.0])
        eligible = numpy.array([True, True, True, False])
        selected, reason = scoring.select_by_expected_profit(
            profit, cost, eligible, 10.0, numpy.zeros(4), numpy.arange(4))
        # id0 (profit 5, cost 6) first, id2 (cost 5) no longer fits, id1 unprofitable
        self.assertEqual(selected.tolist(), [True, False, False, False])
        self.assertEqual(reason.tolist(), ['', 'unprofitable', 'budget', ''])


class TestScoringCampaign(CampaignCase):
    """Scoring a segment in the database, set-based, with exact values."""

    @classmethod
    def setUpClass(cls):
        super(TestScoringCampaign, cls).setUpClass()
        cls.p1 = cls.make_customer('Alpha', {'recency_days': 10, 'frequency': 12,
                                             'monetary': 5000.0, 'margin': 1500.0,
                                             'segment': 'champions', 'churn_risk': 'low'})
        cls.p2 = cls.make_customer('Beta', {'recency_days': 40, 'frequency': 6,
                                            'monetary': 2000.0, 'margin': 500.0,
                                            'segment': 'loyal', 'churn_risk': 'low'},
                                   email=False)
        cls.p3 = cls.make_customer('Gamma', {'recency_days': 200, 'frequency': 2,
                                             'monetary': 300.0, 'margin': 60.0,
                                             'segment': 'at_risk', 'churn_risk': 'high'})
        cls.p4 = cls.make_customer('Delta', {'recency_days': 400, 'frequency': 1,
                                             'monetary': 100.0, 'margin': 10.0,
                                             'segment': 'lost', 'churn_risk': 'high'})
        cls.p5 = cls.make_customer('Epsilon')  # a prospect: no customer value row

    def expected_scores(self):
        """Scores computed here by hand from the model's definition."""
        log = math.log1p
        lo, hi = log(100.0), log(5000.0)

        def money(m):
            return (log(m) - lo) / (hi - lo)
        recency = {'p1': 1.0, 'p2': 1 - 30 / 390, 'p3': 1 - 190 / 390, 'p4': 0.0, 'p5': 0.0}
        monetary = {'p1': 1.0, 'p2': money(2000.0), 'p3': money(300.0), 'p4': 0.0, 'p5': 0.0}
        frequency = {'p1': 1.0, 'p2': 2 / 3, 'p3': 1 / 3, 'p4': 0.0, 'p5': 0.0}
        champion = {'p1': 1.0, 'p2': 0.0, 'p3': 0.0, 'p4': 0.0, 'p5': 0.0}
        return {key: 100.0 * (2 * recency[key] + monetary[key] + frequency[key] +
                              champion[key]) / 5.0 for key in recency}

    def test_feature_registry(self):
        """One row per feature: keys unique, the loyalty figures first and all of them (as
        crm_loyalty lists them), the yes/no features compare with a value."""
        features = scoring_features.features(self.env)
        registry = scoring_features.by_key(self.env)
        keys = [feature.key for feature in features]
        self.assertEqual(len(keys), len(set(keys)))
        figures = scoring_features.loyalty_figure_keys(self.env)
        self.assertEqual(figures, tuple(self.env['crm.loyalty.value']._scoring_figures()))
        self.assertEqual(tuple(keys[:len(figures)]), figures)
        self.assertEqual(scoring_features.selection(self.env)[0],
                         ('recency_days', 'Recency (days, from the loyalty review)'))
        self.assertEqual({key for key in keys if registry[key].invert},
                         {'recency_days', 'days_since_purchase'})
        self.assertEqual(scoring_features.BOOLEAN_FEATURES, {
            'open_complaints', 'segment_is', 'churn_risk_is', 'city_is', 'country_is',
            'industry_is'})
        self.assertEqual({key for key in keys if registry[key].boolean},
                         scoring_features.BOOLEAN_FEATURES)
        frame = {'recency_days': numpy.array([3.0, numpy.nan]),
                 'last_invoice_date': numpy.array(['2024-02-20', 'NaT'],
                                                  dtype='datetime64[D]')}
        ctx = scoring_features.ScoringContext(None, '2024-03-01', None)
        self.assertEqual(registry['recency_days'].compute(None, frame, None, ctx)[0], 3.0)
        days = registry['days_since_purchase'].compute(None, frame, None, ctx)
        self.assertEqual(days[0], 10.0)
        self.assertTrue(math.isnan(days[1]))

    def test_feature_labels_are_translated(self):
        """The feature selection speaks the user's language (labels of the registry)."""
        if not self.env['res.lang'].search([('code', '=', 'fa_IR')]):
            self.env['res.lang'].load_lang('fa_IR')
        self.env['ir.translation'].load_module_terms(['crm_campaigns'], ['fa_IR'])
        labels = dict(self.env['crm.campaign.scoring.variable'].with_context(
            lang='fa_IR').fields_get(['feature'])['feature']['selection'])
        self.assertEqual(labels['recency_days'], 'تازگی (روز، از بازبینی وفاداری)')

    def test_deciles_match_postgresql_ntile(self):
        """The deciles of the scoring have the bucket sizes of PostgreSQL's ``ntile(10)``."""
        for count in (12, 23, 7):
            self.env.cr.execute("""
                SELECT ntile(10) OVER (ORDER BY g) FROM generate_series(1, %s) g ORDER BY g
            """, (count,))
            expected = [row[0] for row in self.env.cr.fetchall()]
            # descending scores, so rank order is id order
            deciles = scoring.deciles(numpy.arange(count, 0, -1, dtype=float),
                                      numpy.arange(1, count + 1))
            self.assertEqual(deciles.tolist(), expected)

    def test_scores_explanations_and_expected_profit(self):
        campaign = self.make_campaign()
        campaign.sudo(self.manager).action_score()
        self.assertEqual(campaign.state, 'scored')
        self.assertEqual(campaign.audience_count, 5)
        expected = self.expected_scores()
        for key in ('p1', 'p2', 'p3', 'p4', 'p5'):
            target = self.target_of(campaign, getattr(self, key))
            self.assertAlmostEqual(target.score, round(expected[key], 2), delta=0.005)
            detail = json.loads(target.score_detail)
            self.assertEqual(len(detail), 4)
            self.assertAlmostEqual(sum(item[2] for item in detail), expected[key], delta=1e-5)
            self.assertAlmostEqual(target.probability, logistic(expected[key]), delta=1e-4)
        alpha = self.target_of(campaign, self.p1)
        self.assertEqual(json.loads(alpha.score_detail)[0][1:], [10.0, 40.0])
        self.assertIn('Recency (days, from the loyalty review)', alpha.explanation)
        self.assertIn('100.00', alpha.explanation)
        # Alpha: p = logistic(100) = 0.268941...; expected profit = 100 p - 1 (email)
        self.assertAlmostEqual(alpha.expected_profit, 100 * logistic(100.0) - 1.0, delta=0.005)
        self.assertEqual(alpha.channel, 'email')
        beta = self.target_of(campaign, self.p2)
        self.assertEqual((beta.channel, beta.contact_cost), ('phone', 5.0))
        epsilon = self.target_of(campaign, self.p5)
        self.assertEqual(json.loads(epsilon.score_detail)[0][1], None)
        self.assertEqual([self.target_of(campaign, p).decile for p in (
            self.p1, self.p2, self.p3, self.p4, self.p5)], [1, 2, 3, 4, 5])
        # prospects: p = logistic(0) = 0.047426; 100 p - 1 = 3.74 > 0: all five selected
        self.assertEqual(campaign.selected_count, 5)

    def test_value_domain_segment(self):
        """A segment written on the customer value figures (crm_loyalty)."""
        self.segment.value_domain = "[('churn_risk', '=', 'high')]"
        campaign = self.make_campaign()
        campaign.sudo(self.manager).action_score()
        self.assertEqual(set(campaign.target_ids.mapped('partner_id').ids),
                         {self.p3.id, self.p4.id})
        self.assertEqual(self.segment.partner_count, 2)

    def test_market_domain(self):
        self.p2.country_id = self.env.ref('base.ir')
        self.market.country_ids = self.env.ref('base.ir')
        campaign = self.make_campaign()
        campaign.sudo(self.manager).action_score()
        self.assertEqual(campaign.target_ids.mapped('partner_id'), self.p2)

    def test_customer_margin_and_more_variables(self):
        category = self.env['product.category'].create({'name': 'Campaign spares'})
        self.product.categ_id = category
        self.make_invoice(self.p3, '2024-01-15', [(self.product, 1, 100.0)])
        self.model.write({'variable_ids': [
            (0, 0, {'feature': 'bought_category', 'weight': 1.0, 'transform': 'boolean',
                    'threshold': 1.0, 'category_id': category.id}),
            (0, 0, {'feature': 'days_since_purchase', 'weight': 1.0, 'transform': 'linear',
                    'use_bounds': True, 'lower': 0.0, 'upper': 100.0, 'invert': True}),
            (0, 0, {'feature': 'city_is', 'weight': 1.0, 'transform': 'boolean',
                    'match_value': 'tehran'}),
        ]})
        self.env['crm.loyalty.value'].search([('partner_id', '=', self.p1.id)]).write(
            {'last_invoice_date': '2024-02-10'})
        self.p4.city = 'Shiraz'
        campaign = self.make_campaign(margin_source='customer')
        campaign.sudo(self.manager).action_score()
        alpha = self.target_of(campaign, self.p1)
        detail = {item[0]: item[1:] for item in json.loads(alpha.score_detail)}
        variables = self.model.variable_ids
        bought, since, city = variables[4], variables[5], variables[6]
        self.assertEqual(detail[bought.id], [0.0, 0.0])
        # 2024-03-01 - 2024-02-10 = 20 days -> 1 - 20/100 = 0.8 of 1/8 of 100 points
        self.assertEqual(detail[since.id][0], 20.0)
        self.assertAlmostEqual(detail[since.id][1], 100.0 * 0.8 / 8.0, delta=1e-6)
        self.assertEqual(detail[city.id], [1.0, 12.5])
        gamma = {item[0]: item[1:] for item in json.loads(
            self.target_of(campaign, self.p3).score_detail)}
        self.assertEqual(gamma[bought.id], [1.0, 12.5])
        delta = {item[0]: item[1:] for item in json.loads(
            self.target_of(campaign, self.p4).score_detail)}
        self.assertEqual(delta[city.id], [0.0, 0.0])
        # customer margin per purchase: 1500 / 12 = 125 for Alpha; Epsilon falls back to 100
        self.assertEqual(alpha.expected_margin, 125.0)
        self.assertEqual(self.target_of(campaign, self.p5).expected_margin, 100.0)

    def test_variable_constraints(self):
        Variable = self.env['crm.campaign.scoring.variable']
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            Variable.create({'model_id': self.model.id, 'feature': 'monetary',
                             'weight': 0.0})
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            Variable.create({'model_id': self.model.id, 'feature': 'frequency',
                             'transform': 'bucket', 'thresholds': '5, 2'})
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            Variable.create({'model_id': self.model.id, 'feature': 'city_is',
                             'transform': 'linear', 'match_value': 'Tehran'})
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            Variable.create({'model_id': self.model.id, 'feature': 'industry_is',
                             'transform': 'boolean'})
