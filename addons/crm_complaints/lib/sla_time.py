"""Working-time arithmetic of complaint SLAs, without the database.

A :class:`WorkSchedule` holds the weekly working hours of a team in its local time zone and the
public holidays. Every datetime going in or out is naive UTC, as Odoo stores datetimes; local
time is only used to lay the weekly hours on the calendar, so daylight saving time shifts the
UTC working hours the way a clock on the office wall does.
"""
from datetime import datetime, time, timedelta

import pytz

HORIZON_DAYS = 3660  # planning further than ten years ahead means the schedule has no hours


def _merge(intervals):
    """Sorted, non-overlapping union of ``(start, end)`` intervals."""
    merged = []
    for start, end in sorted(i for i in intervals if i[0] < i[1]):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def subtract(intervals, removed):
    """``intervals`` minus ``removed`` (both lists of ``(start, end)``), sorted."""
    removed = _merge(removed)
    result = []
    for start, end in _merge(intervals):
        for r_start, r_end in removed:
            if r_end <= start or r_start >= end:
                continue
            if r_start > start:
                result.append((start, r_start))
            start = max(start, r_end)
            if start >= end:
                break
        if start < end:
            result.append((start, end))
    return result


def hours(delta):
    """A timedelta in hours (float)."""
    return delta.total_seconds() / 3600.0


class WorkSchedule(object):
    """Weekly working hours in a time zone, minus holidays.

    :param attendances: iterable of ``(weekday, hour_from, hour_to)`` in local time, weekday 0 is
        Monday (``resource.calendar.attendance`` encoding); optionally followed by
        ``date_from, date_to`` (``datetime.date`` or None) limiting the attendance in time.
    :param tz: time zone name of the working hours (``'UTC'`` when empty).
    :param holidays: iterable of ``(start, end)`` naive UTC datetimes without work.
    :param strict: raise ``ValueError`` on an invalid attendance (a weekday out of 0-6, hours
        not within ``0 <= from < to <= 24``); when false, such attendances are left out and
        listed in :attr:`skipped` (a calendar of the database may hold them), and only a
        schedule left without any working hours raises.
    """

    def __init__(self, attendances, tz='UTC', holidays=(), strict=True):
        self.tz = pytz.timezone(tz or 'UTC')
        self.week = {day: [] for day in range(7)}
        self.skipped = []
        for attendance in attendances:
            try:
                weekday, hour_from, hour_to = attendance[:3]
                date_from, date_to = (tuple(attendance[3:5]) + (None, None))[:2]
                weekday = int(weekday)
                if not 0 <= weekday <= 6:
                    raise ValueError("weekday must be 0 (Monday) to 6 (Sunday), got %r"
                                     % weekday)
                if not 0 <= hour_from < hour_to <= 24:
                    raise ValueError("working hours must satisfy 0 <= from < to <= 24, got "
                                     "%r-%r" % (hour_from, hour_to))
                if date_from and date_to and date_to < date_from:
                    raise ValueError("an attendance must not end (%s) before it starts (%s)"
                                     % (date_to, date_from))
            except (TypeError, ValueError) as error:
                if strict:
                    raise ValueError(str(error))
                self.skipped.append(tuple(attendance))
                continue
            self.week[weekday].append((float(hour_from), float(hour_to), date_from, date_to))
        if not any(self.week.values()):
            raise ValueError("the schedule has no working hours")
        for day in self.week.values():
            day.sort()
        self.holidays = _merge(holidays)

    # -- calendar ---------------------------------------------------------------------------------
    def _to_utc(self, day, hour):
        local = datetime.combine(day, time()) + timedelta(hours=hour)
        return self.tz.localize(local, is_dst=False).astimezone(pytz.utc).replace(tzinfo=None)

    def _local_date(self, moment):
        return pytz.utc.localize(moment).astimezone(self.tz).date()

    def day_intervals(self, day):
        """Working intervals (UTC) of the local calendar day ``day``, holidays not removed."""
        return _merge(
            (self._to_utc(day, hour_from), self._to_utc(day, hour_to))
            for hour_from, hour_to, date_from, date_to in self.week[day.weekday()]
            if (not date_from or date_from <= day) and (not date_to or day <= date_to))

    def _days(self, start, end=None):
        day = self._local_date(start) - timedelta(days=1)
        last = self._local_date(end) + timedelta(days=1) if end else None
        limit = day + timedelta(days=HORIZON_DAYS)
        while last is None or day <= last:
            if day > limit:
                raise ValueError("no working time within %d days: check the working hours and "
                                 "holidays" % HORIZON_DAYS)
            yield day
            day += timedelta(days=1)

    # -- arithmetic -------------------------------------------------------------------------------
    def intervals(self, start, end, pauses=()):
        """Working intervals (UTC) between ``start`` and ``end``, without holidays and pauses.

        ``pauses`` are ``(start, end)`` intervals where the clock stops; an end of ``None``
        means the pause is still going on.
        """
        if end <= start:
            return []
        found = []
        for day in self._days(start, end):
            for i_start, i_end in self.day_intervals(day):
                i_start, i_end = max(i_start, start), min(i_end, end)
                if i_start < i_end:
                    found.append((i_start, i_end))
        removed = self.holidays + [(p_start, p_end or end) for p_start, p_end in pauses]
        return subtract(found, removed)

    def working_hours(self, start, end, pauses=()):
        """Working hours (float) between ``start`` and ``end``; negative when ``end < start``."""
        if end < start:
            return -self.working_hours(end, start, pauses)
        return sum(hours(i_end - i_start) for i_start, i_end in self.intervals(start, end, pauses))

    def add_hours(self, start, work_hours, pauses=()):
        """The moment ``work_hours`` of working time after ``start`` (the deadline).

        Exhausting the hours exactly at the end of a working interval gives that end (17:00),
        not the start of the next one. Zero hours gives ``start`` itself.
        """
        if work_hours < 0:
            raise ValueError("working hours to add must not be negative")
        remaining = timedelta(hours=work_hours)
        if not remaining:
            return start
        removed = _merge(self.holidays + [(p_start, p_end or datetime.max)
                                          for p_start, p_end in pauses])
        for day in self._days(start):
            todays = [(max(i_start, start), i_end) for i_start, i_end in self.day_intervals(day)
                      if i_end > start]
            for i_start, i_end in subtract(todays, removed):
                length = i_end - i_start
                if length >= remaining:
                    return i_start + remaining
                remaining -= length
        raise AssertionError("unreachable")  # _days raises first


# the schedule of a company without usable working hours: every hour counts
ROUND_THE_CLOCK = WorkSchedule([(day, 0, 24) for day in range(7)])
