import logging

from odoo import _, api, fields, models

from ..lib import sla, sla_time
from .crm_complaint import STAFF

_logger = logging.getLogger(__name__)


class CrmComplaint(models.Model):
    """SLA targets of a complaint: their planning from the policies on working time, the
    complaint's SLA summary, and what its escalation ladder does (priority, notifications).

    The rules (status, ladder, summary, priority) are ``lib/sla.py``, read here one complaint
    at a time and by the escalation cron (``crm.complaint.sla.line._cron_escalate``) in SQL.
    """

    # one capability per file on purpose (see models/crm_complaint.py)
    _inherit = 'crm.complaint'  # pylint: disable=consider-merging-classes-inherited

    sla_line_ids = fields.One2many('crm.complaint.sla.line', 'complaint_id', string='SLA Targets',
                                   copy=False, groups=STAFF)
    sla_state = fields.Selection(sla.SLA_STATES, string='SLA', compute='_compute_sla_summary',
                                 compute_sudo=True, store=True, index=True, groups=STAFF)
    escalation = fields.Selection(sla.ESCALATIONS, compute='_compute_sla_summary',
                                  compute_sudo=True, store=True, index=True, groups=STAFF)
    sla_deadline = fields.Datetime(string='Next Deadline', compute='_compute_sla_summary',
                                   compute_sudo=True, store=True, groups=STAFF)
    promised_date = fields.Datetime(compute='_compute_sla_summary', compute_sudo=True, store=True,
                                    help="When the customer was promised a resolution.")

    @api.depends('sla_line_ids.status', 'sla_line_ids.escalation', 'sla_line_ids.reached_date',
                 'sla_line_ids.deadline')
    def _compute_sla_summary(self):
        """Kanban colour, ladder level, next deadline and promised date (:func:`sla.summary`;
        the cron's SQL is :meth:`_sql_update_sla_state`). As superuser, also when called
        directly: these are workflow fields."""
        for complaint in self.sudo():
            complaint.update(sla.summary(complaint.sla_line_ids))

    def _raise_priority(self, old_levels):
        """The priority raise of :func:`sla.raised_priority` for complaints whose ladder level
        was ``old_levels[id]`` (the per-record way; the cron does it in SQL)."""
        for complaint in self.sudo():
            priority = sla.raised_priority(complaint.priority, old_levels.get(complaint.id),
                                           complaint.escalation)
            if priority != complaint.priority:
                complaint._internal_write({'priority': priority})

    def _elapsed(self, prefix, now, line):
        """Working and calendar hours from intake to ``now`` for the KPI fields: those of the
        reached SLA target, else on the company's working hours."""
        if line and line.reached_date:
            return {'%s_hours' % prefix: line.working_hours,
                    '%s_hours_calendar' % prefix: line.calendar_hours}
        start = fields.Datetime.from_string(self.date_received)
        return {
            '%s_hours' % prefix: max(self._default_schedule().working_hours(start, now), 0.0),
            '%s_hours_calendar' % prefix: max((now - start).total_seconds() / 3600.0, 0.0),
        }

    @api.model
    def _calendar_schedule(self, calendar, tz):
        """A :class:`sla_time.WorkSchedule` from a ``resource.calendar`` (global leaves are the
        public holidays; Datetime fields are UTC already)."""
        attendances = [
            (int(att.dayofweek), att.hour_from, att.hour_to,
             fields.Date.from_string(att.date_from) if att.date_from else None,
             fields.Date.from_string(att.date_to) if att.date_to else None)
            for att in calendar.sudo().attendance_ids]
        holidays = [
            (fields.Datetime.from_string(leave.date_from),
             fields.Datetime.from_string(leave.date_to))
            for leave in calendar.sudo().leave_ids
            if not leave.resource_id and leave.date_from and leave.date_to]
        try:
            schedule = sla_time.WorkSchedule(attendances, tz or 'UTC', holidays, strict=False)
        except ValueError as error:
            # never let a bad calendar stop a complaint: round the clock until it is fixed
            _logger.warning("Working hours %s (id %s) unusable for complaint SLAs (%s): "
                            "counting round the clock.", calendar.name, calendar.id, error)
            return sla_time.ROUND_THE_CLOCK
        if schedule.skipped:
            _logger.warning("Working hours %s (id %s): invalid attendances ignored by complaint "
                            "SLAs: %s", calendar.name, calendar.id, schedule.skipped)
        return schedule

    def _default_schedule(self):
        company = self.company_id or self.env.user.company_id
        calendar = company.resource_calendar_id
        if calendar and calendar.attendance_ids:
            return self._calendar_schedule(calendar, company.partner_id.tz or 'UTC')
        return sla_time.ROUND_THE_CLOCK

    def _apply_sla_policies(self):
        """(Re)plan the unreached targets from the best matching policies."""
        Line = self.env['crm.complaint.sla.line'].sudo()
        matches = self.env['crm.complaint.sla.policy']._match(self)
        now = self.env['crm.suite.clock']._now()
        for complaint in self:
            existing = {line.target: line for line in complaint.sudo().sla_line_ids}
            for target in ('acknowledge', 'resolve'):
                policy = matches.get((complaint.id, target))
                line = existing.get(target)
                if line and line.reached_date:
                    continue
                if not policy:
                    if line:
                        line.unlink()
                    continue
                values = {'policy_id': policy.id, 'target_hours': policy.hours}
                if line:
                    if line.policy_id == policy and line.target_hours == policy.hours:
                        continue
                    line.write(values)
                else:
                    values.update(complaint_id=complaint.id, target=target,
                                  start_date=complaint.date_received)
                    line = Line.create(values)
                    if complaint.stage_id.is_paused:
                        line.write({'paused_since': fields.Datetime.to_string(now),
                                    'status': sla.PAUSED})
                line._plan()
                line._refresh(now)

    @api.model
    def _sql_update_sla_state(self, complaint_ids):
        """:func:`sla.summary` in SQL for the escalation cron (state, level, next deadline)."""
        if not complaint_ids:
            return
        self.env.cr.execute("""
            UPDATE crm_complaint c
               SET sla_state = s.state, escalation = s.level, sla_deadline = s.next_deadline
              FROM (SELECT complaint_id, {summary}
                      FROM crm_complaint_sla_line
                     WHERE complaint_id = ANY(%(ids)s)
                  GROUP BY complaint_id) s
             WHERE c.id = s.complaint_id""".format(summary=sla.summary_sql()),
                            sla.sql_params(ids=list(complaint_ids)))

    def _notify_escalation(self, levels):
        """Activities for the people of the ladder: the responsible at the warning, the team
        leader at level 1, the escalation manager at level 2.

        Who and what is read for all complaints first, then the activities are written
        set-based (``crm.suite.bulk._create_activities``, the suite's bulk layer).
        """
        activity_type = self.env.ref('crm_complaints.mail_activity_escalation')
        plan = []
        for complaint in self:
            level = levels[complaint.id]
            team = complaint.team_id
            if level == sla.WARNING:
                user = complaint.user_id or team.user_id
                summary = _("SLA warning: %s") % complaint.name
            elif level == sla.LEVEL_1:
                user = team.user_id or complaint.user_id
                summary = _("Escalation level 1: %s") % complaint.name
            else:
                user = team.escalation_user_id or team.user_id or complaint.user_id
                summary = _("Escalation level 2: %s") % complaint.name
            if user:
                plan.append((complaint.id, activity_type.id, user.id, summary, None))
        self.env['crm.suite.bulk']._create_activities(self._name, plan)
