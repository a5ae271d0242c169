"""The customer portal over HTTP: own complaints only (pages, chatter, JSON-RPC), ratings by
portal form and by email link, complaints filed from the portal."""
import re
from datetime import datetime

import odoo.tests

from .common import ComplaintHttpCase


@odoo.tests.common.at_install(False)
@odoo.tests.common.post_install(True)
class TestPortal(ComplaintHttpCase):

    def setUp(self):
        super(TestPortal, self).setUp()
        self.acme_complaint = self.complaint(subject='Acme: cracked widget')
        self.beta_complaint = self.complaint(subject='Beta: lost parcel',
                                             partner_id=self.beta_contact.id)
        self.commit_for_requests()

    def close(self, complaint):
        self.move(complaint, self.stage_resolved, datetime(2024, 3, 4, 12))
        with self.clock(datetime(2024, 3, 4, 13)):
            complaint._record_followup('satisfied', '')
        self.move(complaint, self.stage_closed, datetime(2024, 3, 4, 14))

    def post_from_page(self, url, data):
        """A form post as a browser sends it, from the complaint page (with its Referer)."""
        self.commit_for_requests()
        base = 'http://%s:%s' % (odoo.tests.common.HOST, odoo.tests.common.PORT)
        return self.opener.post(base + url, data=data, timeout=30,
                                headers={'Referer': base + '/my/complaints'})

    def csrf_token(self):
        page = self.url_open('/my/complaints/new').text
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    def test_list_and_pages_show_only_own_complaints(self):
        self.authenticate('cmp_portal_acme', 'cmp_portal_acme')
        listing = self.url_open('/my/complaints')
        self.assertEqual(listing.status_code, 200)
        self.assertIn(self.acme_complaint.name, listing.text)
        self.assertNotIn(self.beta_complaint.name, listing.text)
        page = self.url_open('/my/complaints/%s' % self.acme_complaint.id)
        self.assertIn('Acme: cracked widget', page.text)
        self.assertIn('Promised by', page.text)
        home = self.url_open('/my/home')
        self.assertIn('/my/complaints', home.text)
        other = self.url_open('/my/complaints/%s' % self.beta_complaint.id)
        self.assertTrue(other.url.endswith('/my'), other.url)
        self.assertNotIn('Beta: lost parcel', other.text)
        # a wrong token opens nothing, the right one opens the page even without login rights
        wrong = self.url_open('/my/complaints/%s?access_token=nope' % self.beta_complaint.id)
        self.assertNotIn('Beta: lost parcel', wrong.text)
        right = self.url_open('/my/complaints/%s?access_token=%s' % (
            self.beta_complaint.id, self.beta_complaint.sudo().access_token))
        self.assertIn('Beta: lost parcel', right.text)

    def test_rpc_cannot_read_another_customers_complaint(self):
        self.authenticate('cmp_portal_acme', 'cmp_portal_acme')

        def call(method, args, kwargs=None):
            return self.opener.post(
                'http://%s:%s/web/dataset/call_kw' % (
                    odoo.tests.common.HOST, odoo.tests.common.PORT),
                json={'jsonrpc': '2.0', 'method': 'call', 'id': 1, 'params': {
                    'model': 'crm.complaint', 'method': method, 'args': args,
                    'kwargs': kwargs or {}}}).json()
        own = call('read', [[self.acme_complaint.id], ['name']])
        self.assertEqual(own['result'][0]['name'], self.acme_complaint.name)
        other = call('read', [[self.beta_complaint.id], ['name']])
        self.assertEqual(other['error']['data']['name'], 'odoo.exceptions.AccessError')
        found = call('search_read', [[('subject', 'like', ': ')], ['name']])
        self.assertEqual([row['name'] for row in found['result']], [self.acme_complaint.name])

    def test_chatter_post_on_another_customers_complaint_refused(self):
        self.authenticate('cmp_portal_acme', 'cmp_portal_acme')
        token = self.csrf_token()
        before = len(self.beta_complaint.sudo().message_ids)
        response = self.post_from_page('/mail/chatter_post', {
            'res_model': 'crm.complaint', 'res_id': self.beta_complaint.id,
            'message': 'Let me in', 'csrf_token': token})
        self.assertEqual(response.status_code, 403)
        self.beta_complaint.invalidate_cache()
        self.assertEqual(len(self.beta_complaint.sudo().message_ids), before)
        response = self.post_from_page('/mail/chatter_post', {
            'res_model': 'crm.complaint', 'res_id': self.acme_complaint.id,
            'message': 'Any news?', 'csrf_token': token})
        self.assertEqual(response.status_code, 200)
        self.acme_complaint.invalidate_cache()
        self.assertIn('Any news?', self.acme_complaint.sudo().message_ids[0].body)

    def test_rate_in_the_portal(self):
        self.close(self.acme_complaint)
        self.authenticate('cmp_portal_acme', 'cmp_portal_acme')
        token = self.csrf_token()
        url = '/my/complaints/%s/rate' % self.acme_complaint.id
        refused = self.url_open(url, data={'score': '7', 'csrf_token': token})
        self.assertIn('A rating is a whole number from 1 to 5.', refused.text)
        self.acme_complaint.invalidate_cache()
        self.assertFalse(self.acme_complaint.sudo().rating_score)
        rated = self.url_open(url, data={'score': '4', 'feedback': 'Fine', 'csrf_token': token})
        self.assertIn('Thank you for your rating!', rated.text)
        self.acme_complaint.invalidate_cache()
        self.assertEqual(self.acme_complaint.sudo().rating_score, 4)
        self.assertEqual(self.acme_complaint.sudo().rating_feedback, 'Fine')
        # and not the other customer's complaint
        self.close(self.beta_complaint)
        self.url_open('/my/complaints/%s/rate' % self.beta_complaint.id,
                      data={'score': '1', 'csrf_token': token})
        self.beta_complaint.invalidate_cache()
        self.assertFalse(self.beta_complaint.sudo().rating_score)

    def test_rate_by_email_link(self):
        self.close(self.acme_complaint)
        token = self.acme_complaint._rating_token()
        bad = self.url_open('/complaint/rate/%s/9' % token)
        self.assertEqual(bad.status_code, 400)
        self.assertIn('A rating is a whole number from 1 to 5.', bad.text)
        self.assertEqual(self.url_open('/complaint/rate/not-a-token/5').status_code, 404)
        # the link opens the rating page; the score is recorded by its form (POST)
        page = self.url_open('/complaint/rate/%s/5' % token)
        self.assertEqual(page.status_code, 200)
        self.acme_complaint.invalidate_cache()
        self.assertEqual(self.acme_complaint.sudo().rating_score, 0)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        good = self.post_from_page('/complaint/rate/%s' % token,
                                   {'score': '5', 'csrf_token': csrf})
        self.assertEqual(good.status_code, 200)
        self.acme_complaint.invalidate_cache()
        self.assertEqual(self.acme_complaint.sudo().rating_score, 5)

    def test_file_a_complaint_from_the_portal(self):
        order, _invoice, _picking = self.delivered_order()
        beta_order, _i, _p = self.delivered_order(partner=self.beta_contact)
        self.authenticate('cmp_portal_acme', 'cmp_portal_acme')
        token = self.csrf_token()
        foreign = self.url_open('/my/complaints/new', data={
            'subject': 'Not mine', 'description': 'x', 'order_id': str(beta_order.id),
            'csrf_token': token})
        self.assertEqual(foreign.status_code, 404)
        self.assertFalse(self.Complaint.sudo().search([('subject', '=', 'Not mine')]))
        empty = self.url_open('/my/complaints/new', data={'subject': '', 'csrf_token': token})
        self.assertIn('Please say what the complaint is about and describe it.', empty.text)
        response = self.url_open('/my/complaints/new', data={
            'subject': 'Wrong colour', 'description': 'I ordered blue.',
            'order_id': str(order.id), 'csrf_token': token})
        self.assertEqual(response.status_code, 200)
        complaint = self.Complaint.sudo().search([('subject', '=', 'Wrong colour')])
        self.assertEqual(complaint.partner_id, self.acme_contact)
        self.assertEqual(complaint.sale_order_id, order)
        self.assertEqual(complaint.channel_id, self.env.ref('crm_complaints.channel_portal'))
        self.assertTrue(response.url.endswith('/my/complaints/%s' % complaint.id))
