from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

METRICS = [
    ('score', 'RFM composite score (0-100)'),
    ('monetary', 'Net revenue in the window'),
    ('margin', 'Gross margin in the window'),
    ('frequency', 'Purchase days in the window'),
]


class ResCompany(models.Model):
    """Loyalty settings live on the company: each company reviews its own books."""

    _inherit = 'res.company'

    loyalty_window_months = fields.Integer(
        'Loyalty Window (months)', default=12,
        help="Frequency, revenue and margin are measured over this many months up to the "
             "review date; the previous window of the same length gives retention.")
    loyalty_metric = fields.Selection(
        METRICS, 'Class Qualification Metric', default='score', required=True,
        help="The figure compared with each class's thresholds.")
    loyalty_weight_r = fields.Float('Recency Weight', default=1.0)
    loyalty_weight_f = fields.Float('Frequency Weight', default=1.0)
    loyalty_weight_m = fields.Float('Monetary Weight', default=1.0)
    loyalty_grace_days = fields.Integer(
        'Downgrade Grace (days)', default=30,
        help="Days a customer below the keep threshold of the class keeps it before falling "
             "one level per review.")
    loyalty_abc_a = fields.Float('ABC: A share (%)', default=80.0)
    loyalty_abc_b = fields.Float('ABC: B share (%)', default=15.0)
    loyalty_discount_rate = fields.Float(
        'CLV Yearly Discount Rate (%)', default=10.0)
    loyalty_clv_horizon = fields.Integer('CLV Horizon (months)', default=12)
    loyalty_churn_high_p_alive = fields.Float('High Churn below P(alive)', default=0.3)
    loyalty_churn_medium_p_alive = fields.Float('Medium Churn below P(alive)', default=0.7)
    loyalty_churn_high_gap = fields.Float(
        'High Churn above Gap Ratio', default=3.0,
        help="Days since the last purchase divided by the customer's usual gap between "
             "purchases.")
    loyalty_churn_medium_gap = fields.Float('Medium Churn above Gap Ratio', default=1.5)
    loyalty_mercenary_share = fields.Float(
        'Mercenary from Discount Share (%)', default=30.0,
        help="Customers whose discounts reach this share of their list value in the window "
             "are typed mercenary.")
    loyalty_realtime_upgrade = fields.Boolean(
        'Real-time Upgrade', default=True,
        help="Upgrade a customer as soon as a validated invoice meets the next class's "
             "threshold, and tell the salesperson.")
    loyalty_review_chunk_size = fields.Integer(
        'Review Job Size', default=0,
        help="0: the scheduled review runs in one transaction. Otherwise it runs as queue "
             "jobs of this many customers each, spread over the workers.")

    @api.constrains('loyalty_window_months', 'loyalty_grace_days', 'loyalty_clv_horizon',
                    'loyalty_review_chunk_size')
    def _check_loyalty_periods(self):
        for company in self:
            if company.loyalty_window_months < 1:
                raise ValidationError(_("The loyalty window must be at least one month."))
            if company.loyalty_grace_days < 0:
                raise ValidationError(_("The downgrade grace period cannot be negative."))
            if company.loyalty_clv_horizon < 1:
                raise ValidationError(_("The CLV horizon must be at least one month."))
            if company.loyalty_review_chunk_size < 0:
                raise ValidationError(_("The review job size cannot be negative."))

    @api.constrains('loyalty_weight_r', 'loyalty_weight_f', 'loyalty_weight_m')
    def _check_loyalty_weights(self):
        for company in self:
            weights = (company.loyalty_weight_r, company.loyalty_weight_f,
                       company.loyalty_weight_m)
            if min(weights) < 0 or sum(weights) <= 0:
                raise ValidationError(_("RFM weights cannot be negative and must add up to "
                                        "more than zero."))

    @api.constrains('loyalty_abc_a', 'loyalty_abc_b')
    def _check_loyalty_abc(self):
        for company in self:
            a, b = company.loyalty_abc_a, company.loyalty_abc_b
            if a <= 0 or b < 0 or a + b > 100:
                raise ValidationError(_("ABC shares must be positive and add up to at most "
                                        "100 %."))

    @api.constrains('loyalty_discount_rate', 'loyalty_churn_high_p_alive',
                    'loyalty_churn_medium_p_alive', 'loyalty_churn_high_gap',
                    'loyalty_churn_medium_gap', 'loyalty_mercenary_share')
    def _check_loyalty_rates(self):
        for company in self:
            if company.loyalty_discount_rate <= 0:
                raise ValidationError(_("The CLV discount rate must be positive."))
            if not (0 <= company.loyalty_churn_high_p_alive
                    <= company.loyalty_churn_medium_p_alive <= 1):
                raise ValidationError(_("Churn P(alive) limits must satisfy 0 <= high <= "
                                        "medium <= 1."))
            if not (0 < company.loyalty_churn_medium_gap <= company.loyalty_churn_high_gap):
                raise ValidationError(_("Churn gap ratios must satisfy 0 < medium <= high."))
            if not 0 < company.loyalty_mercenary_share <= 100:
                raise ValidationError(_("The mercenary discount share must be within "
                                        "(0, 100] %."))
