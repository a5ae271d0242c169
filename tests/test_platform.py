"""The platform as a user meets it: a multi-worker server, the web client, PDF reports, cron."""
import time

import pytest

from odoo311.browser import BrowserError, Chromium, find_chromium

APPS = [
    ('contacts.menu_contacts', 'res.partner'),
    ('sale.sale_menu_root', 'sale.order'),
    ('account.menu_finance', 'account.invoice'),
    ('crm_complaints.crm_complaint_menu_root', 'crm.complaint'),
]
# the suite's main lists that live inside other apps (Sales, CRM)
ACTIONS = [
    ('crm_loyalty.crm_loyalty_value_action', 'crm.loyalty.value'),
    ('crm_campaigns.crm_campaign_action', 'crm.campaign'),
]
VIEW_SHOWN = (
    "(function () {"
    " var content = document.querySelector('.o_content .o_view_manager_content');"
    " var done = content && !$('.o_loading:visible').length;"
    " return done && window.location.hash.indexOf('model=%s&') >= 0"
    "   ? window.location.hash : ''; })()")


def test_login_page_answers_on_multi_worker_server(server):
    import requests
    reply = requests.get(server.url + '/web/login', timeout=10)
    assert reply.status_code == 200
    assert 'oe_login_form' in reply.text


def open_app(browser, menu_xmlid, model, attempts=3):
    """Click an app in the top menu until its first view of ``model`` is shown.

    A click that lands while the previous action is still loading is ignored by the web
    client, hence the retries; each attempt waits for the view, not for a fixed time.
    """
    for attempt in range(attempts):
        browser.evaluate(
            "document.querySelector('a[data-menu-xmlid=\"%s\"]').click(); true" % menu_xmlid)
        try:
            return browser.wait_for(VIEW_SHOWN % model, 20)
        except BrowserError:
            if attempt == attempts - 1:
                raise
    return ''


@pytest.mark.skipif(not find_chromium(), reason="Chromium is not installed")
def test_web_client_apps_open_without_console_error(server):
    with Chromium() as browser:
        browser.login(server.url, 'admin', 'admin')
        assert browser.errors() == []
        for menu_xmlid, model in APPS:
            shown = open_app(browser, menu_xmlid, model)
            assert 'view_type=' in shown and 'menu_id=' in shown
            assert browser.errors() == [], menu_xmlid
        for action_xmlid, model in ACTIONS:
            browser.evaluate("window.location.hash = '#action=%s'; true" % action_xmlid)
            assert 'view_type=' in browser.wait_for(VIEW_SHOWN % model, 20)
            assert browser.errors() == [], action_xmlid
    assert server.error_lines() == []


def test_customer_invoice_pdf_renders_through_wkhtmltopdf(server):
    rpc = server.rpc()
    partner_id = rpc.call('res.partner', 'create', {'name': 'PDF Customer'})
    product_id = rpc.call('product.product', 'search', [('sale_ok', '=', True)], limit=1)[0]
    journal = rpc.call('account.journal', 'search_read', [('type', '=', 'sale')],
                       ['default_credit_account_id'], limit=1)[0]
    invoice_id = rpc.call('account.invoice', 'create', {
        'partner_id': partner_id, 'type': 'out_invoice', 'journal_id': journal['id'],
        'invoice_line_ids': [(0, 0, {
            'product_id': product_id, 'name': 'PDF line', 'quantity': 2, 'price_unit': 50.0,
            'account_id': journal['default_credit_account_id'][0]})]})
    rpc.call('account.invoice', 'action_invoice_open', [invoice_id])
    reply = rpc.http.get('%s/report/pdf/account.report_invoice/%d' % (server.url, invoice_id),
                         timeout=120)
    assert reply.status_code == 200
    assert reply.headers['Content-Type'] == 'application/pdf'
    assert reply.content.startswith(b'%PDF')
    assert len(reply.content) > 5000


def test_cron_worker_runs_scheduled_actions(server):
    rpc = server.rpc()
    key = 'crmsuite.cron_probe.%d' % int(time.time() * 1000)
    model_id = rpc.call('ir.model', 'search', [('model', '=', 'ir.config_parameter')])[0]
    cron_id = rpc.call('ir.cron', 'create', {
        'name': 'Suite cron probe', 'model_id': model_id, 'state': 'code',
        'code': "model.set_param(%r, 'ran')" % key, 'interval_number': 1,
        'interval_type': 'days', 'numbercall': 1, 'nextcall': '2000-01-01 00:00:00'})
    deadline = time.time() + 180
    value = None
    while time.time() < deadline:
        value = rpc.call('ir.config_parameter', 'get_param', key)
        if value:
            break
        time.sleep(1)
    rpc.call('ir.cron', 'unlink', [cron_id])
    assert value == 'ran'
