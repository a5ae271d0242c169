from odoo.exceptions import ValidationError

from .common import CampaignCase


class TestWinBack(CampaignCase):
    """Lapsing customers (crm_loyalty churn figures) join the active win-back campaign with a
    call due within 7 days; a seeded share of them is held out."""

    @classmethod
    def setUpClass(cls):
        super(TestWinBack, cls).setUpClass()
        cls.make_audience(40)
        cls.campaign = cls.make_campaign(
            auto_enrol=True, call_due_days=3, holdout_share=20.0, test_share=20.0,
            channel_ids=[(0, 0, {'channel': 'phone', 'cost_per_contact': 4.0})])
        cls.campaign.sudo(cls.manager).action_score()
        cls.campaign.sudo(cls.manager).action_start_test()

    def lapse(self, name, **partner_values):
        return self.make_customer(name, {'recency_days': 120, 'frequency': 5,
                                         'monetary': 800.0, 'segment': 'loyal',
                                         'churn_risk': 'high'}, **partner_values)

    def enrol(self, today='2024-03-04'):
        with self.at(today):
            self.env['crm.campaign']._cron_winback_enrol()
        return self.campaign.target_ids

    def test_lapsed_customers_enter_with_a_call(self):
        before = self.campaign.target_ids
        newcomers = self.env['res.partner']
        for index in range(30):
            newcomers |= self.lapse('Lapsing %02d' % index)
        steady = self.make_customer('Steady', {'recency_days': 10, 'churn_risk': 'low',
                                               'segment': 'champions'})
        targets = self.enrol() - before
        self.assertEqual(targets.mapped('partner_id'), newcomers)
        self.assertNotIn(steady, self.campaign.target_ids.mapped('partner_id'))
        held = targets.filtered(lambda t: t.target_group == 'holdout')
        called = targets.filtered(lambda t: t.target_group == 'test')
        self.assertEqual(len(held) + len(called), 30)
        self.assertTrue(held and called)
        self.assertFalse(any(held.mapped('contacted_date')))
        self.assertEqual(set(held.mapped('window_start')), {'2024-03-04'})
        self.assertEqual(set(called.mapped('contacted_date')), {'2024-03-04'})
        activities = self.env['mail.activity'].search([
            ('res_model', '=', 'crm.campaign.target'), ('res_id', 'in', targets.ids)])
        self.assertEqual(sorted(activities.mapped('res_id')), sorted(called.ids))
        self.assertEqual(set(activities.mapped('date_deadline')), {'2024-03-07'})
        # the same draw every time: the share held out follows the seed, not the run
        from ..lib.draw import seeded_uniform
        self.assertEqual(sorted(held.mapped('partner_id').ids), sorted(
            p.id for p in newcomers if seeded_uniform(self.campaign.seed, p.id) < 0.2))
        # a second run enrols nobody twice
        self.assertEqual(self.enrol('2024-03-05') - before - targets,
                         self.env['crm.campaign.target'])

    def test_exclusions_and_budget_apply(self):
        self.lapse('No phone', phone=False, mobile=False)
        self.lapse('Saboteur', campaign_exclude_reason='saboteur')
        self.campaign.sudo(self.manager).budget = self.campaign.cost_planned + 4.0
        for index in range(5):
            self.lapse('Late %d' % index)
        before = self.campaign.target_ids
        targets = self.enrol() - before
        names = set(targets.mapped('partner_id.name'))
        self.assertNotIn('No phone', names)
        self.assertNotIn('Saboteur', names)
        self.assertEqual(len(targets.filtered(lambda t: t.target_group == 'test')), 1)

    def test_only_running_win_back_campaigns_enrol(self):
        self.campaign.sudo(self.manager).action_cancel()
        self.lapse('Lapsing late')
        before = self.campaign.target_ids
        self.assertEqual(self.enrol() - before, self.env['crm.campaign.target'])

    def test_call_delay_at_most_a_week(self):
        with self.assertRaisesRegex(ValidationError, "Lapsed customers must be called within 7 "
                                                     "days."), self.env.cr.savepoint():
            self.campaign.sudo(self.manager).call_due_days = 8
