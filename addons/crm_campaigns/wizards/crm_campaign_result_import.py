import base64
import binascii
import datetime
import io
import zipfile
from html import escape

from lxml import etree

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..lib.states import states_where

try:
    import xlrd
except ImportError:  # pragma: no cover - declared in external_dependencies
    xlrd = None

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200000
# what the parts of the workbook read may hold once unpacked (a small zip can unpack to GBs)
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
REQUIRED_COLUMNS = ('target', 'customer_id', 'response')
# response dates before this year are Jalali dates written as Gregorian ones
FIRST_YEAR = 1900
NS_MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main'
NS_REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships'
SAFE_XML = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def _first_sheet_only(content, row_limit, messages):
    """The XLSX ``content`` reduced to its first sheet (the other sheets are never read), or
    ``None`` when that sheet has more than ``row_limit`` rows: they are counted while the
    sheet's XML is streamed, before any cell is parsed. Raises UserError with
    ``messages['unreadable']`` when it is no XLSX workbook, ``messages['too_big']`` when the
    parts to read unpack to more than MAX_UNPACKED_BYTES."""
    try:
        book = zipfile.ZipFile(io.BytesIO(content))
        names = {info.filename: info for info in book.infolist()}
        workbook = etree.fromstring(book.read('xl/workbook.xml'), SAFE_XML)
        rels = etree.fromstring(book.read('xl/_rels/workbook.xml.rels'), SAFE_XML)
        sheets = workbook.find('{%s}sheets' % NS_MAIN)
        first = sheets[0]
        targets = {rel.get('Id'): rel.get('Target') for rel in rels}
        target = targets[first.get('{%s}id' % NS_REL)].lstrip('/')
        sheet_path = target if target.startswith('xl/') else 'xl/' + target
        other_sheets = {
            (t.lstrip('/') if t.lstrip('/').startswith('xl/') else 'xl/' + t.lstrip('/'))
            for t in targets.values() if 'worksheets/' in t} - {sheet_path}
        kept = [name for name in names if name not in other_sheets
                and not any(name.endswith('/' + path.rsplit('/', 1)[-1] + '.rels')
                            for path in other_sheets)]
        if sum(names[name].file_size for name in kept) > MAX_UNPACKED_BYTES:
            raise UserError(messages['too_big'])
        rows = 0
        with book.open(sheet_path) as stream:
            for _event, element in etree.iterparse(stream, tag='{%s}row' % NS_MAIN,
                                                   resolve_entities=False, no_network=True):
                rows += 1
                element.clear()
                if rows > row_limit:
                    return None
        for sheet in list(sheets)[1:]:
            sheets.remove(sheet)
        names_node = workbook.find('{%s}definedNames' % NS_MAIN)
        if names_node is not None:
            workbook.remove(names_node)
        reduced = io.BytesIO()
        with zipfile.ZipFile(reduced, 'w', zipfile.ZIP_DEFLATED) as out:
            for name in kept:
                out.writestr(name, etree.tostring(workbook, xml_declaration=True,
                                                  encoding='UTF-8', standalone=True)
                             if name == 'xl/workbook.xml' else book.read(name))
        return reduced.getvalue()
    except UserError:
        raise
    except Exception:
        raise UserError(messages['unreadable'])


class CrmCampaignResultImport(models.TransientModel):
    """Responses from an external call centre, read from the XLSX the campaign exported.

    The file as a whole is validated first (readable XLSX, required columns, at least one row,
    size limits): if it fails, nothing is applied. Then every row is applied in its own
    savepoint or reported with its error; the report is kept on the campaign (message with the
    file attached), so no row is ever dropped silently.
    """

    _name = 'crm.campaign.result.import'
    _description = 'Import Call-Centre Results'

    campaign_id = fields.Many2one('crm.campaign', required=True, ondelete='cascade')
    file = fields.Binary(string='XLSX File', attachment=False)
    filename = fields.Char()
    state = fields.Selection([('draft', 'Draft'), ('done', 'Done')], default='draft')
    line_ids = fields.One2many('crm.campaign.result.import.line', 'import_id', string='Rows')
    applied_count = fields.Integer(readonly=True)
    error_count = fields.Integer(readonly=True)

    # --- reading -----------------------------------------------------------------------------
    def _read_rows(self):
        """Header-mapped rows of the first sheet: ``[(row_number, {column: value})]``.

        The size is checked on the upload (base64) before it is decoded; only the first sheet
        is read, and its rows are counted while reading it, before anything is parsed."""
        if not self.file:
            raise UserError(_("Choose the XLSX file returned by the call centre."))
        data = self.file if isinstance(self.file, bytes) else self.file.encode()
        messages = {
            'too_big': _("The file is larger than 20 MB; split it."),
            'unreadable': _("The file cannot be read as an XLSX workbook; nothing was "
                            "imported."),
        }
        # 4 base64 characters hold 3 bytes: checked before decoding (line breaks aside)
        if (len(data) - data.count(b'\n') - data[-2:].count(b'=')) * 3 // 4 > MAX_FILE_BYTES:
            raise UserError(messages['too_big'])
        try:
            content = base64.b64decode(b''.join(data.split()), validate=True)
        except (binascii.Error, ValueError):
            raise UserError(messages['unreadable'])
        first_sheet = _first_sheet_only(content, MAX_ROWS + 1, messages)
        if first_sheet is None:
            raise UserError(_("The file holds more than %d rows; split it.") % MAX_ROWS)
        try:
            book = xlrd.open_workbook(file_contents=first_sheet, on_demand=True)
            sheet = book.sheet_by_index(0)
        except Exception:
            raise UserError(messages['unreadable'])
        if sheet.nrows < 1:
            raise UserError(_("The file is empty; nothing was imported."))
        labels = {label.lower(): key for key, label in self._column_labels().items()}
        labels.update({key: key for key in self._column_labels()})
        header = {}
        for col in range(sheet.ncols):
            text = str(sheet.cell_value(0, col)).strip().lower()
            if text in labels:
                header[labels[text]] = col
        missing = [self._column_labels()[key] for key in REQUIRED_COLUMNS if key not in header]
        if missing:
            raise UserError(_("Columns missing: %s. Nothing was imported; use the file the "
                              "campaign exported.") % ', '.join(missing))
        if sheet.nrows < 2:
            raise UserError(_("The file holds no result row; nothing was imported."))
        if sheet.nrows - 1 > MAX_ROWS:
            raise UserError(_("The file holds more than %d rows; split it.") % MAX_ROWS)
        rows = []
        for row in range(1, sheet.nrows):
            values = {key: sheet.cell(row, col) for key, col in header.items()}
            if all(cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK) or
                   str(cell.value).strip() == '' for cell in values.values()):
                continue  # a blank line is no row
            rows.append((row + 1, values))
        if not rows:
            raise UserError(_("The file holds no result row; nothing was imported."))
        return rows, book.datemode

    def _column_labels(self):
        return dict(self.env['crm.campaign']._call_centre_columns())

    @staticmethod
    def _text(cell):
        if cell is None:
            return ''
        value = cell.value
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).strip()

    def _parse_int(self, cell, label):
        text = self._text(cell)
        try:
            return int(float(text))
        except ValueError:
            raise ValueError(_("%(column)s is not a number: %(value)r") % {
                'column': label, 'value': text})

    def _parse_date(self, cell, datemode):
        if cell is None or cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
            return None
        if cell.ctype == xlrd.XL_CELL_DATE:
            return datetime.datetime(*xlrd.xldate_as_tuple(cell.value, datemode)).date()
        text = self._text(cell)
        try:
            date = datetime.datetime.strptime(text[:10], '%Y-%m-%d').date()
        except ValueError:
            raise ValueError(_("The response date is not a date (YYYY-MM-DD): %r") % text)
        if date.year < FIRST_YEAR:  # a Jalali date (1403-01-15) read as a Gregorian one
            raise ValueError(_("The response date is not a Gregorian date (YYYY-MM-DD): %r")
                             % text)
        return date

    def _response_codes(self):
        """Accepted spellings of each response: the key, its English and translated label."""
        Target = self.env['crm.campaign.target']
        codes = {}
        for lang in {'en_US', self.env.lang or 'en_US'}:
            selection = Target.with_context(lang=lang)._fields['response']._description_selection(
                Target.with_context(lang=lang).env)
            for key, label in selection:
                codes[key] = key
                codes[label.strip().lower()] = key
        return codes

    def _reason_index(self):
        reasons = self.env['crm.campaign.rejection.reason'].search([('id', '!=', 0)])
        index = {}
        for lang in {'en_US', self.env.lang or 'en_US'}:
            for reason in reasons.with_context(lang=lang):
                index[reason.name.strip().lower()] = reason.id
        return index

    # --- applying ----------------------------------------------------------------------------
    @api.multi
    def action_import(self):
        """Apply every valid row; report every other one with its error."""
        self.ensure_one()
        # the report is posted as superuser (_post_report): the caller's rights come first
        self.env['crm.campaign.target'].check_access_rights('write')
        self.check_access_rule('write')
        campaign = self.campaign_id
        campaign.check_access_rights('read')
        campaign.check_access_rule('read')
        if campaign.state not in states_where('contacted'):
            raise UserError(_("Results can be imported once the campaign has contacted "
                              "customers."))
        rows, datemode = self._read_rows()
        labels = self._column_labels()
        targets = self.env['crm.campaign.target'].search([('campaign_id', '=', campaign.id)])
        by_id = {target.id: target for target in targets}
        responses = self._response_codes()
        reasons = self._reason_index()
        today = fields.Date.from_string(self.env['crm.suite.clock']._today())
        seen = {}
        lines = []
        for number, cells in rows:
            target = None
            try:
                target_id = self._parse_int(cells.get('target'), labels['target'])
                partner_id = self._parse_int(cells.get('customer_id'), labels['customer_id'])
                target = by_id.get(target_id)
                if target is None:
                    raise ValueError(_("Target %d is not part of this campaign.") % target_id)
                self._check_row_target(target, partner_id, number, seen)
                values = self._row_values(cells, datemode, responses, reasons, today)
                with self.env.cr.savepoint():
                    target.write(values)
                lines.append({'row': number, 'target_id': target.id, 'status': 'applied',
                              'message': _("Applied")})
            except (ValueError, UserError) as error:
                message = error.args[0] if error.args else str(error)
                lines.append({'row': number, 'target_id': target.id if target else False,
                              'status': 'error', 'message': message})
            except Exception as error:  # a constraint of the target: the row is reported
                lines.append({'row': number, 'target_id': target.id if target else False,
                              'status': 'error', 'message': getattr(error, 'name', None)
                              or str(error)})
        applied = sum(1 for line in lines if line['status'] == 'applied')
        errors = [line for line in lines if line['status'] == 'error']
        self.write({
            'state': 'done', 'applied_count': applied, 'error_count': len(errors),
            'line_ids': [(0, 0, line) for line in lines],
        })
        self._post_report(applied, errors)
        return {
            'type': 'ir.actions.act_window',
            'res_model': self._name,
            'res_id': self.id,
            'view_mode': 'form',
            'target': 'new',
            'name': _("Import Call-Centre Results"),
        }

    def _check_row_target(self, target, partner_id, number, seen):
        """Refuse a row whose target is not its customer's, already imported on an earlier
        row (``seen``: ``{target id: row}``, updated) or never contacted."""
        if target.partner_id.id != partner_id:
            raise ValueError(_("Customer %(partner)d does not match target %(target)d "
                               "(customer %(expected)d).") % {
                                   'partner': partner_id, 'target': target.id,
                                   'expected': target.partner_id.id})
        if target.id in seen:
            raise ValueError(_("Target %(target)d already appears on row %(row)d.") % {
                'target': target.id, 'row': seen[target.id]})
        seen[target.id] = number
        if target.target_group == 'holdout':
            raise ValueError(_("This customer is in the holdout and was never "
                               "contacted."))
        if not target.contacted_date:
            raise ValueError(_("This customer has not been contacted yet."))

    def _row_values(self, cells, datemode, responses, reasons, today):
        """The values a row writes on its target (response, reason, date, note), or a
        ValueError saying what is wrong with it."""
        response_text = self._text(cells.get('response')).lower()
        response = responses.get(response_text)
        if not response:
            raise ValueError(_("Unknown response %r (accepted, rejected, no answer, "
                               "pending).") % self._text(cells.get('response')))
        values = {'response': response}
        reason_text = self._text(cells.get('rejection_reason'))
        if response == 'rejected':
            if not reason_text:
                raise ValueError(_("A rejection needs its reason."))
            if reason_text.lower() not in reasons:
                raise ValueError(_("Unknown rejection reason %r.") % reason_text)
            values['rejection_reason_id'] = reasons[reason_text.lower()]
        elif reason_text:
            raise ValueError(_("A rejection reason is given for a response that is not "
                               "a rejection."))
        response_date = self._parse_date(cells.get('response_date'), datemode)
        if response_date:
            if response_date > today:
                raise ValueError(_("The response date lies in the future."))
            values['response_date'] = fields.Date.to_string(response_date)
        note = self._text(cells.get('note'))
        if note:
            values['response_note'] = note
        return values

    def _post_report(self, applied, errors):
        # the report is kept on the campaign, which campaign users may read but not edit:
        # file and message are written as superuser, authored by the user who imported
        campaign = self.campaign_id.sudo()
        attachment = self.env['ir.attachment'].sudo().create({
            'name': self.filename or 'call-centre.xlsx',
            'datas_fname': self.filename or 'call-centre.xlsx',
            'datas': self.file,
            'res_model': campaign._name,
            'res_id': campaign.id,
        })
        body = _("<p>Call-centre results imported: %(applied)d rows applied, %(errors)d rows "
                 "not applied.</p>") % {'applied': applied, 'errors': len(errors)}
        if errors:
            body += '<ul>%s</ul>' % ''.join(
                '<li>%s</li>' % (_("Row %(row)d: %(message)s") % {
                    'row': line['row'], 'message': _escape(line['message'])})
                for line in errors)
        campaign.message_post(body=body, attachment_ids=[attachment.id],
                              author_id=self.env.user.partner_id.id,
                              subtype='mail.mt_note')


def _escape(text):
    return escape(str(text))


class CrmCampaignResultImportLine(models.TransientModel):
    """One row of an imported file and what became of it."""

    _name = 'crm.campaign.result.import.line'
    _description = 'Imported Call-Centre Row'
    _order = 'row'

    import_id = fields.Many2one('crm.campaign.result.import', required=True, ondelete='cascade')
    row = fields.Integer()
    target_id = fields.Many2one('crm.campaign.target')
    status = fields.Selection([('applied', 'Applied'), ('error', 'Not applied')])
    message = fields.Char()
