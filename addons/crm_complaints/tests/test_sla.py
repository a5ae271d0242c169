"""SLA policies, deadlines in working time, pauses, statuses and the escalation ladder."""
from datetime import datetime

from odoo.addons.crm_loyalty.tests.helpers import load_migration

from .common import MONDAY_9, ComplaintCase


class TestSla(ComplaintCase):

    def lines(self, complaint):
        return {line.target: line for line in complaint.sla_line_ids}

    def test_policy_matching_most_specific_wins(self):
        gold = self.complaint()
        lines = self.lines(gold)
        self.assertEqual(lines['acknowledge'].policy_id, self.policy_ack)
        self.assertEqual(lines['resolve'].policy_id, self.policy_resolve_gold)
        plain = self.complaint(partner_id=self.beta_contact.id)
        self.assertEqual(plain.priority, '1')
        self.assertEqual(self.lines(plain)['resolve'].policy_id, self.policy_resolve)
        urgent = self.complaint(partner_id=self.beta_contact.id, priority='3')
        self.assertEqual(self.lines(urgent)['resolve'].policy_id, self.policy_resolve_urgent)

    def test_category_policy_applies_to_subcategories(self):
        policy = self.env['crm.complaint.sla.policy'].create({
            'name': 'Delivery: resolve in 2h', 'target': 'resolve', 'hours': 2.0,
            'category_id': self.category_delivery.id, 'team_id': self.team.id,
            'calendar_id': self.calendar.id, 'tz': 'UTC', 'company_id': self.company.id})
        complaint = self.complaint(partner_id=self.beta_contact.id,
                                   category_id=self.category_delivery_time.id)
        self.assertEqual(self.lines(complaint)['resolve'].policy_id, policy)
        self.assertEqual(complaint.promised_date, '2024-03-04 11:00:00')

    def test_deadlines_in_working_time_over_holiday(self):
        # Monday 9:00, acknowledge in 4h -> 14:00 (lunch); resolve in 8h (gold) -> Tuesday 9:00
        complaint = self.complaint()
        lines = self.lines(complaint)
        self.assertEqual(lines['acknowledge'].deadline, '2024-03-04 14:00:00')
        self.assertEqual(lines['resolve'].deadline, '2024-03-05 09:00:00')
        self.assertEqual(complaint.promised_date, '2024-03-05 09:00:00')
        self.assertEqual(complaint.sla_deadline, '2024-03-04 14:00:00')
        # ladder of the gold policy: warning at 75 % (6h), level 1 at 100 %, level 2 at 150 %
        self.assertEqual(lines['resolve'].warning_date, '2024-03-04 16:00:00')
        self.assertEqual(lines['resolve'].level1_date, '2024-03-05 09:00:00')
        # 12h: Tuesday 9-12, 13-14 -> and Wednesday is the holiday: not reached yet
        self.assertEqual(lines['resolve'].level2_date, '2024-03-05 14:00:00')
        # Tuesday 15:00, resolve in 16h: 2h Tuesday, Wednesday holiday, 8h Thursday, 6h Friday
        beta = self.complaint(partner_id=self.beta_contact.id, moment=datetime(2024, 3, 5, 15))
        self.assertEqual(self.lines(beta)['resolve'].deadline, '2024-03-08 15:00:00')

    def test_met_and_breached(self):
        complaint = self.complaint()
        self.move(complaint, self.stage_ack, datetime(2024, 3, 4, 13, 30))
        lines = self.lines(complaint)
        self.assertEqual(lines['acknowledge'].status, 'met')
        self.assertEqual(lines['acknowledge'].reached_date, '2024-03-04 13:30:00')
        self.assertEqual(lines['acknowledge'].working_hours, 3.5)
        self.assertEqual(lines['resolve'].status, 'running')
        self.move(complaint, self.stage_resolved, datetime(2024, 3, 5, 10))
        self.assertEqual(lines['resolve'].status, 'breached')
        self.assertEqual(lines['resolve'].working_hours, 9.0)
        self.assertEqual(complaint.sla_state, 'breached')

    def test_pause_pushes_deadline_back(self):
        complaint = self.complaint()
        self.move(complaint, self.stage_ack, datetime(2024, 3, 4, 10))
        self.move(complaint, self.stage_waiting, datetime(2024, 3, 4, 11))
        resolve = self.lines(complaint)['resolve']
        self.assertEqual(resolve.status, 'paused')
        self.assertEqual(resolve.paused_since, '2024-03-04 11:00:00')
        self.assertEqual(complaint.sla_state, 'paused')
        # the customer answers Tuesday 10:00: paused 11-12, 13-17, 8-10 = 7 working hours
        self.move(complaint, self.stage_progress, datetime(2024, 3, 5, 10))
        self.assertEqual(resolve.paused_hours, 7.0)
        self.assertFalse(resolve.paused_since)
        self.assertEqual(resolve.status, 'running')
        # 8h + 7h paused from Monday 9:00: Monday 7h, Tuesday 8h -> Tuesday 17:00
        self.assertEqual(resolve.deadline, '2024-03-05 17:00:00')
        self.move(complaint, self.stage_resolved, datetime(2024, 3, 5, 16))
        self.assertEqual(resolve.status, 'met')
        self.assertEqual(resolve.working_hours, 7.0)
        self.assertEqual(complaint.resolution_hours, 7.0)

    def test_replanned_when_priority_changes(self):
        complaint = self.complaint(partner_id=self.beta_contact.id)
        # 16h: Monday 7h, Tuesday 8h, Wednesday is the holiday, Thursday 1h
        self.assertEqual(self.lines(complaint)['resolve'].deadline, '2024-03-07 09:00:00')
        with self.clock(datetime(2024, 3, 4, 10)):
            complaint.sudo(self.agent).write({'priority': '3'})
        resolve = self.lines(complaint)['resolve']
        self.assertEqual(resolve.policy_id, self.policy_resolve_urgent)
        self.assertEqual(resolve.deadline, '2024-03-04 14:00:00')

    def test_escalation_cron(self):
        Line = self.env['crm.complaint.sla.line']
        beta = self.complaint(partner_id=self.beta_contact.id)
        gold = self.complaint()
        self.assertEqual((beta.priority, gold.priority), ('1', '2'))
        # 11:30 Monday: nothing passed yet
        self.assertEqual(Line._cron_escalate(now=datetime(2024, 3, 4, 11, 30)), {})
        # 13:30: ack target (deadline 14:00) passed its 75 % warning (3h -> 12:00)
        escalated = Line._cron_escalate(now=datetime(2024, 3, 4, 13, 30))
        self.assertEqual(escalated, {beta.id: 'warning', gold.id: 'warning'})
        beta.invalidate_cache()
        gold.invalidate_cache()
        self.assertEqual(beta.sla_state, 'warning')
        self.assertEqual(self.lines(beta)['acknowledge'].escalation, 'warning')
        activities = self.env['mail.activity'].search([
            ('res_model', '=', 'crm.complaint'), ('res_id', 'in', [beta.id, gold.id]),
            ('activity_type_id', '=', self.env.ref('crm_complaints.mail_activity_escalation').id)])
        self.assertEqual(activities.mapped('user_id'), self.agent)
        self.assertEqual(len(activities), 2)
        # gold acknowledged in time; Tuesday 9:30: gold's resolution deadline (9:00) passed
        self.move(gold, self.stage_ack, datetime(2024, 3, 4, 13, 45))
        escalated = Line._cron_escalate(now=datetime(2024, 3, 5, 9, 30))
        self.assertEqual(escalated, {beta.id: 'level_2', gold.id: 'level_1'})
        gold.invalidate_cache()
        beta.invalidate_cache()
        self.assertEqual(self.lines(gold)['resolve'].status, 'breached')
        self.assertEqual(self.lines(gold)['acknowledge'].status, 'met')
        self.assertEqual(gold.sla_state, 'breached')
        self.assertEqual(gold.escalation, 'level_1')
        self.assertEqual(gold.priority, '3', 'level 1 raises High to Urgent')
        self.assertEqual(beta.escalation, 'level_2')
        self.assertEqual(beta.priority, '3', 'level 2 makes it urgent')
        leader_activity = self.env['mail.activity'].search([
            ('res_model', '=', 'crm.complaint'), ('res_id', '=', gold.id),
            ('user_id', '=', self.leader.id)])
        self.assertEqual(leader_activity.summary, 'Escalation level 1: %s' % gold.name)
        self.assertEqual(leader_activity.res_name, gold.name)
        self.assertIn(leader_activity, gold.activity_ids)
        self.assertIn(self.leader.partner_id, gold.message_partner_ids,
                      'the notified leader follows the complaint')
        self.assertEqual(gold.activity_date_deadline, leader_activity.date_deadline)
        manager_activity = self.env['mail.activity'].search([
            ('res_model', '=', 'crm.complaint'), ('res_id', '=', beta.id),
            ('user_id', '=', self.escalation_manager.id)])
        self.assertEqual(manager_activity.summary, 'Escalation level 2: %s' % beta.name)
        # idempotent: the same run changes nothing more
        self.assertEqual(Line._cron_escalate(now=datetime(2024, 3, 5, 9, 30)), {})

    def test_cron_sql_agrees_with_orm(self):
        complaints = self.complaint() | self.complaint(partner_id=self.beta_contact.id) | \
            self.complaint(moment=datetime(2024, 3, 1, 9))
        self.move(complaints[0], self.stage_waiting, datetime(2024, 3, 4, 10))
        now = datetime(2024, 3, 5, 12)
        lines = complaints.mapped('sla_line_ids')
        # the per-record way, from the same stored dates, before the set-based run
        expected = [(line._status_at(now), line._escalation_at(now)) for line in lines]
        self.env['crm.complaint.sla.line']._cron_escalate(now=now)
        complaints.invalidate_cache()
        self.assertEqual([(line.status, line.escalation) for line in lines], expected)
        by_sql = [(c.sla_state, c.escalation, c.sla_deadline) for c in complaints]
        complaints._compute_sla_summary()
        self.assertEqual([(c.sla_state, c.escalation, c.sla_deadline) for c in complaints], by_sql)
        self.assertEqual(by_sql[0][0], 'paused')
        self.assertEqual(by_sql[2][0], 'breached')

    def test_priority_raised_by_the_record_way_too(self):
        """Replanning escalates through the ORM (no cron): the priority rises as the cron's
        does, level 1 one step up, level 2 to urgent, each once."""
        beta = self.complaint(partner_id=self.beta_contact.id)
        gold = self.complaint()
        self.assertEqual((beta.priority, gold.priority), ('1', '2'))
        lines = (beta | gold).sudo().mapped('sla_line_ids')
        # Monday 14:30: beta's acknowledgement (deadline 14:00) is at level 1, gold's too
        lines._refresh(datetime(2024, 3, 4, 14, 30))
        (beta | gold).invalidate_cache()
        self.assertEqual((beta.escalation, gold.escalation), ('level_1', 'level_1'))
        self.assertEqual((beta.priority, gold.priority), ('2', '3'))
        # the same level again changes nothing
        lines._refresh(datetime(2024, 3, 4, 14, 45))
        (beta | gold).invalidate_cache()
        self.assertEqual((beta.priority, gold.priority), ('2', '3'))
        # Tuesday 9:30: both at level 2, urgent
        lines._refresh(datetime(2024, 3, 5, 9, 30))
        (beta | gold).invalidate_cache()
        self.assertEqual((beta.escalation, gold.escalation), ('level_2', 'level_2'))
        self.assertEqual((beta.priority, gold.priority), ('3', '3'))

    def test_record_way_agrees_with_cron_on_priority(self):
        """The per-record refresh and the cron give each complaint the same level and
        priority from the same stored dates."""
        moments = [datetime(2024, 3, 1, 9), MONDAY_9, datetime(2024, 3, 4, 12)]
        complaints = self.env['crm.complaint']
        for moment in moments:
            for partner in (self.acme_contact, self.beta_contact):
                complaints |= self.complaint(partner_id=partner.id, moment=moment)
        now = datetime(2024, 3, 5, 9, 30)
        self.env.cr.execute("SAVEPOINT record_way")
        complaints.sudo().mapped('sla_line_ids')._refresh(now)
        complaints.invalidate_cache()
        by_record = [(c.escalation, c.priority, c.sla_state) for c in complaints]
        self.env.cr.execute("ROLLBACK TO SAVEPOINT record_way")
        self.env.clear()
        self.env['crm.complaint.sla.line']._cron_escalate(now=now)
        complaints.invalidate_cache()
        self.assertEqual([(c.escalation, c.priority, c.sla_state) for c in complaints],
                         by_record)
        self.assertIn(('level_2', '3', 'breached'), by_record)

    def test_concurrent_cron_skips(self):
        """Two escalation runs at once: the second one skips instead of escalating twice."""
        from ..models.crm_complaint_sla_line import ESCALATION_LOCK
        complaint = self.complaint(partner_id=self.beta_contact.id)
        other = self.registry.cursor()
        try:
            other.execute("SELECT pg_advisory_xact_lock(%s)", (ESCALATION_LOCK,))
            skipped = self.env['crm.complaint.sla.line']._cron_escalate(
                now=datetime(2024, 3, 5, 9, 30))
            self.assertEqual(skipped, {})
            self.assertEqual(self.lines(complaint)['acknowledge'].status, 'running')
        finally:
            other.rollback()
            other.close()
        done = self.env['crm.complaint.sla.line']._cron_escalate(now=datetime(2024, 3, 5, 9, 30))
        self.assertEqual(done, {complaint.id: 'level_2'})

    def test_no_policy_no_target(self):
        self.env['crm.complaint.sla.policy'].search([]).write({'active': False})
        complaint = self.complaint(moment=MONDAY_9)
        self.assertFalse(complaint.sla_line_ids)
        self.assertEqual(complaint.sla_state, 'none')
        self.move(complaint, self.stage_ack, datetime(2024, 3, 4, 10))
        # the company calendar decides the KPI hours when no policy applies
        self.assertEqual(complaint.first_response_hours_calendar, 1.0)


class TestEscalationCodesMigration(ComplaintCase):
    """Databases installed before the escalation codes read as their labels keep their
    levels: the upgrade maps '0'-'3' to none, warning, level_1, level_2."""

    def test_upgrade_maps_the_old_codes(self):
        migration = load_migration(__file__, '11.0.1.1.0', 'pre-migrate.py')
        complaint = self.complaint()
        lines = complaint.sla_line_ids.sorted('id')[:2]
        self.assertEqual(len(lines), 2)
        cr = self.env.cr
        for old, line in zip(('1', '3'), lines):
            cr.execute("UPDATE crm_complaint_sla_line SET escalation = %s WHERE id = %s",
                       (old, line.id))
        cr.execute("UPDATE crm_complaint SET escalation = '2' WHERE id = %s", (complaint.id,))
        migration.migrate(cr, '11.0.1.0.0')
        cr.execute("SELECT escalation FROM crm_complaint_sla_line WHERE id = ANY(%s) ORDER BY id",
                   (lines.ids,))
        self.assertEqual([row[0] for row in cr.fetchall()], ['warning', 'level_2'])
        cr.execute("SELECT escalation FROM crm_complaint WHERE id = %s", (complaint.id,))
        self.assertEqual(cr.fetchone()[0], 'level_1')
        # a fresh installation has nothing to map
        self.assertIsNone(migration.migrate(cr, None))
