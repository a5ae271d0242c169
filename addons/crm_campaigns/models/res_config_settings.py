from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = 'res.config.settings'

    campaign_pressure_max = fields.Integer(related='company_id.campaign_pressure_max')
    campaign_pressure_days = fields.Integer(related='company_id.campaign_pressure_days')
