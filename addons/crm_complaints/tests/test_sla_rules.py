"""The SLA rules (plain module): a target's status and ladder level, the complaint's summary
and the priority raise."""
import doctest
import unittest

from ..lib import sla

NOW = '2024-03-04 14:30:00'


def line(**values):
    base = {'status': 'running', 'escalation': 'none', 'reached_date': False,
            'paused_since': False, 'deadline': '2024-03-04 14:00:00', 'target': 'acknowledge',
            'warning_date': '2024-03-04 12:00:00', 'level1_date': '2024-03-04 14:00:00',
            'level2_date': '2024-03-04 16:00:00'}
    base.update(values)
    return base


class TestSlaRules(unittest.TestCase):

    def test_examples(self):
        self.assertEqual(doctest.testmod(sla).failed, 0)

    def test_codes_read_as_their_labels(self):
        self.assertEqual(sla.ESCALATIONS, [('none', 'None'), ('warning', 'Warning'),
                                           ('level_1', 'Level 1'), ('level_2', 'Level 2')])
        for code, label in sla.ESCALATIONS:
            self.assertEqual(code, label.lower().replace(' ', '_'))

    def test_line_status(self):
        self.assertEqual(sla.line_status(line(), '2024-03-04 13:59:59'), 'running')
        self.assertEqual(sla.line_status(line(), '2024-03-04 14:00:00'), 'breached')
        self.assertEqual(sla.line_status(line(paused_since='2024-03-04 10:00:00'), NOW),
                         'paused')
        self.assertEqual(sla.line_status(line(reached_date='2024-03-04 14:00:00'), NOW), 'met')
        self.assertEqual(sla.line_status(line(reached_date='2024-03-04 14:00:01'), NOW),
                         'breached')

    def test_ladder(self):
        self.assertEqual(sla.line_escalation(line(), '2024-03-04 11:59:59'), 'none')
        self.assertEqual(sla.line_escalation(line(), '2024-03-04 12:00:00'), 'warning')
        self.assertEqual(sla.line_escalation(line(), NOW), 'level_1')
        self.assertEqual(sla.line_escalation(line(), '2024-03-04 16:00:00'), 'level_2')
        # never below the level reached; a reached or paused line keeps its level
        self.assertEqual(sla.line_escalation(line(escalation='level_2'), NOW), 'level_2')
        self.assertEqual(sla.line_escalation(
            line(reached_date='2024-03-04 13:00:00', escalation='warning'), NOW), 'warning')
        self.assertEqual(sla.line_escalation(
            line(paused_since='2024-03-04 13:00:00'), '2024-03-04 17:00:00'), 'none')
        self.assertEqual(sla.highest(['level_1', 'none', 'warning']), 'level_1')
        self.assertEqual(sla.highest([]), 'none')

    def test_summary(self):
        self.assertEqual(sla.summary([]), {'sla_state': 'none', 'escalation': 'none',
                                           'sla_deadline': False, 'promised_date': False})
        resolve = line(target='resolve', deadline='2024-03-05 09:00:00')
        both = sla.summary([line(escalation='warning'), resolve])
        self.assertEqual(both, {'sla_state': 'warning', 'escalation': 'warning',
                                'sla_deadline': '2024-03-04 14:00:00',
                                'promised_date': '2024-03-05 09:00:00'})
        # a reached target's level does not count; breached wins over everything
        reached = line(reached_date='2024-03-04 13:00:00', status='met', escalation='level_1')
        self.assertEqual(sla.summary([reached, resolve])['sla_state'], 'running')
        self.assertEqual(sla.summary([reached, resolve])['escalation'], 'none')
        self.assertEqual(sla.summary([reached, resolve])['sla_deadline'], '2024-03-05 09:00:00')
        self.assertEqual(sla.summary([line(status='breached'), resolve])['sla_state'],
                         'breached')
        self.assertEqual(sla.summary([line(status='paused', paused_since=NOW)])['sla_state'],
                         'paused')
        self.assertEqual(sla.summary([reached])['sla_state'], 'met')

    def test_priority_raise(self):
        self.assertEqual(sla.raised_priority('1', 'none', 'warning'), '1')
        self.assertEqual(sla.raised_priority('1', 'warning', 'level_1'), '2')
        self.assertEqual(sla.raised_priority('2', 'none', 'level_1'), '3')
        self.assertEqual(sla.raised_priority('3', 'warning', 'level_1'), '3')
        self.assertEqual(sla.raised_priority(False, 'none', 'level_1'), '2')
        self.assertEqual(sla.raised_priority('0', 'level_1', 'level_2'), '3')
        # once per level: staying at a level, or coming back down, changes nothing
        self.assertEqual(sla.raised_priority('1', 'level_1', 'level_1'), '1')
        self.assertEqual(sla.raised_priority('1', 'level_2', 'level_1'), '1')

    def test_sql_takes_its_values_as_parameters(self):
        params = sla.sql_params(now=NOW, uid=1, ids=[1])
        statements = [sla.summary_sql(), sla.ladder_sql(), sla.BREACH_SQL, sla.BREACHED_SQL,
                      sla.raised_priority_sql('c.priority', 'c.escalation', 'n.level'),
                      sla.highest_sql('escalation')]
        for statement in statements:
            for code in sla.LADDER + ('running', 'paused', 'met', 'breached'):
                self.assertNotIn("'%s'" % code, statement)
            statement % params  # pylint: disable=pointless-statement
        self.assertEqual(params['ladder'], ['none', 'warning', 'level_1', 'level_2'])
        self.assertEqual([params['rank_%s' % code] for code in sla.LADDER], [0, 1, 2, 3])
