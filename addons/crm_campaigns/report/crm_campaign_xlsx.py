import datetime
import re

from odoo import _, models
from odoo.exceptions import UserError

# characters Excel refuses in a sheet name
SHEET_FORBIDDEN = re.compile(r'[\[\]:*?/\\]')


def _labels(record, field):
    return dict(record._fields[field]._description_selection(record.env))


def _check_campaigns(workbook, campaigns):
    """The exports print campaigns the user may read into a workbook, nothing else (the
    method is public: it can be called over RPC with anything)."""
    if not isinstance(campaigns, models.BaseModel) or campaigns._name != 'crm.campaign' \
            or not hasattr(workbook, 'add_worksheet'):
        raise UserError(_("This export prints campaigns."))
    campaigns.check_access_rights('read')
    campaigns.check_access_rule('read')


def sheet_name(name, used):
    """A sheet name Excel accepts for ``name``, unique among ``used`` (lower-cased names,
    updated): forbidden characters removed, at most 31 characters, `` (2)``, `` (3)``...
    when the first 31 characters are taken already."""
    base = ' '.join(SHEET_FORBIDDEN.sub('', name or '').split()).strip("'") or _("Campaign")
    candidate, number = base[:31], 1
    while candidate.lower() in used:
        number += 1
        suffix = ' (%d)' % number
        candidate = base[:31 - len(suffix)].rstrip() + suffix
    used.add(candidate.lower())
    return candidate


class CallCentreXlsx(models.AbstractModel):
    """The list an external call centre works through; it comes back with the responses
    filled in and is read by the results import (same columns)."""

    _name = 'report.crm_campaigns.call_centre_xlsx'
    _inherit = 'report.crm_loyalty.suite_xlsx'

    def generate_xlsx_report(self, workbook, data, campaigns):
        _check_campaigns(workbook, campaigns)
        bold = workbook.add_format({'bold': True, 'bg_color': '#DDDDDD'})
        date_format = workbook.add_format({'num_format': 'yyyy-mm-dd'})
        Campaign = self.env['crm.campaign']
        columns = Campaign._call_centre_columns()
        responses = _labels(self.env['crm.campaign.target'], 'response')
        reasons = self.env['crm.campaign.rejection.reason'].search([('id', '!=', 0)]).mapped('name')
        used = set()
        for campaign in campaigns:
            sheet = workbook.add_worksheet(sheet_name(campaign.name, used))
            for col, (_key, label) in enumerate(columns):
                sheet.write(0, col, label, bold)
            targets = campaign._phase_targets('call_centre')
            offer = campaign.offer_description or ''
            for row, target in enumerate(targets, start=1):
                partner = target.partner_id
                values = {
                    'target': target.id, 'customer_id': partner.id, 'customer': partner.name,
                    'phone': partner.phone or '', 'mobile': partner.mobile or '',
                    'city': partner.city or '', 'score': target.score, 'offer': offer,
                    'response': responses[target.response],
                    'rejection_reason': target.rejection_reason_id.name or '',
                    'note': target.response_note or '',
                }
                for col, (key, _label) in enumerate(columns):
                    if key == 'response_date':
                        if target.response_date:
                            sheet.write_datetime(row, col, _as_datetime(target.response_date),
                                                 date_format)
                        continue
                    sheet.write(row, col, values.get(key, ''))
            last = max(len(targets), 1)
            keys = [key for key, _label in columns]
            sheet.data_validation(1, keys.index('response'), last, keys.index('response'),
                                  {'validate': 'list', 'source': list(responses.values())})
            if reasons and len(', '.join(reasons)) < 255:
                sheet.data_validation(1, keys.index('rejection_reason'), last,
                                      keys.index('rejection_reason'),
                                      {'validate': 'list', 'source': reasons})
            sheet.freeze_panes(1, 0)
            sheet.set_column(0, len(columns) - 1, 16)


def _as_datetime(value):
    return datetime.datetime.strptime(value, '%Y-%m-%d')


class CampaignXlsx(models.AbstractModel):
    """Everything the campaign form shows, for spreadsheets: summary, evaluation, ROI,
    targets with their figures, gains by decile and the rejection Pareto."""

    _name = 'report.crm_campaigns.campaign_xlsx'
    _inherit = 'report.crm_loyalty.suite_xlsx'

    def generate_xlsx_report(self, workbook, data, campaigns):
        _check_campaigns(workbook, campaigns)
        bold = workbook.add_format({'bold': True, 'bg_color': '#DDDDDD'})
        money = workbook.add_format({'num_format': '#,##0.00'})
        percent = workbook.add_format({'num_format': '0.00%'})
        summary = workbook.add_worksheet(_("Summary"))
        targets_sheet = workbook.add_worksheet(_("Targets"))
        gains = workbook.add_worksheet(_("Deciles"))
        pareto = workbook.add_worksheet(_("Rejections"))
        states = _labels(self.env['crm.campaign'], 'state')
        types = _labels(self.env['crm.campaign'], 'campaign_type')
        decisions = _labels(self.env['crm.campaign'], 'decision')
        summary_rows = [
            (_("Campaign"), lambda c: c.name, None),
            (_("Type"), lambda c: types.get(c.campaign_type, ''), None),
            (_("State"), lambda c: states.get(c.state, ''), None),
            (_("Scored"), lambda c: c.audience_count, None),
            (_("Targeted"), lambda c: c.selected_count, None),
            (_("Test"), lambda c: c.test_count, None),
            (_("Holdout"), lambda c: c.holdout_count, None),
            (_("Contacted"), lambda c: c.contacted_count, None),
            (_("Responded"), lambda c: c.responded_count, None),
            (_("Accepted"), lambda c: c.accepted_count, None),
            (_("Invoiced"), lambda c: c.converted_count, None),
            (_("Buying rate, test"), lambda c: c.eval_rate_test, percent),
            (_("Buying rate, holdout"), lambda c: c.eval_rate_holdout, percent),
            (_("Uplift"), lambda c: c.eval_uplift, percent),
            (_("Interval, low"), lambda c: c.eval_ci_low, percent),
            (_("Interval, high"), lambda c: c.eval_ci_high, percent),
            (_("z"), lambda c: c.eval_z, None),
            (_("p-value"), lambda c: c.eval_p_value, None),
            (_("Decision"), lambda c: decisions.get(c.decision, ''), None),
            (_("Budget"), lambda c: c.budget, money),
            (_("Cost"), lambda c: c.cost_total, money),
            (_("Planned cost"), lambda c: c.cost_planned, money),
            (_("Billed cost"), lambda c: c.cost_actual, money),
            (_("Planned cost not billed"),
             lambda c: c.cost_unbilled_fixed + c.cost_unbilled_contact, money),
            (_("Attributed revenue"), lambda c: c.attributed_revenue, money),
            (_("Attributed margin"), lambda c: c.attributed_margin, money),
            (_("ROI"), lambda c: c.roi, percent),
            (_("Incremental margin"), lambda c: c.incremental_margin, money),
            (_("Incremental ROI"), lambda c: c.incremental_roi, percent),
        ]
        for row, (label, _getter, _fmt) in enumerate(summary_rows):
            summary.write(row, 0, label, bold)
        for col, campaign in enumerate(campaigns, start=1):
            for row, (_label, getter, fmt) in enumerate(summary_rows):
                summary.write(row, col, getter(campaign), fmt)
        summary.set_column(0, 0, 24)
        summary.set_column(1, len(campaigns), 18)

        groups = _labels(self.env['crm.campaign.target'], 'target_group')
        channels = _labels(self.env['crm.campaign.target'], 'channel')
        responses = _labels(self.env['crm.campaign.target'], 'response')
        exclusions = _labels(self.env['crm.campaign.target'], 'exclusion')
        headers = [_("Campaign"), _("Customer"), _("Score"), _("Decile"), _("Probability"),
                   _("Expected profit"), _("Targeted"), _("Exclusion"), _("Group"),
                   _("Channel"), _("Contacted"), _("Response"), _("Rejection Reason"),
                   _("Revenue in window"), _("Margin in window"), _("Attributed margin")]
        for col, header in enumerate(headers):
            targets_sheet.write(0, col, header, bold)
        row = 1
        for campaign in campaigns:
            for target in campaign.target_ids:
                values = [campaign.name, target.partner_id.display_name, target.score,
                          target.decile, target.probability, target.expected_profit,
                          target.selected, exclusions.get(target.exclusion, ''),
                          groups.get(target.target_group, ''), channels.get(target.channel, ''),
                          target.contacted_date or '', responses.get(target.response, ''),
                          target.rejection_reason_id.name or '', target.window_revenue,
                          target.window_margin, target.attributed_margin]
                for col, value in enumerate(values):
                    targets_sheet.write(row, col, value)
                row += 1
        targets_sheet.freeze_panes(1, 0)

        for col, header in enumerate([_("Campaign"), _("Decile"), _("Contacted"),
                                      _("Took the offer"), _("Rate"), _("Gain"), _("Lift")]):
            gains.write(0, col, header, bold)
        for col, header in enumerate([_("Campaign"), _("Reason"), _("Rejections"), _("Share"),
                                      _("Cumulative")]):
            pareto.write(0, col, header, bold)
        gain_row = pareto_row = 1
        for campaign in campaigns:
            for item in campaign._gains_rows():
                gains.write_row(gain_row, 0, [campaign.name, item['decile'], item['contacted'],
                                              item['taken'], item['rate'], item['gain'],
                                              item['lift']])
                gain_row += 1
            for item in campaign._rejection_rows():
                pareto.write_row(pareto_row, 0, [campaign.name, item['reason'], item['count'],
                                                 item['share'], item['cumulative']])
                pareto_row += 1
