from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..lib.bulk import as_date as _as_date
from ..lib.tiers import HISTORY_EVENTS, REVIEW_EVENTS

#: The events a review records, labelled as in the history.
EVENTS = [(code, label) for code, label in HISTORY_EVENTS if code in REVIEW_EVENTS]


class CrmLoyaltyReviewStart(models.TransientModel):
    """Run a review now, or preview it first (dry run: who moves, and what the pricelist
    changes cost)."""

    _name = 'crm.loyalty.review.start'
    _description = 'Run a Loyalty Review'

    company_id = fields.Many2one('res.company', required=True,
                                 default=lambda self: self.env.user.company_id)
    currency_id = fields.Many2one(related='company_id.currency_id', readonly=True)
    date = fields.Date(required=True,
                       default=lambda self: self.env['crm.suite.clock']._today())
    state = fields.Selection([('draft', 'Draft'), ('preview', 'Preview')], default='draft')
    line_ids = fields.One2many('crm.loyalty.review.start.line', 'wizard_id', readonly=True)
    move_count = fields.Integer(compute='_compute_totals')
    pricelist_cost = fields.Monetary(
        compute='_compute_totals',
        help="What the customers who change class would have paid less (negative: more) over "
             "the last window, same products and quantities, with their new pricelist.")
    model_message = fields.Text('CLV Model', readonly=True)

    @api.depends('line_ids.pricelist_cost')
    def _compute_totals(self):
        for wizard in self:
            moves = wizard.line_ids.filtered(lambda line: line.event != 'at_risk')
            wizard.move_count = len(moves)
            wizard.pricelist_cost = sum(moves.mapped('pricelist_cost'))

    def _check_date(self):
        self.env['crm.loyalty.value']._check_manager()
        self.env['crm.loyalty.review']._check_company_allowed(self.company_id)
        if self.date > self.env['crm.suite.clock']._today():
            raise UserError(_("A review cannot be dated in the future."))

    def action_preview(self):
        self.ensure_one()
        self._check_date()
        Review = self.env['crm.loyalty.review'].sudo()
        changes, params = Review.preview(self.company_id, self.date)
        costs = self._pricelist_costs(changes, params)
        self.line_ids.unlink()
        self.write({
            'state': 'preview', 'model_message': params['model_message'],
            'line_ids': [(0, 0, {
                'partner_id': pid, 'from_tier_id': old, 'to_tier_id': new, 'event': event,
                'pricelist_cost': costs.get(pid, 0.0),
            }) for pid, old, new, event in changes],
        })
        return self._reopen()

    def action_apply(self):
        self.ensure_one()
        self._check_date()
        run = self.env['crm.loyalty.review'].sudo().run_review(
            self.company_id, self.date, origin=_('Review by %s') % self.env.user.name)
        return {
            'type': 'ir.actions.act_window', 'res_model': 'crm.loyalty.review',
            'res_id': run.id, 'view_mode': 'form', 'target': 'current',
        }

    def action_apply_jobs(self):
        self.ensure_one()
        self._check_date()
        run = self.env['crm.loyalty.review'].sudo().run_review_jobs(
            self.company_id, self.date, origin=_('Review in jobs by %s') % self.env.user.name)
        return {
            'type': 'ir.actions.act_window', 'res_model': 'crm.loyalty.review',
            'res_id': run.id, 'view_mode': 'form', 'target': 'current',
        }

    def _reopen(self):
        return {'type': 'ir.actions.act_window', 'res_model': self._name, 'res_id': self.id,
                'view_mode': 'form', 'target': 'new'}

    def _pricelist_costs(self, changes, params):
        """Per moving customer: sum over the window's invoiced products of
        ``quantity * (unit price with the current pricelist - unit price with the new one)``
        in company currency (list prices at quantity 1)."""
        company = self.company_id
        movers = {pid: new for pid, old, new, event in changes if event != 'at_risk'}
        if not movers:
            return {}
        Pricelist = self.env['product.pricelist'].sudo()
        current = Pricelist.with_context(force_company=company.id)\
            ._get_partner_pricelist_multi(list(movers), company.id)
        tiers = self.env['crm.loyalty.tier'].sudo().browse(
            [t for t in movers.values() if t])
        default = self.env['ir.property'].sudo().with_context(force_company=company.id).get(
            'property_product_pricelist', 'res.partner')
        target = {pid: (tiers.filtered(lambda t: t.id == tier_id).pricelist_id if tier_id
                        else Pricelist.browse()) or default for pid, tier_id in movers.items()}
        # a customer with a pricelist of their own keeps it (see _apply_pricelists)
        self.env.cr.execute("""
            SELECT v.partner_id FROM crm_loyalty_value v
              JOIN ir_property ip ON ip.res_id = 'res.partner,' || v.partner_id
                   AND ip.company_id = v.company_id AND ip.name = 'property_product_pricelist'
             WHERE v.company_id = %s AND v.partner_id = ANY(%s)
               AND ip.value_reference IS DISTINCT FROM
                   'product.pricelist,' || v.pricelist_set_id
        """, (company.id, list(movers)))
        for (pid,) in self.env.cr.fetchall():
            target[pid] = current.get(pid)
        self.env.cr.execute("""
            SELECT i.commercial_partner_id, l.product_id,
                   sum(CASE WHEN i.type = 'out_refund' THEN -l.quantity ELSE l.quantity END)
              FROM account_invoice_line l JOIN account_invoice i ON i.id = l.invoice_id
             WHERE i.company_id = %s AND i.state IN ('open', 'paid')
               AND i.type IN ('out_invoice', 'out_refund') AND l.product_id IS NOT NULL
               AND i.date_invoice BETWEEN %s AND %s AND i.commercial_partner_id = ANY(%s)
             GROUP BY 1, 2
        """, (company.id, params['date_from'], params['date'], list(movers)))
        bought = defaultdict(list)
        for pid, product_id, qty in self.env.cr.fetchall():
            bought[pid].append((product_id, qty))
        products = self.env['product.product'].browse(
            list({p for rows in bought.values() for p, _q in rows}))
        prices = {}

        def price(pricelist, product_id):
            if not pricelist:
                return 0.0
            key = pricelist.id
            if key not in prices:
                raw = pricelist.get_products_price(products, [1.0] * len(products),
                                                   [False] * len(products))
                currency = pricelist.currency_id.with_context(date=_as_date(params['date']))
                prices[key] = {pid: currency.compute(value, company.currency_id)
                               for pid, value in raw.items()}
            return prices[key].get(product_id, 0.0)

        costs = {}
        for pid, rows in bought.items():
            old, new = current.get(pid), target.get(pid)
            if old == new:
                continue
            costs[pid] = round(sum(qty * (price(old, product) - price(new, product))
                                   for product, qty in rows), 2)
        return costs


class CrmLoyaltyReviewStartLine(models.TransientModel):
    _name = 'crm.loyalty.review.start.line'
    _description = 'Loyalty Review Preview Line'
    _order = 'event, partner_id'

    wizard_id = fields.Many2one('crm.loyalty.review.start', required=True, ondelete='cascade')
    currency_id = fields.Many2one(related='wizard_id.currency_id', readonly=True)
    partner_id = fields.Many2one('res.partner', 'Customer', readonly=True)
    from_tier_id = fields.Many2one('crm.loyalty.tier', 'From', readonly=True)
    to_tier_id = fields.Many2one('crm.loyalty.tier', 'To', readonly=True)
    event = fields.Selection(EVENTS, readonly=True)
    pricelist_cost = fields.Monetary(readonly=True)
