"""Issue 11 over HTTP: rating links, portal chatter, /my pages of employees, a bad calendar
behind the portal form, and malformed input on every route of crm_complaints (a clean 4xx
page or a clear message, never a traceback or a 500)."""
import inspect
import logging
import re
from contextlib import contextmanager
from datetime import datetime

import odoo.tests

from .common import ComplaintHttpCase

BASE = 'http://%s:%s' % (odoo.tests.common.HOST, odoo.tests.common.PORT)
MISSING_ID = 2147480000
HUGE = 'x' * 200000
PERSIAN = '۱۲۳'
# every route crm_complaints' controllers define, each walked below with malformed input
ROUTES = {
    '/my/complaints', '/my/complaints/page/<int:page>', '/my/complaints/<int:complaint_id>',
    '/my/complaints/<int:complaint_id>/rate', '/my/complaints/new',
    '/complaint/rate/<string:token>/<int:score>', '/complaint/rate/<string:token>',
    '/rating/<string:token>/<int:rate>', '/rating/<string:token>/<int:rate>/submit_feedback',
    '/mail/chatter_post',
}


class _Collector(logging.Handler):

    def __init__(self):
        super(_Collector, self).__init__(logging.DEBUG)
        self.records = []

    def emit(self, record):
        if record.levelno >= logging.ERROR or record.exc_info:
            self.records.append(record)


@odoo.tests.common.at_install(False)
@odoo.tests.common.post_install(True)
class TestPortalSecurity(ComplaintHttpCase):

    def setUp(self):
        super(TestPortalSecurity, self).setUp()
        self.acme_complaint = self.complaint(subject='Acme: cracked widget')
        self.beta_complaint = self.complaint(subject='Beta: lost parcel',
                                             partner_id=self.beta_contact.id)
        self.commit_for_requests()

    @contextmanager
    def no_traceback(self):
        collector = _Collector()
        root = logging.getLogger()
        root.addHandler(collector)
        try:
            yield collector
        finally:
            root.removeHandler(collector)
        self.assertEqual([r.getMessage()[:300] for r in collector.records], [])

    def close(self, complaint):
        self.move(complaint, self.stage_resolved, datetime(2024, 3, 4, 12))
        with self.clock(datetime(2024, 3, 4, 13)):
            complaint._record_followup('satisfied', '')
        self.move(complaint, self.stage_closed, datetime(2024, 3, 4, 14))
        self.commit_for_requests()

    def post(self, url, data, referer='/my/complaints'):
        self.commit_for_requests()
        return self.opener.post(BASE + url, data=data, timeout=60,
                                headers={'Referer': BASE + referer})

    def csrf_of(self, text):
        return re.search(r'name="csrf_token" value="([^"]+)"', text).group(1)

    def recovery_activities(self, complaint):
        return self.env['mail.activity'].search_count([
            ('res_model', '=', 'crm.complaint'), ('res_id', '=', complaint.id),
            ('activity_type_id', '=', self.env.ref('crm_complaints.mail_activity_recovery').id)])

    # --- Access 7: rating links -----------------------------------------------------------
    def test_rating_link_records_on_post_once(self):
        complaint = self.acme_complaint
        self.close(complaint)
        token = complaint._rating_token()
        self.commit_for_requests()
        with self.no_traceback():
            page = self.url_open('/complaint/rate/%s/2' % token)
            self.assertEqual(page.status_code, 200)
            complaint.invalidate_cache()
            # a GET (a mail scanner) records nothing
            self.assertEqual(complaint.rating_score, 0)
            self.assertFalse(complaint.sudo().rating_ids.filtered('consumed'))
            self.assertEqual(self.recovery_activities(complaint), 0)
            self.assertIn('name="score"', page.text)
            self.assertIn('action="/complaint/rate/%s"' % token, page.text)
            csrf = self.csrf_of(page.text)
            rated = self.post('/complaint/rate/%s' % token, {
                'score': '2', 'feedback': '<script>alert(1)</script> slow', 'csrf_token': csrf})
            self.assertEqual(rated.status_code, 200)
            self.assertIn('Thank you', rated.text)
            complaint.invalidate_cache()
            self.assertEqual(complaint.rating_score, 2)
            self.assertEqual(self.recovery_activities(complaint), 1)
            body = complaint.message_ids.filtered(lambda m: 'Rated 2 / 5' in (m.body or '')).body
            self.assertIn('&lt;script&gt;alert(1)&lt;/script&gt; slow', body)
            self.assertNotIn('<script', body)
            # replays: refused with a clear page, nothing recorded twice
            replay = self.post('/complaint/rate/%s' % token, {'score': '1', 'csrf_token': csrf})
            self.assertEqual(replay.status_code, 410)
            self.assertIn('This rating link was already used or has expired.', replay.text)
            again = self.url_open('/complaint/rate/%s/1' % token)
            self.assertEqual(again.status_code, 410)
            self.assertIn('This rating link was already used or has expired.', again.text)
            # Odoo's own rating route does not record on GET either
            odoo_route = self.url_open('/rating/%s/1' % token)
            self.assertLess(odoo_route.status_code, 500)
            complaint.invalidate_cache()
            self.assertEqual(complaint.rating_score, 2)
            self.assertEqual(self.recovery_activities(complaint), 1)
            # a new closing issues a new token; the old one stays dead
            self.move(complaint, self.stage_progress, datetime(2024, 3, 6, 9))
            self.close(complaint)
            new_token = complaint._rating_token()
            self.assertNotEqual(new_token, token)
            self.commit_for_requests()
            self.assertEqual(self.url_open('/complaint/rate/%s/5' % token).status_code, 410)
            page = self.url_open('/complaint/rate/%s/5' % new_token)
            rated = self.post('/complaint/rate/%s' % new_token,
                              {'score': '5', 'csrf_token': self.csrf_of(page.text)})
            self.assertEqual(rated.status_code, 200)
            complaint.invalidate_cache()
            self.assertEqual(complaint.rating_score, 5)

    def test_portal_form_rates_once_per_closing(self):
        self.close(self.acme_complaint)
        self.authenticate('cmp_portal_acme', 'cmp_portal_acme')
        with self.no_traceback():
            page = self.url_open('/my/complaints/%s' % self.acme_complaint.id)
            csrf = self.csrf_of(page.text)
            url = '/my/complaints/%s/rate' % self.acme_complaint.id
            self.url_open(url, data={'score': '1', 'csrf_token': csrf})
            second = self.url_open(url, data={'score': '5', 'csrf_token': csrf})
            self.assertIn('This complaint was already rated.', second.text)
        self.acme_complaint.invalidate_cache()
        self.assertEqual(self.acme_complaint.rating_score, 1)
        self.assertEqual(self.recovery_activities(self.acme_complaint), 1)

    # --- Access 8: portal chatter and /my pages -------------------------------------------
    def test_portal_chatter_post_is_a_plain_comment(self):
        self.authenticate('cmp_portal_acme', 'cmp_portal_acme')
        with self.no_traceback():
            csrf = self.csrf_of(self.url_open('/my/complaints/new').text)
            response = self.post('/mail/chatter_post', {
                'res_model': 'crm.complaint', 'res_id': self.acme_complaint.id,
                'message': 'Forged note', 'csrf_token': csrf, 'message_type': 'notification',
                'subtype': 'mail.mt_note', 'date': '2000-01-01 00:00:00'})
            self.assertEqual(response.status_code, 200)
            response = self.post('/mail/chatter_post', {
                'res_model': 'crm.complaint', 'res_id': self.acme_complaint.id,
                'message': 'Forged author', 'csrf_token': csrf,
                'author_id': self.beta_contact.id, 'subtype_id': 1, 'partner_ids': '[]'})
            self.assertEqual(response.status_code, 200)
        self.acme_complaint.invalidate_cache()
        comment = self.env.ref('mail.mt_comment')
        for text in ('Forged note', 'Forged author'):
            message = self.acme_complaint.message_ids.filtered(lambda m: text in m.body)
            self.assertEqual(len(message), 1, text)
            self.assertEqual((message.message_type, message.subtype_id, message.author_id),
                             ('comment', comment, self.acme_contact), text)
            self.assertGreater(message.date, '2024-01-01')

    def test_my_pages_for_an_employee_without_the_group(self):
        self.authenticate('cmp_account_manager', 'cmp_account_manager')
        with self.no_traceback():
            for url in ('/my', '/my/home', '/my/complaints', '/my/complaints/page/2'):
                response = self.url_open(url)
                self.assertEqual(response.status_code, 200, url)
            self.assertIn('You have no complaint', self.url_open('/my/complaints').text)
            other = self.url_open('/my/complaints/%s' % self.acme_complaint.id)
            self.assertNotIn('Acme: cracked widget', other.text)

    # --- bad calendar behind the portal form ----------------------------------------------
    def test_portal_complaint_with_bad_attendance(self):
        for calendar in self.calendar | self.company.resource_calendar_id:
            self.cr.execute("""
                INSERT INTO resource_calendar_attendance
                       (name, dayofweek, hour_from, hour_to, calendar_id)
                VALUES ('Backwards', '0', 17, 9, %s)""", (calendar.id,))
        self.commit_for_requests()
        self.authenticate('cmp_portal_acme', 'cmp_portal_acme')
        with self.no_traceback():
            page = self.url_open('/my/complaints/new')
            response = self.url_open('/my/complaints/new', data={
                'subject': 'Filed despite the calendar', 'description': 'It works.',
                'csrf_token': self.csrf_of(page.text)})
            self.assertEqual(response.status_code, 200)
        complaint = self.Complaint.search([('subject', '=', 'Filed despite the calendar')])
        self.assertEqual(len(complaint), 1)
        self.assertTrue(response.url.endswith('/my/complaints/%s' % complaint.id))

    # --- malformed input on every route ---------------------------------------------------
    def test_routes_listed(self):
        from ..controllers import portal, rating
        found = set()
        for module in (portal, rating):
            for klass in vars(module).values():
                if not inspect.isclass(klass) or klass.__module__ != module.__name__:
                    continue
                for function in vars(klass).values():
                    found.update(getattr(function, 'routing', {}).get('routes', []))
        self.assertEqual(found, ROUTES)

    def test_malformed_input_on_every_route(self):
        self.close(self.acme_complaint)
        token = self.acme_complaint._rating_token()
        other_company = self.complaint(user=self.agent2, team_id=self.team2.id,
                                       user_id=self.agent2.id, company_id=self.company2.id,
                                       partner_id=self.beta_contact.id)
        self.commit_for_requests()
        cid = self.acme_complaint.id
        gets = [
            '/my/complaints?page=abc&sortby=%s' % PERSIAN,
            '/my/complaints?page=%s' % PERSIAN,
            '/my/complaints/page/0', '/my/complaints/page/99999999999',
            '/my/complaints/%s' % MISSING_ID, '/my/complaints/%s' % other_company.id,
            '/my/complaints/99999999999999999999',
            '/my/complaints/%s?access_token=%s' % (cid, 'x' * 5000),
            '/my/complaints/%s?rating_error=%s' % (cid, '<b>bold</b>'),
            '/my/complaints/new?order_id=%s' % PERSIAN,
            '/complaint/rate/%s/%s' % (token, 99999999999999999999),
            '/complaint/rate/%s/0' % token, '/complaint/rate/%s/5' % ('x' * 5000),
            '/complaint/rate/%s/%s' % (token, PERSIAN),
            '/rating/%s/7' % token, '/rating/%s/5' % ('x' * 5000), '/rating/nope/10',
        ]
        for login in ('cmp_portal_acme', 'cmp_account_manager', 'cmp_leader'):
            self.new_session()
            self.authenticate(login, login)
            with self.no_traceback():
                for url in gets:
                    response = self.url_open(url)
                    self.assertLess(response.status_code, 500, '%s %s' % (login, url))
                csrf = self.csrf_of(self.url_open('/my/complaints/new').text)
                posts = [
                    ('/my/complaints/new', {'subject': HUGE, 'description': 'x'}),
                    ('/my/complaints/new', {'subject': 'x', 'description': 'x',
                                            'order_id': PERSIAN}),
                    ('/my/complaints/new', {'subject': 'x', 'description': 'x',
                                            'order_id': '99999999999999999999'}),
                    ('/my/complaints/new', {'subject': 'x', 'description': 'x',
                                            'order_id': str(MISSING_ID)}),
                    ('/my/complaints/%s/rate' % cid, {'score': PERSIAN}),
                    ('/my/complaints/%s/rate' % cid, {'score': HUGE, 'feedback': HUGE}),
                    ('/my/complaints/%s/rate' % MISSING_ID, {'score': '5'}),
                    ('/my/complaints/%s/rate' % other_company.id, {'score': '5'}),
                    ('/complaint/rate/%s' % token, {'score': PERSIAN}),
                    ('/complaint/rate/%s' % token, {'score': '-1', 'feedback': HUGE}),
                    ('/complaint/rate/%s' % ('x' * 5000), {'score': '5'}),
                    ('/rating/%s/3/submit_feedback' % token, {'feedback': 'x'}),
                    ('/rating/%s/1/submit_feedback' % ('x' * 5000), {'feedback': HUGE}),
                    ('/rating/nope/10/submit_feedback', {'feedback': ['x', 'y']}),
                    ('/mail/chatter_post', {'res_model': 'crm.complaint', 'res_id': 'abc',
                                            'message': 'x'}),
                    ('/mail/chatter_post', {'res_model': 'crm.complaint',
                                            'res_id': '99999999999999999999',
                                            'message': 'x'}),
                    ('/mail/chatter_post', {'res_model': 'crm.complaint', 'res_id': PERSIAN,
                                            'message': 'x'}),
                    ('/mail/chatter_post', {'res_model': 'crm.complaint',
                                            'res_id': str(MISSING_ID), 'message': 'x'}),
                    ('/mail/chatter_post', {'res_model': 'crm.complaint',
                                            'res_id': str(other_company.id), 'message': 'x'}),
                ]
                for url, data in posts:
                    data = dict(data, csrf_token=csrf)
                    response = self.post(url, data)
                    self.assertLess(response.status_code, 500, '%s %s %r' % (
                        login, url, {k: v[:40] for k, v in data.items()}))
        # nothing half-written: no complaint, no rating, no message from the bad posts
        self.assertFalse(self.Complaint.search([('subject', '=', 'x')]))
        self.acme_complaint.invalidate_cache()
        self.assertEqual(self.acme_complaint.rating_score, 0)
        other_company.invalidate_cache()
        self.assertFalse(other_company.message_ids.filtered(lambda m: m.body == '<p>x</p>'))
