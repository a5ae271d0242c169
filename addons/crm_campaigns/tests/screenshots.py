"""Screenshots of an evaluated campaign for static/description (not a test).

``bin/python addons/crm_campaigns/tests/screenshots.py --url http://localhost:8501 --db DB``

Needs a running server on a database with the demo data (the demo's "Autumn win-back" is
scored, tested and evaluated on installation); logs in as admin through /web/login in headless
Chromium and saves ``campaign_form.png`` (the form, offer and channels tab),
``campaign_evaluation.png`` (the Evaluation tab: rates, uplift with its interval, z-test,
margin uplift, decision and gains by decile) and ``campaign_roi.png`` (the ROI tab).
"""
import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TARGET = os.path.join(os.path.dirname(HERE), 'static', 'description')
ACTION = 'crm_campaigns.crm_campaign_action'
# onboarding tips of other applications' tours would cover the control panel
HIDE_TIPS = "document.querySelectorAll('.o_tooltip').forEach(function (e) { e.remove(); })"
FORM_READY = ("document.querySelector('.o_form_view .oe_title h1') && "
              "document.querySelector('.o_form_view .oe_title h1').textContent.trim().length")


def open_tab(browser, name):
    """Click the notebook tab ``name`` and scroll the notebook to the top of the view."""
    browser.evaluate(
        "Array.from(document.querySelectorAll('.o_notebook .nav-tabs a'))"
        ".filter(function (a) { return a.textContent.trim() === %r; })[0].click(); true" % name)
    browser.wait_for("document.querySelector('.o_notebook .tab-pane.active') && "
                     "document.querySelector('.o_notebook .tab-pane.active').offsetHeight")
    time.sleep(1)
    browser.evaluate("document.querySelector('.o_notebook').scrollIntoView(); "
                     "document.querySelector('.o_content').scrollTop -= 120; true")
    time.sleep(0.5)


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument('--url', default='http://localhost:8501')
    parser.add_argument('--db', required=True)
    parser.add_argument('--user', default='admin')
    parser.add_argument('--password', default='admin')
    parser.add_argument('--campaign', type=int,
                        help='id of the campaign (default: the first evaluated one)')
    args = parser.parse_args(argv)
    sys.path.insert(0, os.path.join(HERE, '..', '..', '..', 'runtime'))
    from odoo311.browser import Chromium
    with Chromium(width=1440, height=900) as browser:
        browser.login(args.url, args.user, args.password, db=args.db)
        campaign = args.campaign or browser.evaluate(
            "odoo.__DEBUG__.services['web.rpc'].query({model: 'crm.campaign', method: "
            "'search', args: [[['state', '=', 'evaluated']]], kwargs: {limit: 1}})"
            ".then(function (ids) { return ids[0]; })", await_promise=True)
        if not campaign:
            raise SystemExit('no evaluated campaign: install crm_campaigns with demo data')
        browser.navigate('%s/web#model=crm.campaign&id=%d&view_type=form&action=%s'
                         % (args.url, campaign, ACTION))
        browser.wait_for(FORM_READY, 60)
        browser.wait_for("document.querySelector('.o_form_view .o_notebook')")
        time.sleep(2)
        browser.evaluate(HIDE_TIPS)
        browser.screenshot(os.path.join(TARGET, 'campaign_form.png'))
        # the Evaluation tab is long (figures, decision note, gains by decile): a taller page
        for tab, name, height in (('Evaluation', 'campaign_evaluation.png', 1300),
                                  ('ROI', 'campaign_roi.png', 900)):
            browser.call('Emulation.setDeviceMetricsOverride', width=1440, height=height,
                         deviceScaleFactor=1, mobile=False)
            open_tab(browser, tab)
            browser.evaluate(HIDE_TIPS)
            browser.screenshot(os.path.join(TARGET, name))
        errors = browser.errors()
        if errors:
            raise SystemExit('the web client reported errors: %s' % '; '.join(errors))
    print('screenshots of campaign %s written to %s' % (campaign, TARGET))  # pylint: disable=print-used


if __name__ == '__main__':
    main()
