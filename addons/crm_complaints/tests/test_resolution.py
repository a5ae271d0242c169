"""Resolution in the ERP through Odoo's own wizards, the gate on 'resolved', costs and the
crm_loyalty hooks."""
from datetime import datetime

from odoo.exceptions import UserError

from .common import ComplaintCase


class TestResolution(ComplaintCase):

    @classmethod
    def setUpClass(cls):
        super(TestResolution, cls).setUpClass()
        cls.order, cls.invoice, cls.picking = cls.delivered_order(cls)

    def about_order(self, **values):
        return self.complaint(sale_order_id=self.order.id, invoice_id=self.invoice.id,
                              picking_id=self.picking.id,
                              product_ids=[(6, 0, self.widget.ids)], **values)

    def credit(self, complaint, amount, validate=True):
        wizard = self.env['crm.complaint.refund'].sudo(self.agent).with_context(
            default_complaint_id=complaint.id).create({'amount': amount, 'validate': validate})
        before = complaint.credit_note_ids
        wizard.action_create()
        complaint.invalidate_cache()
        return complaint.credit_note_ids - before

    def refunds(self):
        return self.env['account.invoice'].search([('refund_invoice_id', '=', self.invoice.id)])

    def test_full_credit_note_reconciled(self):
        complaint = self.about_order()
        wizard = self.env['crm.complaint.refund'].sudo(self.agent).with_context(
            default_complaint_id=complaint.id).create({})
        self.assertEqual(wizard.amount, 200.0)
        self.assertEqual(wizard.creditable, 200.0)
        wizard.action_create()
        refund = complaint.credit_note_ids
        self.assertEqual(refund.type, 'out_refund')
        self.assertEqual(refund.amount_total, 200.0)
        self.assertEqual(refund.state, 'paid')
        self.assertEqual(self.invoice.state, 'paid')
        self.assertEqual(refund.sudo(self.agent).complaint_id, complaint)
        self.assertEqual(complaint.credit_note_ids, refund)
        self.assertEqual(complaint.cost_credit_notes, 200.0)
        self.assertEqual(refund.sudo(self.agent).complaint_count, 1)

    def test_partial_credit_notes_up_to_the_invoice(self):
        complaint = self.about_order()
        first = self.credit(complaint, 50.0)
        self.assertEqual(first.amount_total, 50.0)
        self.assertEqual(first.invoice_line_ids.price_unit, 25.0)
        self.assertEqual(first.state, 'open')
        second = self.credit(complaint, 150.0)
        self.assertEqual(second.amount_total, 150.0)
        self.assertEqual(complaint.cost_credit_notes, 200.0)
        with self.assertRaises(UserError) as error, self.env.cr.savepoint():
            self.credit(complaint, 0.01)
        self.assertEqual(error.exception.name, (
            'The credit note (0.01) is larger than what is left to credit on invoice %s '
            '(0.00 of 200.00).') % self.invoice.number)

    def test_credit_note_larger_than_invoice_refused(self):
        complaint = self.about_order()
        with self.assertRaises(UserError) as error, self.env.cr.savepoint():
            self.credit(complaint, 250.0)
        self.assertEqual(error.exception.name, (
            'The credit note (250.00) is larger than what is left to credit on invoice %s '
            '(200.00 of 200.00).') % self.invoice.number)
        self.assertFalse(self.refunds())
        self.assertFalse(complaint.credit_note_ids)
        self.assertEqual(self.invoice.state, 'open')
        with self.assertRaises(UserError) as error, self.env.cr.savepoint():
            self.credit(complaint, -5.0)
        self.assertEqual(error.exception.name, 'The amount of a credit note must be positive.')
        self.assertFalse(self.refunds())

    def test_resolved_gated_on_credit_note_validated(self):
        complaint = self.about_order()
        self.move(complaint, self.stage_progress, datetime(2024, 3, 4, 10))
        draft = self.credit(complaint, 80.0, validate=False)
        self.assertEqual(draft.state, 'draft')
        self.assertEqual(complaint.cost_credit_notes, 0.0, 'a draft costs nothing yet')
        with self.assertRaises(UserError) as error, self.env.cr.savepoint():
            self.move(complaint, self.stage_resolved, datetime(2024, 3, 4, 11))
        self.assertEqual(error.exception.name, (
            'Complaint %s cannot move to Resolved while its resolution documents are not done: '
            'credit note %s is not validated.') % (complaint.name, draft.display_name))
        self.assertEqual(complaint.stage_id, self.stage_progress)
        self.assertFalse(complaint.date_resolved)
        self.assertEqual({line.status for line in complaint.sla_line_ids}, {'running', 'met'})
        draft.action_invoice_open()
        self.move(complaint, self.stage_resolved, datetime(2024, 3, 4, 12))
        self.assertEqual(complaint.step, 'resolved')
        self.assertEqual(complaint.cost_credit_notes, 80.0)

    def test_return_through_the_standard_wizard(self):
        complaint = self.about_order()
        action = complaint.sudo(self.agent).action_return()
        self.assertEqual(action['res_model'], 'stock.return.picking')
        wizard = self.env['stock.return.picking'].sudo(self.agent).with_context(
            **action['context']).create({})
        self.assertEqual(wizard.product_return_moves.quantity, 2.0)
        returned = self.env['stock.picking'].browse(wizard.create_returns()['res_id'])
        self.assertEqual(returned.sudo(self.agent).complaint_id, complaint)
        self.assertEqual(complaint.return_picking_ids, returned)
        self.assertEqual(complaint.return_count, 1)
        with self.assertRaises(UserError) as error, self.env.cr.savepoint():
            self.move(complaint, self.stage_resolved, datetime(2024, 3, 4, 11))
        self.assertEqual(error.exception.name, (
            'Complaint %s cannot move to Resolved while its resolution documents are not done: '
            'return %s is not received.') % (complaint.name, returned.name))
        for move in returned.move_lines:
            move.quantity_done = move.product_uom_qty
        returned.action_done()
        self.move(complaint, self.stage_resolved, datetime(2024, 3, 4, 12))
        self.assertEqual(complaint.step, 'resolved')

    def test_return_needs_a_done_delivery(self):
        complaint = self.complaint()
        with self.assertRaises(UserError) as error:
            complaint.sudo(self.agent).action_return()
        self.assertEqual(error.exception.name,
                         'Link the delivery the complaint is about first.')

    def test_replacement_order(self):
        complaint = self.about_order()
        action = complaint.sudo(self.agent).action_replacement_order()
        replacement = self.env['sale.order'].browse(action['res_id'])
        self.assertEqual(replacement.sudo(self.agent).complaint_id, complaint)
        self.assertEqual(replacement.order_line.product_id, self.widget)
        self.assertEqual(replacement.order_line.product_uom_qty, 2.0)
        self.assertEqual(replacement.order_line.discount, 100.0)
        self.assertEqual(replacement.amount_total, 0.0)
        self.assertEqual(complaint.cost_replacement, 0.0)
        with self.assertRaises(UserError) as error, self.env.cr.savepoint():
            self.move(complaint, self.stage_resolved, datetime(2024, 3, 4, 11))
        self.assertEqual(error.exception.name, (
            'Complaint %s cannot move to Resolved while its resolution documents are not done: '
            'replacement order %s is not confirmed.') % (complaint.name, replacement.name))
        replacement.action_confirm()
        self.assertEqual(complaint.cost_replacement, 80.0)
        self.assertEqual(self.order.sudo(self.agent).complaint_count, 1)

    def test_goodwill_and_discount_on_next_order(self):
        complaint = self.about_order()
        Goodwill = self.env['crm.complaint.goodwill'].sudo(self.agent)
        Goodwill.create({'complaint_id': complaint.id, 'kind': 'goodwill', 'amount': 25.0,
                         'description': 'Gift voucher'}).action_grant()
        Goodwill.create({'complaint_id': complaint.id, 'kind': 'discount',
                         'discount_percent': 10.0}).action_grant()
        self.assertEqual(complaint.benefit_count, 2)
        self.assertEqual(complaint.cost_goodwill, 25.0)
        discount = complaint.benefit_ids.filtered(lambda b: b.kind == 'discount')
        self.assertEqual(discount.description, '10.0 % off the next order')
        self.assertEqual(discount.partner_id, self.acme)
        next_order = self.env['sale.order'].sudo(self.agent).create({
            'partner_id': self.acme_contact.id, 'user_id': self.agent.id,
            'order_line': [(0, 0, {'product_id': self.widget.id, 'product_uom_qty': 3,
                                   'price_unit': 100.0, 'tax_id': [(6, 0, [])]})]})
        self.assertTrue(next_order.complaint_discount_available)
        next_order.action_apply_complaint_discount()
        self.assertEqual(next_order.order_line.discount, 10.0)
        self.assertEqual(next_order.amount_total, 270.0)
        self.assertEqual(discount.state, 'used')
        self.assertEqual(discount.sale_order_id, next_order)
        self.assertEqual(discount.cost, 30.0)
        self.assertEqual(complaint.cost_goodwill, 55.0)
        next_order.invalidate_cache()
        self.assertFalse(next_order.complaint_discount_available)
        with self.assertRaises(UserError) as error:
            next_order.action_apply_complaint_discount()
        self.assertEqual(error.exception.name,
                         'No complaint discount is waiting for %s.' % self.acme_contact.display_name)

    def test_turn_into_opportunity(self):
        complaint = self.about_order(description='Wants the premium model instead')
        action = complaint.sudo(self.agent).action_opportunity()
        lead = self.env['crm.lead'].browse(action['res_id'])
        self.assertEqual(lead.type, 'opportunity')
        self.assertEqual(lead.partner_id, self.acme_contact)
        self.assertEqual(lead.user_id, self.account_manager)
        self.assertEqual(lead.name, 'Win-back: Broken widget')
        self.assertEqual(action['type'], 'ir.actions.act_window_close',
                         "the agent does not see the account manager's pipeline")
        self.assertEqual(lead.complaint_id, complaint)
        self.assertEqual(complaint.sudo().lead_ids, lead)
        # it is in the account manager's pipeline
        self.assertEqual(lead.sudo(self.account_manager).read(['name'])[0]['name'],
                         'Win-back: Broken widget')

    def test_cost_of_the_complaint(self):
        complaint = self.about_order()
        self.credit(complaint, 50.0)
        replacement = self.env['sale.order'].browse(
            complaint.sudo(self.agent).action_replacement_order()['res_id'])
        replacement.action_confirm()
        self.env['crm.complaint.goodwill'].sudo(self.agent).create({
            'complaint_id': complaint.id, 'kind': 'goodwill', 'amount': 25.0}).action_grant()
        complaint.sudo(self.agent).write({'handling_hours': 2.0})
        self.assertEqual((complaint.cost_credit_notes, complaint.cost_replacement,
                          complaint.cost_goodwill, complaint.cost_handling, complaint.cost_total),
                         (50.0, 80.0, 25.0, 60.0, 215.0))
        # rolled up into crm_loyalty's cost to serve through its hook
        Value = self.env['crm.loyalty.value']
        extra = Value._cost_to_serve_extra(self.company, [self.acme.id, self.beta.id],
                                           '2024-01-01', '2024-12-31')
        self.assertEqual(extra, {self.acme.id: {
            'Complaints: credit notes': 50.0, 'Complaints: replacements': 80.0,
            'Complaints: goodwill': 25.0, 'Complaints: handling time': 60.0}})
        self.assertEqual(Value._cost_to_serve_extra(self.company, [self.acme.id],
                                                    '2025-01-01', '2025-12-31'), {})

    def test_loyalty_attitude_and_unresolved_hooks(self):
        Value = self.env['crm.loyalty.value']
        rated = []
        for score in (5, 2):
            complaint = self.complaint()
            self.move(complaint, self.stage_resolved, datetime(2024, 3, 4, 12))
            with self.clock(datetime(2024, 3, 4, 13)):
                complaint._record_followup('satisfied', '')
            self.move(complaint, self.stage_closed, datetime(2024, 3, 4, 14))
            with self.clock(datetime(2024, 3, 5, 9)):
                complaint.sudo(self.acme_portal).action_rate(score)
            rated.append(complaint)
        self.assertEqual(Value._attitude_scores(self.company, [self.acme.id, self.beta.id]),
                         {self.acme.id: 0.625})
        self.assertEqual(Value._unresolved_complaint_partner_ids(
            self.company, [self.acme.id, self.beta.id]), set())
        open_one = self.complaint(partner_id=self.beta_contact.id)
        self.assertEqual(Value._unresolved_complaint_partner_ids(
            self.company, [self.acme.id, self.beta.id]), {self.beta.id})
        with self.clock(datetime(2024, 3, 5, 9)):
            open_one.sudo(self.agent).action_reject()
        self.assertEqual(Value._unresolved_complaint_partner_ids(
            self.company, [self.beta.id]), {self.beta.id}, 'a rejected complaint stays unresolved')

    def test_top_class_customer_raises_churn_risk(self):
        # a buyer of the top class (the rule of crm_loyalty's lib/churn.py)
        beta_value = self.env['crm.loyalty.value'].create({
            'partner_id': self.beta.id, 'company_id': self.company.id,
            'tier_id': self.platinum.id, 'churn_risk': 'low', 'lifetime_frequency': 3})
        self.beta.user_id = self.account_manager
        complaint = self.complaint(partner_id=self.beta_contact.id)
        self.assertTrue(complaint.is_top_customer)
        self.assertEqual(complaint.priority, '3')
        self.assertEqual(beta_value.churn_risk, 'high')
        activity = self.env['mail.activity'].search([
            ('res_model', '=', 'crm.complaint'), ('res_id', '=', complaint.id),
            ('activity_type_id', '=', self.env.ref('crm_complaints.mail_activity_top_customer').id)])
        self.assertEqual(activity.user_id, self.account_manager)
        self.assertEqual(activity.summary, 'Top class customer complained: %s' % complaint.name)
        # a gold customer is not the top class: nothing changes
        gold = self.complaint()
        self.assertFalse(gold.is_top_customer)
        self.assertEqual(self.acme_value.churn_risk, 'low')
