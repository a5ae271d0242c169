from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.base.res.res_partner import _tz_get

from ..lib.sla import PRIORITIES

TARGETS = [
    ('acknowledge', 'Acknowledgement'),
    ('resolve', 'Resolution'),
]


class CrmComplaintSlaPolicy(models.Model):
    """A service level target for the complaints it matches.

    Criteria left empty match anything; of the policies matching a complaint, for each target
    the one with the most criteria set wins (then the lowest sequence). Hours are working hours
    of ``calendar_id`` in time zone ``tz`` without its public holidays.
    """

    _name = 'crm.complaint.sla.policy'
    _description = 'Complaint SLA Policy'
    _order = 'sequence, id'

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one('res.company', required=True, index=True,
                                 default=lambda self: self.env.user.company_id)
    description = fields.Text(translate=True)
    target = fields.Selection(TARGETS, required=True, default='resolve',
                              help="Acknowledgement: the complaint leaves the New step. "
                                   "Resolution: it reaches a resolved, follow-up or closed stage "
                                   "(rejected and duplicate also end the clock).")
    hours = fields.Float(string='Working Hours', required=True,
                         help="Working hours allowed from intake to the target.")
    # criteria
    priority = fields.Selection(PRIORITIES, help="Only complaints of this priority.")
    tier_id = fields.Many2one('crm.loyalty.tier', string='Customer Class',
                              help="Only complaints of customers of this loyalty class.")
    category_id = fields.Many2one('crm.complaint.category',
                                  help="Only complaints of this category or its subcategories.")
    team_id = fields.Many2one('crm.complaint.team')
    # working time
    calendar_id = fields.Many2one(
        'resource.calendar', string='Working Hours Calendar', required=True,
        default=lambda self: self.env.user.company_id.resource_calendar_id,
        help="Weekly working hours; its global leaves are the public holidays.")
    tz = fields.Selection(
        _tz_get, string='Time Zone', required=True,
        default=lambda self: self.env.user.company_id.partner_id.tz or self.env.user.tz or 'UTC',
        help="Time zone of the calendar's working hours.")
    # escalation ladder, in percent of the allowed working time
    warning_share = fields.Float(string='Warning at (%)', default=75.0,
                                 help="The responsible user is warned at this share of the time.")
    level1_share = fields.Float(string='Level 1 at (%)', default=100.0,
                                help="The team leader is notified and the priority raised.")
    level2_share = fields.Float(string='Level 2 at (%)', default=150.0,
                                help="The escalation manager is notified and the priority set "
                                     "to urgent.")

    @api.constrains('hours', 'warning_share', 'level1_share', 'level2_share')
    def _check_ladder(self):
        for policy in self:
            if policy.hours <= 0:
                raise ValidationError(_("The working hours of SLA policy %s must be positive.")
                                      % policy.name)
            if not 0 < policy.warning_share <= policy.level1_share <= policy.level2_share:
                raise ValidationError(_(
                    "SLA policy %s: the escalation ladder must rise: 0 < warning <= level 1 <= "
                    "level 2.") % policy.name)

    @api.constrains('calendar_id')
    def _check_calendar(self):
        for policy in self:
            if not policy.calendar_id.attendance_ids:
                raise ValidationError(_("The calendar of SLA policy %s has no working hours.")
                                      % policy.name)

    # --- working time -------------------------------------------------------------------------
    def _work_schedule(self):
        """The policy's calendar as a :class:`sla_time.WorkSchedule` (holidays = global leaves)."""
        self.ensure_one()
        return self.env['crm.complaint']._calendar_schedule(self.calendar_id, self.tz)

    # --- matching -----------------------------------------------------------------------------
    def _criteria(self):
        return ('priority', 'tier_id', 'category_id', 'team_id')

    @api.model
    def _match(self, complaints):
        """Best policy per complaint and target: ``{(complaint_id, target): policy}``.

        One search for all complaints; the candidates are scored in Python.
        """
        result = {}
        if not complaints:
            return result
        policies = self.sudo().search([('company_id', 'in', complaints.mapped('company_id').ids)])
        for complaint in complaints:
            ancestors = set()
            category = complaint.category_id
            while category:
                ancestors.add(category.id)
                category = category.parent_id
            for policy in policies:
                if policy.company_id != complaint.company_id:
                    continue
                if policy.priority and policy.priority != complaint.priority:
                    continue
                if policy.tier_id and policy.tier_id != complaint.tier_id:
                    continue
                if policy.category_id and policy.category_id.id not in ancestors:
                    continue
                if policy.team_id and policy.team_id != complaint.team_id:
                    continue
                score = sum(1 for name in policy._criteria() if policy[name])
                key = (complaint.id, policy.target)
                best = result.get(key)
                if best is None or score > best[0]:
                    result[key] = (score, policy)
        return {key: policy for key, (score, policy) in result.items()}
