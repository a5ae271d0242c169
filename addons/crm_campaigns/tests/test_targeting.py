from unittest.mock import patch

from .common import CampaignCase


class TestTargeting(CampaignCase):
    """Expected profit under the budget, contact-pressure cap, exclusions."""

    @classmethod
    def setUpClass(cls):
        super(TestTargeting, cls).setUpClass()
        cls.audience = cls.make_audience(20)

    def test_budget_filled_by_expected_profit(self):
        campaign = self.make_campaign(budget=110.0, fixed_cost=100.0)
        campaign.sudo(self.manager).action_score()
        targets = campaign.target_ids.sorted(lambda t: (-t.expected_profit, -t.score, t.id))
        self.assertEqual(targets[:10].mapped('selected'), [True] * 10)
        self.assertEqual(targets[10:].mapped('exclusion'), ['budget'] * 10)
        self.assertEqual(campaign.selected_count, 10)
        self.assertAlmostEqual(campaign.expected_profit,
                               sum(targets[:10].mapped('expected_profit')), delta=0.01)

    def test_unprofitable_contacts_left_out(self):
        campaign = self.make_campaign(expected_margin=6.0)
        campaign.sudo(self.manager).action_score()
        for target in campaign.target_ids:
            worth = target.probability * 6.0 > target.contact_cost
            self.assertEqual(target.selected, worth)
            self.assertEqual(target.exclusion, False if worth else 'unprofitable')
        self.assertTrue(0 < campaign.selected_count < 20)

    def test_contact_pressure_cap(self):
        self.company.write({'campaign_pressure_max': 1, 'campaign_pressure_days': 30})
        recent, old, planned = self.audience[0], self.audience[1], self.audience[2]
        earlier = self.make_campaign(name='Earlier', test_share=50.0, holdout_share=34.0,
                                     segment_id=self.env['crm.campaign.segment'].create({
                                         'name': 'Three', 'partner_domain': repr(
                                             [('id', 'in', (recent | old | planned).ids)])}).id)
        earlier.sudo(self.manager).action_score()
        earlier.sudo(self.manager).action_start_test()
        # set the history by hand: one contact 10 days ago, one 60 days ago, one planned
        for partner, date, group in ((recent, '2024-02-20', 'test'),
                                     (old, '2024-01-01', 'test'),
                                     (planned, None, 'rollout')):
            self.env.cr.execute("""
                UPDATE crm_campaign_target SET contacted_date = %s, target_group = %s,
                       selected = TRUE WHERE campaign_id = %s AND partner_id = %s
            """, (date, group, earlier.id, partner.id))
        campaign = self.make_campaign()
        campaign.sudo(self.manager).action_score()
        self.assertEqual(self.target_of(campaign, recent).exclusion, 'pressure')
        self.assertEqual(self.target_of(campaign, planned).exclusion, 'pressure')
        self.assertFalse(self.target_of(campaign, old).exclusion)
        self.assertTrue(self.target_of(campaign, old).selected)
        self.company.campaign_pressure_max = 0
        again = self.make_campaign(name='No cap')
        again.sudo(self.manager).action_score()
        self.assertFalse(self.target_of(again, recent).exclusion)

    def test_exclusions(self):
        saboteur, opted, opted_phone, ghost, complainer = self.audience[:5]
        saboteur.campaign_exclude_reason = 'saboteur'
        opted.write({'opt_out': True, 'phone': False})
        opted_phone.opt_out = True
        ghost.write({'email': False, 'phone': False, 'mobile': False, 'street': False})
        Value = type(self.env['crm.loyalty.value'])
        with patch.object(Value, '_unresolved_complaint_partner_ids',
                          lambda self, company, partner_ids: {complainer.id}):
            campaign = self.make_campaign(exclude_open_complaints=True)
            campaign.sudo(self.manager).action_score()
            lenient = self.make_campaign(name='Lenient', exclude_opted_out=False)
            lenient.sudo(self.manager).action_score()
        self.assertEqual(self.target_of(campaign, saboteur).exclusion, 'do_not_contact')
        self.assertEqual(self.target_of(campaign, opted).exclusion, 'opted_out')
        self.assertEqual(self.target_of(campaign, opted_phone).exclusion, 'opted_out')
        self.assertEqual(self.target_of(campaign, ghost).exclusion, 'unreachable')
        self.assertEqual(self.target_of(campaign, complainer).exclusion, 'complaint')
        self.assertEqual(campaign.selected_count, 15)
        # without the opt-out exclusion an opted-out customer is still never emailed
        self.assertEqual(self.target_of(lenient, opted).exclusion, 'unreachable')
        self.assertEqual(self.target_of(lenient, opted_phone).channel, 'phone')
        self.assertFalse(self.target_of(lenient, complainer).exclusion)

    def test_loyalty_saboteurs_left_out(self):
        value = self.env['crm.loyalty.value'].search([('partner_id', '=', self.audience[7].id)])
        value.customer_type_manual = 'saboteur'
        self.assertEqual(value.customer_type, 'saboteur')
        campaign = self.make_campaign()
        campaign.sudo(self.manager).action_score()
        self.assertEqual(self.target_of(campaign, self.audience[7]).exclusion, 'saboteur')
        self.assertEqual(campaign.selected_count, 19)

    def test_scored_but_excluded_keep_their_explanation(self):
        self.audience[0].campaign_exclude_reason = 'request'
        campaign = self.make_campaign()
        campaign.sudo(self.manager).action_score()
        target = self.target_of(campaign, self.audience[0])
        self.assertFalse(target.selected)
        self.assertGreater(target.score, 0.0)
        self.assertTrue(target.score_detail)
        self.assertEqual(self.audience[0].sudo(self.user).campaign_target_count, 0)
