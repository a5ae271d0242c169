from datetime import timedelta

from odoo import _, api, fields, models


class CrmLoyaltyReview(models.Model):
    """Demo data of the loyalty review: invoices with a buying history, then a review."""

    _inherit = 'crm.loyalty.review'

    @api.model
    def _demo_history(self, spec):
        """Demo invoices: ``spec`` = ``[(partner_id, days_ago_of_last_purchase, purchases)]``,
        purchases five days apart, 500 each, product cost 60 %; customers with three
        purchases or more also bought 380 days before their last purchase."""
        company = self.env.user.company_id
        journal = self.env['account.invoice'].with_context(type='out_invoice')._default_journal()
        product = self.env['product.product'].create({
            'name': 'Loyalty demo goods', 'type': 'consu', 'list_price': 100.0,
            'standard_price': 60.0})
        account = product.categ_id.property_account_income_categ_id or \
            journal.default_credit_account_id
        today = self._today()
        for partner_id, days_ago, purchases in spec:
            offsets = [days_ago + 5 * k for k in range(purchases)]
            if purchases >= 3:
                offsets.append(days_ago + 380)
            for offset in offsets:
                invoice = self.env['account.invoice'].create({
                    'partner_id': partner_id, 'type': 'out_invoice', 'journal_id': journal.id,
                    'company_id': company.id,
                    'date_invoice': fields.Date.to_string(
                        today - timedelta(days=offset)),
                    'invoice_line_ids': [(0, 0, {
                        'product_id': product.id, 'name': product.name, 'quantity': 5,
                        'price_unit': 100.0, 'account_id': account.id,
                        'invoice_line_tax_ids': [(6, 0, [])]})],
                })
                invoice.action_invoice_open()

    @api.model
    def _demo_review(self):
        return self.run_review(self.env.user.company_id, origin=_('Demo data'))
