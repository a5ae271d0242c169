"""Benchmark of the loyalty review, with its floor and the naive ORM way measured in one run.

``bin/python bench/bench_loyalty.py --size small|reference --db DB [--fresh]``

1. Database: copy of the suite's template with ``crm_loyalty`` installed, then the generator's
   history (``bench/generate.py``, in its own process). Reused when it already has it.
2. Measures, in this process:
   * **floor**: the review's SQL aggregate alone (``FIGURES_SQL``: RFM, margin, discounts per
     customer over all invoice lines), best of two runs;
   * **full review** of the company: first classification (every row written), on the
     company's value, history and review tables emptied and vacuumed as on installation, then
     kept, with the peak memory of the process above its level before the review (RSS
     sampled every 10 ms); then a second review the same day (nothing changes) and the
     review of the next day, the nightly case (most rows move with recency; undone);
   * **write floor**: the first classification's value and history rows put back by bare
     ``INSERT ... SELECT`` into the truncated tables (rolled back);
   * **naive ORM way vs review on a 5k-customer slice**: the per-partner computation a stored
     computed field over ``invoice_ids`` would run (browse each partner's invoices and lines,
     sum in Python), against the review's chunk path on the same customers (rolled back,
     as is the second review).
3. Prints the ratios and writes its section of bench/RESULTS.md (date, machine).
"""
import argparse
import os
import platform
import subprocess
import sys
import time
from datetime import date, timedelta

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:  # bench/results.py beside this script
    sys.path.insert(0, HERE)
import results  # noqa: E402
ROOT = os.path.dirname(HERE)
SLICE = 5000
#: Tables a first classification writes: emptied and vacuumed before it is measured.
CLASSIFIED_TABLES = ('crm_loyalty_value', 'crm_loyalty_history', 'crm_loyalty_review',
                     'ir_property')
BENCH_PORT = '8272'


def prepare_database(db, size, end, fresh):
    from odoo311 import pg, suite
    conf = suite.prepare()
    if fresh and pg.database_exists(conf, db):
        suite.drop_db(conf, db)
    if not pg.database_exists(conf, db):
        template = suite.ensure_template(conf)
        suite.copy_db(conf, template, db)
        rc = suite.run_odoo(['-d', db, '-i', 'crm_loyalty', '--stop-after-init',
                             '--log-level=warn', '--http-port', BENCH_PORT])
    else:  # keep the module current with the checkout
        rc = suite.run_odoo(['-d', db, '-u', 'crm_loyalty', '--stop-after-init',
                             '--log-level=warn', '--http-port', BENCH_PORT])
    if rc:
        raise SystemExit('installing crm_loyalty failed (rc=%s)' % rc)
    return conf, suite.CONF


def has_history(cr):
    cr.execute("SELECT count(*) FROM product_template WHERE name LIKE 'Bench product %%'")
    return cr.fetchone()[0] > 0


def measure_write_floor(cr):
    """Floor of the writes of a first classification: the same value and history rows put
    back by two bare ``INSERT ... SELECT`` into the emptied tables, with their constraints
    and indexes (TRUNCATE gives empty tables, as the first classification had; all rolled
    back)."""
    cr.execute("SAVEPOINT write_floor")
    cr.execute("CREATE TEMP TABLE bench_value AS SELECT * FROM crm_loyalty_value")
    cr.execute("CREATE TEMP TABLE bench_history AS SELECT * FROM crm_loyalty_history")
    cr.execute("TRUNCATE crm_loyalty_value CASCADE")  # history and lock rows with it
    started = time.time()
    cr.execute("INSERT INTO crm_loyalty_value SELECT * FROM bench_value")
    cr.execute("INSERT INTO crm_loyalty_history SELECT * FROM bench_history")
    elapsed = time.time() - started
    cr.execute("ROLLBACK TO SAVEPOINT write_floor")
    return elapsed


def naive_orm(env, company, partner_ids, date_from, date_to):
    """What a stored computed field per partner over ``invoice_ids`` does: for each partner,
    its (and its contacts') posted invoices through the ORM, figures summed in Python."""
    result = {}
    for partner in env['res.partner'].browse(partner_ids):
        invoices = (partner | partner.child_ids).mapped('invoice_ids').filtered(
            lambda inv: inv.company_id == company and inv.state in ('open', 'paid')
            and inv.type in ('out_invoice', 'out_refund') and inv.date_invoice <= date_to)
        days, window_days, monetary, margin, last = set(), set(), 0.0, 0.0, None
        for invoice in invoices:
            purchase = invoice.type == 'out_invoice'
            in_window = invoice.date_invoice >= date_from
            if purchase:
                days.add(invoice.date_invoice)
                last = max(last or invoice.date_invoice, invoice.date_invoice)
                if in_window:
                    window_days.add(invoice.date_invoice)
            for line in invoice.invoice_line_ids:
                if not in_window:
                    continue
                sign = 1 if purchase else -1
                if line.sale_line_ids:
                    cost = line.sale_line_ids[0].purchase_price * line.quantity * sign
                else:
                    cost = line.product_id.standard_price * line.quantity * sign
                monetary += line.price_subtotal_signed
                margin += line.price_subtotal_signed - cost
        result[partner.id] = (last, len(days), len(window_days), monetary, margin)
    return result


def run(db, size, end, fresh):
    conf_pg, conf = prepare_database(db, size, end, fresh)
    from odoo import api
    with api.Environment.manage():
        return _measure(conf_pg, conf, db, size, end)


def _measure(conf_pg, conf, db, size, end):
    import odoo
    from odoo import SUPERUSER_ID, api
    odoo.tools.config.parse_config(['-c', conf, '-d', db])
    registry = odoo.registry(db)
    with registry.cursor() as cr:
        if not has_history(cr):
            cr.rollback()
            subprocess.check_call([os.path.join(ROOT, 'bin', 'python'),
                                   os.path.join(HERE, 'generate.py'), '--db', db, '--size', size,
                                   '--end', end.isoformat(), '--conf', conf])
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        Review = env['crm.loyalty.review']
        company = env.ref('base.main_company')
        cr.execute("SELECT count(*) FROM account_invoice_line l JOIN account_invoice i "
                   "ON i.id = l.invoice_id WHERE i.company_id = %s", (company.id,))
        line_count = cr.fetchone()[0]
        cr.execute("SELECT count(*) FROM res_partner")
        partner_count = cr.fetchone()[0]
        # floor: the aggregate alone, best of two
        floors = []
        for _i in range(2):
            started = time.time()
            Review._fetch_figures(company, end)
            floors.append(time.time() - started)
        floor = min(floors)
        # full review: the company's first classification (as on installation over an
        # existing history: rows and history written, no chatter) on tables emptied and
        # vacuumed first, as they are then; it is kept (committed), then a second one
        cr.execute("DELETE FROM crm_loyalty_value WHERE company_id = %s", (company.id,))
        cr.execute("DELETE FROM crm_loyalty_review WHERE company_id = %s", (company.id,))
        cr.commit()
        results.vacuum_analyze(conf_pg, db, CLASSIFIED_TABLES)
        env['crm.loyalty.value'].invalidate_cache()
        with results.PeakMemory() as memory:
            started = time.time()
            first = Review.run_review(company, end, origin='Benchmark')
            first_time = time.time() - started
        cr.commit()
        started = time.time()
        second = Review.run_review(company, end, origin='Benchmark, second run')
        second_time = time.time() - started
        write_floor = measure_write_floor(cr)
        # the nightly case: the review of the next day (recency and what follows from it move
        # for every buyer: most rows rewritten, warnings and activities posted), undone after
        cr.execute("SAVEPOINT next_day")
        started = time.time()
        next_day = Review.run_review(company, end + timedelta(days=1),
                                     origin='Benchmark, next day')
        next_time = time.time() - started
        next_changed = next_day.changed_count
        cr.execute("ROLLBACK TO SAVEPOINT next_day")
        env.clear()
        cr.execute("SELECT count(*) FROM crm_loyalty_history WHERE review_id = %s", (first.id,))
        history_first = cr.fetchone()[0]
        # 5k-customer slice: the review's chunk path vs the naive ORM way
        cr.execute("""SELECT partner_id FROM crm_loyalty_value
                       WHERE company_id = %s AND lifetime_frequency > 0
                       ORDER BY partner_id LIMIT %s""", (company.id, SLICE))
        slice_ids = [row[0] for row in cr.fetchall()]
        env.clear()
        started = time.time()
        chunk_figures = Review._fetch_figures(company, end, slice_ids)
        second._apply_chunk(slice_ids, chunk_figures)
        chunk_time = time.time() - started
        env.clear()
        date_from, _previous = Review._window(company, end)
        started = time.time()
        naive = naive_orm(env, company, slice_ids, date_from.isoformat(), end.isoformat())
        naive_time = time.time() - started
        # consistency check of the naive figures against the review's
        values = env['crm.loyalty.value'].search([('partner_id', 'in', slice_ids[:200]),
                                                  ('company_id', '=', company.id)])
        mismatches = sum(1 for v in values if abs(naive[v.partner_id.id][3] - v.monetary) > 0.02)
        result = {
            'size': size, 'db': db, 'partners': partner_count, 'invoice_lines': line_count,
            'customers': first.customer_count, 'floor': floor, 'review': first_time,
            'review_second': second_time, 'changed_first': first.changed_count,
            'write_floor': write_floor, 'history_first': history_first,
            'review_next': next_time, 'changed_next': next_changed,
            'ratio_floor_next': next_time / floor,
            'ratio_floor_writes': first_time / (floor + write_floor),
            'changed_second': second.changed_count, 'ratio_floor': first_time / floor,
            'ratio_floor_second': second_time / floor, 'slice': len(slice_ids),
            'chunk': chunk_time, 'naive': naive_time, 'ratio_naive': naive_time / chunk_time,
            'peak_mb': (memory.peak - memory.base) / 2 ** 20, 'rss_mb': memory.peak / 2 ** 20,
            'model': first.model_message, 'mismatches': mismatches,
        }
        cr.rollback()
    return result


def report(result):
    today = date.today().isoformat()
    machine = '%s, %d cores, %.0f GB RAM, Python %s, PostgreSQL 15' % (
        platform.machine(), os.cpu_count(), os.sysconf('SC_PAGE_SIZE')
        * os.sysconf('SC_PHYS_PAGES') / 2 ** 30, platform.python_version())
    lines = [
        '## Loyalty review, size `%s` (%s)' % (result['size'], today),
        '',
        'Machine: %s. Command: `bin/python bench/bench_loyalty.py --size %s --db %s`.'
        % (machine, result['size'], result['db']),
        '',
        '| measure | value |',
        '|---|---|',
        '| partners / customers reviewed / invoice lines | %d / %d / %d |' % (
            result['partners'], result['customers'], result['invoice_lines']),
        '| floor: bare SQL aggregate (best of 2) | %.2f s |' % result['floor'],
        '| full review, first classification (%d rows written) | %.2f s |' % (
            result['changed_first'], result['review']),
        '| **ratio first classification / floor** (target <= 2x) | **%.2fx** |'
        % result['ratio_floor'],
        '| review of the next day, the nightly case (%d rows changed) | %.2f s |' % (
            result['changed_next'], result['review_next']),
        '| **ratio next-day review / floor** (target <= 2x) | **%.2fx** |'
        % result['ratio_floor_next'],
        '| second review the same day (%d rows changed: nothing to do) | %.2f s (%.2fx floor) |'
        % (result['changed_second'], result['review_second'], result['ratio_floor_second']),
        '| floor of the first classification\'s writes: bare INSERT of its %d value and %d '
        'history rows | %.2f s |' % (result['changed_first'], result['history_first'],
                                     result['write_floor']),
        '| ratio first classification / (aggregate floor + write floor) | %.2fx |'
        % result['ratio_floor_writes'],
        '| %d-customer slice: review chunk path | %.2f s |' % (result['slice'], result['chunk']),
        '| %d-customer slice: naive ORM per partner | %.2f s |' % (
            result['slice'], result['naive']),
        '| **review faster than naive ORM** (target >= 20x) | **%.1fx** |' % result['ratio_naive'],
        '| **peak memory of the review** above the process before it (target < 1 GB) | '
        '**%.0f MB** (process peak %.0f MB) |' % (result['peak_mb'], result['rss_mb']),
        '| naive vs review revenue mismatches (200 customers checked) | %d |'
        % result['mismatches'],
        '',
        'CLV model: %s' % result['model'],
        '',
    ]
    text = '\n'.join(lines)
    print(text)
    results.write_section(text)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--size', choices=['small', 'reference'], default='small')
    parser.add_argument('--db', help='default: crmsuite_bench_<size>')
    parser.add_argument('--end', default='2024-06-30', help='review date = last invoice date')
    parser.add_argument('--fresh', action='store_true', help='drop and rebuild the database')
    args = parser.parse_args(argv)
    end = date(*map(int, args.end.split('-')))
    result = run(args.db or 'crmsuite_bench_%s' % args.size, args.size, end, args.fresh)
    report(result)
    return 0


if __name__ == '__main__':
    sys.exit(main())
