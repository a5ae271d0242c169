from odoo import api, fields, models


class AccountInvoice(models.Model):
    _inherit = 'account.invoice'

    complaint_id = fields.Many2one('crm.complaint', string='Credit Note for Complaint',
                                   index=True, copy=False, readonly=True,
                                   groups='crm_complaints.group_complaint_user')
    complaint_ids = fields.One2many('crm.complaint', 'invoice_id', string='Complaints',
                                    groups='crm_complaints.group_complaint_user')
    complaint_count = fields.Integer(compute='_compute_complaint_count',
                                     groups='crm_complaints.group_complaint_user')

    def _compute_complaint_count(self):
        groups = self.env['crm.complaint'].read_group(
            [('invoice_id', 'in', self.ids)], ['invoice_id'], ['invoice_id'])
        counts = {row['invoice_id'][0]: row['invoice_id_count'] for row in groups}
        for invoice in self:
            invoice.complaint_count = counts.get(invoice.id, 0) + (1 if invoice.complaint_id else 0)

    @api.model
    def _prepare_refund(self, invoice, date_invoice=None, date=None, description=None,
                        journal_id=None):
        """Credit notes made from a complaint (its own wizard or Odoo's, opened from the
        complaint) point back to it."""
        values = super(AccountInvoice, self)._prepare_refund(
            invoice, date_invoice=date_invoice, date=date, description=description,
            journal_id=journal_id)
        complaint_id = self.env.context.get('crm_complaint_id')
        if complaint_id:
            values['complaint_id'] = complaint_id
        return values

    def action_view_complaints(self):
        self.ensure_one()
        action = self.env.ref('crm_complaints.crm_complaint_action').read()[0]
        action['domain'] = ['|', ('invoice_id', '=', self.id), ('credit_note_ids', 'in', self.ids)]
        action['context'] = {'default_invoice_id': self.id,
                             'default_partner_id': self.partner_id.id}
        return action
