import base64

from odoo.exceptions import UserError, ValidationError

from .common import CampaignCase

HEADER = ['Target', 'Customer ID', 'Customer', 'Response', 'Rejection Reason', 'Response Date',
          'Note']


class TestResponses(CampaignCase):
    """Responses: accepted ones become opportunities, rejections carry their reason."""

    @classmethod
    def setUpClass(cls):
        super(TestResponses, cls).setUpClass()
        cls.make_audience(40)
        cls.team = cls.env['crm.team'].create({'name': 'Campaign team',
                                               'use_opportunities': True})
        cls.campaign = cls.make_campaign(test_share=50.0, holdout_share=25.0,
                                         team_id=cls.team.id,
                                         offer_description='10 % off the spring range')
        cls.campaign.sudo(cls.manager).action_score()
        cls.campaign.sudo(cls.manager).action_start_test()
        cls.test = cls.campaign.target_ids.filtered(lambda t: t.target_group == 'test')
        cls.holdout = cls.campaign.target_ids.filtered(lambda t: t.target_group == 'holdout')
        cls.rollout = cls.campaign.target_ids.filtered(lambda t: t.target_group == 'rollout')
        cls.price = cls.env.ref('crm_campaigns.rejection_reason_price')

    def test_accepted_becomes_an_opportunity(self):
        target = self.test[0]
        target.sudo(self.user).write({'response': 'accepted', 'response_note': 'Wants 20'})
        lead = target.lead_id
        self.assertEqual(lead.type, 'opportunity')
        self.assertEqual(lead.partner_id, target.partner_id)
        self.assertEqual(lead.team_id, self.team)
        self.assertEqual(lead.campaign_id, self.campaign.utm_campaign_id)
        self.assertEqual(lead.medium_id, self.env.ref('utm.utm_medium_email'))
        self.assertEqual(lead.crm_campaign_id, self.campaign)
        self.assertEqual(lead.name, 'Spring win-back: %s' % target.partner_id.name)
        self.assertEqual(lead.description, '10 % off the spring range\nWants 20')
        self.assertEqual(target.response_date, '2024-03-01')
        self.assertEqual(self.campaign.lead_count, 1)
        # accepting again creates no second opportunity
        target.sudo(self.user).write({'response': 'accepted'})
        self.assertEqual(self.env['crm.lead'].search_count(
            [('campaign_target_id', '=', target.id)]), 1)

    def test_rejection_needs_a_reason(self):
        target = self.test[1]
        with self.assertRaisesRegex(ValidationError, "A rejection needs its reason"), \
                self.env.cr.savepoint():
            target.sudo(self.user).write({'response': 'rejected'})
        target.sudo(self.user).write({'response': 'rejected',
                                      'rejection_reason_id': self.price.id})
        self.assertEqual(target.rejection_reason_id, self.price)
        self.assertFalse(target.lead_id)
        target.sudo(self.user).write({'response': 'no_answer'})
        self.assertFalse(target.rejection_reason_id)

    def test_new_quotation_carries_the_offer(self):
        self.campaign.sudo(self.manager).write({'offer_type': 'pricelist',
                                                'pricelist_id': self.pricelist.id})
        target = self.test[2]
        with self.assertRaisesRegex(UserError, "Record the acceptance before quoting."):
            target.sudo(self.user).action_new_quotation()
        target.sudo(self.user).action_accept()
        action = target.sudo(self.user).action_new_quotation()
        self.assertEqual(action['context']['default_campaign_id'],
                         self.campaign.utm_campaign_id.id)
        self.assertEqual(action['context']['default_pricelist_id'], self.pricelist.id)
        self.assertEqual(action['context']['default_opportunity_id'], target.lead_id.id)


class TestCallCentreImport(CampaignCase):
    """Every row applied or reported; a file failing as a whole applies nothing."""

    @classmethod
    def setUpClass(cls):
        super(TestCallCentreImport, cls).setUpClass()
        cls.make_audience(40)
        cls.outsider = cls.make_customer('Outsider', {'recency_days': 3})
        cls.campaign = cls.make_campaign(test_share=50.0, holdout_share=25.0)
        cls.campaign.sudo(cls.manager).action_score()
        cls.campaign.sudo(cls.manager).action_start_test()
        targets = cls.campaign.target_ids
        cls.test = targets.filtered(lambda t: t.target_group == 'test').sorted('id')
        cls.holdout = targets.filtered(lambda t: t.target_group == 'holdout')
        cls.rollout = targets.filtered(lambda t: t.target_group == 'rollout')

    def run_import(self, rows, user=None):
        wizard = self.env['crm.campaign.result.import'].sudo(user or self.user).create({
            'campaign_id': self.campaign.id, 'file': self.xlsx(rows), 'filename': 'cc.xlsx'})
        wizard.action_import()
        return wizard

    def row(self, target, response, reason='', date='', note=''):
        return [target.id, target.partner_id.id, target.partner_id.name, response, reason,
                date, note]

    def test_rows_applied_or_reported(self):
        t = self.test
        rows = [HEADER,
                self.row(t[0], 'Accepted', date='2024-02-28', note='Call back Monday'),
                self.row(t[1], 'rejected', 'Price too high'),
                self.row(t[2], 'No answer'),
                self.row(t[3], 'maybe'),
                self.row(t[4], 'Rejected'),
                self.row(t[5], 'Rejected', 'Too blue'),
                self.row(self.holdout[0], 'Accepted'),
                self.row(self.rollout[0], 'Accepted'),
                [999999999, self.outsider.id, 'Outsider', 'Accepted', '', '', ''],
                [t[6].id, self.outsider.id, 'Outsider', 'Accepted', '', '', ''],
                ['abc', t[7].partner_id.id, '', 'Accepted', '', '', ''],
                self.row(t[0], 'Accepted'),
                self.row(t[8], 'Accepted', date='2024-04-01'),
                self.row(t[9], 'Accepted', 'Price too high'),
                ['', '', '', '', '', '', ''],
                self.row(t[10], 'Accepted', date='01/02/2024')]
        wizard = self.run_import(rows)
        messages = {line.row: (line.status, line.message) for line in wizard.line_ids}
        self.assertEqual((wizard.applied_count, wizard.error_count), (3, 12))
        self.assertEqual(len(wizard.line_ids), 15)  # the blank line is no row
        self.assertEqual(messages[2], ('applied', 'Applied'))
        self.assertEqual(messages[3], ('applied', 'Applied'))
        self.assertEqual(messages[4], ('applied', 'Applied'))
        self.assertEqual(messages[5], ('error', "Unknown response 'maybe' (accepted, rejected, "
                                                "no answer, pending)."))
        self.assertEqual(messages[6], ('error', 'A rejection needs its reason.'))
        self.assertEqual(messages[7], ('error', "Unknown rejection reason 'Too blue'."))
        self.assertEqual(messages[8], ('error', 'This customer is in the holdout and was never '
                                                'contacted.'))
        self.assertEqual(messages[9], ('error', 'This customer has not been contacted yet.'))
        self.assertEqual(messages[10], ('error', 'Target 999999999 is not part of this '
                                                 'campaign.'))
        self.assertEqual(messages[11], ('error', 'Customer %d does not match target %d '
                                                 '(customer %d).' % (
                                                     self.outsider.id, t[6].id,
                                                     t[6].partner_id.id)))
        self.assertEqual(messages[12], ('error', "Target is not a number: 'abc'"))
        self.assertEqual(messages[13], ('error', 'Target %d already appears on row 2.' % t[0].id))
        self.assertEqual(messages[14], ('error', 'The response date lies in the future.'))
        self.assertEqual(messages[15], ('error', 'A rejection reason is given for a response '
                                                 'that is not a rejection.'))
        self.assertEqual(messages[17], ('error', "The response date is not a date "
                                                 "(YYYY-MM-DD): '01/02/2024'"))
        self.assertEqual((t[0].response, t[0].response_date, t[0].response_note),
                         ('accepted', '2024-02-28', 'Call back Monday'))
        self.assertTrue(t[0].lead_id)
        self.assertEqual(t[1].rejection_reason_id,
                         self.env.ref('crm_campaigns.rejection_reason_price'))
        self.assertEqual(t[2].response, 'no_answer')
        for target in (t[3], t[4], t[5], t[6], t[7], t[8], t[9], t[10]):
            self.assertEqual(target.response, 'pending')
        self.assertEqual(self.holdout[0].response, 'pending')
        self.assertFalse(self.holdout[0].lead_id)
        # the report stays on the campaign with the file
        message = self.campaign.message_ids[0]
        self.assertIn('3 rows applied, 12 rows not applied', message.body)
        self.assertIn('Row 5: Unknown response', message.body)
        self.assertEqual(message.attachment_ids.mapped('name'), ['cc.xlsx'])

    def test_file_failing_as_a_whole_applies_nothing(self):
        Import = self.env['crm.campaign.result.import'].sudo(self.user)
        bad = Import.create({'campaign_id': self.campaign.id,
                             'file': base64.b64encode(b'not a spreadsheet at all')})
        with self.assertRaisesRegex(UserError, "cannot be read as an XLSX workbook; nothing "
                                               "was imported"):
            bad.action_import()
        missing = Import.create({'campaign_id': self.campaign.id, 'file': self.xlsx([
            ['Target', 'Customer', 'Response'], self.row(self.test[0], 'Accepted')[:3]])})
        with self.assertRaisesRegex(UserError, "Columns missing: Customer ID. Nothing was "
                                               "imported"):
            missing.action_import()
        empty = Import.create({'campaign_id': self.campaign.id, 'file': self.xlsx([HEADER])})
        with self.assertRaisesRegex(UserError, "The file holds no result row; nothing was "
                                               "imported."):
            empty.action_import()
        nofile = Import.create({'campaign_id': self.campaign.id})
        with self.assertRaisesRegex(UserError, "Choose the XLSX file"):
            nofile.action_import()
        self.assertEqual(set(self.campaign.target_ids.mapped('response')), {'pending'})
        self.assertEqual(self.campaign.message_ids.filtered(
            lambda m: 'Call-centre results imported' in (m.body or '')), self.env['mail.message'])

    def test_import_refused_before_contact(self):
        draft = self.make_campaign(name='Not started')
        with self.assertRaisesRegex(UserError, "Results can be imported once the campaign has "
                                               "contacted customers."):
            draft.sudo(self.user).action_import_results()
