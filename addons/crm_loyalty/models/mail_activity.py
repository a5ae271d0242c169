from odoo import api, models


class MailActivity(models.Model):
    _inherit = 'mail.activity'

    @api.model
    def _create_set_based(self, model_name, rows):
        """``create`` of many activities due today, set-based: see
        ``crm.suite.bulk._create_activities`` (the suite's bulk layer), which this calls."""
        return self.env['crm.suite.bulk']._create_activities(model_name, rows)
