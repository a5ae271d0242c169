from contextlib import contextmanager
from datetime import datetime
from unittest.mock import patch

from odoo import SUPERUSER_ID, api, fields
from odoo.tests.common import HttpCase, SavepointCase

# Monday 4 March 2024, 09:00 UTC: the reference intake time of the tests
MONDAY_9 = datetime(2024, 3, 4, 9, 0, 0)


def setup_fixtures(cls):
    """Own fixtures for the complaint tests, set on ``cls`` (a test class or a test): a calendar
    with a public holiday, SLA policies, a team, users of each group (password = login), two
    customer companies with portal users, loyalty classes and untaxed products, so every amount
    and every deadline is exact."""
    env = cls.env
    cls.Complaint = env['crm.complaint']
    cls.company = env.ref('base.main_company')
    cls.company.write({
        'complaint_hourly_cost': 30.0, 'complaint_repeat_days': 90,
        'complaint_unknown_sender': 'flag', 'complaint_bad_rating': 2,
        'complaint_word_of_mouth': 9.0,
    })
    cls.company2 = env['res.company'].create({'name': 'Second Company (test)'})
    # demo or earlier policies must not compete with the test policies
    env['crm.complaint.sla.policy'].search([]).write({'active': False})

    cls.stage_new = env.ref('crm_complaints.stage_new')
    cls.stage_ack = env.ref('crm_complaints.stage_acknowledged')
    cls.stage_progress = env.ref('crm_complaints.stage_in_progress')
    cls.stage_waiting = env.ref('crm_complaints.stage_waiting')
    cls.stage_resolved = env.ref('crm_complaints.stage_resolved')
    cls.stage_followup = env.ref('crm_complaints.stage_followup')
    cls.stage_closed = env.ref('crm_complaints.stage_closed')
    cls.stage_rejected = env.ref('crm_complaints.stage_rejected')
    cls.stage_duplicate = env.ref('crm_complaints.stage_duplicate')

    # working hours Mon-Fri 8-12 and 13-17 UTC; Wednesday 6 March 2024 is a holiday
    cls.calendar = env['resource.calendar'].create({
        'name': 'Complaint desk (test)',
        'company_id': cls.company.id,
        'attendance_ids': [
            (0, 0, {'name': 'AM', 'dayofweek': str(day), 'hour_from': 8, 'hour_to': 12})
            for day in range(5)] + [
            (0, 0, {'name': 'PM', 'dayofweek': str(day), 'hour_from': 13, 'hour_to': 17})
            for day in range(5)],
    })
    env['resource.calendar.leaves'].create({
        'name': 'Public holiday (test)', 'calendar_id': cls.calendar.id,
        'date_from': '2024-03-06 00:00:00', 'date_to': '2024-03-07 00:00:00', 'tz': 'UTC',
    })

    group_user = env.ref('crm_complaints.group_complaint_user')
    group_manager = env.ref('crm_complaints.group_complaint_manager')
    salesman = env.ref('sales_team.group_sale_salesman')
    billing = env.ref('account.group_account_invoice')
    stock_user = env.ref('stock.group_stock_user')
    portal = env.ref('base.group_portal')
    Users = env['res.users'].with_context(no_reset_password=True, mail_create_nosubscribe=True)

    def user(login, groups, company=None, partner=None):
        values = {
            'name': login.replace('_', ' ').title(), 'login': login, 'password': login,
            'email': '%s@example.com' % login,
            'groups_id': [(6, 0, [group.id for group in groups])],
            'company_id': (company or cls.company).id,
            'company_ids': [(6, 0, (company or cls.company).ids)],
        }
        if partner:
            values['partner_id'] = partner.id
            del values['email']
        return Users.create(values)

    cls.agent = user('cmp_agent', [group_user, salesman, billing, stock_user])
    cls.other_agent = user('cmp_other_agent', [group_user])
    cls.leader = user('cmp_leader', [group_manager, salesman, billing, stock_user])
    cls.escalation_manager = user('cmp_escalation', [group_manager])
    cls.account_manager = user('cmp_account_manager', [salesman])
    cls.agent2 = user('cmp_agent_company2', [group_user], company=cls.company2)

    cls.team = env['crm.complaint.team'].create({
        'name': 'Care (test)', 'company_id': cls.company.id, 'user_id': cls.leader.id,
        'escalation_user_id': cls.escalation_manager.id,
        'member_ids': [(6, 0, cls.agent.ids)], 'alias_name': 'complaints-test',
    })
    cls.other_team = env['crm.complaint.team'].create({
        'name': 'Other desk (test)', 'company_id': cls.company.id,
        'member_ids': [(6, 0, cls.other_agent.ids)],
    })
    cls.team2 = env['crm.complaint.team'].create({
        'name': 'Second company desk (test)', 'company_id': cls.company2.id,
        'member_ids': [(6, 0, cls.agent2.ids)],
    })

    Partner = env['res.partner']
    cls.acme = Partner.create({'name': 'Acme Trading (test)', 'is_company': True,
                               'email': 'info@acme.example.com',
                               'user_id': cls.account_manager.id})
    cls.acme_contact = Partner.create({'name': 'Sara Acme', 'parent_id': cls.acme.id,
                                       'email': 'sara@acme.example.com'})
    cls.beta = Partner.create({'name': 'Beta Stores (test)', 'is_company': True,
                               'email': 'info@beta.example.com'})
    cls.beta_contact = Partner.create({'name': 'Reza Beta', 'parent_id': cls.beta.id,
                                       'email': 'reza@beta.example.com'})
    cls.acme_portal = user('cmp_portal_acme', [portal], partner=cls.acme_contact)
    cls.beta_portal = user('cmp_portal_beta', [portal], partner=cls.beta_contact)

    # loyalty classes of the shared contract; Acme is gold, the top class is platinum
    cls.gold = env.ref('crm_loyalty.tier_gold')
    cls.platinum = env.ref('crm_loyalty.tier_platinum')
    (cls.gold | cls.platinum).write({'company_id': cls.company.id})
    cls.acme_value = env['crm.loyalty.value'].create({
        'partner_id': cls.acme.id, 'company_id': cls.company.id, 'tier_id': cls.gold.id,
        'churn_risk': 'low'})

    Policy = env['crm.complaint.sla.policy']
    common = {'company_id': cls.company.id, 'calendar_id': cls.calendar.id, 'tz': 'UTC'}
    cls.policy_ack = Policy.create(dict(common, name='Acknowledge in 4h', sequence=10,
                                        target='acknowledge', hours=4.0))
    cls.policy_resolve = Policy.create(dict(common, name='Resolve in 16h', sequence=20,
                                            target='resolve', hours=16.0))
    cls.policy_resolve_gold = Policy.create(dict(
        common, name='Gold: resolve in 8h', sequence=30, target='resolve', hours=8.0,
        tier_id=cls.gold.id))
    cls.policy_resolve_urgent = Policy.create(dict(
        common, name='Urgent: resolve in 4h', sequence=40, target='resolve', hours=4.0,
        priority='3'))

    Product = env['product.product']
    cls.widget = Product.create({
        'name': 'Widget (test)', 'type': 'consu', 'list_price': 100.0,
        'standard_price': 40.0, 'invoice_policy': 'order', 'taxes_id': [(6, 0, [])]})
    cls.gadget = Product.create({
        'name': 'Gadget (test)', 'type': 'consu', 'list_price': 50.0,
        'standard_price': 20.0, 'invoice_policy': 'order', 'taxes_id': [(6, 0, [])]})
    cls.category_quality = env.ref('crm_complaints.category_product_quality')
    cls.category_delivery_time = env.ref('crm_complaints.category_delivery_time')
    cls.category_delivery = env.ref('crm_complaints.category_delivery')
    cls.cause_defect = env.ref('crm_complaints.root_cause_defect')
    cls.cause_transport = env.ref('crm_complaints.root_cause_transport')


class ComplaintHelpers(object):

    @contextmanager
    def clock(self, moment):
        """Freeze the complaint clock (workflow dates, SLA status) at ``moment`` (naive UTC)."""
        with patch.object(type(self.env['crm.suite.clock']), '_now', return_value=moment):
            yield

    def dt(self, value):
        return fields.Datetime.from_string(value) if value else value

    def complaint(self, user=None, moment=MONDAY_9, **values):
        """A complaint created by ``user`` (the agent) at ``moment``."""
        values.setdefault('subject', 'Broken widget')
        values.setdefault('partner_id', self.acme_contact.id)
        values.setdefault('team_id', self.team.id)
        values.setdefault('user_id', self.agent.id)
        values.setdefault('date_received', fields.Datetime.to_string(moment))
        with self.clock(moment):
            return self.Complaint.sudo(user or self.agent).create(values)

    def move(self, complaint, stage, moment, user=None):
        with self.clock(moment):
            complaint.sudo(user or self.agent).write({'stage_id': stage.id})
        complaint.invalidate_cache()
        return complaint

    def delivered_order(self, partner=None, lines=None):
        """A confirmed, delivered and invoiced (validated) order of ``partner``."""
        partner = partner or self.acme_contact
        lines = lines or [(self.widget, 2.0, 100.0)]
        order = self.env['sale.order'].create({
            'partner_id': partner.id,
            'user_id': self.agent.id,
            'order_line': [(0, 0, {'product_id': product.id, 'product_uom_qty': qty,
                                   'price_unit': price, 'tax_id': [(6, 0, [])]})
                           for product, qty, price in lines],
        })
        order.action_confirm()
        picking = order.picking_ids
        picking.action_assign()
        for move in picking.move_lines:
            move.quantity_done = move.product_uom_qty
        picking.action_done()
        invoice = self.env['account.invoice'].browse(order.action_invoice_create())
        invoice.action_invoice_open()
        return order, invoice, picking


class ComplaintCase(ComplaintHelpers, SavepointCase):

    @classmethod
    def setUpClass(cls):
        super(ComplaintCase, cls).setUpClass()
        setup_fixtures(cls)


class ComplaintHttpCase(ComplaintHelpers, HttpCase):
    """HTTP tests on the fixtures: Odoo 11's HttpCase serves requests from the registry's test
    cursor, not from the test's own one, so the fixtures are made on the test cursor and
    "committed" to its savepoint (everything is rolled back when the test ends)."""

    def setUp(self):
        super(ComplaintHttpCase, self).setUp()
        own_cr, own_env = self.cr, self.env

        def restore():
            self.cr, self.env = own_cr, own_env
        self.addCleanup(restore)
        self.cr = self.registry.cursor()
        self.cr.release()  # the HTTP server thread takes the cursor's lock per request
        self.env = api.Environment(self.cr, SUPERUSER_ID, {})
        setup_fixtures(self)
        self.commit_for_requests()

    def commit_for_requests(self):
        """Release the test cursor's savepoint (Odoo 11's simulated commit): what the test did
        so far is what the next requests see, and a request that rolls back keeps it."""
        self.cr.commit()  # pylint: disable=invalid-commit

    def new_session(self):
        """A fresh browser session: Odoo 11 caches the session token per session id, so one
        session must not be reused for another user."""
        import odoo
        from odoo.tests.common import get_db_name
        self.session = odoo.http.root.session_store.new()
        self.session_id = self.session.sid
        self.session.db = get_db_name()
        odoo.http.root.session_store.save(self.session)
        self.opener.cookies['session_id'] = self.session_id

    def url_open(self, url, data=None, timeout=30):
        """Requests see what the test did so far (see :meth:`commit_for_requests`)."""
        self.commit_for_requests()
        return super(ComplaintHttpCase, self).url_open(url, data=data, timeout=timeout)
