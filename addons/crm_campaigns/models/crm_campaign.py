import io
import json
import logging
import random
from datetime import timedelta
from html import escape

import numpy

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from odoo.addons.crm_loyalty.lib.sql import int_array
from odoo.addons.crm_loyalty.models.crm_loyalty_review import LINE_COST_SQL

from .. import scoring, stats
from .crm_campaign_channel import CHANNEL_MEDIUMS
from .crm_campaign_scoring_model import CAMPAIGN_TYPES
from .protect import check_system_fields, system

_logger = logging.getLogger(__name__)

STATES = [
    ('draft', 'Draft'),
    ('scored', 'Scored'),
    ('testing', 'Testing'),
    ('evaluated', 'Evaluated'),
    ('rollout', 'Rolling out'),
    ('done', 'Done'),
    ('cancel', 'Cancelled'),
]
DECISIONS = [('go', 'Go'), ('no_go', 'No-go'), ('inconclusive', 'Inconclusive')]
# fields the campaign's steps set (state, dates of the steps, calibration, evaluation): never
# written by users, whatever the view shows (see protect.py)
SYSTEM_FIELDS = (
    'state', 'utm_campaign_id', 'calibration_intercept', 'calibration_slope', 'calibrated',
    'scored_date', 'test_date', 'evaluation_date', 'rollout_date', 'eval_test_size',
    'eval_test_converted', 'eval_test_responded', 'eval_test_accepted', 'eval_holdout_size',
    'eval_holdout_converted', 'eval_rate_test', 'eval_rate_holdout', 'eval_uplift',
    'eval_ci_low', 'eval_ci_high', 'eval_z', 'eval_p_value', 'eval_margin_test',
    'eval_margin_holdout', 'eval_margin_uplift', 'eval_margin_ci_low', 'eval_margin_ci_high',
    'decision', 'decision_reason', 'decision_note')
# loyalty figures read for scoring, as (column, numpy kind); all in the shared contract
VALUE_COLUMNS = ('recency_days', 'frequency', 'monetary', 'margin', 'profit', 'clv', 'p_alive',
                 'tier_level', 'r_score', 'f_score', 'm_score', 'attitude_score')
COPY_PAGE = 10000
# columns of crm_campaign_target written by the scoring, in COPY order
TARGET_COPY_COLUMNS = (
    'campaign_id', 'company_id', 'partner_id', 'user_id', 'score', 'decile', 'probability',
    'expected_margin', 'contact_cost', 'expected_profit', 'score_detail', 'selected',
    'exclusion', 'channel', 'target_group', 'contacted_date', 'window_start', 'response',
    'converted', 'window_revenue', 'window_margin', 'attributed_revenue', 'attributed_margin',
    'create_uid', 'create_date', 'write_uid', 'write_date')


def _copy_field(value):
    """A value in COPY's text format."""
    if value is None:
        return '\\N'
    if value is True:
        return 't'
    if value is False:
        return 'f'
    if isinstance(value, str):
        return value.replace('\\', '\\\\').replace('\t', '\\t').replace('\n', '\\n') \
            .replace('\r', '\\r')
    return str(value)


def _copy_floats(values):
    """A float column in COPY's text format (``repr`` keeps every digit; NaN as PostgreSQL
    reads it)."""
    return [repr(value) if value == value else 'NaN'
            for value in numpy.asarray(values, dtype=float).tolist()]


def score_details(variable_ids, points, raws):
    """The explanation of each row as JSON text: ``[[variable_id, raw, points], ...]``, the
    values rounded to 6 decimals, ``null`` for a missing raw value.

    Built one variable (column) at a time with ``'%.6f'``, the correctly rounded decimal text
    that ``round(value, 6)`` converts back from: ``json.loads`` reads the same numbers as from
    ``json.dumps`` of the rounded values (the text keeps trailing zeros), at a third of the
    cost. Non-finite values, which JSON has no number for, take that slower way.
    """
    points = numpy.asarray(points, dtype=float)
    raws = numpy.asarray(raws, dtype=float)
    if not numpy.isfinite(points).all() or numpy.isinf(raws).any():
        return [json.dumps([
            [variable_id, None if raw != raw else round(raw, 6), round(point, 6)]
            for variable_id, raw, point in zip(variable_ids, row_raw, row_points)])
            for row_points, row_raw in zip(points.tolist(), raws.tolist())]
    columns = []
    for index, variable_id in enumerate(variable_ids):
        known = '[%d, %%.6f, %%.6f]' % variable_id
        missing = '[%d, null, %%.6f]' % variable_id
        columns.append([known % (raw, point) if raw == raw else missing % point
                        for raw, point in zip(raws[:, index].tolist(),
                                              points[:, index].tolist())])
    if not columns:
        return ['[]'] * len(points)
    return ['[' + ', '.join(parts) + ']' for parts in zip(*columns)]


class CrmCampaign(models.Model):
    """A marketing campaign run as seed 002's cycle: segment, offer and channels, scoring,
    a test on a sample against a no-contact holdout, evaluation, rollout, and the money
    it made measured on posted invoices."""

    _name = 'crm.campaign'
    _description = 'Campaign'
    _inherit = ['mail.thread', 'mail.activity.mixin']
    _order = 'date_start desc, id desc'

    name = fields.Char(required=True, track_visibility='onchange')
    active = fields.Boolean(default=True)
    company_id = fields.Many2one('res.company', required=True, index=True,
                                 default=lambda self: self.env.user.company_id)
    currency_id = fields.Many2one(related='company_id.currency_id', readonly=True)
    user_id = fields.Many2one('res.users', string='Responsible',
                              default=lambda self: self.env.user, track_visibility='onchange')
    team_id = fields.Many2one('crm.team', string='Sales Team',
                              help="Team that receives the opportunities of accepted offers.")
    campaign_type = fields.Selection(CAMPAIGN_TYPES, string='Type', required=True,
                                     default='loyalty', track_visibility='onchange')
    market_id = fields.Many2one('crm.campaign.market')
    segment_id = fields.Many2one('crm.campaign.segment',
                                 track_visibility='onchange')
    state = fields.Selection(STATES, default='draft', required=True, readonly=True, copy=False,
                             track_visibility='onchange', index=True)
    utm_campaign_id = fields.Many2one(
        'utm.campaign', string='Tracking Campaign', readonly=True, copy=False,
        ondelete='restrict', help="Carried by orders and invoices of the campaign's offer.")
    date_start = fields.Date(string='Start', default=fields.Date.context_today)
    date_end = fields.Date(string='End')
    attribution_days = fields.Integer(
        string='Attribution Window (days)', default=90,
        help="Invoices dated from the contact day to this many days after it count.")

    # offer
    offer_type = fields.Selection([('none', 'No price offer'), ('pricelist', 'Pricelist'),
                                   ('discount', 'Discount')], default='none', required=True)
    pricelist_id = fields.Many2one('product.pricelist', string='Offer Pricelist')
    discount = fields.Float(string='Offer Discount (%)', digits=(5, 2))
    product_ids = fields.Many2many('product.product', string='Offered Products',
                                   help="The discount applies to these; empty: to every product.")
    offer_description = fields.Text(translate=True)

    # channels and messages
    channel_ids = fields.One2many('crm.campaign.channel', 'campaign_id', string='Channels',
                                  copy=True)
    mail_subject = fields.Char(translate=True)
    mail_body = fields.Html(translate=True, sanitize_attributes=False)
    letter_body = fields.Html(translate=True)
    call_due_days = fields.Integer(string='Call Within (days)', default=7,
                                   help="Call activities are due this many days after launch.")

    # money
    analytic_account_id = fields.Many2one(
        'account.analytic.account', copy=False,
        help="Vendor bills coded to it are the campaign's actual costs.")
    budget = fields.Monetary(track_visibility='onchange')
    fixed_cost = fields.Monetary(help="Costs that do not depend on the number of contacts.")
    expected_margin = fields.Monetary(
        string='Margin per Acceptance',
        help="Margin expected from one accepted offer, for targeting by expected profit.")
    margin_source = fields.Selection(
        [('fixed', 'Margin per acceptance'),
         ('customer', "Customer's margin per purchase")], default='fixed', required=True,
        help="Customer's margin per purchase: their margin divided by their number of "
             "invoices (crm_loyalty figures), or the margin per acceptance when unknown.")

    # scoring and targeting
    scoring_model_id = fields.Many2one('crm.campaign.scoring.model')
    calibration_intercept = fields.Float(digits=(16, 6), readonly=True, copy=False)
    calibration_slope = fields.Float(digits=(16, 6), readonly=True, copy=False)
    calibrated = fields.Boolean(readonly=True, copy=False,
                                help="The probabilities come from this campaign's test.")
    exclude_opted_out = fields.Boolean(string='Exclude Opted-out', default=True)
    exclude_open_complaints = fields.Boolean(default=False)
    scored_date = fields.Datetime(readonly=True, copy=False)

    # test, holdout, rollout
    test_share = fields.Float(string='Test Share (%)', default=5.0, digits=(5, 2),
                              help="Percentage of the targeted customers contacted in the test.")
    holdout_share = fields.Float(string='Holdout Share (%)', default=5.0, digits=(5, 2),
                                 help="Percentage of the targeted customers never contacted.")
    seed = fields.Integer(default=lambda self: random.SystemRandom().randint(1, 2 ** 31 - 1),
                          copy=False, help="Seed of the random test sample and holdout.")
    min_sample = fields.Integer(string='Minimum Group Size', default=100)
    confidence_level = fields.Float(string='Confidence Level (%)', default=95.0, digits=(5, 2))
    test_date = fields.Date(readonly=True, copy=False)
    evaluation_date = fields.Date(readonly=True, copy=False)
    rollout_date = fields.Date(readonly=True, copy=False)
    auto_enrol = fields.Boolean(
        string='Enrol Lapsed Customers',
        help="Win-back: customers the loyalty review finds lapsing join while the campaign "
             "is testing or rolling out, with a call due within the call delay.")

    # evaluation (written by the evaluation)
    eval_test_size = fields.Integer(
        'Test Sample Size', readonly=True, copy=False,
        help='Targets of the test sample contacted.')
    eval_test_converted = fields.Integer(
        'Buyers in Test', readonly=True, copy=False,
        help='Test targets with a posted invoice within the attribution window.')
    eval_test_responded = fields.Integer(
        'Responded in Test', readonly=True, copy=False,
        help='Test targets who answered (accepted or rejected).')
    eval_test_accepted = fields.Integer(
        'Accepted in Test', readonly=True, copy=False,
        help='Test targets who accepted the offer.')
    eval_holdout_size = fields.Integer(
        'Holdout Size', readonly=True, copy=False,
        help='Targets kept out of every channel to measure what happens without the campaign.')
    eval_holdout_converted = fields.Integer(
        'Buyers in Holdout', readonly=True, copy=False,
        help='Holdout members with a posted invoice within the attribution window.')
    eval_rate_test = fields.Float(
        'Buying Rate, Test', digits=(16, 6), readonly=True, copy=False,
        help='Buyers in test / test sample size (0.05 = 5 %).')
    eval_rate_holdout = fields.Float(
        'Buying Rate, Holdout', digits=(16, 6), readonly=True, copy=False,
        help='Buyers in holdout / holdout size (0.05 = 5 %).')
    eval_uplift = fields.Float(
        'Uplift', digits=(16, 6), readonly=True, copy=False,
        help='Buying rate of the test minus that of the holdout (0.05 = 5 points).')
    eval_ci_low = fields.Float(
        'Uplift, 95 % Low', digits=(16, 6), readonly=True, copy=False,
        help='Lower end of the 95 % confidence interval of the uplift.')
    eval_ci_high = fields.Float(
        'Uplift, 95 % High', digits=(16, 6), readonly=True, copy=False,
        help='Upper end of the 95 % confidence interval of the uplift.')
    eval_z = fields.Float(
        'z Statistic', digits=(16, 6), readonly=True, copy=False,
        help='Two-proportion z-test of the test against the holdout.')
    eval_p_value = fields.Float(
        'p-Value', digits=(16, 8), readonly=True, copy=False,
        help='Two-sided p-value of the z-test.')
    eval_margin_test = fields.Monetary(
        'Margin per Target, Test', readonly=True, copy=False,
        help='Invoiced margin within the window per test target.')
    eval_margin_holdout = fields.Monetary(
        'Margin per Target, Holdout', readonly=True, copy=False,
        help='Invoiced margin within the window per holdout member.')
    eval_margin_uplift = fields.Monetary(
        'Margin Uplift per Target', readonly=True, copy=False,
        help='Margin per target of the test minus that of the holdout.')
    eval_margin_ci_low = fields.Monetary(
        'Margin Uplift, 95 % Low', readonly=True, copy=False,
        help='Lower end of the 95 % confidence interval of the margin uplift.')
    eval_margin_ci_high = fields.Monetary(
        'Margin Uplift, 95 % High', readonly=True, copy=False,
        help='Upper end of the 95 % confidence interval of the margin uplift.')
    decision = fields.Selection(DECISIONS, readonly=True, copy=False, track_visibility='onchange')
    decision_reason = fields.Selection(
        [('sample', 'Sample too small'), ('not_significant', 'Difference not significant'),
         ('negative', 'Significantly worse than the holdout'),
         ('unprofitable', 'Margin uplift below the contact cost'),
         ('profitable', 'Significant and profitable')], readonly=True, copy=False)
    decision_note = fields.Text(readonly=True, copy=False)

    # figures
    target_ids = fields.One2many('crm.campaign.target', 'campaign_id', string='Targets')
    audience_count = fields.Integer(compute='_compute_counts', string='Scored')
    selected_count = fields.Integer(compute='_compute_counts', string='Targeted')
    test_count = fields.Integer(compute='_compute_counts', string='Test')
    holdout_count = fields.Integer(compute='_compute_counts', string='Holdout')
    rollout_count = fields.Integer(compute='_compute_counts', string='Rollout')
    contacted_count = fields.Integer(compute='_compute_counts', string='Contacted')
    responded_count = fields.Integer(compute='_compute_counts', string='Responded')
    accepted_count = fields.Integer(compute='_compute_counts', string='Accepted')
    rejected_count = fields.Integer(compute='_compute_counts', string='Rejected')
    converted_count = fields.Integer(compute='_compute_counts', string='Invoiced')
    lead_count = fields.Integer(compute='_compute_counts', string='Opportunities')
    order_count = fields.Integer(compute='_compute_order_count', string='Orders')
    mailing_count = fields.Integer(compute='_compute_counts', string='Mailings')
    expected_profit = fields.Monetary(compute='_compute_counts',
                                      help="Sum of the expected profit of the targeted.")
    cost_contact_planned = fields.Monetary(
        compute='_compute_money', string='Planned Contact Costs',
        help="Cost per contact of the channel of every contacted target.")
    cost_planned = fields.Monetary(compute='_compute_money', string='Planned Cost',
                                   help="Fixed cost plus the planned contact costs.")
    cost_actual = fields.Monetary(compute='_compute_money', string='Billed Cost',
                                  help="Posted vendor bills on the analytic account, net of "
                                       "refunds, in company currency.")
    cost_unbilled_fixed = fields.Monetary(
        compute='_compute_money', string='Fixed Cost Not Billed',
        help="The part of the fixed cost that no vendor bill covers yet: counted as planned.")
    cost_unbilled_contact = fields.Monetary(
        compute='_compute_money', string='Contact Costs Not Billed',
        help="The part of the planned contact costs that no vendor bill covers yet: counted "
             "as planned.")
    cost_total = fields.Monetary(
        compute='_compute_money', string='Cost',
        help="Billed cost plus the planned costs no bill covers yet. Vendor bills on the "
             "campaign's analytic account cover the planned fixed cost first, then the planned "
             "contact costs; what they do not cover is counted at its planned amount, and bills "
             "beyond the plan count in full. So one early bill never drops the rest of the "
             "plan, and the cost is never below what was billed.")
    attributed_revenue = fields.Monetary(compute='_compute_money')
    attributed_margin = fields.Monetary(compute='_compute_money')
    roi = fields.Float(compute='_compute_money', string='ROI',
                       help="(attributed margin - cost) / cost")
    incremental_margin = fields.Monetary(
        compute='_compute_money',
        help="(margin per contacted target - margin per holdout target) x contacted")
    incremental_roi = fields.Float(compute='_compute_money', string='Incremental ROI',
                                   help="(incremental margin - cost) / cost")
    window_closed_share = fields.Float(
        compute='_compute_money', string='Windows Closed (%)', digits=(5, 1),
        help="Share of measured targets whose attribution window has ended; below 100 the "
             "money figures are still partial.")
    funnel_html = fields.Html(compute='_compute_charts', sanitize=False)
    gains_html = fields.Html(compute='_compute_charts', sanitize=False)
    rejection_html = fields.Html(compute='_compute_charts', sanitize=False)

    _sql_constraints = [
        ('attribution_days_positive', 'CHECK(attribution_days > 0)',
         'The attribution window must last at least one day.'),
        ('budget_positive', 'CHECK(budget >= 0 AND fixed_cost >= 0)',
         'Budget and fixed cost cannot be negative.'),
    ]

    # --- computes ----------------------------------------------------------------------------
    def _today(self):
        """The campaign's today; tests and benchmarks pin it with ``campaign_today``."""
        return self.env.context.get('campaign_today') or fields.Date.context_today(self)

    @api.depends('target_ids')
    def _compute_counts(self):
        stats_by_campaign = {}
        if self.ids:
            self.env.cr.execute("""
                SELECT campaign_id,
                       COUNT(*),
                       COUNT(*) FILTER (WHERE selected),
                       COUNT(*) FILTER (WHERE target_group = 'test'),
                       COUNT(*) FILTER (WHERE target_group = 'holdout'),
                       COUNT(*) FILTER (WHERE target_group = 'rollout'),
                       COUNT(*) FILTER (WHERE contacted_date IS NOT NULL),
                       COUNT(*) FILTER (WHERE response IN ('accepted', 'rejected')),
                       COUNT(*) FILTER (WHERE response = 'accepted'),
                       COUNT(*) FILTER (WHERE response = 'rejected'),
                       COUNT(*) FILTER (WHERE converted AND contacted_date IS NOT NULL),
                       COUNT(lead_id),
                       COUNT(DISTINCT mailing_id),
                       COALESCE(SUM(expected_profit) FILTER (WHERE selected), 0)::float8
                  FROM crm_campaign_target
                 WHERE campaign_id IN %s
                 GROUP BY campaign_id
            """, (tuple(self.ids),))
            stats_by_campaign = {row[0]: row[1:] for row in self.env.cr.fetchall()}
        names = ('audience_count', 'selected_count', 'test_count', 'holdout_count',
                 'rollout_count', 'contacted_count', 'responded_count', 'accepted_count',
                 'rejected_count', 'converted_count', 'lead_count', 'mailing_count',
                 'expected_profit')
        for campaign in self:
            row = stats_by_campaign.get(campaign.id, (0,) * len(names))
            for name, value in zip(names, row):
                campaign[name] = value

    def _compute_order_count(self):
        data = self.env['sale.order'].read_group(
            [('campaign_id', 'in', self.mapped('utm_campaign_id').ids)],
            ['campaign_id'], ['campaign_id'])
        counts = {row['campaign_id'][0]: row['campaign_id_count'] for row in data}
        for campaign in self:
            campaign.order_count = counts.get(campaign.utm_campaign_id.id, 0)

    def _compute_money(self):
        today = fields.Date.from_string(self._today())
        actual = self._actual_costs()
        figures = {}
        if self.ids:
            self.env.cr.execute("""
                SELECT t.campaign_id,
                       COALESCE(SUM(t.contact_cost)
                                FILTER (WHERE t.contacted_date IS NOT NULL), 0)::float8,
                       COALESCE(SUM(t.attributed_revenue), 0)::float8,
                       COALESCE(SUM(t.attributed_margin), 0)::float8,
                       COUNT(*) FILTER (WHERE t.contacted_date IS NOT NULL),
                       COALESCE(SUM(t.window_margin)
                                FILTER (WHERE t.contacted_date IS NOT NULL), 0)::float8,
                       COUNT(*) FILTER (WHERE t.target_group = 'holdout'),
                       COALESCE(SUM(t.window_margin)
                                FILTER (WHERE t.target_group = 'holdout'), 0)::float8,
                       COUNT(*) FILTER (WHERE t.window_start IS NOT NULL),
                       COUNT(*) FILTER (WHERE t.window_start + c.attribution_days < %s)
                  FROM crm_campaign_target t
                  JOIN crm_campaign c ON c.id = t.campaign_id
                 WHERE t.campaign_id IN %s
                 GROUP BY t.campaign_id
            """, (today, tuple(self.ids)))
            figures = {row[0]: row[1:] for row in self.env.cr.fetchall()}
        for campaign in self:
            (contact_cost, revenue, margin, contacted, contacted_margin, holdout,
             holdout_margin, measured, closed) = figures.get(campaign.id, (0,) * 9)
            billed = actual.get(campaign.id, 0.0)
            # bills cover the fixed cost first, then the contact costs (see cost_total)
            unbilled_fixed = max(0.0, campaign.fixed_cost - billed)
            unbilled_contact = max(0.0, contact_cost - max(0.0, billed - campaign.fixed_cost))
            campaign.cost_contact_planned = contact_cost
            campaign.cost_planned = campaign.fixed_cost + contact_cost
            campaign.cost_actual = billed
            campaign.cost_unbilled_fixed = unbilled_fixed
            campaign.cost_unbilled_contact = unbilled_contact
            campaign.cost_total = billed + unbilled_fixed + unbilled_contact
            campaign.attributed_revenue = revenue
            campaign.attributed_margin = margin
            total = campaign.cost_total
            campaign.roi = (margin - total) / total if total else 0.0
            if contacted and holdout:
                incremental = (contacted_margin / contacted - holdout_margin / holdout) * contacted
            else:
                incremental = 0.0
            campaign.incremental_margin = incremental
            campaign.incremental_roi = (incremental - total) / total if total else 0.0
            campaign.window_closed_share = 100.0 * closed / measured if measured else 0.0

    def _actual_costs(self):
        """Posted vendor bills (net of refunds) on each campaign's analytic account."""
        accounts = {c.analytic_account_id.id: c.id for c in self if c.analytic_account_id}
        if not accounts:
            return {}
        self.env.cr.execute("""
            SELECT l.account_analytic_id, SUM(l.price_subtotal_signed)::float8
              FROM account_invoice_line l
              JOIN account_invoice i ON i.id = l.invoice_id
             WHERE l.account_analytic_id IN %s
               AND i.type IN ('in_invoice', 'in_refund') AND i.state IN ('open', 'paid')
             GROUP BY l.account_analytic_id
        """, (tuple(accounts),))
        return {accounts[account]: amount for account, amount in self.env.cr.fetchall()}

    def _compute_charts(self):
        for campaign in self:
            campaign.funnel_html = campaign._funnel_html()
            campaign.gains_html = campaign._gains_html()
            campaign.rejection_html = campaign._rejection_html()

    # --- constraints -------------------------------------------------------------------------
    @api.constrains('test_share', 'holdout_share')
    def _check_shares(self):
        for campaign in self:
            if not 0.0 < campaign.test_share <= 50.0:
                raise ValidationError(_("The test share must lie above 0 % and at most 50 %."))
            if not 0.0 < campaign.holdout_share <= 50.0:
                raise ValidationError(_("The holdout share must lie above 0 % and at most 50 %."))

    @api.constrains('confidence_level', 'min_sample')
    def _check_test_settings(self):
        for campaign in self:
            if not 50.0 <= campaign.confidence_level < 100.0:
                raise ValidationError(_("The confidence level must lie between 50 % and 100 %."))
            if campaign.min_sample < 1:
                raise ValidationError(_("The minimum group size must be at least 1."))

    @api.constrains('company_id', 'segment_id', 'market_id', 'scoring_model_id')
    def _check_company(self):
        for campaign in self.sudo():
            for record in (campaign.segment_id, campaign.market_id, campaign.scoring_model_id):
                if record and record.company_id != campaign.company_id:
                    raise ValidationError(_("The segment, market and scoring model must belong "
                                            "to the campaign's company."))

    @api.constrains('offer_type', 'pricelist_id', 'discount')
    def _check_offer(self):
        for campaign in self:
            if campaign.offer_type == 'pricelist' and not campaign.pricelist_id:
                raise ValidationError(_("A pricelist offer needs a pricelist."))
            if campaign.offer_type == 'discount' and not 0.0 < campaign.discount <= 100.0:
                raise ValidationError(_("A discount offer needs a discount above 0 and at most "
                                        "100 %."))

    @api.constrains('call_due_days', 'campaign_type', 'auto_enrol')
    def _check_call_due_days(self):
        for campaign in self:
            if campaign.call_due_days < 0:
                raise ValidationError(_("The call delay cannot be negative."))
            if campaign.campaign_type == 'winback' and campaign.auto_enrol \
                    and campaign.call_due_days > 7:
                raise ValidationError(_("Lapsed customers must be called within 7 days."))

    # --- CRUD --------------------------------------------------------------------------------
    @api.model
    def create(self, vals):
        check_system_fields(self, vals, SYSTEM_FIELDS, create=True)
        if not vals.get('utm_campaign_id'):
            vals['utm_campaign_id'] = self.env['utm.campaign'].create({'name': vals['name']}).id
        campaign = super(CrmCampaign, self).create(vals)
        if not campaign.analytic_account_id:
            campaign.analytic_account_id = self.env['account.analytic.account'].create({
                'name': _("Campaign: %s") % campaign.name,
                'company_id': campaign.company_id.id,
            })
        if not campaign.scoring_model_id:
            campaign.scoring_model_id = campaign._default_scoring_model()
        return campaign

    @api.multi
    def write(self, vals):
        check_system_fields(self, vals, SYSTEM_FIELDS)
        return super(CrmCampaign, self).write(vals)

    @api.multi
    def unlink(self):
        if any(campaign.state not in ('draft', 'scored', 'cancel') for campaign in self):
            raise UserError(_("A campaign that has contacted customers cannot be deleted; "
                              "cancel or archive it."))
        return super(CrmCampaign, self).unlink()

    def _default_scoring_model(self):
        models_ = self.env['crm.campaign.scoring.model'].search([
            ('campaign_type', '=', self.campaign_type), ('company_id', '=', self.company_id.id),
            ('market_id', 'in', [self.market_id.id, False])])
        preferred = models_.filtered(lambda m: m.market_id == self.market_id)
        return (preferred or models_)[:1]

    @api.onchange('campaign_type', 'market_id')
    def _onchange_scoring_model(self):
        model = self._default_scoring_model()
        if model:
            self.scoring_model_id = model

    # --- audience ----------------------------------------------------------------------------
    @api.model
    def _audience_partner_ids(self, company, partner_domain, value_domain):
        """Commercial partners matching ``partner_domain`` (res.partner) and, when given,
        ``value_domain`` (crm.loyalty.value of ``company``): one query, record rules applied,
        internal users' partners and companies' own partners left out."""
        Partner = self.env['res.partner'].with_context(force_company=company.id)
        query = Partner._where_calc(list(partner_domain))
        Partner._apply_ir_rules(query, 'read')
        from_clause, where_clause, params = query.get_sql()
        conditions = [where_clause or 'TRUE',
                      '"res_partner"."commercial_partner_id" = "res_partner"."id"',
                      'NOT EXISTS (SELECT 1 FROM res_users u WHERE u.partner_id = '
                      '"res_partner"."id" AND u.share IS NOT TRUE)',
                      'NOT EXISTS (SELECT 1 FROM res_company rc WHERE rc.partner_id = '
                      '"res_partner"."id")']
        params = list(params)
        if value_domain:
            Value = self.env['crm.loyalty.value']
            value_query = Value._where_calc(list(value_domain) + [('company_id', '=', company.id)])
            Value._apply_ir_rules(value_query, 'read')
            v_from, v_where, v_params = value_query.get_sql()
            conditions.append('"res_partner"."id" IN (SELECT "crm_loyalty_value"."partner_id" '
                              'FROM %s WHERE %s)' % (v_from, v_where or 'TRUE'))
            params += list(v_params)
        # clauses come from the ORM's query builder; values stay parameters
        self.env.cr.execute('SELECT "res_partner"."id" FROM %s WHERE %s ORDER BY 1' % (
            from_clause, ' AND '.join('(%s)' % c for c in conditions)), params)
        return [row[0] for row in self.env.cr.fetchall()]

    @api.multi
    def _segment_partner_ids(self):
        self.ensure_one()
        domain = self.market_id._get_partner_domain() if self.market_id else []
        domain += self._segment_domain('partner_domain')
        return self._audience_partner_ids(self.company_id, domain,
                                          self._segment_domain('value_domain'))

    def _segment_domain(self, field_name):
        """A condition of the campaign's segment as a domain (a clear UserError when it is
        invalid); empty without a segment."""
        return self.segment_id._parse_domain(field_name) if self.segment_id else []

    @api.model
    def _fetch_audience(self, company, partner_ids):
        """Columns (numpy arrays, rows ordered by partner id) the scoring and targeting need:
        the customer value figures of ``company`` and the partner's contact data."""
        self.env.cr.execute("""
            SELECT p.id, (v.id IS NOT NULL)::int, %s, v.last_invoice_date, v.segment,
                   v.churn_risk, p.city, COALESCE(p.country_id, 0), COALESCE(p.industry_id, 0),
                   COALESCE(p.email, ''), COALESCE(p.phone, ''), COALESCE(p.mobile, ''),
                   COALESCE(p.street, ''), COALESCE(p.opt_out, FALSE),
                   COALESCE(p.campaign_exclude_reason, ''), COALESCE(p.user_id, 0)
              FROM res_partner p
              LEFT JOIN crm_loyalty_value v ON v.partner_id = p.id AND v.company_id = %%s
             WHERE p.id = ANY(%%s::int[])
             ORDER BY p.id
        """ % ', '.join('v.%s' % column for column in VALUE_COLUMNS),
            (company.id, int_array(partner_ids)))
        rows = self.env.cr.fetchall()
        columns = list(zip(*rows)) if rows else [()] * (len(VALUE_COLUMNS) + 16)
        frame = {'id': numpy.array(columns[0], dtype=int),
                 'has_value': numpy.array(columns[1], dtype=int)}
        offset = 2
        for index, name in enumerate(VALUE_COLUMNS):
            frame[name] = numpy.array([numpy.nan if value is None else value
                                       for value in columns[offset + index]], dtype=float)
        offset += len(VALUE_COLUMNS)
        frame['last_invoice_date'] = numpy.array(
            [value or 'NaT' for value in columns[offset]], dtype='datetime64[D]')
        names = ('segment', 'churn_risk', 'city', 'country_id', 'industry_id', 'email', 'phone',
                 'mobile', 'street', 'opt_out', 'exclude_reason', 'user_id')
        for index, name in enumerate(names, start=offset + 1):
            kind = int if name in ('country_id', 'industry_id', 'user_id') else \
                bool if name == 'opt_out' else object
            frame[name] = numpy.array(columns[index], dtype=kind)
        return frame

    def _assign_channels(self, frame):
        """First channel (by sequence) each partner can be reached on, and its cost."""
        count = frame['id'].size
        channel = numpy.full(count, '', dtype=object)
        cost = numpy.zeros(count)
        reachable = {
            'email': numpy.array(['@' in email for email in frame['email']], dtype=bool)
            & ~frame['opt_out'],
            'phone': (frame['phone'] != '') | (frame['mobile'] != ''),
            'letter': frame['street'] != '',
        }
        reachable['call_centre'] = reachable['phone']
        for line in self.channel_ids.sorted(key=lambda line: (line.sequence, line.id)):
            free = (channel == '') & reachable[line.channel]
            channel[free] = line.channel
            cost[free] = line.cost_per_contact
        return channel, cost

    def _pressure_counts(self, partner_ids):
        """Contacts of each partner by the company's other campaigns within the pressure
        period, plus contacts those campaigns have planned and not made yet."""
        company = self.company_id
        if not company.campaign_pressure_max:
            return {}
        since = fields.Date.from_string(self._today()) - \
            timedelta(days=company.campaign_pressure_days)
        self.env.cr.execute("""
            SELECT t.partner_id, COUNT(*)
              FROM crm_campaign_target t
              JOIN crm_campaign c ON c.id = t.campaign_id
             WHERE t.company_id = %s AND t.campaign_id != %s AND t.partner_id = ANY(%s::int[])
               AND (t.contacted_date > %s
                    OR (t.contacted_date IS NULL AND t.selected
                        AND t.target_group IN ('test', 'rollout')
                        AND c.state IN ('testing', 'evaluated', 'rollout')))
             GROUP BY t.partner_id
        """, (company.id, self.id or 0, int_array(partner_ids), since))
        return dict(self.env.cr.fetchall())

    def _excluded_partners(self, partner_ids):
        """Hook: ``{partner_id: reason}`` of partners other addons keep out of campaigns;
        reasons are exclusion codes of ``crm.campaign.target``. Extend with ``super()``."""
        result = {}
        Value = self.env['crm.loyalty.value']
        if 'customer_type' in Value._fields and Value._fields['customer_type'].store:
            # crm_loyalty's customer types: saboteurs respect no rule (seed 000)
            self.env.cr.execute("""
                SELECT partner_id FROM crm_loyalty_value
                 WHERE company_id = %s AND partner_id = ANY(%s::int[])
                   AND customer_type = 'saboteur'
            """, (self.company_id.id, int_array(partner_ids)))
            for (partner_id,) in self.env.cr.fetchall():
                result[partner_id] = 'saboteur'
        if self.exclude_open_complaints:
            for partner_id in self.env['crm.loyalty.value']._unresolved_complaint_partner_ids(
                    self.company_id, list(partner_ids)):
                result[partner_id] = 'complaint'
        return result

    def _exclusions(self, frame, channel):
        """Exclusion code per audience row ('' = eligible), first reason wins."""
        ids = frame['id']
        reason = numpy.full(ids.size, '', dtype=object)

        def mark(mask, code):
            reason[(reason == '') & mask] = code
        mark(frame['exclude_reason'] != '', 'do_not_contact')
        if self.exclude_opted_out:
            mark(frame['opt_out'], 'opted_out')
        excluded = self._excluded_partners(ids.tolist())
        for code in sorted(set(excluded.values())):
            members = [pid for pid, value in excluded.items() if value == code]
            mark(numpy.isin(ids, members), code)
        pressure = self._pressure_counts(ids.tolist())
        if pressure:
            counts = numpy.array([pressure.get(int(pid), 0) for pid in ids])
            mark(counts >= self.company_id.campaign_pressure_max, 'pressure')
        mark(channel == '', 'unreachable')
        return reason

    def _probability(self, scores):
        if self.calibrated:
            return stats.logistic(self.calibration_intercept, self.calibration_slope,
                                  numpy.asarray(scores, dtype=float) / 100.0)
        return self.scoring_model_id._probabilities(scores)

    def _expected_margins(self, frame):
        margin = numpy.full(frame['id'].size, float(self.expected_margin))
        if self.margin_source == 'customer':
            own = numpy.divide(frame['margin'], frame['frequency'],
                               out=numpy.full(margin.size, numpy.nan),
                               where=frame['frequency'] > 0)
            known = ~numpy.isnan(own) & (own > 0)
            margin[known] = own[known]
        return margin

    def _score_audience(self, partner_ids):
        """Score, explain, exclude and price ``partner_ids``: the rows of their targets."""
        frame = self._fetch_audience(self.company_id, partner_ids)
        model = self.scoring_model_id
        scores, points, raws = model._score_frame(frame, self.company_id, self._today(),
                                                  exclude_campaign=self.id)
        channel, cost = self._assign_channels(frame)
        exclusion = self._exclusions(frame, channel)
        probability = self._probability(scores)
        margin = self._expected_margins(frame)
        expected_profit = probability * margin - cost
        details = score_details(model.variable_ids.ids, points, raws)
        return {
            'frame': frame, 'scores': scores, 'channel': channel, 'cost': cost,
            'exclusion': exclusion, 'probability': probability, 'margin': margin,
            'expected_profit': expected_profit, 'details': details,
        }

    # --- state actions -----------------------------------------------------------------------
    def _check_manage(self):
        """State actions write targets in bulk (SQL): check the user may edit the campaign
        before anything is written."""
        self.check_access_rights('write')
        self.check_access_rule('write')

    def _check_scoring_input(self):
        if self.state not in ('draft', 'scored'):
            raise UserError(_("Only a draft or scored campaign can be scored."))
        if not self.segment_id:
            raise UserError(_("Choose the segment the campaign addresses."))
        if not self.scoring_model_id:
            raise UserError(_("Choose a scoring model for this type of campaign."))
        if not self.scoring_model_id.variable_ids:
            raise UserError(_("The scoring model %s has no variables.") %
                            self.scoring_model_id.name)
        if not self.channel_ids:
            raise UserError(_("Add at least one channel with its cost per contact."))
        cheapest = min(self.channel_ids.mapped('cost_per_contact'))
        if self.budget - self.fixed_cost < cheapest or self.budget <= self.fixed_cost:
            raise UserError(_(
                "The budget leaves %(left).2f after fixed costs, less than one contact "
                "(%(cheapest).2f): raise the budget.") % {
                    'left': self.budget - self.fixed_cost, 'cheapest': cheapest})

    @api.multi
    def action_score(self):
        """Score the segment, pick the targets by expected profit within the budget."""
        self.ensure_one()
        self._check_manage()
        self._check_scoring_input()
        partner_ids = self._segment_partner_ids()
        if not partner_ids:
            raise UserError(_("The segment %s matches no customer: nothing to score.") %
                            self.segment_id.name)
        result = self._score_audience(partner_ids)
        frame = result['frame']
        eligible = result['exclusion'] == ''
        selected, reason = scoring.select_by_expected_profit(
            result['expected_profit'], result['cost'], eligible,
            self.budget - self.fixed_cost, result['scores'], frame['id'])
        exclusion = numpy.where(eligible, reason, result['exclusion'])
        if not selected.any():
            raise UserError(_(
                "No customer of the segment is worth contacting: %(count)d scored, none with a "
                "positive expected profit within the budget and the exclusions.") % {
                    'count': len(partner_ids)})
        decile = scoring.deciles(result['scores'], frame['id'])
        self.env.cr.execute('DELETE FROM crm_campaign_target WHERE campaign_id = %s', (self.id,))
        self._insert_targets(frame, result, decile, selected, exclusion, return_ids=False)
        system(self).write({'state': 'scored', 'scored_date': fields.Datetime.now(),
                            'calibrated': False, 'decision': False})
        return True

    def _insert_targets(self, frame, result, decile, selected, exclusion, group=None,
                        contacted_date=None, return_ids=True):
        """Bulk insert of target rows: COPY in pages of 10,000 rows, each column formatted at
        once (70,000 rows in a few seconds; one ``create`` each takes minutes). Returns the new
        ids in the order of the rows, unless ``return_ids`` is false."""
        partner_ids = frame['id'].tolist()
        count = len(partner_ids)
        if not count:
            return []
        now = fields.Datetime.now()
        uid = self.env.uid
        fallback_user = self.user_id.id or None

        def constant(value):
            return [_copy_field(value)] * count

        def texts(values):
            return [_copy_field(value or None) for value in values]
        columns = [
            constant(self.id), constant(self.company_id.id), [str(pid) for pid in partner_ids],
            [str(user) if user else _copy_field(fallback_user)
             for user in numpy.asarray(frame['user_id'], dtype=int).tolist()],
            [repr(round(score, 4)) for score in
             numpy.asarray(result['scores'], dtype=float).tolist()],
            [str(value) for value in numpy.asarray(decile, dtype=int).tolist()],
            _copy_floats(result['probability']), _copy_floats(result['margin']),
            _copy_floats(result['cost']), _copy_floats(result['expected_profit']),
            texts(result['details']),
            ['t' if value else 'f' for value in numpy.asarray(selected, dtype=bool).tolist()],
            texts(exclusion), texts(result['channel']),
            texts(group) if group is not None else constant(None),
            constant(contacted_date), constant(contacted_date), constant('pending'),
            constant(False), constant(0.0), constant(0.0), constant(0.0), constant(0.0),
            constant(uid), constant(now), constant(uid), constant(now),
        ]
        statement = 'COPY crm_campaign_target (%s) FROM STDIN' % ', '.join(TARGET_COPY_COLUMNS)
        # a page at a time: the text of 70,000 rows at once would take 100 MB more memory
        for start in range(0, count, COPY_PAGE):
            page = zip(*[column[start:start + COPY_PAGE] for column in columns])
            self.env.cr.copy_expert(statement, io.StringIO(
                '\n'.join('\t'.join(row) for row in page) + '\n'))
        self.env['crm.campaign.target'].invalidate_cache()
        self.invalidate_cache(['target_ids'])
        if not return_ids:
            return []
        # (campaign, partner) is unique
        self.env.cr.execute("""
            SELECT partner_id, id FROM crm_campaign_target
             WHERE campaign_id = %s AND partner_id = ANY(%s::int[])
        """, (self.id, int_array(partner_ids)))
        by_partner = dict(self.env.cr.fetchall())
        return [by_partner[pid] for pid in partner_ids]

    @api.multi
    def action_start_test(self):
        """Draw the holdout and the test sample (seeded, by score decile); contact the test."""
        self.ensure_one()
        self._check_manage()
        if self.state != 'scored':
            raise UserError(_("Score the campaign before starting its test."))
        self._check_shares()
        Target = self.env['crm.campaign.target']
        self.env.cr.execute("""
            SELECT id, decile FROM crm_campaign_target WHERE campaign_id = %s AND selected
        """, (self.id,))
        strata = {}
        for target_id, decile in self.env.cr.fetchall():
            strata.setdefault(decile, []).append(target_id)
        groups = stats.stratified_split(strata, self.holdout_share / 100.0,
                                        self.test_share / 100.0, self.seed)
        by_group = {}
        for target_id, group in groups.items():
            by_group.setdefault(group, []).append(target_id)
        selected = sum(len(ids) for ids in strata.values())
        for group, label in (('test', _("test sample")), ('holdout', _("holdout"))):
            if not by_group.get(group):
                raise UserError(_(
                    "The %(group)s would be empty: %(count)d targeted customers are too few for "
                    "the shares chosen.") % {'group': label, 'count': selected})
        today = self._today()
        for group, ids in by_group.items():
            self.env.cr.execute("""
                UPDATE crm_campaign_target SET target_group = %s,
                       window_start = CASE WHEN %s = 'holdout' THEN %s::date ELSE NULL END
                 WHERE id = ANY(%s)
            """, (group, group, today, ids))
        Target.invalidate_cache()
        self._contact(Target.browse(sorted(by_group['test'])), today)
        system(self).write({'state': 'testing', 'test_date': today})
        return True

    def _contact(self, targets, date):
        """Contact ``targets`` on their channels: email through one mass mailing to exactly
        them, call activities for the salespeople, letters and call-centre files to print or
        export. The holdout can never get here."""
        if targets.filtered(lambda t: t.target_group == 'holdout'):
            raise UserError(_("The holdout is never contacted."))
        if not targets:
            return
        self.env.cr.execute("""
            UPDATE crm_campaign_target SET contacted_date = %s, window_start = %s
             WHERE id = ANY(%s)
        """, (date, date, targets.ids))
        targets.invalidate_cache()
        email = targets.filtered(lambda t: t.channel == 'email')
        if email:
            mailing = self._create_mailing(email)
            self.env.cr.execute('UPDATE crm_campaign_target SET mailing_id = %s WHERE id = ANY(%s)',
                                (mailing.id, email.ids))
            targets.invalidate_cache()
        phone = targets.filtered(lambda t: t.channel == 'phone')
        if phone:
            self._schedule_calls(phone, date)

    def _create_mailing(self, targets):
        partner_ids = sorted(targets.mapped('partner_id').ids)
        sender = self.user_id.partner_id.email or self.company_id.email
        values = {
            'name': self.mail_subject or self.name,
            'mailing_model_id': self.env.ref('base.model_res_partner').id,
            'mailing_domain': repr([('id', 'in', partner_ids)]),
            'campaign_id': self.utm_campaign_id.id,
            'medium_id': self.env.ref(CHANNEL_MEDIUMS['email']).id,
            'body_html': self.mail_body or '<p>%s</p>' % escape(self.offer_description or ''),
            'reply_to_mode': 'email',
        }
        if sender:
            formatted = '%s <%s>' % (self.user_id.name or self.company_id.name, sender)
            values.update(email_from=formatted, reply_to=formatted)
        mailing = self.env['mail.mass_mailing'].create(values)
        mailing.put_in_queue()
        return mailing

    def _schedule_calls(self, targets, date):
        call = self.env.ref('mail.mail_activity_data_call')
        model = self.env['ir.model']._get('crm.campaign.target')
        deadline = fields.Date.to_string(
            fields.Date.from_string(date) + timedelta(days=self.call_due_days))
        Activity = self.env['mail.activity']
        for target in targets:
            Activity.create({
                'res_model_id': model.id,
                'res_id': target.id,
                'activity_type_id': call.id,
                'summary': _("Campaign call: %s") % self.name,
                'note': self.offer_description or False,
                'date_deadline': deadline,
                'user_id': target.user_id.id or self.user_id.id or self.env.uid,
            })

    @api.multi
    def action_evaluate(self):
        """Compare the test sample with the holdout and decide go / no-go / inconclusive."""
        self.ensure_one()
        self._check_manage()
        if self.state != 'testing':
            raise UserError(_("Only a campaign in test can be evaluated."))
        self._refresh_attribution()
        self._evaluate()
        self._recalibrate()
        system(self).write({'state': 'evaluated', 'evaluation_date': self._today()})
        return True

    def _group_figures(self):
        self.env.cr.execute("""
            SELECT target_group, COUNT(*),
                   COUNT(*) FILTER (WHERE response IN ('accepted', 'rejected')),
                   COUNT(*) FILTER (WHERE response = 'accepted'),
                   COUNT(*) FILTER (WHERE converted),
                   COALESCE(SUM(window_margin), 0)::float8,
                   COALESCE(SUM(window_margin * window_margin), 0)::float8,
                   COALESCE(AVG(contact_cost), 0)::float8
              FROM crm_campaign_target
             WHERE campaign_id = %s AND target_group IS NOT NULL
             GROUP BY target_group
        """, (self.id,))
        return {row[0]: row[1:] for row in self.env.cr.fetchall()}

    def _evaluate(self):
        figures = self._group_figures()
        test = figures.get('test', (0, 0, 0, 0, 0.0, 0.0, 0.0))
        holdout = figures.get('holdout', (0, 0, 0, 0, 0.0, 0.0, 0.0))
        n1, responded, accepted, x1, sum1, sumsq1, cost = test
        n2, _r, _a, x2, sum2, sumsq2, _c = holdout
        level = self.confidence_level / 100.0
        ztest = stats.two_proportion_ztest(x1, n1, x2, n2, level)
        problems = stats.minimum_sample_problems(x1, n1, x2, n2, self.min_sample)
        margin = None
        if n1 >= 2 and n2 >= 2:
            margin = stats.mean_difference(n1, sum1, sumsq1, n2, sum2, sumsq2, level)
        decision, reason = stats.decide(ztest, problems, margin and margin.diff, cost)
        system(self).write({
            'eval_test_size': n1, 'eval_test_converted': x1, 'eval_test_responded': responded,
            'eval_test_accepted': accepted, 'eval_holdout_size': n2,
            'eval_holdout_converted': x2, 'eval_rate_test': ztest.p1,
            'eval_rate_holdout': ztest.p2, 'eval_uplift': ztest.diff, 'eval_ci_low': ztest.ci_low,
            'eval_ci_high': ztest.ci_high, 'eval_z': ztest.z, 'eval_p_value': ztest.p_value,
            'eval_margin_test': margin.mean1 if margin else 0.0,
            'eval_margin_holdout': margin.mean2 if margin else 0.0,
            'eval_margin_uplift': margin.diff if margin else 0.0,
            'eval_margin_ci_low': margin.ci_low if margin else 0.0,
            'eval_margin_ci_high': margin.ci_high if margin else 0.0,
            'decision': decision, 'decision_reason': reason,
            'decision_note': self._decision_note(ztest, problems, margin, cost, decision, reason,
                                                 (n1, responded, accepted, x1, n2, x2)),
        })

    def _decision_note(self, ztest, problems, margin, cost, decision, reason, figures):
        """The decision and the numbers it rests on, in words."""
        n1, responded, accepted, x1, n2, x2 = figures
        groups = {'test': _("test sample"), 'holdout': _("holdout")}
        lines = [
            _("Test sample: %(n)d contacted, %(responded)d responded, %(accepted)d accepted; "
              "%(x)d bought within the window (%(rate).2f %%).") % {
                  'n': n1, 'responded': responded, 'accepted': accepted, 'x': x1,
                  'rate': 100.0 * ztest.p1},
            _("Holdout: %(n)d never contacted; %(x)d bought within the window "
              "(%(rate).2f %%).") % {'n': n2, 'x': x2, 'rate': 100.0 * ztest.p2},
            _("Uplift in buying: %(diff)+.2f points, %(level).0f %% interval "
              "[%(low)+.2f, %(high)+.2f], z = %(z).3f, p = %(p).4f.") % {
                  'diff': 100.0 * ztest.diff, 'level': 100.0 * ztest.level,
                  'low': 100.0 * ztest.ci_low, 'high': 100.0 * ztest.ci_high, 'z': ztest.z,
                  'p': ztest.p_value},
        ]
        if margin:
            lines.append(_(
                "Invoiced margin per target: test %(m1).2f, holdout %(m2).2f, uplift "
                "%(diff)+.2f, interval [%(low)+.2f, %(high)+.2f], against a contact cost of "
                "%(cost).2f.") % {'m1': margin.mean1, 'm2': margin.mean2, 'diff': margin.diff,
                                  'low': margin.ci_low, 'high': margin.ci_high, 'cost': cost})
        for kind, group, value, limit in problems:
            if kind == 'size':
                lines.append(_("The %(group)s has %(size)d members, fewer than the minimum of "
                               "%(min)d.") % {'group': groups[group], 'size': value,
                                              'min': limit})
            else:
                lines.append(_("The %(group)s expects %(value).1f buyers or non-buyers under "
                               "the pooled rate, fewer than 5.") % {
                                   'group': groups[group], 'value': value})
        decisions = dict(self._fields['decision']._description_selection(self.env))
        reasons = dict(self._fields['decision_reason']._description_selection(self.env))
        lines.append(_("Decision: %(decision)s (%(reason)s).") % {
            'decision': decisions[decision], 'reason': reasons[reason]})
        return '\n'.join(lines)

    def _recalibrate(self):
        """Fit the calibration on the test sample's outcomes (accepted or bought); keep the
        model's when the outcomes cannot support a fit, and say so."""
        xs, ys, ws = self._outcome_table(self, groups=('test',))
        try:
            fit = stats.logistic_fit(xs, ys, ws) if xs else None
        except ValueError as error:
            fit = None
            self.message_post(body=_("Calibration kept from the scoring model: %s") % error)
        if fit is None:
            return
        system(self).write({'calibration_intercept': fit.intercept,
                            'calibration_slope': fit.slope, 'calibrated': True})
        self.env.cr.execute("""
            SELECT id, score::float8, expected_margin::float8, contact_cost::float8
              FROM crm_campaign_target
             WHERE campaign_id = %s
        """, (self.id,))
        rows = self.env.cr.fetchall()
        if rows:
            ids, scores, margins, costs = (numpy.array(column) for column in zip(*rows))
            probability = stats.logistic(fit.intercept, fit.slope, scores / 100.0)
            profit = probability * margins - costs
            self.env.cr.execute("""
                UPDATE crm_campaign_target t SET probability = v.p, expected_profit = v.e
                  FROM unnest(%s::int[], %s::float8[], %s::float8[]) AS v(id, p, e)
                 WHERE t.id = v.id
            """, (ids.tolist(), probability.tolist(), profit.tolist()))
            self.env['crm.campaign.target'].invalidate_cache()

    @api.model
    def _outcome_table(self, campaigns, groups=('test', 'rollout')):
        """Calibration data of ``campaigns``: (score / 100, took the offer, count) over their
        contacted targets; took the offer = accepted or bought within the window."""
        if not campaigns:
            return [], [], []
        self.env.cr.execute("""
            SELECT score::float8 / 100.0, (response = 'accepted' OR converted)::int, COUNT(*)
              FROM crm_campaign_target
             WHERE campaign_id IN %s AND contacted_date IS NOT NULL AND target_group IN %s
             GROUP BY 1, 2 ORDER BY 1, 2
        """, (tuple(campaigns.ids), tuple(groups)))
        rows = self.env.cr.fetchall()
        return ([float(r[0]) for r in rows], [r[1] for r in rows], [r[2] for r in rows])

    @api.multi
    def action_extend_test(self):
        """Back to testing to gather more outcomes before deciding again."""
        self.ensure_one()
        self._check_manage()
        if self.state != 'evaluated':
            raise UserError(_("Only an evaluated campaign can extend its test."))
        system(self).write({'state': 'testing', 'decision': False})
        return True

    @api.multi
    def action_rollout(self):
        """Contact the rest of the targets; the holdout stays uncontacted."""
        self.ensure_one()
        self._check_manage()
        if self.state in ('draft', 'scored', 'testing'):
            raise UserError(_("Evaluate the test before rolling out."))
        if self.state != 'evaluated':
            raise UserError(_("Only an evaluated campaign can be rolled out."))
        if self.decision != 'go':
            raise UserError(_("The evaluation decided %s: the campaign cannot be rolled out.") %
                            dict(self._fields['decision']._description_selection(self.env)).get(
                                self.decision, self.decision))
        today = self._today()
        rollout = self.env['crm.campaign.target'].search([
            ('campaign_id', '=', self.id), ('target_group', '=', 'rollout'),
            ('contacted_date', '=', False)])
        self._contact(rollout, today)
        system(self).write({'state': 'rollout', 'rollout_date': today})
        return True

    @api.multi
    def action_done(self):
        self.ensure_one()
        self._check_manage()
        if self.state != 'rollout':
            raise UserError(_("Only a campaign rolling out can be closed."))
        self._refresh_attribution()
        system(self).write({'state': 'done', 'date_end': self.date_end or self._today()})
        return True

    @api.multi
    def action_cancel(self):
        """Stop the campaign: queued mailings and open call activities are withdrawn."""
        self._check_manage()
        for campaign in self:
            if campaign.state == 'done':
                raise UserError(_("A finished campaign cannot be cancelled."))
            mailings = campaign.target_ids.mapped('mailing_id').filtered(
                lambda m: m.state in ('draft', 'in_queue'))
            mailings.write({'state': 'draft'})
            self.env['mail.activity'].search([
                ('res_model', '=', 'crm.campaign.target'),
                ('res_id', 'in', campaign.target_ids.ids)]).unlink()
        system(self).write({'state': 'cancel'})
        return True

    @api.multi
    def action_draft(self):
        """Back to draft before anyone was contacted (targets are scored again)."""
        self._check_manage()
        for campaign in self:
            if campaign.state not in ('scored', 'cancel') or campaign.test_date:
                raise UserError(_("Only a scored campaign that has contacted nobody goes back "
                                  "to draft."))
            self.env.cr.execute('DELETE FROM crm_campaign_target WHERE campaign_id = %s',
                                (campaign.id,))
        self.env['crm.campaign.target'].invalidate_cache()
        system(self).write({'state': 'draft', 'calibrated': False})
        return True

    @api.multi
    def action_refresh_results(self):
        """Campaign users may refresh the invoiced figures of the campaigns they see."""
        self.check_access_rule('read')
        self.env['crm.campaign.target'].check_access_rights('write')
        for campaign in self:
            campaign._refresh_attribution()
        return True

    # --- attribution -------------------------------------------------------------------------
    def _refresh_attribution(self):
        """Write the invoiced figures of this campaign's measured targets (one statement).

        ``window_*``: every posted customer invoice of the target dated from its window start
        (contact day, or the test day for the holdout) to ``attribution_days`` later, net of
        refunds, in company currency: what the test and holdout are compared on.
        ``attributed_*``: the same invoices, each given to one campaign only when several
        contacted the customer: the one whose tracking campaign the invoice carries, else the
        latest contact before it. Refunds follow the invoice they refund; a refund without
        one counts on its own date. Margin = revenue - cost, cost from the sales order line
        (sale_margin) or the product's cost.
        """
        self.ensure_one()
        cr = self.env.cr
        cr.execute("""
            SELECT DISTINCT l.product_id
              FROM account_invoice_line l
              JOIN account_invoice i ON i.id = l.invoice_id
             WHERE i.company_id = %s AND i.type IN ('out_invoice', 'out_refund')
               AND i.state IN ('open', 'paid') AND l.product_id IS NOT NULL
               AND i.commercial_partner_id IN (
                   SELECT partner_id FROM crm_campaign_target
                    WHERE campaign_id = %s AND window_start IS NOT NULL)
        """, (self.company_id.id, self.id))
        product_ids = [row[0] for row in cr.fetchall()]
        products = self.env['product.product'].with_context(
            force_company=self.company_id.id).browse(product_ids)
        costs = [products.browse(pid).standard_price for pid in product_ids]
        cr.execute(ATTRIBUTION_SQL, {
            'campaign_id': self.id, 'company_id': self.company_id.id,
            'product_ids': product_ids, 'product_costs': costs,
        })
        self.env['crm.campaign.target'].invalidate_cache()

    # --- charts (HTML rendered on the form) --------------------------------------------------
    def _bar(self, value, maximum, color):
        width = 0 if not maximum else max(0.0, min(100.0, 100.0 * value / maximum))
        return ('<div style="background:#eee;width:100%%;height:14px;">'
                '<div style="background:%s;width:%.1f%%;height:14px;"></div></div>'
                % (color, width))

    def _funnel_html(self):
        steps = [
            (_("Targeted"), self.selected_count),
            (_("Contacted"), self.contacted_count),
            (_("Responded"), self.responded_count),
            (_("Accepted"), self.accepted_count),
            (_("Invoiced"), self.converted_count),
        ]
        top = steps[0][1]
        rows = ''.join(
            '<tr><td>%s</td><td class="text-right">%d</td><td style="width:60%%">%s</td>'
            '<td class="text-right">%s</td></tr>' % (
                escape(label), value, self._bar(value, top, '#875A7B'),
                '%.1f %%' % (100.0 * value / top) if top else '')
            for label, value in steps)
        return ('<table class="table table-condensed o_campaign_funnel"><thead><tr><th>%s</th>'
                '<th class="text-right">%s</th><th></th><th class="text-right">%s</th></tr>'
                '</thead><tbody>%s</tbody></table>' % (
                    escape(_("Step")), escape(_("Customers")), escape(_("Of targeted")), rows))

    def _gains_rows(self):
        """Per score decile of the contacted targets: contacted, took the offer (accepted or
        bought in the window), rate, cumulative share of all takers, lift."""
        self.env.cr.execute("""
            SELECT decile, COUNT(*), COUNT(*) FILTER (WHERE response = 'accepted' OR converted)
              FROM crm_campaign_target
             WHERE campaign_id = %s AND contacted_date IS NOT NULL
             GROUP BY decile ORDER BY decile
        """, (self.id,))
        rows = self.env.cr.fetchall()
        total_contacted = sum(r[1] for r in rows)
        total_taken = sum(r[2] for r in rows)
        overall = total_taken / total_contacted if total_contacted else 0.0
        result, cumulative = [], 0
        for decile, contacted, taken in rows:
            cumulative += taken
            rate = taken / contacted if contacted else 0.0
            result.append({
                'decile': decile, 'contacted': contacted, 'taken': taken, 'rate': rate,
                'gain': cumulative / total_taken if total_taken else 0.0,
                'lift': rate / overall if overall else 0.0,
            })
        return result

    def _gains_html(self):
        rows = self._gains_rows()
        if not rows:
            return '<p class="text-muted">%s</p>' % escape(_("No contacted target yet."))
        body = ''.join(
            '<tr><td>%d</td><td class="text-right">%d</td><td class="text-right">%d</td>'
            '<td class="text-right">%.1f %%</td><td style="width:40%%">%s</td>'
            '<td class="text-right">%.1f %%</td><td class="text-right">%.2f</td></tr>' % (
                row['decile'], row['contacted'], row['taken'], 100 * row['rate'],
                self._bar(row['gain'], 1.0, '#00A09D'), 100 * row['gain'], row['lift'])
            for row in rows)
        return ('<table class="table table-condensed o_campaign_gains"><thead><tr>'
                '<th>%s</th><th class="text-right">%s</th><th class="text-right">%s</th>'
                '<th class="text-right">%s</th><th>%s</th><th class="text-right">%s</th>'
                '<th class="text-right">%s</th></tr></thead><tbody>%s</tbody></table>' % (tuple(
                    escape(text) for text in (
                        _("Decile"), _("Contacted"), _("Took the offer"), _("Rate"),
                        _("Cumulative gain"), _("Gain"), _("Lift"))) + (body,)))

    def _rejection_rows(self):
        self.env.cr.execute("""
            SELECT rejection_reason_id, COUNT(*)
              FROM crm_campaign_target
             WHERE campaign_id = %s AND response = 'rejected'
             GROUP BY rejection_reason_id ORDER BY 2 DESC, 1
        """, (self.id,))
        rows = self.env.cr.fetchall()
        total = sum(count for _reason, count in rows)
        reasons = self.env['crm.campaign.rejection.reason'].with_context(
            active_test=False).browse([r for r, _c in rows if r])
        names = {reason.id: reason.name for reason in reasons}
        result, cumulative = [], 0
        for reason_id, count in rows:
            cumulative += count
            result.append({'reason': names.get(reason_id, _("Not given")), 'count': count,
                           'share': count / total, 'cumulative': cumulative / total})
        return result

    def _rejection_html(self):
        rows = self._rejection_rows()
        if not rows:
            return '<p class="text-muted">%s</p>' % escape(_("No rejection recorded."))
        top = rows[0]['count']
        body = ''.join(
            '<tr><td>%s</td><td class="text-right">%d</td><td style="width:40%%">%s</td>'
            '<td class="text-right">%.1f %%</td><td class="text-right">%.1f %%</td></tr>' % (
                escape(row['reason']), row['count'], self._bar(row['count'], top, '#D9534F'),
                100 * row['share'], 100 * row['cumulative'])
            for row in rows)
        return ('<table class="table table-condensed o_campaign_pareto"><thead><tr><th>%s</th>'
                '<th class="text-right">%s</th><th></th><th class="text-right">%s</th>'
                '<th class="text-right">%s</th></tr></thead><tbody>%s</tbody></table>' % (tuple(
                    escape(text) for text in (
                        _("Reason"), _("Rejections"), _("Share"), _("Cumulative"))) + (body,)))

    # --- navigation --------------------------------------------------------------------------
    def _target_action(self, domain, name):
        action = self.env.ref('crm_campaigns.crm_campaign_target_action').read()[0]
        action.update({'domain': domain, 'name': name, 'display_name': name,
                       'context': {'default_campaign_id': self.id}})
        return action

    @api.multi
    def action_view_targets(self):
        self.ensure_one()
        return self._target_action([('campaign_id', '=', self.id)], _("Targets"))

    @api.multi
    def action_view_contacted(self):
        self.ensure_one()
        return self._target_action([('campaign_id', '=', self.id),
                                    ('contacted_date', '!=', False)], _("Contacted"))

    @api.multi
    def action_view_leads(self):
        self.ensure_one()
        action = self.env.ref('crm.crm_lead_opportunities').read()[0]
        action.update({'domain': [('campaign_target_id.campaign_id', '=', self.id)],
                       'context': {'default_campaign_id': self.utm_campaign_id.id}})
        return action

    @api.multi
    def action_view_orders(self):
        self.ensure_one()
        action = self.env.ref('sale.action_orders').read()[0]
        action.update({'domain': [('campaign_id', '=', self.utm_campaign_id.id)],
                       'context': {'default_campaign_id': self.utm_campaign_id.id}})
        return action

    @api.multi
    def action_view_mailings(self):
        self.ensure_one()
        action = self.env.ref('mass_mailing.action_view_mass_mailings').read()[0]
        action.update({'domain': [('id', 'in', self.target_ids.mapped('mailing_id').ids)],
                       'context': {}})
        return action

    def _phase_targets(self, channel):
        group = 'rollout' if self.state in ('rollout', 'done') else 'test'
        return self.env['crm.campaign.target'].search([
            ('campaign_id', '=', self.id), ('channel', '=', channel),
            ('target_group', '=', group), ('contacted_date', '!=', False)])

    @api.multi
    def action_print_letters(self):
        self.ensure_one()
        targets = self._phase_targets('letter')
        if not targets:
            raise UserError(_("No contacted target of this phase receives a letter."))
        return self.env.ref('crm_campaigns.crm_campaign_target_letter_report').report_action(
            targets)

    @api.multi
    def action_export_call_centre(self):
        self.ensure_one()
        if not self._phase_targets('call_centre'):
            raise UserError(_("No contacted target of this phase goes to the call centre."))
        return self.env.ref('crm_campaigns.crm_campaign_call_centre_xlsx').report_action(self)

    @api.multi
    def action_import_results(self):
        self.ensure_one()
        if self.state not in ('testing', 'evaluated', 'rollout', 'done'):
            raise UserError(_("Results can be imported once the campaign has contacted "
                              "customers."))
        return {
            'type': 'ir.actions.act_window',
            'name': _("Import Call-Centre Results"),
            'res_model': 'crm.campaign.result.import',
            'view_mode': 'form',
            'target': 'new',
            'context': {'default_campaign_id': self.id},
        }

    @api.model
    def _call_centre_columns(self):
        """Columns of the call-centre file, out and back in: (key, header)."""
        return [
            ('target', _("Target")),
            ('customer_id', _("Customer ID")),
            ('customer', _("Customer")),
            ('phone', _("Phone")),
            ('mobile', _("Mobile")),
            ('city', _("City")),
            ('score', _("Score")),
            ('offer', _("Offer")),
            ('response', _("Response")),
            ('rejection_reason', _("Rejection Reason")),
            ('response_date', _("Response Date")),
            ('note', _("Note")),
        ]

    # --- automation --------------------------------------------------------------------------
    @api.model
    def _lapsed_value_domain(self):
        """Hook: the crm.loyalty.value rows that count as lapsing customers."""
        return ['|', ('churn_risk', '=', 'high'), ('segment', 'in', ('at_risk', 'cant_lose'))]

    @api.model
    def _cron_winback_enrol(self):
        """Lapsed customers enter the active win-back campaigns with a call due within the
        campaign's call delay (at most 7 days: early win-back works best)."""
        campaigns = self.search([('campaign_type', '=', 'winback'), ('auto_enrol', '=', True),
                                 ('state', 'in', ('testing', 'rollout'))])
        campaigns._run_each('_enrol_lapsed', _("The daily run could not enrol lapsed customers: "
                                               "%s"))
        return True

    def _run_each(self, method, message):
        """Run ``method`` on each campaign in its own savepoint: a campaign that fails is
        rolled back, logged and told in its chatter (``message`` % error), and the others
        go on."""
        for campaign in self:
            try:
                with self.env.cr.savepoint():
                    getattr(campaign, method)()
            except Exception as error:  # one bad campaign never stops the others
                self.env.clear()
                reason = error.name if isinstance(error, UserError) else str(error)
                _logger.error("Campaign %s (id %d): %s failed: %s", campaign.name, campaign.id,
                              method, reason)
                campaign.message_post(body='<p>%s</p>' % escape(message % reason),
                                      subtype='mail.mt_note')

    def _enrol_lapsed(self):
        """Enrol this win-back campaign's lapsing customers not enrolled yet; returns the new
        targets. A seeded share goes to the holdout, the others are called."""
        self.ensure_one()
        value_domain = self._segment_domain('value_domain') + self._lapsed_value_domain()
        domain = self.market_id._get_partner_domain() if self.market_id else []
        domain += self._segment_domain('partner_domain')
        candidates = self._audience_partner_ids(self.company_id, domain, value_domain)
        self.env.cr.execute('SELECT partner_id FROM crm_campaign_target WHERE campaign_id = %s',
                            (self.id,))
        known = {row[0] for row in self.env.cr.fetchall()}
        partner_ids = [pid for pid in candidates if pid not in known]
        Target = self.env['crm.campaign.target']
        if not partner_ids:
            return Target
        result = self._score_audience(partner_ids)
        frame = result['frame']
        phone = numpy.array(['phone' if ok else '' for ok in
                             (frame['phone'] != '') | (frame['mobile'] != '')], dtype=object)
        phone_cost = sum(self.channel_ids.filtered(
            lambda line: line.channel == 'phone').mapped('cost_per_contact'))
        result['channel'] = phone
        result['cost'] = numpy.where(phone == 'phone', phone_cost, 0.0)
        exclusion = self._exclusions(frame, phone)
        spent = self.cost_planned
        selected = numpy.zeros(frame['id'].size, dtype=bool)
        group = numpy.full(frame['id'].size, None, dtype=object)
        contact_group = 'test' if self.state == 'testing' else 'rollout'
        for index, partner_id in enumerate(frame['id'].tolist()):
            if exclusion[index]:
                continue
            if stats.seeded_uniform(self.seed, partner_id) < self.holdout_share / 100.0:
                group[index] = 'holdout'
                selected[index] = True
                continue
            if spent + phone_cost > self.budget:
                exclusion[index] = 'budget'
                continue
            spent += phone_cost
            group[index] = contact_group
            selected[index] = True
        if not selected.any():
            return Target
        decile = self._deciles_against_audience(result['scores'])
        keep = numpy.flatnonzero(selected)
        frame = {name: column[keep] for name, column in frame.items()}
        result = {name: (numpy.asarray(value, dtype=object)[keep] if name != 'frame' else None)
                  for name, value in result.items()}
        ids = self._insert_targets(frame, result, decile[keep], selected[keep],
                                   numpy.full(keep.size, None, dtype=object), group=group[keep])
        targets = Target.browse(ids)
        today = self._today()
        holdout = targets.filtered(lambda t: t.target_group == 'holdout')
        if holdout:
            self.env.cr.execute('UPDATE crm_campaign_target SET window_start = %s '
                                'WHERE id = ANY(%s)', (today, holdout.ids))
        self._contact(targets.filtered(lambda t: t.target_group in ('test', 'rollout')), today)
        self.message_post(body=_("%(count)d lapsing customers enrolled (%(holdout)d in the "
                                 "holdout).") % {'count': len(targets), 'holdout': len(holdout)})
        return targets

    def _deciles_against_audience(self, scores):
        """Decile of new scores within the campaign's scored audience (1 = best)."""
        self.env.cr.execute("""
            SELECT decile, MIN(score) FROM crm_campaign_target
             WHERE campaign_id = %s AND decile > 0 GROUP BY decile ORDER BY decile
        """, (self.id,))
        bounds = self.env.cr.fetchall()
        result = []
        for value in numpy.asarray(scores).tolist():
            decile = 10
            for number, lowest in bounds:
                if value >= lowest:
                    decile = number
                    break
            result.append(decile)
        return numpy.array(result, dtype=int)

    @api.model
    def _cron_refresh_attribution(self):
        """Daily: invoiced figures of the campaigns whose windows are still open."""
        self.search([('state', 'in', ('testing', 'evaluated', 'rollout', 'done'))])._run_each(
            '_refresh_attribution',
            _("The daily run could not refresh the invoiced results: %s"))
        return True


# The attribution statement. Each CTE is one step; parameters only, and the cost of an
# invoice line written once, by crm_loyalty (the margin the loyalty review uses).
ATTRIBUTION_SQL = """
WITH measured AS (
    SELECT t.id, t.partner_id, t.window_start,
           t.window_start + c.attribution_days AS window_end
      FROM crm_campaign_target t
      JOIN crm_campaign c ON c.id = t.campaign_id
     WHERE t.campaign_id = %(campaign_id)s AND t.window_start IS NOT NULL
),
invoice AS (
    SELECT i.id, i.commercial_partner_id AS partner_id,
           COALESCE(origin.date_invoice, i.date_invoice) AS ref_date,
           COALESCE(origin.campaign_id, i.campaign_id) AS utm_id
      FROM account_invoice i
      LEFT JOIN account_invoice origin
             ON origin.id = i.refund_invoice_id AND origin.state IN ('open', 'paid')
     WHERE i.company_id = %(company_id)s AND i.state IN ('open', 'paid')
       AND i.type IN ('out_invoice', 'out_refund')
       AND i.commercial_partner_id IN (SELECT partner_id FROM measured)
),
windowed AS (
    SELECT m.id AS target_id, v.id AS invoice_id, v.ref_date, v.utm_id, v.partner_id
      FROM measured m
      JOIN invoice v ON v.partner_id = m.partner_id
                    AND v.ref_date >= m.window_start AND v.ref_date <= m.window_end
),
-- money and winners are needed for the invoices of some window only, not for every
-- invoice of the measured customers (a third of them over a one-year window)
in_window AS (
    SELECT DISTINCT invoice_id FROM windowed
),
std_cost AS (
    SELECT * FROM unnest(%(product_ids)s::int[], %(product_costs)s::float8[])
        AS s(product_id, cost)
),
so_cost AS (
    SELECT r.invoice_line_id, avg(sol.purchase_price)::numeric AS purchase_price
      FROM sale_order_line_invoice_rel r
      JOIN sale_order_line sol ON sol.id = r.order_line_id
     WHERE r.invoice_line_id IN (SELECT l.id FROM account_invoice_line l
                                  WHERE l.invoice_id IN (SELECT invoice_id FROM in_window))
     GROUP BY r.invoice_line_id
),
money AS (
    SELECT l.invoice_id,
           SUM(l.price_subtotal_signed) AS revenue,
           SUM(l.price_subtotal_signed - {line_cost}) AS margin
      FROM account_invoice_line l
      JOIN account_invoice i ON i.id = l.invoice_id
      LEFT JOIN so_cost so ON so.invoice_line_id = l.id
      LEFT JOIN std_cost s ON s.product_id = l.product_id
      LEFT JOIN product_product pp ON pp.id = l.product_id
      LEFT JOIN product_template pt ON pt.id = pp.product_tmpl_id
      LEFT JOIN product_uom pu ON pu.id = pt.uom_id
      LEFT JOIN product_uom lu ON lu.id = l.uom_id
     WHERE l.invoice_id IN (SELECT invoice_id FROM in_window)
     GROUP BY l.invoice_id
),
contact AS (
    SELECT t.partner_id, t.campaign_id, t.contacted_date,
           t.contacted_date + c.attribution_days AS window_end, c.utm_campaign_id
      FROM crm_campaign_target t
      JOIN crm_campaign c ON c.id = t.campaign_id
     WHERE t.company_id = %(company_id)s AND t.contacted_date IS NOT NULL
       AND t.partner_id IN (SELECT partner_id FROM measured)
),
winner AS (
    SELECT DISTINCT ON (v.id) v.id AS invoice_id, k.campaign_id
      FROM invoice v
      JOIN contact k ON k.partner_id = v.partner_id
                    AND v.ref_date >= k.contacted_date AND v.ref_date <= k.window_end
     WHERE v.id IN (SELECT invoice_id FROM in_window)
     ORDER BY v.id, (k.utm_campaign_id = v.utm_id) IS TRUE DESC, k.contacted_date DESC,
              k.campaign_id DESC
),
per_target AS (
    SELECT w.target_id,
           SUM(mo.revenue) AS window_revenue,
           SUM(mo.margin) AS window_margin,
           SUM(mo.revenue) FILTER (WHERE win.campaign_id = %(campaign_id)s)
               AS attributed_revenue,
           SUM(mo.margin) FILTER (WHERE win.campaign_id = %(campaign_id)s)
               AS attributed_margin
      FROM windowed w
      JOIN money mo ON mo.invoice_id = w.invoice_id
      LEFT JOIN winner win ON win.invoice_id = w.invoice_id
     GROUP BY w.target_id
)
UPDATE crm_campaign_target t
   SET window_revenue = COALESCE(p.window_revenue, 0),
       window_margin = COALESCE(p.window_margin, 0),
       converted = COALESCE(p.window_revenue, 0) > 0,
       attributed_revenue = CASE WHEN t.contacted_date IS NULL THEN 0
                                 ELSE COALESCE(p.attributed_revenue, 0) END,
       attributed_margin = CASE WHEN t.contacted_date IS NULL THEN 0
                                ELSE COALESCE(p.attributed_margin, 0) END
  FROM crm_campaign_target t2
  LEFT JOIN per_target p ON p.target_id = t2.id
 WHERE t.id = t2.id AND t2.campaign_id = %(campaign_id)s
""".format(line_cost=LINE_COST_SQL.format(
    so_price='so.purchase_price', cost='COALESCE(s.cost, 0)::numeric'))
