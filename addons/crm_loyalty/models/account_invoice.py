import logging

from odoo import api, models

_logger = logging.getLogger(__name__)


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
        """Real-time upgrade: customers whose validated invoices meet a higher tier move up
        at once (one set-based re-evaluation per company)."""
        result = super().invoice_validate()
        self._loyalty_realtime_upgrade()
        return result

    def _loyalty_realtime_upgrade(self):
        """The real-time upgrade of these invoices' customers, each company in a savepoint: a
        loyalty step never blocks the validation of an invoice (it is logged, and the next
        review catches up)."""
        Review = self.env['crm.loyalty.review'].sudo()
        invoices = self.filtered(lambda inv: inv.type == 'out_invoice')
        for company in invoices.mapped('company_id'):
            mine = invoices.filtered(lambda inv: inv.company_id == company)
            try:
                with self.env.cr.savepoint():
                    Review.realtime_upgrade(company, mine.mapped('commercial_partner_id').ids,
                                            max(mine.mapped('date_invoice')))
            except Exception:  # pylint: disable=broad-except
                _logger.warning("Loyalty real-time upgrade of %s skipped (invoices %s); the "
                                "next review catches up", company.name, mine.ids,
                                exc_info=True)
                self.env.cache.invalidate()
