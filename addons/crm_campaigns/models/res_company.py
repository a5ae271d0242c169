from odoo import fields, models


class ResCompany(models.Model):
    _inherit = 'res.company'

    campaign_pressure_max = fields.Integer(
        string='Campaign Contacts Allowed', default=3,
        help="At most this many campaign contacts per customer within the period below "
             "(0: no cap).")
    campaign_pressure_days = fields.Integer(string='Contact Pressure Period (days)', default=30)
