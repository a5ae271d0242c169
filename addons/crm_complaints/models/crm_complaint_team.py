from odoo import api, fields, models
from odoo.tools.safe_eval import safe_eval


class CrmComplaintTeam(models.Model):
    """A complaint handling team: its members see its complaints, its leader gets level-1
    escalations, its escalation manager level-2 ones, and its email alias creates complaints."""

    _name = 'crm.complaint.team'
    _description = 'Complaint Team'
    _inherit = ['mail.alias.mixin']
    _order = 'sequence, name'

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one('res.company', required=True, index=True,
                                 default=lambda self: self.env.user.company_id)
    user_id = fields.Many2one('res.users', string='Team Leader',
                              help="Notified at escalation level 1.")
    escalation_user_id = fields.Many2one(
        'res.users', string='Escalation Manager',
        help="Notified at escalation level 2; the team leader when empty.")
    member_ids = fields.Many2many('res.users', 'crm_complaint_team_res_users_rel', 'team_id',
                                  'user_id', string='Members')
    color = fields.Integer()
    complaint_ids = fields.One2many('crm.complaint', 'team_id', string='Complaints')
    open_complaint_count = fields.Integer(compute='_compute_open_complaint_count')

    def _compute_open_complaint_count(self):
        counts = self.env['crm.complaint'].read_group(
            [('team_id', 'in', self.ids), ('is_closed', '=', False)], ['team_id'], ['team_id'])
        by_team = {row['team_id'][0]: row['team_id_count'] for row in counts}
        for team in self:
            team.open_complaint_count = by_team.get(team.id, 0)

    def get_alias_model_name(self, vals):
        return 'crm.complaint'

    def get_alias_values(self):
        values = super(CrmComplaintTeam, self).get_alias_values()
        defaults = safe_eval(self.alias_defaults or '{}')
        defaults.update({'team_id': self.id, 'company_id': self.company_id.id})
        values['alias_defaults'] = defaults
        return values

    @api.multi
    def write(self, vals):
        result = super(CrmComplaintTeam, self).write(vals)
        if 'company_id' in vals or 'alias_defaults' in vals:
            for team in self:
                team.alias_id.sudo().write(team.get_alias_values())
        return result

    def action_open_complaints(self):
        self.ensure_one()
        action = self.env.ref('crm_complaints.crm_complaint_action').read()[0]
        action['domain'] = [('team_id', '=', self.id)]
        action['context'] = {'default_team_id': self.id}
        return action
