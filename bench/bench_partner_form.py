"""Server time of the partner form with its Loyalty tab, measured in one run.

``bin/python bench/bench_partner_form.py --size small|reference [--db DB] [--sample N]``

On the suite's bench database (``bin/suite bench`` builds it; the sales history of
``bench/generate.py`` is made by the other benchmarks when missing), in one transaction rolled
back at the end:

1. a loyalty review classifies the customers when the company has no figures yet;
2. as a salesperson with the loyalty user group (what a sales user opens), for ``--sample``
   customers picked at random (seeded), the web client's ``read`` of the form view's fields,
   each from an empty cache as a new request is: **with the Loyalty tab** (every field of the
   form) and **without it** (the same form less the tab's fields); the **floor** is the SQL
   that fetches the customer's figure row (``crm_loyalty_value`` by partner and company);
3. prints p50 / p95 per form and the ratio of the tab's cost to the form without it, and
   replaces this size's section of bench/RESULTS.md.
"""
import argparse
import os
import platform
import random
import sys
import time
from datetime import date

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:  # bench/results.py beside this script
    sys.path.insert(0, HERE)
import results  # noqa: E402
ROOT = os.path.dirname(HERE)
TITLE = '## Partner form with the Loyalty tab, size `%s`'


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def form_fields(env, user):
    """Fields of the partner form as ``user`` gets it, and those of its Loyalty tab."""
    from lxml import etree
    view = env['res.partner'].sudo(user).fields_view_get(view_type='form')
    arch = etree.fromstring(view['arch'])
    every = sorted(set(view['fields']))
    tab = arch.xpath("//page[@name='loyalty']")
    in_tab = set()
    for page in tab:
        in_tab.update(node.get('name') for node in page.iter('field'))
    # the fields the tab brings, wherever the form shows them (smart button, sheet)
    loyalty = sorted(name for name in every
                     if name in in_tab or name.startswith('loyalty_'))
    return every, [name for name in every if name not in loyalty], loyalty


def time_reads(env, user, partner_ids, fields):
    Partner = env['res.partner'].sudo(user)
    spent = []
    for partner_id in partner_ids:
        Partner.invalidate_cache()  # the whole cache, as a new request starts with
        started = time.perf_counter()
        Partner.browse(partner_id).read(fields)
        spent.append((time.perf_counter() - started) * 1000.0)
    return spent


def time_floor(cr, company_id, partner_ids):
    spent = []
    for partner_id in partner_ids:
        started = time.perf_counter()
        cr.execute("SELECT * FROM crm_loyalty_value WHERE partner_id = %s AND company_id = %s",
                   (partner_id, company_id))
        cr.fetchall()
        spent.append((time.perf_counter() - started) * 1000.0)
    return spent


def measure(conf, db, sample, seed):
    import odoo
    from odoo import SUPERUSER_ID, api
    odoo.tools.config.parse_config(['-c', conf, '-d', db])
    registry = odoo.registry(db)
    result = {'db': db}
    with api.Environment.manage(), registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        company = env.ref('base.main_company')
        cr.execute("SELECT count(*) FROM res_partner WHERE customer AND active")
        result['partners'] = cr.fetchone()[0]
        cr.execute("SELECT count(*) FROM crm_loyalty_value WHERE company_id = %s",
                   (company.id,))
        if not cr.fetchone()[0]:
            started = time.time()
            env['crm.loyalty.review'].run_review(company)
            result['review_s'] = time.time() - started
        cr.execute("""SELECT partner_id FROM crm_loyalty_value
                       WHERE company_id = %s AND frequency > 0 ORDER BY partner_id""",
                   (company.id,))
        customers = [row[0] for row in cr.fetchall()]
        result['classified'] = len(customers)
        if not customers:
            raise SystemExit('%s has no sales history: run bench/generate.py (or the loyalty '
                             'benchmark) on it first' % db)
        picked = random.Random(seed).sample(customers, min(sample, len(customers)))
        user = env['res.users'].with_context(no_reset_password=True).create({
            'name': 'Bench salesperson', 'login': 'bench_form_%d' % int(time.time()),
            'groups_id': [(6, 0, [env.ref('sales_team.group_sale_salesman').id,
                                  env.ref('crm_loyalty.group_loyalty_user').id])]})
        every, without, loyalty = form_fields(env, user)
        result.update({'fields': len(every), 'loyalty_fields': len(loyalty)})
        time_reads(env, user, picked[:10], every)  # warm the registry's caches
        # interleaved, so that load on the machine hits both alike
        with_tab, without_tab, floor = [], [], []
        for start in range(0, len(picked), 20):
            chunk = picked[start:start + 20]
            with_tab += time_reads(env, user, chunk, every)
            without_tab += time_reads(env, user, chunk, without)
            floor += time_floor(cr, company.id, chunk)
        for name, spent in (('with', with_tab), ('without', without_tab), ('floor', floor)):
            result[name + '_p50'] = percentile(spent, 0.5)
            result[name + '_p95'] = percentile(spent, 0.95)
        result['sample'] = len(picked)
        cr.rollback()
    return result


def report(result, size):
    machine = '%s, %d cores, %.0f GB, Python %s' % (
        platform.machine(), os.cpu_count(), os.sysconf('SC_PAGE_SIZE')
        * os.sysconf('SC_PHYS_PAGES') / 2 ** 30, platform.python_version())
    tab = result['with_p50'] - result['without_p50']
    lines = [
        '%s (%s)' % (TITLE % size, date.today().isoformat()),
        '',
        'Written by `bin/python bench/bench_partner_form.py --size %s --db %s`; %s.'
        % (size, result['db'], machine),
        '%d customers, %d classified; %d forms read as a salesperson (%d fields, %d of them '
        'from the Loyalty tab), each from an empty cache.'
        % (result['partners'], result['classified'], result['sample'], result['fields'],
           result['loyalty_fields']),
        '',
        '| figure | p50 | p95 |',
        '|---|---|---|',
        '| form read with the Loyalty tab | %.1f ms | %.1f ms |' % (
            result['with_p50'], result['with_p95']),
        '| form read without it | %.1f ms | %.1f ms |' % (
            result['without_p50'], result['without_p95']),
        '| floor: the figure row by SQL | %.2f ms | %.2f ms |' % (
            result['floor_p50'], result['floor_p95']),
        '| the tab\'s share (p50) | %.1f ms, %.2fx the form without it | |' % (
            tab, result['with_p50'] / max(result['without_p50'], 1e-9)),
        '',
    ]
    return '\n'.join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--size', choices=['small', 'reference'], default='small')
    parser.add_argument('--db', help='default: crmsuite_bench_<size>')
    parser.add_argument('--sample', type=int, default=200)
    parser.add_argument('--seed', type=int, default=7)
    parser.add_argument('--no-write', action='store_true', help='print the section only')
    args = parser.parse_args(argv)
    conf = os.environ.get('ODOO_RC') or os.path.join(ROOT, 'var', 'odoo.conf')
    db = args.db or 'crmsuite_bench_%s' % args.size
    from odoo311 import suite
    results.vacuum_analyze(suite.prepare(), db,
                           ('res_partner', 'crm_loyalty_value', 'crm_loyalty_history'))
    result = measure(conf, db, args.sample, args.seed)
    text = report(result, args.size)
    print(text)
    if not args.no_write:
        results.write_section(text)
    return 0


if __name__ == '__main__':
    sys.path.insert(0, os.path.join(ROOT, 'runtime'))
    sys.exit(main())
