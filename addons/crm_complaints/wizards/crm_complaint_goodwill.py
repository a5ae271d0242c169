from odoo import _, fields, models

from ..models.crm_complaint_benefit import BENEFIT_KINDS


class CrmComplaintGoodwill(models.TransientModel):
    """Grant a benefit to make up for the complaint."""

    _name = 'crm.complaint.goodwill'
    _description = 'Complaint Goodwill Gesture'

    complaint_id = fields.Many2one('crm.complaint', required=True, ondelete='cascade')
    currency_id = fields.Many2one(related='complaint_id.company_id.currency_id', readonly=True)
    kind = fields.Selection(BENEFIT_KINDS, required=True, default='discount')
    discount_percent = fields.Float(string='Discount (%)', default=10.0)
    amount = fields.Monetary(string='Value')
    description = fields.Char()
    date_expiry = fields.Date(string='Valid until')

    def action_grant(self):
        self.ensure_one()
        complaint = self.complaint_id
        description = self.description or (
            _('%s %% off the next order') % self.discount_percent if self.kind == 'discount'
            else _('Goodwill gesture'))
        benefit = self.env['crm.complaint.benefit'].create({
            'complaint_id': complaint.id,
            'partner_id': complaint.commercial_partner_id.id,
            'company_id': complaint.company_id.id,
            'kind': self.kind,
            'discount_percent': self.discount_percent if self.kind == 'discount' else 0.0,
            'amount': self.amount if self.kind == 'goodwill' else 0.0,
            'description': description,
            'date_expiry': self.date_expiry,
        })
        complaint.message_post(body=_("Benefit granted: %s.") % description,
                               subtype='mail.mt_note')
        return {'type': 'ir.actions.act_window_close', 'res_id': benefit.id}
