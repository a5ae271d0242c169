from odoo import api, models


class AccountInvoice(models.Model):
    _inherit = 'account.invoice'

    @api.model_cr
    def init(self):
        """The review and the real-time upgrade read a customer's invoices by commercial
        partner; the standard module has no index for that."""
        self.env.cr.execute("""CREATE INDEX IF NOT EXISTS account_invoice_loyalty_partner_idx
                               ON account_invoice (company_id, commercial_partner_id)""")

    @api.multi
    def invoice_validate(self):
        """Real-time upgrade: customers whose validated invoices meet a higher class move up
        at once (one set-based re-evaluation per company)."""
        result = super().invoice_validate()
        Review = self.env['crm.loyalty.review'].sudo()
        invoices = self.filtered(lambda inv: inv.type == 'out_invoice')
        for company in invoices.mapped('company_id'):
            mine = invoices.filtered(lambda inv: inv.company_id == company)
            Review.realtime_upgrade(company, mine.mapped('commercial_partner_id').ids,
                                    max(mine.mapped('date_invoice')))
        return result
