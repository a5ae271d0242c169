from odoo.exceptions import AccessError, UserError
from odoo.addons.crm_loyalty.tests.helpers import load_migration

from ..lib import stats
from .common import CampaignCase

TOL = 1e-6


class TestEvaluation(CampaignCase):
    """Evaluation numbers, the decision and the recalibration, with exact values."""

    @classmethod
    def setUpClass(cls):
        super(TestEvaluation, cls).setUpClass()
        cls.make_audience(400)

    def started(self, **values):
        vals = dict(test_share=25.0, holdout_share=25.0, min_sample=50)
        vals.update(values)
        campaign = self.make_campaign(**vals)
        campaign.sudo(self.manager).action_score()
        campaign.sudo(self.manager).action_start_test()
        return campaign

    def set_outcomes(self, campaign, group, buyers, margin_each, accepted=0):
        """Mark the first ``buyers`` members of ``group`` (by score) as having bought, with
        ``margin_each`` invoiced margin in the window (what the attribution would write)."""
        members = campaign.target_ids.filtered(lambda t: t.target_group == group).sorted(
            lambda t: (-t.score, t.id))
        self.env.cr.execute("""
            UPDATE crm_campaign_target SET converted = TRUE, window_margin = %s,
                   window_revenue = %s WHERE id = ANY(%s)
        """, (margin_each, margin_each * 2, members[:buyers].ids))
        if accepted:
            members[:accepted].sudo(self.user).write({'response': 'accepted'})
        campaign.target_ids.invalidate_cache()
        return members

    def test_go_with_its_numbers(self):
        campaign = self.started()
        self.assertEqual((campaign.test_count, campaign.holdout_count), (100, 100))
        self.set_outcomes(campaign, 'test', 30, 200.0, accepted=25)
        self.set_outcomes(campaign, 'holdout', 12, 150.0)
        campaign._evaluate()
        reference = stats.two_proportion_ztest(30, 100, 12, 100)
        self.assertEqual((campaign.eval_test_size, campaign.eval_test_converted,
                          campaign.eval_holdout_size, campaign.eval_holdout_converted,
                          campaign.eval_test_accepted, campaign.eval_test_responded),
                         (100, 30, 100, 12, 25, 25))
        self.assertAlmostEqual(campaign.eval_rate_test, 0.30, delta=TOL)
        self.assertAlmostEqual(campaign.eval_uplift, 0.18, delta=TOL)
        self.assertAlmostEqual(campaign.eval_z, reference.z, delta=TOL)
        self.assertAlmostEqual(campaign.eval_z, 0.18 / (0.21 * 0.79 * 0.02) ** 0.5, delta=TOL)
        self.assertAlmostEqual(campaign.eval_p_value, reference.p_value, delta=1e-8)
        self.assertAlmostEqual(campaign.eval_ci_low, reference.ci_low, delta=TOL)
        # margin per target: test 30 x 200 / 100 = 60, holdout 12 x 150 / 100 = 18
        self.assertEqual((campaign.eval_margin_test, campaign.eval_margin_holdout,
                          campaign.eval_margin_uplift), (60.0, 18.0, 42.0))
        self.assertEqual((campaign.decision, campaign.decision_reason), ('go', 'profitable'))
        lines = campaign.decision_note.split('\n')
        self.assertEqual(lines[0], 'Test sample: 100 contacted, 25 responded, 25 accepted; 30 '
                                   'bought within the window (30.00 %).')
        self.assertEqual(lines[1], 'Holdout: 100 never contacted; 12 bought within the window '
                                   '(12.00 %).')
        self.assertEqual(lines[2], 'Uplift in buying: +18.00 points, 95 %% interval [%+.2f, '
                                   '%+.2f], z = %.3f, p = %.4f.' % (
                                       100 * reference.ci_low, 100 * reference.ci_high,
                                       reference.z, reference.p_value))
        self.assertEqual(lines[3], 'Invoiced margin per target: test 60.00, holdout 18.00, '
                                   'uplift +42.00, interval [%+.2f, %+.2f], against a contact '
                                   'cost of 1.00.' % (campaign.eval_margin_ci_low,
                                                      campaign.eval_margin_ci_high))
        self.assertEqual(lines[-1], 'Decision: Go (Significant and profitable).')

    def test_inconclusive_below_minimum_sample(self):
        campaign = self.started(min_sample=150)
        self.set_outcomes(campaign, 'test', 30, 200.0)
        self.set_outcomes(campaign, 'holdout', 12, 150.0)
        campaign._evaluate()
        self.assertEqual((campaign.decision, campaign.decision_reason), ('inconclusive', 'sample'))
        self.assertIn('The test sample has 100 members, fewer than the minimum of 150.',
                      campaign.decision_note)
        self.assertIn('The holdout has 100 members, fewer than the minimum of 150.',
                      campaign.decision_note)

    def test_no_go_when_unprofitable(self):
        campaign = self.started(channel_ids=[(0, 0, {'channel': 'email',
                                                     'cost_per_contact': 2.0})],
                                expected_margin=500.0)
        self.set_outcomes(campaign, 'test', 30, 6.0)
        self.set_outcomes(campaign, 'holdout', 12, 5.0)
        campaign._evaluate()
        # margin per target 1.80 - 0.60 = 1.20 < 2.00 per contact
        self.assertAlmostEqual(campaign.eval_margin_uplift, 1.2, delta=TOL)
        self.assertEqual((campaign.decision, campaign.decision_reason), ('no_go', 'unprofitable'))

    def test_no_go_when_worse_and_inconclusive_when_flat(self):
        campaign = self.started()
        self.set_outcomes(campaign, 'test', 10, 100.0)
        self.set_outcomes(campaign, 'holdout', 30, 100.0)
        campaign._evaluate()
        self.assertEqual((campaign.decision, campaign.decision_reason), ('no_go', 'negative'))
        other = self.started(name='Flat', seed=99)
        self.set_outcomes(other, 'test', 20, 100.0)
        self.set_outcomes(other, 'holdout', 18, 100.0)
        other._evaluate()
        self.assertEqual((other.decision, other.decision_reason),
                         ('inconclusive', 'not_significant'))

    def test_evaluate_action_recalibrates(self):
        """The action measures the invoices (none here: nobody bought), records the stated
        acceptances, recalibrates on them and decides."""
        campaign = self.started()
        test = campaign.target_ids.filtered(lambda t: t.target_group == 'test').sorted(
            lambda t: (-t.score, t.id))
        test[:20].sudo(self.user).write({'response': 'accepted'})
        test[40:45].sudo(self.user).write({'response': 'accepted'})
        test[50:85].sudo(self.user).write({
            'response': 'rejected',
            'rejection_reason_id': self.env.ref('crm_campaigns.rejection_reason_price').id})
        with self.at('2024-03-20'):
            campaign.sudo(self.manager).action_evaluate()
        self.assertEqual(campaign.state, 'evaluated')
        self.assertEqual(campaign.evaluation_date, '2024-03-20')
        self.assertEqual((campaign.eval_test_accepted, campaign.eval_test_responded), (25, 60))
        self.assertEqual(campaign.decision, 'inconclusive')
        xs, ys, ws = campaign._outcome_table(campaign, groups=('test',))
        self.assertEqual(sum(ws), 100)
        self.assertEqual(sum(y * w for y, w in zip(ys, ws)), 25)
        fit = stats.logistic_fit(xs, ys, ws)
        self.assertTrue(campaign.calibrated)
        self.assertAlmostEqual(campaign.calibration_intercept, fit.intercept, delta=1e-6)
        self.assertAlmostEqual(campaign.calibration_slope, fit.slope, delta=1e-6)
        self.assertGreater(fit.slope, 0.0)
        top = test[0]
        self.assertAlmostEqual(top.probability,
                               stats.logistic(fit.intercept, fit.slope, top.score / 100.0),
                               delta=1e-4)
        # gains: accepted concentrate in the best deciles
        gains = campaign._gains_rows()
        self.assertEqual(sum(row['contacted'] for row in gains), 100)
        self.assertEqual(sum(row['taken'] for row in gains), 25)
        self.assertAlmostEqual(gains[-1]['gain'], 1.0, delta=TOL)
        self.assertIn('o_campaign_gains', campaign.gains_html)
        pareto = campaign._rejection_rows()
        self.assertEqual(pareto, [{'reason': 'Price too high', 'count': 35, 'share': 1.0,
                                   'cumulative': 1.0}])
        self.assertIn('Price too high', campaign.rejection_html)
        self.assertIn('o_campaign_funnel', campaign.funnel_html)
        with self.assertRaisesRegex(UserError, "The evaluation decided Inconclusive"):
            campaign.sudo(self.manager).action_rollout()
        campaign.sudo(self.manager).action_extend_test()
        self.assertEqual((campaign.state, campaign.decision), ('testing', False))

    def test_each_evaluation_is_kept(self):
        """One evaluation record per run: extending the test keeps the first, evaluating
        again adds the second, which the campaign shows; users read them, nobody types them."""
        campaign = self.started()
        self.set_outcomes(campaign, 'test', 10, 100.0)
        self.set_outcomes(campaign, 'holdout', 8, 100.0)
        # the evaluation proper (the step would first refresh these figures from invoices)
        with self.at('2024-03-10'):
            campaign._evaluate()
        campaign.sudo().write({'state': 'evaluated'})
        first = campaign.evaluation_id
        self.assertEqual((first.date, first.test_size, first.test_converted,
                          first.holdout_converted), ('2024-03-10', 100, 10, 8))
        self.assertEqual(first.cost_total, campaign.cost_total)
        self.assertAlmostEqual(first.roi, campaign.roi, delta=TOL)
        campaign.sudo(self.manager).action_extend_test()
        self.assertEqual(campaign.evaluation_ids, first)
        self.set_outcomes(campaign, 'test', 30, 200.0, accepted=25)
        self.set_outcomes(campaign, 'holdout', 12, 150.0)
        with self.at('2024-03-20'):
            campaign._evaluate()
        second = campaign.evaluation_id
        self.assertNotEqual(second, first)
        self.assertEqual(campaign.evaluation_ids, first | second)
        self.assertEqual((second.date, second.test_converted, second.decision),
                         ('2024-03-20', 30, 'go'))
        self.assertEqual((campaign.eval_test_converted, campaign.decision,
                          campaign.decision_reason), (30, 'go', 'profitable'))
        self.assertEqual(first.decision, 'inconclusive')
        self.assertEqual(self.env['crm.campaign.evaluation'].sudo(self.user).search(
            [('campaign_id', '=', campaign.id)]), second | first)
        Evaluation = self.env['crm.campaign.evaluation'].sudo(self.manager)
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            Evaluation.create({'campaign_id': campaign.id, 'date': '2024-03-21',
                               'decision': 'go'})
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            first.sudo(self.manager).write({'decision': 'go'})
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            first.sudo(self.user).unlink()

    def test_charts_escape_what_users_type(self):
        """The charts are QWeb: a reason's name is shown as text, never as markup."""
        campaign = self.started()
        self.assertIn('No rejection recorded.', campaign.rejection_html)
        reason = self.env['crm.campaign.rejection.reason'].create(
            {'name': '<img src=x onerror=alert(1)> & co'})
        test = campaign.target_ids.filtered(lambda t: t.target_group == 'test')
        test[:2].sudo(self.user).write({'response': 'rejected',
                                        'rejection_reason_id': reason.id})
        campaign.invalidate_cache()
        html = campaign.rejection_html
        self.assertIn('&lt;img src=x onerror=alert(1)&gt; &amp; co', html)
        self.assertNotIn('<img', html)
        self.assertIn('width:100.0%', html)
        self.assertIn('<td class="text-right">100.0 %</td>', html)
        funnel = campaign.funnel_html
        self.assertIn('o_campaign_funnel', funnel)
        self.assertIn('<td class="text-right">%d</td>' % campaign.selected_count, funnel)

    def test_calibration_kept_when_outcomes_cannot_fit(self):
        campaign = self.started()
        campaign.sudo(self.manager).action_evaluate()
        self.assertFalse(campaign.calibrated)
        self.assertIn('Calibration kept from the scoring model: All outcomes are the same',
                      campaign.message_ids[0].body)

    def test_learn_calibration_from_past_campaigns(self):
        campaign = self.started()
        test = campaign.target_ids.filtered(lambda t: t.target_group == 'test').sorted(
            lambda t: (-t.score, t.id))
        test[:15].sudo(self.user).write({'response': 'accepted'})
        test[40:45].sudo(self.user).write({'response': 'accepted'})
        campaign.sudo(self.manager).action_evaluate()
        self.model.sudo(self.manager).action_learn_calibration()
        xs, ys, ws = campaign._outcome_table(campaign)
        fit = stats.logistic_fit(xs, ys, ws)
        self.assertAlmostEqual(self.model.calibration_intercept, fit.intercept, delta=1e-6)
        self.assertAlmostEqual(self.model.calibration_slope, fit.slope, delta=1e-6)
        self.assertEqual(self.model.calibration_note, 'Learnt from 1 campaigns (100 contacts)')
        other = self.env['crm.campaign.scoring.model'].create({
            'name': 'Acquisition', 'campaign_type': 'acquisition',
            'variable_ids': [(0, 0, {'feature': 'frequency'})]})
        with self.assertRaisesRegex(UserError, "No evaluated campaign of this type"):
            other.sudo(self.manager).action_learn_calibration()


class TestEvaluationMigration(CampaignCase):
    """A database whose campaigns were evaluated when the figures were columns of the
    campaign keeps them: the upgrade turns them into the campaign's evaluation record."""

    def test_upgrade_turns_old_figures_into_an_evaluation(self):
        migration = load_migration(__file__, '11.0.1.1.0', 'post-migrate.py')
        old = self.make_campaign(name='Evaluated before')
        fresh = self.make_campaign(name='Never evaluated')
        cr = self.env.cr
        # the columns of the earlier version, as the upgrade finds them
        cr.execute("""ALTER TABLE crm_campaign ADD COLUMN IF NOT EXISTS evaluation_date date,
                      ADD COLUMN IF NOT EXISTS eval_test_size integer,
                      ADD COLUMN IF NOT EXISTS eval_uplift float8,
                      ADD COLUMN IF NOT EXISTS eval_margin_uplift numeric,
                      ADD COLUMN IF NOT EXISTS decision_reason varchar,
                      ADD COLUMN IF NOT EXISTS decision_note text""")
        cr.execute("""UPDATE crm_campaign SET evaluation_date = '2024-05-01',
                             eval_test_size = 120, eval_uplift = 0.125,
                             eval_margin_uplift = 41.5, decision = 'go',
                             decision_reason = 'profitable', decision_note = 'Go.'
                       WHERE id = %s""", (old.id,))
        migration.migrate(cr, '11.0.1.0.0')
        (old | fresh).invalidate_cache()
        evaluation = old.evaluation_id
        self.assertEqual(old.evaluation_ids, evaluation)
        self.assertEqual(
            (evaluation.date, evaluation.company_id, evaluation.test_size, evaluation.uplift,
             evaluation.margin_uplift, evaluation.decision, evaluation.decision_reason,
             evaluation.decision_note, evaluation.confidence_level),
            ('2024-05-01', old.company_id, 120, 0.125, 41.5, 'go', 'profitable', 'Go.', 95.0))
        self.assertEqual((old.eval_test_size, old.decision_note), (120, 'Go.'))
        self.assertFalse(fresh.evaluation_ids)
        # run again (an upgrade retried): nothing doubles
        migration.migrate(cr, '11.0.1.0.0')
        self.assertEqual(len(self.env['crm.campaign.evaluation'].search(
            [('campaign_id', '=', old.id)])), 1)
