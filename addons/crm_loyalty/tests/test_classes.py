from datetime import date

import numpy as np

from ..lib.bulk import INT_NULL
from .common import LoyaltyCase


class TestClasses(LoyaltyCase):
    """Classes on the monetary metric: Bronze >= 1, Silver >= 1000 (keep 800),
    Gold >= 5000 (keep 4000, with a pricelist); grace 30 days."""

    @classmethod
    def setUpFixtures(cls):
        cls.neda = cls.customer('Neda', user_id=cls.salesman.id)
        cls.invoice(cls.neda, '2024-06-01', 6000, quantity=60)
        cls.omid = cls.customer('Omid', user_id=cls.salesman.id)
        cls.invoice(cls.omid, '2024-06-02', 1200, quantity=12)
        cls.first = cls.review()

    def test_first_classification_is_silent_but_recorded(self):
        value = self.value(self.neda)
        self.assertEqual(value.tier_id, self.gold)
        self.assertTrue(self.first.initial)
        history = value.history_ids
        self.assertEqual(len(history), 1)
        self.assertEqual((history.event, history.from_tier_id.id, history.to_tier_id,
                          history.metric_value, history.threshold),
                         ('upgrade', False, self.gold, 6000.0, 5000.0))
        self.assertEqual(history.monetary, 6000.0)
        self.assertFalse(self.env['mail.activity'].search([('res_id', '=', self.neda.id),
                                                           ('res_model', '=', 'res.partner')]))

    def test_class_pricelist_becomes_partner_pricelist_and_sale_order_uses_it(self):
        self.assertEqual(self.neda.property_product_pricelist, self.pricelist_gold)
        self.assertNotEqual(self.omid.property_product_pricelist, self.pricelist_gold)
        order = self.env['sale.order'].sudo(self.salesman).new({'partner_id': self.neda.id})
        order.onchange_partner_id()
        self.assertEqual(order.pricelist_id, self.pricelist_gold)
        saved = self.env['sale.order'].create({'partner_id': self.neda.id})
        self.assertEqual(saved.partner_loyalty_tier_id, self.gold)

    def test_hysteresis_grace_and_one_level_per_review(self):
        value = self.value(self.neda)
        # 2024-07-31: the June invoice is still in the window -> nothing changes
        # a credit note brings the window revenue to 4500: below Gold (5000) but above keep
        self.invoice(self.neda, '2024-06-20', 1500, kind='out_refund', quantity=15)
        self.review(date(2024, 7, 1))
        self.assertEqual((value.tier_id, value.downgrade_pending_since), (self.gold, False))
        self.assertEqual(value.computed_tier_id, self.silver)
        # another credit note: 500 < keep 4000 -> warning, class kept, retention activity
        self.invoice(self.neda, '2024-06-21', 4000, kind='out_refund', quantity=40)
        self.review(date(2024, 7, 2))
        self.assertEqual((value.tier_id, value.downgrade_pending_since), (self.gold, '2024-07-02'))
        activity = self.env['mail.activity'].search([('res_id', '=', self.neda.id),
                                                     ('res_model', '=', 'res.partner')])
        self.assertEqual(activity.summary, 'Retention call: Gold class at risk')
        self.assertEqual(activity.user_id, self.salesman)
        self.assertEqual(value.history_ids[0].event, 'at_risk')
        # within the grace period: nothing
        self.review(date(2024, 7, 20))
        self.assertEqual(value.tier_id, self.gold)
        # grace over: one level down (Silver), not straight to Bronze
        self.review(date(2024, 8, 2))
        self.assertEqual(value.tier_id, self.silver)
        self.assertEqual(value.history_ids[0].event, 'downgrade')
        self.assertIn('Gold', value.history_ids[0].from_tier_id.name)
        self.assertNotEqual(self.neda.property_product_pricelist, self.pricelist_gold)
        # a second review the same day changes nothing
        self.review(date(2024, 8, 2))
        self.assertEqual(value.tier_id, self.silver)
        # next day: one more level down
        self.review(date(2024, 8, 3))
        self.assertEqual(value.tier_id, self.bronze)
        messages = self.neda.message_ids.mapped('body')
        self.assertTrue(any('Gold → Silver' in body for body in messages))

    def test_lock_with_reason_keeps_class(self):
        value = self.value(self.omid)
        value.sudo(self.loyalty_manager).lock_tier(self.gold, 'Strategic account')
        self.assertEqual((value.tier_id, value.tier_locked, value.lock_reason),
                         (self.gold, True, 'Strategic account'))
        self.assertEqual(self.omid.property_product_pricelist, self.pricelist_gold)
        self.review(date(2024, 7, 1))
        self.assertEqual(value.tier_id, self.gold)
        self.assertEqual(value.computed_tier_id, self.silver)
        self.assertEqual(value.history_ids[0].event, 'lock')
        value.sudo(self.loyalty_manager).action_unlock()
        self.review(date(2024, 7, 1))
        self.assertFalse(value.tier_locked)

    def test_realtime_upgrade_on_invoice_validation(self):
        value = self.value(self.omid)
        self.assertEqual(value.tier_id, self.silver)
        self.invoice(self.omid, '2024-06-25', 4000, quantity=40)
        self.assertEqual(value.tier_id, self.gold)
        self.assertEqual(value.monetary, 5200.0)
        upgrade = value.history_ids.filtered(lambda h: h.origin == 'Invoice validated')
        self.assertEqual((upgrade.event, upgrade.from_tier_id, upgrade.to_tier_id,
                          upgrade.date), ('upgrade', self.silver, self.gold, '2024-06-25'))
        activity = self.env['mail.activity'].search([('res_id', '=', self.omid.id),
                                                     ('res_model', '=', 'res.partner')])
        self.assertEqual((activity.summary, activity.user_id), ('Welcome to Gold', self.salesman))
        self.assertEqual(self.omid.property_product_pricelist, self.pricelist_gold)

    def test_realtime_never_downgrades(self):
        self.invoice(self.neda, '2024-06-25', 5500, kind='out_refund', quantity=55)
        self.assertEqual(self.value(self.neda).tier_id, self.gold)

    def test_dry_run_previews_without_writing(self):
        self.invoice(self.omid, '2024-06-26', 4000, quantity=40)  # real-time: Gold
        self.invoice(self.neda, '2024-06-27', 5500, kind='out_refund', quantity=55)
        wizard = self.env['crm.loyalty.review.start'].sudo(self.loyalty_manager).create(
            {'company_id': self.company.id, 'date': '2024-06-30'})
        wizard.action_preview()
        line = wizard.line_ids
        self.assertEqual(len(line), 1)
        self.assertEqual((line.partner_id, line.event, line.from_tier_id),
                         (self.neda, 'at_risk', self.gold))
        self.assertEqual(self.value(self.neda).downgrade_pending_since, False)

    def test_dry_run_pricelist_cost(self):
        self.company.loyalty_realtime_upgrade = False
        self.invoice(self.omid, '2024-06-26', 4000, quantity=40)
        wizard = self.env['crm.loyalty.review.start'].sudo(self.loyalty_manager).create(
            {'company_id': self.company.id, 'date': '2024-06-30'})
        wizard.action_preview()
        line = wizard.line_ids
        self.assertEqual((line.partner_id, line.event, line.to_tier_id),
                         (self.omid, 'upgrade', self.gold))
        # 52 units bought at list price 100; Gold gives 10 % off -> 520 less revenue
        self.assertEqual(line.pricelist_cost, 520.0)
        self.assertEqual(wizard.pricelist_cost, 520.0)
        self.assertEqual(self.value(self.omid).tier_id, self.silver)

    def test_set_based_notes_and_activities_match_the_orm(self):
        """The review writes its notes and activities set-based: the rows are those
        message_post and mail.activity.create write, and a partner with a follower of notes
        still gets message_post, so that the follower is notified."""
        Bulk = self.env['crm.suite.bulk'].sudo(self.loyalty_manager)
        Partner = self.env['res.partner']
        body = 'Loyalty class: A → B <b>5</b> & more'
        Bulk._post_note(self.omid, body)
        Bulk._post_notes('res.partner', {self.neda.id: body})
        fields_ = ['body', 'record_name', 'reply_to', 'email_from', 'author_id', 'subtype_id',
                   'message_type', 'model', 'needaction_partner_ids', 'create_uid']
        by_orm, bulk = [Partner.browse(pid).message_ids[0]
                        for pid in (self.omid.id, self.neda.id)]
        self.assertEqual(bulk.record_name, 'Neda')
        self.assertEqual(bulk.body, '<p>Loyalty class: A → B <b>5</b> &amp; more</p>')
        self.assertEqual(bulk.read(fields_)[0], dict(by_orm.read(fields_)[0], id=bulk.id,
                                                     record_name='Neda'))
        self.assertRegex(bulk.message_id, r'^<\d+\.\d+\.\d+-openerp-%d-res.partner@'
                         % self.neda.id)
        # a user following Neda's notes: the note goes through message_post and notifies her
        follower = self.loyalty_user.partner_id
        self.neda.message_subscribe(partner_ids=[follower.id],
                                    subtype_ids=[self.env.ref('mail.mt_note').id])
        Bulk._post_notes('res.partner', {self.neda.id: 'Second note',
                                         self.omid.id: 'Note for Omid'})
        self.assertEqual(self.neda.message_ids[0].needaction_partner_ids, follower)
        self.assertFalse(self.omid.message_ids[0].needaction_partner_ids)
        self.assertEqual(self.omid.message_ids[0].body, '<p>Note for Omid</p>')
        # activities
        call = self.env.ref('mail.mail_activity_data_call')
        Bulk._create_activities(
            'res.partner', [(self.neda.id, call.id, self.salesman.id, 'Call her', 'figures <1>')])
        by_orm = self.env['mail.activity'].sudo().create({
            'res_model_id': self.env['ir.model']._get('res.partner').id,
            'res_id': self.omid.id, 'activity_type_id': call.id, 'summary': 'Call her',
            'note': 'figures <1>', 'user_id': self.salesman.id})
        bulk = self.neda.activity_ids
        fields_ = ['res_model', 'res_name', 'activity_type_id', 'summary', 'note', 'user_id',
                   'date_deadline', 'state', 'create_uid']
        self.assertEqual(bulk.read(fields_)[0], dict(by_orm.read(fields_)[0], id=bulk.id,
                                                     res_name='Neda'))
        self.assertEqual(self.neda.activity_user_id, self.salesman)
        self.env.cr.execute("SELECT activity_date_deadline FROM res_partner WHERE id = %s",
                            (self.neda.id,))
        self.assertEqual(str(self.env.cr.fetchone()[0]), bulk.date_deadline)
        # the salesperson follows the partner, with the default subtypes, as the ORM does
        followers = self.env['mail.followers'].search([
            ('res_model', '=', 'res.partner'), ('res_id', 'in', (self.neda | self.omid).ids),
            ('partner_id', '=', self.salesman.partner_id.id)])
        self.assertEqual(followers.mapped('res_id'), [self.neda.id, self.omid.id]
                         if followers[0].res_id == self.neda.id else
                         [self.omid.id, self.neda.id])
        self.assertEqual(followers[0].subtype_ids, followers[1].subtype_ids)


class TestBulkLayer(LoyaltyCase):
    """The suite's bulk layer writes new rows in the order it is given them."""

    def test_new_rows_get_ids_in_the_order_given(self):
        # more distinct texts than are decoded by subscript: decoded by a join, whose plan
        # must not reorder the rows (campaigns draw their test groups by target id)
        names = ['Bulk tag %03d' % ((index * 37) % 150) for index in range(150)]
        count, created = self.env['crm.suite.bulk']._copy_write(
            'res.partner.category', ['id', 'name', 'color'],
            [np.full(150, INT_NULL, dtype=np.int64), names, np.arange(150, dtype=np.int64)],
            compare=('name',), constants={'active': True}, returning='name')
        self.assertEqual(count, 150)
        ids = [created[name] for name in names]
        self.assertEqual(ids, sorted(ids))
        tags = self.env['res.partner.category'].browse(ids)
        self.assertEqual(tags.mapped('name'), names)
        self.assertEqual(tags.mapped('color'), list(range(150)))
