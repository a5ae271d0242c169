from odoo import api, fields, models, tools

from ..lib.sla import PRIORITIES, SLA_STATES
from ..models.crm_complaint_category import NATURES
from ..models.crm_complaint_stage import STEPS


class CrmComplaintReport(models.Model):
    """Complaint analysis: one row per complaint with the KPI measures.

    Percentages are 100/0 per complaint and NULL where the KPI does not apply, so the pivot's
    average is the KPI over the complaints it applies to (e.g. CSAT over rated complaints).
    """

    _name = 'crm.complaint.report'
    _description = 'Complaint Analysis'
    _auto = False
    _rec_name = 'name'
    _order = 'date_received desc'

    name = fields.Char(string='Reference', readonly=True)
    date_received = fields.Datetime(string='Received', readonly=True)
    date_closed = fields.Datetime(string='Closed', readonly=True)
    company_id = fields.Many2one('res.company', readonly=True)
    team_id = fields.Many2one('crm.complaint.team', readonly=True)
    user_id = fields.Many2one('res.users', string='Responsible', readonly=True)
    partner_id = fields.Many2one('res.partner', string='Customer', readonly=True)
    tier_id = fields.Many2one('crm.loyalty.tier', string='Customer Class', readonly=True)
    category_id = fields.Many2one('crm.complaint.category', readonly=True)
    nature = fields.Selection(NATURES, readonly=True)
    channel_id = fields.Many2one('crm.complaint.channel', readonly=True)
    root_cause_id = fields.Many2one('crm.complaint.root.cause',
                                    readonly=True)
    priority = fields.Selection(PRIORITIES, readonly=True)
    stage_id = fields.Many2one('crm.complaint.stage', readonly=True)
    step = fields.Selection(STEPS, readonly=True)
    sla_state = fields.Selection(SLA_STATES, string='SLA', readonly=True)
    is_closed = fields.Boolean(readonly=True)
    is_repeat = fields.Boolean(readonly=True)
    nbr = fields.Integer(string='# Complaints', readonly=True)
    first_response_hours = fields.Float(string='First Response (working h)', readonly=True,
                                        group_operator='avg')
    first_response_hours_calendar = fields.Float(string='First Response (calendar h)',
                                                 readonly=True, group_operator='avg')
    resolution_hours = fields.Float(string='Resolution (working h)', readonly=True,
                                    group_operator='avg')
    resolution_hours_calendar = fields.Float(string='Resolution (calendar h)', readonly=True,
                                             group_operator='avg')
    sla_compliance = fields.Float(string='SLA Compliance (%)', readonly=True,
                                  group_operator='avg')
    fcr = fields.Float(string='First Contact Resolution (%)', readonly=True,
                       group_operator='avg')
    reopened = fields.Float(string='Reopen Rate (%)', readonly=True, group_operator='avg')
    csat = fields.Float(string='CSAT (%)', readonly=True, group_operator='avg')
    rating_answered = fields.Float(string='Rating Answer Rate (%)', readonly=True,
                                   group_operator='avg')
    rating_score = fields.Float(string='Average Rating', readonly=True, group_operator='avg')
    currency_id = fields.Many2one('res.currency', readonly=True)
    cost_credit_notes = fields.Monetary(readonly=True)
    cost_replacement = fields.Monetary(readonly=True)
    cost_goodwill = fields.Monetary(readonly=True)
    cost_handling = fields.Monetary(readonly=True)
    cost_total = fields.Monetary(string='Cost', readonly=True)
    word_of_mouth = fields.Float(string='Word of Mouth (people told)', readonly=True)

    def _select(self):
        return """
            SELECT c.id, c.name, c.date_received, c.date_closed, c.company_id, c.team_id,
                   c.user_id, c.commercial_partner_id AS partner_id, c.tier_id, c.category_id,
                   c.nature, c.channel_id, c.root_cause_id, c.priority, c.stage_id, c.step,
                   c.sla_state, c.is_closed, c.is_repeat, 1 AS nbr,
                   CASE WHEN c.date_acknowledged IS NOT NULL THEN c.first_response_hours END
                       AS first_response_hours,
                   CASE WHEN c.date_acknowledged IS NOT NULL
                        THEN c.first_response_hours_calendar END AS first_response_hours_calendar,
                   CASE WHEN c.date_resolved IS NOT NULL THEN c.resolution_hours END
                       AS resolution_hours,
                   CASE WHEN c.date_resolved IS NOT NULL THEN c.resolution_hours_calendar END
                       AS resolution_hours_calendar,
                   CASE WHEN sla.decided > 0 THEN 100.0 * sla.met / sla.decided END
                       AS sla_compliance,
                   CASE WHEN c.date_resolved IS NULL THEN NULL
                        WHEN COALESCE(c.reopen_count, 0) = 0
                             AND COALESCE(c.customer_contact_count, 0) <= 1 THEN 100.0
                        ELSE 0.0 END AS fcr,
                   CASE WHEN c.step = 'closed' OR COALESCE(c.reopen_count, 0) > 0
                        THEN CASE WHEN COALESCE(c.reopen_count, 0) > 0 THEN 100.0 ELSE 0.0 END
                        END
                       AS reopened,
                   CASE WHEN c.rating_score >= 4 THEN 100.0
                        WHEN c.rating_score >= 1 THEN 0.0 END AS csat,
                   CASE WHEN c.rating_requested_date IS NOT NULL
                        THEN CASE WHEN c.rating_score >= 1 THEN 100.0 ELSE 0.0 END END
                       AS rating_answered,
                   CASE WHEN c.rating_score >= 1 THEN c.rating_score END AS rating_score,
                   company.currency_id,
                   c.cost_credit_notes, c.cost_replacement, c.cost_goodwill, c.cost_handling,
                   c.cost_total,
                   CASE WHEN (c.rating_score >= 1
                              AND c.rating_score <= COALESCE(company.complaint_bad_rating, 0))
                             OR c.followup_outcome = 'dissatisfied' OR c.step = 'rejected'
                        THEN COALESCE(company.complaint_word_of_mouth, 0) ELSE 0 END
                       AS word_of_mouth
        """

    def _from(self):
        return """
            FROM crm_complaint c
            JOIN res_company company ON company.id = c.company_id
            LEFT JOIN (SELECT complaint_id,
                              count(*) FILTER (WHERE status = 'met') AS met,
                              count(*) FILTER (WHERE status IN ('met', 'breached')) AS decided
                         FROM crm_complaint_sla_line
                     GROUP BY complaint_id) sla ON sla.complaint_id = c.id
        """

    def _where(self):
        return "WHERE c.active"

    @api.model_cr
    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute("CREATE OR REPLACE VIEW %s AS (%s %s %s)" % (
            self._table, self._select(), self._from(), self._where()))
