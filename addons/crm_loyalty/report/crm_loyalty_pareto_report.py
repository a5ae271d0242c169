from odoo import api, fields, models, tools


class CrmLoyaltyParetoReport(models.Model):
    """Pareto curve: customers in revenue order, cumulative share of revenue per customer
    decile (10 % of customers, 20 %, ...), per company."""

    _name = 'crm.loyalty.pareto.report'
    _description = 'Pareto of Customer Revenue'
    _auto = False
    _order = 'company_id, decile'

    company_id = fields.Many2one('res.company', readonly=True)
    decile = fields.Integer('Customers (%)', readonly=True)
    customer_count = fields.Integer(readonly=True)
    revenue = fields.Float(readonly=True)
    cumulative_share = fields.Float('Cumulative Revenue (%)', readonly=True, group_operator='max')

    def _select(self):
        return """
            SELECT row_number() OVER (ORDER BY company_id, decile) AS id, company_id,
                   decile * 10 AS decile, count(*) AS customer_count,
                   sum(monetary) AS revenue,
                   max(cumulative) * 100.0 / NULLIF(max(total), 0) AS cumulative_share
        """

    def _from(self):
        return """
            FROM (SELECT company_id, monetary,
                         ntile(10) OVER (PARTITION BY company_id
                                         ORDER BY monetary DESC, partner_id) AS decile,
                         sum(monetary) OVER (PARTITION BY company_id
                                             ORDER BY monetary DESC, partner_id) AS cumulative,
                         sum(monetary) OVER (PARTITION BY company_id) AS total
                    FROM crm_loyalty_value WHERE monetary > 0) ranked
        """

    def _group_by(self):
        return "GROUP BY company_id, decile"

    @api.model_cr
    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute("CREATE OR REPLACE VIEW %s AS (%s %s %s)" % (
            self._table, self._select(), self._from(), self._group_by()))
