from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare


class CrmComplaintRefund(models.TransientModel):
    """Credit note on the complaint's invoice, made by Odoo's own refund wizard.

    A partial amount scales the credit note's lines; an amount above what is left to credit on
    the invoice is refused before anything is created.
    """

    _name = 'crm.complaint.refund'
    _description = 'Complaint Credit Note'

    complaint_id = fields.Many2one('crm.complaint', required=True, ondelete='cascade')
    invoice_id = fields.Many2one(related='complaint_id.invoice_id', readonly=True)
    currency_id = fields.Many2one(related='complaint_id.invoice_id.currency_id', readonly=True)
    invoice_total = fields.Monetary(related='complaint_id.invoice_id.amount_total',
                                    readonly=True)
    credited = fields.Monetary(compute='_compute_creditable',
                               help="Credit notes already made on the invoice.")
    creditable = fields.Monetary(string='Left to Credit', compute='_compute_creditable')
    amount = fields.Monetary(required=True, help="Total of the credit note, taxes included.")
    reason = fields.Char(required=True)
    date_invoice = fields.Date(string='Credit Note Date', required=True,
                               default=fields.Date.context_today)
    validate = fields.Boolean(string='Validate now', default=True,
                              help="Validate the credit note at once (else it stays a draft to "
                                   "review; a complaint gated on documents waits for it).")

    @api.model
    def default_get(self, field_names):
        values = super(CrmComplaintRefund, self).default_get(field_names)
        complaint = self.env['crm.complaint'].browse(values.get('complaint_id'))
        if complaint.invoice_id:
            values.setdefault('amount', self._left_to_credit(complaint.invoice_id))
            values.setdefault('reason', _('Complaint %(name)s: %(subject)s') % {
                'name': complaint.name, 'subject': complaint.subject})
        return values

    @api.model
    def _credited(self, invoice):
        refunds = invoice.refund_invoice_ids.filtered(lambda inv: inv.state != 'cancel')
        return sum(refunds.mapped('amount_total'))

    @api.model
    def _left_to_credit(self, invoice):
        return invoice.currency_id.round(invoice.amount_total - self._credited(invoice))

    @api.depends('complaint_id')
    def _compute_creditable(self):
        for wizard in self:
            invoice = wizard.complaint_id.invoice_id
            wizard.credited = self._credited(invoice) if invoice else 0.0
            wizard.creditable = self._left_to_credit(invoice) if invoice else 0.0

    def _check_amount(self):
        invoice = self.complaint_id.invoice_id
        if not invoice:
            raise UserError(_("Complaint %s has no invoice to credit.") % self.complaint_id.name)
        if invoice.state not in ('open', 'paid'):
            raise UserError(_("Invoice %s is not validated: only validated invoices can be "
                              "credited.") % invoice.display_name)
        rounding = invoice.currency_id.rounding
        if float_compare(self.amount, 0.0, precision_rounding=rounding) <= 0:
            raise UserError(_("The amount of a credit note must be positive."))
        left = self._left_to_credit(invoice)
        if float_compare(self.amount, left, precision_rounding=rounding) > 0:
            raise UserError(_(
                "The credit note (%(amount).2f) is larger than what is left to credit on invoice "
                "%(invoice)s (%(left).2f of %(total).2f).") % {
                    'amount': self.amount, 'invoice': invoice.number or invoice.display_name,
                    'left': left, 'total': invoice.amount_total})
        return left

    def action_create(self):
        self.ensure_one()
        left = self._check_amount()
        complaint = self.complaint_id
        invoice = complaint.invoice_id
        rounding = invoice.currency_id.rounding
        full = float_compare(self.amount, invoice.amount_total, precision_rounding=rounding) == 0
        reconcile = full and self.validate and invoice.state == 'open' \
            and not invoice.payment_move_line_ids
        wizard = self.env['account.invoice.refund'].with_context(
            active_model='account.invoice', active_id=invoice.id, active_ids=invoice.ids,
            crm_complaint_id=complaint.id,
        ).create({
            'description': self.reason,
            'date_invoice': self.date_invoice,
            'filter_refund': 'cancel' if reconcile else 'refund',
        })
        wizard.invoice_refund()
        refund = self.env['account.invoice'].search(
            [('refund_invoice_id', '=', invoice.id), ('complaint_id', '=', complaint.id)],
            order='id desc', limit=1)
        if not full and refund.state == 'draft':
            factor = self.amount / invoice.amount_total
            for line in refund.invoice_line_ids:
                line.price_unit = line.price_unit * factor
            refund.compute_taxes()
        if self.validate and refund.state == 'draft':
            refund.action_invoice_open()
        complaint.message_post(
            body=_("Credit note %(number)s of %(amount).2f on invoice %(invoice)s (%(left).2f "
                   "was left to credit).") % {
                'number': refund.number or refund.display_name, 'amount': refund.amount_total,
                'invoice': invoice.number, 'left': left},
            subtype='mail.mt_note')
        # back to the complaint: the credit note is one click away on its smart button
        return {'type': 'ir.actions.act_window_close'}
