from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = 'res.config.settings'

    loyalty_window_months = fields.Integer(related='company_id.loyalty_window_months')
    loyalty_metric = fields.Selection(related='company_id.loyalty_metric')
    loyalty_weight_r = fields.Float(related='company_id.loyalty_weight_r')
    loyalty_weight_f = fields.Float(related='company_id.loyalty_weight_f')
    loyalty_weight_m = fields.Float(related='company_id.loyalty_weight_m')
    loyalty_grace_days = fields.Integer(related='company_id.loyalty_grace_days')
    loyalty_abc_a = fields.Float(related='company_id.loyalty_abc_a')
    loyalty_abc_b = fields.Float(related='company_id.loyalty_abc_b')
    loyalty_discount_rate = fields.Float(related='company_id.loyalty_discount_rate')
    loyalty_clv_horizon = fields.Integer(related='company_id.loyalty_clv_horizon')
    loyalty_churn_high_p_alive = fields.Float(related='company_id.loyalty_churn_high_p_alive')
    loyalty_churn_medium_p_alive = fields.Float(
        related='company_id.loyalty_churn_medium_p_alive')
    loyalty_churn_high_gap = fields.Float(related='company_id.loyalty_churn_high_gap')
    loyalty_churn_medium_gap = fields.Float(related='company_id.loyalty_churn_medium_gap')
    loyalty_mercenary_share = fields.Float(related='company_id.loyalty_mercenary_share')
    loyalty_realtime_upgrade = fields.Boolean(related='company_id.loyalty_realtime_upgrade')
    loyalty_review_chunk_size = fields.Integer(related='company_id.loyalty_review_chunk_size')
