import base64
import io
from datetime import datetime
from unittest.mock import patch

import xlsxwriter

from odoo.tests.common import SavepointCase

TODAY = '2024-03-01'


def clock_at(env, date):
    """A patch of the suite's clock (``crm.suite.clock``) to noon UTC of ``date``
    (``YYYY-MM-DD``): a context manager, or ``start()``/``stop()``."""
    moment = datetime.strptime(date, '%Y-%m-%d').replace(hour=12)
    return patch.object(type(env['crm.suite.clock']), '_now', lambda self: moment)


class CampaignCase(SavepointCase):
    """Shared fixtures: a manager, a user and a user of another company; a tagged audience of
    customers with customer value rows written directly; a market, a segment and a scoring
    model. The suite's clock is pinned to ``TODAY``; ``self.at(date)`` moves it."""

    @classmethod
    def setUpClass(cls):
        super(CampaignCase, cls).setUpClass()
        cls.env = cls.env(context=dict(cls.env.context,
                                       tracking_disable=True, mail_create_nolog=True,
                                       mail_notrack=True, no_reset_password=True))
        env = cls.env
        clock = clock_at(env, TODAY)
        clock.start()
        cls.addClassCleanup(clock.stop)
        cls.company = env.ref('base.main_company')
        cls.currency = cls.company.currency_id
        cls.company.write({'campaign_pressure_max': 3, 'campaign_pressure_days': 30,
                           'email': 'sales@example.com'})
        manager_group = env.ref('crm_campaigns.group_campaign_manager')
        user_group = env.ref('crm_campaigns.group_campaign_user')
        Users = env['res.users']
        cls.manager = Users.create({
            'name': 'Campaign Manager', 'login': 'campaign_manager',
            'email': 'manager@example.com', 'company_id': cls.company.id,
            'company_ids': [(6, 0, [cls.company.id])],
            'groups_id': [(6, 0, [env.ref('base.group_user').id, manager_group.id])],
        })
        cls.user = Users.create({
            'name': 'Campaign User', 'login': 'campaign_user', 'email': 'user@example.com',
            'company_id': cls.company.id, 'company_ids': [(6, 0, [cls.company.id])],
            'groups_id': [(6, 0, [env.ref('base.group_user').id, user_group.id])],
        })
        cls.salesman = Users.create({
            'name': 'Plain Salesman', 'login': 'campaign_salesman', 'email': 'sm@example.com',
            'company_id': cls.company.id, 'company_ids': [(6, 0, [cls.company.id])],
            'groups_id': [(6, 0, [env.ref('base.group_user').id,
                                  env.ref('sales_team.group_sale_salesman').id])],
        })
        cls.tag = env['res.partner.category'].create({'name': 'Campaign test audience'})
        cls.segment = env['crm.campaign.segment'].create({
            'name': 'Test audience',
            'partner_domain': "[('category_id', 'in', [%d])]" % cls.tag.id,
        })
        cls.market = env['crm.campaign.market'].create({'name': 'Home market'})
        cls.model = env['crm.campaign.scoring.model'].create({
            'name': 'Win-back, home market',
            'campaign_type': 'winback',
            'market_id': cls.market.id,
            'calibration_intercept': -3.0,
            'calibration_slope': 2.0,
            'variable_ids': [
                (0, 0, {'feature': 'recency_days', 'weight': 2.0, 'transform': 'linear',
                        'invert': True, 'sequence': 1}),
                (0, 0, {'feature': 'monetary', 'weight': 1.0, 'transform': 'log',
                        'sequence': 2}),
                (0, 0, {'feature': 'frequency', 'weight': 1.0, 'transform': 'bucket',
                        'thresholds': '2, 5, 10', 'sequence': 3}),
                (0, 0, {'feature': 'segment_is', 'weight': 1.0, 'transform': 'boolean',
                        'match_value': 'champions', 'sequence': 4}),
            ],
        })
        cls.product = env['product.product'].create({
            'name': 'Campaign widget', 'type': 'consu', 'list_price': 100.0,
            'standard_price': 60.0})
        cls.pricelist = env['product.pricelist'].create({
            'name': 'Campaign prices', 'currency_id': cls.currency.id})

    # --- helpers -----------------------------------------------------------------------------
    def at(self, date):
        """The suite's clock at ``date`` within a ``with`` block."""
        return clock_at(self.env, date)

    @classmethod
    def make_customer(cls, name, value=None, **partner_values):
        """A tagged customer; ``value`` (dict) creates its crm.loyalty.value row."""
        values = {'name': name, 'is_company': True, 'customer': True,
                  'category_id': [(6, 0, [cls.tag.id])], 'email': '%s@example.com' % (
                      name.lower().replace(' ', '.'),), 'phone': '+98 21 5555 0000',
                  'street': '1 Campaign Street', 'city': 'Tehran'}
        values.update(partner_values)
        partner = cls.env['res.partner'].create(values)
        if value is not None:
            row = {'partner_id': partner.id, 'company_id': cls.company.id}
            row.update(value)
            cls.env['crm.loyalty.value'].create(row)
        return partner

    @classmethod
    def make_audience(cls, count, prefix='Customer'):
        """``count`` customers with spread figures (recency 5..., monetary rising)."""
        partners = cls.env['res.partner']
        for index in range(count):
            partners |= cls.make_customer('%s %03d' % (prefix, index), {
                'recency_days': 5 + (index * 37) % 400,
                'frequency': 1 + index % 12,
                'monetary': 100.0 + 45.0 * index,
                'margin': 30.0 + 9.0 * index,
                'segment': ('champions', 'loyal', 'at_risk', 'lost')[index % 4],
                'churn_risk': ('low', 'medium', 'high')[index % 3],
            })
        return partners

    @classmethod
    def make_campaign(cls, user=None, **values):
        vals = {
            'name': 'Spring win-back',
            'campaign_type': 'winback',
            'market_id': cls.market.id,
            'segment_id': cls.segment.id,
            'scoring_model_id': cls.model.id,
            'budget': 10000.0,
            'fixed_cost': 100.0,
            'expected_margin': 100.0,
            'seed': 20240301,
            'min_sample': 10,
            'offer_description': '10 % off your next order',
            'channel_ids': [(0, 0, {'channel': 'email', 'cost_per_contact': 1.0,
                                    'sequence': 1}),
                            (0, 0, {'channel': 'phone', 'cost_per_contact': 5.0,
                                    'sequence': 2})],
        }
        vals.update(values)
        return cls.env['crm.campaign'].sudo(user or cls.manager).create(vals)

    def target_of(self, campaign, partner):
        return self.env['crm.campaign.target'].search([
            ('campaign_id', '=', campaign.id), ('partner_id', '=', partner.id)])

    @classmethod
    def make_invoice(cls, partner, date, lines, kind='out_invoice', currency=None,
                     utm_campaign=None, origin=None):
        """A posted customer invoice (or refund) of ``lines`` [(product, qty, price)]."""
        Invoice = cls.env['account.invoice']
        account = cls.env['account.account'].search([
            ('company_id', '=', cls.company.id),
            ('user_type_id', '=', cls.env.ref('account.data_account_type_revenue').id)],
            limit=1)
        values = {
            'partner_id': partner.id, 'type': kind, 'date_invoice': date,
            'currency_id': (currency or cls.currency).id,
            'campaign_id': utm_campaign.id if utm_campaign else False,
            'refund_invoice_id': origin.id if origin else False,
            'invoice_line_ids': [(0, 0, {
                'product_id': product.id, 'name': product.name, 'quantity': qty,
                'price_unit': price, 'account_id': account.id, 'invoice_line_tax_ids': [],
            }) for product, qty, price in lines],
        }
        invoice = Invoice.create(values)
        invoice.action_invoice_open()
        return invoice

    @staticmethod
    def xlsx(rows, extra_sheet=None):
        """An XLSX file (base64) holding ``rows`` (first row = header), and ``extra_sheet``
        rows on a second sheet when given."""
        data = io.BytesIO()
        book = xlsxwriter.Workbook(data, {'in_memory': True})
        for name, content in (('Results', rows), ('Other', extra_sheet)):
            if content is None:
                continue
            sheet = book.add_worksheet(name)
            for r, row in enumerate(content):
                for c, value in enumerate(row):
                    sheet.write(r, c, value)
        book.close()
        return base64.b64encode(data.getvalue())
