from .common import LoyaltyCase
from .helpers import products_with_shared_costs


class TestFigures(LoyaltyCase):
    """Figures from the books on hand-made histories (review 2024-06-30, 12-month window
    2023-07-01..2024-06-30; the product costs 60 for a price of 100)."""

    @classmethod
    def setUpFixtures(cls):
        eur = cls.env.ref('base.EUR')
        Rate = cls.env['res.currency.rate']
        Rate.create({'name': '2024-01-01', 'rate': 1.0, 'currency_id': cls.company.currency_id.id,
                     'company_id': cls.company.id})
        Rate.create({'name': '2024-01-01', 'rate': 2.0, 'currency_id': eur.id,
                     'company_id': cls.company.id})
        cls.arash = cls.customer('Arash')
        cls.invoice(cls.arash, '2024-06-20', 1000, quantity=10)
        cls.invoice(cls.arash, '2024-03-10', 2000, quantity=20)
        cls.invoice(cls.arash, '2024-04-01', 500, kind='out_refund', quantity=5)
        cls.invoice(cls.arash, '2023-01-15', 300, quantity=3)
        cls.bita = cls.customer('Bita')                       # one purchase
        cls.invoice(cls.bita, '2024-05-01', 500, quantity=5)
        cls.cyrus = cls.customer('Cyrus')                     # no purchase
        cls.dara = cls.customer('Dara Co', is_company=True)   # buys through a contact
        cls.dara_contact = cls.env['res.partner'].create({
            'name': 'Dara Contact', 'parent_id': cls.dara.id, 'type': 'contact'})
        cls.invoice(cls.dara_contact, '2024-06-01', 800, quantity=8)
        cls.elham = cls.customer('Elham')                     # foreign currency
        cls.invoice(cls.elham, '2024-02-15', 500, quantity=5, currency=eur)
        cls.farid = cls.customer('Farid')                     # discount on the repeat
        cls.invoice(cls.farid, '2024-06-10', 1000, quantity=10)
        cls.invoice(cls.farid, '2024-06-15', 1000, quantity=10, discount=20.0)
        cls.review_run = cls.review()

    def test_recency_frequency_monetary_with_refund(self):
        value = self.value(self.arash)
        self.assertEqual((value.recency_days, value.frequency, value.monetary),
                         (10, 2, 2500.0))
        self.assertEqual((value.lifetime_frequency, value.lifetime_monetary,
                          value.previous_frequency), (3, 2800.0, 1))
        self.assertEqual(value.margin, 1000.0)  # 2500 - 60 % cost, the refund returns cost
        self.assertEqual((value.first_invoice_date, value.last_invoice_date),
                         ('2023-01-15', '2024-06-20'))

    def test_quintile_scores_ties_cells_and_segments(self):
        cells = {p.name: (self.value(p).rfm_cell, self.value(p).segment) for p in (
            self.arash, self.farid, self.dara, self.bita, self.elham)}
        self.assertEqual(cells, {
            'Arash': ('545', 'champions'), 'Farid': ('444', 'loyal'),
            'Dara Co': ('313', 'hibernating'), 'Bita': ('212', 'hibernating'),
            'Elham': ('111', 'lost')})
        params = self.review_run.params
        self.assertIn('"f": [1.0, 1.0, 1.0, 2.0]', params)

    def test_customer_with_one_purchase(self):
        value = self.value(self.bita)
        self.assertEqual((value.recency_days, value.frequency, value.monetary,
                          value.lifetime_frequency), (60, 1, 500.0, 1))
        self.assertEqual(value.ladder_stage, 'first_time')
        self.assertEqual(value.tier_id, self.bronze)
        self.assertFalse(value.incentive_free_rate)
        self.assertEqual(value.repeat_days, 0)

    def test_customer_without_purchase(self):
        value = self.value(self.cyrus)
        self.assertEqual((value.frequency, value.monetary, value.r_score), (0, 0.0, 0))
        self.assertFalse(value.segment)
        self.assertFalse(value.tier_id)
        self.assertFalse(value.churn_risk)
        self.assertFalse(value.abc_class)
        self.assertEqual(value.ladder_stage, 'suspect')
        self.assertEqual(value.clv, 0.0)

    def test_contact_sees_commercial_partner_figures(self):
        self.assertFalse(self.env['crm.loyalty.value'].search(
            [('partner_id', '=', self.dara_contact.id)]))
        self.assertEqual(self.value(self.dara).monetary, 800.0)
        self.assertEqual(self.dara_contact.loyalty_monetary, 800.0)
        self.assertEqual(self.dara_contact.loyalty_tier_id, self.bronze)
        self.assertEqual(self.dara_contact.loyalty_segment, 'hibernating')

    def test_foreign_currency_in_company_currency(self):
        value = self.value(self.elham)
        self.assertEqual(value.monetary, 250.0)   # 500 EUR at 2 EUR per USD
        self.assertEqual(value.margin, -50.0)     # cost 5 x 60 USD
        self.assertEqual(value.recency_days, 136)

    def test_discounts_cost_to_serve_and_incentive_free_rate(self):
        value = self.value(self.farid)
        self.assertEqual((value.monetary, value.margin, value.discount_amount),
                         (1800.0, 600.0, 200.0))
        self.assertAlmostEqual(value.discount_share, 0.1)
        self.assertEqual((value.cost_to_serve, value.profit), (200.0, 400.0))
        self.assertAlmostEqual(value.ideal_index, 400.0 / (1800 - 600 + 200), places=4)
        self.assertEqual((value.repeat_days, value.incentive_free_days), (1, 0))
        self.assertEqual(value.incentive_free_rate, 0.0)

    def test_abc_classes(self):
        classes = {p.name: self.value(p).abc_class for p in (
            self.arash, self.farid, self.dara, self.bita, self.elham)}
        self.assertEqual(classes, {'Arash': 'A', 'Farid': 'A', 'Dara Co': 'A', 'Bita': 'B',
                                   'Elham': 'C'})
        self.assertAlmostEqual(self.value(self.arash).revenue_share, 2500 / 5850.0, places=6)

    def test_classes_from_monetary(self):
        tiers = {p.name: self.value(p).tier_id.name for p in (
            self.arash, self.farid, self.dara, self.bita, self.elham)}
        self.assertEqual(tiers, {'Arash': 'Silver', 'Farid': 'Silver', 'Dara Co': 'Bronze',
                                 'Bita': 'Bronze', 'Elham': 'Bronze'})

    def test_simple_clv_fallback_and_churn(self):
        self.assertIn('needs at least 30 customers and 10 repeat customers; this company has '
                      '5 and 2', self.review_run.model_message)
        value = self.value(self.arash)
        self.assertEqual(value.clv_method, 'simple')
        # champions: no previous-window base of 5, company retention = 1 of 1 buyers
        # of the previous window bought again -> r = 1; m = 1000 per year; d = 10 %
        self.assertEqual(value.clv_simple, 10000.0)
        self.assertEqual(value.clv, value.clv_simple)
        # gap: (2024-06-20 - 2023-01-15) / 2 = 261 days; recency 10
        self.assertAlmostEqual(value.gap_ratio, 0.04, places=2)
        self.assertEqual(value.churn_risk, 'low')
        # Farid bought twice 5 days apart and not for 15 days: 3x his gap -> medium
        farid = self.value(self.farid)
        self.assertEqual((farid.gap_ratio, farid.churn_risk), (3.0, 'medium'))
        # one-time buyers are measured against the median gap of repeaters (133 days)
        self.assertEqual(self.value(self.elham).gap_ratio, 1.02)

    def test_margin_from_sale_order_purchase_price(self):
        partner = self.customer('Golnar')
        order = self.env['sale.order'].create({
            'partner_id': partner.id, 'date_order': '2024-06-01 10:00:00',
            'order_line': [(0, 0, {'product_id': self.product.id, 'product_uom_qty': 2,
                                   'price_unit': 100.0, 'purchase_price': 30.0,
                                   'tax_id': [(6, 0, [])]})]})
        order.action_confirm()
        invoice = self.env['account.invoice'].browse(order.action_invoice_create())
        invoice.write({'date_invoice': '2024-06-05'})
        invoice.action_invoice_open()
        self.review()
        value = self.value(partner)
        self.assertEqual((value.monetary, value.margin), (200.0, 140.0))
        self.assertEqual(value.ladder_stage, 'first_time')

    def test_partner_search_fields(self):
        Partner = self.env['res.partner']
        self.assertEqual(Partner.search([('loyalty_segment', '=', 'champions')]), self.arash)
        found = Partner.search([('loyalty_monetary', '>=', 1800), ('customer', '=', True)])
        self.assertEqual(found, self.arash | self.farid)
        self.assertIn(self.dara_contact, Partner.search([('loyalty_tier_id', '=', self.bronze.id)]))
        no_segment = Partner.search([('loyalty_segment', '=', False),
                                     ('id', 'in', (self.cyrus | self.arash).ids)])
        self.assertEqual(no_segment, self.cyrus)
        self.assertEqual(Partner.search([('loyalty_abc_class', '=', 'C'),
                                         ('customer', '=', True)]), self.elham)

    def test_product_cost_as_odoo_reads_it(self):
        """A product's cost is its standard_price as Odoo reads it in the company: the
        company's value, else the value without company (lib/invoice_lines.py)."""
        shared, own = products_with_shared_costs(self.env)
        Product = self.env['product.product'].with_context(force_company=self.company.id)
        self.assertEqual([Product.browse(p.id).standard_price for p in (shared, own)],
                         [50.0, 30.0])
        gita = self.customer('Gita')
        self.invoice(gita, '2024-06-01', 1000, quantity=10, product=shared)
        self.invoice(gita, '2024-06-02', 1000, quantity=10, product=own)
        self.review()
        self.assertEqual(self.value(gita).margin, 2000.0 - 500.0 - 300.0)

    def test_scoring_figures_are_numbers_of_the_value(self):
        """The figures campaigns may score on are numeric fields of the customer value."""
        Value = self.env['crm.loyalty.value']
        self.assertIn('clv', Value._scoring_figures())
        for name in Value._scoring_figures():
            self.assertIn(Value._fields[name].type, ('integer', 'float', 'monetary'), name)
