from odoo.exceptions import AccessError

from .common import LoyaltyCase


class TestAccess(LoyaltyCase):
    """Loyalty user reads; Loyalty manager configures and reviews; salespeople without the
    loyalty groups still sell; companies do not see each other's figures."""

    @classmethod
    def setUpFixtures(cls):
        cls.vida = cls.customer('Vida', user_id=cls.salesman.id)
        cls.invoice(cls.vida, '2024-06-01', 1500, quantity=15)
        cls.review()
        cls.other_company = cls.env['res.company'].create({'name': 'Loyalty Other Co'})
        cls.other_tier = cls.env['crm.loyalty.tier'].create({
            'name': 'Other Gold', 'level': 1, 'company_id': cls.other_company.id})
        cls.other_value = cls.env['crm.loyalty.value'].create({
            'partner_id': cls.vida.id, 'company_id': cls.other_company.id,
            'tier_id': cls.other_tier.id, 'monetary': 99.0})

    def test_loyalty_user_reads_only(self):
        Value = self.env['crm.loyalty.value'].sudo(self.loyalty_user)
        value = Value.search([('partner_id', '=', self.vida.id)])
        self.assertEqual((value.tier_id.name, value.monetary), ('Silver', 1500.0))
        with self.assertRaises(AccessError):
            value.write({'customer_type_manual': 'apostle'})
        with self.assertRaises(AccessError):
            self.env['crm.loyalty.tier'].sudo(self.loyalty_user).create(
                {'name': 'X', 'level': 9, 'threshold': 99999, 'keep_threshold': 99999})
        with self.assertRaises(AccessError):
            self.env['crm.loyalty.review.start'].sudo(self.loyalty_user).create(
                {'company_id': self.company.id}).action_apply()

    def test_loyalty_manager_configures_and_reviews(self):
        tier = self.env['crm.loyalty.tier'].sudo(self.loyalty_manager).create({
            'name': 'Platinum', 'level': 4, 'threshold': 20000.0, 'keep_threshold': 15000.0,
            'company_id': self.company.id})
        self.assertEqual(tier.metric, 'monetary')
        wizard = self.env['crm.loyalty.review.start'].sudo(self.loyalty_manager).create(
            {'company_id': self.company.id, 'date': '2024-06-30'})
        action = wizard.action_apply()
        run = self.env['crm.loyalty.review'].browse(action['res_id'])
        self.assertEqual((run.state, run.customer_count), ('done', 1))
        value = self.value(self.vida)
        value.sudo(self.loyalty_manager).write({'customer_type_manual': 'apostle'})
        self.assertEqual((value.customer_type, value.customer_type_source),
                         ('apostle', 'set by hand'))

    def test_multi_company_isolation(self):
        Value = self.env['crm.loyalty.value'].sudo(self.loyalty_user)
        self.assertEqual(Value.search([('partner_id', '=', self.vida.id)]).company_id,
                         self.company)
        self.assertEqual(self.vida.sudo(self.loyalty_user).loyalty_tier_id.name, 'Silver')
        self.assertEqual(self.vida.with_context(
            force_company=self.other_company.id).loyalty_tier_id, self.other_tier)
        self.assertFalse(self.env['crm.loyalty.tier'].sudo(self.loyalty_user).search(
            [('company_id', '=', self.other_company.id)]))

    def test_salesperson_without_loyalty_groups_sells_normally(self):
        self.assertFalse(self.salesman.has_group('crm_loyalty.group_loyalty_user'))
        Order = self.env['sale.order'].sudo(self.salesman)
        order = Order.create({
            'partner_id': self.vida.id,
            'order_line': [(0, 0, {'product_id': self.product.id, 'product_uom_qty': 1})]})
        order.action_confirm()
        self.assertEqual(order.state, 'sale')
        self.assertEqual(order.partner_loyalty_tier_id.name, 'Silver')
        partner = self.vida.sudo(self.salesman)
        # the class name only: the figures are for the loyalty groups (issue 11)
        self.assertEqual((partner.loyalty_tier_id.name, partner.loyalty_monetary),
                         ('Silver', 0.0))
        # nor through the value rows themselves: margin, CLV and profit are not his to read
        value = self.value(self.vida)
        for model, record in (('crm.loyalty.value', value),
                              ('crm.loyalty.history', value.history_ids[:1])):
            with self.assertRaises(AccessError):
                self.env[model].sudo(self.salesman).browse(record.id).read(['partner_id'])
        with self.assertRaises(AccessError):
            self.env['crm.loyalty.tier'].sudo(self.salesman).create(
                {'name': 'Y', 'level': 8, 'threshold': 88888, 'keep_threshold': 88888})

    def test_only_managers_lock(self):
        value = self.value(self.vida)
        with self.assertRaises(AccessError):
            self.env['crm.loyalty.value.lock'].sudo(self.loyalty_user).create(
                {'value_id': value.id, 'tier_id': self.gold.id, 'reason': 'x'}).action_apply()
