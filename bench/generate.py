"""Realistic sales history, written straight into an Odoo 11 database with COPY.

``bin/python bench/generate.py --db DB --size small|reference [--seed N] [--end YYYY-MM-DD]``

What it makes (function API in bench/README.md): partners (companies with contacts and
individuals, salespeople, some "referred by" links), products with costs (ORM, so their
``standard_price`` property is real), sale orders with margin purchase prices for part of the
invoices (``sale_order_line_invoice_rel`` links), and posted customer invoices and credit notes
over three years: customers arrive over time and churn (exponential lifetimes), buy at their own
Poisson rate (Gamma-distributed), with seasonality (November-December peak, summer dip),
discounts (mostly from a mercenary minority), several currencies, 4 % of invoices refunded in
part. Invoices are ``open``/``paid`` rows with consistent amounts; they carry no journal
entries (nothing in the suite reads those).
"""
import argparse
import io
import os
import sys
import time
from datetime import date, timedelta

import numpy as np
from psycopg2 import sql

SIZES = {
    'small': {'partners': 2000, 'lines': 20000},
    'reference': {'partners': 100000, 'lines': 1000000},
}
YEARS = 3
MONTH_WEIGHT = np.array([0.9, 0.85, 1.0, 1.0, 1.0, 0.8, 0.75, 0.8, 1.0, 1.1, 1.4, 1.6])


def _copy(cr, table, columns, rows):
    """COPY ``rows`` (iterables of already formatted strings / None) into ``table``."""
    buffer = io.StringIO()
    for row in rows:
        buffer.write('\t'.join('\\N' if v is None else v for v in row))
        buffer.write('\n')
    buffer.seek(0)
    cr.copy_expert('COPY %s (%s) FROM STDIN' % (table, ', '.join(columns)), buffer)


def _reserve_ids(cr, table, count):
    """Ids ``first .. first + count - 1`` taken from the table's sequence."""
    cr.execute("SELECT nextval(%s)", ('%s_id_seq' % table,))
    first = cr.fetchone()[0]
    cr.execute("SELECT setval(%s, %s)", ('%s_id_seq' % table, first + count))
    return first


def _env_refs(env, company):
    cr = env.cr
    journal = env['account.journal'].search([('type', '=', 'sale'),
                                             ('company_id', '=', company.id)], limit=1)
    receivable = env['account.account'].search([
        ('company_id', '=', company.id), ('internal_type', '=', 'receivable')], limit=1)
    income = journal.default_credit_account_id or env['account.account'].search([
        ('company_id', '=', company.id),
        ('user_type_id', '=', env.ref('account.data_account_type_revenue').id)], limit=1)
    warehouse = env['stock.warehouse'].search([('company_id', '=', company.id)], limit=1)
    pricelist = env['product.pricelist'].search([('currency_id', '=', company.currency_id.id)],
                                                limit=1)
    cr.execute("SELECT id FROM product_uom WHERE name = 'Unit(s)' LIMIT 1")
    uom = cr.fetchone()[0]
    return journal, receivable, income, warehouse, pricelist, uom


def _currencies(env, company, end):
    """Company currency plus EUR and GBP, with monthly rates over the period."""
    Currency = env['res.currency'].with_context(active_test=False)
    result = [(company.currency_id.id, 1.0)]
    for code, base in (('EUR', 0.9), ('GBP', 0.78)):
        currency = Currency.search([('name', '=', code)], limit=1)
        if not currency or currency == company.currency_id:
            continue
        currency.active = True
        result.append((currency.id, base))
    env.cr.execute("DELETE FROM res_currency_rate WHERE company_id = %s AND name >= %s",
                   (company.id, end - timedelta(days=366 * YEARS + 31)))
    rows = []
    day = end - timedelta(days=366 * YEARS + 30)
    while day <= end:
        for k, (currency_id, base) in enumerate(result):
            rate = 1.0 if k == 0 else base * (1 + 0.05 * np.sin(day.toordinal() / 90.0 + k))
            rows.append((day.isoformat(), '%.6f' % rate, str(currency_id), str(company.id)))
        day += timedelta(days=30)
    _copy(env.cr, 'res_currency_rate', ['name', 'rate', 'currency_id', 'company_id'], rows)
    return result


def _rate_at(env, company, currency_id, days):
    """Company-currency units per unit of ``currency_id`` for each day (ordinal array)."""
    env.cr.execute("""SELECT name, rate FROM res_currency_rate
                       WHERE currency_id = %s AND company_id = %s ORDER BY name""",
                   (currency_id, company.id))
    rows = env.cr.fetchall()
    if not rows:
        return np.ones(len(days))
    stamps = np.array([date(*map(int, str(r[0])[:10].split('-'))).toordinal() for r in rows])
    rates = np.array([r[1] for r in rows])
    idx = np.clip(np.searchsorted(stamps, days, side='right') - 1, 0, len(rates) - 1)
    return 1.0 / rates[idx]


def generate(env, size='small', seed=7, company=None, end=None, partners=None, lines=None,
             log=print):
    """Write a sales history into ``env``'s database (the caller commits).

    :param size: ``'small'`` (about 2,000 partners, 20,000 invoice lines) or ``'reference'``
        (100,000 partners, 1,000,000 invoice lines); ``partners`` / ``lines`` override.
    :param end: last invoice date (default: today); history covers the three years before.
    :returns: dict with the counts and the id ranges created.
    """
    started = time.time()
    rng = np.random.default_rng(seed)
    company = company or env.ref('base.main_company')
    end = end or date.today()
    n_partners = partners or SIZES[size]['partners']
    n_lines = lines or SIZES[size]['lines']
    cr = env.cr
    uid = str(env.uid)
    now = "now() at time zone 'UTC'"
    journal, receivable, income, warehouse, pricelist, uom = _env_refs(env, company)
    currencies = _currencies(env, company, end)

    # --- products (ORM: real standard_price properties) -------------------------------------
    n_products = 200
    list_prices = np.round(rng.lognormal(3.5, 0.8, n_products), 2) + 1
    costs = np.round(list_prices * rng.uniform(0.45, 0.8, n_products), 2)
    Product = env['product.product'].with_context(force_company=company.id)
    products = []
    for i in range(n_products):
        product = Product.create({'name': 'Bench product %03d' % i, 'type': 'consu',
                                  'list_price': float(list_prices[i]),
                                  'standard_price': float(costs[i]), 'invoice_policy': 'order'})
        products.append(product.id)
    products = np.array(products)
    popularity = 1.0 / np.arange(1, n_products + 1) ** 0.8
    popularity /= popularity.sum()

    # --- salespeople --------------------------------------------------------------------------
    sales_group = env.ref('sales_team.group_sale_salesman')
    users = []
    for i in range(5):
        login = 'bench_sales_%d' % i
        user = env['res.users'].search([('login', '=', login)])
        if not user:
            user = env['res.users'].create({'name': 'Bench Seller %d' % i, 'login': login,
                                            'email': '%s@example.com' % login,
                                            'groups_id': [(6, 0, [sales_group.id])]})
        users.append(user.id)

    # --- partners: companies with one contact each, individuals ------------------------------
    n_companies = int(n_partners * 0.3)
    n_contacts = n_companies
    n_individuals = n_partners - n_companies - n_contacts
    first = _reserve_ids(cr, 'res_partner', n_partners)
    company_ids = np.arange(first, first + n_companies)
    contact_ids = np.arange(first + n_companies, first + 2 * n_companies)
    individual_ids = np.arange(first + 2 * n_companies, first + n_partners)
    salesperson = rng.choice(users, n_partners)
    rows = []
    columns = ['id', 'name', 'display_name', 'is_company', 'customer', 'supplier', 'active',
               'type', 'parent_id', 'commercial_partner_id', 'lang', 'sale_warn', 'picking_warn',
               'invoice_warn', 'user_id', 'loyalty_referrer_id', 'create_uid', 'write_uid']
    referrers = np.concatenate([company_ids, individual_ids])
    for k, pid in enumerate(company_ids.tolist()):
        name = 'Bench Company %06d' % k
        rows.append((str(pid), name, name, 't', 't', 'f', 't', 'contact', None, str(pid),
                     'en_US', 'no-message', 'no-message', 'no-message', str(salesperson[k]),
                     None, uid, uid))
    for k, pid in enumerate(contact_ids.tolist()):
        parent = int(company_ids[k])
        name = 'Bench Contact %06d' % k
        rows.append((str(pid), name, 'Bench Company %06d, %s' % (k, name), 'f', 't', 'f', 't',
                     'contact', str(parent), str(parent), 'en_US', 'no-message', 'no-message',
                     'no-message', str(salesperson[n_companies + k]), None, uid, uid))
    referred = rng.random(n_individuals) < 0.05
    for k, pid in enumerate(individual_ids.tolist()):
        name = 'Bench Person %06d' % k
        referrer = str(int(rng.choice(referrers))) if referred[k] else None
        rows.append((str(pid), name, name, 'f', 't', 'f', 't', 'contact', None, str(pid),
                     'en_US', 'no-message', 'no-message', 'no-message',
                     str(salesperson[2 * n_companies + k]), referrer, uid, uid))
    _copy(cr, 'res_partner', columns, rows)
    cr.execute("UPDATE res_partner SET create_date = %s, write_date = %s "
               "WHERE id >= %%s AND id < %%s" % (now, now), (first, first + n_partners))
    del rows

    # --- customer behaviour -----------------------------------------------------------------
    customers = np.concatenate([company_ids, individual_ids])
    n_customers = len(customers)
    span = 366 * YEARS
    end_ord = end.toordinal()
    start_ord = end_ord - span
    existing = rng.random(n_customers) < 0.4
    arrival = np.where(existing, start_ord, start_ord + rng.integers(0, span - 14, n_customers))
    lifetime = rng.exponential(2.2 * 365, n_customers)
    leave = np.minimum(arrival + lifetime, end_ord + 1)
    active_years = np.maximum(leave - arrival, 1) / 365.0
    rate = rng.gamma(0.9, 1.0, n_customers)
    mean_lines = 3.0
    target_invoices = n_lines / mean_lines * 0.96
    rate *= target_invoices / float((rate * active_years).sum())
    counts = rng.poisson(rate * active_years)
    counts = np.maximum(counts, (rng.random(n_customers) < 0.85).astype(int))
    owner = np.repeat(np.arange(n_customers), counts)
    n_invoices = len(owner)
    # dates: uniform in the active interval, thinned by the month's weight
    days = np.empty(n_invoices, dtype=np.int64)
    pending = np.arange(n_invoices)
    while len(pending):
        o = owner[pending]
        candidate = (arrival[o] + rng.random(len(pending)) * (leave[o] - arrival[o])).astype(
            np.int64)
        months = np.array([date.fromordinal(int(d)).month - 1 for d in candidate])
        accept = rng.random(len(pending)) < MONTH_WEIGHT[months] / MONTH_WEIGHT.max()
        days[pending[accept]] = np.minimum(candidate[accept], end_ord)
        pending = pending[~accept]
    currency_of = rng.choice(len(currencies), n_customers, p=[0.85, 0.1, 0.05][:len(currencies)]
                             / np.sum([0.85, 0.1, 0.05][:len(currencies)]))
    mercenary = rng.random(n_customers) < 0.1
    through_contact = np.isin(customers, company_ids) & (rng.random(n_customers) < 0.5)

    # --- invoice lines ------------------------------------------------------------------------
    lines_per = np.clip(rng.poisson(mean_lines - 1, n_invoices) + 1, 1, 8)
    line_owner = np.repeat(np.arange(n_invoices), lines_per)
    n_inv_lines = len(line_owner)
    product_idx = rng.choice(n_products, n_inv_lines, p=popularity)
    basket = rng.lognormal(0.0, 0.7, n_customers)  # customers differ in how much they buy
    quantity = np.maximum(1, np.round(rng.integers(1, 8, n_inv_lines)
                                      * basket[owner[line_owner]])).astype(float)
    price = np.round(list_prices[product_idx] * rng.uniform(0.95, 1.05, n_inv_lines), 2)
    cust_of_line = owner[line_owner]
    discounted = np.where(mercenary[cust_of_line], rng.random(n_inv_lines) < 0.8,
                          rng.random(n_inv_lines) < 0.08)
    discount = np.where(discounted, rng.choice([5.0, 10.0, 15.0, 20.0, 25.0], n_inv_lines), 0.0)
    subtotal = np.round(quantity * price * (1 - discount / 100.0), 2)
    inv_currency = currency_of[owner]
    factor = np.ones(n_invoices)
    for k, (currency_id, _base) in enumerate(currencies):
        mask = inv_currency == k
        if k and mask.any():
            factor[mask] = _rate_at(env, company, currency_id, days[mask])
    line_factor = factor[line_owner]
    subtotal_signed = np.round(subtotal * line_factor, 2)
    untaxed = np.bincount(line_owner, weights=subtotal, minlength=n_invoices)
    untaxed_signed = np.bincount(line_owner, weights=subtotal_signed, minlength=n_invoices)

    # refunds: 4 % of invoices, a later credit note for their first line
    refunded = np.flatnonzero(rng.random(n_invoices) < 0.04)
    n_refunds = len(refunded)
    refund_days = np.minimum(days[refunded] + rng.integers(1, 31, n_refunds), end_ord)
    first_line = np.concatenate([[0], np.cumsum(lines_per)[:-1]])[refunded]

    inv_first = _reserve_ids(cr, 'account_invoice', n_invoices + n_refunds)
    line_first = _reserve_ids(cr, 'account_invoice_line', n_inv_lines + n_refunds)
    inv_ids = np.arange(inv_first, inv_first + n_invoices)
    refund_ids = np.arange(inv_first + n_invoices, inv_first + n_invoices + n_refunds)
    partner_of_invoice = customers[owner]
    addressed = partner_of_invoice.copy()
    via = through_contact[owner]
    contact_of = dict(zip(company_ids.tolist(), contact_ids.tolist()))
    addressed[via] = [contact_of[int(p)] for p in partner_of_invoice[via]]
    currency_ids = np.array([c for c, _b in currencies])
    paid_before = end_ord - 60

    inv_columns = ['id', 'name', 'number', 'move_name', 'reference_type', 'type', 'state',
                   'date_invoice', 'date_due', 'partner_id', 'commercial_partner_id',
                   'company_id', 'currency_id', 'journal_id', 'account_id', 'user_id',
                   'amount_untaxed', 'amount_untaxed_signed', 'amount_tax', 'amount_total',
                   'amount_total_signed', 'amount_total_company_signed', 'residual',
                   'residual_signed', 'residual_company_signed', 'reconciled', 'sent',
                   'create_uid', 'write_uid']

    def invoice_rows():
        for k in range(n_invoices):
            day = date.fromordinal(int(days[k])).isoformat()
            paid = days[k] < paid_before
            amount = '%.2f' % untaxed[k]
            signed = '%.2f' % untaxed_signed[k]
            residual = '0.00' if paid else amount
            residual_signed = '0.00' if paid else signed
            number = 'BINV/%07d' % k
            yield (str(inv_ids[k]), None, number, number, 'none', 'out_invoice',
                   'paid' if paid else 'open', day, day, str(addressed[k]),
                   str(partner_of_invoice[k]), str(company.id),
                   str(currency_ids[inv_currency[k]]), str(journal.id), str(receivable.id),
                   str(salesperson[0]), amount, signed, '0.00', amount, amount, signed,
                   residual, residual_signed, residual_signed, 't' if paid else 'f', 'f',
                   uid, uid)
        for j in range(n_refunds):
            k = refunded[j]
            line = first_line[j]
            day = date.fromordinal(int(refund_days[j])).isoformat()
            amount = '%.2f' % subtotal[line]
            signed = '%.2f' % -subtotal_signed[line]
            number = 'BREF/%07d' % j
            yield (str(refund_ids[j]), None, number, number, 'none', 'out_refund', 'paid', day,
                   day, str(addressed[k]), str(partner_of_invoice[k]), str(company.id),
                   str(currency_ids[inv_currency[k]]), str(journal.id), str(receivable.id),
                   str(salesperson[0]), amount, signed, '0.00', amount, '-' + amount, signed,
                   '0.00', '0.00', '0.00', 't', 'f', uid, uid)
    _copy(cr, 'account_invoice', inv_columns, invoice_rows())
    line_columns = ['id', 'invoice_id', 'sequence', 'name', 'account_id', 'product_id', 'uom_id',
                    'price_unit', 'quantity', 'discount', 'price_subtotal',
                    'price_subtotal_signed', 'price_total', 'partner_id', 'company_id',
                    'currency_id', 'create_uid', 'write_uid']

    def line_rows():
        for i in range(n_inv_lines):
            k = line_owner[i]
            yield (str(line_first + i), str(inv_ids[k]), '10', 'Bench goods', str(income.id),
                   str(products[product_idx[i]]), str(uom), '%.2f' % price[i],
                   '%.0f' % quantity[i], '%.1f' % discount[i], '%.2f' % subtotal[i],
                   '%.2f' % subtotal_signed[i], '%.2f' % subtotal[i], str(addressed[k]),
                   str(company.id), str(currency_ids[inv_currency[k]]), uid, uid)
        for j in range(n_refunds):
            k, line = refunded[j], first_line[j]
            yield (str(line_first + n_inv_lines + j), str(refund_ids[j]), '10', 'Bench return',
                   str(income.id), str(products[product_idx[line]]), str(uom),
                   '%.2f' % price[line], '%.0f' % quantity[line], '%.1f' % discount[line],
                   '%.2f' % subtotal[line], '%.2f' % -subtotal_signed[line],
                   '%.2f' % subtotal[line], str(addressed[k]), str(company.id),
                   str(currency_ids[inv_currency[k]]), uid, uid)
    _copy(cr, 'account_invoice_line', line_columns, line_rows())
    for table, first_id, count in (('account_invoice', inv_first, n_invoices + n_refunds),
                                   ('account_invoice_line', line_first,
                                    n_inv_lines + n_refunds)):
        cr.execute("UPDATE %s SET create_date = %s, write_date = %s WHERE id >= %%s "
                   "AND id < %%s" % (table, now, now), (first_id, first_id + count))

    # --- sale orders for 30 % of the invoices (margin from purchase prices) -----------------
    from_order = np.flatnonzero((rng.random(n_invoices) < 0.3) & (inv_currency == 0))
    n_orders = len(from_order)
    order_first = _reserve_ids(cr, 'sale_order', n_orders)
    line_starts = np.concatenate([[0], np.cumsum(lines_per)])
    order_rows, so_line_rows, rel_rows = [], [], []
    n_so_lines = int(lines_per[from_order].sum())
    so_line_first = _reserve_ids(cr, 'sale_order_line', n_so_lines)
    so_line_id = so_line_first
    for j, k in enumerate(from_order.tolist()):
        order_id = order_first + j
        day = date.fromordinal(int(days[k])).isoformat()
        partner = str(addressed[k])
        order_rows.append((str(order_id), 'BSO/%07d' % j, day + ' 09:00:00', partner, partner,
                           partner, str(pricelist.id), str(warehouse.id), 'direct', 'done',
                           'invoiced', str(company.id), '%.2f' % untaxed[k], '0.00',
                           '%.2f' % untaxed[k], uid, uid))
        for i in range(line_starts[k], line_starts[k + 1]):
            cost = costs[product_idx[i]] * rng.uniform(0.9, 1.1)
            so_line_rows.append((str(so_line_id), str(order_id), 'Bench goods',
                                 str(products[product_idx[i]]), str(uom), '%.0f' % quantity[i],
                                 '%.2f' % price[i], '%.1f' % discount[i], '%.2f' % subtotal[i],
                                 '%.2f' % cost, '0', 'sale', '%.0f' % quantity[i], uid, uid))
            rel_rows.append((str(so_line_id), str(line_first + i)))
            so_line_id += 1
    _copy(cr, 'sale_order', ['id', 'name', 'date_order', 'partner_id', 'partner_invoice_id',
                             'partner_shipping_id', 'pricelist_id', 'warehouse_id',
                             'picking_policy', 'state', 'invoice_status', 'company_id',
                             'amount_untaxed', 'amount_tax', 'amount_total', 'create_uid',
                             'write_uid'], order_rows)
    _copy(cr, 'sale_order_line', ['id', 'order_id', 'name', 'product_id', 'product_uom',
                                  'product_uom_qty', 'price_unit', 'discount', 'price_subtotal',
                                  'purchase_price', 'customer_lead', 'state', 'qty_invoiced',
                                  'create_uid', 'write_uid'], so_line_rows)
    _copy(cr, 'sale_order_line_invoice_rel', ['order_line_id', 'invoice_line_id'], rel_rows)
    # statistics of every table filled here, as autovacuum would gather (it is off here)
    for table in ('res_partner', 'account_invoice', 'account_invoice_line', 'sale_order',
                  'sale_order_line', 'sale_order_line_invoice_rel'):
        cr.execute(sql.SQL('ANALYZE {}').format(sql.Identifier(table)))
    env.invalidate_all() if hasattr(env, 'invalidate_all') else env['res.partner'].invalidate_cache()
    summary = {
        'partners': n_partners, 'customers': n_customers, 'products': n_products,
        'invoices': n_invoices, 'credit_notes': n_refunds,
        'invoice_lines': n_inv_lines + n_refunds, 'sale_orders': n_orders,
        'currencies': len(currencies), 'end': end.isoformat(),
        'partner_ids': (first, first + n_partners - 1), 'seconds': round(time.time() - started, 1),
    }
    log('generated %s' % summary)
    return summary


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--db', required=True)
    parser.add_argument('--size', choices=sorted(SIZES), default='small')
    parser.add_argument('--seed', type=int, default=7)
    parser.add_argument('--end', help='last invoice date (default today)')
    parser.add_argument('--conf', default=os.path.join(os.path.dirname(__file__), '..', 'var',
                                                       'odoo.conf'))
    args = parser.parse_args(argv)
    import odoo
    from odoo import SUPERUSER_ID, api
    odoo.tools.config.parse_config(['-c', args.conf, '-d', args.db])
    registry = odoo.registry(args.db)
    end = date(*map(int, args.end.split('-'))) if args.end else None
    with api.Environment.manage(), registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        generate(env, args.size, args.seed, end=end)
        cr.commit()
    return 0


if __name__ == '__main__':
    sys.exit(main())
