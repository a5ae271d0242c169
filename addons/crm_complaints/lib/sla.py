"""The SLA rules of complaints, each written once and read two ways.

A complaint has SLA targets ("lines": acknowledge, resolve). A line has a status (running,
paused, met, breached) and climbs an escalation ladder (none, warning, level 1, level 2) as the
dates the policy laid out for each level pass. The complaint's SLA state summarises its lines;
when its ladder rises to level 1 the priority goes up one step, at level 2 it becomes urgent.

Each rule is a function for one record at a time (the workflow: intake, stage changes,
replanning) and an SQL expression for all open targets at once (the escalation cron), both
built from the same tables below (:data:`LADDER`, :data:`LEVEL_DATES`, :data:`SUMMARY_RULES`,
:data:`PRIORITY_RAISES`). Dates are compared as they come (Odoo's datetime strings or
``datetime`` objects, not mixed).

The cron (``models/crm_complaint_sla_line.py``) runs them in this order: breach the running
lines past their deadline (:func:`line_status`, :data:`BREACH_SQL`), climb the ladder
(:func:`line_escalation`, :func:`ladder_sql`), raise the priority of the complaints that went
up (:func:`raised_priority`, :func:`raised_priority_sql`), then summarise each complaint
(:func:`summary`, :func:`summary_sql`).

>>> line = {'status': 'running', 'escalation': 'none', 'reached_date': False,
...         'paused_since': False, 'deadline': '2024-03-04 14:00:00', 'target': 'acknowledge',
...         'warning_date': '2024-03-04 12:00:00', 'level1_date': '2024-03-04 14:00:00',
...         'level2_date': '2024-03-04 16:00:00'}
>>> now = '2024-03-04 14:30:00'
>>> line_status(line, now), line_escalation(line, now)
('breached', 'level_1')
>>> raised_priority('1', 'warning', 'level_1'), raised_priority('1', 'none', 'level_2')
('2', '3')
>>> summary([dict(line, status='breached', escalation='level_1')])['sla_state']
'breached'
"""

# --- codes and labels ----------------------------------------------------------------------------
NONE, WARNING, LEVEL_1, LEVEL_2 = 'none', 'warning', 'level_1', 'level_2'
ESCALATIONS = [
    (NONE, 'None'),
    (WARNING, 'Warning'),
    (LEVEL_1, 'Level 1'),
    (LEVEL_2, 'Level 2'),
]
# the ladder, lowest level first: levels compare by their place in it, never as strings
LADDER = tuple(code for code, _label in ESCALATIONS)
# the line's date at which each level is reached, highest level first
LEVEL_DATES = ((LEVEL_2, 'level2_date'), (LEVEL_1, 'level1_date'), (WARNING, 'warning_date'))

RUNNING, PAUSED, MET, BREACHED = 'running', 'paused', 'met', 'breached'
LINE_STATUSES = [
    (RUNNING, 'Running'),
    (PAUSED, 'Paused'),
    (MET, 'Met'),
    (BREACHED, 'Breached'),
]

NO_SLA = 'none'
SLA_STATES = [
    (NO_SLA, 'No SLA'),
    (RUNNING, 'On time'),
    (WARNING, 'Warning'),
    (BREACHED, 'Breached'),
    (PAUSED, 'Paused'),
    (MET, 'Met'),
]
# the complaint's SLA state is the first rule one of its lines matches (``met`` when none
# does, ``none`` without lines): (state, line column, values, unreached lines only)
SUMMARY_RULES = (
    (BREACHED, 'status', (BREACHED,), False),
    (WARNING, 'escalation', LADDER[1:], True),
    (RUNNING, 'status', (RUNNING,), False),
    (PAUSED, 'status', (PAUSED,), False),
)

NORMAL, URGENT = '1', '3'
PRIORITIES = [('0', 'Low'), (NORMAL, 'Normal'), ('2', 'High'), (URGENT, 'Urgent')]
# entering a level (from below it) sets the priority: ``'+1'`` one step up, else that priority
PRIORITY_RAISES = ((LEVEL_2, URGENT), (LEVEL_1, '+1'))


def rank(level):
    """Place of ``level`` on the ladder (0 for none or empty)."""
    return LADDER.index(level or NONE)


def highest(levels):
    """The highest of ``levels`` (``none`` when there is none)."""
    return max(levels, key=rank, default=NONE)


# --- one line ------------------------------------------------------------------------------------
def line_status(line, now):
    """Status of ``line`` (a mapping or record with ``reached_date``, ``deadline``,
    ``paused_since``) at ``now``."""
    if line['reached_date']:
        return MET if line['reached_date'] <= line['deadline'] else BREACHED
    if line['paused_since']:
        return PAUSED
    return BREACHED if line['deadline'] <= now else RUNNING


def line_escalation(line, now):
    """Ladder level of ``line`` at ``now``: the highest level whose date passed, never below
    the level it reached already; a reached or paused line keeps its level."""
    if line['reached_date'] or line['paused_since']:
        return line['escalation']
    passed = next((level for level, column in LEVEL_DATES
                   if line[column] and line[column] <= now), NONE)
    return highest([passed, line['escalation']])


# --- one complaint -------------------------------------------------------------------------------
def summary(lines):
    """The complaint's SLA figures from its ``lines``: ``sla_state`` (:data:`SUMMARY_RULES`),
    ``escalation`` (highest level of the unreached lines), ``sla_deadline`` (their next
    deadline) and ``promised_date`` (the resolution deadline)."""
    lines = list(lines)
    open_lines = [line for line in lines if not line['reached_date']]
    if not lines:
        state = NO_SLA
    else:
        state = next((state for state, column, values, open_only in SUMMARY_RULES
                      if any(line[column] in values
                             for line in (open_lines if open_only else lines))), MET)
    deadlines = [line['deadline'] for line in open_lines if line['deadline']]
    resolve = [line['deadline'] for line in lines if line['target'] == 'resolve']
    return {
        'sla_state': state,
        'escalation': highest(line['escalation'] for line in open_lines),
        'sla_deadline': min(deadlines) if deadlines else False,
        'promised_date': (resolve[0] if resolve else False) or False,
    }


def raised_priority(priority, old_level, new_level):
    """Priority of a complaint whose ladder went from ``old_level`` to ``new_level``."""
    for level, raised in PRIORITY_RAISES:
        if new_level == level and rank(old_level) < rank(level):
            if raised == '+1':
                return str(min(int(priority or NORMAL) + 1, int(URGENT)))
            return raised
    return priority


# --- the same rules in SQL ----------------------------------------------------------------------
# Column names come from the tables above; every value (code, rank, now) is a parameter: the
# statements take the parameters of :func:`sql_params`.
def sql_params(**extra):
    """Parameters of the SQL below: ``ladder``, ``code_<code>`` and ``rank_<code>`` of each
    level and status, the priorities, the summary rules' values, and ``extra`` (``now``)."""
    params = {'ladder': list(LADDER), 'priority_normal': NORMAL, 'priority_urgent': URGENT}
    for code in LADDER + tuple(code for code, _label in LINE_STATUSES):
        params['code_%s' % code] = code
    params.update(('rank_%s' % code, rank(code)) for code in LADDER)
    params.update(('raise_%s' % level, raised) for level, raised in PRIORITY_RAISES)
    for index, (_state, _column, values, _open_only) in enumerate(SUMMARY_RULES):
        params['rule_%d' % index] = list(values)
    params.update(extra)
    return params


def rank_sql(expression):
    """SQL of :func:`rank` of ``expression`` (an empty level is none): a ``CASE`` over the
    ladder's codes, which PostgreSQL evaluates far faster per row than ``array_position``."""
    return "(CASE COALESCE(%s, %%(code_%s)s) %s END)" % (expression, NONE, ' '.join(
        "WHEN %%(code_%s)s THEN %%(rank_%s)s" % (code, code) for code in LADDER))


def highest_sql(column, where=None):
    """SQL aggregate of :func:`highest` over ``column`` (of the rows matching ``where``)."""
    return "(%%(ladder)s::varchar[])[COALESCE(max(%s)%s, 0) + 1]" % (
        rank_sql(column), ' FILTER (WHERE %s)' % where if where else '')


# unreached running lines past their deadline (at ``%(now)s``) are breached (:func:`line_status`)
BREACH_SQL = "status = %%(code_%s)s AND reached_date IS NULL AND deadline <= %%(now)s" % RUNNING
BREACHED_SQL = "%%(code_%s)s" % BREACHED


def ladder_sql():
    """SQL of the level an unreached, unpaused line passed at ``%(now)s`` (the first part of
    :func:`line_escalation`; "never below its level" is the caller's ``WHERE``)."""
    return 'CASE %s ELSE %%(code_%s)s END' % (' '.join(
        "WHEN %s <= %%(now)s THEN %%(code_%s)s" % (column, level)
        for level, column in LEVEL_DATES), NONE)


def raised_priority_sql(priority, old_level, new_level):
    """SQL of :func:`raised_priority` over three SQL expressions."""
    whens = []
    for level, raised in PRIORITY_RAISES:
        if raised == '+1':
            value = ("LEAST(COALESCE(%s, %%(priority_normal)s)::int + 1, "
                     "%%(priority_urgent)s::int)::varchar" % priority)
        else:
            value = '%%(raise_%s)s' % level
        whens.append("WHEN %s = %%(code_%s)s AND %s < %%(rank_%s)s THEN %s" % (
            new_level, level, rank_sql(old_level), level, value))
    return 'CASE %s ELSE %s END' % (' '.join(whens), priority)


def summary_sql():
    """Select list of :func:`summary` over the lines of a complaint (in a ``GROUP BY
    complaint_id`` over ``crm_complaint_sla_line``): ``state``, ``level``, ``next_deadline``
    (``promised_date`` is left out: the cron moves no deadline)."""
    whens = ' '.join(
        "WHEN bool_or(%s%s = ANY(%%(rule_%d)s)) THEN %%(code_%s)s" % (
            'reached_date IS NULL AND ' if open_only else '', column, index, state)
        for index, (state, column, _values, open_only) in enumerate(SUMMARY_RULES))
    return """CASE %s ELSE %%(code_%s)s END AS state,
              %s AS level,
              min(deadline) FILTER (WHERE reached_date IS NULL) AS next_deadline""" % (
        whens, MET, highest_sql('escalation', 'reached_date IS NULL'))
