from odoo.exceptions import UserError, ValidationError
from odoo.addons.crm_loyalty.tests.walker import public_methods, walk

from .common import CampaignCase


class TestBadInput(CampaignCase):
    """Bad input is refused with a clear message and leaves nothing half-written."""

    @classmethod
    def setUpClass(cls):
        super(TestBadInput, cls).setUpClass()
        cls.make_audience(10)

    def test_segment_matching_nobody(self):
        nobody = self.env['crm.campaign.segment'].create({
            'name': 'Nobody', 'partner_domain': "[('name', '=', 'No such customer')]"})
        campaign = self.make_campaign(segment_id=nobody.id)
        with self.assertRaisesRegex(UserError, "The segment Nobody matches no customer: nothing "
                                               "to score."):
            campaign.sudo(self.manager).action_score()
        self.assertEqual((campaign.state, campaign.audience_count), ('draft', 0))

    def test_budget_below_one_contact(self):
        campaign = self.make_campaign(budget=100.5, fixed_cost=100.0)
        with self.assertRaisesRegex(UserError, r"The budget leaves 0.50 after fixed costs, less "
                                               r"than one contact \(1.00\): raise the budget."):
            campaign.sudo(self.manager).action_score()
        self.assertEqual((campaign.state, campaign.audience_count), ('draft', 0))

    def test_test_share_out_of_range(self):
        for share in (0.0, -5.0, 50.01, 80.0):
            with self.assertRaisesRegex(ValidationError, "The test share must lie above 0 % and "
                                                         "at most 50 %."), \
                    self.env.cr.savepoint():
                self.make_campaign(test_share=share)
        campaign = self.make_campaign(test_share=50.0)
        with self.assertRaisesRegex(ValidationError, "The holdout share must lie above 0 % and "
                                                     "at most 50 %."), self.env.cr.savepoint():
            campaign.sudo(self.manager).holdout_share = 60.0
        campaign.invalidate_cache()
        self.assertEqual((campaign.test_share, campaign.holdout_share), (50.0, 5.0))

    def test_sample_too_small_for_the_shares(self):
        campaign = self.make_campaign(holdout_share=4.0)  # 4 % of 10 rounds to nobody
        campaign.sudo(self.manager).action_score()
        with self.assertRaisesRegex(UserError, "The holdout would be empty: 10 targeted "
                                               "customers are too few for the shares chosen."):
            campaign.sudo(self.manager).action_start_test()
        self.assertEqual(campaign.state, 'scored')
        self.assertEqual(set(campaign.target_ids.mapped('target_group')), {False})
        self.assertFalse(any(campaign.target_ids.mapped('contacted_date')))
        self.assertFalse(campaign.target_ids.mapped('mailing_id'))

    def test_rollout_before_evaluation(self):
        campaign = self.make_campaign(test_share=20.0, holdout_share=20.0)
        campaign.sudo(self.manager).action_score()
        campaign.sudo(self.manager).action_start_test()
        with self.assertRaisesRegex(UserError, "Evaluate the test before rolling out."):
            campaign.sudo(self.manager).action_rollout()
        self.assertEqual(campaign.state, 'testing')
        self.assertEqual(campaign.contacted_count, 2)

    def test_malformed_import(self):
        campaign = self.make_campaign(test_share=20.0, holdout_share=20.0)
        campaign.sudo(self.manager).action_score()
        campaign.sudo(self.manager).action_start_test()
        wizard = self.env['crm.campaign.result.import'].sudo(self.user).create({
            'campaign_id': campaign.id,
            'file': self.xlsx([['Name', 'Answer'], ['Someone', 'yes']])})
        with self.assertRaisesRegex(UserError, "Columns missing: Target, Customer ID, Response. "
                                               "Nothing was imported"):
            wizard.action_import()
        self.assertEqual(set(campaign.target_ids.mapped('response')), {'pending'})

    def test_offer_and_settings_checked(self):
        with self.assertRaisesRegex(ValidationError, "A pricelist offer needs a pricelist."), \
                self.env.cr.savepoint():
            self.make_campaign(offer_type='pricelist')
        with self.assertRaisesRegex(ValidationError, "A discount offer needs a discount above 0 "
                                                     "and at most 100 %."), \
                self.env.cr.savepoint():
            self.make_campaign(offer_type='discount', discount=120.0)
        with self.assertRaisesRegex(ValidationError, "The confidence level must lie between 50 % "
                                                     "and 100 %."), self.env.cr.savepoint():
            self.make_campaign(confidence_level=100.0)
        campaign = self.make_campaign(channel_ids=[])
        with self.assertRaisesRegex(UserError, "Add at least one channel with its cost per "
                                               "contact."):
            campaign.sudo(self.manager).action_score()
        no_segment = self.make_campaign(segment_id=False)
        with self.assertRaisesRegex(UserError, "Choose the segment the campaign addresses."):
            no_segment.sudo(self.manager).action_score()

    def test_nobody_worth_contacting(self):
        campaign = self.make_campaign(expected_margin=0.5)
        with self.assertRaisesRegex(UserError, "No customer of the segment is worth contacting: "
                                               "10 scored"):
            campaign.sudo(self.manager).action_score()
        self.assertEqual((campaign.state, campaign.audience_count), ('draft', 0))


class TestEveryPublicMethod(CampaignCase):
    """Malformed arguments on every public method crm_campaigns defines (its models, wizards
    and reports, found by introspection), as a portal customer, an employee without the
    campaign groups and a campaign manager, on records they must not reach (a missing id,
    another company's campaign): a clear UserError / ValidationError / AccessError /
    MissingError or a harmless result, never another exception, nothing written."""

    def test_every_public_method_answers_clearly(self):
        self.make_audience(4)
        other_company = self.env['res.company'].create({'name': 'Walk Other Co'})
        foreign = self.env['crm.campaign'].create({'name': 'Foreign',
                                                   'company_id': other_company.id})
        Users = self.env['res.users'].with_context(no_reset_password=True)
        portal = Users.create({
            'name': 'Walk Portal', 'login': 'campaign_walk_portal',
            'partner_id': self.make_customer('Walk customer').id,
            'groups_id': [(6, 0, [self.env.ref('base.group_portal').id])]})
        employee = Users.create({
            'name': 'Walk Employee', 'login': 'campaign_walk_employee',
            'groups_id': [(6, 0, [self.env.ref('base.group_user').id])]})
        methods = public_methods(self.env, 'crm_campaigns')
        names = {(model, name) for model, name, _f in methods}
        self.assertLessEqual({('crm.campaign', 'action_score'),
                              ('crm.campaign.target', 'action_accept'),
                              ('crm.campaign.scoring.model', 'probability'),
                              ('crm.campaign.result.import', 'action_import'),
                              ('report.crm_campaigns.call_centre_xlsx',
                               'generate_xlsx_report')}, names)
        before = self._state()
        unclear, refused = walk(self.env, methods, (portal, employee, self.manager),
                                {'crm.campaign': [foreign.id]})
        self.assertEqual(unclear, [])
        self.assertGreater(refused, 100)
        self.assertEqual(self._state(), before)

    def _state(self):
        self.env.cache.invalidate()
        return tuple(self.env[model].search_count([]) for model in (
            'crm.campaign', 'crm.campaign.target', 'crm.campaign.segment', 'crm.lead',
            'sale.order', 'mail.message', 'ir.attachment'))
