"""Issue 11, complaints: every attack of the review performed as the least privileged user
who could try it (a portal customer, an employee without the complaints group, an agent),
and the bad calendar that made every complaint creation fail."""
import inspect
from datetime import datetime

from odoo.exceptions import AccessError, MissingError, UserError, ValidationError

from odoo.addons.crm_loyalty.tests.common import xlsx_cells

from .common import ComplaintCase
from .test_mail_intake import MAIL

# every public method of crm_complaints' models, wizards and reports that runs sudo():
# the list is checked against the source below, so a new one must be added (and tested) here
SUDO_METHODS = {
    ('crm.complaint', 'action_opportunity'),
    ('crm.complaint', 'action_rate'),
    ('crm.complaint', 'get_rating_url'),
    ('crm.complaint', 'get_access_action'),
    ('crm.complaint', 'message_post'),
    ('crm.complaint.team', 'write'),
    ('crm.complaint.kpi', 'action_compute'),
}
# fields the workflow computes: read-only in the views, refused over RPC
PROTECTED = {
    'rating_score': 5, 'rating_date': '2024-03-05 09:00:00', 'rating_feedback': 'Great',
    'rating_requested_date': '2024-03-05 09:00:00', 'reopen_count': 0,
    'customer_contact_count': 0, 'first_response_hours': 0.5,
    'first_response_hours_calendar': 0.5, 'resolution_hours': 1.0,
    'resolution_hours_calendar': 1.0, 'date_acknowledged': '2024-03-04 09:10:00',
    'date_resolved': '2024-03-04 09:20:00', 'date_closed': '2024-03-04 09:30:00',
    'date_reopened': '2024-03-04 09:40:00', 'sla_state': 'met', 'escalation': 'none',
    'sla_deadline': '2030-01-01 00:00:00', 'promised_date': '2030-01-01 00:00:00',
    'is_acknowledged': True, 'is_resolved': True, 'is_closed': True, 'tier_id': False,
    'is_top_customer': False, 'is_unknown_sender': False, 'repeat_of_id': False,
    'is_repeat': False, 'followup_outcome': 'satisfied', 'followup_note': 'All fine',
    'followup_date': '2024-03-04 09:50:00', 'followup_user_id': False,
}


class TestSecurity(ComplaintCase):

    def closed_complaint(self, **values):
        complaint = self.complaint(**values)
        self.move(complaint, self.stage_resolved, datetime(2024, 3, 4, 12))
        with self.clock(datetime(2024, 3, 4, 13)):
            complaint._record_followup('satisfied', 'Customer happy, called twice')
        self.move(complaint, self.stage_closed, datetime(2024, 3, 4, 14))
        return complaint

    # --- Access 2: sudo in public methods -------------------------------------------------
    def test_sudo_methods_listed(self):
        """The list of public methods running sudo() is the one of the source code."""
        found = set()
        for model_name in self.env.registry.models:
            for klass in type(self.env[model_name]).__mro__:
                module = getattr(klass, '__module__', '')
                if not module.startswith('odoo.addons.crm_complaints.'):
                    continue
                for name, function in vars(klass).items():
                    if name.startswith('_') or not inspect.isfunction(function):
                        continue
                    if 'sudo(' in inspect.getsource(function):
                        found.add((model_name, name))
        self.assertEqual(found, SUDO_METHODS)

    def attack(self, user, record, method, *args, **kwargs):
        """Call ``method`` as ``user``: AccessError or UserError, nothing written."""
        with self.assertRaises((AccessError, UserError), msg='%s %s.%s' % (
                user.login, record._name, method)), self.env.cr.savepoint():
            getattr(record.sudo(user), method)(*args, **kwargs)

    def test_sudo_methods_refused(self):
        acme = self.closed_complaint()
        beta = self.closed_complaint(partner_id=self.beta_contact.id)
        kpi = self.env['crm.complaint.kpi'].create({
            'date_from': '2024-03-01', 'date_to': '2024-03-31', 'company_id': self.company.id})
        leads = self.env['crm.lead'].search_count([])
        ratings = self.env['rating.rating'].search_count([])
        messages = self.env['mail.message'].search_count([])
        complaints = self.Complaint.search_count([])
        employee = self.account_manager
        for user in (self.acme_portal, employee):
            # the portal customer's own complaint (readable to them) and, for an employee
            # without the group, any complaint
            self.attack(user, acme, 'action_opportunity')
            self.attack(user, acme, 'get_rating_url', 5)
            self.attack(user, beta, 'get_access_action')
            self.attack(user, beta, 'action_rate', 1)
            self.attack(user, beta, 'rating_apply', 1)
            self.attack(user, beta, 'message_post', body='hello', message_type='comment',
                        subtype='mail.mt_comment')
            self.attack(user, acme, 'write', {'subject': 'taken over'})
            self.attack(user, self.team, 'write', {'alias_defaults': "{'priority': '3'}"})
            self.attack(user, self.Complaint, 'message_new', {
                'email_from': 'x@example.com', 'subject': 'forged', 'body': 'x'})
            self.attack(user, kpi, 'action_compute')
            self.attack(user, kpi, 'action_export_xlsx')
        self.assertEqual(self.env['crm.lead'].search_count([]), leads)
        self.assertEqual(self.env['rating.rating'].search_count([]), ratings)
        self.assertEqual(self.env['mail.message'].search_count([]), messages)
        self.assertEqual(self.Complaint.search_count([]), complaints)
        beta.invalidate_cache()
        acme.invalidate_cache()
        self.assertEqual((acme.rating_score, beta.rating_score), (0, 0))
        self.assertEqual(acme.subject, 'Broken widget')
        self.assertFalse(kpi.computed)
        self.assertNotIn('priority', self.team.alias_id.alias_defaults)

    def test_portal_may_still_rate_and_read_own(self):
        acme = self.closed_complaint()
        acme.sudo(self.acme_portal).action_rate(4)
        self.assertEqual(acme.rating_score, 4)
        action = acme.sudo(self.acme_portal).get_access_action()
        self.assertEqual(action['url'], '/my/complaints/%s' % acme.id)

    # --- Access 3: internal fields and notes ----------------------------------------------
    def test_portal_cannot_read_internal_fields(self):
        complaint = self.closed_complaint()
        complaint.sudo().write({'rejection_reason': 'Customer is a known abuser'})
        mine = complaint.sudo(self.acme_portal)
        for field in ('followup_note', 'rejection_reason', 'followup_outcome', 'tier_id',
                      'reopen_count', 'customer_contact_count', 'sla_state', 'escalation',
                      'root_cause_id', 'first_response_hours', 'resolution_hours'):
            with self.assertRaises(AccessError, msg=field):
                mine.read([field])
        self.assertNotIn('followup_note', mine.fields_get())
        # what the portal page shows stays readable
        row = mine.read(['name', 'subject', 'promised_date', 'date_closed', 'rating_score'])[0]
        self.assertEqual(row['subject'], 'Broken widget')
        # the staff still reads them, and the form view renders for an agent
        agent_row = complaint.sudo(self.agent).read(['followup_note', 'rejection_reason'])[0]
        self.assertEqual(agent_row['followup_note'], 'Customer happy, called twice')
        arch = self.Complaint.sudo(self.agent).fields_view_get(view_type='form')['arch']
        self.assertIn('name="followup_note"', arch)

    def test_portal_cannot_read_internal_notes(self):
        complaint = self.closed_complaint()
        # the module's own notes are notifications (Odoo hides internal comments only)
        followup = complaint.message_ids.filtered(
            lambda m: 'Customer happy, called twice' in (m.body or ''))
        self.assertEqual(len(followup), 1)
        note = complaint.sudo(self.agent).message_post(
            body='Customer margin is 3 %, do not give in', subtype='mail.mt_note')
        comment = complaint.sudo(self.agent).message_post(
            body='We are on it', subtype='mail.mt_comment', message_type='comment')
        Message = self.env['mail.message'].sudo(self.acme_portal)
        for internal in (followup, note):
            with self.assertRaises(AccessError):
                Message.browse(internal.id).read(['body'])
            with self.assertRaises(AccessError):
                Message.browse(internal.id).message_format()
        self.assertNotIn(followup, Message.search([('res_id', '=', complaint.id)]))
        self.assertEqual(Message.browse(comment.id).read(['body'])[0]['body'],
                         '<p>We are on it</p>')
        visible = Message.search([('model', '=', 'crm.complaint'), ('res_id', '=', complaint.id)])
        self.assertIn(comment, visible)
        self.assertNotIn(note, visible)
        # the agent still reads the note
        self.assertTrue(self.env['mail.message'].sudo(self.agent).browse(note.id).read(['body']))

    # --- Access 5: the KPI wizard ---------------------------------------------------------
    def test_kpi_wizard_needs_the_complaints_group(self):
        self.closed_complaint()
        for user in (self.acme_portal, self.account_manager):
            wizard = self.env['crm.complaint.kpi'].sudo(user).create({
                'date_from': '2024-03-01', 'date_to': '2024-03-31'})
            with self.assertRaises(AccessError), self.env.cr.savepoint():
                wizard.action_compute()
            with self.assertRaises(AccessError), self.env.cr.savepoint():
                wizard.read(['cost_total'])
            report = self.env.ref('crm_complaints.crm_complaint_kpi_xlsx')
            with self.assertRaises(AccessError), self.env.cr.savepoint():
                report.sudo(user).render(wizard.ids, {})
            wizard.invalidate_cache()
            self.assertFalse(wizard.sudo().computed)
        # another company's figures are refused to an agent of this one
        foreign = self.env['crm.complaint.kpi'].sudo(self.agent).create({
            'date_from': '2024-03-01', 'date_to': '2024-03-31', 'company_id': self.company2.id})
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            foreign.action_compute()
        own = self.env['crm.complaint.kpi'].sudo(self.agent).create({
            'date_from': '2024-03-01', 'date_to': '2024-03-31'})
        own.action_compute()
        self.assertEqual((own.complaint_count, own.cost_handling), (1, 0.0))

    # --- Access 6: read-only fields over RPC ----------------------------------------------
    def test_agent_cannot_write_workflow_fields(self):
        complaint = self.complaint()
        before = complaint.read(list(PROTECTED))[0]
        mine = complaint.sudo(self.agent)
        for field, value in PROTECTED.items():
            for context in ({}, {'crm_complaint_internal': True}):
                with self.assertRaises(AccessError, msg=field) as error, \
                        self.env.cr.savepoint():
                    mine.with_context(**context).write({field: value})
                self.assertIn(field, error.exception.name)
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            self.Complaint.sudo(self.agent).create({'subject': 'Rated already',
                                                    'rating_score': 5, 'reopen_count': 7})
        complaint.invalidate_cache()
        self.assertEqual(complaint.read(list(PROTECTED))[0], before)
        self.assertFalse(self.Complaint.search([('subject', '=', 'Rated already')]))
        # the context flag of the workflow's own writes skips no rule for a caller either
        with self.assertRaises(UserError), self.env.cr.savepoint():
            mine.with_context(crm_complaint_internal=True).write(
                {'stage_id': self.stage_closed.id})
        self.assertEqual(complaint.step, 'new')
        # ordinary fields stay writable
        mine.write({'subject': 'Cracked widget', 'handling_hours': 1.5})
        self.assertEqual((complaint.subject, complaint.handling_hours), ('Cracked widget', 1.5))

    # --- Access 9: the acknowledgement of a crafted From header ---------------------------
    def test_acknowledgement_to_one_address(self):
        self.env['ir.config_parameter'].sudo().set_param('mail.catchall.domain', 'example.com')
        raw = MAIL.format(sender='a@x.example.com', name='A', subject='Spam them all',
                          body='Please answer.', message_id='crafted-1')
        raw = raw.replace('From: A <a@x.example.com>',
                          'From: "a" <a@x.example.com>, b@y.example.com, c@z.example.com')
        complaint = self.Complaint.browse(self.env['mail.thread'].message_process(None, raw))
        self.assertEqual(complaint.email_from, 'a <a@x.example.com>')
        mails = self.env['mail.mail'].search([('model', '=', 'crm.complaint'),
                                              ('res_id', '=', complaint.id)])
        self.assertEqual(len(mails), 1)
        recipients = mails.email_to.split(',') + mails.recipient_ids.mapped('email')
        self.assertEqual(recipients, ['a <a@x.example.com>'])
        # the same with a contact made of the sender: one address, the first one
        self.company.complaint_unknown_sender = 'partner'
        raw = raw.replace('crafted-1', 'crafted-2').replace('a@x.example.com', 'd@x.example.com')
        complaint = self.Complaint.browse(self.env['mail.thread'].message_process(None, raw))
        self.assertEqual(complaint.partner_id.email, 'd@x.example.com')
        received = complaint.message_ids.filtered(
            lambda m: (m.subject or '').endswith('we received your complaint (%s)'
                                                 % complaint.name))
        self.assertEqual(received.partner_ids.mapped('email'), ['d@x.example.com'])
        mails = self.env['mail.mail'].search([('model', '=', 'crm.complaint'),
                                              ('res_id', '=', complaint.id)])
        self.assertFalse(mails.filtered('email_to'))

    # --- Access 10: the KPI export writes text as text ------------------------------------
    def test_xlsx_formula_injection(self):
        formula = '=HYPERLINK("http://x","y")'
        self.company.name = formula
        self.team.name = formula
        self.cause_defect.name = formula
        self.acme.name = formula
        self.complaint(root_cause_id=self.cause_defect.id)
        kpi = self.env['crm.complaint.kpi'].sudo(self.leader).create({
            'date_from': '2024-03-01', 'date_to': '2024-03-31', 'team_id': self.team.id})
        kpi.action_compute()
        content, _kind = self.env.ref('crm_complaints.crm_complaint_kpi_xlsx').sudo(
            self.leader).render(kpi.ids, {})
        cells = xlsx_cells(content)
        formulas = [(sheet, ref) for sheet, sheet_cells in cells.items()
                    for ref, (kind, _text) in sheet_cells.items() if kind == 'f']
        self.assertEqual(formulas, [])
        self.assertEqual(cells['KPIs']['B3'], ('s', formula))
        self.assertEqual(cells['KPIs']['B4'], ('s', formula))
        self.assertEqual(cells['Pareto root causes']['A2'], ('s', formula))
        self.assertEqual(cells['Complaints']['C2'], ('s', formula))

    # --- bad calendar ---------------------------------------------------------------------
    def insert_bad_attendances(self):
        calendars = self.calendar | self.company.resource_calendar_id
        for calendar in calendars:
            self.env.cr.execute("""
                INSERT INTO resource_calendar_attendance
                       (name, dayofweek, hour_from, hour_to, calendar_id)
                VALUES ('Backwards', '0', 17, 9, %s), ('Empty', '1', 10, 10, %s),
                       ('Past midnight', '2', 20, 30, %s)""",
                                (calendar.id, calendar.id, calendar.id))
        calendars.invalidate_cache()

    def test_bad_attendance_does_not_block_creation(self):
        self.insert_bad_attendances()
        complaint = self.complaint()
        deadlines = {line.target: line.deadline for line in complaint.sla_line_ids}
        # Monday 9:00 + 4 working hours (8-12, 13-17): 14:00; + 8 (gold): Tuesday 9:00
        self.assertEqual(deadlines, {'acknowledge': '2024-03-04 14:00:00',
                                     'resolve': '2024-03-05 09:00:00'})
        self.move(complaint, self.stage_ack, datetime(2024, 3, 4, 10))
        self.assertEqual(complaint.first_response_hours, 1.0)
        # mail intake too
        self.env['ir.config_parameter'].sudo().set_param('mail.catchall.domain', 'example.com')
        raw = MAIL.format(sender='sara@acme.example.com', name='Sara Acme', subject='Bad hours',
                          body='Created anyway.', message_id='bad-calendar-1')
        by_mail = self.Complaint.browse(self.env['mail.thread'].message_process(None, raw))
        self.assertEqual(by_mail.subject, 'Bad hours')
        self.assertEqual(len(by_mail.sla_line_ids), 2)

    def test_calendar_without_valid_hours_falls_back(self):
        self.env.cr.execute("UPDATE resource_calendar_attendance SET hour_to = hour_from "
                            "WHERE calendar_id = %s", (self.calendar.id,))
        self.calendar.invalidate_cache()
        complaint = self.complaint()
        # round the clock: 4 and 8 hours after Monday 9:00
        self.assertEqual({line.target: line.deadline for line in complaint.sla_line_ids},
                         {'acknowledge': '2024-03-04 13:00:00',
                          'resolve': '2024-03-04 17:00:00'})

    # --- bad input on the public methods --------------------------------------------------
    def test_bad_arguments_of_public_methods(self):
        complaint = self.closed_complaint()
        other = self.complaint(user=self.agent2, team_id=self.team2.id, user_id=self.agent2.id,
                               company_id=self.company2.id, partner_id=self.beta_contact.id)
        portal = complaint.sudo(self.acme_portal)
        for bad in ('۱۲۳', {'a': 1}, [1, 'x'], None, 'x' * 100000, 10 ** 30, 2.5, True):
            for method in ('action_rate', 'rating_apply'):
                with self.assertRaises(ValidationError, msg='%s %r' % (method, bad)) as error, \
                        self.env.cr.savepoint():
                    getattr(portal, method)(bad)
                self.assertEqual(error.exception.name, 'A rating is a whole number from 1 to 5.')
        for feedback in ({'a': 1}, 'x' * 10001):
            with self.assertRaises(UserError), self.env.cr.savepoint():
                portal.action_rate(4, feedback=feedback)
        with self.assertRaises(UserError), self.env.cr.savepoint():
            self.Complaint.sudo(self.leader).message_new('not a mail')
        messages = len(complaint.message_ids)
        for kwargs in ({'body': {'a': 1}}, {'body': 'x', 'subject': ['x']},
                       {'body': 'x', 'message_type': 'x' * 1000}, {'body': 'x', 'subtype': 5},
                       {'body': 'x', 'parent_id': 'abc'}):
            with self.assertRaises(UserError) as error, self.env.cr.savepoint():
                complaint.sudo(self.leader).message_post(**kwargs)
            self.assertEqual(error.exception.name, 'A message is a text, with an optional '
                             'subject, of type email, comment or notification.')
        complaint.invalidate_cache()
        self.assertEqual(len(complaint.message_ids), messages)
        # another company's complaint as duplicate target: refused before anything is written
        wizard = self.env['crm.complaint.duplicate'].sudo(self.agent).create({
            'complaint_id': complaint.id, 'duplicate_of_id': other.id})
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            wizard.action_confirm()
        complaint.invalidate_cache()
        self.assertFalse(complaint.duplicate_of_id)
        self.assertEqual(complaint.rating_score, 0)
        # missing ids: a clear MissingError/AccessError, not a crash
        for method in ('action_opportunity', 'action_credit_note', 'action_resolve'):
            with self.assertRaises((AccessError, MissingError, UserError), msg=method), \
                    self.env.cr.savepoint():
                getattr(self.Complaint.sudo(self.leader).browse(2147480000), method)()
        # follow-up call: a negative or absurd duration, before anything is written
        resolved = self.complaint()
        self.move(resolved, self.stage_resolved, datetime(2024, 3, 4, 12))
        for duration in (-1.0, 1e9):
            wizard = self.env['crm.complaint.followup'].sudo(self.agent).create({
                'complaint_id': resolved.id, 'outcome': 'satisfied', 'duration': duration})
            with self.assertRaises(ValidationError) as error, self.env.cr.savepoint():
                wizard.action_confirm()
            self.assertEqual(error.exception.name,
                             'The handling time of a complaint is from 0 to 10000 hours.')
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            resolved.sudo(self.agent).write({'handling_hours': -5.0})
        resolved.invalidate_cache()
        self.assertEqual((resolved.followup_outcome, resolved.handling_hours, resolved.step),
                         (False, 0.0, 'resolved'))
        # KPI wizard: a period backwards
        kpi = self.env['crm.complaint.kpi'].sudo(self.leader).create({
            'date_from': '2024-03-31', 'date_to': '2024-03-01'})
        with self.assertRaises(UserError), self.env.cr.savepoint():
            kpi.action_compute()
