from odoo import models


class CrmSuiteXlsx(models.AbstractModel):
    """Base of the suite's XLSX exports: text is always written as text.

    The exports leave the company (the call-centre file goes to an outside firm), so a partner
    name, a note or a reason that starts with ``=`` must never become a formula in the reader's
    spreadsheet, nor a link or a number. Each export of the suite inherits this model instead of
    ``report.report_xlsx.abstract``.
    """

    _name = 'report.crm_loyalty.suite_xlsx'
    _inherit = 'report.report_xlsx.abstract'

    def get_workbook_options(self):
        options = dict(super().get_workbook_options())
        options.update(strings_to_formulas=False, strings_to_urls=False,
                       strings_to_numbers=False)
        return options
