from odoo import SUPERUSER_ID, _, api, models
from odoo.exceptions import AccessError
from odoo.osv import expression

# what customers may read of a complaint's chatter: what the portal page shows
CUSTOMER_VISIBLE = ['|', ('model', '!=', 'crm.complaint'),
                    '&', ('subtype_id', '!=', False), ('subtype_id.internal', '=', False)]


class MailMessage(models.Model):
    """Internal notes of complaints (follow-up calls, ratings, workflow notes: notifications with
    an internal subtype, or none) stay unreadable to portal users, also by message id over RPC.
    Odoo hides internal *comments* from them, not internal notifications."""

    _inherit = 'mail.message'

    def _customer_reader(self):
        return self.env.uid != SUPERUSER_ID and self.env.user.share

    @api.model
    def _search(self, args, offset=0, limit=None, order=None, count=False,
                access_rights_uid=None):
        if self._customer_reader():
            args = expression.AND([list(args), CUSTOMER_VISIBLE])
        return super(MailMessage, self)._search(
            args, offset=offset, limit=limit, order=order, count=count,
            access_rights_uid=access_rights_uid)

    @api.multi
    def check_access_rule(self, operation):
        result = super(MailMessage, self).check_access_rule(operation)
        if operation == 'read' and self.ids and self._customer_reader():
            self.env.cr.execute("""
                SELECT message.id
                  FROM mail_message message
             LEFT JOIN mail_message_subtype subtype ON subtype.id = message.subtype_id
                 WHERE message.id = ANY(%s) AND message.model = 'crm.complaint'
                   AND (subtype.id IS NULL OR subtype.internal)
                 LIMIT 1""", (list(self.ids),))
            if self.env.cr.fetchone():
                raise AccessError(_("This message is an internal note of the complaint team."))
        return result
