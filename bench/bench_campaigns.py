"""Benchmark of campaign scoring, target selection and ROI attribution, ratios in one run.

``bin/python bench/bench_campaigns.py --size small|reference [--db DB] [--no-write]``
(``bin/suite bench --size small|reference --only campaigns`` runs it on ``crmsuite_bench_<size>``)

1. Database (default ``crmsuite_bench_campaigns_<size>``): a copy of the loyalty benchmark's
   database ``crmsuite_bench_<size>`` when it exists, else the suite's template with
   ``crm_loyalty``; ``crm_campaigns`` installed (without demo data) or updated; the
   generator's history (``bench/generate.py``) added when the database has none yet; one
   loyalty review of the company and contact data for the generated customers (committed
   once, so later runs reuse them); then VACUUM ANALYZE of the tables read and written (the
   server runs without autovacuum).
2. Measures, in one transaction rolled back at the end:
   * **scoring and target selection** of every customer with a campaign of 9 variables and two
     channels (``action_score``: segment query, figures, scores and explanations, channels,
     exclusions, contact pressure, expected profit, budget, deciles, bulk insert of the
     targets), with the peak memory of the process above its level before;
   * **floor**: the segment query and the figures query alone (best of two);
   * **naive ORM way on a slice**: per partner, its customer value through the ORM, the score
     computed in Python and one ``create`` per target, against the set-based time per
     customer;
   * **ROI attribution**: the test started (half test, half holdout), contact dates set one year
     before the last invoice with a one-year window, the target table analysed (as
     autovacuum does in the days between a test and its evaluation: with the statistics of
     the table before the 70,000 new targets, the planner expects one target and the
     statement takes many minutes), then ``_refresh_attribution`` over all
     posted invoice lines of the targets; its floor is one SQL sum of revenue over the same
     lines and windows (no margin, no refunds, no exclusive attribution).
3. Prints a Markdown section and writes it to bench/RESULTS.md (``--results PATH``: another
   file; ``--no-write``: nowhere), replacing the section of the same size when there is one.
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from unittest.mock import patch

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:  # bench/results.py beside this script
    sys.path.insert(0, HERE)
import results  # noqa: E402
ROOT = os.path.dirname(HERE)
SLICE = 2000
BENCH_PORT = '8294'
TITLE = '## Campaigns: scoring, targeting and ROI attribution, size `%s`'


def _installed(conf, db, module):
    from odoo311 import pg
    connection = pg.connect(conf, db)
    try:
        with connection.cursor() as cr:
            cr.execute("SELECT state FROM ir_module_module WHERE name = %s", (module,))
            row = cr.fetchone()
    finally:
        connection.close()
    return bool(row) and row[0] == 'installed'


def _has_history(conf, db):
    """The generator's data is there (its products are named ``Bench product ...``)."""
    from odoo311 import pg
    connection = pg.connect(conf, db)
    try:
        with connection.cursor() as cr:
            cr.execute("SELECT count(*) FROM product_template WHERE name LIKE 'Bench product %'")
            return cr.fetchone()[0] > 0
    finally:
        connection.close()


def prepare_database(db, size, end):
    """The benchmark database, built or copied once, the history generated once, the addon
    current with the checkout; returns the Odoo configuration file and the PostgreSQL
    settings."""
    from odoo311 import pg, suite
    conf = suite.prepare()
    source = 'crmsuite_bench_%s' % size
    if not pg.database_exists(conf, db):
        if db != source and pg.database_exists(conf, source):
            suite.copy_db(conf, source, db)
        else:
            template = suite.ensure_template(conf)
            suite.copy_db(conf, template, db)
            if suite.run_odoo(['-d', db, '-i', 'crm_loyalty', '--stop-after-init',
                               '--log-level=warn', '--http-port', BENCH_PORT]):
                raise SystemExit('installing crm_loyalty failed')
    # -i leaves an installed module as it is: update it so the code measured is the checkout's
    mode = '-u' if _installed(conf, db, 'crm_campaigns') else '-i'
    if suite.run_odoo(['-d', db, mode, 'crm_campaigns', '--without-demo=all', '--stop-after-init',
                       '--log-level=warn', '--http-port', BENCH_PORT]):
        raise SystemExit('installing crm_campaigns failed')
    if not _has_history(conf, db):
        print('generating the %s history into %s (once)' % (size, db), flush=True)
        subprocess.check_call([os.path.join(ROOT, 'bin', 'python'),
                               os.path.join(HERE, 'generate.py'), '--db', db, '--size', size,
                               '--end', end.isoformat(), '--conf', suite.CONF])
    return suite.CONF, conf


def ensure_review(env, company, end):
    """One loyalty review of the company (the scoring reads its figures), kept."""
    cr = env.cr
    cr.execute("SELECT count(*) FROM crm_loyalty_value WHERE company_id = %s", (company.id,))
    values = cr.fetchone()[0]
    cr.execute("""SELECT count(DISTINCT commercial_partner_id) FROM account_invoice
                   WHERE company_id = %s AND state IN ('open', 'paid')""", (company.id,))
    customers = cr.fetchone()[0]
    if values < customers * 0.9:
        print('running the loyalty review once (%d value rows for %d customers)' % (
            values, customers), flush=True)
        started = time.time()
        Review = env['crm.loyalty.review']
        # set-up, not measured: the demo data of the suite's database leaves a few history
        # rows, which would make this review post a message and an activity on every customer
        # whose class changes (hours at 100,000 customers); as a first classification it writes
        # the same figures and history without them
        with patch.object(type(Review), '_is_initial', lambda _self, _company: True):
            Review.run_review(company, end, origin='Campaign benchmark')
        cr.commit()
        print('review done in %.1f s' % (time.time() - started), flush=True)


def contact_data(cr):
    """The generator writes customers without email, street or phone, so no channel would
    reach them and nearly every customer would be excluded as unreachable. Give the generated
    customers (commercial partners) deterministic contact data once: email 85 %, street 90 %,
    phone 40 %, opted out of mailings 4 % (no other benchmark reads these columns). Returns
    the number of customers given contact data now (0 once done)."""
    if generated_with_contacts(cr):
        return 0
    cr.execute("""
        UPDATE res_partner
           SET email = CASE WHEN id % 20 < 17 THEN 'customer' || id || '@bench.example' END,
               street = CASE WHEN id % 10 <> 9 THEN id || ' Bench Street' END,
               phone = CASE WHEN id % 5 < 2 THEN '+1 555 ' || lpad(id::text, 7, '0') END,
               opt_out = (id % 25 = 0)
         WHERE (name LIKE 'Bench Company %' OR name LIKE 'Bench Person %')
           AND email IS NULL AND street IS NULL AND phone IS NULL
    """)
    return cr.rowcount


def generated_with_contacts(cr):
    """Generated customers given contact data by ``contact_data``."""
    cr.execute("""SELECT count(*) FROM res_partner
                   WHERE (name LIKE 'Bench Company %' OR name LIKE 'Bench Person %')
                     AND (email LIKE 'customer%@bench.example' OR street IS NOT NULL
                          OR phone IS NOT NULL)""")
    return cr.fetchone()[0]


VACUUMED = ('res_partner', 'crm_loyalty_value', 'crm_loyalty_history', 'crm_campaign',
            'crm_campaign_target', 'account_invoice', 'account_invoice_line', 'mail_mass_mailing')


def scoring_setup(env, company):
    segment = env['crm.campaign.segment'].create({
        'name': 'Benchmark: every customer with a value',
        'partner_domain': "[('customer', '=', True)]",
        'value_domain': "[('frequency', '>=', 0)]",
    })
    model = env['crm.campaign.scoring.model'].create({
        'name': 'Benchmark win-back', 'campaign_type': 'winback',
        'variable_ids': [
            (0, 0, {'feature': 'recency_days', 'weight': 3, 'transform': 'linear',
                    'invert': True}),
            (0, 0, {'feature': 'frequency', 'weight': 2, 'transform': 'bucket',
                    'thresholds': '2, 4, 8, 16'}),
            (0, 0, {'feature': 'monetary', 'weight': 2, 'transform': 'log'}),
            (0, 0, {'feature': 'margin', 'weight': 1, 'transform': 'log'}),
            (0, 0, {'feature': 'clv', 'weight': 1, 'transform': 'log'}),
            (0, 0, {'feature': 'p_alive', 'weight': 1, 'transform': 'linear',
                    'use_bounds': True, 'lower': 0.0, 'upper': 1.0}),
            (0, 0, {'feature': 'tier_level', 'weight': 1, 'transform': 'linear'}),
            (0, 0, {'feature': 'churn_risk_is', 'weight': 1, 'transform': 'boolean',
                    'match_value': 'high'}),
            (0, 0, {'feature': 'days_since_purchase', 'weight': 1, 'transform': 'bucket',
                    'thresholds': '30, 90, 180, 365', 'invert': True}),
        ],
    })
    campaign = env['crm.campaign'].create({
        'name': 'Benchmark campaign', 'campaign_type': 'winback', 'segment_id': segment.id,
        'scoring_model_id': model.id, 'budget': 10 ** 7, 'fixed_cost': 1000.0,
        'expected_margin': 80.0, 'margin_source': 'customer', 'seed': 11,
        'test_share': 50.0, 'holdout_share': 50.0,
        'offer_description': '10 % off your next order',
        'channel_ids': [(0, 0, {'channel': 'email', 'cost_per_contact': 0.5, 'sequence': 1}),
                        (0, 0, {'channel': 'letter', 'cost_per_contact': 2.0, 'sequence': 2})],
    })
    return segment, model, campaign


def naive_orm(env, campaign, partner_ids, bounds):
    """The per-record way: each partner's value through the ORM (``loyalty_value_id`` runs a
    search per partner), the score computed in Python, one ``create`` per target."""
    import math
    Target = env['crm.campaign.target']
    variables = campaign.scoring_model_id.variable_ids
    weights = sum(variables.mapped('weight'))
    for partner in env['res.partner'].with_context(
            force_company=campaign.company_id.id).browse(partner_ids):
        value = partner.loyalty_value_id
        points = []
        for variable in variables:
            raw = value[variable.feature] if variable.feature in value._fields else None
            if variable.feature == 'churn_risk_is':
                raw = 1.0 if value.churn_risk == 'high' else 0.0
            if variable.feature == 'days_since_purchase':
                raw = None
            if raw is None or raw is False and variable.feature != 'churn_risk_is':
                points.append(0.0)
                continue
            lo, hi = bounds.get(variable.id, (0.0, 1.0))
            if variable.transform == 'log':
                raw, lo, hi = math.log1p(max(raw, 0)), math.log1p(max(lo, 0)), math.log1p(max(hi, 0))
            scaled = min(max((raw - lo) / (hi - lo), 0.0), 1.0) if hi > lo else 0.5
            if variable.invert:
                scaled = 1.0 - scaled
            points.append(100.0 * variable.weight * scaled / weights)
        score = sum(points)
        probability = 1.0 / (1.0 + math.exp(-(-3.0 + 2.0 * score / 100.0)))
        Target.create({
            'campaign_id': campaign.id, 'company_id': campaign.company_id.id,
            'partner_id': partner.id, 'score': score, 'probability': probability,
            'expected_profit': probability * 80.0 - 0.5, 'selected': True,
            'score_detail': json.dumps(points), 'channel': 'email',
        })


def measure(conf, pg_conf, db, size, end):
    import odoo
    from odoo import SUPERUSER_ID, api
    odoo.tools.config.parse_config(['-c', conf, '-d', db])
    registry = odoo.registry(db)
    # set-up, committed once: the loyalty review and the customers' contact data
    with api.Environment.manage(), registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        ensure_review(env, env.ref('base.main_company'), end)
        if contact_data(cr):
            cr.commit()
    results.vacuum_analyze(pg_conf, db, VACUUMED)
    with api.Environment.manage(), registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {'tracking_disable': True})
        # the campaign's today is the history's last day, on the suite's clock
        noon = datetime.combine(end, datetime.min.time()).replace(hour=12)
        clock = patch.object(type(env['crm.suite.clock']), '_now', lambda _self: noon)
        clock.start()
        company = env.ref('base.main_company')
        cr.execute("SELECT count(*) FROM res_partner")
        partner_count = cr.fetchone()[0]
        cr.execute("SHOW server_version")
        pg_version = cr.fetchone()[0].split()[0]
        contacts_given = generated_with_contacts(cr)
        segment, model, campaign = scoring_setup(env, company)

        # floor: the segment and figures queries alone
        floors = []
        for _i in range(2):
            started = time.time()
            ids = campaign._segment_partner_ids()
            campaign._fetch_audience(company, ids)
            floors.append(time.time() - started)
        floor = min(floors)

        # scoring and target selection, set-based
        env.clear()
        with results.PeakMemory() as memory:
            started = time.time()
            campaign.action_score()
            score_time = time.time() - started
        scored = campaign.audience_count
        selected = campaign.selected_count
        cr.execute("""SELECT COALESCE(exclusion, 'targeted'), count(*) FROM crm_campaign_target
                       WHERE campaign_id = %s GROUP BY 1 ORDER BY 2 DESC""", (campaign.id,))
        outcome = cr.fetchall()

        # naive ORM way on a slice of the same customers, against a fresh campaign
        cr.execute("""SELECT partner_id FROM crm_campaign_target WHERE campaign_id = %s
                       ORDER BY partner_id LIMIT %s""", (campaign.id, SLICE))
        slice_ids = [row[0] for row in cr.fetchall()]
        bounds = {}
        for variable in model.variable_ids:
            if variable.feature in env['crm.loyalty.value']._fields:
                cr.execute('SELECT MIN(%s)::float8, MAX(%s)::float8 FROM crm_loyalty_value '
                           'WHERE company_id = %%s' % (variable.feature, variable.feature),
                           (company.id,))
                bounds[variable.id] = cr.fetchone()
        naive_campaign = campaign.copy({'name': 'Naive copy'})
        env.clear()
        started = time.time()
        naive_orm(env, naive_campaign, slice_ids, bounds)
        naive_time = time.time() - started
        per_partner_set = score_time / scored
        per_partner_naive = naive_time / len(slice_ids)

        # ROI attribution over the targets' invoice lines
        campaign.action_start_test()
        window_start = end - timedelta(days=365)
        cr.execute("""UPDATE crm_campaign_target SET window_start = %s,
                             contacted_date = CASE WHEN contacted_date IS NULL THEN NULL
                                                   ELSE %s::date END
                       WHERE campaign_id = %s AND target_group IS NOT NULL""",
                   (window_start, window_start, campaign.id))
        campaign.attribution_days = 365
        cr.execute('ANALYZE crm_campaign_target')
        cr.execute("""SELECT count(*), count(DISTINCT l.invoice_id) FROM account_invoice_line l
                        JOIN account_invoice i ON i.id = l.invoice_id
                       WHERE i.company_id = %s AND i.state IN ('open', 'paid')
                         AND i.type IN ('out_invoice', 'out_refund')
                         AND i.commercial_partner_id IN (
                             SELECT partner_id FROM crm_campaign_target
                              WHERE campaign_id = %s AND window_start IS NOT NULL)""",
                   (company.id, campaign.id))
        lines_considered, invoices_considered = cr.fetchone()
        roi_floors = []
        for _i in range(2):
            started = time.time()
            cr.execute("""
                SELECT t.id, SUM(l.price_subtotal_signed), count(l.id)
                  FROM crm_campaign_target t
                  JOIN account_invoice i ON i.commercial_partner_id = t.partner_id
                   AND i.company_id = %s AND i.state IN ('open', 'paid')
                   AND i.type IN ('out_invoice', 'out_refund')
                   AND i.date_invoice BETWEEN t.window_start AND t.window_start + 365
                  JOIN account_invoice_line l ON l.invoice_id = i.id
                 WHERE t.campaign_id = %s AND t.window_start IS NOT NULL
                 GROUP BY t.id
            """, (company.id, campaign.id))
            lines_in_windows = sum(row[2] for row in cr.fetchall())
            roi_floors.append(time.time() - started)
        roi_floor = min(roi_floors)
        with results.PeakMemory() as roi_memory:
            started = time.time()
            campaign._refresh_attribution()
            roi_time = time.time() - started
        env.clear()
        result = {
            'size': size, 'db': db, 'end': end.isoformat(), 'pg_version': pg_version,
            'partners': partner_count, 'contacts_given': contacts_given, 'scored': scored,
            'selected': selected, 'outcome': outcome, 'lines_in_windows': lines_in_windows,
            'floor': floor, 'score': score_time,
            'ratio_floor': score_time / floor,
            'peak_mb': (memory.peak - memory.base) / 2 ** 20, 'rss_mb': memory.peak / 2 ** 20,
            'slice': len(slice_ids), 'naive': naive_time,
            'ratio_naive': per_partner_naive / per_partner_set,
            'naive_extrapolated': per_partner_naive * scored,
            'lines': lines_considered, 'invoices': invoices_considered,
            'roi': roi_time, 'roi_floor': roi_floor, 'ratio_roi': roi_time / roi_floor,
            'roi_peak_mb': (roi_memory.peak - roi_memory.base) / 2 ** 20,
            'contacted': campaign.contacted_count, 'holdout': campaign.holdout_count,
            'attributed_margin': campaign.attributed_margin, 'roi_value': campaign.roi,
        }
        clock.stop()
        cr.rollback()
    return result


def report(result):
    today = date.today().isoformat()
    suite_db = result['db'] == 'crmsuite_bench_%s' % result['size']
    machine = '%s, %d cores, %.0f GB RAM, Python %s, PostgreSQL %s' % (
        platform.machine(), os.cpu_count(), os.sysconf('SC_PAGE_SIZE')
        * os.sysconf('SC_PHYS_PAGES') / 2 ** 30, platform.python_version(),
        result['pg_version'])
    lines = [
        (TITLE + ' (%s)') % (result['size'], today),
        '',
        'Machine: %s. Command: %s`bin/python bench/bench_campaigns.py --size %s --db %s`%s.'
        % (machine, '`bin/suite bench --size %s --only campaigns` (runs ' % result['size']
           if suite_db else '', result['size'], result['db'], ')' if suite_db else ''),
        '',
        'Data: the generator\'s history (bench/generate.py) ending %s, one loyalty review; '
        'contact data given once to the generated customers (the generator writes none: %d '
        'now have an email, street or phone); '
        'tables vacuumed and analysed before the run (autovacuum is off here). Scored: %s.' % (
            result['end'], result['contacts_given'],
            ', '.join('%s %d' % (name, count) for name, count in result['outcome'])),
        '',
        '| measure | value |',
        '|---|---|',
        '| partners in the database / customers scored / targeted | %d / %d / %d |' % (
            result['partners'], result['scored'], result['selected']),
        '| floor: segment query + figures query (best of 2) | %.2f s |' % result['floor'],
        '| **scoring and target selection** (9 variables, 2 channels, targets written; '
        'target <= 15 s) | **%.2f s** |' % result['score'],
        '| ratio to the floor | %.2fx |' % result['ratio_floor'],
        '| %d-customer slice: naive ORM per record | %.2f s (%.1f ms per customer; '
        '%.0f s extrapolated to all) |' % (result['slice'], result['naive'],
                                           1000 * result['naive'] / result['slice'],
                                           result['naive_extrapolated']),
        '| **set-based faster than the per-record ORM way** (per customer) | **%.1fx** |'
        % result['ratio_naive'],
        '| **peak memory of the scoring** above the process before it | **%.0f MB** '
        '(process peak %.0f MB) |' % (result['peak_mb'], result['rss_mb']),
        '| ROI attribution: posted invoice lines / invoices of the %d measured targets '
        '(%d contacted, %d holdout); lines in their one-year windows | %d / %d; %d |' % (
            result['contacted'] + result['holdout'], result['contacted'], result['holdout'],
            result['lines'], result['invoices'], result['lines_in_windows']),
        '| floor: one SQL revenue sum over the same lines and windows (best of 2) | %.2f s |'
        % result['roi_floor'],
        '| **ROI attribution** (margin with order-line or product cost, refunds with their '
        'invoice, exclusive attribution, targets updated) | **%.2f s** (%.2fx floor, peak '
        '%.0f MB) |' % (result['roi'], result['ratio_roi'], result['roi_peak_mb']),
        '| attributed margin / ROI of the benchmark campaign | %.2f / %.4f |' % (
            result['attributed_margin'], result['roi_value']),
        '',
    ]
    return '\n'.join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--size', choices=['small', 'reference'], default='small')
    parser.add_argument('--db', help='default: crmsuite_bench_campaigns_<size>')
    parser.add_argument('--end', default='2024-06-30', help='last invoice date of the history')
    parser.add_argument('--results', default=results.RESULTS,
                        help='write the Markdown section to this file (default: RESULTS.md)')
    parser.add_argument('--no-write', action='store_true', help='print the section only')
    args = parser.parse_args(argv)
    db = args.db or 'crmsuite_bench_campaigns_%s' % args.size
    end = date.fromisoformat(args.end)
    conf, pg_conf = prepare_database(db, args.size, end)
    result = measure(conf, pg_conf, db, args.size, end)
    text = report(result)
    print(text)
    if not args.no_write:
        results.write_section(text, args.results)
    return 0


if __name__ == '__main__':
    sys.exit(main())
