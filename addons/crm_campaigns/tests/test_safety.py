"""Issue 11, "safe on a real database" (crm_campaigns): each attack as the least privileged user
who could make it."""
import os

from odoo.exceptions import AccessError
from odoo.addons.crm_loyalty.tests.walker import sudo_methods

from .common import CampaignCase

ADDON = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

#: Every method of crm_campaigns' models and wizards whose body runs ``sudo()`` itself.
DIRECT_SUDO = {
    ('crm.campaign', '_check_company'), ('crm.campaign.target', '_create_leads'),
    ('sale.order', '_scored_campaigns'), ('sale.order', '_campaign_offer'),
    ('crm.campaign.result.import', '_post_report'), ('crm.campaign.segment', '_check_domains'),
}
#: The public methods (callable over RPC) that reach one of them.
PUBLIC_SUDO_METHODS = {
    ('crm.campaign', 'create'), ('crm.campaign', 'write'),
    ('crm.campaign.target', 'write'), ('crm.campaign.target', 'action_accept'),
    ('crm.campaign.result.import', 'action_import'),
    ('crm.campaign.segment', 'create'), ('crm.campaign.segment', 'write'),
    ('sale.order', 'create'), ('sale.order.line', 'create'),
    ('sale.order.line', 'product_id_change'),
}


class SafetyCase(CampaignCase):

    @classmethod
    def setUpClass(cls):
        super(SafetyCase, cls).setUpClass()
        cls.make_audience(20)
        cls.campaign = cls.make_campaign(test_share=25.0, holdout_share=25.0,
                                         offer_type='discount', discount=15.0)
        cls.campaign.sudo(cls.manager).action_score()
        cls.campaign.sudo(cls.manager).action_start_test()
        cls.test = cls.campaign.target_ids.filtered(lambda t: t.target_group == 'test')
        cls.holdout = cls.campaign.target_ids.filtered(lambda t: t.target_group == 'holdout')
        Users = cls.env['res.users'].with_context(no_reset_password=True)
        cls.employee = Users.create({
            'name': 'Plain Employee', 'login': 'campaign_employee',
            'email': 'employee@example.com', 'company_id': cls.company.id,
            'company_ids': [(6, 0, [cls.company.id])],
            'groups_id': [(6, 0, [cls.env.ref('base.group_user').id])]})
        cls.portal = Users.create({
            'name': 'Portal Customer', 'login': 'campaign_portal',
            'partner_id': cls.test[0].partner_id.id, 'company_id': cls.company.id,
            'company_ids': [(6, 0, [cls.company.id])],
            'groups_id': [(6, 0, [cls.env.ref('base.group_portal').id])]})
        cls.order = cls.env['sale.order'].create({
            'partner_id': cls.test[0].partner_id.id,
            'campaign_id': cls.campaign.utm_campaign_id.id, 'pricelist_id': cls.pricelist.id,
            'order_line': [(0, 0, {'product_id': cls.product.id, 'product_uom_qty': 1.0,
                                   'price_unit': 100.0})]})


class TestSudoMethods(SafetyCase):
    """Access 2: every public method that reaches ``sudo()`` checks the caller's rights first."""

    def test_the_list_is_complete(self):
        self.assertEqual(sudo_methods(ADDON), DIRECT_SUDO)

    def _calls(self, user):
        env = self.env(user=user.id)
        target = env['crm.campaign.target'].browse(self.test[1].id)
        line = env['sale.order.line'].browse(self.order.order_line.id)
        return {
            ('crm.campaign', 'create'): lambda: env['crm.campaign'].create({'name': 'Intruder'}),
            ('crm.campaign', 'write'): lambda: env['crm.campaign'].browse(
                self.campaign.id).write({'name': 'Intruder'}),
            ('crm.campaign.target', 'write'): lambda: target.write({'response': 'accepted'}),
            ('crm.campaign.target', 'action_accept'): target.action_accept,
            ('crm.campaign.result.import', 'action_import'): lambda: env[
                'crm.campaign.result.import'].create({
                    'campaign_id': self.campaign.id,
                    'file': self.xlsx([['Target', 'Customer ID', 'Response'],
                                       [target.id, target.partner_id.id, 'accepted']]),
                }).action_import(),
            ('crm.campaign.segment', 'create'): lambda: env['crm.campaign.segment'].create({
                'name': 'Intruder', 'partner_domain': "[('name', '=', 'x')]"}),
            ('crm.campaign.segment', 'write'): lambda: env['crm.campaign.segment'].browse(
                self.segment.id).write({'partner_domain': "[('name', '=', 'x')]"}),
            ('sale.order', 'create'): lambda: env['sale.order'].create({
                'partner_id': self.test[1].partner_id.id,
                'campaign_id': self.campaign.utm_campaign_id.id}),
            ('sale.order.line', 'create'): lambda: env['sale.order.line'].create({
                'order_id': self.order.id, 'product_id': self.product.id,
                'product_uom_qty': 1.0, 'price_unit': 100.0}),
            ('sale.order.line', 'product_id_change'): line.product_id_change,
        }

    def _state(self):
        self.env.cache.invalidate()
        campaign = self.campaign
        return (self.env['crm.lead'].search_count([]), self.env['sale.order'].search_count([]),
                self.env['sale.order.line'].search_count([]),
                self.env['crm.campaign'].search_count([]), campaign.name,
                self.env['crm.campaign.segment'].search_count([]), self.segment.partner_domain,
                self.env['mail.message'].search_count([('model', '=', 'crm.campaign'),
                                                       ('res_id', '=', campaign.id)]),
                self.env['ir.attachment'].search_count([('res_model', '=', 'crm.campaign')]),
                tuple(campaign.target_ids.mapped('response')),
                self.order.order_line.discount)

    def test_portal_and_employee_refused(self):
        before = self._state()
        for user in (self.portal, self.employee):
            calls = self._calls(user)
            self.assertEqual(set(calls), PUBLIC_SUDO_METHODS)
            for key, call in sorted(calls.items()):
                with self.assertRaises(AccessError, msg='%s %s' % (user.login, key)), \
                        self.env.cr.savepoint():
                    call()
        self.assertEqual(self._state(), before)

    def test_salesman_without_campaign_group_refused(self):
        before = self._state()
        calls = self._calls(self.salesman)
        for key in (('crm.campaign', 'create'), ('crm.campaign', 'write'),
                    ('crm.campaign.segment', 'create'), ('crm.campaign.segment', 'write'),
                    ('crm.campaign.target', 'write'), ('crm.campaign.target', 'action_accept'),
                    ('crm.campaign.result.import', 'action_import')):
            with self.assertRaises(AccessError, msg=str(key)), self.env.cr.savepoint():
                calls[key]()
        self.assertEqual(self._state(), before)


class TestSystemFields(SafetyCase):
    """Access 6: what the campaign computes is never written by its users over RPC."""

    def _row(self, target):
        self.env.cr.execute("""
            SELECT target_group, converted, attributed_revenue::float8,
                   attributed_margin::float8, window_margin::float8, score_detail,
                   score::float8, selected, contacted_date, lead_id
              FROM crm_campaign_target WHERE id = %s""", (target.id,))
        return self.env.cr.fetchone()

    def test_user_cannot_move_a_holdout_member_into_the_test(self):
        holdout = self.holdout[0]
        before = self._row(holdout)
        self.assertEqual(before[0], 'holdout')
        target = holdout.sudo(self.user)
        for values in ({'target_group': 'test'}, {'converted': True},
                       {'attributed_margin': 1e6}, {'attributed_revenue': 1e6},
                       {'window_margin': 1e6}, {'score_detail': '[]'}, {'score': 99.0},
                       {'selected': False}, {'target_group': 'test', 'response_note': 'moved'}):
            with self.assertRaises(AccessError, msg=str(values)) as caught, \
                    self.env.cr.savepoint():
                target.write(values)
        self.assertEqual(caught.exception.name,
                         "Set by the campaign, not editable: Group.")
        self.assertEqual(self._row(holdout), before)
        # what users record stays writable
        self.test[0].sudo(self.user).write({'response_note': 'Called twice'})
        self.assertEqual(self.test[0].response_note, 'Called twice')

    def test_manager_cannot_write_results_or_create_targets(self):
        campaign = self.campaign.sudo(self.manager)
        for values in ({'state': 'evaluated'}, {'decision': 'go'}, {'eval_p_value': 0.001},
                       {'eval_uplift': 0.5}, {'calibrated': True}, {'decision_note': 'Fine'},
                       {'test_date': '2024-01-01'}):
            with self.assertRaises(AccessError, msg=str(values)), self.env.cr.savepoint():
                campaign.write(values)
        with self.assertRaises(AccessError) as caught, self.env.cr.savepoint():
            campaign.write({'state': 'rollout', 'decision': 'go', 'budget': 1.0})
        self.assertEqual(caught.exception.name,
                         "Set by the campaign, not editable: Decision, State.")
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            self.holdout[0].sudo(self.manager).write({'target_group': 'test'})
        partner = self.make_customer('Late joiner')
        Target = self.env['crm.campaign.target'].sudo(self.manager)
        with self.assertRaises(AccessError) as caught, self.env.cr.savepoint():
            Target.create({'campaign_id': self.campaign.id, 'company_id': self.company.id,
                           'partner_id': partner.id})
        self.assertEqual(caught.exception.name, "Targets are added by the campaign's scoring "
                                                "and enrolment only.")
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            Target.create({'campaign_id': self.campaign.id, 'company_id': self.company.id,
                           'partner_id': partner.id, 'target_group': 'test'})
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            Target.with_context(default_target_group='test').create({
                'campaign_id': self.campaign.id, 'company_id': self.company.id,
                'partner_id': partner.id})
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            self.env['crm.campaign'].sudo(self.manager).create({'name': 'Done already',
                                                                'state': 'done'})
        self.campaign.invalidate_cache()
        self.assertEqual((self.campaign.state, self.campaign.decision, self.campaign.calibrated),
                         ('testing', False, False))
        self.assertEqual(self.holdout[0].target_group, 'holdout')
        self.assertFalse(self.env['crm.campaign.target'].search(
            [('partner_id', '=', partner.id)]))
        # the campaign's own steps still write them
        campaign.write({'budget': 20000.0})
        self.assertEqual(self.campaign.budget, 20000.0)
