from odoo.exceptions import UserError, ValidationError
from odoo.tools import mute_logger

from .common import LoyaltyCase


class TestBadInput(LoyaltyCase):
    """Refused with a clear message, nothing half-written."""

    def test_unordered_thresholds(self):
        with self.assertRaises(ValidationError) as caught, self.env.cr.savepoint():
            self.gold.write({'threshold': 900.0, 'keep_threshold': 900.0})
        self.assertEqual(caught.exception.name, "Class Gold (level 3) must qualify above class "
                                                "Silver (level 2): thresholds must rise with "
                                                "the level.")
        self.assertEqual(self.gold.threshold, 5000.0)

    def test_overlapping_keep_threshold(self):
        with self.assertRaises(ValidationError) as caught, self.env.cr.savepoint():
            self.gold.write({'keep_threshold': 700.0})
        self.assertEqual(caught.exception.name, "Class Gold: its keep threshold (700.0) "
                                                "overlaps class Silver, which qualifies at "
                                                "1000.0.")

    def test_keep_above_threshold(self):
        with self.assertRaises(ValidationError) as caught, self.env.cr.savepoint():
            self.silver.write({'keep_threshold': 1200.0})
        self.assertEqual(caught.exception.name, "Class Silver: the keep threshold (1200.0) "
                                                "cannot be above the qualifying threshold "
                                                "(1000.0).")

    def test_negative_window_and_grace(self):
        with self.assertRaises(ValidationError) as caught, self.env.cr.savepoint():
            self.company.write({'loyalty_window_months': -3})
        self.assertEqual(caught.exception.name, "The loyalty window must be at least one month.")
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            self.company.write({'loyalty_grace_days': -1})
        self.assertEqual(self.company.loyalty_window_months, 12)

    def test_abc_shares_over_100(self):
        with self.assertRaises(ValidationError) as caught, self.env.cr.savepoint():
            self.company.write({'loyalty_abc_a': 90.0, 'loyalty_abc_b': 20.0})
        self.assertEqual(caught.exception.name, "ABC shares must be positive and add up to at "
                                                "most 100 %.")

    def test_national_id_check_digit(self):
        with self.assertRaises(ValidationError) as caught, self.env.cr.savepoint():
            self.customer('Wrong ID', loyalty_national_id='0499370898')
        self.assertEqual(caught.exception.name, "National ID 0499370898 of Wrong ID is not "
                                                "valid: it must have ten digits and a correct "
                                                "check digit.")
        self.assertFalse(self.env['res.partner'].search([('name', '=', 'Wrong ID')]))

    def test_national_id_duplicate_and_persian_digits(self):
        first = self.customer('First', loyalty_national_id='۰۴۹۹۳۷۰۸۹۹')
        self.assertEqual(first.loyalty_national_id, '0499370899')
        self.assertEqual(self.env['res.partner'].search(
            [('loyalty_national_id', '=', '0499370899')]), first)
        with self.assertRaises(ValidationError) as caught, self.env.cr.savepoint():
            self.customer('Second', loyalty_national_id='0499370899')
        self.assertEqual(caught.exception.name,
                         "National ID 0499370899 is already used by First.")

    def test_national_id_on_company(self):
        with self.assertRaises(ValidationError) as caught, self.env.cr.savepoint():
            self.customer('Acme', is_company=True, loyalty_national_id='0499370899')
        self.assertEqual(caught.exception.name,
                         "Acme is a company: the national ID is for individuals.")

    def test_lock_without_reason(self):
        partner = self.customer('Pari')
        self.invoice(partner, '2024-06-01', 1500, quantity=15)
        self.review()
        value = self.value(partner)
        with self.assertRaises(UserError) as caught, self.env.cr.savepoint():
            value.sudo(self.loyalty_manager).lock_tier(self.gold, '   ')
        self.assertEqual(caught.exception.name, "A class lock needs a reason.")
        self.assertEqual((value.tier_id, value.tier_locked), (self.silver, False))
        self.assertEqual(len(value.history_ids), 1)

    def test_review_in_the_future(self):
        wizard = self.env['crm.loyalty.review.start'].create(
            {'company_id': self.company.id, 'date': '2999-01-01'})
        with self.assertRaises(UserError) as caught:
            wizard.action_apply()
        self.assertEqual(caught.exception.name, "A review cannot be dated in the future.")
        self.assertFalse(self.env['crm.loyalty.review'].search([]))

    @mute_logger('odoo.sql_db')
    def test_duplicate_value_row(self):
        partner = self.customer('Dup')
        self.env['crm.loyalty.value'].create({'partner_id': partner.id,
                                              'company_id': self.company.id})
        with self.assertRaises(Exception), self.env.cr.savepoint():
            self.env['crm.loyalty.value'].create({'partner_id': partner.id,
                                                  'company_id': self.company.id})
