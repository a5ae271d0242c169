from odoo import api, fields, models

SEGMENTS = [
    ('champions', 'Champions'), ('loyal', 'Loyal'), ('potential', 'Potential loyalist'),
    ('new', 'New'), ('at_risk', 'At risk'), ('cant_lose', "Can't lose"),
    ('hibernating', 'Hibernating'), ('lost', 'Lost'),
]
CHURN_RISKS = [('low', 'Low'), ('medium', 'Medium'), ('high', 'High')]


class CrmLoyaltyValue(models.Model):
    """Customer value of one commercial partner in one company, written by the review.

    The suite's shared base: other addons read these figures (campaign scoring, complaint
    SLAs) and feed the review through the hooks below, never through imports.
    """

    _name = 'crm.loyalty.value'
    _description = 'Customer Value'
    _order = 'monetary desc'

    partner_id = fields.Many2one('res.partner', required=True, index=True, ondelete='cascade')
    company_id = fields.Many2one('res.company', required=True, index=True, ondelete='cascade')
    currency_id = fields.Many2one(related='company_id.currency_id', readonly=True)
    tier_id = fields.Many2one('crm.loyalty.tier', string='Class', index=True)
    tier_level = fields.Integer(related='tier_id.level', store=True, readonly=True)
    recency_days = fields.Integer()
    frequency = fields.Integer()
    monetary = fields.Monetary()
    margin = fields.Monetary()
    cost_to_serve = fields.Monetary()
    profit = fields.Monetary()
    r_score = fields.Integer()
    f_score = fields.Integer()
    m_score = fields.Integer()
    rfm_cell = fields.Char()
    segment = fields.Selection(SEGMENTS, index=True)
    clv = fields.Monetary(string='CLV')
    p_alive = fields.Float(string='P(alive)', digits=(3, 4))
    churn_risk = fields.Selection(CHURN_RISKS, index=True)
    attitude_score = fields.Float(help="0-1 from satisfaction ratings; empty when unknown.")
    last_invoice_date = fields.Date()

    _sql_constraints = [
        ('partner_company_uniq', 'unique(partner_id, company_id)',
         'A customer has one value row per company.'),
    ]

    # --- hooks for the other addons --------------------------------------------------------
    @api.model
    def _cost_to_serve_extra(self, company, partner_ids, date_from, date_to):
        """Costs other addons add to the cost to serve, in company currency.

        :returns: ``{partner_id: {source_label: amount}}``; extend with ``super()`` and merge.
        """
        return {}

    @api.model
    def _attitude_scores(self, company, partner_ids):
        """Attitude score in [0, 1] per partner from other addons (satisfaction ratings).

        :returns: ``{partner_id: score}``; partners absent stay unknown (never invented).
        """
        return {}

    @api.model
    def _unresolved_complaint_partner_ids(self, company, partner_ids):
        """Partners with complaints left unresolved (defector detection); ``set()`` here."""
        return set()
