from odoo import _, models

FIELDS = ['partner_id', 'tier_id', 'segment', 'rfm_cell', 'recency_days', 'frequency',
          'monetary', 'margin', 'cost_to_serve', 'profit', 'abc_class', 'clv', 'clv_method',
          'p_alive', 'churn_risk', 'ladder_stage', 'loyalty_type', 'customer_type',
          'incentive_free_rate', 'last_invoice_date']


def column_labels(env=None):
    """The headers of :data:`FIELDS` in the language of ``env`` (literal strings, so that
    they are extracted into the module's .pot)."""
    # ``_`` reads the language and the cursor from these locals
    context = env.context if env else {}  # noqa: F841 pylint: disable=unused-variable
    cr = env.cr if env else None  # noqa: F841 pylint: disable=unused-variable
    return [_('Customer'), _('Class'), _('RFM Segment'), _('RFM'), _('Recency (days)'),
            _('Frequency'), _('Net Revenue'), _('Gross Margin'), _('Cost to Serve'),
            _('Profit'), _('ABC'), _('CLV'), _('CLV Method'), _('P(alive)'), _('Churn Risk'),
            _('Ladder'), _('Dick & Basu'), _('Customer Type'), _('Incentive-free Repeat Rate'),
            _('Last Invoice')]


class CrmLoyaltyValueXlsx(models.AbstractModel):
    """XLSX export of the customer value table (the selected rows)."""

    _name = 'report.crm_loyalty.customer_value_xlsx'
    _inherit = 'report.crm_loyalty.suite_xlsx'

    _xlsx_model = 'crm.loyalty.value'

    def _xlsx_refusal(self):
        return _("This export prints customer values.")

    def _write_xlsx(self, workbook, data, values):
        sheet = workbook.add_worksheet(_('Customer Value'))
        bold = workbook.add_format({'bold': True})
        money = workbook.add_format({'num_format': '#,##0.00'})
        sheet.freeze_panes(1, 1)
        for col, label in enumerate(column_labels(self.env)):
            sheet.write(0, col, label, bold)
            sheet.set_column(col, col, 22 if col == 0 else 14)
        for row, value in enumerate(values, start=1):
            for col, name in enumerate(FIELDS):
                field = value._fields[name]
                raw = value[name]
                if field.type == 'many2one':
                    sheet.write(row, col, raw.display_name or '')
                elif field.type == 'selection':
                    sheet.write(row, col, dict(field._description_selection(self.env)).get(
                        raw, '') if raw else '')
                elif field.type == 'monetary':
                    sheet.write_number(row, col, raw or 0.0, money)
                elif field.type in ('float', 'integer'):
                    sheet.write_number(row, col, raw or 0)
                else:
                    sheet.write(row, col, raw or '')
