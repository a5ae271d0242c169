"""Attribution: the invoiced revenue and margin of each measured target within its window,
and which campaign each invoice is credited to when several contacted the customer. The SQL
is ``ATTRIBUTION_SQL`` below; the cost of an invoice line and of a product come from the
suite's one definition, ``crm_loyalty/lib/invoice_lines.py`` (the margin the loyalty review
uses).
"""
from odoo import _, api, models

from odoo.addons.crm_loyalty.lib.invoice_lines import (
    DEFAULT_COST_SQL, LINE_COST_SQL, PRODUCT_COST_SQL, UNIT_JOINS_SQL)

from ..lib.states import states_where

# The attribution statement. Each CTE is one step; parameters only, and the costs of an
# invoice line and of a product written once, in crm_loyalty's lib (the review's margin).
ATTRIBUTION_SQL = """
WITH measured AS (
    SELECT t.id, t.partner_id, t.window_start,
           t.window_start + c.attribution_days AS window_end
      FROM crm_campaign_target t
      JOIN crm_campaign c ON c.id = t.campaign_id
     WHERE t.campaign_id = %(campaign_id)s AND t.window_start IS NOT NULL
),
invoice AS (
    SELECT i.id, i.commercial_partner_id AS partner_id,
           COALESCE(origin.date_invoice, i.date_invoice) AS ref_date,
           COALESCE(origin.campaign_id, i.campaign_id) AS utm_id
      FROM account_invoice i
      LEFT JOIN account_invoice origin
             ON origin.id = i.refund_invoice_id AND origin.state IN ('open', 'paid')
     WHERE i.company_id = %(company)s AND i.state IN ('open', 'paid')
       AND i.type IN ('out_invoice', 'out_refund')
       AND i.commercial_partner_id IN (SELECT partner_id FROM measured)
),
windowed AS (
    SELECT m.id AS target_id, v.id AS invoice_id, v.ref_date, v.utm_id, v.partner_id
      FROM measured m
      JOIN invoice v ON v.partner_id = m.partner_id
                    AND v.ref_date >= m.window_start AND v.ref_date <= m.window_end
),
-- money and winners are needed for the invoices of some window only, not for every
-- invoice of the measured customers
in_window AS (
    SELECT DISTINCT invoice_id FROM windowed
),
product_cost AS ({product_cost}
),
default_cost AS ({default_cost}
),
so_cost AS (
    SELECT r.invoice_line_id, avg(sol.purchase_price)::numeric AS purchase_price
      FROM sale_order_line_invoice_rel r
      JOIN sale_order_line sol ON sol.id = r.order_line_id
     WHERE r.invoice_line_id IN (SELECT l.id FROM account_invoice_line l
                                  WHERE l.invoice_id IN (SELECT invoice_id FROM in_window))
     GROUP BY r.invoice_line_id
),
money AS (
    SELECT l.invoice_id,
           SUM(l.price_subtotal_signed) AS revenue,
           SUM(l.price_subtotal_signed - {line_cost}) AS margin
      FROM account_invoice_line l
      JOIN account_invoice i ON i.id = l.invoice_id
      LEFT JOIN so_cost so ON so.invoice_line_id = l.id
      LEFT JOIN product_cost pc ON pc.product_id = l.product_id{unit_joins}
     WHERE l.invoice_id IN (SELECT invoice_id FROM in_window)
     GROUP BY l.invoice_id
),
contact AS (
    SELECT t.partner_id, t.campaign_id, t.contacted_date,
           t.contacted_date + c.attribution_days AS window_end, c.utm_campaign_id
      FROM crm_campaign_target t
      JOIN crm_campaign c ON c.id = t.campaign_id
     WHERE t.company_id = %(company)s AND t.contacted_date IS NOT NULL
       AND t.partner_id IN (SELECT partner_id FROM measured)
),
winner AS (
    SELECT DISTINCT ON (v.id) v.id AS invoice_id, k.campaign_id
      FROM invoice v
      JOIN contact k ON k.partner_id = v.partner_id
                    AND v.ref_date >= k.contacted_date AND v.ref_date <= k.window_end
     WHERE v.id IN (SELECT invoice_id FROM in_window)
     ORDER BY v.id, (k.utm_campaign_id = v.utm_id) IS TRUE DESC, k.contacted_date DESC,
              k.campaign_id DESC
),
per_target AS (
    SELECT w.target_id,
           SUM(mo.revenue) AS window_revenue,
           SUM(mo.margin) AS window_margin,
           SUM(mo.revenue) FILTER (WHERE win.campaign_id = %(campaign_id)s)
               AS attributed_revenue,
           SUM(mo.margin) FILTER (WHERE win.campaign_id = %(campaign_id)s)
               AS attributed_margin
      FROM windowed w
      JOIN money mo ON mo.invoice_id = w.invoice_id
      LEFT JOIN winner win ON win.invoice_id = w.invoice_id
     GROUP BY w.target_id
)
UPDATE crm_campaign_target t
   SET window_revenue = COALESCE(p.window_revenue, 0),
       window_margin = COALESCE(p.window_margin, 0),
       converted = COALESCE(p.window_revenue, 0) > 0,
       attributed_revenue = CASE WHEN t.contacted_date IS NULL THEN 0
                                 ELSE COALESCE(p.attributed_revenue, 0) END,
       attributed_margin = CASE WHEN t.contacted_date IS NULL THEN 0
                                ELSE COALESCE(p.attributed_margin, 0) END
  FROM crm_campaign_target t2
  LEFT JOIN per_target p ON p.target_id = t2.id
 WHERE t.id = t2.id AND t2.campaign_id = %(campaign_id)s
""".format(
    product_cost=PRODUCT_COST_SQL, default_cost=DEFAULT_COST_SQL, unit_joins=UNIT_JOINS_SQL,
    line_cost=LINE_COST_SQL.format(
        so_price='so.purchase_price',
        cost='COALESCE(pc.cost, (SELECT value_float FROM default_cost)::numeric, 0)'))


# one capability of the campaign per file (see crm_campaign.py)
class CrmCampaign(models.Model):
    _inherit = 'crm.campaign'  # pylint: disable=consider-merging-classes-inherited

    def _refresh_attribution(self):
        """Write the invoiced figures of this campaign's measured targets (one statement).

        ``window_*``: every posted customer invoice of the target dated from its window start
        (contact day, or the test day for the holdout) to ``attribution_days`` later, net of
        refunds, in company currency: what the test and holdout are compared on.
        ``attributed_*``: the same invoices, each given to one campaign only when several
        contacted the customer: the one whose tracking campaign the invoice carries, else the
        latest contact before it. Refunds follow the invoice they refund; a refund without
        one counts on its own date. Margin = revenue - cost, cost from the sales order line
        (sale_margin) or the product's cost in the company, as the loyalty review reads it
        (``crm_loyalty/lib/invoice_lines.py``).
        """
        self.ensure_one()
        self.env.cr.execute(ATTRIBUTION_SQL, {'campaign_id': self.id,
                                              'company': self.company_id.id})
        self.env['crm.campaign.target'].invalidate_cache()

    @api.model
    def _cron_refresh_attribution(self):
        """Daily: invoiced figures of the campaigns whose windows are still open."""
        self.search([('state', 'in', states_where('contacted'))])._run_each(
            '_refresh_attribution',
            _("The daily run could not refresh the invoiced results: %s"))
        return True
