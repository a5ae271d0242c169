from odoo import _, models

COLUMNS = [
    ('partner_id', 'Customer'), ('tier_id', 'Class'), ('segment', 'RFM Segment'),
    ('rfm_cell', 'RFM'), ('recency_days', 'Recency (days)'), ('frequency', 'Frequency'),
    ('monetary', 'Net Revenue'), ('margin', 'Gross Margin'), ('cost_to_serve', 'Cost to Serve'),
    ('profit', 'Profit'), ('abc_class', 'ABC'), ('clv', 'CLV'), ('clv_method', 'CLV Method'),
    ('p_alive', 'P(alive)'), ('churn_risk', 'Churn Risk'), ('ladder_stage', 'Ladder'),
    ('loyalty_type', 'Dick & Basu'), ('customer_type', 'Customer Type'),
    ('incentive_free_rate', 'Incentive-free Repeat Rate'), ('last_invoice_date', 'Last Invoice'),
]


class CrmLoyaltyValueXlsx(models.AbstractModel):
    """XLSX export of the customer value table (the selected rows)."""

    _name = 'report.crm_loyalty.customer_value_xlsx'
    _inherit = 'report.crm_loyalty.suite_xlsx'

    def generate_xlsx_report(self, workbook, data, values):
        sheet = workbook.add_worksheet(_('Customer Value'))
        bold = workbook.add_format({'bold': True})
        money = workbook.add_format({'num_format': '#,##0.00'})
        sheet.freeze_panes(1, 1)
        for col, (name, label) in enumerate(COLUMNS):
            sheet.write(0, col, _(label), bold)
            sheet.set_column(col, col, 22 if col == 0 else 14)
        for row, value in enumerate(values, start=1):
            for col, (name, _label) in enumerate(COLUMNS):
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
