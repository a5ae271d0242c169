import datetime
import json
import re
from html import escape

from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from odoo.addons.crm_loyalty.lib.sql import int_array

from .crm_campaign_channel import CHANNEL_MEDIUMS, CHANNELS
from .protect import check_system_fields, is_system

GROUPS = [('test', 'Test'), ('rollout', 'Rollout'), ('holdout', 'Holdout')]
RESPONSES = [('pending', 'Pending'), ('accepted', 'Accepted'), ('rejected', 'Rejected'),
             ('no_answer', 'No answer')]
EXCLUSIONS = [
    ('do_not_contact', 'Never contact'),
    ('saboteur', 'Saboteur'),
    ('opted_out', 'Opted out'),
    ('complaint', 'Open complaint'),
    ('pressure', 'Contact pressure'),
    ('unreachable', 'No channel reaches them'),
    ('unprofitable', 'Expected profit not positive'),
    ('budget', 'Beyond the budget'),
]
# fields a holdout member never gets: it is not contacted in any channel
CONTACT_FIELDS = ('contacted_date', 'lead_id', 'mailing_id')
# fields the campaign sets itself (scoring, groups, contacts, invoiced figures): never written
# by users, whatever the view shows (see protect.py)
SYSTEM_FIELDS = (
    'campaign_id', 'company_id', 'partner_id', 'score', 'decile', 'probability',
    'expected_margin', 'contact_cost', 'expected_profit', 'score_detail', 'selected',
    'exclusion', 'target_group', 'channel', 'contacted_date', 'window_start', 'lead_id',
    'mailing_id', 'converted', 'window_revenue', 'window_margin', 'attributed_revenue',
    'attributed_margin')


class CrmCampaignTarget(models.Model):
    """One customer of a campaign's scored audience: score and its explanation, targeting,
    group (test / rollout / holdout), channel, contact, response and the money it brought.

    Rows are written in bulk by the scoring (SQL); responses are recorded through the ORM.
    """

    _name = 'crm.campaign.target'
    _description = 'Campaign Target'
    _inherit = ['mail.thread', 'mail.activity.mixin']
    _order = 'campaign_id desc, expected_profit desc, id'
    _rec_name = 'partner_id'

    campaign_id = fields.Many2one('crm.campaign', required=True, index=True, ondelete='cascade',
                                  readonly=True)
    company_id = fields.Many2one('res.company', required=True, index=True, readonly=True)
    currency_id = fields.Many2one(related='company_id.currency_id', readonly=True)
    campaign_state = fields.Selection(related='campaign_id.state', readonly=True)
    campaign_type = fields.Selection(related='campaign_id.campaign_type', readonly=True,
                                     store=True)
    partner_id = fields.Many2one('res.partner', string='Customer', required=True, index=True,
                                 readonly=True, ondelete='cascade')
    user_id = fields.Many2one('res.users', string='Salesperson')
    score = fields.Float(digits=(6, 2), readonly=True, group_operator='avg')
    decile = fields.Integer(readonly=True, group_operator='min',
                            help="Score decile in the scored audience, 1 = best tenth.")
    probability = fields.Float(digits=(16, 4), readonly=True, group_operator='avg',
                               help="Calibrated probability of acceptance.")
    expected_margin = fields.Monetary(readonly=True)
    contact_cost = fields.Monetary(readonly=True)
    expected_profit = fields.Monetary(readonly=True,
                                      help="probability x expected margin - contact cost")
    score_detail = fields.Text(readonly=True)
    explanation = fields.Html(compute='_compute_explanation', sanitize=False)
    selected = fields.Boolean(string='Targeted', readonly=True, index=True)
    exclusion = fields.Selection(EXCLUSIONS, readonly=True)
    target_group = fields.Selection(GROUPS, string='Group', readonly=True, index=True)
    channel = fields.Selection(CHANNELS, readonly=True)
    contacted_date = fields.Date(readonly=True, index=True)
    window_start = fields.Date(readonly=True, help="Start of the attribution window.")
    response = fields.Selection(RESPONSES, default='pending', required=True,
                                track_visibility='onchange')
    response_date = fields.Date()
    rejection_reason_id = fields.Many2one('crm.campaign.rejection.reason')
    response_note = fields.Text(string='Note')
    lead_id = fields.Many2one('crm.lead', string='Opportunity', readonly=True, copy=False)
    mailing_id = fields.Many2one('mail.mass_mailing', readonly=True)
    order_ids = fields.Many2many('sale.order', compute='_compute_order_ids', string='Orders')
    order_count = fields.Integer(compute='_compute_order_ids')
    converted = fields.Boolean(string='Bought', readonly=True,
                               help="A net positive posted invoice within the window.")
    window_revenue = fields.Monetary(readonly=True, string='Revenue in Window')
    window_margin = fields.Monetary(readonly=True, string='Margin in Window')
    attributed_revenue = fields.Monetary(readonly=True)
    attributed_margin = fields.Monetary(readonly=True)

    _sql_constraints = [
        ('campaign_partner_uniq', 'unique(campaign_id, partner_id)',
         'A customer appears once in a campaign.'),
    ]

    # --- computes ----------------------------------------------------------------------------
    @api.depends('score_detail')
    def _compute_explanation(self):
        variables = self.env['crm.campaign.scoring.variable'].browse({
            item[0] for target in self for item in json.loads(target.score_detail or '[]')
        }).exists()
        names = dict(variables.name_get())
        for target in self:
            rows = ''.join(
                '<tr><td>%s</td><td class="text-right">%s</td><td class="text-right">%.2f</td>'
                '</tr>' % (escape(names.get(variable_id, _("Removed variable"))),
                           '' if raw is None else ('%.2f' % raw).rstrip('0').rstrip('.'),
                           points)
                for variable_id, raw, points in json.loads(target.score_detail or '[]'))
            target.explanation = (
                '<table class="table table-condensed"><thead><tr><th>%s</th>'
                '<th class="text-right">%s</th><th class="text-right">%s</th></tr></thead>'
                '<tbody>%s</tbody><tfoot><tr><th>%s</th><th></th>'
                '<th class="text-right">%.2f</th></tr></tfoot></table>' % (
                    escape(_("Variable")), escape(_("Value")), escape(_("Points")), rows,
                    escape(_("Score")), target.score))

    def _compute_order_ids(self):
        campaigns = self.mapped('campaign_id.utm_campaign_id')
        orders = self.env['sale.order'].search([
            ('campaign_id', 'in', campaigns.ids),
            ('partner_id', 'child_of', self.mapped('partner_id').ids)]) if self else []
        for target in self:
            mine = orders.filtered(
                lambda o: o.campaign_id == target.campaign_id.utm_campaign_id
                and o.partner_id.commercial_partner_id == target.partner_id) if orders else []
            target.order_ids = mine
            target.order_count = len(mine)

    # --- constraints -------------------------------------------------------------------------
    @api.constrains('response', 'rejection_reason_id')
    def _check_rejection_reason(self):
        for target in self:
            if target.response == 'rejected' and not target.rejection_reason_id:
                raise ValidationError(_("A rejection needs its reason (%s).") %
                                      target.partner_id.display_name)

    @api.constrains('target_group', 'response', 'contacted_date', 'lead_id', 'mailing_id')
    def _check_holdout_untouched(self):
        for target in self:
            if target.target_group != 'holdout':
                continue
            if target.response != 'pending' or any(target[name] for name in CONTACT_FIELDS):
                raise ValidationError(_("%s is in the holdout: the holdout is never contacted.")
                                      % target.partner_id.display_name)

    # --- CRUD --------------------------------------------------------------------------------
    @api.model
    def create(self, vals):
        # rows come from the scoring and the win-back enrolment (SQL): never from a user
        if not is_system(self):
            raise AccessError(_("Targets are added by the campaign's scoring and enrolment "
                                "only."))
        return super(CrmCampaignTarget, self).create(vals)

    @api.multi
    def write(self, vals):
        # rights first: nothing below may run for a caller who cannot edit these targets
        self.check_access_rights('write')
        self.check_access_rule('write')
        check_system_fields(self, vals, SYSTEM_FIELDS)
        self._check_write_values(vals)
        if 'response' in vals:
            for target in self:
                if target.target_group == 'holdout':
                    raise UserError(_("%s is in the holdout: the holdout is never contacted.")
                                    % target.partner_id.display_name)
                if vals['response'] != 'pending' and not target.contacted_date:
                    raise UserError(_("%s has not been contacted yet.") %
                                    target.partner_id.display_name)
            if vals['response'] != 'rejected' and 'rejection_reason_id' not in vals:
                vals['rejection_reason_id'] = False
            if vals['response'] in ('accepted', 'rejected', 'no_answer') \
                    and not vals.get('response_date'):
                vals['response_date'] = self.env['crm.suite.clock']._today()
        result = super(CrmCampaignTarget, self).write(vals)
        if vals.get('response') == 'accepted':
            self.filtered(lambda t: not t.lead_id)._create_leads()
        if vals.get('response') in ('accepted', 'rejected', 'no_answer'):
            self._close_call_activities()
        return result

    def _check_write_values(self, vals):
        """Clear errors for values the ORM would only refuse in the database."""
        if 'response' in vals and vals['response'] not in dict(RESPONSES):
            raise UserError(_("Unknown response %r (accepted, rejected, no answer, "
                              "pending).") % (vals['response'],))
        reason = vals.get('rejection_reason_id')
        if reason and (not isinstance(reason, int) or isinstance(reason, bool) or
                       not self.env['crm.campaign.rejection.reason'].browse(reason).exists()):
            raise UserError(_("Unknown rejection reason %r.") % (reason,))
        date = vals.get('response_date')
        if date and not isinstance(date, datetime.date):
            try:
                if not re.fullmatch(r'[0-9]{4}-[0-9]{2}-[0-9]{2}', str(date)[:10]):
                    raise ValueError(date)
                parsed = fields.Date.from_string(date)
            except (TypeError, ValueError):
                raise UserError(_("The response date is not a date (YYYY-MM-DD): %r")
                                % (vals['response_date'],))
            if parsed.year < 1900:  # a Jalali date (1403-01-15) read as a Gregorian one
                raise UserError(_("The response date is not a Gregorian date (YYYY-MM-DD): "
                                  "%r") % (vals['response_date'],))

    # --- business ----------------------------------------------------------------------------
    def _lead_values(self):
        campaign = self.campaign_id
        medium = self.env.ref(CHANNEL_MEDIUMS.get(self.channel, 'utm.utm_medium_phone'))
        partner = self.partner_id
        return {
            'name': _("%(campaign)s: %(customer)s") % {
                'campaign': campaign.name, 'customer': partner.name},
            'type': 'opportunity',
            'partner_id': partner.id,
            'email_from': partner.email,
            'phone': partner.phone or partner.mobile,
            'user_id': self.user_id.id or campaign.user_id.id,
            'team_id': campaign.team_id.id or False,
            'company_id': campaign.company_id.id,
            'campaign_id': campaign.utm_campaign_id.id,
            'medium_id': medium.id,
            'description': '\n'.join(filter(None, [campaign.offer_description,
                                                   self.response_note])),
            'campaign_target_id': self.id,
        }

    def _create_leads(self):
        """Accepted offers go to the sales team as opportunities (seed 002: lead lists to the
        sales channels). The opportunity belongs to the customer's salesperson, whose pipeline
        the person recording the response may not see: it is created as superuser, for
        campaign users only."""
        if self.env.uid != SUPERUSER_ID and \
                not self.env.user.has_group('crm_campaigns.group_campaign_user'):
            raise AccessError(_("Only campaign users record accepted offers."))
        self.check_access_rule('write')
        Lead = self.env['crm.lead'].sudo()
        leads = Lead
        for target in self:
            lead = Lead.create(target._lead_values())
            leads |= lead
            # past this class's write(), which calls this method
            super(CrmCampaignTarget, target).write(  # pylint: disable=super-method-mismatch
                {'lead_id': lead.id})
        return leads

    def _close_call_activities(self):
        activities = self.env['mail.activity'].search([
            ('res_model', '=', self._name), ('res_id', 'in', self.ids),
            ('activity_type_id', '=', self.env.ref('mail.mail_activity_data_call').id)])
        for activity in activities:
            activity.action_feedback(feedback=_("Response recorded."))

    @api.multi
    def action_accept(self):
        self.write({'response': 'accepted'})
        return True

    @api.multi
    def action_no_answer(self):
        self.write({'response': 'no_answer'})
        return True

    @api.multi
    def action_new_quotation(self):
        """A quotation carrying the campaign's offer (tracking campaign and pricelist)."""
        self.ensure_one()
        if self.response != 'accepted':
            raise UserError(_("Record the acceptance before quoting."))
        campaign = self.campaign_id
        context = {
            'default_partner_id': self.partner_id.id,
            'default_campaign_id': campaign.utm_campaign_id.id,
            'default_medium_id': self.env.ref(
                CHANNEL_MEDIUMS.get(self.channel, 'utm.utm_medium_phone')).id,
            'default_opportunity_id': self.lead_id.id,
            'default_user_id': self.user_id.id,
            'default_team_id': campaign.team_id.id,
            'default_company_id': campaign.company_id.id,
        }
        if campaign.offer_type == 'pricelist':
            context['default_pricelist_id'] = campaign.pricelist_id.id
        return {
            'type': 'ir.actions.act_window',
            'name': _("Quotation"),
            'res_model': 'sale.order',
            'view_mode': 'form',
            'context': context,
        }

    @api.model
    def _cost_per_partner(self, company, partner_ids, date_from, date_to):
        """Contact costs per partner for the loyalty review (one aggregate)."""
        if not partner_ids:
            return {}
        self.env.cr.execute("""
            SELECT partner_id, SUM(contact_cost)::float8
              FROM crm_campaign_target
             WHERE company_id = %s AND partner_id = ANY(%s::int[])
               AND contacted_date >= %s AND contacted_date <= %s
             GROUP BY partner_id
        """, (company.id, int_array(partner_ids), date_from, date_to))
        return dict(self.env.cr.fetchall())
