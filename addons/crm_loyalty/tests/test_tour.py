from datetime import timedelta

import odoo.tests
from odoo import SUPERUSER_ID, api, fields


@odoo.tests.common.at_install(False)
@odoo.tests.common.post_install(True)
class TestLoyaltyTour(odoo.tests.HttpCase):
    """In Chromium: review, partner Loyalty tab, new sale order with the class pricelist."""

    def setUp(self):
        super().setUp()
        # the browser's requests run on the registry's test cursor: create the data there
        # (rolled back when the test leaves test mode)
        env = self.env = api.Environment(self.registry.test_cr, SUPERUSER_ID, {})
        company = env.ref('base.main_company')
        # the sale order shows its pricelist to users of multiple pricelists
        env.ref('base.user_root').write(
            {'groups_id': [(4, env.ref('product.group_sale_pricelist').id)]})
        pricelist = env['product.pricelist'].create({
            'name': 'Tour Platinum Prices', 'currency_id': company.currency_id.id})
        platinum = env['crm.loyalty.tier'].search([('company_id', '=', company.id)],
                                                  order='level desc', limit=1)
        platinum.pricelist_id = pricelist
        product = env['product.product'].create({'name': 'Tour goods', 'standard_price': 10.0,
                                                 'list_price': 100.0})
        journal = env['account.invoice'].with_context(type='out_invoice')._default_journal()
        account = journal.default_credit_account_id
        today = fields.Date.from_string(env['crm.suite.clock']._today())

        def invoice(partner, days_ago, amount):
            inv = env['account.invoice'].create({
                'partner_id': partner.id, 'journal_id': journal.id,
                'date_invoice': fields.Date.to_string(today - timedelta(days=days_ago)),
                'invoice_line_ids': [(0, 0, {'product_id': product.id, 'name': 'Goods',
                                             'quantity': 1, 'price_unit': amount,
                                             'account_id': account.id,
                                             'invoice_line_tax_ids': [(6, 0, [])]})]})
            inv.action_invoice_open()

        self.customer = env['res.partner'].create({'name': 'Tour Customer Platinum',
                                                   'customer': True})
        for days in range(0, 60, 6):
            invoice(self.customer, days, 90000.0)
        for k in range(8):
            filler = env['res.partner'].create({'name': 'Tour Filler %d' % k, 'customer': True})
            invoice(filler, 100 + 20 * k, 100.0 * (k + 1))
        self.platinum = platinum

    def test_loyalty_tour(self):
        self.phantom_js(
            '/web', "odoo.__DEBUG__.services['web_tour.tour'].run('crm_loyalty_tour')",
            "odoo.__DEBUG__.services['web_tour.tour'].tours.crm_loyalty_tour.ready",
            login='admin', timeout=300)
        value = self.env['crm.loyalty.value'].search([('partner_id', '=', self.customer.id)])
        self.assertEqual(value.tier_id, self.platinum)
