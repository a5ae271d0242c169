from odoo import _, models
from odoo.exceptions import UserError


class CrmSuiteXlsx(models.AbstractModel):
    """Base of the suite's XLSX exports: what they print, who may print it, and text always
    written as text.

    The exports leave the company (the call-centre file goes to an outside firm), so a partner
    name, a note or a reason that starts with ``=`` must never become a formula in the reader's
    spreadsheet, nor a link or a number. Each export of the suite inherits this model instead of
    ``report.report_xlsx.abstract``, sets ``_xlsx_model`` and writes its workbook in
    ``_write_xlsx``.

    ``generate_xlsx_report`` is public, so callable over RPC with anything: it prints records of
    ``_xlsx_model`` that the user may read into a workbook, and refuses the rest with a clear
    message (``_xlsx_refusal``), after the export's own caller check (``_check_xlsx_caller``).
    """

    _name = 'report.crm_loyalty.suite_xlsx'
    _inherit = 'report.report_xlsx.abstract'

    #: the model whose records the export prints
    _xlsx_model = None

    def get_workbook_options(self):
        options = dict(super().get_workbook_options())
        options.update(strings_to_formulas=False, strings_to_urls=False,
                       strings_to_numbers=False)
        return options

    def generate_xlsx_report(self, workbook, data, objects):
        self._check_xlsx_caller()
        if not isinstance(objects, models.BaseModel) or objects._name != self._xlsx_model \
                or not hasattr(workbook, 'add_worksheet'):
            raise UserError(self._xlsx_refusal())
        self._check_xlsx_access(objects)
        return self._write_xlsx(workbook, data, objects)

    def _check_xlsx_caller(self):
        """Rights the user needs before anything is looked at (none by default)."""

    def _check_xlsx_access(self, objects):
        objects.check_access_rights('read')
        objects.check_access_rule('read')

    def _xlsx_refusal(self):
        return _("This export prints %s records only.") % self._xlsx_model

    def _write_xlsx(self, workbook, data, objects):
        raise NotImplementedError
