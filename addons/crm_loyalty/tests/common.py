from datetime import date

from odoo.tests.common import SavepointCase

REVIEW_DATE = date(2024, 6, 30)


class LoyaltyCase(SavepointCase):
    """A clean main company: its existing invoices cancelled and partners no longer
    customers (rolled back after the tests), four classes on the monetary metric."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            cls._loyalty_base()
            cls.setUpFixtures()
        except Exception:
            cls.tearDownClass()  # roll back now: never leave row locks to the next class
            raise

    @classmethod
    def setUpFixtures(cls):
        """Data of a test class (instead of ``setUpClass``)."""

    @classmethod
    def _loyalty_base(cls):
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True,
                                       mail_notrack=True, mail_create_nolog=True))
        cls.company = cls.env.ref('base.main_company')
        cr = cls.env.cr
        cr.execute("UPDATE account_invoice SET state = 'cancel' WHERE company_id = %s",
                   (cls.company.id,))
        cr.execute("UPDATE res_partner SET customer = false")
        cr.execute("DELETE FROM crm_loyalty_value")
        cr.execute("DELETE FROM crm_loyalty_review")
        cls.env['crm.loyalty.value'].invalidate_cache()
        cls.company.write({
            'loyalty_window_months': 12, 'loyalty_metric': 'monetary', 'loyalty_grace_days': 30,
            'loyalty_realtime_upgrade': True, 'loyalty_review_chunk_size': 0,
        })
        Tier = cls.env['crm.loyalty.tier']
        cr.execute("DELETE FROM crm_loyalty_tier WHERE company_id = %s", (cls.company.id,))
        Tier.invalidate_cache()
        cls.pricelist_gold = cls.env['product.pricelist'].create({
            'name': 'Gold prices', 'currency_id': cls.company.currency_id.id,
            'item_ids': [(0, 0, {'compute_price': 'percentage', 'percent_price': 10.0,
                                 'applied_on': '3_global'})]})
        cls.bronze = Tier.create({'name': 'Bronze', 'level': 1, 'threshold': 1.0,
                                  'keep_threshold': 1.0, 'company_id': cls.company.id})
        cls.silver = Tier.create({'name': 'Silver', 'level': 2, 'threshold': 1000.0,
                                  'keep_threshold': 800.0, 'company_id': cls.company.id})
        cls.gold = Tier.create({'name': 'Gold', 'level': 3, 'threshold': 5000.0,
                                'keep_threshold': 4000.0, 'company_id': cls.company.id,
                                'pricelist_id': cls.pricelist_gold.id,
                                'service_priority': '2'})
        account_type = cls.env.ref('account.data_account_type_revenue')
        cls.income = cls.env['account.account'].search([
            ('company_id', '=', cls.company.id), ('user_type_id', '=', account_type.id)],
            limit=1)
        cls.product = cls.env['product.product'].create({
            'name': 'Loyalty test product', 'type': 'consu', 'list_price': 100.0,
            'standard_price': 60.0})
        cls.salesman = cls.env['res.users'].create({
            'name': 'Sally Seller', 'login': 'loyalty_salesman',
            'groups_id': [(6, 0, [cls.env.ref('sales_team.group_sale_salesman').id])]})
        cls.loyalty_user = cls.env['res.users'].create({
            'name': 'Lou Reader', 'login': 'loyalty_user',
            'groups_id': [(6, 0, [cls.env.ref('base.group_user').id,
                                  cls.env.ref('crm_loyalty.group_loyalty_user').id])]})
        cls.loyalty_manager = cls.env['res.users'].create({
            'name': 'Max Manager', 'login': 'loyalty_manager',
            'groups_id': [(6, 0, [cls.env.ref('base.group_user').id,
                                  cls.env.ref('sales_team.group_sale_salesman').id,
                                  cls.env.ref('crm_loyalty.group_loyalty_manager').id])]})

        (cls.salesman | cls.loyalty_user | cls.loyalty_manager).mapped('partner_id').write(
            {'customer': False})

    @classmethod
    def customer(cls, name, **values):
        values.update({'name': name, 'customer': True})
        return cls.env['res.partner'].create(values)

    @classmethod
    def invoice(cls, partner, day, amount, kind='out_invoice', quantity=1.0, discount=0.0,
                currency=None, product=None):
        """A posted invoice (or credit note) of ``amount`` untaxed before discount."""
        invoice = cls.env['account.invoice'].create({
            'partner_id': partner.id, 'type': kind, 'date_invoice': day,
            'company_id': cls.company.id,
            'currency_id': (currency or cls.company.currency_id).id,
            'invoice_line_ids': [(0, 0, {
                'product_id': (product or cls.product).id, 'name': 'Goods',
                'quantity': quantity, 'price_unit': amount / quantity, 'discount': discount,
                'account_id': cls.income.id, 'invoice_line_tax_ids': [(6, 0, [])]})],
        })
        invoice.action_invoice_open()
        return invoice

    @classmethod
    def review(cls, day=None, company=None):
        return cls.env['crm.loyalty.review'].run_review(company or cls.company,
                                                        day or REVIEW_DATE)

    @classmethod
    def value(cls, partner, company=None):
        return cls.env['crm.loyalty.value'].search([
            ('partner_id', '=', partner.commercial_partner_id.id),
            ('company_id', '=', (company or cls.company).id)])


def xlsx_cells(content):
    """The cells of an XLSX file as ``{sheet name: {ref: (type, text)}}``: ``type`` is the
    cell's ``t`` attribute (``s`` shared string, ``n`` number, ``str`` formula result) or
    ``f`` when the cell holds a formula; ``text`` the string or the formula as written."""
    import io
    import zipfile
    from lxml import etree
    ns = {'m': 'http://schemas.openxmlformats.org/spreadsheetml/2006/main',
          'r': 'http://schemas.openxmlformats.org/officeDocument/2006/relationships'}
    book = zipfile.ZipFile(io.BytesIO(content))
    strings = []
    if 'xl/sharedStrings.xml' in book.namelist():
        shared = etree.fromstring(book.read('xl/sharedStrings.xml'))
        strings = [''.join(si.itertext()) for si in shared.findall('m:si', ns)]
    rels = etree.fromstring(book.read('xl/_rels/workbook.xml.rels'))
    targets = {rel.get('Id'): rel.get('Target') for rel in rels}
    workbook = etree.fromstring(book.read('xl/workbook.xml'))
    sheets = {}
    for sheet in workbook.find('m:sheets', ns):
        target = targets[sheet.get('{%s}id' % ns['r'])]
        xml = etree.fromstring(book.read('xl/' + target.lstrip('/').replace('xl/', '', 1)))
        cells = {}
        for cell in xml.iter('{%s}c' % ns['m']):
            formula = cell.find('m:f', ns)
            value = cell.find('m:v', ns)
            if formula is not None:
                cells[cell.get('r')] = ('f', formula.text)
            elif cell.get('t') == 's':
                cells[cell.get('r')] = ('s', strings[int(value.text)])
            else:
                cells[cell.get('r')] = (cell.get('t') or 'n',
                                        value.text if value is not None else None)
        sheets[sheet.get('name')] = cells
    return sheets
