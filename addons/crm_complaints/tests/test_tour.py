"""The main job through the web client, in headless Chromium: file a complaint from a delivered
order, acknowledge, credit note, resolve, follow-up call, close; the customer rates it in the
portal."""
import odoo.tests

from .common import ComplaintHttpCase


@odoo.tests.common.at_install(False)
@odoo.tests.common.post_install(True)
class TestTour(ComplaintHttpCase):

    def test_complaint_tour(self):
        order, invoice, _picking = self.delivered_order()
        self.commit_for_requests()
        self.phantom_js(
            '/web#id=%d&model=sale.order&view_type=form' % order.id,
            "odoo.__DEBUG__.services['web_tour.tour'].run('crm_complaints_tour')",
            "odoo.__DEBUG__.services['web_tour.tour'].tours.crm_complaints_tour.ready",
            login='cmp_agent', timeout=180)
        complaint = self.Complaint.search([('sale_order_id', '=', order.id)])
        self.assertEqual(len(complaint), 1)
        self.assertEqual(complaint.subject, 'Scratched widget')
        self.assertEqual(complaint.step, 'closed')
        self.assertEqual(complaint.invoice_id, invoice)
        self.assertEqual(complaint.credit_note_ids.amount_total, 50.0)
        self.assertEqual(complaint.credit_note_ids.state, 'open')
        self.assertEqual(complaint.followup_outcome, 'satisfied')
        self.assertEqual(complaint.cost_credit_notes, 50.0)
        self.new_session()
        self.phantom_js(
            '/my/complaints',
            "odoo.__DEBUG__.services['web_tour.tour'].run('crm_complaints_portal_tour')",
            "odoo.__DEBUG__.services['web_tour.tour'].tours.crm_complaints_portal_tour.ready",
            login='cmp_portal_acme', timeout=120)
        complaint.invalidate_cache()
        self.assertEqual(complaint.rating_score, 5)
        self.assertEqual(complaint.rating_feedback, 'Quick and friendly, thank you.')
