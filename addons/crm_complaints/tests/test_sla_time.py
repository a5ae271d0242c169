"""The working-time arithmetic of the SLAs (plain module), pinned with exact datetimes."""
import unittest
from datetime import date, datetime as dt

from ..lib.sla_time import WorkSchedule, subtract

OFFICE = [(day, 8, 12) for day in range(5)] + [(day, 13, 17) for day in range(5)]


class TestSlaTime(unittest.TestCase):

    def test_within_a_day(self):
        schedule = WorkSchedule(OFFICE)
        # Monday 9:00 + 2h = 11:00; + 4h crosses lunch: 14:00
        self.assertEqual(schedule.add_hours(dt(2024, 3, 4, 9), 2), dt(2024, 3, 4, 11))
        self.assertEqual(schedule.add_hours(dt(2024, 3, 4, 9), 4), dt(2024, 3, 4, 14))
        self.assertEqual(schedule.working_hours(dt(2024, 3, 4, 9), dt(2024, 3, 4, 14)), 4.0)

    def test_over_a_weekend(self):
        schedule = WorkSchedule(OFFICE)
        # Friday 15:00 + 4h: 2h on Friday, 2h on Monday -> Monday 10:00
        self.assertEqual(schedule.add_hours(dt(2024, 3, 8, 15), 4), dt(2024, 3, 11, 10))
        self.assertEqual(schedule.working_hours(dt(2024, 3, 8, 15), dt(2024, 3, 11, 10)), 4.0)
        # a start on Saturday waits for Monday morning
        self.assertEqual(schedule.add_hours(dt(2024, 3, 9, 11), 1), dt(2024, 3, 11, 9))

    def test_over_a_public_holiday(self):
        schedule = WorkSchedule(OFFICE, holidays=[(dt(2024, 3, 11), dt(2024, 3, 12))])
        # Friday 15:00 + 4h, Monday is a holiday -> Tuesday 10:00
        self.assertEqual(schedule.add_hours(dt(2024, 3, 8, 15), 4), dt(2024, 3, 12, 10))
        self.assertEqual(schedule.working_hours(dt(2024, 3, 8, 15), dt(2024, 3, 12, 10)), 4.0)
        # half a day off: Monday afternoon only
        half = WorkSchedule(OFFICE, holidays=[(dt(2024, 3, 11, 12), dt(2024, 3, 11, 17))])
        self.assertEqual(half.add_hours(dt(2024, 3, 11, 10), 4), dt(2024, 3, 12, 10))

    def test_ending_exactly_at_closing_time(self):
        schedule = WorkSchedule(OFFICE)
        # the deadline is 17:00 on the same day, not 8:00 the next morning
        self.assertEqual(schedule.add_hours(dt(2024, 3, 8, 15), 2), dt(2024, 3, 8, 17))
        self.assertEqual(schedule.add_hours(dt(2024, 3, 4, 9), 0), dt(2024, 3, 4, 9))

    def test_pause(self):
        schedule = WorkSchedule(OFFICE)
        pause = [(dt(2024, 3, 4, 10), dt(2024, 3, 4, 15))]  # 10:00-15:00 is 4 working hours
        self.assertEqual(schedule.working_hours(dt(2024, 3, 4, 9), dt(2024, 3, 4, 17), pause),
                         3.0)
        # 4h from 9:00 with that pause: 9-10, then 15-17, then Tuesday 8-9
        self.assertEqual(schedule.add_hours(dt(2024, 3, 4, 9), 4, pause), dt(2024, 3, 5, 9))
        # an open pause (no end yet) stops the clock up to the end of the question
        ongoing = [(dt(2024, 3, 4, 10), None)]
        self.assertEqual(schedule.working_hours(dt(2024, 3, 4, 9), dt(2024, 3, 5, 12), ongoing),
                         1.0)

    def test_across_midnight(self):
        night = WorkSchedule([(0, 20, 24), (1, 0, 4)])
        # Monday 21:00 + 5h: 3h before midnight, 2h after -> Tuesday 02:00
        self.assertEqual(night.add_hours(dt(2024, 3, 4, 21), 5), dt(2024, 3, 5, 2))
        self.assertEqual(night.working_hours(dt(2024, 3, 4, 23), dt(2024, 3, 5, 1)), 2.0)

    def test_time_zone_tehran(self):
        """Saturday-Wednesday 8-16 in Tehran (UTC+3:30, Thursday and Friday off)."""
        tehran = WorkSchedule([(day, 8, 16) for day in (5, 6, 0, 1, 2)], 'Asia/Tehran')
        # Wednesday 11:00 UTC = 14:30 local: 1.5h left that day, then Saturday 8:00 + 2.5h
        # = 10:30 local = 07:00 UTC
        self.assertEqual(tehran.add_hours(dt(2024, 3, 6, 11), 4), dt(2024, 3, 9, 7))
        self.assertEqual(tehran.working_hours(dt(2024, 3, 6, 11), dt(2024, 3, 9, 7)), 4.0)

    def test_time_zone_daylight_saving(self):
        """Berlin moves to summer time on 31 March 2024: office hours shift one hour in UTC."""
        berlin = WorkSchedule([(day, 9, 17) for day in range(5)], 'Europe/Berlin')
        # Friday 29 March 14:00 UTC = 15:00 CET: 2h left; Monday 1 April 9:00 CEST = 07:00 UTC
        # + 2h -> 09:00 UTC (it would be 10:00 UTC without daylight saving)
        self.assertEqual(berlin.add_hours(dt(2024, 3, 29, 14), 4), dt(2024, 4, 1, 9))

    def test_attendance_validity_dates(self):
        schedule = WorkSchedule([(0, 8, 12, date(2024, 3, 11), None), (1, 8, 12)])
        # Monday 4 March is before the Monday hours start: Tuesday counts, then Monday 11th
        self.assertEqual(schedule.add_hours(dt(2024, 3, 4, 8), 6), dt(2024, 3, 11, 10))

    def test_bad_schedules_refused(self):
        with self.assertRaisesRegex(ValueError, 'no working hours'):
            WorkSchedule([])
        with self.assertRaisesRegex(ValueError, '0 <= from < to <= 24'):
            WorkSchedule([(0, 17, 8)])
        with self.assertRaisesRegex(ValueError, 'weekday must be 0'):
            WorkSchedule([(7, 8, 12)])
        with self.assertRaisesRegex(ValueError, 'must not be negative'):
            WorkSchedule(OFFICE).add_hours(dt(2024, 3, 4, 9), -1)
        closed = WorkSchedule([(0, 8, 12)], holidays=[(dt(2024, 1, 1), dt(2040, 1, 1))])
        with self.assertRaisesRegex(ValueError, 'no working time within'):
            closed.add_hours(dt(2024, 3, 4, 9), 1)

    def test_subtract(self):
        self.assertEqual(
            subtract([(1, 10), (12, 20)], [(2, 3), (9, 13), (15, 16)]),
            [(1, 2), (3, 9), (13, 15), (16, 20)])
