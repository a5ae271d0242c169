"""Complaints from the team's email alias: known and unknown senders, and replies."""
from .common import ComplaintCase

MAIL = """Return-Path: <{sender}>
From: {name} <{sender}>
To: complaints-test@example.com
Subject: {subject}
Message-ID: <{message_id}@mail.example.com>
Date: Mon, 04 Mar 2024 09:00:00 +0000
MIME-Version: 1.0
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: 8bit

{body}
"""


class TestMailIntake(ComplaintCase):

    @classmethod
    def setUpClass(cls):
        super(TestMailIntake, cls).setUpClass()
        cls.env['ir.config_parameter'].sudo().set_param('mail.catchall.domain', 'example.com')

    def receive(self, sender, name, subject, body, message_id, extra_headers=''):
        message = MAIL.format(sender=sender, name=name, subject=subject, body=body,
                              message_id=message_id)
        if extra_headers:
            message = extra_headers + message
        return self.env['mail.thread'].message_process(None, message)

    def test_known_sender(self):
        complaint_id = self.receive('sara@acme.example.com', 'Sara Acme', 'Widget arrived broken',
                                    'The box was crushed and the widget is cracked.', 'known-1')
        complaint = self.Complaint.browse(complaint_id)
        self.assertEqual(complaint.partner_id, self.acme_contact)
        self.assertEqual(complaint.team_id, self.team)
        self.assertEqual(complaint.subject, 'Widget arrived broken')
        self.assertEqual(complaint.description, 'The box was crushed and the widget is cracked.')
        self.assertEqual(complaint.channel_id, self.env.ref('crm_complaints.channel_email'))
        self.assertFalse(complaint.is_unknown_sender)
        self.assertFalse(complaint.user_id)
        self.assertEqual(complaint.tier_id, self.gold)
        self.assertEqual(complaint.priority, '2')
        self.assertEqual(complaint.customer_contact_count, 1)
        self.assertEqual({line.target for line in complaint.sla_line_ids}, {'acknowledge', 'resolve'})
        received = complaint.message_ids.filtered(
            lambda m: m.subject == 'YourCompany: we received your complaint (%s)' % complaint.name
            or (m.subject or '').endswith('we received your complaint (%s)' % complaint.name))
        self.assertEqual(len(received), 1)
        self.assertIn(self.acme_contact, received.partner_ids)

    def test_unknown_sender_flagged(self):
        partners = self.env['res.partner'].search_count([])
        complaint = self.Complaint.browse(self.receive(
            'stranger@nowhere.example.org', 'A Stranger', 'Rude driver', 'The driver shouted.',
            'unknown-1'))
        self.assertTrue(complaint.is_unknown_sender)
        self.assertFalse(complaint.partner_id)
        self.assertEqual(complaint.email_from, 'A Stranger <stranger@nowhere.example.org>')
        self.assertEqual(self.env['res.partner'].search_count([]), partners,
                         'no contact is created for a flagged complaint')
        mails = self.env['mail.mail'].search([('model', '=', 'crm.complaint'),
                                              ('res_id', '=', complaint.id)])
        self.assertEqual(mails.mapped('email_to'), ['A Stranger <stranger@nowhere.example.org>'])

    def test_unknown_sender_gets_a_contact(self):
        self.company.complaint_unknown_sender = 'partner'
        complaint = self.Complaint.browse(self.receive(
            'newbie@nowhere.example.org', 'New Customer', 'Wrong invoice', 'Charged twice.',
            'unknown-2'))
        self.assertFalse(complaint.is_unknown_sender)
        self.assertEqual(complaint.partner_id.email, 'newbie@nowhere.example.org')
        self.assertEqual(complaint.partner_id.name, 'New Customer')

    def test_reply_reopens_closed_complaint(self):
        complaint = self.Complaint.browse(self.receive(
            'sara@acme.example.com', 'Sara Acme', 'Late delivery', 'Two weeks late.', 'reply-1'))
        complaint.sudo(self.agent).write({'stage_id': self.stage_resolved.id})
        complaint.sudo(self.agent)._record_followup('satisfied', '')
        complaint.sudo(self.agent).write({'stage_id': self.stage_closed.id})
        self.assertEqual(complaint.step, 'closed')
        reply = MAIL.format(sender='sara@acme.example.com', name='Sara Acme',
                            subject='Re: Late delivery', body='It happened again!',
                            message_id='reply-2')
        reply = 'In-Reply-To: <reply-1@mail.example.com>\nReferences: <reply-1@mail.example.com>\n' \
            + reply
        thread_id = self.env['mail.thread'].message_process(None, reply)
        self.assertEqual(thread_id, complaint.id)
        complaint.invalidate_cache()
        self.assertEqual(complaint.step, 'in_progress')
        self.assertEqual(complaint.reopen_count, 1)
        self.assertEqual(complaint.customer_contact_count, 2)
