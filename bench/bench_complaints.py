"""Benchmark of the complaint SLA/escalation cron and of the KPI report, each against the
per-record ORM way on a slice, measured in one run.

``bin/python bench/bench_complaints.py --size small|reference [--db DB] [--fresh]``

1. Database: copy of the suite's template with ``crm_complaints`` installed, the sales history
   of ``bench/generate.py`` (customers, orders), then complaints written with COPY: three years
   of closed ones and the open ones of the last month (small: 20,000 / 5,000; reference:
   500,000 / 100,000), two SLA targets each, deadlines laid out by the SLA engine's own
   working-time arithmetic (``sla_time``), statuses as the cron left them 15 minutes earlier.
   Reused when it already has them.
2. Measures, in one transaction rolled back at the end:
   * **escalation cron** over all open complaints (``_cron_escalate``): the run 15 minutes
     after the previous one, the next one, and a catch-up after two hours without cron; against
     the **per-record ORM way** (each open target's status and level computed and written
     through the ORM, the complaint's summary recomputed, priority raised) on a slice of open
     complaints, extrapolated to all of them. Notifications (one activity per complaint that
     changed level, the same call in both ways) are timed apart, so the state update is also
     compared on its own;
   * **KPI report** over all complaints of the three years (``_kpi_values`` and the Pareto
     tables, two SQL aggregates each, and the analysis view's pivot ``read_group``); against
     the per-record ORM way (read each complaint and its targets, sum in Python) on a slice,
     extrapolated.
3. Prints the figures and the ratios and writes its section of bench/RESULTS.md.
"""
import argparse
import io
import os
import platform
import subprocess
import sys
import time
import uuid
from datetime import date, datetime, timedelta

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:  # bench/results.py beside this script
    sys.path.insert(0, HERE)
import results  # noqa: E402
ROOT = os.path.dirname(HERE)
BENCH_PORT = '8282'
END = date(2024, 6, 30)
# the cron runs on Friday 28 June 2024 at 11:00 UTC, within working hours
NOW = datetime(2024, 6, 28, 11, 0)
SIZES = {
    'small': {'history': 'small', 'complaints': 20000, 'open': 5000, 'cron_slice': 500,
              'kpi_slice': 2000},
    'reference': {'history': 'reference', 'complaints': 500000, 'open': 100000,
                  'cron_slice': 2000, 'kpi_slice': 10000},
}


def prepare_database(db, fresh):
    from odoo311 import pg, suite
    conf = suite.prepare()
    if fresh and pg.database_exists(conf, db):
        suite.drop_db(conf, db)
    if not pg.database_exists(conf, db):
        template = suite.ensure_template(conf)
        suite.copy_db(conf, template, db)
        rc = suite.run_odoo(['-d', db, '-i', 'crm_complaints', '--stop-after-init',
                             '--log-level=warn', '--http-port', BENCH_PORT])
        if rc:
            raise SystemExit('installing crm_complaints failed (rc=%s)' % rc)
    return suite.CONF


def _copy(cr, table, columns, rows):
    buffer = io.StringIO()
    for row in rows:
        buffer.write('\t'.join('\\N' if v is None else str(v) for v in row))
        buffer.write('\n')
    buffer.seek(0)
    cr.copy_expert('COPY %s (%s) FROM STDIN' % (table, ', '.join(columns)), buffer)


def _reserve_ids(cr, table, count):
    cr.execute("SELECT nextval(%s)", ('%s_id_seq' % table,))
    first = cr.fetchone()[0]
    cr.execute("SELECT setval(%s, %s)", ('%s_id_seq' % table, first + count))
    return first


def _fmt(moment):
    return moment.strftime('%Y-%m-%d %H:%M:%S') if moment else None


def has_complaints(cr):
    cr.execute("SELECT count(*) FROM crm_complaint WHERE name LIKE 'BENCH/%%'")
    return cr.fetchone()[0]


def generate_complaints(env, size, log=print):
    """Complaints, product links and SLA targets with COPY (see the module docstring)."""
    import numpy as np
    from odoo.addons.crm_complaints.lib.sla import LADDER
    spec = SIZES[size]
    rng = np.random.default_rng(11)
    cr = env.cr
    started = time.time()
    company = env.ref('base.main_company')
    uid = env.uid
    env['crm.complaint.sla.policy'].search([]).write({'active': False})
    calendar = env.ref('resource.resource_calendar_std')
    Policy = env['crm.complaint.sla.policy']
    common = {'company_id': company.id, 'calendar_id': calendar.id, 'tz': 'UTC'}
    ack = Policy.create(dict(common, name='Bench: acknowledge in 4h', target='acknowledge',
                             hours=4.0))
    resolve = Policy.create(dict(common, name='Bench: resolve in 24h', target='resolve',
                                 hours=24.0))
    schedule = ack._work_schedule()
    team = env['crm.complaint.team'].create({'name': 'Bench desk', 'company_id': company.id,
                                             'member_ids': [(6, 0, [uid])]})
    cr.execute("""SELECT id FROM res_partner WHERE name LIKE 'Bench %%'
                     AND parent_id IS NULL ORDER BY id""")
    partners = np.array([row[0] for row in cr.fetchall()])
    cr.execute("""SELECT p.id FROM product_product p JOIN product_template t
                   ON t.id = p.product_tmpl_id WHERE t.name LIKE 'Bench product %%'
                   ORDER BY p.id""")
    products = np.array([row[0] for row in cr.fetchall()])
    stages = {s.step: s for s in env['crm.complaint.stage'].search([]).sorted(
        lambda s: (s.sequence, s.id), reverse=True)}
    categories = env['crm.complaint.category'].search([]).ids
    causes = env['crm.complaint.root.cause'].search([]).ids
    channels = env['crm.complaint.channel'].search([]).ids
    natures = dict((c.id, c.nature) for c in env['crm.complaint.category'].browse(categories))
    n_total, n_open = spec['complaints'], spec['open']
    n_closed = n_total - n_open
    now = NOW
    # the engine's working intervals as a minute index: cum[i] = working minutes before
    # minute i, so adding working time is a searchsorted (deadlines of 500,000 complaints)
    origin = now - timedelta(days=3 * 365 + 40)
    minutes = int((now + timedelta(days=120) - origin).total_seconds() // 60)
    mask = np.zeros(minutes, dtype=np.int64)
    for i_start, i_end in schedule.intervals(origin, origin + timedelta(minutes=minutes)):
        mask[int((i_start - origin).total_seconds() // 60):
             int((i_end - origin).total_seconds() // 60)] = 1
    cum = np.concatenate([[0], np.cumsum(mask)])

    def add(start_idx, work_minutes):
        return np.searchsorted(cum, cum[start_idx] + np.round(work_minutes).astype(np.int64),
                               side='left')

    def moment(index):
        return origin + timedelta(minutes=int(index))

    # intake moments: closed ones over three years, open ones in the last 30 days
    now_idx = int((now - origin).total_seconds() // 60)
    prev_idx = now_idx - 15
    received = np.concatenate([now_idx - rng.integers(30 * 24 * 60, 3 * 365 * 24 * 60, n_closed),
                               now_idx - rng.integers(1, 30 * 24 * 60, n_open)])
    deadlines = {}
    for target, policy in (('acknowledge', ack), ('resolve', resolve)):
        deadlines[target] = [add(received, np.full(n_total, policy.hours * share * 0.6))
                             for share in (100.0, 75.0, 100.0, 150.0)]
    ack_at = add(received, rng.exponential(3.0, n_total) * 60 + 1)
    resolve_at = add(ack_at, rng.exponential(20.0, n_total) * 60 + 1)
    first = _reserve_ids(cr, 'crm_complaint', n_total)
    line_first = _reserve_ids(cr, 'crm_complaint_sla_line', 2 * n_total)
    cols = ['id', 'name', 'subject', 'company_id', 'partner_id', 'commercial_partner_id',
            'user_id', 'team_id', 'channel_id', 'category_id', 'nature', 'priority',
            'root_cause_id', 'stage_id', 'step', 'is_acknowledged', 'is_resolved', 'is_closed',
            'date_received', 'date_acknowledged', 'date_resolved', 'date_closed', 'reopen_count',
            'customer_contact_count', 'first_response_hours', 'first_response_hours_calendar',
            'resolution_hours', 'resolution_hours_calendar', 'sla_state', 'escalation',
            'sla_deadline', 'promised_date', 'handling_hours', 'cost_credit_notes',
            'cost_replacement', 'cost_goodwill', 'cost_handling', 'cost_total', 'rating_score',
            'rating_requested_date', 'followup_outcome', 'active', 'access_token', 'is_repeat',
            'create_uid', 'write_uid', 'create_date', 'write_date']
    line_cols = ['id', 'complaint_id', 'company_id', 'team_id', 'policy_id', 'target',
                 'target_hours', 'start_date', 'deadline', 'warning_date', 'level1_date',
                 'level2_date', 'reached_date', 'status', 'escalation', 'paused_hours',
                 'working_hours', 'calendar_hours', 'create_uid', 'write_uid', 'create_date',
                 'write_date']
    rows, line_rows, rel_rows = [], [], []
    partner_pick = rng.choice(partners, n_total)
    product_pick = rng.choice(products, n_total)
    category_pick = rng.choice(categories, n_total)
    cause_pick = rng.choice(causes + [None] * 3, n_total)
    channel_pick = rng.choice(channels, n_total)
    priority_pick = rng.choice(['0', '1', '1', '1', '2', '3'], n_total)
    ratings = rng.choice([0, 1, 2, 3, 4, 5, 5, 4, 5, 0], n_total)
    rejected = rng.random(n_total) < 0.07
    reopened = rng.random(n_total) < 0.04
    contacts = rng.integers(0, 3, n_total)
    handling = np.round(rng.exponential(1.5, n_total), 2)
    stamp = _fmt(now)
    policies = {'acknowledge': ack, 'resolve': resolve}
    for k in range(n_total):
        cid = first + k
        start_idx = int(received[k])
        start = moment(start_idx)
        is_open = k >= n_closed
        if is_open:
            acked = ack_at[k] <= prev_idx
            step = 'in_progress' if acked else 'new'
            resolved = False
        else:
            acked = resolved = True
            step = 'rejected' if rejected[k] else 'closed'
        reached = {'acknowledge': int(ack_at[k]) if acked else None,
                   'resolve': int(resolve_at[k]) if resolved else None}
        line_state = {}
        for j, target in enumerate(('acknowledge', 'resolve')):
            deadline, warning, level1, level2 = (int(d[k]) for d in deadlines[target])
            done = reached[target]
            if done is not None:
                status = 'met' if done <= deadline else 'breached'
                level = 'none'
            else:
                status = 'breached' if deadline <= prev_idx else 'running'
                level = 'level_2' if level2 <= prev_idx else 'level_1' if level1 <= prev_idx \
                    else 'warning' if warning <= prev_idx else 'none'
            line_state[target] = (status, level, deadline)
            line_rows.append((
                line_first + 2 * k + j, cid, company.id, team.id, policies[target].id, target,
                policies[target].hours, _fmt(start), _fmt(moment(deadline)),
                _fmt(moment(warning)), _fmt(moment(level1)), _fmt(moment(level2)),
                _fmt(moment(done)) if done is not None else None, status, level, 0.0,
                (cum[done] - cum[start_idx]) / 60.0 if done is not None else 0.0,
                (done - start_idx) / 60.0 if done is not None else 0.0,
                uid, uid, stamp, stamp))
        statuses = {status for status, _lvl, _d in line_state.values()}
        open_states = [(lvl, d) for t, (_s, lvl, d) in line_state.items() if reached[t] is None]
        sla_state = 'breached' if 'breached' in statuses else \
            'warning' if any(lvl != 'none' for lvl, _d in open_states) else \
            'running' if 'running' in statuses else 'met'
        rating = int(ratings[k]) if step == 'closed' else 0
        cost_handling = float(handling[k]) * 30.0
        category = int(category_pick[k])
        ack_moment = moment(ack_at[k])
        resolve_moment = moment(resolve_at[k])
        rows.append((
            cid, 'BENCH/%07d' % k, 'Bench complaint %d' % k, company.id, int(partner_pick[k]),
            int(partner_pick[k]), uid, team.id, int(channel_pick[k]), category,
            natures[category], priority_pick[k],
            int(cause_pick[k]) if cause_pick[k] is not None else None, stages[step].id, step,
            't' if acked else 'f', 't' if resolved else 'f', 'f' if is_open else 't',
            _fmt(start), _fmt(ack_moment) if acked else None,
            _fmt(resolve_moment) if resolved else None,
            _fmt(resolve_moment + timedelta(days=2)) if not is_open else None,
            int(reopened[k] and not is_open), int(contacts[k]),
            (cum[ack_at[k]] - cum[start_idx]) / 60.0 if acked else 0.0,
            (ack_at[k] - start_idx) / 60.0 if acked else 0.0,
            (cum[resolve_at[k]] - cum[start_idx]) / 60.0 if resolved else 0.0,
            (resolve_at[k] - start_idx) / 60.0 if resolved else 0.0,
            sla_state, max([lvl for lvl, _d in open_states] or ['none'], key=LADDER.index),
            _fmt(moment(min(d for _lvl, d in open_states))) if open_states else None,
            _fmt(moment(deadlines['resolve'][0][k])), float(handling[k]), 0.0, 0.0, 0.0,
            cost_handling, cost_handling, rating or None,
            _fmt(resolve_moment + timedelta(days=2)) if step == 'closed' else None,
            'satisfied' if step == 'closed' else None, 't', uuid.uuid4().hex, 'f',
            uid, uid, stamp, stamp))
        rel_rows.append((cid, int(product_pick[k])))
        if len(rows) >= 50000:
            _copy(cr, 'crm_complaint', cols, rows)
            _copy(cr, 'crm_complaint_sla_line', line_cols, line_rows)
            _copy(cr, 'crm_complaint_product_rel', ['complaint_id', 'product_id'], rel_rows)
            rows, line_rows, rel_rows = [], [], []
            log('  %d complaints written (%.0f s)' % (k + 1, time.time() - started))
    _copy(cr, 'crm_complaint', cols, rows)
    _copy(cr, 'crm_complaint_sla_line', line_cols, line_rows)
    _copy(cr, 'crm_complaint_product_rel', ['complaint_id', 'product_id'], rel_rows)
    cr.execute("ANALYZE crm_complaint")
    cr.execute("ANALYZE crm_complaint_sla_line")
    log('complaints generated: %d (%d open) in %.0f s' % (n_total, n_open, time.time() - started))
    return now


def naive_cron(env, complaints, now):
    """The per-record way: every open target through the ORM (which also recomputes each
    complaint's summary and raises its priority), then the notifications, one record at a
    time."""
    from odoo.addons.crm_complaints.lib.sla import LADDER
    escalated = {}
    for complaint in complaints:
        before = complaint.escalation
        complaint.sla_line_ids.filtered(lambda ln: not ln.reached_date)._refresh(now)
        level = complaint.escalation  # the stored summary recomputed by the ORM
        if LADDER.index(level) > LADDER.index(before):
            escalated[complaint.id] = level
    if escalated:
        complaints.browse(list(escalated))._notify_escalation(escalated)
    return escalated


def naive_kpis(env, complaints):
    """The per-record way: read every complaint and its targets, sum in Python."""
    sums = {'count': 0, 'ack': 0, 'frh': 0.0, 'resolved': 0, 'rh': 0.0, 'met': 0,
            'decided': 0, 'answered': 0, 'satisfied': 0, 'cost': 0.0, 'fcr': 0}
    causes = {}
    for complaint in complaints:
        sums['count'] += 1
        if complaint.date_acknowledged:
            sums['ack'] += 1
            sums['frh'] += complaint.first_response_hours
        if complaint.date_resolved:
            sums['resolved'] += 1
            sums['rh'] += complaint.resolution_hours
            if not complaint.reopen_count and complaint.customer_contact_count <= 1:
                sums['fcr'] += 1
        for line in complaint.sla_line_ids:
            if line.status in ('met', 'breached'):
                sums['decided'] += 1
                sums['met'] += line.status == 'met'
        if complaint.rating_score:
            sums['answered'] += 1
            sums['satisfied'] += complaint.rating_score >= 4
        sums['cost'] += complaint.cost_total
        key = complaint.root_cause_id.id
        causes[key] = causes.get(key, 0) + 1
    return sums, causes


def run(db, size, fresh):
    conf = prepare_database(db, fresh)
    from odoo import api
    with api.Environment.manage():
        return _measure(conf, db, size)


def _measure(conf, db, size):
    import odoo
    from odoo import SUPERUSER_ID, api
    odoo.tools.config.parse_config(['-c', conf, '-d', db])
    registry = odoo.registry(db)
    spec = SIZES[size]
    with registry.cursor() as cr:
        cr.execute("SELECT count(*) FROM product_template WHERE name LIKE 'Bench product %%'")
        history = cr.fetchone()[0]
    if not history:
        subprocess.check_call([os.path.join(ROOT, 'bin', 'python'),
                               os.path.join(HERE, 'generate.py'), '--db', db, '--size',
                               spec['history'], '--end', END.isoformat(), '--conf', conf])
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        if not has_complaints(cr):
            generate_complaints(env, size)
            cr.commit()
        now = NOW
        Line = env['crm.complaint.sla.line']
        Complaint = env['crm.complaint']
        cr.execute("SELECT count(*), count(*) FILTER (WHERE NOT is_closed) FROM crm_complaint")
        total, open_count = cr.fetchone()
        cr.execute("SELECT count(*) FROM crm_complaint_sla_line WHERE reached_date IS NULL")
        open_lines = cr.fetchone()[0]
        result = {'size': size, 'db': db, 'complaints': total, 'open': open_count,
                  'open_lines': open_lines}

        # --- escalation cron: the per-record way on a slice, then the set-based run ----------
        # notifications (one activity per escalated complaint, the same in both ways) are
        # timed apart, so the state update of each way is compared like for like
        Model = type(Complaint)
        original_notify = Model._notify_escalation
        spent = {'notify': 0.0}

        def timed_notify(records, levels):
            begin = time.time()
            try:
                return original_notify(records, levels)
            finally:
                spent['notify'] += time.time() - begin
        Model._notify_escalation = timed_notify
        try:
            cr.execute("""SELECT id FROM crm_complaint WHERE NOT is_closed
                           ORDER BY id LIMIT %s""", (spec['cron_slice'],))
            slice_ids = [row[0] for row in cr.fetchall()]
            cr.execute("SAVEPOINT naive_cron")
            env.clear()
            spent['notify'] = 0.0
            started = time.time()
            naive_escalated = naive_cron(env, Complaint.browse(slice_ids), now)
            naive_time = time.time() - started
            naive_notify = spent['notify']
            cr.execute("ROLLBACK TO SAVEPOINT naive_cron")
            env.clear()
            spent['notify'] = 0.0
            started = time.time()
            escalated_all = Line._cron_escalate(now=now)
            cron_time = time.time() - started
            cron_notify = spent['notify']
            in_slice = set(slice_ids)
            same = {cid: level for cid, level in escalated_all.items() if cid in in_slice}
            scale = float(open_count) / len(slice_ids)
            naive_update = (naive_time - naive_notify) * scale
            result.update({
                'cron_slice': len(slice_ids), 'cron_naive_slice': naive_time,
                'cron_naive_slice_notify': naive_notify,
                'cron_naive_update_extrapolated': naive_update,
                'cron_naive_extrapolated': naive_update + cron_notify,
                'cron_time': cron_time, 'cron_notify': cron_notify,
                'cron_update': cron_time - cron_notify,
                'cron_escalated': len(escalated_all), 'cron_agrees': same == naive_escalated,
            })
            result['cron_ratio_update'] = naive_update / result['cron_update']
            result['cron_ratio'] = result['cron_naive_extrapolated'] / cron_time
            # the next run 15 minutes later, and a catch-up after two hours without cron
            env.clear()
            spent['notify'] = 0.0
            started = time.time()
            steady = Line._cron_escalate(now=now + timedelta(minutes=15))
            result['cron_next'] = time.time() - started
            result['cron_next_notify'] = spent['notify']
            result['cron_next_escalated'] = len(steady)
            env.clear()
            spent['notify'] = 0.0
            started = time.time()
            catch_up = Line._cron_escalate(now=now + timedelta(hours=2, minutes=15))
            result['cron_catch_up'] = time.time() - started
            result['cron_catch_up_notify'] = spent['notify']
            result['cron_catch_up_escalated'] = len(catch_up)
        finally:
            Model._notify_escalation = original_notify
        cr.rollback()

        # --- KPI report over all complaints -----------------------------------------------------
        env.clear()
        domain = [('company_id', '=', env.ref('base.main_company').id),
                  ('date_received', '>=', '2021-06-30'), ('date_received', '<', '2024-07-01')]
        timings = []
        for _i in range(2):
            env.clear()
            started = time.time()
            figures = Complaint._kpi_values(domain)
            pareto = Complaint._pareto_values(domain)
            timings.append(time.time() - started)
        kpi_time = min(timings)
        env.clear()
        started = time.time()
        groups = env['crm.complaint.report'].read_group(
            [], ['nbr', 'csat', 'sla_compliance', 'cost_total', 'category_id', 'date_received'],
            ['category_id', 'date_received:month'], lazy=False)
        pivot_time = time.time() - started
        cr.execute("SELECT id FROM crm_complaint ORDER BY id LIMIT %s", (spec['kpi_slice'],))
        kpi_slice = [row[0] for row in cr.fetchall()]
        env.clear()
        started = time.time()
        naive_sums, _causes = naive_kpis(env, Complaint.browse(kpi_slice))
        naive_kpi = time.time() - started
        env.clear()
        started = time.time()
        slice_figures = Complaint._kpi_values([('id', 'in', kpi_slice)])
        slice_time = time.time() - started
        result.update({
            'kpi_time': kpi_time, 'kpi_count': figures['complaint_count'],
            'kpi_csat': figures['csat'], 'kpi_sla': figures['sla_compliance'],
            'pareto_rows': len(pareto['root_cause']) + len(pareto['product']),
            'pivot_time': pivot_time, 'pivot_cells': len(groups),
            'kpi_slice': len(kpi_slice), 'kpi_naive_slice': naive_kpi,
            'kpi_naive_extrapolated': naive_kpi * total / len(kpi_slice),
            'kpi_slice_sql': slice_time,
            'kpi_agrees': (slice_figures['complaint_count'] == naive_sums['count']
                           and slice_figures['sla_decided'] == naive_sums['decided']),
        })
        result['kpi_ratio'] = result['kpi_naive_extrapolated'] / kpi_time
        cr.rollback()
    return result


def report(result):
    today = date.today().isoformat()
    machine = '%s, %d cores, %.0f GB RAM, Python %s, PostgreSQL 15' % (
        platform.machine(), os.cpu_count(), os.sysconf('SC_PAGE_SIZE')
        * os.sysconf('SC_PHYS_PAGES') / 2 ** 30, platform.python_version())
    r = result
    lines = [
        '## Complaints: SLA escalation cron and KPI report, size `%s` (%s)' % (r['size'], today),
        '',
        'Machine: %s. Command: `bin/python bench/bench_complaints.py --size %s --db %s`.'
        % (machine, r['size'], r['db']),
        '',
        'Data: %d complaints over three years, %d open (%d open SLA targets).'
        % (r['complaints'], r['open'], r['open_lines']),
        '',
        '| measure | time | note |',
        '|---|---|---|',
        '| escalation cron, set-based, all open complaints | %.2f s | state update %.3f s + '
        'notifications %.2f s for the %d complaints that changed level |' % (
            r['cron_time'], r['cron_update'], r['cron_notify'], r['cron_escalated']),
        '| escalation cron, next run 15 min later | %.2f s | notifications %.2f s, %d changed '
        'level |' % (r['cron_next'], r['cron_next_notify'], r['cron_next_escalated']),
        '| escalation cron, catch-up after two hours without cron | %.2f s | notifications '
        '%.2f s, %d changed level |' % (r['cron_catch_up'], r['cron_catch_up_notify'],
                                        r['cron_catch_up_escalated']),
        '| per-record ORM way, %d open complaints | %.2f s | of which notifications %.2f s; '
        'state update extrapolated to all open: %.1f s |' % (
            r['cron_slice'], r['cron_naive_slice'], r['cron_naive_slice_notify'],
            r['cron_naive_update_extrapolated']),
        '| **ratio ORM / set-based, state update** | **%.0fx** | same escalations on the '
        'slice: %s |' % (r['cron_ratio_update'], 'yes' if r['cron_agrees'] else 'NO'),
        '| ratio ORM / set-based, with the same notifications | %.1fx | one activity per '
        'escalated complaint in both ways |' % r['cron_ratio'],
        '| KPI figures + Pareto, all complaints (best of 2) | %.2f s | %d complaints, CSAT '
        '%.1f %%, SLA compliance %.1f %% |' % (
            r['kpi_time'], r['kpi_count'], r['kpi_csat'] or 0, r['kpi_sla'] or 0),
        '| analysis view pivot (category x month) | %.2f s | %d cells |'
        % (r['pivot_time'], r['pivot_cells']),
        '| per-record ORM way, %d complaints | %.2f s | extrapolated to all: %.1f s (SQL on '
        'the same slice: %.3f s) |' % (r['kpi_slice'], r['kpi_naive_slice'],
                                       r['kpi_naive_extrapolated'], r['kpi_slice_sql']),
        '| **ratio ORM / SQL (KPI report)** | **%.1fx** | same figures on the slice: %s |'
        % (r['kpi_ratio'], 'yes' if r['kpi_agrees'] else 'NO'),
        '',
    ]
    return '\n'.join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--size', choices=sorted(SIZES), default='small')
    parser.add_argument('--db', help='default: crmsuite_bench_complaints_<size>')
    parser.add_argument('--fresh', action='store_true', help='drop and rebuild the database')
    parser.add_argument('--no-write', action='store_true', help='do not write to RESULTS.md')
    args = parser.parse_args(argv)
    result = run(args.db or 'crmsuite_bench_complaints_%s' % args.size, args.size, args.fresh)
    text = report(result)
    print(text)
    if not args.no_write:
        results.write_section(text)
    return 0


if __name__ == '__main__':
    sys.path.insert(0, os.path.join(ROOT, 'runtime'))
    sys.exit(main())
