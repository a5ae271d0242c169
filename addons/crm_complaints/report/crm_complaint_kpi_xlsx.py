from odoo import _, fields, models

from ..lib import kpi


class CrmComplaintKpiXlsx(models.AbstractModel):
    """XLSX export of the KPIs, the Pareto tables and the complaints of the period."""

    _name = 'report.crm_complaints.kpi_xlsx'
    _inherit = 'report.crm_loyalty.suite_xlsx'

    def _kpi_rows(self, record):
        return [
            (_('Complaints'), record.complaint_count, _('Received in the period')),
            (_('Open'), record.open_count, _('Not closed, rejected or duplicate')),
            (_('First response (working hours)'), record.first_response_hours,
             _('Average from intake to acknowledgement')),
            (_('First response (calendar hours)'), record.first_response_hours_calendar, ''),
            (_('Resolution (working hours)'), record.resolution_hours,
             _('Average from intake to resolution')),
            (_('Resolution (calendar hours)'), record.resolution_hours_calendar, ''),
            (_('SLA compliance (%)'), record.sla_compliance,
             _('Targets met among targets met or breached')),
            (_('First contact resolution (%)'), record.fcr_rate,
             _('Resolved without the customer coming back and never reopened')),
            (_('Reopen rate (%)'), record.reopen_rate,
             _('Closed complaints reopened at least once')),
            (_('CSAT (%)'), record.csat, _('Ratings 4 or 5 among answered ratings')),
            (_('Rating answer rate (%)'), record.rating_answer_rate,
             _('Ratings answered among rating requests')),
            (_('Complaints per 100 orders'), record.complaints_per_100_orders,
             _('Against confirmed sale orders of the period')),
            (_('Cost: credit notes'), record.cost_credit_notes, ''),
            (_('Cost: replacements'), record.cost_replacement, ''),
            (_('Cost: goodwill'), record.cost_goodwill, ''),
            (_('Cost: handling time'), record.cost_handling, ''),
            (_('Cost of complaints'), record.cost_total, ''),
            (_('Dissatisfied complaints'), record.dissatisfied_count,
             _('Bad rating, still dissatisfied at follow-up, or rejected')),
            (_('Word of mouth (people told)'), record.word_of_mouth,
             _('Dissatisfied complaints times the word of mouth factor')),
        ]

    _xlsx_model = 'crm.complaint.kpi'

    def _check_xlsx_caller(self):
        self.env['crm.complaint.kpi'].browse()._check_kpi_access()

    def _check_xlsx_access(self, objects):
        objects._check_kpi_access()

    def _xlsx_refusal(self):
        return _("The complaint KPI export is made from the KPI wizard.")

    def _write_xlsx(self, workbook, data, records):
        bold = workbook.add_format({'bold': True})
        number = workbook.add_format({'num_format': '0.00'})
        for record in records:
            sheet = workbook.add_worksheet(_('KPIs'))
            sheet.write(0, 0, _('Complaint KPIs'), bold)
            sheet.write(1, 0, _('Period'))
            sheet.write(1, 1, '%s - %s' % (record.date_from, record.date_to))
            sheet.write(2, 0, _('Company'))
            sheet.write(2, 1, record.company_id.name)
            sheet.write(3, 0, _('Team'))
            sheet.write(3, 1, record.team_id.name or _('All'))
            sheet.write_row(5, 0, [_('KPI'), _('Value'), _('Definition')], bold)
            for index, (label, value, definition) in enumerate(self._kpi_rows(record)):
                sheet.write(6 + index, 0, label)
                sheet.write_number(6 + index, 1, value or 0.0, number)
                sheet.write(6 + index, 2, definition)
            sheet.set_column(0, 0, 34)
            sheet.set_column(2, 2, 60)
            for dimension, title in ((record.pareto_root_cause_ids, _('Pareto root causes')),
                                     (record.pareto_product_ids, _('Pareto products'))):
                pareto = workbook.add_worksheet(title)
                pareto.write_row(0, 0, [_('Name'), _('Complaints'), _('Share (%)'),
                                        _('Cumulative (%)'), _('Vital few'), _('Cost')], bold)
                for index, row in enumerate(dimension):
                    pareto.write(index + 1, 0, row.name or '')
                    pareto.write_number(index + 1, 1, row.count)
                    pareto.write_number(index + 1, 2, row.share, number)
                    pareto.write_number(index + 1, 3, row.cumulative, number)
                    pareto.write(index + 1, 4, _('yes') if row.vital else '')
                    pareto.write_number(index + 1, 5, row.cost, number)
                pareto.set_column(0, 0, 40)
            self._write_complaints(workbook, record, bold, number)

    def _write_complaints(self, workbook, record, bold, number):
        sheet = workbook.add_worksheet(_('Complaints'))
        headers = [_('Reference'), _('Received'), _('Customer'), _('Category'), _('Stage'),
                   _('SLA'), _('First response (working h)'), _('Resolution (working h)'),
                   _('Reopened'), _('Rating'), _('Cost')]
        sheet.write_row(0, 0, headers, bold)
        complaints = self.env['crm.complaint'].search(record._domain(),
                                                      order='date_received, id')
        sla_labels = dict(self.env['crm.complaint']._fields['sla_state']._description_selection(
            self.env))
        for row, complaint in enumerate(complaints, start=1):
            sheet.write(row, 0, complaint.name)
            sheet.write(row, 1, fields.Datetime.to_string(
                fields.Datetime.context_timestamp(complaint, fields.Datetime.from_string(
                    complaint.date_received))))
            sheet.write(row, 2, complaint.commercial_partner_id.name or complaint.email_from or '')
            sheet.write(row, 3, complaint.category_id.complete_name or '')
            sheet.write(row, 4, complaint.stage_id.name or '')
            sheet.write(row, 5, sla_labels.get(complaint.sla_state, ''))
            sheet.write_number(row, 6, complaint.first_response_hours, number)
            sheet.write_number(row, 7, complaint.resolution_hours, number)
            sheet.write_number(row, 8, complaint.reopen_count)
            if complaint.rating_score:
                sheet.write_number(row, 9, kpi.check_rating(complaint.rating_score))
            sheet.write_number(row, 10, complaint.cost_total, number)
        sheet.set_column(0, 5, 18)
