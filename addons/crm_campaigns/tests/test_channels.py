import base64

import xlrd

from odoo.exceptions import UserError

from .common import CampaignCase


class TestChannels(CampaignCase):
    """Every channel reaches exactly the contacted group, never the holdout."""

    @classmethod
    def setUpClass(cls):
        super(TestChannels, cls).setUpClass()
        cls.by_email = cls.env['res.partner']
        cls.by_phone = cls.env['res.partner']
        cls.by_letter = cls.env['res.partner']
        for index in range(20):
            figures = {'recency_days': 10 + index * 7, 'frequency': 1 + index % 8,
                       'monetary': 500.0 + 50 * index, 'segment': 'loyal'}
            cls.by_email |= cls.make_customer('Mail %02d' % index, dict(figures))
            cls.by_phone |= cls.make_customer('Call %02d' % index, dict(figures), email=False,
                                              user_id=cls.salesman.id)
            cls.by_letter |= cls.make_customer('Post %02d' % index, dict(figures), email=False,
                                               phone=False)
        cls.campaign = cls.make_campaign(test_share=40.0, holdout_share=40.0, channel_ids=[
            (0, 0, {'channel': 'email', 'cost_per_contact': 0.5, 'sequence': 1}),
            (0, 0, {'channel': 'call_centre', 'cost_per_contact': 3.0, 'sequence': 2}),
            (0, 0, {'channel': 'letter', 'cost_per_contact': 2.0, 'sequence': 3}),
        ], mail_subject='Come back', mail_body='<p>We miss you</p>')
        cls.campaign.sudo(cls.manager).action_score()
        cls.campaign.sudo(cls.manager).action_start_test()

    def group(self, group, channel):
        return self.campaign.target_ids.filtered(
            lambda t: t.target_group == group and t.channel == channel)

    def test_channel_assignment(self):
        targets = self.campaign.target_ids
        self.assertEqual(set(targets.filtered(lambda t: t.partner_id in self.by_email)
                             .mapped('channel')), {'email'})
        self.assertEqual(set(targets.filtered(lambda t: t.partner_id in self.by_phone)
                             .mapped('channel')), {'call_centre'})
        self.assertEqual(set(targets.filtered(lambda t: t.partner_id in self.by_letter)
                             .mapped('channel')), {'letter'})
        self.assertEqual(set(targets.filtered(lambda t: t.channel == 'letter')
                             .mapped('contact_cost')), {2.0})
        self.assertEqual((self.campaign.test_count, self.campaign.holdout_count), (24, 24))

    def test_email_reaches_exactly_the_test_group(self):
        mailing = self.campaign.target_ids.mapped('mailing_id')
        self.assertEqual(len(mailing), 1)
        test_partners = self.group('test', 'email').mapped('partner_id')
        holdout_partners = self.campaign.target_ids.filtered(
            lambda t: t.target_group == 'holdout').mapped('partner_id')
        self.assertTrue(test_partners)
        self.assertEqual(set(mailing.get_recipients()), set(test_partners.ids))
        self.assertEqual(mailing.campaign_id, self.campaign.utm_campaign_id)
        self.assertEqual(mailing.mailing_model_real, 'res.partner')
        self.assertEqual(mailing.state, 'in_queue')
        mailing.sudo(self.manager).send_mail()
        sent = set(self.env['mail.mail.statistics'].search(
            [('mass_mailing_id', '=', mailing.id)]).mapped('res_id'))
        self.assertEqual(sent, set(test_partners.ids))
        self.assertFalse(sent & set(holdout_partners.ids))

    def test_an_email_campaign_without_text_is_refused_before_anyone_is_contacted(self):
        campaign = self.make_campaign(name='Silent', offer_description=False,
                                      mail_body='<p><br></p>', channel_ids=[
                                          (0, 0, {'channel': 'email', 'cost_per_contact': 0.5})])
        campaign.sudo(self.manager).action_score()
        message = ("Campaign Silent has no e-mail to send: write its e-mail text or its offer "
                   "description first.")
        with self.assertRaises(UserError) as caught:
            campaign.sudo(self.manager).action_start_test()
        self.assertEqual(caught.exception.name, message)
        self.assertEqual(campaign.state, 'scored')
        self.assertFalse(campaign.target_ids.filtered('contacted_date'))
        self.assertFalse(campaign.target_ids.mapped('mailing_id'))
        # the win-back enrolment contacts through the same door
        with self.assertRaises(UserError) as caught:
            campaign._create_mailing(campaign.target_ids[:1])
        self.assertEqual(caught.exception.name, message)
        campaign.sudo(self.manager).offer_description = 'A gift with your next order.'
        campaign.sudo(self.manager).action_start_test()
        self.assertEqual(campaign.state, 'testing')

    def test_letters_print_only_the_contacted_group(self):
        action = self.campaign.sudo(self.user).action_print_letters()
        self.assertEqual(action['report_name'], 'crm_campaigns.crm_campaign_letter_document')
        letters = self.group('test', 'letter')
        self.assertEqual(sorted(action['context']['active_ids']), sorted(letters.ids))
        report = self.env.ref('crm_campaigns.crm_campaign_target_letter_report')
        html = report.sudo(self.user).render_qweb_html(letters.ids)[0].decode()
        for target in letters:
            self.assertIn(target.partner_id.name, html)
        for target in self.group('holdout', 'letter') | self.group('rollout', 'letter'):
            self.assertNotIn(target.partner_id.name, html)
        self.assertIn('Spring win-back', html)

    def test_call_centre_file_holds_only_the_contacted_group(self):
        action = self.campaign.sudo(self.user).action_export_call_centre()
        self.assertEqual(action['report_type'], 'xlsx')
        report = self.env.ref('crm_campaigns.crm_campaign_call_centre_xlsx')
        content, kind = report.sudo(self.user).render(self.campaign.ids, {})
        self.assertEqual(kind, 'xlsx')
        sheet = xlrd.open_workbook(file_contents=content).sheet_by_index(0)
        self.assertEqual(sheet.row_values(0)[:3], ['Target', 'Customer ID', 'Customer'])
        exported = {int(sheet.cell_value(row, 0)) for row in range(1, sheet.nrows)}
        self.assertEqual(exported, set(self.group('test', 'call_centre').ids))
        self.assertFalse(exported & set(self.group('holdout', 'call_centre').ids))
        self.assertEqual(sheet.cell_value(1, 8), 'Pending')

    def test_phone_calls_are_activities_for_the_salesperson(self):
        campaign = self.make_campaign(name='Call campaign', test_share=40.0, holdout_share=40.0,
                                      channel_ids=[(0, 0, {'channel': 'phone',
                                                           'cost_per_contact': 4.0})],
                                      segment_id=self.env['crm.campaign.segment'].create({
                                          'name': 'Callable', 'partner_domain': repr([
                                              ('id', 'in', self.by_phone.ids)])}).id)
        campaign.sudo(self.manager).action_score()
        campaign.sudo(self.manager).action_start_test()
        activities = self.env['mail.activity'].search([
            ('res_model', '=', 'crm.campaign.target'),
            ('res_id', 'in', campaign.target_ids.ids)])
        test = campaign.target_ids.filtered(lambda t: t.target_group == 'test')
        self.assertEqual(len(test), 8)
        self.assertEqual(sorted(activities.mapped('res_id')), sorted(test.ids))
        self.assertEqual(set(activities.mapped('date_deadline')), {'2024-03-08'})
        self.assertEqual(activities.mapped('user_id'), self.salesman)
        self.assertEqual(activities.mapped('activity_type_id'),
                         self.env.ref('mail.mail_activity_data_call'))
        # recording the response closes the call
        test[0].sudo(self.user).write({'response': 'no_answer'})
        self.assertEqual(len(activities.exists()), 7)

    def test_no_letters_when_none_contacted(self):
        campaign = self.make_campaign(name='Mail only', channel_ids=[
            (0, 0, {'channel': 'email', 'cost_per_contact': 0.5})])
        campaign.sudo(self.manager).action_score()
        campaign.sudo(self.manager).action_start_test()
        with self.assertRaisesRegex(UserError, "No contacted target of this phase receives a "
                                               "letter."):
            campaign.sudo(self.user).action_print_letters()

    def test_call_centre_round_trip(self):
        """The exported file, filled in, comes back through the import."""
        report = self.env.ref('crm_campaigns.crm_campaign_call_centre_xlsx')
        content, _kind = report.render(self.campaign.ids, {})
        sheet = xlrd.open_workbook(file_contents=content).sheet_by_index(0)
        rows = [sheet.row_values(row) for row in range(sheet.nrows)]
        rows[1][8] = 'Accepted'
        rows[2][8] = 'Rejected'
        rows[2][9] = 'Price too high'
        wizard = self.env['crm.campaign.result.import'].sudo(self.user).create({
            'campaign_id': self.campaign.id, 'file': self.xlsx(rows),
            'filename': 'back.xlsx'})
        wizard.action_import()
        self.assertEqual((wizard.applied_count, wizard.error_count), (len(rows) - 1, 0))
        accepted = self.env['crm.campaign.target'].browse(int(rows[1][0]))
        self.assertEqual(accepted.response, 'accepted')
        self.assertTrue(accepted.lead_id)
        self.assertEqual(base64.b64decode(wizard.file)[:2], b'PK')
