import logging

from odoo import api, fields, models

from ..lib import sla, sla_time
from .crm_complaint_sla_policy import TARGETS

_logger = logging.getLogger(__name__)

# key of the advisory lock that keeps two escalation runs from overlapping
ESCALATION_LOCK = 74821501


class CrmComplaintSlaLine(models.Model):
    """One SLA target of one complaint: its deadline, when it was reached and its status.

    Deadlines are working time: ``deadline = start + hours + paused working hours`` on the
    policy's schedule. The escalation dates are laid out the same way at the policy's shares.
    """

    _name = 'crm.complaint.sla.line'
    _description = 'Complaint SLA Target'
    _order = 'complaint_id, deadline, id'
    _rec_name = 'policy_id'

    complaint_id = fields.Many2one('crm.complaint', required=True, index=True, ondelete='cascade')
    company_id = fields.Many2one(related='complaint_id.company_id', store=True, readonly=True)
    partner_id = fields.Many2one(related='complaint_id.commercial_partner_id', readonly=True)
    team_id = fields.Many2one(related='complaint_id.team_id', store=True, readonly=True)
    policy_id = fields.Many2one('crm.complaint.sla.policy', required=True, ondelete='restrict')
    target = fields.Selection(TARGETS, required=True)
    target_hours = fields.Float(required=True, help="Working hours allowed (from the policy).")
    start_date = fields.Datetime(required=True)
    deadline = fields.Datetime(index=True)
    warning_date = fields.Datetime(index=True)
    level1_date = fields.Datetime(string='Level 1 Date')
    level2_date = fields.Datetime(string='Level 2 Date')
    reached_date = fields.Datetime()
    status = fields.Selection(sla.LINE_STATUSES, required=True, default=sla.RUNNING, index=True)
    escalation = fields.Selection(sla.ESCALATIONS, required=True, default=sla.NONE)
    paused_since = fields.Datetime()
    paused_hours = fields.Float(help="Working hours spent in pausing stages (added to the "
                                     "deadline).")
    working_hours = fields.Float(string='Working Hours Taken',
                                 help="Working hours from intake to the target, pauses left out.")
    calendar_hours = fields.Float(string='Calendar Hours Taken')

    _sql_constraints = [
        ('complaint_target_uniq', 'unique(complaint_id, target)',
         'A complaint has one SLA target of each kind.'),
    ]

    @api.model_cr
    def init(self):
        """Partial indexes for the escalation cron: it only ever looks at unreached targets."""
        self.env.cr.execute("""
            CREATE INDEX IF NOT EXISTS crm_complaint_sla_line_open_warning_idx
                ON crm_complaint_sla_line (warning_date) WHERE reached_date IS NULL""")
        self.env.cr.execute("""
            CREATE INDEX IF NOT EXISTS crm_complaint_sla_line_running_deadline_idx
                ON crm_complaint_sla_line (deadline) WHERE status = 'running'""")

    # --- planning -----------------------------------------------------------------------------
    def _schedules(self):
        """Work schedules per policy id for the lines in ``self`` (built once)."""
        return {policy.id: policy._work_schedule() for policy in self.mapped('policy_id')}

    def _plan(self, schedules=None):
        """Lay out deadline and escalation dates of unreached lines from their policy."""
        schedules = schedules or self._schedules()
        for line in self:
            schedule = schedules[line.policy_id.id]
            policy = line.policy_id
            start = fields.Datetime.from_string(line.start_date)
            base = line.paused_hours

            def dates(schedule):
                def at(share):
                    return fields.Datetime.to_string(
                        schedule.add_hours(start, line.target_hours * share / 100.0 + base))
                return {
                    'deadline': at(100.0),
                    'warning_date': at(policy.warning_share),
                    'level1_date': at(policy.level1_share),
                    'level2_date': at(policy.level2_share),
                }
            try:
                values = dates(schedule)
            except ValueError as error:
                # e.g. no working time left in the calendar: the complaint is planned round
                # the clock rather than refused
                _logger.warning("SLA target %s of complaint %s planned round the clock: %s",
                                line.target, line.complaint_id.id, error)
                values = dates(sla_time.ROUND_THE_CLOCK)
            line.write(values)

    def _status_at(self, now):
        """Status of the line at ``now`` (string or datetime): :func:`sla.line_status`."""
        self.ensure_one()
        return sla.line_status(self, fields.Datetime.to_string(now)
                               if not isinstance(now, str) else now)

    def _escalation_at(self, now):
        """Ladder level of the line at ``now``: :func:`sla.line_escalation`."""
        self.ensure_one()
        return sla.line_escalation(self, fields.Datetime.to_string(now)
                                   if not isinstance(now, str) else now)

    def _refresh(self, now):
        """Write status and escalation as of ``now`` and raise the priority of the complaints
        that went up the ladder (the per-record way; the cron does the same in SQL)."""
        complaints = self.mapped('complaint_id').sudo()
        old_levels = {complaint.id: complaint.escalation for complaint in complaints}
        for line in self:
            values = {'status': line._status_at(now), 'escalation': line._escalation_at(now)}
            if any(line[name] != value for name, value in values.items()):
                line.write(values)
        complaints._raise_priority(old_levels)

    def _reach(self, when, schedules=None):
        """Mark unreached lines as reached at ``when`` and store the time taken."""
        schedules = schedules or self._schedules()
        when_str = fields.Datetime.to_string(when)
        for line in self.filtered(lambda ln: not ln.reached_date):
            if line.paused_since:
                line._resume(when, schedules)
            schedule = schedules[line.policy_id.id]
            start = fields.Datetime.from_string(line.start_date)
            worked = schedule.working_hours(start, when) - line.paused_hours
            line.write({
                'reached_date': when_str,
                'working_hours': max(worked, 0.0),
                'calendar_hours': max((when - start).total_seconds() / 3600.0, 0.0),
            })
            line.write({'status': line._status_at(when)})

    def _pause(self, when):
        """Stop the clock of running lines (a breached target stays breached)."""
        for line in self.filtered(lambda ln: not ln.reached_date and ln.status == 'running'):
            line.write({'paused_since': fields.Datetime.to_string(when), 'status': 'paused'})

    def _resume(self, when, schedules=None):
        """Restart paused lines: the working hours of the pause push the deadlines back."""
        schedules = schedules or self._schedules()
        for line in self.filtered('paused_since'):
            schedule = schedules[line.policy_id.id]
            since = fields.Datetime.from_string(line.paused_since)
            line.write({
                'paused_hours': line.paused_hours + max(schedule.working_hours(since, when), 0.0),
                'paused_since': False,
            })
            line._plan(schedules)
            line.write({'status': line._status_at(when)})

    # --- escalation cron ----------------------------------------------------------------------
    @api.model
    def _cron_escalate(self, now=None):
        """Breach the targets past their deadline and climb the escalation ladder.

        Set-based: three UPDATE statements over all open targets, whatever their number; only
        the complaints that changed level are loaded for notifications. Runs under an advisory
        lock so two crons (two workers) never escalate twice; the second one skips.
        """
        cr = self.env.cr
        cr.execute("SELECT pg_try_advisory_xact_lock(%s)", (ESCALATION_LOCK,))
        if not cr.fetchone()[0]:
            _logger.info("complaint SLA escalation already running, skipped")
            return {}
        now = now or self.env['crm.suite.clock']._now()
        now = fields.Datetime.to_string(now) if not isinstance(now, str) else now
        params = sla.sql_params(uid=self.env.uid, now=now)
        # 1. running targets past their deadline are breached (one statement: PostgreSQL does
        #    what the ORM would do one record at a time)
        cr.execute("""
            UPDATE crm_complaint_sla_line
               SET status = {breached}, write_uid = %(uid)s,
                   write_date = (now() at time zone 'UTC')
             WHERE {breach}
         RETURNING complaint_id""".format(breached=sla.BREACHED_SQL, breach=sla.BREACH_SQL),
                   params)
        touched = {row[0] for row in cr.fetchall()}
        # 2. the ladder: each unreached, unpaused target climbs to the highest level it passed
        #    (one table, no self-join: the open lines are found by their index)
        cr.execute("""
            UPDATE crm_complaint_sla_line
               SET escalation = {ladder}, write_uid = %(uid)s,
                   write_date = (now() at time zone 'UTC')
             WHERE reached_date IS NULL AND paused_since IS NULL
               AND status IN (%(code_running)s, %(code_breached)s)
               AND warning_date <= %(now)s AND {new_rank} > {old_rank}
         RETURNING complaint_id""".format(
            ladder=sla.ladder_sql(), new_rank=sla.rank_sql(sla.ladder_sql()),
            old_rank=sla.rank_sql('escalation')), params)
        touched.update(row[0] for row in cr.fetchall())
        if not touched:
            return {}
        touched = sorted(touched)
        # 3. complaints: highest level of their open targets, and the priority raise
        cr.execute("""
            UPDATE crm_complaint c
               SET escalation = n.level, priority = {priority}
              FROM (SELECT complaint_id, {level} AS level
                      FROM crm_complaint_sla_line
                     WHERE complaint_id = ANY(%(ids)s) AND reached_date IS NULL
                  GROUP BY complaint_id) n
             WHERE c.id = n.complaint_id AND {new_rank} > {old_rank}
         RETURNING c.id, n.level""".format(
            priority=sla.raised_priority_sql('c.priority', 'c.escalation', 'n.level'),
            level=sla.highest_sql('escalation'), new_rank=sla.rank_sql('n.level'),
            old_rank=sla.rank_sql('c.escalation')), dict(params, ids=touched))
        escalated = dict(cr.fetchall())
        self.env['crm.complaint']._sql_update_sla_state(touched)
        self.invalidate_cache()
        self.env['crm.complaint'].invalidate_cache()
        if escalated:
            self.env['crm.complaint'].browse(sorted(escalated))._notify_escalation(escalated)
        return escalated
