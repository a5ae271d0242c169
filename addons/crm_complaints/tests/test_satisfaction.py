"""Ratings 1-5, recovery of bad ratings, KPIs with their standard definitions, the analysis
view, Pareto tables and the XLSX export."""
from datetime import datetime

from psycopg2 import IntegrityError
from xlrd import open_workbook

from odoo.exceptions import UserError, ValidationError
from odoo.tools import mute_logger

from .common import ComplaintCase


class TestSatisfaction(ComplaintCase):

    def closed_complaint(self, **values):
        complaint = self.complaint(**values)
        self.move(complaint, self.stage_resolved, datetime(2024, 3, 4, 12))
        with self.clock(datetime(2024, 3, 4, 13)):
            complaint._record_followup('satisfied', '')
        self.move(complaint, self.stage_closed, datetime(2024, 3, 4, 14))
        return complaint

    def test_rating_recorded_on_both_scales(self):
        complaint = self.closed_complaint()
        with self.clock(datetime(2024, 3, 5, 9)):
            complaint.sudo(self.acme_portal).action_rate(5, feedback='Quick and kind')
        self.assertEqual(complaint.rating_score, 5)
        self.assertEqual(complaint.rating_date, '2024-03-05 09:00:00')
        self.assertEqual(complaint.rating_feedback, 'Quick and kind')
        rating = complaint.sudo().rating_ids
        self.assertEqual(len(rating), 1)
        self.assertEqual(rating.rating, 10.0)
        self.assertEqual(rating.rating_text, 'satisfied')
        self.assertTrue(rating.consumed)
        self.assertEqual(rating.partner_id, self.acme_contact)

    def test_rating_outside_one_to_five_refused(self):
        complaint = self.closed_complaint()
        for bad in (0, 6, -1, 'x'):
            with self.assertRaises(ValidationError) as error, self.env.cr.savepoint():
                complaint.sudo(self.acme_portal).action_rate(bad)
            self.assertEqual(error.exception.name, 'A rating is a whole number from 1 to 5.')
        complaint.invalidate_cache()
        self.assertFalse(complaint.rating_score)
        self.assertFalse(complaint.sudo().rating_ids.consumed)
        with self.assertRaises(IntegrityError), self.env.cr.savepoint(), \
                mute_logger('odoo.sql_db'):
            complaint.sudo().write({'rating_score': 7})

    def test_rating_only_after_closing(self):
        complaint = self.complaint()
        with self.assertRaises(UserError) as error, self.env.cr.savepoint():
            complaint.sudo(self.acme_portal).action_rate(4)
        self.assertEqual(error.exception.name,
                         'Complaint %s can be rated once it is closed.' % complaint.name)

    def test_bad_rating_opens_recovery_activity(self):
        complaint = self.closed_complaint()
        with self.clock(datetime(2024, 3, 5, 9)):
            complaint.sudo(self.acme_portal).action_rate(2, feedback='Slow')
        activity = self.env['mail.activity'].search([
            ('res_model', '=', 'crm.complaint'), ('res_id', '=', complaint.id),
            ('activity_type_id', '=', self.env.ref('crm_complaints.mail_activity_recovery').id)])
        self.assertEqual(activity.user_id, self.agent)
        self.assertEqual(activity.summary, 'Recovery call: %s rated 2 / 5' % complaint.name)
        good = self.closed_complaint()
        good.sudo(self.acme_portal).action_rate(3)
        self.assertFalse(self.env['mail.activity'].search([
            ('res_model', '=', 'crm.complaint'), ('res_id', '=', good.id),
            ('activity_type_id', '=', self.env.ref('crm_complaints.mail_activity_recovery').id)]))

    def test_rating_request_email_links(self):
        complaint = self.closed_complaint()
        token = complaint.sudo().rating_ids.access_token
        message = complaint.message_ids.filtered(
            lambda m: m.subject and m.subject.endswith('thank you (%s)' % complaint.name))
        self.assertEqual(len(message), 1)
        for score in range(1, 6):
            self.assertIn('/complaint/rate/%s/%d' % (token, score), message.body)

    def kpi_scenario(self):
        """Four complaints of March 2024 with known figures (see each step)."""
        c1 = self.complaint(root_cause_id=self.cause_defect.id,
                            product_ids=[(6, 0, self.widget.ids)])
        c2 = self.complaint(partner_id=self.beta_contact.id, root_cause_id=self.cause_transport.id,
                            product_ids=[(6, 0, (self.widget | self.gadget).ids)])
        c3 = self.complaint(partner_id=self.beta_contact.id, root_cause_id=self.cause_defect.id,
                            product_ids=[(6, 0, self.gadget.ids)])
        c4 = self.complaint()
        # c1: acknowledged after 1h, resolved Tuesday 9:00 (8 working h, 24 calendar h), rated 5
        self.move(c1, self.stage_ack, datetime(2024, 3, 4, 10))
        self.move(c1, self.stage_resolved, datetime(2024, 3, 5, 9))
        with self.clock(datetime(2024, 3, 5, 10)):
            c1._record_followup('satisfied', '', duration_hours=1.0)
        self.move(c1, self.stage_closed, datetime(2024, 3, 5, 10))
        with self.clock(datetime(2024, 3, 5, 11)):
            c1.sudo(self.acme_portal).action_rate(5)
        # c2: acknowledged after 2h, resolved Monday 16:00 (6 h, 7 h), rated 2, then reopened
        self.move(c2, self.stage_ack, datetime(2024, 3, 4, 11))
        self.move(c2, self.stage_resolved, datetime(2024, 3, 4, 16))
        with self.clock(datetime(2024, 3, 4, 16, 30)):
            c2._record_followup('partly', '')
        self.move(c2, self.stage_closed, datetime(2024, 3, 4, 17))
        with self.clock(datetime(2024, 3, 5, 9)):
            c2.sudo(self.beta_portal).action_rate(2)
            c2.sudo(self.beta_portal).message_post(body='Still broken', message_type='comment',
                                                   subtype='mail.mt_comment')
        # c3: rejected Tuesday 10:00: acknowledgement late (9 working h, 25 calendar h)
        with self.clock(datetime(2024, 3, 5, 10)):
            c3.action_reject()
        for number in range(8):
            order = self.env['sale.order'].create({
                'partner_id': self.beta.id,
                'order_line': [(0, 0, {'product_id': self.gadget.id, 'product_uom_qty': 1})]})
            order.action_confirm()
            order.confirmation_date = '2024-03-%02d 10:00:00' % (number + 1)
        return c1, c2, c3, c4

    def test_kpis(self):
        complaints = self.kpi_scenario()
        kpi = self.env['crm.complaint.kpi'].sudo(self.leader).create({
            'date_from': '2024-03-01', 'date_to': '2024-03-31', 'company_id': self.company.id,
            'team_id': self.team.id})
        kpi.action_compute()
        self.assertEqual((kpi.complaint_count, kpi.open_count), (4, 2))
        self.assertEqual(kpi.first_response_hours, 4.0)
        self.assertAlmostEqual(kpi.first_response_hours_calendar, 28.0 / 3, places=6)
        self.assertEqual((kpi.resolution_hours, kpi.resolution_hours_calendar), (7.0, 15.5))
        self.assertEqual(kpi.sla_decided, 6)
        self.assertAlmostEqual(kpi.sla_compliance, 500.0 / 6, places=6)
        self.assertEqual(kpi.fcr_rate, 50.0)
        self.assertEqual(kpi.reopen_rate, 50.0)
        self.assertEqual((kpi.csat, kpi.rating_count, kpi.rating_answer_rate), (50.0, 2, 100.0))
        self.assertEqual((kpi.order_count, kpi.complaints_per_100_orders), (8, 50.0))
        self.assertEqual((kpi.cost_handling, kpi.cost_total), (30.0, 30.0))
        self.assertEqual((kpi.dissatisfied_count, kpi.word_of_mouth), (2, 18.0))
        causes = [(row.name, row.count, row.share, row.cumulative, row.vital)
                  for row in kpi.pareto_root_cause_ids]
        self.assertEqual(causes, [('Manufacturing Defect', 2, 50.0, 50.0, True),
                                  ('Damaged in Transport', 1, 25.0, 75.0, True),
                                  ('Not analysed', 1, 25.0, 100.0, True)])
        products = [(row.name, row.count, row.cost) for row in kpi.pareto_product_ids]
        self.assertEqual(products, [('Widget (test)', 2, 30.0), ('Gadget (test)', 2, 0.0)])
        # another team has none of them
        other = self.env['crm.complaint.kpi'].sudo(self.leader).create({
            'date_from': '2024-03-01', 'date_to': '2024-03-31', 'team_id': self.other_team.id})
        other.action_compute()
        self.assertEqual(other.complaint_count, 0)
        self.assertEqual(other.csat, 0.0)
        return kpi, complaints

    def test_analysis_view(self):
        complaints = self.kpi_scenario()
        Report = self.env['crm.complaint.report'].sudo(self.leader)
        rows = Report.read_group(
            [('id', 'in', [c.id for c in complaints])],
            ['nbr', 'csat', 'sla_compliance', 'fcr', 'reopened', 'rating_answered',
             'first_response_hours', 'resolution_hours_calendar', 'word_of_mouth', 'cost_total'],
            [])
        row = rows[0]
        self.assertEqual(row['nbr'], 4)
        self.assertEqual(row['csat'], 50.0)
        self.assertAlmostEqual(row['sla_compliance'], 250.0 / 3, places=6)
        self.assertEqual((row['fcr'], row['reopened'], row['rating_answered']),
                         (50.0, 50.0, 100.0))
        self.assertEqual(row['first_response_hours'], 4.0)
        self.assertEqual(row['resolution_hours_calendar'], 15.5)
        self.assertEqual(row['word_of_mouth'], 18.0)
        self.assertEqual(row['cost_total'], 30.0)
        by_nature = Report.read_group([('id', 'in', [c.id for c in complaints])],
                                      ['nbr', 'root_cause_id'], ['root_cause_id'])
        self.assertEqual({r['root_cause_id'] and r['root_cause_id'][0]: r['nbr']
                          for r in by_nature},
                         {self.cause_defect.id: 2, self.cause_transport.id: 1, False: 1})

    def test_xlsx_export(self):
        self.kpi_scenario()
        kpi = self.env['crm.complaint.kpi'].sudo(self.leader).create({
            'date_from': '2024-03-01', 'date_to': '2024-03-31', 'team_id': self.team.id})
        action = kpi.action_export_xlsx()
        self.assertEqual(action['report_type'], 'xlsx')
        report = self.env.ref('crm_complaints.crm_complaint_kpi_xlsx')
        content, kind = report.sudo(self.leader).render(kpi.ids, {})
        self.assertEqual(kind, 'xlsx')
        book = open_workbook(file_contents=content)
        self.assertEqual(book.sheet_names(),
                         ['KPIs', 'Pareto root causes', 'Pareto products', 'Complaints'])
        sheet = book.sheet_by_name('KPIs')
        values = {sheet.cell(row, 0).value: sheet.cell(row, 1).value
                  for row in range(6, sheet.nrows)}
        self.assertEqual(values['Complaints'], 4)
        self.assertEqual(values['CSAT (%)'], 50.0)
        self.assertEqual(values['Complaints per 100 orders'], 50.0)
        self.assertEqual(values['Word of mouth (people told)'], 18.0)
        causes = book.sheet_by_name('Pareto root causes')
        self.assertEqual(causes.row_values(1)[:4], ['Manufacturing Defect', 2.0, 50.0, 50.0])
        listing = book.sheet_by_name('Complaints')
        self.assertEqual(listing.nrows, 5)
