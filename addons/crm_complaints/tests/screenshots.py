"""Screenshots of the complaint kanban and form for static/description (not a test).

``bin/python addons/crm_complaints/tests/screenshots.py --url http://localhost:8283 --db DB``

Needs a running server on a database with the demo data; logs in as admin through /web/login
in headless Chromium and saves ``complaint_kanban.png`` and ``complaint_form.png``.
"""
import argparse
import os
import sys
import time
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, Request, build_opener
from http.cookiejar import CookieJar

HERE = os.path.dirname(os.path.abspath(__file__))
TARGET = os.path.join(os.path.dirname(HERE), 'static', 'description')
# onboarding tips of other applications' tours would cover the control panel
HIDE_TIPS = "document.querySelectorAll('.o_tooltip').forEach(function (e) { e.remove(); })"


def login(url, db, user, password):
    """A session id from /web/login (the form's CSRF token first)."""
    jar = CookieJar()
    opener = build_opener(HTTPCookieProcessor(jar))
    page = opener.open('%s/web/login?db=%s' % (url, db)).read().decode()
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    data = urlencode({'login': user, 'password': password, 'csrf_token': token,
                      'db': db}).encode()
    opener.open(Request('%s/web/login' % url, data=data))
    return next(cookie.value for cookie in jar if cookie.name == 'session_id')


def wait_for(browser, expression, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if browser.evaluate('!!(%s)' % expression):
                return True
        except Exception:  # pylint: disable=except-pass
            pass  # the page is still loading
        time.sleep(0.5)
    raise RuntimeError('timed out waiting for %s' % expression)


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument('--url', default='http://localhost:8283')
    parser.add_argument('--db', required=True)
    parser.add_argument('--user', default='admin')
    parser.add_argument('--password', default='admin')
    parser.add_argument('--complaint', type=int, help='id of the complaint for the form')
    args = parser.parse_args(argv)
    sys.path.insert(0, os.path.join(HERE, '..', '..', '..', 'runtime'))
    from odoo311.browser import Chromium
    session = login(args.url, args.db, args.user, args.password)
    with Chromium(width=1440, height=900) as browser:
        browser.set_cookie('session_id', session, args.url)
        browser.navigate('%s/web#action=crm_complaints.crm_complaint_action' % args.url)
        wait_for(browser, "document.querySelector('.o_kanban_view .o_kanban_record')")
        time.sleep(2)
        browser.evaluate(HIDE_TIPS)
        browser.screenshot(os.path.join(TARGET, 'complaint_kanban.png'))
        if args.complaint:
            browser.navigate('%s/web#model=crm.complaint&id=%d&view_type=form'
                             '&action=crm_complaints.crm_complaint_action'
                             % (args.url, args.complaint))
        else:
            browser.evaluate("document.querySelector('.o_kanban_record').click()")
        wait_for(browser, "document.querySelector('.o_form_view .oe_title')")
        time.sleep(2)
        browser.evaluate(HIDE_TIPS)
        browser.screenshot(os.path.join(TARGET, 'complaint_form.png'))
    print('screenshots written to %s' % TARGET)  # pylint: disable=print-used


if __name__ == '__main__':
    main()
