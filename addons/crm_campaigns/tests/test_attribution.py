from odoo.addons.crm_loyalty.tests.helpers import products_with_shared_costs

from .common import CampaignCase


class TestAttribution(CampaignCase):
    """Money from posted invoices: window, refunds, foreign currency, sale order costs,
    a customer in two campaigns, actual costs from vendor bills, ROI."""

    @classmethod
    def setUpClass(cls):
        super(TestAttribution, cls).setUpClass()
        # the higher score goes to the holdout in a campaign of two (first decile first)
        cls.loyal = cls.make_customer('Loyal Ltd', {'recency_days': 5, 'frequency': 12,
                                                    'monetary': 9000.0, 'segment': 'champions'})
        cls.buyer = cls.make_customer('Buyer Ltd', {'recency_days': 90, 'frequency': 3,
                                                    'monetary': 900.0, 'segment': 'loyal'})
        cls.eur = cls.env.ref('base.EUR')
        cls.eur.active = True
        for currency, rate in ((cls.eur, 2.0), (cls.currency, 1.0)):
            cls.env['res.currency.rate'].create({'name': '2024-03-14', 'rate': rate,
                                                 'currency_id': currency.id,
                                                 'company_id': cls.company.id})
        cls.vendor = cls.env['res.partner'].create({'name': 'Print shop', 'supplier': True})

    def campaign_on(self, partners, name, today, **values):
        segment = self.env['crm.campaign.segment'].create({
            'name': name, 'partner_domain': repr([('id', 'in', partners.ids)])})
        vals = dict(name=name, segment_id=segment.id, test_share=50.0, holdout_share=50.0,
                    attribution_days=30,
                    channel_ids=[(0, 0, {'channel': 'email', 'cost_per_contact': 1.0})])
        vals.update(values)
        campaign = self.make_campaign(**vals)
        with self.at(today):
            campaign.sudo(self.manager).action_score()
            campaign.sudo(self.manager).action_start_test()
        return campaign

    def test_window_refunds_currency_roi(self):
        campaign = self.campaign_on(self.loyal | self.buyer, 'March offer', '2024-03-01')
        buyer, loyal = self.target_of(campaign, self.buyer), self.target_of(campaign, self.loyal)
        self.assertEqual((buyer.target_group, loyal.target_group), ('test', 'holdout'))
        product = self.product  # price 100, cost 60
        first = self.make_invoice(self.buyer, '2024-03-05', [(product, 3, 100.0)])
        self.make_invoice(self.buyer, '2024-02-20', [(product, 1, 100.0)])  # before contact
        self.make_invoice(self.buyer, '2024-04-05', [(product, 1, 100.0)])  # after the window
        # a refund of the first invoice after the window still counts with its invoice
        self.make_invoice(self.buyer, '2024-04-10', [(product, 1, 100.0)], kind='out_refund',
                          origin=first)
        # a refund without an invoice counts on its own date
        self.make_invoice(self.buyer, '2024-03-10', [(product, 1, 50.0)], kind='out_refund')
        # 200 EUR at 2 EUR per USD = 100 USD
        self.make_invoice(self.buyer, '2024-03-15', [(product, 2, 100.0)], currency=self.eur)
        self.make_invoice(self.loyal, '2024-03-20', [(product, 1, 100.0)])
        draft = self.env['account.invoice'].create({
            'partner_id': self.buyer.id, 'date_invoice': '2024-03-06', 'invoice_line_ids': [
                (0, 0, {'product_id': product.id, 'name': 'x', 'quantity': 9, 'price_unit': 9,
                        'account_id': first.invoice_line_ids.account_id.id})]})
        self.assertEqual(draft.state, 'draft')
        # actual costs: a vendor bill and its refund on the campaign's analytic account
        expense = self.env['account.account'].search([
            ('company_id', '=', self.company.id),
            ('user_type_id', '=', self.env.ref('account.data_account_type_expenses').id)],
            limit=1)
        for kind, amount in (('in_invoice', 80.0), ('in_refund', 30.0)):
            bill = self.env['account.invoice'].create({
                'partner_id': self.vendor.id, 'type': kind, 'date_invoice': '2024-03-02',
                'invoice_line_ids': [(0, 0, {
                    'name': 'Letters', 'quantity': 1, 'price_unit': amount,
                    'account_id': expense.id,
                    'account_analytic_id': campaign.analytic_account_id.id})]})
            bill.action_invoice_open()
        campaign.sudo(self.user).action_refresh_results()
        # buyer: 300 - 100 (refund of the first) - 50 + 100 (EUR) = 250
        # margin: (300-180) + (-100+60) + (-50+60) + (100-120) = 70
        self.assertEqual((buyer.window_revenue, buyer.window_margin), (250.0, 70.0))
        self.assertEqual((buyer.attributed_revenue, buyer.attributed_margin), (250.0, 70.0))
        self.assertTrue(buyer.converted)
        # the holdout is measured, never attributed
        self.assertEqual((loyal.window_revenue, loyal.window_margin), (100.0, 40.0))
        self.assertEqual((loyal.attributed_revenue, loyal.attributed_margin), (0.0, 0.0))
        self.assertTrue(loyal.converted)
        self.assertEqual(campaign.cost_planned, 101.0)  # fixed 100 + one email at 1
        self.assertEqual(campaign.cost_actual, 50.0)
        # the 50 billed cover half the fixed cost: 50 of it and the email stay planned
        self.assertEqual((campaign.cost_unbilled_fixed, campaign.cost_unbilled_contact),
                         (50.0, 1.0))
        self.assertEqual(campaign.cost_total, 101.0)
        self.assertEqual((campaign.attributed_revenue, campaign.attributed_margin), (250.0, 70.0))
        self.assertAlmostEqual(campaign.roi, (70.0 - 101.0) / 101.0, delta=1e-9)
        # incremental: (70 per contacted - 40 per holdout member) x 1 contacted = 30
        self.assertEqual(campaign.incremental_margin, 30.0)
        self.assertAlmostEqual(campaign.incremental_roi, (30.0 - 101.0) / 101.0, delta=1e-9)
        # partial windows: on 20 March no window has closed, on 1 May all have
        with self.at('2024-03-20'):
            campaign.invalidate_cache()
            self.assertEqual(campaign.window_closed_share, 0.0)
        with self.at('2024-05-01'):
            campaign.invalidate_cache()
            self.assertEqual(campaign.window_closed_share, 100.0)

    def test_planned_cost_until_vendor_bills(self):
        campaign = self.campaign_on(self.loyal | self.buyer, 'No bills', '2024-03-01')
        self.make_invoice(self.buyer, '2024-03-05', [(self.product, 1, 100.0)])
        campaign.sudo(self.user).action_refresh_results()
        self.assertEqual((campaign.cost_actual, campaign.cost_total), (0.0, 101.0))
        self.assertAlmostEqual(campaign.roi, (40.0 - 101.0) / 101.0, delta=1e-9)

    def test_customer_in_two_campaigns(self):
        """Each invoice goes to one campaign: the one it carries, else the latest contact."""
        first = self.campaign_on(self.loyal | self.buyer, 'First', '2024-03-01')
        second = self.campaign_on(self.loyal | self.buyer, 'Second', '2024-03-10')
        self.assertEqual(self.target_of(first, self.buyer).contacted_date, '2024-03-01')
        self.assertEqual(self.target_of(second, self.buyer).contacted_date, '2024-03-10')
        self.make_invoice(self.buyer, '2024-03-05', [(self.product, 1, 100.0)])
        self.make_invoice(self.buyer, '2024-03-12', [(self.product, 2, 100.0)])
        self.make_invoice(self.buyer, '2024-03-15', [(self.product, 4, 100.0)],
                          utm_campaign=first.utm_campaign_id)
        first.sudo(self.user).action_refresh_results()
        second.sudo(self.user).action_refresh_results()
        in_first = self.target_of(first, self.buyer)
        in_second = self.target_of(second, self.buyer)
        self.assertEqual(in_first.window_revenue, 700.0)
        self.assertEqual(in_second.window_revenue, 600.0)
        self.assertEqual(in_first.attributed_revenue, 500.0)   # its own + the one it carries
        self.assertEqual(in_second.attributed_revenue, 200.0)  # the latest contact
        self.assertEqual(in_first.attributed_revenue + in_second.attributed_revenue, 700.0)
        self.assertEqual((in_first.attributed_margin, in_second.attributed_margin),
                         (200.0, 80.0))

    def test_sale_order_cost_and_campaign_on_invoice(self):
        campaign = self.campaign_on(self.loyal | self.buyer, 'Quoted', '2024-03-01',
                                    offer_type='discount', discount=10.0)
        order = self.env['sale.order'].create({
            'partner_id': self.buyer.id, 'campaign_id': campaign.utm_campaign_id.id,
            'pricelist_id': self.pricelist.id,
            'order_line': [(0, 0, {'product_id': self.product.id, 'product_uom_qty': 2,
                                   'price_unit': 100.0, 'purchase_price': 50.0})]})
        self.assertEqual(order.crm_campaign_id, campaign)
        self.assertEqual(order.order_line.discount, 10.0)
        order.action_confirm()
        invoice = self.env['account.invoice'].browse(order.action_invoice_create())
        self.assertEqual(invoice.campaign_id, campaign.utm_campaign_id)
        invoice.date_invoice = '2024-03-08'
        invoice.action_invoice_open()
        campaign.sudo(self.user).action_refresh_results()
        target = self.target_of(campaign, self.buyer)
        # 2 x 90 = 180 revenue; cost from the order line 2 x 50 = 100 (not 2 x 60)
        self.assertEqual((target.attributed_revenue, target.attributed_margin), (180.0, 80.0))
        self.assertEqual(campaign.sudo().order_count, 1)

    def test_product_cost_without_company(self):
        """A product's cost set for all companies (a property without company) is its cost
        in the attributed margin, as in the loyalty review's (crm_loyalty/lib/invoice_lines):
        the company's own cost first, else the one without company."""
        shared, own = products_with_shared_costs(self.env)
        campaign = self.campaign_on(self.loyal | self.buyer, 'Shared costs', '2024-03-01')
        self.make_invoice(self.buyer, '2024-03-05', [(shared, 2, 100.0), (own, 1, 100.0)])
        campaign.sudo(self.user).action_refresh_results()
        target = self.target_of(campaign, self.buyer)
        # 300 revenue - 2 x 50 (without company) - 1 x 30 (the company's own)
        self.assertEqual((target.attributed_revenue, target.attributed_margin), (300.0, 170.0))

    def test_contact_costs_feed_the_loyalty_review(self):
        campaign = self.campaign_on(self.loyal | self.buyer, 'Costs', '2024-03-01')
        Value = self.env['crm.loyalty.value']
        extra = Value._cost_to_serve_extra(self.company, [self.buyer.id, self.loyal.id],
                                           '2024-01-01', '2024-12-31')
        self.assertEqual(extra, {self.buyer.id: {'Campaign contacts': 1.0}})
        self.assertEqual(Value._cost_to_serve_extra(
            self.company, [self.buyer.id], '2024-03-02', '2024-12-31'), {})
        self.assertTrue(campaign)
