from odoo import fields, models


class ResUsers(models.Model):
    _inherit = 'res.users'

    complaint_team_ids = fields.Many2many(
        'crm.complaint.team', 'crm_complaint_team_res_users_rel', 'user_id', 'team_id',
        string='Complaint Teams', help="Teams whose complaints the user handles.")
