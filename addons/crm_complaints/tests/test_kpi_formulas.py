"""The KPI formulas (plain module)."""
import unittest

from ..lib import kpi


class TestKpiFormulas(unittest.TestCase):

    def test_csat_counts_four_and_five(self):
        self.assertEqual(kpi.csat([5, 4, 3, 1]), 50.0)
        self.assertEqual(kpi.csat([5]), 100.0)
        self.assertIsNone(kpi.csat([]))

    def test_rating_scale(self):
        self.assertEqual(kpi.rating_to_odoo(1), 2)
        self.assertEqual(kpi.rating_to_odoo(5), 10)
        for bad in (0, 6, -1, 2.5, '3', True, None):
            with self.assertRaisesRegex(ValueError, 'whole number from 1 to 5'):
                kpi.check_rating(bad)

    def test_attitude(self):
        self.assertEqual(kpi.attitude([5, 5]), 1.0)
        self.assertEqual(kpi.attitude([1]), 0.0)
        self.assertEqual(kpi.attitude([2, 4]), 0.5)
        self.assertIsNone(kpi.attitude([]))

    def test_ratio(self):
        self.assertEqual(kpi.ratio(3, 12), 25.0)
        self.assertIsNone(kpi.ratio(3, 0))
        self.assertEqual(kpi.word_of_mouth(4, 9.0), 36.0)

    def test_pareto(self):
        rows = kpi.pareto([('a', 'Defect', 6, 600.0), ('b', 'Transport', 2, 50.0),
                           ('c', 'Billing', 10, 80.0), ('d', 'Staff', 2, 90.0)])
        self.assertEqual([row['label'] for row in rows], ['Billing', 'Defect', 'Staff', 'Transport'])
        self.assertEqual([row['share'] for row in rows], [50.0, 30.0, 10.0, 10.0])
        self.assertEqual([row['cumulative'] for row in rows], [50.0, 80.0, 90.0, 100.0])
        self.assertEqual([row['vital'] for row in rows], [True, True, False, False])
        self.assertEqual(kpi.pareto([]), [])
