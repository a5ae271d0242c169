"""Install on a database that already has sales, upgrade keeping data, uninstall leaving the books.

Runs on its own copy of the template database: years of posted invoices are written first,
then the suite's addons are installed (their post-install computation must classify those
customers), upgraded (figures kept), and uninstalled (partners, orders, invoices intact).
"""
import datetime
import os
import subprocess

import pytest

import odoo
from odoo311 import suite

DB = 'crmsuite_t_lifecycle'


def _odoo(*args):
    cmd = [os.path.join(suite.ROOT, 'bin', 'odoo'), '-c', suite.CONF, '-d', DB,
           '--stop-after-init', '--log-level=warn',
           '--http-port', str(int(os.environ.get('ODOO_TEST_HTTP_PORT', '8169')) + 7)] + list(args)
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    errors = [line for line in result.stdout.splitlines() + result.stderr.splitlines()
              if ' ERROR ' in line or ' CRITICAL ' in line]
    assert result.returncode == 0 and not errors, '\n'.join(errors) or result.stderr[-3000:]


def _env_call(func):
    """Run ``func(env)`` as superuser on a fresh registry of DB and commit."""
    registry = odoo.modules.registry.Registry.new(DB)
    with odoo.api.Environment.manage(), registry.cursor() as cr:
        result = func(odoo.api.Environment(cr, odoo.SUPERUSER_ID, {}))
        cr.commit()
    return result


def _make_history(env):
    """Three customers, invoices over three years, one refund; returns what the books say."""
    today = datetime.date.today()
    company = env.user.company_id
    journal = env['account.journal'].search(
        [('type', '=', 'sale'), ('company_id', '=', company.id)], limit=1)
    product = env['product.product'].create({'name': 'Lifecycle widget', 'lst_price': 100.0,
                                             'standard_price': 60.0, 'type': 'consu'})
    partners = env['res.partner']
    for name in ('Lifecycle A', 'Lifecycle B', 'Lifecycle C'):
        partners |= env['res.partner'].create({'name': name, 'customer': True})

    def invoice(partner, days_ago, amount, kind='out_invoice'):
        inv = env['account.invoice'].create({
            'partner_id': partner.id, 'type': kind, 'journal_id': journal.id,
            'date_invoice': today - datetime.timedelta(days=days_ago),
            'invoice_line_ids': [(0, 0, {
                'product_id': product.id, 'name': 'widget', 'quantity': 1, 'price_unit': amount,
                'account_id': journal.default_credit_account_id.id})]})
        inv.action_invoice_open()
        return inv

    a, b, c = partners
    invoice(a, 30, 500.0)
    invoice(a, 90, 300.0)
    invoice(a, 700, 1000.0)           # older than the 12-month window: lifetime only
    invoice(a, 20, 100.0, 'out_refund')
    invoice(b, 1000, 250.0)           # lapsed customer: nothing in the window
    return {'ids': partners.ids, 'company': company.id, 'books': _books(env)}


def _figures(env, partner_ids, company_id):
    rows = env['crm.loyalty.value'].search([('partner_id', 'in', partner_ids),
                                            ('company_id', '=', company_id)])
    return {row.partner_id.id: (row.monetary, row.frequency, row.lifetime_monetary)
            for row in rows}


def _books(env):
    """What the accountants and salespeople own: partners, orders, invoices, with key fields."""
    return {
        'partners': {p.id: (p.name, p.active) for p in env['res.partner'].with_context(
            active_test=False).search([])},
        'orders': {o.id: (o.name, o.state, o.amount_total) for o in env['sale.order'].search([])},
        'invoices': {i.id: (i.number, i.state, i.amount_total_company_signed, i.residual)
                     for i in env['account.invoice'].search([])},
    }


@pytest.fixture(scope='module')
def history(odoo_config):
    conf = suite.prepare()
    suite.copy_db(conf, suite.ensure_template(conf), DB)
    yield _env_call(_make_history)
    suite.drop_db(conf, DB)


def test_install_upgrade_uninstall_keeps_the_books(history):
    addons = suite.suite_addons()
    # without the addons' demo data: what is checked is the books that were already there
    _odoo('-i', ','.join(addons), '--without-demo=all')
    a, b, c = history['ids']
    company = history['company']
    installed = _env_call(lambda env: _figures(env, history['ids'], company))
    # computed at install from the invoices that were already there
    assert installed[a] == (700.0, 2, 1700.0)
    assert installed[b] == (0.0, 0, 250.0)
    assert c not in installed or installed[c][2] == 0.0

    _odoo('-u', ','.join(addons))
    assert _env_call(lambda env: _figures(env, history['ids'], company)) == installed

    def uninstall(env):
        modules = env['ir.module.module'].search([('name', 'in', addons)])
        modules.button_immediate_uninstall()
    _env_call(uninstall)
    after = _env_call(_books)
    for kind, before in history['books'].items():
        assert {key: after[kind].get(key) for key in before} == before, kind
    assert _env_call(lambda env: env['ir.module.module'].search_count(
        [('name', 'in', addons), ('state', '=', 'installed')])) == 0
