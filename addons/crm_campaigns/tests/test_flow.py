from collections import Counter

from odoo.exceptions import UserError

from .common import CampaignCase


class TestTestHoldoutRollout(CampaignCase):
    """Seeded stratified test sample and holdout; rollout keeps the holdout."""

    @classmethod
    def setUpClass(cls):
        super(TestTestHoldoutRollout, cls).setUpClass()
        cls.partners = cls.make_audience(200)

    def start(self, campaign):
        campaign.sudo(self.manager).action_score()
        campaign.sudo(self.manager).action_start_test()
        return campaign

    def test_groups_stratified_by_decile(self):
        campaign = self.start(self.make_campaign(test_share=10.0, holdout_share=10.0))
        self.assertEqual(campaign.state, 'testing')
        self.assertEqual(campaign.test_date, '2024-03-01')
        self.assertEqual(campaign.selected_count, 200)
        self.assertEqual((campaign.test_count, campaign.holdout_count, campaign.rollout_count),
                         (20, 20, 160))
        per_decile = Counter((t.decile, t.target_group) for t in campaign.target_ids)
        for decile in range(1, 11):
            self.assertEqual(per_decile[(decile, 'test')], 2)
            self.assertEqual(per_decile[(decile, 'holdout')], 2)
        test = campaign.target_ids.filtered(lambda t: t.target_group == 'test')
        self.assertEqual(set(test.mapped('contacted_date')), {'2024-03-01'})
        self.assertEqual(campaign.contacted_count, 20)
        holdout = campaign.target_ids.filtered(lambda t: t.target_group == 'holdout')
        self.assertEqual(set(holdout.mapped('window_start')), {'2024-03-01'})
        self.assertFalse(any(holdout.mapped('contacted_date')))

    def test_reproducible_with_the_seed(self):
        self.company.campaign_pressure_max = 0
        first = self.start(self.make_campaign(test_share=10.0, holdout_share=10.0))
        second = self.start(self.make_campaign(name='Same seed', test_share=10.0,
                                               holdout_share=10.0))
        third = self.start(self.make_campaign(name='Other seed', test_share=10.0,
                                              holdout_share=10.0, seed=7))

        def groups(campaign):
            return {t.partner_id.id: t.target_group for t in campaign.target_ids}
        self.assertEqual(groups(first), groups(second))
        self.assertNotEqual(groups(first), groups(third))

    def test_rollout_keeps_the_holdout(self):
        campaign = self.start(self.make_campaign(test_share=10.0, holdout_share=10.0))
        holdout_before = campaign.target_ids.filtered(lambda t: t.target_group == 'holdout')
        campaign.sudo().write({'state': 'evaluated', 'decision': 'go'})
        with self.at('2024-03-15'):
            campaign.sudo(self.manager).action_rollout()
        self.assertEqual(campaign.state, 'rollout')
        self.assertEqual(campaign.rollout_date, '2024-03-15')
        rollout = campaign.target_ids.filtered(lambda t: t.target_group == 'rollout')
        self.assertEqual(len(rollout), 160)
        self.assertEqual(set(rollout.mapped('contacted_date')), {'2024-03-15'})
        holdout = campaign.target_ids.filtered(lambda t: t.target_group == 'holdout')
        self.assertEqual(holdout, holdout_before)
        self.assertFalse(any(holdout.mapped('contacted_date')))
        self.assertEqual(campaign.contacted_count, 180)

    def test_guards(self):
        campaign = self.make_campaign()
        with self.assertRaisesRegex(UserError, "Score the campaign before starting its test."):
            campaign.sudo(self.manager).action_start_test()
        with self.assertRaisesRegex(UserError, "Evaluate the test before rolling out."):
            campaign.sudo(self.manager).action_rollout()
        with self.assertRaisesRegex(UserError, "Only a campaign in test can be evaluated."):
            campaign.sudo(self.manager).action_evaluate()
        self.start(campaign)
        with self.assertRaisesRegex(UserError, "Evaluate the test before rolling out."):
            campaign.sudo(self.manager).action_rollout()
        with self.assertRaisesRegex(UserError, "Only a draft or scored campaign can be scored."):
            campaign.sudo(self.manager).action_score()
        with self.assertRaisesRegex(UserError, "Only a scored campaign that has contacted nobody"):
            campaign.sudo(self.manager).action_draft()
        campaign.sudo().write({'state': 'evaluated', 'decision': 'inconclusive'})
        with self.assertRaisesRegex(UserError, "The evaluation decided Inconclusive: the "
                                               "campaign cannot be rolled out."):
            campaign.sudo(self.manager).action_rollout()
        self.assertEqual(campaign.rollout_count, 180)
        self.assertEqual(campaign.contacted_count, 10)
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            campaign.sudo(self.manager).unlink()

    def test_reset_and_cancel(self):
        campaign = self.make_campaign()
        campaign.sudo(self.manager).action_score()
        campaign.sudo(self.manager).action_draft()
        self.assertEqual((campaign.state, campaign.audience_count), ('draft', 0))
        self.start(campaign)
        mailing = campaign.target_ids.mapped('mailing_id')
        self.assertEqual(mailing.state, 'in_queue')
        campaign.sudo(self.manager).action_cancel()
        self.assertEqual(campaign.state, 'cancel')
        self.assertEqual(mailing.state, 'draft')

    def test_holdout_response_refused(self):
        campaign = self.start(self.make_campaign())
        holdout = campaign.target_ids.filtered(lambda t: t.target_group == 'holdout')[0]
        with self.assertRaisesRegex(UserError, "is in the holdout: the holdout is never "
                                               "contacted."):
            holdout.sudo(self.user).write({'response': 'accepted'})
        pending = campaign.target_ids.filtered(lambda t: t.target_group == 'rollout')[0]
        with self.assertRaisesRegex(UserError, "has not been contacted yet."):
            pending.sudo(self.user).write({'response': 'accepted'})
        self.assertFalse(campaign.target_ids.mapped('lead_id'))
