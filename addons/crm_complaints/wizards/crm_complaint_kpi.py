from datetime import timedelta

from odoo import _, fields, models
from odoo.exceptions import AccessError, UserError

from ..lib import kpi

STAFF = 'crm_complaints.group_complaint_user'
PARETO_DIMENSIONS = [
    ('root_cause', 'Root cause'),
    ('product', 'Product'),
]


class CrmComplaintKpi(models.TransientModel):
    """Complaint KPIs of a period with their standard definitions (see readme/USAGE.rst),
    computed by a few SQL aggregates that respect the user's record rules."""

    _name = 'crm.complaint.kpi'
    _description = 'Complaint KPIs'

    date_from = fields.Date(required=True,
                            default=lambda self: fields.Date.to_string(
                                fields.Date.from_string(fields.Date.context_today(self))
                                - timedelta(days=89)))
    date_to = fields.Date(required=True, default=fields.Date.context_today)
    company_id = fields.Many2one('res.company', required=True,
                                 default=lambda self: self.env.user.company_id)
    currency_id = fields.Many2one(related='company_id.currency_id', readonly=True)
    team_id = fields.Many2one('crm.complaint.team')
    computed = fields.Boolean(readonly=True)
    complaint_count = fields.Integer(string='Complaints', readonly=True)
    open_count = fields.Integer(string='Open', readonly=True)
    first_response_hours = fields.Float(string='First Response (working h)', readonly=True)
    first_response_hours_calendar = fields.Float(string='First Response (calendar h)',
                                                 readonly=True)
    resolution_hours = fields.Float(string='Resolution (working h)', readonly=True)
    resolution_hours_calendar = fields.Float(string='Resolution (calendar h)', readonly=True)
    sla_compliance = fields.Float(string='SLA Compliance (%)', readonly=True)
    sla_decided = fields.Integer(string='SLA Targets Decided', readonly=True)
    fcr_rate = fields.Float(string='First Contact Resolution (%)', readonly=True)
    reopen_rate = fields.Float(string='Reopen Rate (%)', readonly=True)
    csat = fields.Float(string='CSAT (%)', readonly=True)
    rating_count = fields.Integer(string='Ratings', readonly=True)
    rating_answer_rate = fields.Float(string='Rating Answer Rate (%)', readonly=True)
    order_count = fields.Integer(string='Confirmed Orders', readonly=True)
    complaints_per_100_orders = fields.Float(string='Complaints per 100 Orders', readonly=True)
    cost_credit_notes = fields.Monetary(readonly=True, groups=STAFF)
    cost_replacement = fields.Monetary(readonly=True, groups=STAFF)
    cost_goodwill = fields.Monetary(readonly=True, groups=STAFF)
    cost_handling = fields.Monetary(readonly=True, groups=STAFF)
    cost_total = fields.Monetary(string='Cost of Complaints', readonly=True, groups=STAFF)
    dissatisfied_count = fields.Integer(string='Dissatisfied', readonly=True)
    word_of_mouth = fields.Float(string='Word of Mouth (people told)', readonly=True)
    pareto_ids = fields.One2many('crm.complaint.kpi.pareto', 'kpi_id',
                                 readonly=True)
    pareto_root_cause_ids = fields.One2many('crm.complaint.kpi.pareto', 'kpi_id',
                                            domain=[('dimension', '=', 'root_cause')],
                                            readonly=True)
    pareto_product_ids = fields.One2many('crm.complaint.kpi.pareto', 'kpi_id',
                                         domain=[('dimension', '=', 'product')], readonly=True)

    def _check_kpi_access(self):
        """The KPIs (with the cost of complaints) are for complaint users and managers, of
        their own companies; record rules then keep each to the complaints they may see."""
        if not self.env.user.has_group(STAFF):
            raise AccessError(_("Only complaint users and managers see the complaint KPIs."))
        for wizard in self:
            if wizard.company_id not in self.env.user.company_ids:
                raise AccessError(_("You have no access to the complaints of company %s.")
                                  % wizard.company_id.sudo().name)

    def _domain(self):
        self.ensure_one()
        if self.date_from > self.date_to:
            raise UserError(_("The period ends before it starts."))
        end = fields.Date.to_string(fields.Date.from_string(self.date_to) + timedelta(days=1))
        domain = [('company_id', '=', self.company_id.id),
                  ('date_received', '>=', self.date_from), ('date_received', '<', end)]
        if self.team_id:
            domain.append(('team_id', '=', self.team_id.id))
        return domain

    def action_compute(self):
        self.ensure_one()
        self._check_kpi_access()
        figures = self.env['crm.complaint']._kpi_values(self._domain())
        end = fields.Date.to_string(fields.Date.from_string(self.date_to) + timedelta(days=1))
        orders = self.env['sale.order'].sudo().search_count([
            ('company_id', '=', self.company_id.id), ('state', 'in', ('sale', 'done')),
            ('confirmation_date', '>=', self.date_from), ('confirmation_date', '<', end)])
        figures['order_count'] = orders
        figures['complaints_per_100_orders'] = kpi.ratio(figures['complaint_count'], orders) or 0.0
        figures['word_of_mouth'] = kpi.word_of_mouth(figures['dissatisfied_count'],
                                                     self.company_id.complaint_word_of_mouth)
        pareto = self.env['crm.complaint']._pareto_values(self._domain())
        values = {name: value or 0.0 if isinstance(value, float) else value or 0
                  for name, value in figures.items() if name in self._fields}
        values['computed'] = True
        values['pareto_ids'] = [(5, 0, 0)] + [
            (0, 0, {'dimension': dimension, 'sequence': index, 'name': row['label'],
                    'res_id': row['key'] or 0, 'count': row['count'], 'cost': row['cost'],
                    'share': row['share'] or 0.0, 'cumulative': row['cumulative'] or 0.0,
                    'vital': row['vital']})
            for dimension, rows in pareto.items() for index, row in enumerate(rows)]
        self.write(values)
        return {
            'type': 'ir.actions.act_window',
            'res_model': self._name,
            'res_id': self.id,
            'view_mode': 'form',
            'target': 'current',
        }

    def action_export_xlsx(self):
        self.ensure_one()
        self._check_kpi_access()
        if not self.computed:
            self.action_compute()
        return self.env.ref('crm_complaints.crm_complaint_kpi_xlsx').report_action(self)

    def action_open_analysis(self):
        self.ensure_one()
        self._check_kpi_access()
        action = self.env.ref('crm_complaints.crm_complaint_report_action').read()[0]
        action['domain'] = self._domain()
        return action


class CrmComplaintKpiPareto(models.TransientModel):
    _name = 'crm.complaint.kpi.pareto'
    _description = 'Complaint Pareto Row'
    _order = 'dimension, sequence'

    kpi_id = fields.Many2one('crm.complaint.kpi', required=True, ondelete='cascade')
    currency_id = fields.Many2one(related='kpi_id.currency_id', readonly=True)
    dimension = fields.Selection(PARETO_DIMENSIONS, required=True)
    sequence = fields.Integer()
    name = fields.Char()
    res_id = fields.Integer()
    count = fields.Integer(string='Complaints')
    cost = fields.Monetary(groups=STAFF)
    share = fields.Float(string='Share (%)')
    cumulative = fields.Float(string='Cumulative (%)')
    vital = fields.Boolean(string='Vital Few',
                           help="Among the causes that make up the first 80 % of complaints.")
