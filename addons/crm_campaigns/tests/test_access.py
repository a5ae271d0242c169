from odoo.exceptions import AccessError, ValidationError

from .common import CampaignCase


class TestAccess(CampaignCase):
    """Campaign user and manager; a salesman without campaign rights; company isolation."""

    @classmethod
    def setUpClass(cls):
        super(TestAccess, cls).setUpClass()
        cls.make_audience(20)
        cls.campaign = cls.make_campaign(test_share=25.0, holdout_share=25.0)
        cls.campaign.sudo(cls.manager).action_score()
        cls.campaign.sudo(cls.manager).action_start_test()
        cls.other_company = cls.env['res.company'].create({'name': 'Campaign Sister Co'})
        cls.other_manager = cls.env['res.users'].create({
            'name': 'Sister Manager', 'login': 'sister_campaign_manager',
            'email': 'sister@example.com', 'company_id': cls.other_company.id,
            'company_ids': [(6, 0, [cls.other_company.id])],
            'groups_id': [(6, 0, [cls.env.ref('base.group_user').id,
                                  cls.env.ref('crm_campaigns.group_campaign_manager').id])],
        })

    def test_user_reads_and_records_responses_only(self):
        campaign = self.campaign.sudo(self.user)
        self.assertEqual(campaign.name, 'Spring win-back')
        self.assertEqual(campaign.contacted_count, 5)
        target = campaign.target_ids.filtered(lambda t: t.target_group == 'test')[0]
        target.write({'response': 'accepted'})
        self.assertEqual(target.response, 'accepted')
        with self.assertRaises(AccessError):
            campaign.write({'budget': 1.0})
        with self.assertRaises(AccessError):
            self.env['crm.campaign'].sudo(self.user).create({'name': 'Mine'})
        with self.assertRaises(AccessError):
            campaign.action_evaluate()
        with self.assertRaises(AccessError):
            self.model.sudo(self.user).write({'calibration_slope': 1.0})
        with self.assertRaises(AccessError):
            self.segment.sudo(self.user).unlink()
        with self.assertRaises(AccessError):
            target.unlink()
        self.assertEqual(self.campaign.state, 'testing')

    def test_user_cannot_score(self):
        draft = self.make_campaign(name='Draft one')
        with self.assertRaises(AccessError):
            draft.sudo(self.user).action_score()
        self.assertEqual((draft.state, draft.audience_count), ('draft', 0))

    def test_manager_runs_campaigns(self):
        campaign = self.make_campaign(name='Manager one')
        campaign.sudo(self.manager).write({'budget': 5000.0})
        campaign.sudo(self.manager).action_score()
        self.assertEqual(campaign.state, 'scored')
        campaign.sudo(self.manager).unlink()
        self.assertFalse(campaign.exists())

    def test_salesman_without_campaign_rights(self):
        with self.assertRaises(AccessError):
            self.campaign.sudo(self.salesman).read(['name'])
        with self.assertRaises(AccessError):
            self.env['crm.campaign.target'].sudo(self.salesman).search([])
        # partner forms stay readable for them
        partner = self.campaign.target_ids[0].partner_id.sudo(self.salesman)
        self.assertTrue(partner.read(['name']))

    def test_salesman_takes_campaign_orders(self):
        """A salesperson without campaign rights takes an order for a campaign: the campaign's
        discount applies, and the order and opportunity forms open without campaign fields."""
        offer = self.make_campaign(name='Discount offer', offer_type='discount', discount=15.0)
        Order = self.env['sale.order'].sudo(self.salesman)
        order = Order.create({
            'partner_id': self.campaign.target_ids[0].partner_id.id,
            'campaign_id': offer.utm_campaign_id.id, 'pricelist_id': self.pricelist.id,
            'order_line': [(0, 0, {'product_id': self.product.id, 'product_uom_qty': 1.0,
                                   'price_unit': 100.0})]})
        self.assertEqual(order.order_line.discount, 15.0)
        self.assertEqual(order.amount_untaxed, 85.0)
        for model in ('sale.order', 'crm.lead'):
            arch = self.env[model].sudo(self.salesman).fields_view_get(view_type='form')['arch']
            self.assertNotIn('crm_campaign_id', arch, model)
            self.assertNotIn('campaign_target_id', arch, model)
        self.assertTrue(order.read(list(Order.fields_get())))
        self.assertEqual(self.env['sale.order'].browse(order.id).crm_campaign_id, offer)

    def test_company_isolation(self):
        Campaign = self.env['crm.campaign'].sudo(self.other_manager)
        self.assertFalse(Campaign.search([('id', '=', self.campaign.id)]))
        self.assertFalse(self.env['crm.campaign.target'].sudo(self.other_manager).search(
            [('campaign_id', '=', self.campaign.id)]))
        with self.assertRaises(AccessError):
            self.campaign.sudo(self.other_manager).read(['name'])
        with self.assertRaises(AccessError):
            self.campaign.sudo(self.other_manager).action_evaluate()
        own = Campaign.create({'name': 'Sister campaign'})
        self.assertEqual(own.company_id, self.other_company)
        self.assertEqual(own.analytic_account_id.company_id, self.other_company)
        self.assertFalse(self.env['crm.campaign'].sudo(self.manager).search(
            [('id', '=', own.id)]))
        self.assertFalse(self.env['crm.campaign.segment'].sudo(self.other_manager).search(
            [('id', '=', self.segment.id)]))

    def test_other_company_cannot_use_foreign_segment(self):
        with self.assertRaisesRegex(ValidationError, "The segment, market and scoring model must "
                                                     "belong to the campaign's company."), \
                self.env.cr.savepoint():
            self.env['crm.campaign'].sudo(self.other_manager).create({
                'name': 'Sister', 'segment_id': self.segment.id, 'budget': 100.0})
        self.assertFalse(self.env['crm.campaign'].search([('name', '=', 'Sister')]))
