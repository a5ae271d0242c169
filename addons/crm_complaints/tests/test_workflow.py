"""The handling steps: stages, dates, follow-up before closing, reopening, duplicates."""
from datetime import datetime

from odoo.exceptions import UserError

from .common import ComplaintCase


class TestWorkflow(ComplaintCase):

    def test_intake_defaults_from_customer_class(self):
        complaint = self.complaint()
        self.assertRegex(complaint.name, r'^CMP/\d{4}/\d{5}$')
        self.assertEqual(complaint.stage_id, self.stage_new)
        self.assertEqual(complaint.step, 'new')
        self.assertEqual(complaint.commercial_partner_id, self.acme)
        self.assertEqual(complaint.tier_id, self.gold)
        # gold's service priority is High
        self.assertEqual(complaint.priority, '2')
        self.assertEqual(complaint.email_from, 'sara@acme.example.com')
        self.assertFalse(complaint.is_acknowledged or complaint.is_resolved or complaint.is_closed)

    def test_acknowledgement_mail_sent_on_intake(self):
        complaint = self.complaint()
        received = self.env.ref('crm_complaints.mail_template_complaint_received')
        messages = complaint.message_ids.filtered(
            lambda m: m.subject and 'we received your complaint (%s)' % complaint.name in m.subject)
        self.assertEqual(len(messages), 1, received.name)
        self.assertIn(self.acme_contact, messages.partner_ids)
        self.assertIn(complaint.name, messages.body)

    def test_full_handling_steps_and_dates(self):
        complaint = self.complaint()
        self.move(complaint, self.stage_ack, datetime(2024, 3, 4, 10, 30))
        self.assertEqual(complaint.date_acknowledged, '2024-03-04 10:30:00')
        self.assertEqual(complaint.first_response_hours, 1.5)
        self.assertEqual(complaint.first_response_hours_calendar, 1.5)
        apology = complaint.message_ids.filtered(
            lambda m: m.subject and m.subject.endswith('about your complaint %s' % complaint.name))
        self.assertEqual(len(apology), 1)
        self.move(complaint, self.stage_progress, datetime(2024, 3, 4, 11))
        # resolved on Tuesday 15:00: 7h Monday (9-12, 13-17) + 6h Tuesday (8-12, 13-15)
        self.move(complaint, self.stage_resolved, datetime(2024, 3, 5, 15))
        self.assertEqual(complaint.date_resolved, '2024-03-05 15:00:00')
        self.assertEqual(complaint.resolution_hours, 13.0)
        self.assertEqual(complaint.resolution_hours_calendar, 30.0)
        self.assertTrue(complaint.is_resolved)
        with self.clock(datetime(2024, 3, 7, 10)):
            complaint.sudo(self.agent)._record_followup('satisfied', 'All good now', 0.25)
        self.assertEqual(complaint.step, 'followup')
        self.assertEqual(complaint.followup_user_id, self.agent)
        self.assertEqual(complaint.followup_date, '2024-03-07 10:00:00')
        self.assertEqual(complaint.handling_hours, 0.25)
        self.move(complaint, self.stage_closed, datetime(2024, 3, 7, 10, 5))
        self.assertTrue(complaint.is_closed)
        self.assertEqual(complaint.date_closed, '2024-03-07 10:05:00')
        self.assertEqual(complaint.rating_requested_date, '2024-03-07 10:05:00')
        self.assertEqual(len(complaint.rating_ids), 1)

    def test_closing_without_followup_refused(self):
        complaint = self.complaint()
        self.move(complaint, self.stage_resolved, datetime(2024, 3, 4, 12))
        with self.assertRaises(UserError) as error, self.env.cr.savepoint():
            self.move(complaint, self.stage_closed, datetime(2024, 3, 4, 13))
        self.assertEqual(error.exception.name,
                         'Complaint %s cannot be closed before its follow-up call is recorded: '
                         'use "Log follow-up" first.' % complaint.name)
        self.assertEqual(complaint.stage_id, self.stage_resolved)
        self.assertFalse(complaint.date_closed)
        self.assertFalse(complaint.rating_ids)

    def test_followup_before_resolution_refused(self):
        complaint = self.complaint()
        with self.assertRaises(UserError) as error, self.env.cr.savepoint():
            complaint.sudo(self.agent)._record_followup('satisfied', 'too early')
        self.assertEqual(error.exception.name, 'Complaint %s is not resolved yet: the follow-up '
                                               'call comes after the resolution.' % complaint.name)
        self.assertFalse(complaint.followup_outcome)

    def test_followup_wizard_closes(self):
        complaint = self.complaint()
        self.move(complaint, self.stage_resolved, datetime(2024, 3, 4, 12))
        wizard = self.env['crm.complaint.followup'].sudo(self.agent).create({
            'complaint_id': complaint.id, 'outcome': 'partly', 'note': 'Wants a discount',
            'duration': 0.5, 'close': True})
        with self.clock(datetime(2024, 3, 5, 9)):
            wizard.action_confirm()
        self.assertEqual(complaint.step, 'closed')
        self.assertEqual(complaint.followup_outcome, 'partly')
        self.assertEqual(complaint.handling_hours, 0.5)
        self.assertEqual(complaint.cost_handling, 15.0)

    def test_customer_reply_reopens_closed_complaint(self):
        complaint = self.complaint()
        self.move(complaint, self.stage_resolved, datetime(2024, 3, 4, 12))
        with self.clock(datetime(2024, 3, 4, 13)):
            complaint.sudo(self.agent)._record_followup('satisfied', '')
        self.move(complaint, self.stage_closed, datetime(2024, 3, 4, 14))
        contacts = complaint.customer_contact_count
        with self.clock(datetime(2024, 3, 5, 9)):
            complaint.sudo(self.acme_portal).message_post(
                body='It broke again', message_type='comment', subtype='mail.mt_comment')
        complaint.invalidate_cache()
        self.assertEqual(complaint.step, 'in_progress')
        self.assertEqual(complaint.reopen_count, 1)
        self.assertEqual(complaint.date_reopened, '2024-03-05 09:00:00')
        self.assertFalse(complaint.date_closed)
        self.assertEqual(complaint.customer_contact_count, contacts + 1)
        # an internal note does not reopen anything
        self.move(complaint, self.stage_closed, datetime(2024, 3, 5, 10))
        complaint.sudo(self.agent).message_post(body='note', message_type='comment',
                                                subtype='mail.mt_note')
        self.assertEqual(complaint.step, 'closed')
        self.assertEqual(complaint.reopen_count, 1)

    def test_reject_ends_the_clocks(self):
        complaint = self.complaint()
        with self.clock(datetime(2024, 3, 4, 10)):
            complaint.sudo(self.agent).action_reject()
        self.assertEqual(complaint.step, 'rejected')
        self.assertTrue(complaint.is_closed)
        self.assertFalse(complaint.is_resolved)
        self.assertEqual(set(complaint.sla_line_ids.mapped('status')), {'met'})
        self.assertFalse(complaint.date_resolved)

    def test_duplicate_needs_the_original(self):
        original = self.complaint()
        copy = self.complaint()
        with self.assertRaises(UserError) as error, self.env.cr.savepoint():
            self.move(copy, self.stage_duplicate, datetime(2024, 3, 4, 10))
        self.assertEqual(error.exception.name, 'Complaint %s can only be marked as a duplicate of '
                                               'another complaint: choose which one.' % copy.name)
        wizard = self.env['crm.complaint.duplicate'].sudo(self.agent).create({
            'complaint_id': copy.id, 'duplicate_of_id': original.id})
        with self.clock(datetime(2024, 3, 4, 10)):
            wizard.action_confirm()
        self.assertEqual(copy.step, 'duplicate')
        self.assertEqual(copy.duplicate_of_id, original)

    def test_buttons_follow_steps_not_names(self):
        complaint = self.complaint()
        self.stage_ack.name = 'Apology sent'
        with self.clock(datetime(2024, 3, 4, 10)):
            complaint.sudo(self.agent).action_acknowledge()
        self.assertEqual(complaint.stage_id, self.stage_ack)
        with self.clock(datetime(2024, 3, 4, 11)):
            complaint.sudo(self.agent).action_start()
        self.assertEqual(complaint.step, 'in_progress')

    def test_created_from_delivered_order(self):
        order, invoice, picking = self.delivered_order()
        action = order.sudo(self.agent).action_file_complaint()
        context = action['context']
        self.assertEqual(context['default_invoice_id'], invoice.id)
        self.assertEqual(context['default_picking_id'], picking.id)
        complaint = self.Complaint.sudo(self.agent).with_context(**context).create(
            {'subject': 'Scratched', 'date_received': '2024-03-04 09:00:00'})
        self.assertEqual(complaint.sale_order_id, order)
        self.assertEqual(complaint.product_ids, self.widget)
        self.assertEqual(order.sudo(self.agent).complaint_count, 1)
        self.assertEqual(invoice.sudo(self.agent).complaint_count, 1)
        self.assertEqual(picking.sudo(self.agent).complaint_count, 1)
        self.assertEqual(self.acme_contact.sudo(self.agent).complaint_count, 1)

    def test_repeat_complaint_detected(self):
        first = self.complaint(product_ids=[(6, 0, self.widget.ids)])
        second = self.complaint(moment=datetime(2024, 4, 1, 9),
                                product_ids=[(6, 0, self.widget.ids)])
        other = self.complaint(moment=datetime(2024, 4, 2, 9),
                               product_ids=[(6, 0, self.gadget.ids)])
        late = self.complaint(moment=datetime(2024, 8, 1, 9),
                              product_ids=[(6, 0, self.widget.ids)])
        self.assertFalse(first.is_repeat)
        self.assertTrue(second.is_repeat)
        self.assertEqual(second.repeat_of_id, first)
        self.assertFalse(other.is_repeat)
        self.assertFalse(late.is_repeat, 'outside the 90 days window')
