"""Contacting targets on their channels: one mass mailing to exactly the emailed targets,
call activities for the salespeople, letters and call-centre files (printed or exported from
the campaign).

The call activities are created set-based by the suite's bulk layer (``crm.suite.bulk``).
"""
from datetime import timedelta
from html import escape

from odoo import _, fields, models
from odoo.exceptions import UserError

from odoo.addons.crm_loyalty.lib.bulk import int_array

from .crm_campaign_channel import CHANNEL_MEDIUMS


# one capability of the campaign per file (see crm_campaign.py)
class CrmCampaign(models.Model):
    _inherit = 'crm.campaign'  # pylint: disable=consider-merging-classes-inherited

    def _contact(self, targets, date):
        """Contact ``targets`` on their channels: email through one mass mailing to exactly
        them, call activities for the salespeople, letters and call-centre files to print or
        export. The holdout can never get here."""
        if targets.filtered(lambda t: t.target_group == 'holdout'):
            raise UserError(_("The holdout is never contacted."))
        if not targets:
            return
        self.env.cr.execute("""
            UPDATE crm_campaign_target SET contacted_date = %s, window_start = %s
             WHERE id = ANY(%s)
        """, (date, date, targets.ids))
        targets.invalidate_cache()
        email = targets.filtered(lambda t: t.channel == 'email')
        if email:
            mailing = self._create_mailing(email)
            self.env.cr.execute('UPDATE crm_campaign_target SET mailing_id = %s WHERE id = ANY(%s)',
                                (mailing.id, email.ids))
            targets.invalidate_cache()
        phone = targets.filtered(lambda t: t.channel == 'phone')
        if phone:
            self._schedule_calls(phone, date)

    def _create_mailing(self, targets):
        refusal = self._requires_email_text()
        if refusal:
            raise UserError(refusal)
        partner_ids = sorted(targets.mapped('partner_id').ids)
        sender = self.user_id.partner_id.email or self.company_id.email
        values = {
            'name': self.mail_subject or self.name,
            'mailing_model_id': self.env.ref('base.model_res_partner').id,
            'mailing_domain': repr([('id', 'in', partner_ids)]),
            'campaign_id': self.utm_campaign_id.id,
            'medium_id': self.env.ref(CHANNEL_MEDIUMS['email']).id,
            'body_html': self.mail_body or '<p>%s</p>' % escape(self.offer_description or ''),
            'reply_to_mode': 'email',
        }
        if sender:
            formatted = '%s <%s>' % (self.user_id.name or self.company_id.name, sender)
            values.update(email_from=formatted, reply_to=formatted)
        mailing = self.env['mail.mass_mailing'].create(values)
        mailing.put_in_queue()
        return mailing

    def _schedule_calls(self, targets, date):
        """A call activity on each of ``targets`` for its salesperson (else the campaign's,
        else the current user), due ``call_due_days`` after ``date``: created set-based by
        ``crm.suite.bulk._create_activities`` (due today), then given their deadline."""
        call = self.env.ref('mail.mail_activity_data_call')
        deadline = fields.Date.to_string(
            fields.Date.from_string(date) + timedelta(days=self.call_due_days))
        summary = _("Campaign call: %s") % self.name
        note = self.offer_description or False
        activities = self.env['crm.suite.bulk']._create_activities('crm.campaign.target', [
            (target.id, call.id, target.user_id.id or self.user_id.id or self.env.uid,
             summary, note) for target in targets])
        if activities and deadline != self.env['crm.suite.clock']._today():
            self.env.cr.execute("""
                UPDATE mail_activity SET date_deadline = %s WHERE id = ANY(%s::int[])
            """, (deadline, int_array(activities.ids)))
            self.env.cr.execute("""
                UPDATE crm_campaign_target t SET activity_date_deadline = a.deadline
                  FROM (SELECT res_id, min(date_deadline) AS deadline FROM mail_activity
                         WHERE res_model = 'crm.campaign.target'
                           AND res_id = ANY(%s::int[])
                      GROUP BY res_id) a
                 WHERE t.id = a.res_id
            """, (int_array(targets.ids),))
            activities.invalidate_cache(['date_deadline'])
            targets.invalidate_cache(['activity_date_deadline'])
