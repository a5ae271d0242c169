import logging
import random
from html import escape

import numpy

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..lib import scoring
from ..lib.states import STATE_TABLE, STATES, states_where
from .crm_campaign_scoring_model import CAMPAIGN_TYPES
from .protect import check_system_fields, system

_logger = logging.getLogger(__name__)

# fields the campaign's steps set (state, dates of the steps, calibration, evaluation): never
# written by users, whatever the view shows (see protect.py)
SYSTEM_FIELDS = (
    'state', 'utm_campaign_id', 'calibration_intercept', 'calibration_slope', 'calibrated',
    'scored_date', 'test_date', 'evaluation_date', 'rollout_date', 'eval_test_size',
    'eval_test_converted', 'eval_test_responded', 'eval_test_accepted', 'eval_holdout_size',
    'eval_holdout_converted', 'eval_rate_test', 'eval_rate_holdout', 'eval_uplift',
    'eval_ci_low', 'eval_ci_high', 'eval_z', 'eval_p_value', 'eval_margin_test',
    'eval_margin_holdout', 'eval_margin_uplift', 'eval_margin_ci_low', 'eval_margin_ci_high',
    'decision', 'decision_reason', 'decision_note', 'evaluation_id')


class CrmCampaign(models.Model):
    """A marketing campaign run as seed 002's cycle: segment, offer and channels, scoring,
    a test on a sample against a no-contact holdout, evaluation, rollout, and the money
    it made measured on posted invoices.

    This file holds the campaign's fields, figures and steps; each step checks the state
    machine (crm_campaign_state.py) and calls its capability: targeting
    (crm_campaign_targeting.py), the draw (crm_campaign_draw.py), contacts
    (crm_campaign_contact.py), evaluation (crm_campaign_evaluation.py), attribution
    (crm_campaign_attribution.py), charts (crm_campaign_charts.py) and win-back
    (crm_campaign_winback.py). See readme/ENGINE.rst for the call order.
    """

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
    date_start = fields.Date(string='Start',
                             default=lambda self: self.env['crm.suite.clock']._today())
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

    _sql_constraints = [
        ('attribution_days_positive', 'CHECK(attribution_days > 0)',
         'The attribution window must last at least one day.'),
        ('budget_positive', 'CHECK(budget >= 0 AND fixed_cost >= 0)',
         'Budget and fixed cost cannot be negative.'),
    ]

    # --- computes ----------------------------------------------------------------------------

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
        today = fields.Date.from_string(self.env['crm.suite.clock']._today())
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

    # --- constraints ---------------------------------------------------------------------
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

    # --- CRUD ----------------------------------------------------------------------------
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
        if any(campaign.state not in states_where('deletable') for campaign in self):
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

    # --- steps (see readme/ENGINE.rst) ---------------------------------------------------
    def _check_manage(self):
        """State actions write targets in bulk (SQL): check the user may edit the campaign
        before anything is written."""
        self.check_access_rights('write')
        self.check_access_rule('write')

    @api.multi
    def action_score(self):
        """Score the segment, pick the targets by expected profit within the budget."""
        self.ensure_one()
        self._check_manage()
        state = self._check_transition('score')
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
        system(self).write({'state': state, 'scored_date': self.env['crm.suite.clock']._now(),
                            'calibrated': False, 'decision': False})
        return True

    @api.multi
    def action_start_test(self):
        """Draw the holdout and the test sample (seeded, by score decile); contact the test."""
        self.ensure_one()
        self._check_manage()
        state = self._check_transition('start_test')
        self._check_shares()
        today = self.env['crm.suite.clock']._today()
        test = self._draw_test_groups(today)
        self._contact(test, today)
        system(self).write({'state': state, 'test_date': today})
        return True

    @api.multi
    def action_evaluate(self):
        """Compare the test sample with the holdout and decide go / no-go / inconclusive."""
        self.ensure_one()
        self._check_manage()
        state = self._check_transition('evaluate')
        self._refresh_attribution()
        self._evaluate()
        self._recalibrate()
        system(self).write({'state': state,
                            'evaluation_date': self.env['crm.suite.clock']._today()})
        return True

    @api.multi
    def action_extend_test(self):
        """Back to testing to gather more outcomes before deciding again."""
        self.ensure_one()
        self._check_manage()
        state = self._check_transition('extend_test')
        system(self).write({'state': state, 'decision': False})
        return True

    @api.multi
    def action_rollout(self):
        """Contact the rest of the targets; the holdout stays uncontacted."""
        self.ensure_one()
        self._check_manage()
        state = self._check_transition('rollout')
        today = self.env['crm.suite.clock']._today()
        rollout = self.env['crm.campaign.target'].search([
            ('campaign_id', '=', self.id), ('target_group', '=', 'rollout'),
            ('contacted_date', '=', False)])
        self._contact(rollout, today)
        system(self).write({'state': state, 'rollout_date': today})
        return True

    @api.multi
    def action_done(self):
        self.ensure_one()
        self._check_manage()
        state = self._check_transition('done')
        self._refresh_attribution()
        system(self).write({'state': state, 'date_end': self.date_end or
                            self.env['crm.suite.clock']._today()})
        return True

    @api.multi
    def action_cancel(self):
        """Stop the campaign: queued mailings and open call activities are withdrawn."""
        self._check_manage()
        state = self._check_transition('cancel')
        for campaign in self:
            mailings = campaign.target_ids.mapped('mailing_id').filtered(
                lambda m: m.state in ('draft', 'in_queue'))
            mailings.write({'state': 'draft'})
            self.env['mail.activity'].search([
                ('res_model', '=', 'crm.campaign.target'),
                ('res_id', 'in', campaign.target_ids.ids)]).unlink()
        system(self).write({'state': state})
        return True

    @api.multi
    def action_draft(self):
        """Back to draft before anyone was contacted (targets are scored again)."""
        self._check_manage()
        state = self._check_transition('draft')
        for campaign in self:
            self.env.cr.execute('DELETE FROM crm_campaign_target WHERE campaign_id = %s',
                                (campaign.id,))
        self.env['crm.campaign.target'].invalidate_cache()
        system(self).write({'state': state, 'calibrated': False})
        return True

    @api.multi
    def action_refresh_results(self):
        """Campaign users may refresh the invoiced figures of the campaigns they see."""
        self.check_access_rule('read')
        self.env['crm.campaign.target'].check_access_rights('write')
        for campaign in self:
            campaign._refresh_attribution()
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

    # --- navigation ----------------------------------------------------------------------
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
        group = STATE_TABLE[self.state].get('contact_group', 'test')
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
        if self.state not in states_where('contacted'):
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
