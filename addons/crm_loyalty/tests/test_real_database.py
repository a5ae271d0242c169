"""Issue 11, "safe on a real database": each attack or bad input as the least privileged user
who could do it."""
import os
import re
import time
from datetime import timedelta
from unittest.mock import patch

import psycopg2
import psycopg2.extras

from odoo import fields, sql_db
from odoo.addons.queue_job.job import Job
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import mute_logger

from .. import hooks
from ..models.crm_loyalty_review import LOCK_KEY
from ..report import crm_loyalty_value_xlsx
from .common import REVIEW_DATE, LoyaltyCase, xlsx_cells
from .walker import sudo_methods

ADDON = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

#: Every public method of crm_loyalty's models and wizards whose body runs ``sudo()``, with
#: how a portal user or an employee without the loyalty groups would call it over RPC.
PUBLIC_SUDO_METHODS = {
    ('crm.loyalty.review', 'run_review'), ('crm.loyalty.review', 'run_review_jobs'),
    ('crm.loyalty.review', 'realtime_upgrade'), ('crm.loyalty.review', 'preview'),
    ('crm.loyalty.value', 'action_unlock'), ('crm.loyalty.value', 'lock_tier'),
    ('crm.loyalty.tier', 'write'), ('res.partner', 'create'),
    ('crm.loyalty.review.start', 'action_preview'), ('crm.loyalty.review.start', 'action_apply'),
    ('crm.loyalty.review.start', 'action_apply_jobs'),
    ('crm.loyalty.value.lock', 'action_apply'),
}


class SafetyCase(LoyaltyCase):

    @classmethod
    def setUpFixtures(cls):
        cls.employee = cls.env['res.users'].create({
            'name': 'Emma Employee', 'login': 'loyalty_employee',
            'groups_id': [(6, 0, [cls.env.ref('base.group_user').id])]})
        cls.employee.partner_id.customer = False
        cls.vida = cls.customer('Vida', user_id=cls.salesman.id)
        cls.invoice(cls.vida, '2024-06-01', 1500, quantity=15)
        cls.portal = cls.env['res.users'].with_context(no_reset_password=True).create({
            'name': 'Vida Portal', 'login': 'loyalty_portal', 'partner_id': cls.vida.id,
            'groups_id': [(6, 0, [cls.env.ref('base.group_portal').id])]})
        cls.other_company = cls.env['res.company'].create({'name': 'Loyalty Other Co'})
        cls.other_tier = cls.env['crm.loyalty.tier'].create({
            'name': 'Other Gold', 'level': 1, 'company_id': cls.other_company.id})


class TestPricelists(SafetyCase):
    """Data loss 1: a pricelist of the customer's own is never replaced or deleted."""

    @classmethod
    def setUpFixtures(cls):  # pylint: disable=missing-return
        super().setUpFixtures()
        day = fields.Date.to_string(fields.Date.from_string(fields.Date.today())
                                    - timedelta(days=10))
        cls.negotiated = cls.env['product.pricelist'].create({
            'name': 'Negotiated', 'currency_id': cls.company.currency_id.id})
        cls.ana = cls.customer('Ana', property_product_pricelist=cls.negotiated.id)
        cls.ana_contact = cls.env['res.partner'].create({'name': 'Ana buyer',
                                                         'parent_id': cls.ana.id})
        cls.ben = cls.customer('Ben', property_product_pricelist=cls.negotiated.id)
        cls.cy = cls.customer('Cy')
        cls.cy_contact = cls.env['res.partner'].create({'name': 'Cy buyer',
                                                        'parent_id': cls.cy.id})
        cls.invoice(cls.ana, day, 6000, quantity=60)
        cls.invoice(cls.ben, day, 1500, quantity=15)
        cls.invoice(cls.cy, day, 6000, quantity=60)
        cls.default = cls.env['res.partner'].create(
            {'name': 'No pricelist'}).property_product_pricelist

    def _properties(self):
        """Every partner-specific pricelist of every company: ``{(res_id, company): value}``."""
        self.env.cr.execute("""
            SELECT res_id, company_id, value_reference FROM ir_property
             WHERE name = 'property_product_pricelist' AND res_id IS NOT NULL""")
        return {(res_id, company): value for res_id, company, value in self.env.cr.fetchall()}

    def _pricelist(self, partner):
        partner.invalidate_cache()
        return partner.with_context(force_company=self.company.id).property_product_pricelist

    def test_review_and_lock_keep_own_pricelists(self):
        self.review(fields.Date.today())
        gold = 'product.pricelist,%d' % self.pricelist_gold.id
        self.assertEqual([self._pricelist(p) for p in (self.ana, self.ana_contact, self.ben,
                                                       self.cy, self.cy_contact)],
                         [self.negotiated, self.negotiated, self.negotiated,
                          self.pricelist_gold, self.pricelist_gold])
        self.assertEqual(self._properties()[('res.partner,%d' % self.cy.id, self.company.id)],
                         gold)
        ana, ben, cy = self.value(self.ana), self.value(self.ben), self.value(self.cy)
        self.assertEqual((ana.tier_id, ana.pricelist_status, ana.pricelist_set_id),
                         (self.gold, 'own', self.env['product.pricelist']))
        self.assertEqual((cy.pricelist_status, cy.pricelist_set_id),
                         ('applied', self.pricelist_gold))
        self.assertEqual((ben.tier_id, ben.pricelist_status), (self.silver, 'own'))
        manager = self.env['crm.loyalty.value'].sudo(self.loyalty_manager)
        manager.browse(ben.id).lock_tier(self.gold, 'Key account')
        manager.browse(cy.id).lock_tier(self.silver, 'Reseller')
        self.assertEqual([self._pricelist(p) for p in (self.ana, self.ben, self.cy,
                                                       self.cy_contact)],
                         [self.negotiated, self.negotiated, self.default, self.default])
        self.assertEqual((ben.pricelist_status, cy.pricelist_status), ('own', 'none'))

    def _every_pricelist(self):
        """Every partner's pricelist in the company, as the sale order takes it."""
        partners = self.env['res.partner'].with_context(
            force_company=self.company.id, active_test=False).search([])
        partners.invalidate_cache()
        return {p.id: p.property_product_pricelist.id for p in partners}

    def test_install_upgrade_uninstall_keep_own_pricelists(self):
        before = self._every_pricelist()
        hooks.post_init_hook(self.env.cr, self.registry)
        after_install = self._every_pricelist()
        gold = {p.id: self.pricelist_gold.id for p in (self.cy, self.cy_contact)}
        self.assertEqual(after_install, {**before, **gold})
        self.review(fields.Date.today())
        self.assertEqual(self._every_pricelist(), after_install)
        # module upgrade: the class data is written again
        self.gold.write({'pricelist_id': self.pricelist_gold.id})
        self.env['crm.loyalty.value']._register_hook()
        self.assertEqual(self._every_pricelist(), after_install)
        hooks.uninstall_hook(self.env.cr, self.registry)
        self.assertEqual(self._every_pricelist(), before)
        self.assertEqual([self._pricelist(p) for p in (self.ana, self.cy, self.cy_contact)],
                         [self.negotiated, self.default, self.default])


class TestRialAmounts(SafetyCase):
    """Data loss 3: amounts of 10^17 rials."""

    def test_review_and_validation_with_huge_amounts(self):
        rich = self.customer('Rial Customer')
        first = self.invoice(rich, '2024-06-01', 1e17)
        run = self.review()
        value = self.value(rich)
        self.assertEqual((run.state, value.tier_id), ('done', self.gold))
        # the amount of the invoice lines, to the rial
        books = ("SELECT sum(price_subtotal_signed) FROM account_invoice_line "
                 "WHERE invoice_id = ANY(%s)")
        self.env.cr.execute("SELECT v.monetary, v.lifetime_monetary, (%s) FROM "
                            "crm_loyalty_value v WHERE v.id = %%s" % books,
                            (first.ids, value.id))
        monetary, lifetime, expected = self.env.cr.fetchone()
        self.assertEqual((monetary, lifetime), (expected, expected))
        self.assertGreaterEqual(expected, 10 ** 17)
        second = self.invoice(rich, '2024-06-20', 1e17)
        self.assertEqual(second.state, 'open')
        self.env.cr.execute("SELECT v.monetary, (%s) FROM crm_loyalty_value v "
                            "WHERE v.id = %%s" % books, ((first | second).ids, value.id))
        monetary, expected = self.env.cr.fetchone()
        self.assertEqual(monetary, expected)

    @mute_logger('odoo.addons.crm_loyalty.models.account_invoice')
    def test_failing_loyalty_step_never_blocks_validation(self):
        self.review()
        Review = type(self.env['crm.loyalty.review'])
        with patch.object(Review, 'realtime_upgrade', side_effect=ZeroDivisionError('boom')):
            invoice = self.invoice(self.vida, '2024-06-20', 9000, quantity=90)
        self.assertEqual(invoice.state, 'open')
        self.assertEqual(self.value(self.vida).tier_id, self.silver)


class TestJobsAndLocks(SafetyCase):
    """Data loss 4 and 5."""

    def test_failed_chunk_fails_the_review_and_frees_the_company(self):
        self.customer_b = self.customer('Second')
        self.invoice(self.customer_b, '2024-06-02', 300, quantity=3)
        Review = self.env['crm.loyalty.review']
        run = Review.run_review_jobs(self.company, REVIEW_DATE, chunk_size=1)
        jobs = self.env['queue.job'].search([('model_name', '=', 'crm.loyalty.review'),
                                             ('method_name', '=', '_job_review_chunk')],
                                            order='id')
        self.assertEqual(len(jobs), 2)
        job = Job.load(self.env, jobs[0].uuid)
        job.set_failed(exc_info='Traceback (most recent call last):\nZeroDivisionError: boom')
        job.store()
        run.invalidate_cache()
        self.assertEqual(run.state, 'failed')
        self.assertEqual(run.error, 'Traceback (most recent call last):\n'
                                    'ZeroDivisionError: boom')
        self.assertFalse(Review._busy(self.company))
        self.assertEqual(Job.load(self.env, jobs[1].uuid).perform(),
                         'Review %d is failed: chunk ignored.' % run.id)
        wizard = self.env['crm.loyalty.review.start'].sudo(self.loyalty_manager).create(
            {'company_id': self.company.id, 'date': '2024-06-30'})
        rerun = Review.browse(wizard.action_apply_jobs()['res_id'])
        self.assertEqual((rerun.state, rerun.chunk_count), ('running', 1))

    def test_invoice_validation_skips_while_a_review_holds_the_company(self):
        Review = type(self.env['crm.loyalty.review'])
        with patch.object(Review, '_lock_company', return_value=True):
            self.review()  # this transaction must not hold the lock: the other cursor does
        cr = self.registry.cursor()
        try:
            cr.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", (LOCK_KEY, self.company.id))
            self.assertTrue(cr.fetchone()[0])
            invoice = self.invoice(self.vida, '2024-06-20', 9000, quantity=90)
        finally:
            cr.rollback()
            cr.close()
        self.assertEqual(invoice.state, 'open')
        self.assertEqual(self.value(self.vida).tier_id, self.silver)
        # without the review, the same validation upgrades at once
        self.invoice(self.vida, '2024-06-21', 10, quantity=1)
        self.assertEqual(self.value(self.vida).tier_id, self.gold)

    def test_review_waits_for_invoice_validations(self):
        """An invoice validation holds the company's lock shared for its transaction: a review
        started meanwhile waits for it instead of saying that a review is running. Here
        another session holds it and lets it go after a second, on the server's own clock
        (an asynchronous connection: no thread of this process is involved)."""
        _db, info = sql_db.connection_info_for(self.env.cr.dbname)
        other = psycopg2.connect(async_=True, **info)
        try:
            psycopg2.extras.wait_select(other)
            holder = other.cursor()
            holder.execute("SELECT pg_advisory_lock_shared(%s, %s)", (LOCK_KEY, self.company.id))
            psycopg2.extras.wait_select(other)
            # sent, not waited for: the server releases the lock a second from now
            holder.execute("SELECT pg_sleep(1.0), pg_advisory_unlock_shared(%s, %s)",
                           (LOCK_KEY, self.company.id))
            started = time.time()
            wizard = self.env['crm.loyalty.review.start'].sudo(self.loyalty_manager).create(
                {'company_id': self.company.id, 'date': '2024-06-30'})
            run = self.env['crm.loyalty.review'].browse(wizard.action_apply()['res_id'])
            self.assertGreaterEqual(time.time() - started, 0.9)
            self.assertEqual(run.state, 'done')
            psycopg2.extras.wait_select(other)
        finally:
            other.close()


class TestCustomerCodes(SafetyCase):
    """Data loss 6."""

    def test_existing_and_later_customers_get_codes(self):
        Partner = self.env['res.partner']
        old = Partner.browse([Partner.create({'name': 'Old %d' % i, 'customer': True}).id
                              for i in range(3)])
        contact = Partner.create({'name': 'Old contact', 'parent_id': old[0].id,
                                  'customer': True})
        self.env.cr.execute("UPDATE res_partner SET loyalty_customer_code = NULL "
                            "WHERE id = ANY(%s)", (old.ids + contact.ids,))
        old.invalidate_cache()
        hooks.post_init_hook(self.env.cr, self.registry)
        old.invalidate_cache()
        codes = old.mapped('loyalty_customer_code')
        self.assertEqual(len(set(codes)), 3)
        self.assertTrue(all(re.fullmatch(r'C\d{6}', code) for code in codes), codes)
        self.assertFalse(contact.loyalty_customer_code)
        supplier = Partner.create({'name': 'Later customer', 'customer': False})
        self.assertFalse(supplier.loyalty_customer_code)
        supplier.write({'customer': True})
        self.assertTrue(re.fullmatch(r'C\d{6}', supplier.loyalty_customer_code or ''))
        self.assertNotIn(supplier.loyalty_customer_code, codes)


class TestFieldAccess(SafetyCase):
    """Access 1: figures for the loyalty groups, class name for salespeople, national IDs
    for sales and loyalty users; force_company only for the user's companies."""

    FIGURES = ['loyalty_clv', 'loyalty_margin', 'loyalty_profit', 'loyalty_churn_risk',
               'loyalty_customer_type', 'loyalty_monetary', 'loyalty_segment',
               'loyalty_p_alive', 'loyalty_history_ids']

    @classmethod
    def setUpFixtures(cls):  # pylint: disable=missing-return
        super().setUpFixtures()
        cls.review()
        cls.other_value = cls.env['crm.loyalty.value'].create({
            'partner_id': cls.vida.id, 'company_id': cls.other_company.id,
            'tier_id': cls.other_tier.id, 'monetary': 99.0})
        cls.vida.loyalty_national_id = '0499370899'

    def test_figures_refused_to_employee_portal_and_salesman(self):
        for user in (self.employee, self.portal, self.salesman):
            for name in self.FIGURES:
                with self.assertRaises(AccessError, msg='%s %s' % (user.login, name)):
                    self.vida.sudo(user).read([name])
        self.assertEqual(self.vida.sudo(self.employee).loyalty_monetary, 0.0)
        self.assertFalse(self.vida.sudo(self.salesman).loyalty_customer_type)

    def test_class_name_for_salesman_figures_for_loyalty_user(self):
        self.assertEqual(self.vida.sudo(self.salesman).read(['loyalty_tier_id'])[0][
            'loyalty_tier_id'][1], 'Silver')
        for user in (self.employee, self.portal):
            with self.assertRaises(AccessError):
                self.vida.sudo(user).read(['loyalty_tier_id'])
        row = self.vida.sudo(self.loyalty_user).read(['loyalty_monetary', 'loyalty_margin'])[0]
        self.assertEqual((row['loyalty_monetary'], row['loyalty_margin']), (1500.0, 600.0))

    def test_force_company_only_for_allowed_companies(self):
        partner = self.vida.sudo(self.loyalty_user).with_context(
            force_company=self.other_company.id)
        self.assertEqual((partner.loyalty_tier_id, partner.loyalty_monetary),
                         (self.silver, 1500.0))
        self.loyalty_user.company_ids |= self.other_company
        partner.invalidate_cache()
        self.assertEqual((partner.loyalty_tier_id, partner.loyalty_monetary),
                         (self.other_tier, 99.0))

    def test_national_id_for_sales_and_loyalty_users_only(self):
        for user in (self.employee, self.portal):
            with self.assertRaises(AccessError):
                self.vida.sudo(user).read(['loyalty_national_id'])
        for user in (self.salesman, self.loyalty_user):
            self.assertEqual(self.vida.sudo(user).read(['loyalty_national_id'])[0][
                'loyalty_national_id'], '0499370899')

    def test_sale_order_shows_no_class_to_portal(self):
        order = self.env['sale.order'].create({'partner_id': self.vida.id,
                                               'user_id': self.salesman.id})
        self.assertEqual(order.sudo(self.salesman).read(['partner_loyalty_tier_id'])[0][
            'partner_loyalty_tier_id'][1], 'Silver')
        with self.assertRaises(AccessError):
            order.sudo(self.portal).read(['partner_loyalty_tier_id'])

    def test_partner_views_load_for_every_user(self):
        """The views reference no field a user cannot read (the web client would crash)."""
        for user in (self.employee, self.salesman, self.loyalty_user, self.loyalty_manager):
            # (a search view's filters may name any field: the client does not load them)
            for view_type in ('form', 'kanban'):
                view = self.env['res.partner'].sudo(user).fields_view_get(view_type=view_type)
                # filters the user cannot see are hidden; fields and modifiers must be known
                arch = re.sub(r'<filter [^>]*invisible="1"[^>]*>', '', view['arch'])
                # a kanban template guards the class: t-if="record.loyalty_tier_id and ..."
                used = set(re.findall(r"""[(\[]["'](loyalty_\w+)["']""", arch))
                self.assertLessEqual(used, set(view['fields']), (user.login, view_type))
            order = self.env['sale.order'].sudo(user).fields_view_get(view_type='form')
            used = set(re.findall(r"""[(\[]["'](partner_loyalty_\w+)["']""", order['arch']))
            self.assertLessEqual(used, set(order['fields']), user.login)
        form = self.env['res.partner'].sudo(self.salesman).fields_view_get(view_type='form')
        self.assertIn('loyalty_tier_id', form['fields'])
        self.assertNotIn('loyalty_clv', form['fields'])


class TestPublicMethods(SafetyCase):
    """Access 2, 4 and bad input on every public method that runs sudo()."""

    @classmethod
    def setUpFixtures(cls):  # pylint: disable=missing-return
        super().setUpFixtures()
        cls.review()
        cls.val = cls.value(cls.vida)

    def test_the_list_is_complete(self):
        # the methods that call sudo() themselves; the list adds those that reach it through
        # another method (partner creation numbers codes, the lock wizard calls lock_tier)
        self.assertLessEqual(sudo_methods(ADDON, public_only=True), PUBLIC_SUDO_METHODS)

    def _calls(self, user):
        env = self.env(user=user.id)
        company = self.company.id
        value = env['crm.loyalty.value'].browse(self.val.id)
        return {
            ('crm.loyalty.review', 'run_review'):
                lambda: env['crm.loyalty.review'].run_review(company, '2024-06-30'),
            ('crm.loyalty.review', 'run_review_jobs'):
                lambda: env['crm.loyalty.review'].run_review_jobs(company, '2024-06-30'),
            ('crm.loyalty.review', 'realtime_upgrade'):
                lambda: env['crm.loyalty.review'].realtime_upgrade(company, [self.vida.id]),
            ('crm.loyalty.review', 'preview'):
                lambda: env['crm.loyalty.review'].preview(company, '2024-06-30'),
            ('crm.loyalty.value', 'action_unlock'): value.action_unlock,
            ('crm.loyalty.value', 'lock_tier'): lambda: value.lock_tier(self.gold.id, 'x'),
            ('crm.loyalty.tier', 'write'):
                lambda: env['crm.loyalty.tier'].browse(self.gold.id).write(
                    {'pricelist_id': False}),
            ('res.partner', 'create'): lambda: env['res.partner'].create(
                {'name': 'Intruder', 'customer': True}),
            ('crm.loyalty.review.start', 'action_preview'): lambda: env[
                'crm.loyalty.review.start'].create({'company_id': company}).action_preview(),
            ('crm.loyalty.review.start', 'action_apply'): lambda: env[
                'crm.loyalty.review.start'].create({'company_id': company}).action_apply(),
            ('crm.loyalty.review.start', 'action_apply_jobs'): lambda: env[
                'crm.loyalty.review.start'].create({'company_id': company}).action_apply_jobs(),
            ('crm.loyalty.value.lock', 'action_apply'): lambda: env[
                'crm.loyalty.value.lock'].create({'value_id': self.val.id,
                                                  'reason': 'x'}).action_apply(),
        }

    def _state(self):
        self.env.cache.invalidate()
        return (self.env['crm.loyalty.review'].search_count([]),
                self.env['queue.job'].search_count([]), self.val.tier_id, self.val.tier_locked,
                self.gold.pricelist_id, self.env['crm.loyalty.history'].search_count([]))

    def test_portal_and_employee_refused(self):
        before = self._state()
        for user in (self.portal, self.employee):
            calls = self._calls(user)
            self.assertEqual(set(calls), PUBLIC_SUDO_METHODS)
            for key, call in sorted(calls.items()):
                if key == ('res.partner', 'create') and user == self.employee:
                    continue  # employees create partners; they get a code, nothing else
                with self.assertRaises((AccessError, UserError), msg='%s %s' % (
                        user.login, key)), self.env.cr.savepoint():
                    call()
        self.assertEqual(self._state(), before)

    def test_manager_of_one_company_cannot_review_another(self):
        Review = self.env['crm.loyalty.review'].sudo(self.loyalty_manager)
        self.assertEqual(self.loyalty_manager.company_ids, self.company)
        wizard = self.env['crm.loyalty.review.start'].sudo(self.loyalty_manager).create(
            {'company_id': self.other_company.id, 'date': '2024-06-30'})
        before = self._state()
        for call in (wizard.action_preview, wizard.action_apply, wizard.action_apply_jobs,
                     lambda: Review.run_review(self.other_company.id, '2024-06-30'),
                     lambda: Review.run_review_jobs(self.other_company, '2024-06-30'),
                     lambda: Review.preview(self.other_company.id)):
            with self.assertRaises(AccessError) as caught, self.env.cr.savepoint():
                call()
            self.assertEqual(caught.exception.name, "You may not review the loyalty of "
                                                    "Loyalty Other Co.")
        self.assertEqual(self._state(), before)

    def test_malformed_arguments(self):
        Review = self.env['crm.loyalty.review'].sudo(self.loyalty_manager)
        value = self.val.sudo(self.loyalty_manager)
        before = self._state()
        cases = [
            (lambda: Review.run_review('abc'), "Unknown company: 'abc'."),
            (lambda: Review.run_review(999999), "Unknown company: 999999."),
            (lambda: Review.run_review(self.company.id, '۱۴۰۳-۰۱-۰۱'),
             "Invalid date '۱۴۰۳-۰۱-۰۱': use YYYY-MM-DD."),
            (lambda: Review.preview(self.company.id, '2024-13-45'),
             "Invalid date '2024-13-45': use YYYY-MM-DD."),
            (lambda: Review.run_review_jobs(self.company.id, 20240630),
             "Invalid date 20240630: use YYYY-MM-DD."),
            (lambda: Review.run_review_jobs(self.company.id, '2024-06-30', chunk_size='x'),
             "The chunk size must be a positive whole number."),
            (lambda: Review.realtime_upgrade(self.company.id, 'abc'),
             "Customers must be given as a list of ids."),
            (lambda: Review.realtime_upgrade(self.company.id, [self.vida.id, '۱۲۳']),
             "Customers must be given as a list of ids."),
            (lambda: value.lock_tier(999999, 'Reason'), "Unknown loyalty class: 999999."),
            (lambda: value.lock_tier('Gold', 'Reason'), "Unknown loyalty class: 'Gold'."),
            (lambda: value.lock_tier(self.other_tier.id, 'Reason'),
             "The class Other Gold belongs to another company."),
            (lambda: value.lock_tier(self.gold.id, 123), "A class lock needs a reason."),
            (lambda: value.lock_tier(self.gold.id, 'x' * 100000),
             "The reason of a class lock has at most 2000 characters."),
            (lambda: self.env['crm.loyalty.value'].sudo(self.loyalty_manager).browse(
                999999).lock_tier(self.gold.id, 'Reason'), "Unknown customer value: 999999."),
        ]
        for call, message in cases:
            with self.assertRaises(UserError, msg=message) as caught, self.env.cr.savepoint():
                call()
            self.assertEqual(caught.exception.name, message)
        for national in ('۱۲۳', 1234567890, 'x' * 100000):
            with self.assertRaises(ValidationError), self.env.cr.savepoint():
                self.vida.write({'loyalty_national_id': national})
        self.assertEqual(self._state(), before)
        self.assertFalse(self.vida.loyalty_national_id)


class TestNotesAndExport(SafetyCase):
    """Access 3 (portal reads no loyalty note) and Access 10 (text is never a formula)."""

    def test_portal_cannot_read_loyalty_notes(self):
        self.review()
        self.invoice(self.vida, '2024-06-20', 9000, quantity=90)  # real-time upgrade
        Message = self.env['mail.message']
        notes = Message.search([('model', '=', 'res.partner'), ('res_id', '=', self.vida.id),
                                ('body', 'like', 'Loyalty class')])
        self.assertTrue(notes)
        self.assertIn('revenue', notes[0].body)
        self.assertEqual(notes.mapped('subtype_id'), self.env.ref('mail.mt_note'))
        portal = Message.sudo(self.portal)
        for note in notes:
            with self.assertRaises(AccessError):
                portal.browse(note.id).read(['body'])
        self.assertFalse(portal.search([('id', 'in', notes.ids)]))
        self.assertFalse(portal.message_fetch([('id', 'in', notes.ids)]))

    def test_export_writes_text_as_text(self):
        names = ['=HYPERLINK("http://x","y")', '+1', '-2', '@SUM(A1)']
        for name in names:
            self.invoice(self.customer(name), '2024-06-01', 100, quantity=1)
        self.review()
        values = self.env['crm.loyalty.value'].search([('partner_id.name', 'in', names)])
        report = self.env.ref('crm_loyalty.customer_value_xlsx')
        content, _kind = report.sudo(self.loyalty_user).render_xlsx(values.ids, {})
        cells = xlsx_cells(content)['Customer Value']
        column_a = {ref: cell for ref, cell in cells.items() if re.fullmatch(r'A\d+', ref)}
        self.assertEqual(sorted(column_a.values()),
                         sorted([('s', 'Customer')] + [('s', name) for name in names]))
        self.assertNotIn('f', {cell[0] for cell in cells.values()})

    def test_export_headers_are_translated(self):
        labels = crm_loyalty_value_xlsx.column_labels()
        with open(os.path.join(ADDON, 'i18n', 'fa.po'), encoding='utf-8') as handle:
            po = handle.read()
        missing = [label for label in labels
                   if not re.search(r'msgid "%s"\nmsgstr "[^"]+"' % re.escape(label), po)]
        self.assertEqual(missing, [])
        with open(os.path.join(ADDON, 'report', 'crm_loyalty_value_xlsx.py')) as handle:
            source = handle.read()
        self.assertEqual([label for label in labels if "_('%s')" % label not in source], [])
