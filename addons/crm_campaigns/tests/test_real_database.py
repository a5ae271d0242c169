"""Issue 11 (crm_campaigns): costs, exports, segments, the cron and the results import on
real data and bad input, with exact values and exact messages."""
import base64
import os
import re
import traceback
from unittest.mock import patch

import xlrd

from odoo.addons.crm_loyalty.tests.common import xlsx_cells
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.tools import mute_logger

from ..wizards import crm_campaign_result_import
from .common import CampaignCase

NAMES = ['=HYPERLINK("http://x","y")', '+1', '-2', '@SUM(A1)']
PREFIX = 'Autumn win-back of the home mark'  # 32 characters
LOGGER = 'odoo.addons.crm_campaigns.models.crm_campaign'


class TestCosts(CampaignCase):
    """Data loss 2: bills never drop the planned costs they do not cover."""

    @classmethod
    def setUpClass(cls):
        super(TestCosts, cls).setUpClass()
        cls.make_audience(10)
        cls.vendor = cls.env['res.partner'].create({'name': 'Agency', 'supplier': True})
        cls.expense = cls.env['account.account'].search([
            ('company_id', '=', cls.company.id),
            ('user_type_id', '=', cls.env.ref('account.data_account_type_expenses').id)],
            limit=1)

    def bill(self, campaign, amount, kind='in_invoice'):
        bill = self.env['account.invoice'].create({
            'partner_id': self.vendor.id, 'type': kind, 'date_invoice': '2024-03-02',
            'invoice_line_ids': [(0, 0, {
                'name': 'Agency fee', 'quantity': 1, 'price_unit': amount,
                'account_id': self.expense.id,
                'account_analytic_id': campaign.analytic_account_id.id})]})
        bill.action_invoice_open()
        campaign.invalidate_cache()

    def figures(self, campaign):
        return (campaign.cost_planned, campaign.cost_contact_planned, campaign.cost_actual,
                campaign.cost_unbilled_fixed, campaign.cost_unbilled_contact,
                campaign.cost_total)

    def test_bills_replace_planned_costs_up_to_their_amount(self):
        campaign = self.make_campaign(fixed_cost=300.0, expected_margin=1000.0, channel_ids=[
            (0, 0, {'channel': 'email', 'cost_per_contact': 20.0})])
        campaign.sudo(self.manager).action_score()
        self.assertEqual(campaign.selected_count, 10)
        self.env.cr.execute("""
            UPDATE crm_campaign_target SET contacted_date = '2024-03-01'
             WHERE id IN (SELECT id FROM crm_campaign_target WHERE campaign_id = %s
                           ORDER BY id LIMIT 5)""", (campaign.id,))
        campaign.invalidate_cache()
        # planned: fixed 300 + 5 contacts at 20 = 400
        self.assertEqual(self.figures(campaign), (400.0, 100.0, 0.0, 300.0, 100.0, 400.0))
        # one small bill: it covers 50 of the fixed cost; 250 fixed and 100 contacts planned
        self.bill(campaign, 50.0)
        self.assertEqual(self.figures(campaign), (400.0, 100.0, 50.0, 250.0, 100.0, 400.0))
        # 330 billed: the fixed cost and 30 of the contacts are billed, 70 still planned
        self.bill(campaign, 280.0)
        self.assertEqual(self.figures(campaign), (400.0, 100.0, 330.0, 0.0, 70.0, 400.0))
        # a refund of 30 brings 30 of the contact costs back to planned
        self.bill(campaign, 30.0, kind='in_refund')
        self.assertEqual(self.figures(campaign), (400.0, 100.0, 300.0, 0.0, 100.0, 400.0))
        # bills beyond the plan count in full
        self.bill(campaign, 200.0)
        self.assertEqual(self.figures(campaign), (400.0, 100.0, 500.0, 0.0, 0.0, 500.0))
        self.assertEqual(campaign.roi, -1.0)

    def test_form_shows_billed_and_planned_costs(self):
        arch = self.env['crm.campaign'].sudo(self.user).fields_view_get(
            view_type='form')['arch']
        for name in ('cost_contact_planned', 'cost_planned', 'cost_actual',
                     'cost_unbilled_fixed', 'cost_unbilled_contact', 'cost_total'):
            self.assertIn('name="%s"' % name, arch)


class TestExports(CampaignCase):
    """Access 10 and bad input: text is never a formula; sheet names are unique and valid."""

    @classmethod
    def setUpClass(cls):
        super(TestExports, cls).setUpClass()
        cls.partners = cls.env['res.partner']
        for name in NAMES:
            cls.partners |= cls.make_customer(name, {'recency_days': 30, 'frequency': 3,
                                                     'monetary': 500.0})
        cls.make_audience(6)

    def contacted_campaign(self, name):
        """A testing campaign whose four formula-like customers are called by the call
        centre."""
        campaign = self.make_campaign(name=name, test_share=20.0, holdout_share=20.0,
                                      channel_ids=[(0, 0, {'channel': 'call_centre',
                                                           'cost_per_contact': 2.0})])
        campaign.sudo(self.manager).action_score()
        campaign.sudo(self.manager).action_start_test()
        self.env.cr.execute("""
            UPDATE crm_campaign_target
               SET target_group = CASE WHEN partner_id IN %(ids)s THEN 'test' ELSE 'rollout' END,
                   contacted_date = CASE WHEN partner_id IN %(ids)s THEN '2024-03-01'::date END,
                   channel = 'call_centre'
             WHERE campaign_id = %(campaign)s""", {'campaign': campaign.id,
                                                   'ids': tuple(self.partners.ids)})
        self.env['crm.campaign.target'].invalidate_cache()
        return campaign

    def test_formula_like_names_are_text(self):
        campaign = self.contacted_campaign('Formula test')
        report = self.env.ref('crm_campaigns.crm_campaign_call_centre_xlsx')
        content, _kind = report.sudo(self.user).render(campaign.ids, {})
        cells = xlsx_cells(content)['Formula test']
        column_c = sorted(cell for ref, cell in cells.items() if re.fullmatch(r'C\d+', ref))
        self.assertEqual(column_c, sorted([('s', 'Customer')] + [('s', n) for n in NAMES]))
        self.assertNotIn('f', {cell[0] for cell in cells.values()})
        report = self.env.ref('crm_campaigns.crm_campaign_xlsx')
        content, _kind = report.sudo(self.user).render(campaign.ids, {})
        sheets = xlsx_cells(content)
        names = {cell for ref, cell in sheets['Targets'].items() if re.fullmatch(r'B\d+', ref)}
        self.assertLessEqual({('s', n) for n in NAMES}, names)
        for sheet in sheets.values():
            self.assertNotIn('f', {cell[0] for cell in sheet.values()})

    def test_sheet_names_unique_and_valid(self):
        first = self.contacted_campaign(PREFIX + 'et, first')
        second = self.contacted_campaign(PREFIX + 'et, second')
        odd = self.contacted_campaign('Q1/Q2: [VIP]*?\\ calls')
        report = self.env.ref('crm_campaigns.crm_campaign_call_centre_xlsx')
        content, _kind = report.sudo(self.user).render((first | second | odd).ids, {})
        book = xlrd.open_workbook(file_contents=content)
        self.assertEqual(book.sheet_names(), [PREFIX[:31], PREFIX[:27] + ' (2)',
                                              'Q1Q2 VIP calls'])
        self.assertEqual([book.sheet_by_index(i).nrows for i in range(3)], [5, 5, 5])


class TestSegments(CampaignCase):
    """Bad input: an invalid segment domain is refused on save, shown in the form and never
    stops the cron for the other campaigns."""

    @classmethod
    def setUpClass(cls):
        super(TestSegments, cls).setUpClass()
        cls.make_audience(20)

    def test_invalid_domain_refused_on_save(self):
        Segment = self.env['crm.campaign.segment'].sudo(self.manager)
        cases = [
            ({'partner_domain': "[('no_such_field', '=', 1)]"},
             "The partner condition of the segment Bad is not valid: unknown field "
             "'no_such_field'."),
            ({'partner_domain': "[('name', '=',"},
             "The partner condition of the segment Bad is not valid: it must be a list of "
             "conditions such as [('city', '=', 'Tehran')]."),
            ({'value_domain': "{'a': 1}"},
             "The customer value condition of the segment Bad is not valid: it must be "
             "a list of conditions such as [('city', '=', 'Tehran')]."),
            ({'partner_domain': "[('id', 'in', 'abc')]"},
             "The partner condition of the segment Bad is not valid: the value of 'id' must be "
             "a list."),
            ({'partner_domain': "[('id', '>', 'abc')]"}, None),
        ]
        for values, message in cases:
            with self.assertRaises(ValidationError, msg=str(values)) as caught, \
                    self.env.cr.savepoint():
                Segment.create(dict(values, name='Bad'))
            if message:
                self.assertEqual(caught.exception.name, message)
        self.assertFalse(self.env['crm.campaign.segment'].search([('name', '=', 'Bad')]))
        # numbers in Persian digits are numbers
        tagged = "[('category_id', 'in', [%d])]" % self.tag.id
        persian = Segment.create({'name': 'Persian', 'partner_domain': tagged,
                                  'value_domain': "[('monetary', '>', '۵۰۰')]"})
        latin = Segment.create({'name': 'Latin', 'partner_domain': tagged,
                                'value_domain': "[('monetary', '>', 500)]"})
        # monetary 100 + 45 x index for 20 customers: above 500 from index 9
        self.assertEqual((persian.partner_count, latin.partner_count), (11, 11))
        good = Segment.create({'name': 'Good', 'value_domain': "[('clv', '>', 0)]"})
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            good.write({'partner_domain': "[('x', '=', 1)]"})
        self.assertEqual(good.partner_domain, '[]')

    def break_segment(self, segment, domain="[('no_such_field', '=', 1)]"):
        self.env.cr.execute('UPDATE crm_campaign_segment SET partner_domain = %s WHERE id = %s',
                            (domain, segment.id))
        segment.invalidate_cache()

    def test_broken_domain_in_the_form_and_actions(self):
        segment = self.env['crm.campaign.segment'].create({'name': 'Broken'})
        self.break_segment(segment)
        form = segment.sudo(self.user).read(['partner_count', 'domain_error'])[0]
        self.assertEqual(form['partner_count'], 0)
        self.assertEqual(form['domain_error'], "The partner condition of the segment Broken "
                                               "is not valid: unknown field 'no_such_field'.")
        campaign = self.make_campaign(segment_id=segment.id)
        with self.assertRaises(UserError) as caught:
            campaign.sudo(self.manager).action_score()
        self.assertEqual(caught.exception.name, form['domain_error'])
        with self.assertRaises(UserError):
            segment.sudo(self.user).action_view_partners()
        self.assertEqual((campaign.state, campaign.audience_count), ('draft', 0))

    def test_cron_goes_on_after_a_broken_campaign(self):
        broken_segment = self.env['crm.campaign.segment'].create({'name': 'Soon broken'})
        campaigns = self.env['crm.campaign']
        for name, segment in (('Good win-back', self.segment),
                              ('Broken win-back', broken_segment)):
            campaign = self.make_campaign(name=name, auto_enrol=True, call_due_days=3,
                                          holdout_share=20.0, test_share=20.0,
                                          segment_id=segment.id, channel_ids=[
                                              (0, 0, {'channel': 'phone',
                                                      'cost_per_contact': 4.0})])
            if segment == broken_segment:
                self.env.cr.execute(
                    'UPDATE crm_campaign_segment SET partner_domain = %s WHERE id = %s',
                    (repr([('category_id', 'in', [self.tag.id])]), segment.id))
                segment.invalidate_cache()
            campaign.sudo(self.manager).action_score()
            campaign.sudo(self.manager).action_start_test()
            campaigns |= campaign
        good, broken = campaigns
        self.break_segment(broken_segment)
        lapsing = self.make_customer('Lapsing', {'recency_days': 120, 'frequency': 5,
                                                 'monetary': 800.0, 'segment': 'loyal',
                                                 'churn_risk': 'high'})
        # the broken campaign comes first (newest first, same date: higher id first)
        self.assertEqual(self.env['crm.campaign'].search(
            [('id', 'in', campaigns.ids)]).ids, [broken.id, good.id])
        Campaign = self.env['crm.campaign']
        with mute_logger(LOGGER), self.at('2024-03-04'):
            self.assertTrue(Campaign._cron_winback_enrol())
            self.assertTrue(Campaign._cron_refresh_attribution())
        self.assertIn(lapsing, good.target_ids.mapped('partner_id'))
        self.assertNotIn(lapsing, broken.target_ids.mapped('partner_id'))
        messages = broken.message_ids.filtered(
            lambda m: 'could not enrol lapsed customers' in (m.body or ''))
        self.assertTrue(messages)
        self.assertIn("no_such_field", messages[0].body)


class TestImportLimits(CampaignCase):
    """Bad input: the results import checks its size before decoding, reads only the first
    sheet and stops at the row limit while reading."""

    @classmethod
    def setUpClass(cls):
        super(TestImportLimits, cls).setUpClass()
        cls.make_audience(10)
        cls.campaign = cls.make_campaign(test_share=40.0, holdout_share=20.0)
        cls.campaign.sudo(cls.manager).action_score()
        cls.campaign.sudo(cls.manager).action_start_test()
        cls.test = cls.campaign.target_ids.filtered(lambda t: t.target_group == 'test')

    def wizard(self, file):
        return self.env['crm.campaign.result.import'].sudo(self.user).create({
            'campaign_id': self.campaign.id, 'file': file})

    def rows(self, count):
        target = self.test[0]
        return [['Target', 'Customer ID', 'Response']] + [
            [target.id, target.partner_id.id, 'Accepted'] for _row in range(count)]

    def assert_refused(self, wizard, message):
        with self.assertRaises(UserError) as caught, self.env.cr.savepoint():
            wizard.action_import()
        self.assertEqual(caught.exception.name, message)
        self.assertEqual(set(self.campaign.target_ids.mapped('response')), {'pending'})

    def test_size_checked_before_decoding(self):
        file = self.xlsx(self.rows(3))
        wizard = self.wizard(file)
        limit = len(base64.b64decode(file)) - 1
        with patch.object(crm_campaign_result_import, 'MAX_FILE_BYTES', limit), \
                patch.object(crm_campaign_result_import.base64, 'b64decode',
                             side_effect=AssertionError('decoded')):
            self.assert_refused(wizard, "The file is larger than 20 MB; split it.")
        self.assert_refused(self.wizard(b'bm90IGEgd29ya2Jvb2s='),
                            "The file cannot be read as an XLSX workbook; nothing was "
                            "imported.")
        self.assert_refused(self.wizard(b'%%%not base64'),
                            "The file cannot be read as an XLSX workbook; nothing was "
                            "imported.")

    def test_row_limit_while_reading_the_first_sheet(self):
        wizard = self.wizard(self.xlsx(self.rows(4)))
        with patch.object(crm_campaign_result_import, 'MAX_ROWS', 3):
            self.assert_refused(wizard, "The file holds more than 3 rows; split it.")
        # a second sheet is never read: a huge one does not count, a broken one does not fail
        data = self.xlsx(self.rows(1), extra_sheet=[['x']] * 50)
        with patch.object(crm_campaign_result_import, 'MAX_ROWS', 3):
            wizard = self.wizard(data)
            wizard.action_import()
        self.assertEqual((wizard.applied_count, wizard.error_count), (1, 0))

    def test_every_row_not_applied_is_reported(self):
        target, second, third, fourth = self.test[:4]
        holdout = self.campaign.target_ids.filtered(lambda t: t.target_group == 'holdout')[0]

        def persian(number):
            return str(number).translate(str.maketrans('0123456789', '۰۱۲۳۴۵۶۷۸۹'))
        wizard = self.wizard(self.xlsx([
            ['Target', 'Customer ID', 'Response', 'Response Date'],
            [target.id, target.partner_id.id, 'Accepted'],
            ['۱۲۳abc', target.partner_id.id, 'Accepted'],
            [holdout.id, holdout.partner_id.id, 'Accepted'],
            [target.id, target.partner_id.id, 'x' * 5000],
            # ids in Persian digits are ids; a Jalali date is refused, not read as Gregorian
            [persian(second.id), persian(second.partner_id.id), 'No answer'],
            [third.id, third.partner_id.id, 'No answer', '1403-01-15'],
            [fourth.id, fourth.partner_id.id, 'No answer', '۱۴۰۳-۰۱-۱۵'],
        ]))
        wizard.action_import()
        self.assertEqual([(line.row, line.status, line.message) for line in wizard.line_ids], [
            (2, 'applied', 'Applied'),
            (3, 'error', "Target is not a number: '۱۲۳abc'"),
            (4, 'error', "This customer is in the holdout and was never contacted."),
            (5, 'error', "Target %d already appears on row 2." % target.id),
            (6, 'applied', 'Applied'),
            (7, 'error', "The response date is not a Gregorian date (YYYY-MM-DD): "
                         "'1403-01-15'"),
            (8, 'error', "The response date is not a date (YYYY-MM-DD): '۱۴۰۳-۰۱-۱۵'"),
        ])
        self.assertEqual((second.response, third.response), ('no_answer', 'pending'))
        with self.assertRaises(UserError) as caught:
            second.sudo(self.user).write({'response_date': '1403-01-15'})
        self.assertEqual(caught.exception.name, "The response date is not a Gregorian date "
                                                "(YYYY-MM-DD): '1403-01-15'")


class TestMalformedArguments(CampaignCase):
    """Bad input: public methods called with wrong types, missing or foreign ids, huge strings
    and Persian digits answer with a clear error and write nothing."""

    @classmethod
    def setUpClass(cls):
        super(TestMalformedArguments, cls).setUpClass()
        cls.make_audience(10)
        cls.campaign = cls.make_campaign(test_share=40.0, holdout_share=20.0)
        cls.campaign.sudo(cls.manager).action_score()
        cls.other_company = cls.env['res.company'].create({'name': 'Campaign Other Co'})
        cls.foreign = cls.env['crm.campaign'].create({
            'name': 'Foreign', 'company_id': cls.other_company.id})

    def test_scoring_model_probability(self):
        model = self.model.sudo(self.user)
        self.assertEqual([round(p, 6) for p in model.probability([50, '۵۰'])],
                         [round(p, 6) for p in model.probability([50.0, 50.0])])
        for scores in ('x' * 100000, {'a': 1}, [1, 'x'], None, [[1, 2]]):
            with self.assertRaises(UserError, msg=repr(scores)[:40]) as caught:
                model.probability(scores)
            self.assertEqual(caught.exception.name, "Scores must be a list of numbers.")

    def test_missing_and_foreign_ids(self):
        Campaign = self.env['crm.campaign'].sudo(self.manager)
        for method in ('action_score', 'action_start_test', 'action_evaluate',
                       'action_extend_test', 'action_rollout', 'action_done', 'action_cancel',
                       'action_draft', 'action_refresh_results', 'action_print_letters',
                       'action_export_call_centre', 'action_import_results'):
            for record in (Campaign.browse(2147480000), Campaign.browse(self.foreign.id)):
                with self.assertRaises((AccessError, MissingError, UserError), msg=method), \
                        self.env.cr.savepoint():
                    getattr(record, method)()
        self.foreign.invalidate_cache()
        self.assertEqual(self.foreign.state, 'draft')
        Target = self.env['crm.campaign.target'].sudo(self.user)
        for method in ('action_accept', 'action_no_answer', 'action_new_quotation'):
            with self.assertRaises((AccessError, MissingError, UserError), msg=method), \
                    self.env.cr.savepoint():
                getattr(Target.browse(2147480000), method)()

    def test_import_into_another_companys_campaign(self):
        wizard = self.env['crm.campaign.result.import'].sudo(self.user).create({
            'campaign_id': self.foreign.id, 'file': self.xlsx([['Target']])})
        with self.assertRaises(AccessError):
            wizard.action_import()
        self.assertFalse(self.foreign.message_ids.filtered(
            lambda m: 'Call-centre results' in (m.body or '')))

    def test_sale_order_with_malformed_campaign(self):
        """The campaign's offer is looked up for ids only; whatever else is given is left to
        the ORM's own checks, which fail before anything is written."""
        Order = self.env['sale.order'].sudo(self.salesman)
        partner = self.campaign.target_ids[0].partner_id
        before = self.env['sale.order'].search_count([])
        for value in ('x' * 100000, '۱۲۳', {'a': 1}, [1, 'x'], -1):
            with self.assertRaises(Exception) as caught, self.env.cr.savepoint(), \
                    mute_logger('odoo.sql_db'):
                Order.create({'partner_id': partner.id, 'campaign_id': value})
            frames = traceback.extract_tb(caught.exception.__traceback__)
            self.assertNotIn('sale_order.py', [os.path.basename(f.filename) for f in frames
                                               if 'crm_campaigns' in f.filename])
        self.assertEqual(self.env['sale.order'].search_count([]), before)

    def test_bad_values_in_writes(self):
        target = self.campaign.target_ids[0].sudo(self.user)
        for values in ({'response': 'maybe'}, {'response': None},
                       {'response_date': '۱۴۰۳-۰۱-۰۱'}, {'rejection_reason_id': 2147480000}):
            with self.assertRaises((UserError, ValidationError), msg=str(values)), \
                    self.env.cr.savepoint():
                target.write(values)
        self.assertEqual(target.response, 'pending')
