import odoo.tests
from odoo import SUPERUSER_ID, api, fields

from .common import CampaignCase

TOUR = "odoo.__DEBUG__.services['web_tour.tour']"


@odoo.tests.common.at_install(False)
@odoo.tests.common.post_install(True)
class TestCampaignTour(odoo.tests.HttpCase):
    """The main job through the web client, in headless Chromium: build a campaign on a
    segment, score it, start the test, record responses, evaluate, roll out, see the ROI.

    Between the two parts of the tour the call centre's results come back as a file and the
    customers buy (posted invoices), as they would between two working sessions.
    """

    def setUp(self):
        super(TestCampaignTour, self).setUp()
        # Odoo 11 serves the browser's requests on the registry's test cursor, not on the
        # test's own: the fixtures go there, and a savepoint (the test cursor's commit) keeps
        # them when a request rolls back.
        env = self.env = api.Environment(self.registry.test_cr, SUPERUSER_ID, {})
        self.manager = env['res.users'].with_context(no_reset_password=True).create({
            'name': 'Tour Manager', 'login': 'tour_campaign_manager',
            'password': 'tour_campaign_manager', 'email': 'tour.manager@example.com',
            'groups_id': [(6, 0, [env.ref('base.group_user').id,
                                  env.ref('crm_campaigns.group_campaign_manager').id])],
        })
        tag = env['res.partner.category'].create({'name': 'Tour customers'})
        self.segment = env['crm.campaign.segment'].create({
            'name': 'Tour audience', 'partner_domain': "[('category_id', 'in', [%d])]" % tag.id,
            'value_domain': "[('churn_risk', 'in', ['medium', 'high'])]"})
        env['crm.campaign.scoring.model'].create({
            'name': 'Tour win-back model', 'campaign_type': 'winback',
            'variable_ids': [
                (0, 0, {'feature': 'recency_days', 'weight': 2.0, 'invert': True}),
                (0, 0, {'feature': 'monetary', 'transform': 'log'}),
            ]})
        self.partners = env['res.partner']
        Value = env['crm.loyalty.value']
        for index in range(400):
            partner = env['res.partner'].create({
                'name': 'Tour customer %03d' % index, 'is_company': True, 'customer': True,
                'email': 'tour%03d@example.com' % index, 'category_id': [(6, 0, [tag.id])]})
            Value.create({'partner_id': partner.id, 'company_id': env.user.company_id.id,
                          'recency_days': 30 + (index * 13) % 300, 'frequency': 2 + index % 6,
                          'monetary': 200.0 + 7.0 * index, 'margin': 60.0 + 2.0 * index,
                          'churn_risk': ('medium', 'high')[index % 2], 'segment': 'at_risk'})
            self.partners |= partner
        self.product = env['product.product'].create({
            'name': 'Tour widget', 'list_price': 100.0, 'standard_price': 60.0})
        env.cr.commit()

    def authenticate(self, user, password):
        """The session is made on the test cursor too, where the tour's user exists."""
        own, self.cr = self.cr, self.registry.test_cr
        try:
            return super(TestCampaignTour, self).authenticate(user, password)
        finally:
            self.cr = own

    def _buy(self, partners):
        account = self.env['account.account'].search([
            ('company_id', '=', self.env.user.company_id.id),
            ('user_type_id', '=', self.env.ref('account.data_account_type_revenue').id)],
            limit=1)
        for partner in partners:
            invoice = self.env['account.invoice'].create({
                'partner_id': partner.id, 'date_invoice': fields.Date.today(),
                'invoice_line_ids': [(0, 0, {
                    'product_id': self.product.id, 'name': 'Tour widget', 'quantity': 1,
                    'price_unit': 100.0, 'account_id': account.id})]})
            invoice.action_invoice_open()

    def test_campaign_tour(self):
        self.phantom_js('/web', "%s.run('crm_campaigns_tour_test')" % TOUR,
                        "%s.tours.crm_campaigns_tour_test.ready" % TOUR,
                        login='tour_campaign_manager', timeout=120)
        self.env['crm.campaign'].invalidate_cache()
        campaign = self.env['crm.campaign'].search([('name', '=', 'Tour win-back')])
        self.assertEqual(campaign.state, 'testing')
        self.assertEqual(campaign.segment_id, self.segment)
        self.assertEqual((campaign.selected_count, campaign.test_count,
                          campaign.holdout_count), (400, 160, 120))
        self.assertEqual((campaign.accepted_count, campaign.rejected_count), (1, 1))
        test = campaign.target_ids.filtered(lambda t: t.target_group == 'test').sorted(
            lambda t: (-t.expected_profit, t.id))
        holdout = campaign.target_ids.filtered(lambda t: t.target_group == 'holdout')
        # the call centre's file: 40 more acceptances and 30 rejections
        rows = [['Target', 'Customer ID', 'Response', 'Rejection Reason']]
        rows += [[t.id, t.partner_id.id, 'Accepted', ''] for t in test[2:42]]
        rows += [[t.id, t.partner_id.id, 'Rejected', 'Bad timing'] for t in test[42:72]]
        wizard = self.env['crm.campaign.result.import'].sudo(self.manager).create({
            'campaign_id': campaign.id, 'file': CampaignCase.xlsx(rows)})
        wizard.action_import()
        self.assertEqual((wizard.applied_count, wizard.error_count), (70, 0))
        # who accepted buys; a few of the holdout buy anyway
        self._buy(test[:42].mapped('partner_id') | holdout[:6].mapped('partner_id'))
        # the HttpCase test cursor: commit makes the data visible to the browser's requests
        # and is rolled back with the test
        self.env.cr.commit()  # pylint: disable=invalid-commit
        self.phantom_js('/web#id=%d&model=crm.campaign&view_type=form' % campaign.id,
                        "%s.run('crm_campaigns_tour_evaluate')" % TOUR,
                        "%s.tours.crm_campaigns_tour_evaluate.ready" % TOUR,
                        login='tour_campaign_manager', timeout=120)
        self.env['crm.campaign'].invalidate_cache()
        self.assertEqual(campaign.state, 'rollout')
        self.assertEqual(campaign.decision, 'go')
        self.assertEqual((campaign.eval_test_converted, campaign.eval_holdout_converted),
                         (42, 6))
        self.assertEqual(campaign.contacted_count, 280)
        self.assertFalse(any(holdout.mapped('contacted_date')))
        # 42 invoices of 100 with a cost of 60 attributed; cost: 280 emails at 1, no fixed cost
        self.assertEqual(campaign.attributed_margin, 42 * 40.0)
        self.assertEqual(campaign.cost_total, 280.0)
        self.assertAlmostEqual(campaign.roi, (1680.0 - 280.0) / 280.0, delta=1e-9)
