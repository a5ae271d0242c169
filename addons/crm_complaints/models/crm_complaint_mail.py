import logging

from odoo import SUPERUSER_ID, _, api, models, tools
from odoo.exceptions import AccessError, UserError
from odoo.tools import html2plaintext

_logger = logging.getLogger(__name__)

MESSAGE_TYPES = ('email', 'comment', 'notification')


class CrmComplaint(models.Model):
    """The complaint's mail gateway: intake by email (sender matching), the automatic receipt,
    the stage emails, the customer's messages (counted; they reopen a closed complaint) and the
    way from a notification to the complaint."""

    # one capability per file on purpose (see models/crm_complaint.py)
    _inherit = 'crm.complaint'  # pylint: disable=consider-merging-classes-inherited

    def _send_acknowledgement(self):
        """Automatic receipt to the customer on intake (not the apology: that is a person)."""
        template = self.env.ref('crm_complaints.mail_template_complaint_received',
                                raise_if_not_found=False)
        if not template:
            return
        for complaint in self:
            if complaint.partner_id:
                complaint.message_post_with_template(
                    template.id, composition_mode='comment',
                    subtype_id=self.env.ref('mail.mt_comment').id)
            elif complaint.email_from:
                # an unknown sender: mail the address without making it a contact
                template.sudo().send_mail(complaint.id)

    @api.multi
    def _track_template(self, tracking):
        result = super(CrmComplaint, self)._track_template(tracking)
        complaint = self[0]
        changes, _tracking_values = tracking[complaint.id]
        if 'stage_id' in changes and complaint.stage_id.mail_template_id:
            result['stage_id'] = (complaint.stage_id.mail_template_id, {
                'composition_mode': 'comment',
                'subtype_id': self.env.ref('mail.mt_comment').id,
            })
        return result

    @api.multi
    def _track_subtype(self, init_values):
        self.ensure_one()
        if 'stage_id' in init_values:
            return 'crm_complaints.mt_complaint_stage'
        return super(CrmComplaint, self)._track_subtype(init_values)

    @api.model
    def message_new(self, msg_dict, custom_values=None):
        """A complaint from an email: the sender's contact is the customer; an unknown sender
        either gets a contact or flags the complaint (company setting)."""
        self.check_access_rights('create')
        if not isinstance(msg_dict, dict) or \
                (custom_values is not None and not isinstance(custom_values, dict)) or \
                not set(msg_dict) & {'message_id', 'email_from', 'from', 'subject', 'body'}:
            raise UserError(_("A complaint by email is made from a parsed email message."))
        # alias defaults naming no field of a complaint are left out, not a reason to refuse
        # the mail (the mail server would deliver it again and again)
        ignored = sorted(set(custom_values or {}) - set(self._fields))
        if ignored:
            _logger.warning("Complaint by email: alias defaults %s are no complaint fields, "
                            "left out.", ignored)
        values = {name: value for name, value in (custom_values or {}).items()
                  if name in self._fields}
        company = self.env['res.company'].browse(
            values.get('company_id') or self.env.user.company_id.id)
        # the sender is one address: a From header listing several gets the first one only
        addresses = tools.email_split_and_format(
            msg_dict.get('email_from') or msg_dict.get('from') or '')
        email = addresses[0] if addresses else False
        values.setdefault('name', _('New'))
        values.setdefault('subject', msg_dict.get('subject') or _('(no subject)'))
        values.setdefault('description', html2plaintext(msg_dict.get('body') or '').strip())
        values.setdefault('email_from', email)
        channel = self.env.ref('crm_complaints.channel_email', raise_if_not_found=False)
        if channel:
            values.setdefault('channel_id', channel.id)
        partner_id = msg_dict.get('author_id')
        unknown = False
        if not partner_id and email:
            if company.complaint_unknown_sender == 'partner':
                partner_id = self._find_partner_from_emails([email], force_create=True)[0]
            else:
                unknown = True
        if partner_id:
            values.setdefault('partner_id', partner_id)
        values.pop('is_unknown_sender', None)
        complaint = super(CrmComplaint, self.with_context(default_user_id=False)).message_new(
            msg_dict, custom_values=values)
        if unknown:
            complaint._internal_write({'is_unknown_sender': True})
        return complaint

    def _is_customer_author(self, author):
        self.ensure_one()
        if not author:
            return False
        if author.user_ids.filtered(lambda u: not u.share):
            return False
        if self.commercial_partner_id:
            return author.commercial_partner_id == self.commercial_partner_id
        return bool(self.email_from and author.email and
                    author.email.lower() in self.email_from.lower())

    @api.multi
    @api.returns('self', lambda value: value.id)
    def message_post(self, body='', subject=None, message_type='notification', subtype=None,
                     parent_id=False, attachments=None, content_subtype='html', **kwargs):
        """Customers only post on complaints they may read; their messages are counted and
        reopen a closed complaint."""
        if self and self.env.uid != SUPERUSER_ID:
            self.check_access_rights('read')
            if isinstance(body, (dict, list, tuple, set)) or \
                    isinstance(subject, (dict, list, tuple, set)) or \
                    message_type not in MESSAGE_TYPES or \
                    not isinstance(subtype, (str, type(None), bool)) or \
                    not isinstance(parent_id, (int, type(None), models.BaseModel)):
                raise UserError(_("A message is a text, with an optional subject, of type "
                                  "email, comment or notification."))
            try:
                self.check_access_rule('read')
            except AccessError:
                raise AccessError(_("You can only post on your own complaints."))
            if self.env.user.share:
                # a customer posts a plain comment, in their own name, now
                message_type, subtype, parent_id = 'comment', 'mail.mt_comment', False
                kwargs = {'author_id': self.env.user.partner_id.id}
        message = super(CrmComplaint, self).message_post(
            body=body, subject=subject, message_type=message_type, subtype=subtype,
            parent_id=parent_id, attachments=attachments, content_subtype=content_subtype,
            **kwargs)
        if len(self) == 1 and message_type in ('email', 'comment') \
                and self._is_customer_author(message.author_id):
            sudo = self.sudo()
            sudo._internal_write({'customer_contact_count': sudo.customer_contact_count + 1})
            if sudo.step == 'closed':
                sudo._reopen_by_customer()
        return message

    def get_access_action(self, access_uid=None):
        """Customers (portal users) land on the portal page of their complaint."""
        self.ensure_one()
        if self.env.uid != SUPERUSER_ID:
            if access_uid and access_uid != self.env.uid:
                raise AccessError(_("You can only ask for your own way to a complaint."))
            self.check_access_rights('read')
            self.check_access_rule('read')
        user = self.env['res.users'].sudo().browse(access_uid) if access_uid else self.env.user
        if user.share and self._portal_readable_by(user):
            return {
                    'type': 'ir.actions.act_url',
                    'url': '/my/complaints/%s' % self.id,
                    'target': 'self',
                    'res_id': self.id,
                }
        return super(CrmComplaint, self).get_access_action(access_uid)

    def _portal_readable_by(self, user):
        try:
            self.sudo(user).check_access_rule('read')
        except AccessError:
            return False
        return True
