from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .res_company import UNKNOWN_SENDER_POLICIES


class ResConfigSettings(models.TransientModel):
    _inherit = 'res.config.settings'

    complaint_hourly_cost = fields.Monetary(related='company_id.complaint_hourly_cost',
                                            currency_field='company_currency_id')
    company_currency_id = fields.Many2one(related='company_id.currency_id', readonly=True)
    complaint_repeat_days = fields.Integer(related='company_id.complaint_repeat_days')
    complaint_unknown_sender = fields.Selection(UNKNOWN_SENDER_POLICIES,
                                                related='company_id.complaint_unknown_sender')
    complaint_bad_rating = fields.Integer(related='company_id.complaint_bad_rating')
    complaint_word_of_mouth = fields.Float(related='company_id.complaint_word_of_mouth')

    @api.constrains('complaint_bad_rating')
    def _check_complaint_bad_rating(self):
        for settings in self:
            if not 0 <= settings.complaint_bad_rating <= 5:
                raise ValidationError(_("The bad rating threshold is from 0 (never) to 5."))
