import logging
import uuid
from datetime import datetime, timedelta

from odoo import SUPERUSER_ID, _, api, fields, models, tools
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import consteq, html2plaintext, html_escape

from .. import kpi, sla_time
from .crm_complaint_sla_line import ESCALATIONS
from .crm_complaint_sla_policy import PRIORITIES
from .crm_complaint_stage import (ACKNOWLEDGED_STEPS, CLOSED_STEPS, FINAL_ANSWER_STEPS,
                                  RESOLVED_STEPS, STEPS)
from .crm_complaint_category import DIMENSIONS, NATURES

_logger = logging.getLogger(__name__)

EXPECTED_OUTCOMES = [
    ('refund', 'Refund or credit note'),
    ('replacement', 'Replacement'),
    ('repair', 'Repair'),
    ('return', 'Take the goods back'),
    ('discount', 'Discount'),
    ('apology', 'Apology'),
    ('explanation', 'Explanation'),
    ('other', 'Other'),
]
FOLLOWUP_OUTCOMES = [
    ('satisfied', 'Satisfied'),
    ('partly', 'Partly satisfied'),
    ('dissatisfied', 'Still dissatisfied'),
    ('unreachable', 'Could not be reached'),
]
SLA_STATES = [
    ('none', 'No SLA'),
    ('running', 'On time'),
    ('warning', 'Warning'),
    ('breached', 'Breached'),
    ('paused', 'Paused'),
    ('met', 'Met'),
]
# what the staff sees of a complaint and its customer does not
STAFF = 'crm_complaints.group_complaint_user'
# written by the workflow only (read-only in the views): refused to callers, written as
# superuser by the module's own code
WORKFLOW_FIELDS = frozenset([
    'rating_score', 'rating_date', 'rating_feedback', 'rating_requested_date', 'reopen_count',
    'customer_contact_count', 'first_response_hours', 'first_response_hours_calendar',
    'resolution_hours', 'resolution_hours_calendar', 'date_acknowledged', 'date_resolved',
    'date_closed', 'date_reopened', 'sla_state', 'escalation', 'sla_deadline', 'promised_date',
    'is_acknowledged', 'is_resolved', 'is_closed', 'tier_id', 'is_top_customer',
    'is_unknown_sender', 'repeat_of_id', 'is_repeat', 'followup_outcome', 'followup_note',
    'followup_date', 'followup_user_id', 'cost_credit_notes', 'cost_replacement',
    'cost_goodwill', 'cost_handling', 'cost_total',
])
MAX_FEEDBACK = 10000
MESSAGE_TYPES = ('email', 'comment', 'notification')
MAX_HANDLING_HOURS = 10000


class CrmComplaint(models.Model):
    """A customer complaint, handled in steps from intake to the follow-up call.

    The workflow follows the stage's ``step`` and flags (never stage names); the SLA targets live
    in ``crm.complaint.sla.line``; the documents created to resolve it (credit notes, returns,
    replacement orders, benefits, opportunities) point back to it.
    """

    _name = 'crm.complaint'
    _description = 'Complaint'
    _inherit = ['mail.thread', 'mail.activity.mixin', 'portal.mixin', 'rating.mixin']
    _order = 'priority desc, date_received desc, id desc'
    _mail_post_access = 'read'

    name = fields.Char(string='Reference', required=True, copy=False, readonly=True,
                       index=True, default=lambda self: _('New'))
    subject = fields.Char(required=True, track_visibility='onchange')
    description = fields.Text(string="Customer's Words",
                              help="The complaint in the customer's own words.")
    expected_outcome = fields.Selection(EXPECTED_OUTCOMES,
                                        help="What the customer asks for.")
    expected_outcome_note = fields.Text(string='Expected Outcome Details')
    active = fields.Boolean(default=True)
    color = fields.Integer()
    company_id = fields.Many2one('res.company', required=True, index=True,
                                 default=lambda self: self.env.user.company_id)
    currency_id = fields.Many2one(related='company_id.currency_id', readonly=True)
    # customer
    partner_id = fields.Many2one('res.partner', string='Customer', index=True,
                                 track_visibility='onchange')
    commercial_partner_id = fields.Many2one(
        'res.partner', string='Customer Company', related='partner_id.commercial_partner_id',
        store=True, readonly=True, index=True)
    email_from = fields.Char(string='Email', help="Address the customer wrote from.")
    partner_phone = fields.Char(string='Phone')
    is_unknown_sender = fields.Boolean(
        string='Unknown Sender', readonly=True, groups=STAFF,
        help="Came by email from an address matching no contact: check and link the customer.")
    tier_id = fields.Many2one('crm.loyalty.tier', string='Customer Class', readonly=True,
                              groups=STAFF,
                              help="Loyalty class of the customer at intake (sets priority and "
                                   "SLA).")
    is_top_customer = fields.Boolean(readonly=True, groups='crm_complaints.group_complaint_user',
                                     help="The customer was in the company's top class at intake.")
    user_id = fields.Many2one('res.users', string='Responsible', index=True,
                              track_visibility='onchange',
                              default=lambda self: self.env.context.get('default_user_id',
                                                                        self.env.uid))
    team_id = fields.Many2one('crm.complaint.team', index=True,
                              track_visibility='onchange', default=lambda self: self._default_team())
    # classification
    channel_id = fields.Many2one('crm.complaint.channel')
    category_id = fields.Many2one('crm.complaint.category', index=True)
    nature = fields.Selection(NATURES, related='category_id.nature', store=True, readonly=True)
    dimension = fields.Selection(DIMENSIONS, related='category_id.dimension', store=True,
                                 readonly=True)
    priority = fields.Selection(PRIORITIES, index=True, track_visibility='onchange',
                                help="Set from the customer's loyalty class when left empty; "
                                     "escalation raises it.")
    root_cause_id = fields.Many2one('crm.complaint.root.cause', index=True, groups=STAFF)
    corrective_action = fields.Text(groups='crm_complaints.group_complaint_user',
                                    help="What changes so that it does not happen again.")
    # ERP documents the complaint is about
    sale_order_id = fields.Many2one('sale.order', index=True)
    invoice_id = fields.Many2one('account.invoice', index=True,
                                 domain=[('type', '=', 'out_invoice')])
    picking_id = fields.Many2one('stock.picking', string='Delivery', index=True,
                                 domain=[('picking_type_code', '=', 'outgoing')])
    product_ids = fields.Many2many('product.product', 'crm_complaint_product_rel',
                                   'complaint_id', 'product_id', string='Products')
    # workflow
    stage_id = fields.Many2one('crm.complaint.stage', index=True,
                               track_visibility='onchange', copy=False,
                               default=lambda self: self._default_stage(),
                               group_expand='_read_group_stage_ids')
    step = fields.Selection(STEPS, related='stage_id.step', store=True, readonly=True)
    is_acknowledged = fields.Boolean(compute='_compute_step_flags', store=True,
                                     compute_sudo=True)
    is_resolved = fields.Boolean(compute='_compute_step_flags', store=True, compute_sudo=True)
    is_closed = fields.Boolean(compute='_compute_step_flags', store=True, compute_sudo=True,
                               index=True)
    date_received = fields.Datetime(string='Received', required=True, index=True, copy=False,
                                    default=fields.Datetime.now)
    date_acknowledged = fields.Datetime(string='Acknowledged', readonly=True, copy=False)
    date_resolved = fields.Datetime(string='Resolved', readonly=True, copy=False)
    date_closed = fields.Datetime(string='Closed', readonly=True, copy=False)
    date_reopened = fields.Datetime(string='Last Reopened', readonly=True, copy=False,
                                    groups=STAFF)
    reopen_count = fields.Integer(readonly=True, copy=False, default=0, groups=STAFF,
                                  help="Times a closed complaint was reopened.")
    customer_contact_count = fields.Integer(
        readonly=True, copy=False, default=0, groups=STAFF,
        help="Messages the customer sent about this complaint (email, portal).")
    first_response_hours = fields.Float(
        readonly=True, copy=False, group_operator='avg', groups=STAFF,
        help="Working hours from intake to acknowledgement.")
    first_response_hours_calendar = fields.Float(readonly=True, copy=False, group_operator='avg',
                                                 groups=STAFF)
    resolution_hours = fields.Float(readonly=True, copy=False, group_operator='avg',
                                    groups=STAFF,
                                    help="Working hours from intake to resolution.")
    resolution_hours_calendar = fields.Float(readonly=True, copy=False, group_operator='avg',
                                             groups=STAFF)
    duplicate_of_id = fields.Many2one('crm.complaint', string='Duplicate of', copy=False,
                                      groups=STAFF)
    rejection_reason = fields.Text(copy=False, groups=STAFF)
    # follow-up call (seed: afterwards call the customer and ask again)
    followup_date = fields.Datetime(readonly=True, copy=False, groups=STAFF)
    followup_user_id = fields.Many2one('res.users', string='Follow-up by', readonly=True,
                                       copy=False, groups=STAFF)
    followup_outcome = fields.Selection(FOLLOWUP_OUTCOMES, readonly=True, copy=False,
                                        groups=STAFF)
    followup_note = fields.Text(readonly=True, copy=False, groups=STAFF)
    # SLA
    sla_line_ids = fields.One2many('crm.complaint.sla.line', 'complaint_id', string='SLA Targets',
                                   copy=False, groups=STAFF)
    sla_state = fields.Selection(SLA_STATES, string='SLA', compute='_compute_sla_summary',
                                 compute_sudo=True, store=True, index=True, groups=STAFF)
    escalation = fields.Selection(ESCALATIONS, compute='_compute_sla_summary',
                                  compute_sudo=True, store=True, index=True, groups=STAFF)
    sla_deadline = fields.Datetime(string='Next Deadline', compute='_compute_sla_summary',
                                   compute_sudo=True, store=True, groups=STAFF)
    promised_date = fields.Datetime(compute='_compute_sla_summary', compute_sudo=True, store=True,
                                    help="When the customer was promised a resolution.")
    # resolution documents
    credit_note_ids = fields.One2many('account.invoice', 'complaint_id', string='Credit Notes',
                                      domain=[('type', '=', 'out_refund')], copy=False)
    return_picking_ids = fields.One2many('stock.picking', 'complaint_id', string='Returns',
                                         copy=False)
    replacement_order_ids = fields.One2many('sale.order', 'complaint_id',
                                            string='Replacement Orders', copy=False)
    benefit_ids = fields.One2many('crm.complaint.benefit', 'complaint_id', string='Benefits',
                                  copy=False)
    lead_ids = fields.One2many('crm.lead', 'complaint_id', string='Opportunities', copy=False)
    credit_note_count = fields.Integer(compute='_compute_document_counts')
    return_count = fields.Integer(compute='_compute_document_counts')
    replacement_count = fields.Integer(compute='_compute_document_counts')
    benefit_count = fields.Integer(compute='_compute_document_counts')
    lead_count = fields.Integer(compute='_compute_document_counts')
    # cost of the complaint, company currency
    handling_hours = fields.Float(
        groups='crm_complaints.group_complaint_user',
        help="Time spent handling the complaint (calls, visits, follow-up), priced at the "
             "company's hourly cost.")
    cost_credit_notes = fields.Monetary(compute='_compute_costs', store=True, compute_sudo=True,
                                        groups='crm_complaints.group_complaint_user')
    cost_replacement = fields.Monetary(compute='_compute_costs', store=True, compute_sudo=True,
                                       groups='crm_complaints.group_complaint_user')
    cost_goodwill = fields.Monetary(compute='_compute_costs', store=True, compute_sudo=True,
                                    groups='crm_complaints.group_complaint_user')
    cost_handling = fields.Monetary(compute='_compute_costs', store=True, compute_sudo=True,
                                    groups='crm_complaints.group_complaint_user')
    cost_total = fields.Monetary(string='Cost', compute='_compute_costs', store=True,
                                 compute_sudo=True, groups='crm_complaints.group_complaint_user')
    # repeat complaints
    repeat_of_id = fields.Many2one('crm.complaint', string='Repeat of', readonly=True, copy=False,
                                   groups=STAFF,
                                   help="Earlier complaint of the same customer about the same "
                                        "product or category within the repeat window.")
    is_repeat = fields.Boolean(readonly=True, copy=False, index=True, groups=STAFF)
    # satisfaction
    access_token = fields.Char(copy=False, default=lambda self: uuid.uuid4().hex)
    rating_requested_date = fields.Datetime(readonly=True, copy=False, groups=STAFF)
    rating_score = fields.Integer(string='Rating', readonly=True, copy=False,
                                  group_operator='avg', help="1 (very bad) to 5 (very good).")
    rating_date = fields.Datetime(readonly=True, copy=False)
    rating_feedback = fields.Text(readonly=True, copy=False)

    _sql_constraints = [
        ('name_company_uniq', 'unique(name, company_id)',
         'The complaint reference must be unique per company.'),
        ('rating_score_range', 'CHECK(rating_score IS NULL OR rating_score = 0 OR '
                               '(rating_score >= 1 AND rating_score <= 5))',
         'A rating is a whole number from 1 to 5.'),
    ]

    # --- defaults -----------------------------------------------------------------------------
    @api.model
    def _now(self):
        """The clock of the workflow and the SLAs (naive UTC, whole seconds); tests patch it."""
        return datetime.utcnow().replace(microsecond=0)

    @api.model
    def _default_stage(self):
        return self.env['crm.complaint.stage']._for_step('new')

    @api.model
    def _default_team(self):
        team_id = self.env.context.get('default_team_id')
        if team_id:
            return self.env['crm.complaint.team'].browse(team_id)
        return self.env['crm.complaint.team'].search(
            [('member_ids', 'in', [self.env.uid]),
             ('company_id', '=', self.env.user.company_id.id)], limit=1)

    @api.model
    def _read_group_stage_ids(self, stages, domain, order):
        return stages.search([('id', '!=', 0)], order=order)  # every stage, folded or not

    # --- computes -----------------------------------------------------------------------------
    @api.depends('stage_id.step')
    def _compute_step_flags(self):
        # as superuser (compute_sudo) also when called directly: the flags are workflow fields
        for complaint in self.sudo():
            step = complaint.stage_id.step
            complaint.is_acknowledged = step in ACKNOWLEDGED_STEPS
            complaint.is_resolved = step in RESOLVED_STEPS
            complaint.is_closed = step in CLOSED_STEPS

    @api.depends('sla_line_ids.status', 'sla_line_ids.escalation', 'sla_line_ids.reached_date',
                 'sla_line_ids.deadline')
    def _compute_sla_summary(self):
        """Kanban colour and ladder level; mirrored in SQL by :meth:`_sql_update_sla_state`
        (as superuser, also when called directly: these are workflow fields)."""
        for complaint in self.sudo():
            lines = complaint.sla_line_ids
            open_lines = lines.filtered(lambda ln: not ln.reached_date)
            statuses = set(lines.mapped('status'))
            if not lines:
                state = 'none'
            elif 'breached' in statuses:
                state = 'breached'
            elif any(line.escalation > '0' for line in open_lines):
                state = 'warning'
            elif 'running' in statuses:
                state = 'running'
            elif 'paused' in statuses:
                state = 'paused'
            else:
                state = 'met'
            complaint.sla_state = state
            complaint.escalation = max(open_lines.mapped('escalation') or ['0'])
            deadlines = [d for d in open_lines.mapped('deadline') if d]
            complaint.sla_deadline = min(deadlines) if deadlines else False
            resolve = lines.filtered(lambda ln: ln.target == 'resolve')[:1]
            complaint.promised_date = resolve.deadline or False

    def _compute_document_counts(self):
        """Counts for the smart buttons, also for agents who may not open every document."""
        for complaint in self:
            documents = complaint.sudo()
            complaint.credit_note_count = len(documents.credit_note_ids)
            complaint.return_count = len(documents.return_picking_ids)
            complaint.replacement_count = len(documents.replacement_order_ids)
            complaint.benefit_count = len(documents.benefit_ids)
            complaint.lead_count = len(documents.lead_ids)

    @api.depends('credit_note_ids.state', 'credit_note_ids.amount_untaxed_signed',
                 'replacement_order_ids.state', 'replacement_order_ids.order_line.purchase_price',
                 'replacement_order_ids.order_line.product_uom_qty', 'benefit_ids.cost',
                 'benefit_ids.state', 'handling_hours', 'company_id.complaint_hourly_cost')
    def _compute_costs(self):
        """Credit notes count once validated (untaxed, company currency); replacements at cost
        once confirmed; goodwill as granted; handling time at the company's hourly cost."""
        for complaint in self.sudo():
            credit = -sum(complaint.credit_note_ids.filtered(
                lambda inv: inv.state in ('open', 'paid')).mapped('amount_untaxed_signed'))
            replacement = sum(
                line.purchase_price * line.product_uom_qty
                for order in complaint.replacement_order_ids.filtered(
                    lambda so: so.state in ('sale', 'done'))
                for line in order.order_line)
            goodwill = sum(complaint.benefit_ids.filtered(
                lambda b: b.state != 'cancelled').mapped('cost'))
            handling = complaint.handling_hours * complaint.company_id.complaint_hourly_cost
            complaint.cost_credit_notes = credit
            complaint.cost_replacement = replacement
            complaint.cost_goodwill = goodwill
            complaint.cost_handling = handling
            complaint.cost_total = credit + replacement + goodwill + handling

    def _compute_portal_url(self):
        result = super(CrmComplaint, self)._compute_portal_url()
        for complaint in self:
            complaint.portal_url = '/my/complaints/%s' % complaint.id
        return result

    # --- constraints --------------------------------------------------------------------------
    @api.constrains('rating_score')
    def _check_rating_score(self):
        for complaint in self:
            if complaint.rating_score:
                try:
                    kpi.check_rating(complaint.rating_score)
                except ValueError:
                    raise ValidationError(_("A rating is a whole number from 1 to 5."))

    @api.constrains('handling_hours')
    def _check_handling_hours(self):
        for complaint in self.sudo():
            if not 0 <= complaint.handling_hours <= MAX_HANDLING_HOURS:
                raise ValidationError(_("The handling time of a complaint is from 0 to %s "
                                        "hours.") % MAX_HANDLING_HOURS)

    @api.constrains('duplicate_of_id')
    def _check_duplicate_of(self):
        for complaint in self:
            if complaint.duplicate_of_id == complaint:
                raise ValidationError(_("A complaint cannot be a duplicate of itself."))

    @api.onchange('partner_id')
    def _onchange_partner_id(self):
        if self.partner_id:
            self.email_from = self.partner_id.email
            self.partner_phone = self.partner_id.phone or self.partner_id.mobile
            tier = self._customer_tier(self.partner_id, self.company_id)
            if tier:
                self.priority = tier.service_priority

    @api.onchange('sale_order_id')
    def _onchange_sale_order_id(self):
        order = self.sale_order_id
        if order:
            self.partner_id = self.partner_id or order.partner_id
            invoices = order.invoice_ids.filtered(
                lambda inv: inv.type == 'out_invoice' and inv.state in ('open', 'paid'))
            if invoices and not self.invoice_id:
                self.invoice_id = invoices[:1]
            pickings = order.picking_ids.filtered(
                lambda p: p.picking_type_code == 'outgoing' and p.state == 'done')
            if pickings and not self.picking_id:
                self.picking_id = pickings[:1]
            if not self.product_ids:
                self.product_ids = order.order_line.mapped('product_id').filtered(
                    lambda p: p.type != 'service')

    # --- CRUD ---------------------------------------------------------------------------------
    def _check_workflow_fields(self, vals):
        """Refuse the fields the workflow computes to any caller but the module's own code
        (which writes them as superuser)."""
        if self.env.uid == SUPERUSER_ID:
            return
        refused = sorted(WORKFLOW_FIELDS.intersection(vals))
        if refused:
            raise AccessError(_("These complaint fields are set by the workflow and cannot be "
                                "written: %s.") % ', '.join(refused))

    @api.model
    def create(self, vals):
        vals = dict(vals)
        self._check_workflow_fields(vals)
        company = self.env['res.company'].browse(
            vals.get('company_id') or self.env.user.company_id.id)
        if vals.get('name', _('New')) in (_('New'), 'New', '/', False):
            vals['name'] = self.env['ir.sequence'].with_context(
                force_company=company.id).next_by_code('crm.complaint') or _('New')
        partner = self.env['res.partner'].browse(vals.get('partner_id'))
        tier = self._customer_tier(partner, company) if partner else self.env['crm.loyalty.tier']
        vals.setdefault('tier_id', tier.id)
        if not vals.get('priority'):
            vals['priority'] = tier.service_priority or '1'
        if partner and not vals.get('email_from'):
            vals['email_from'] = partner.email
        if vals.get('stage_id'):
            stage = self.env['crm.complaint.stage'].browse(vals['stage_id'])
            self.new(vals)._check_stage_change(stage, vals)
        complaint = super(CrmComplaint, self).create(vals)
        if complaint.partner_id:
            complaint.message_subscribe([complaint.partner_id.id], force=False)
        complaint._apply_sla_policies()
        complaint._detect_repeat()
        if complaint.step != 'new':
            complaint._on_stage_changed({complaint.id: self.env['crm.complaint.stage']})
        complaint._send_acknowledgement()
        complaint._alert_top_customer()
        return complaint

    @api.multi
    def write(self, vals):
        if self.env.context.get('crm_complaint_internal') and self.env.uid == SUPERUSER_ID:
            # values computed by the workflow itself: no second round of workflow rules
            return super(CrmComplaint, self).write(vals)
        self._check_workflow_fields(vals)
        self.check_access_rights('write')
        self.check_access_rule('write')
        old_stages = {}
        if vals.get('stage_id'):
            stage = self.env['crm.complaint.stage'].browse(vals['stage_id'])
            for complaint in self:
                if complaint.stage_id != stage:
                    complaint._check_stage_change(stage, vals)
                    old_stages[complaint.id] = complaint.stage_id
        if 'partner_id' in vals or 'company_id' in vals:
            for complaint in self:
                partner = self.env['res.partner'].browse(vals.get('partner_id',
                                                                  complaint.partner_id.id))
                company = self.env['res.company'].browse(vals.get('company_id',
                                                                  complaint.company_id.id))
                tier = self._customer_tier(partner, company) if partner else False
                complaint._internal_write({'tier_id': tier and tier.id})
        result = super(CrmComplaint, self).write(vals)
        if old_stages:
            self.browse(list(old_stages))._on_stage_changed(old_stages)
        if set(vals) & {'priority', 'category_id', 'team_id', 'partner_id', 'company_id'}:
            self._apply_sla_policies()
        if set(vals) & {'partner_id', 'product_ids', 'category_id', 'date_received'}:
            self._detect_repeat()
        return result

    def _internal_write(self, values):
        """Write what the workflow computed (dates, counters, links) without its rules, as
        superuser: callers cannot write these fields themselves."""
        return self.sudo().with_context(crm_complaint_internal=True).write(values)

    def _portal_readable_by(self, user):
        try:
            self.sudo(user).check_access_rule('read')
        except AccessError:
            return False
        return True

    # --- loyalty ------------------------------------------------------------------------------
    @api.model
    def _customer_tier(self, partner, company):
        """Loyalty class of the customer in ``company`` (through crm_loyalty's shared fields)."""
        if not partner:
            return self.env['crm.loyalty.tier']
        return partner.sudo().with_context(
            force_company=company.id or self.env.user.company_id.id).loyalty_tier_id

    @api.model
    def _top_tier_level(self, company):
        tiers = self.env['crm.loyalty.tier'].sudo().search(
            [('company_id', '=', company.id)], order='level desc', limit=1)
        return tiers.level if tiers else None

    def _alert_top_customer(self):
        """An open complaint of a top class customer raises the customer's churn risk and asks
        the account manager to call (crm_loyalty's value row, written through its fields)."""
        for complaint in self:
            if not complaint.tier_id or complaint.is_closed:
                continue
            if complaint.tier_id.level != self._top_tier_level(complaint.company_id):
                continue
            complaint.sudo().is_top_customer = True
            self.env['crm.loyalty.value']._raise_churn_for_complaints(
                complaint.company_id, complaint.commercial_partner_id.ids)
            manager = complaint.commercial_partner_id.user_id
            if manager:
                complaint.sudo()._schedule_activity(
                    'crm_complaints.mail_activity_top_customer', manager,
                    _("Top class customer complained: %s") % complaint.name)

    # --- workflow -----------------------------------------------------------------------------
    def _pending_documents(self):
        """Resolution documents not done yet (the gate of 'resolved' stages)."""
        self.ensure_one()
        pending = []
        self = self.sudo()  # the gate holds for agents without accounting or stock rights too
        for invoice in self.credit_note_ids.filtered(lambda inv: inv.state == 'draft'):
            pending.append(_("credit note %s is not validated") % (
                invoice.number or invoice.display_name))
        for picking in self.return_picking_ids.filtered(
                lambda p: p.state not in ('done', 'cancel')):
            pending.append(_("return %s is not received") % picking.name)
        for order in self.replacement_order_ids.filtered(
                lambda so: so.state in ('draft', 'sent')):
            pending.append(_("replacement order %s is not confirmed") % order.name)
        return pending

    def _check_stage_change(self, stage, vals=None):
        """Refuse a stage the complaint may not enter yet, before anything is written."""
        vals = vals or {}
        for complaint in self:
            if stage.step == 'closed' and not vals.get('followup_outcome', complaint.followup_outcome):
                raise UserError(_(
                    "Complaint %s cannot be closed before its follow-up call is recorded: "
                    "use \"Log follow-up\" first.") % complaint.name)
            duplicate_of = vals.get('duplicate_of_id', complaint.duplicate_of_id.id)
            if stage.step == 'duplicate' and not duplicate_of:
                raise UserError(_("Complaint %s can only be marked as a duplicate of another "
                                  "complaint: choose which one.") % complaint.name)
            if stage.gate_documents and complaint.id:
                pending = complaint._pending_documents()
                if pending:
                    raise UserError(_(
                        "Complaint %(name)s cannot move to %(stage)s while its resolution "
                        "documents are not done: %(pending)s.") % {
                            'name': complaint.name, 'stage': stage.name,
                            'pending': '; '.join(pending)})

    def _on_stage_changed(self, old_stages):
        """Dates, SLA targets, pauses, reopen count and rating request after a stage change."""
        now = self._now()
        now_str = fields.Datetime.to_string(now)
        for complaint in self:
            old = old_stages.get(complaint.id) or self.env['crm.complaint.stage']
            step = complaint.step
            lines = complaint.sudo().sla_line_ids
            schedules = lines._schedules()
            values = {}
            if old.is_paused and not complaint.stage_id.is_paused:
                lines._resume(now, schedules)
            if old.step in CLOSED_STEPS and step not in CLOSED_STEPS:
                values.update(reopen_count=complaint.reopen_count + 1, date_reopened=now_str,
                              date_closed=False)
            if step in ACKNOWLEDGED_STEPS and not complaint.date_acknowledged:
                line = lines.filtered(lambda ln: ln.target == 'acknowledge')
                line._reach(now, schedules)
                values['date_acknowledged'] = now_str
                values.update(complaint._elapsed('first_response', now, line))
            if step in FINAL_ANSWER_STEPS:
                lines._reach(now, schedules)
            if step in RESOLVED_STEPS and not complaint.date_resolved:
                line = lines.filtered(lambda ln: ln.target == 'resolve')
                values['date_resolved'] = now_str
                values.update(complaint._elapsed('resolution', now, line))
            if step in CLOSED_STEPS and old.step not in CLOSED_STEPS:
                values['date_closed'] = now_str
            if complaint.stage_id.is_paused and not old.is_paused:
                lines._pause(now)
            if values:
                complaint._internal_write(values)
            if step == 'closed' and old.step != 'closed':
                complaint._send_rating_request()

    def _elapsed(self, prefix, now, line):
        """Working and calendar hours from intake to ``now`` for the KPI fields: those of the
        reached SLA target, else on the company's working hours."""
        if line and line.reached_date:
            return {'%s_hours' % prefix: line.working_hours,
                    '%s_hours_calendar' % prefix: line.calendar_hours}
        start = fields.Datetime.from_string(self.date_received)
        return {
            '%s_hours' % prefix: max(self._default_schedule().working_hours(start, now), 0.0),
            '%s_hours_calendar' % prefix: max((now - start).total_seconds() / 3600.0, 0.0),
        }

    def _move_to_step(self, step):
        stage = self.env['crm.complaint.stage']._for_step(step)
        if not stage:
            raise UserError(_("No active stage is configured for the step \"%s\".")
                            % dict(STEPS)[step])
        self.write({'stage_id': stage.id})
        return True

    def action_acknowledge(self):
        """Apology sent: the acknowledgement target is reached."""
        return self._move_to_step('acknowledged')

    def action_start(self):
        return self._move_to_step('in_progress')

    def action_resolve(self):
        return self._move_to_step('resolved')

    def action_close(self):
        return self._move_to_step('closed')

    def action_reopen(self):
        return self._move_to_step('in_progress')

    def action_reject(self):
        return self._move_to_step('rejected')

    def action_log_followup(self):
        self.ensure_one()
        return {
            'name': _('Log follow-up call'),
            'type': 'ir.actions.act_window',
            'res_model': 'crm.complaint.followup',
            'view_mode': 'form',
            'target': 'new',
            'context': {'default_complaint_id': self.id},
        }

    def action_mark_duplicate(self):
        self.ensure_one()
        return {
            'name': _('Mark as duplicate'),
            'type': 'ir.actions.act_window',
            'res_model': 'crm.complaint.duplicate',
            'view_mode': 'form',
            'target': 'new',
            'context': {'default_complaint_id': self.id},
        }

    def _record_followup(self, outcome, note, duration_hours=0.0, user=None, when=None):
        """Store the follow-up call; moves a resolved complaint to the follow-up step."""
        self.ensure_one()
        if outcome not in dict(FOLLOWUP_OUTCOMES):
            raise UserError(_("Choose the outcome of the follow-up call."))
        if not self.is_resolved:
            raise UserError(_("Complaint %s is not resolved yet: the follow-up call comes after "
                              "the resolution.") % self.name)
        if note is not None and note is not False and not isinstance(note, str):
            raise UserError(_("The note of a follow-up call is a text."))
        if isinstance(duration_hours, bool) or \
                not isinstance(duration_hours, (int, float, type(None))) or \
                not 0 <= (duration_hours or 0.0) <= MAX_HANDLING_HOURS:
            raise ValidationError(_("The handling time of a complaint is from 0 to %s "
                                    "hours.") % MAX_HANDLING_HOURS)
        user = user or self.env.user
        self.write({'handling_hours': self.handling_hours + (duration_hours or 0.0)})
        self._internal_write({
            'followup_outcome': outcome,
            'followup_note': note,
            'followup_user_id': user.id,
            'followup_date': fields.Datetime.to_string(when or self._now()),
        })
        self.message_post(
            body=_("Follow-up call: %(outcome)s. %(note)s") % {
                'outcome': dict(self._fields['followup_outcome']._description_selection(
                    self.env))[outcome], 'note': note or ''},
            subtype='mail.mt_note')
        if self.step == 'resolved':
            self._move_to_step('followup')
        return True

    def _reopen_by_customer(self):
        """A customer wrote on a closed complaint: back in progress, reopen counted."""
        stage = self.env['crm.complaint.stage']._for_step('in_progress')
        for complaint in self.filtered(lambda c: c.step == 'closed'):
            complaint.sudo().write({'stage_id': stage.id})
            complaint.sudo().message_post(body=_("Reopened by a reply of the customer."),
                                          subtype='mail.mt_note')

    # --- SLA ----------------------------------------------------------------------------------
    @api.model
    def _calendar_schedule(self, calendar, tz):
        """A :class:`sla_time.WorkSchedule` from a ``resource.calendar`` (global leaves are the
        public holidays; Datetime fields are UTC already)."""
        attendances = [
            (int(att.dayofweek), att.hour_from, att.hour_to,
             fields.Date.from_string(att.date_from) if att.date_from else None,
             fields.Date.from_string(att.date_to) if att.date_to else None)
            for att in calendar.sudo().attendance_ids]
        holidays = [
            (fields.Datetime.from_string(leave.date_from), fields.Datetime.from_string(leave.date_to))
            for leave in calendar.sudo().leave_ids
            if not leave.resource_id and leave.date_from and leave.date_to]
        try:
            schedule = sla_time.WorkSchedule(attendances, tz or 'UTC', holidays, strict=False)
        except ValueError as error:
            # never let a bad calendar stop a complaint: round the clock until it is fixed
            _logger.warning("Working hours %s (id %s) unusable for complaint SLAs (%s): "
                            "counting round the clock.", calendar.name, calendar.id, error)
            return sla_time.ROUND_THE_CLOCK
        if schedule.skipped:
            _logger.warning("Working hours %s (id %s): invalid attendances ignored by complaint "
                            "SLAs: %s", calendar.name, calendar.id, schedule.skipped)
        return schedule

    def _default_schedule(self):
        company = self.company_id or self.env.user.company_id
        calendar = company.resource_calendar_id
        if calendar and calendar.attendance_ids:
            return self._calendar_schedule(calendar, company.partner_id.tz or 'UTC')
        return sla_time.ROUND_THE_CLOCK

    def _apply_sla_policies(self):
        """(Re)plan the unreached targets from the best matching policies."""
        Line = self.env['crm.complaint.sla.line'].sudo()
        matches = self.env['crm.complaint.sla.policy']._match(self)
        now = self._now()
        for complaint in self:
            existing = {line.target: line for line in complaint.sudo().sla_line_ids}
            for target in ('acknowledge', 'resolve'):
                policy = matches.get((complaint.id, target))
                line = existing.get(target)
                if line and line.reached_date:
                    continue
                if not policy:
                    if line:
                        line.unlink()
                    continue
                values = {'policy_id': policy.id, 'target_hours': policy.hours}
                if line:
                    if line.policy_id == policy and line.target_hours == policy.hours:
                        continue
                    line.write(values)
                else:
                    values.update(complaint_id=complaint.id, target=target,
                                  start_date=complaint.date_received)
                    line = Line.create(values)
                    if complaint.stage_id.is_paused:
                        line.write({'paused_since': fields.Datetime.to_string(now),
                                    'status': 'paused'})
                line._plan()
                line._refresh(now)

    @api.model
    def _sql_update_sla_state(self, complaint_ids):
        """SQL twin of :meth:`_compute_sla_summary` for the escalation cron."""
        if not complaint_ids:
            return
        self.env.cr.execute("""
            UPDATE crm_complaint c
               SET sla_state = s.state, escalation = s.level, sla_deadline = s.next_deadline
              FROM (SELECT complaint_id,
                           CASE WHEN bool_or(status = 'breached') THEN 'breached'
                                WHEN bool_or(reached_date IS NULL AND escalation > '0')
                                THEN 'warning'
                                WHEN bool_or(status = 'running') THEN 'running'
                                WHEN bool_or(status = 'paused') THEN 'paused'
                                ELSE 'met' END AS state,
                           COALESCE(max(escalation) FILTER (WHERE reached_date IS NULL), '0')
                               AS level,
                           min(deadline) FILTER (WHERE reached_date IS NULL) AS next_deadline
                      FROM crm_complaint_sla_line
                     WHERE complaint_id = ANY(%s)
                  GROUP BY complaint_id) s
             WHERE c.id = s.complaint_id""", (list(complaint_ids),))

    def _notify_escalation(self, levels):
        """Activities for the people of the ladder: the responsible at the warning, the team
        leader at level 1, the escalation manager at level 2.

        Who and what is read for all complaints first, then the activities are written
        set-based (``_create_set_based`` of mail.activity, from crm_loyalty).
        """
        activity_type = self.env.ref('crm_complaints.mail_activity_escalation')
        plan = []
        for complaint in self:
            level = levels[complaint.id]
            team = complaint.team_id
            if level == '1':
                user = complaint.user_id or team.user_id
                summary = _("SLA warning: %s") % complaint.name
            elif level == '2':
                user = team.user_id or complaint.user_id
                summary = _("Escalation level 1: %s") % complaint.name
            else:
                user = team.escalation_user_id or team.user_id or complaint.user_id
                summary = _("Escalation level 2: %s") % complaint.name
            if user:
                plan.append((complaint.id, activity_type.id, user.id, summary, None))
        self.env['mail.activity']._create_set_based(self._name, plan)

    def _schedule_activity(self, activity_type, user, summary):
        """One activity of ``activity_type`` (record or xml id) for ``user`` on each complaint."""
        if isinstance(activity_type, str):
            activity_type = self.env.ref(activity_type)
        self.env['mail.activity']._create_set_based(self._name, [
            (complaint.id, activity_type.id, user.id, summary, None) for complaint in self])

    # --- repeat complaints --------------------------------------------------------------------
    def _detect_repeat(self):
        """Link to the latest earlier complaint of the same customer about the same product or
        category within the company's repeat window (days)."""
        for complaint in self:
            partner = complaint.commercial_partner_id
            if not partner:
                continue
            window = complaint.company_id.complaint_repeat_days or 0
            start = fields.Datetime.from_string(complaint.date_received) - timedelta(days=window)
            domain = [
                ('id', '!=', complaint.id),
                ('commercial_partner_id', '=', partner.id),
                ('company_id', '=', complaint.company_id.id),
                ('date_received', '>=', fields.Datetime.to_string(start)),
                ('date_received', '<=', complaint.date_received),
            ]
            alternatives = []
            if complaint.product_ids:
                alternatives.append([('product_ids', 'in', complaint.product_ids.ids)])
            if complaint.category_id:
                alternatives.append([('category_id', '=', complaint.category_id.id)])
            earlier = self.browse()
            if alternatives:
                sub = alternatives[0] if len(alternatives) == 1 else \
                    ['|'] + alternatives[0] + alternatives[1]
                earlier = self.sudo().with_context(active_test=False).search(
                    domain + sub, order='date_received desc, id desc', limit=1)
            complaint._internal_write({'repeat_of_id': earlier.id or False,
                                       'is_repeat': bool(earlier)})

    # --- ERP resolution -----------------------------------------------------------------------
    def action_credit_note(self):
        self.ensure_one()
        if not self.invoice_id:
            raise UserError(_("Link the invoice the complaint is about first."))
        return {
            'name': _('Credit note'),
            'type': 'ir.actions.act_window',
            'res_model': 'crm.complaint.refund',
            'view_mode': 'form',
            'target': 'new',
            'context': {'default_complaint_id': self.id},
        }

    def action_return(self):
        """Odoo's return wizard on the linked delivery; the return is linked back."""
        self.ensure_one()
        if not self.picking_id:
            raise UserError(_("Link the delivery the complaint is about first."))
        if self.picking_id.state != 'done':
            raise UserError(_("Delivery %s is not done yet: only delivered goods can be "
                              "returned.") % self.picking_id.name)
        return {
            'name': _('Return of %s') % self.picking_id.name,
            'type': 'ir.actions.act_window',
            'res_model': 'stock.return.picking',
            'view_mode': 'form',
            'target': 'new',
            'context': {'active_id': self.picking_id.id, 'active_ids': self.picking_id.ids,
                        'active_model': 'stock.picking', 'complaint_id': self.id},
        }

    def _replacement_order_values(self):
        """Free copy of the order lines of the complained products (all goods when none)."""
        self.ensure_one()
        order = self.sale_order_id
        lines = order.order_line.filtered(lambda ln: ln.product_id.type != 'service')
        if self.product_ids:
            lines = lines.filtered(lambda ln: ln.product_id in self.product_ids)
        if not lines:
            raise UserError(_("Complaint %(complaint)s names no product of order %(order)s to "
                              "replace.") % {'complaint': self.name, 'order': order.name})
        return {
            'partner_id': order.partner_id.id,
            'partner_invoice_id': order.partner_invoice_id.id,
            'partner_shipping_id': order.partner_shipping_id.id,
            'pricelist_id': order.pricelist_id.id,
            'company_id': order.company_id.id,
            'warehouse_id': order.warehouse_id.id,
            'origin': self.name,
            'client_order_ref': _('Replacement for %s') % self.name,
            'complaint_id': self.id,
            'order_line': [(0, 0, {
                'product_id': line.product_id.id,
                'name': line.name,
                'product_uom_qty': line.product_uom_qty,
                'product_uom': line.product_uom.id,
                'price_unit': line.price_unit,
                'discount': 100.0,
                'tax_id': [(6, 0, line.tax_id.ids)],
                'purchase_price': line.purchase_price,
            }) for line in lines],
        }

    def action_replacement_order(self):
        """A free replacement order (100 % discount) copying the complained lines."""
        self.ensure_one()
        if not self.sale_order_id:
            raise UserError(_("Link the sale order the complaint is about first."))
        order = self.env['sale.order'].create(self._replacement_order_values())
        self.message_post(body=_("Replacement order %s created.") % order.name,
                          subtype='mail.mt_note')
        return {
            'type': 'ir.actions.act_window',
            'res_model': 'sale.order',
            'res_id': order.id,
            'view_mode': 'form',
            'views': [(False, 'form')],
        }

    def action_goodwill(self):
        self.ensure_one()
        if not self.commercial_partner_id:
            raise UserError(_("Set the customer of the complaint first."))
        return {
            'name': _('Goodwill gesture'),
            'type': 'ir.actions.act_window',
            'res_model': 'crm.complaint.goodwill',
            'view_mode': 'form',
            'target': 'new',
            'context': {'default_complaint_id': self.id},
        }

    def action_opportunity(self):
        """Turn the complaint into a win-back or up-sell opportunity (crm.lead) for the
        customer's account manager; made as superuser since agents may not see the account
        manager's pipeline, and opened only for those who can."""
        self.ensure_one()
        self.check_access_rights('write')
        self.check_access_rule('write')
        if not self.commercial_partner_id:
            raise UserError(_("Set the customer of the complaint first."))
        partner = self.commercial_partner_id
        lead = self.env['crm.lead'].sudo().create({
            'type': 'opportunity',
            'name': _('Win-back: %s') % self.subject,
            'partner_id': self.partner_id.id,
            'user_id': partner.user_id.id or self.env.uid,
            'team_id': partner.team_id.id or False,
            'description': self.description,
            'complaint_id': self.id,
            'company_id': self.company_id.id,
        })
        self.message_post(body=_("Opportunity %(lead)s created for %(user)s.") % {
            'lead': lead.name, 'user': lead.user_id.name}, subtype='mail.mt_note')
        try:
            lead.sudo(self.env.user).check_access_rule('read')
        except AccessError:
            return {'type': 'ir.actions.act_window_close', 'res_id': lead.id}
        return {
            'type': 'ir.actions.act_window',
            'res_model': 'crm.lead',
            'res_id': lead.id,
            'view_mode': 'form',
            'views': [(False, 'form')],
        }

    def _open_documents(self, model, records, name):
        action = {
            'name': name,
            'type': 'ir.actions.act_window',
            'res_model': model,
            'domain': [('id', 'in', records.ids)],
            'view_mode': 'tree,form',
            'context': {'create': False},
        }
        if len(records) == 1:
            action.update(view_mode='form', res_id=records.id, views=[(False, 'form')])
        return action

    def action_view_credit_notes(self):
        self.ensure_one()
        action = self._open_documents('account.invoice', self.credit_note_ids, _('Credit Notes'))
        action['views'] = [(self.env.ref('account.invoice_tree').id, 'tree'),
                           (self.env.ref('account.invoice_form').id, 'form')] \
            if len(self.credit_note_ids) != 1 else \
            [(self.env.ref('account.invoice_form').id, 'form')]
        return action

    def action_view_returns(self):
        self.ensure_one()
        return self._open_documents('stock.picking', self.return_picking_ids, _('Returns'))

    def action_view_replacements(self):
        self.ensure_one()
        return self._open_documents('sale.order', self.replacement_order_ids,
                                    _('Replacement Orders'))

    def action_view_benefits(self):
        self.ensure_one()
        return self._open_documents('crm.complaint.benefit', self.benefit_ids, _('Benefits'))

    def action_view_leads(self):
        self.ensure_one()
        return self._open_documents('crm.lead', self.lead_ids, _('Opportunities'))

    # --- mail ---------------------------------------------------------------------------------
    def _send_acknowledgement(self):
        """Automatic receipt to the customer on intake (not the apology: that is a person)."""
        template = self.env.ref('crm_complaints.mail_template_complaint_received',
                                raise_if_not_found=False)
        if not template:
            return
        for complaint in self:
            if complaint.partner_id:
                complaint.message_post_with_template(
                    template.id, composition_mode='comment',
                    subtype_id=self.env.ref('mail.mt_comment').id)
            elif complaint.email_from:
                # an unknown sender: mail the address without making it a contact
                template.sudo().send_mail(complaint.id)

    def _send_rating_request(self):
        """Each closing asks for one rating with a new token: the unused token of an earlier
        closing dies. The email is rendered as superuser (its links carry the customer's token,
        which the agent closing the complaint must not learn) in the agent's name."""
        template = self.env.ref('crm_complaints.mail_template_complaint_closed',
                                raise_if_not_found=False)
        for complaint in self:
            if not complaint.partner_id:
                continue
            sudo = complaint.sudo()
            self.env['rating.rating'].sudo().search([
                ('res_model', '=', self._name), ('res_id', '=', complaint.id),
                ('consumed', '=', False)]).unlink()
            sudo.invalidate_cache(['rating_ids'])
            sudo.rating_get_access_token()
            sudo.invalidate_cache(['rating_ids'])
            complaint._internal_write(
                {'rating_requested_date': fields.Datetime.to_string(self._now())})
            if template:
                sudo.message_post_with_template(
                    template.id, composition_mode='comment',
                    subtype_id=self.env.ref('mail.mt_comment').id,
                    author_id=self.env.user.partner_id.id)

    def get_rating_url(self, score):
        """Link of the rating email for ``score`` (1-5), with the customer's rating token:
        for the rating email only, rendered as superuser."""
        self.ensure_one()
        if self.env.uid != SUPERUSER_ID:
            raise AccessError(_("Only the rating email carries the customer's rating link."))
        base = self.env['ir.config_parameter'].sudo().get_param('web.base.url')
        return '%s/complaint/rate/%s/%d' % (base, self._rating_token(), score)

    def _current_rating(self):
        """The ``rating.rating`` of the latest closing (the newest one of the complaint)."""
        self.ensure_one()
        return self.env['rating.rating'].sudo().search([
            ('res_model', '=', self._name), ('res_id', '=', self.id)], order='id desc', limit=1)

    def _rating_token(self):
        """Token of the customer's rating request of the latest closing: one ``rating.rating``
        per closing, however many links the email carries."""
        self.ensure_one()
        rating = self._current_rating()
        if rating:
            return rating.access_token
        token = self.sudo().rating_get_access_token()
        self.invalidate_cache(['rating_ids'])
        return token

    @api.multi
    def _track_template(self, tracking):
        result = super(CrmComplaint, self)._track_template(tracking)
        complaint = self[0]
        changes, _tracking_values = tracking[complaint.id]
        if 'stage_id' in changes and complaint.stage_id.mail_template_id:
            result['stage_id'] = (complaint.stage_id.mail_template_id, {
                'composition_mode': 'comment',
                'subtype_id': self.env.ref('mail.mt_comment').id,
            })
        return result

    @api.multi
    def _track_subtype(self, init_values):
        self.ensure_one()
        if 'stage_id' in init_values:
            return 'crm_complaints.mt_complaint_stage'
        return super(CrmComplaint, self)._track_subtype(init_values)

    @api.model
    def message_new(self, msg_dict, custom_values=None):
        """A complaint from an email: the sender's contact is the customer; an unknown sender
        either gets a contact or flags the complaint (company setting)."""
        self.check_access_rights('create')
        if not isinstance(msg_dict, dict) or \
                (custom_values is not None and not isinstance(custom_values, dict)) or \
                not set(msg_dict) & {'message_id', 'email_from', 'from', 'subject', 'body'}:
            raise UserError(_("A complaint by email is made from a parsed email message."))
        # alias defaults naming no field of a complaint are left out, not a reason to refuse
        # the mail (the mail server would deliver it again and again)
        ignored = sorted(set(custom_values or {}) - set(self._fields))
        if ignored:
            _logger.warning("Complaint by email: alias defaults %s are no complaint fields, "
                            "left out.", ignored)
        values = {name: value for name, value in (custom_values or {}).items()
                  if name in self._fields}
        company = self.env['res.company'].browse(
            values.get('company_id') or self.env.user.company_id.id)
        # the sender is one address: a From header listing several gets the first one only
        addresses = tools.email_split_and_format(
            msg_dict.get('email_from') or msg_dict.get('from') or '')
        email = addresses[0] if addresses else False
        values.setdefault('name', _('New'))
        values.setdefault('subject', msg_dict.get('subject') or _('(no subject)'))
        values.setdefault('description', html2plaintext(msg_dict.get('body') or '').strip())
        values.setdefault('email_from', email)
        channel = self.env.ref('crm_complaints.channel_email', raise_if_not_found=False)
        if channel:
            values.setdefault('channel_id', channel.id)
        partner_id = msg_dict.get('author_id')
        unknown = False
        if not partner_id and email:
            if company.complaint_unknown_sender == 'partner':
                partner_id = self._find_partner_from_emails([email], force_create=True)[0]
            else:
                unknown = True
        if partner_id:
            values.setdefault('partner_id', partner_id)
        values.pop('is_unknown_sender', None)
        complaint = super(CrmComplaint, self.with_context(default_user_id=False)).message_new(
            msg_dict, custom_values=values)
        if unknown:
            complaint._internal_write({'is_unknown_sender': True})
        return complaint

    def _is_customer_author(self, author):
        self.ensure_one()
        if not author:
            return False
        if author.user_ids.filtered(lambda u: not u.share):
            return False
        if self.commercial_partner_id:
            return author.commercial_partner_id == self.commercial_partner_id
        return bool(self.email_from and author.email and
                    author.email.lower() in self.email_from.lower())

    @api.multi
    @api.returns('self', lambda value: value.id)
    def message_post(self, body='', subject=None, message_type='notification', subtype=None,
                     parent_id=False, attachments=None, content_subtype='html', **kwargs):
        """Customers only post on complaints they may read; their messages are counted and
        reopen a closed complaint."""
        if self and self.env.uid != SUPERUSER_ID:
            self.check_access_rights('read')
            if isinstance(body, (dict, list, tuple, set)) or \
                    isinstance(subject, (dict, list, tuple, set)) or \
                    message_type not in MESSAGE_TYPES or \
                    not isinstance(subtype, (str, type(None), bool)) or \
                    not isinstance(parent_id, (int, type(None), models.BaseModel)):
                raise UserError(_("A message is a text, with an optional subject, of type "
                                  "email, comment or notification."))
            try:
                self.check_access_rule('read')
            except AccessError:
                raise AccessError(_("You can only post on your own complaints."))
            if self.env.user.share:
                # a customer posts a plain comment, in their own name, now
                message_type, subtype, parent_id = 'comment', 'mail.mt_comment', False
                kwargs = {'author_id': self.env.user.partner_id.id}
        message = super(CrmComplaint, self).message_post(
            body=body, subject=subject, message_type=message_type, subtype=subtype,
            parent_id=parent_id, attachments=attachments, content_subtype=content_subtype,
            **kwargs)
        if len(self) == 1 and message_type in ('email', 'comment') \
                and self._is_customer_author(message.author_id):
            sudo = self.sudo()
            sudo._internal_write({'customer_contact_count': sudo.customer_contact_count + 1})
            if sudo.step == 'closed':
                sudo._reopen_by_customer()
        return message

    def get_access_action(self, access_uid=None):
        """Customers (portal users) land on the portal page of their complaint."""
        self.ensure_one()
        if self.env.uid != SUPERUSER_ID:
            if access_uid and access_uid != self.env.uid:
                raise AccessError(_("You can only ask for your own way to a complaint."))
            self.check_access_rights('read')
            self.check_access_rule('read')
        user = self.env['res.users'].sudo().browse(access_uid) if access_uid else self.env.user
        if user.share and self._portal_readable_by(user):
            return {
                    'type': 'ir.actions.act_url',
                    'url': '/my/complaints/%s' % self.id,
                    'target': 'self',
                    'res_id': self.id,
                }
        return super(CrmComplaint, self).get_access_action(access_uid)

    # --- satisfaction -------------------------------------------------------------------------
    def action_rate(self, score, feedback=None, token=None):
        """Record the customer's 1-5 rating, once per closing; a bad one opens a recovery
        activity.

        The customer rates: a portal user who may read the complaint, or the holder of the
        rating token of the latest closing (the rating page, as superuser). A used token, or a
        closing already rated, is refused.
        """
        self.ensure_one()
        if self.env.uid != SUPERUSER_ID:
            self.check_access_rights('read')
            self.check_access_rule('read')
            if not self.env.user.share:
                raise AccessError(_("Only the customer rates the handling of a complaint."))
        if isinstance(score, str) and score.strip().isdigit():
            score = int(score.strip())
        try:
            kpi.check_rating(score)
        except ValueError:
            raise ValidationError(_("A rating is a whole number from 1 to 5."))
        if feedback is not None and not isinstance(feedback, str):
            raise UserError(_("The comment of a rating is a text."))
        if feedback and len(feedback) > MAX_FEEDBACK:
            raise UserError(_("The comment of a rating has at most %s characters.")
                            % MAX_FEEDBACK)
        sudo = self.sudo()
        if sudo.step != 'closed':
            raise UserError(_("Complaint %s can be rated once it is closed.") % sudo.name)
        current = sudo._current_rating()
        if token:
            if not current or not consteq(current.access_token or '', token) or \
                    current.consumed:
                raise UserError(_("This rating link was already used or has expired."))
        elif current.consumed:
            raise UserError(_("This complaint was already rated."))
        rating = current
        if not rating:  # closed before it had a customer: no request was sent
            sudo._rating_token()
            rating = sudo._current_rating()
        rating.write({'rating': kpi.rating_to_odoo(score), 'feedback': feedback or False,
                      'consumed': True})
        sudo._internal_write({'rating_score': score, 'rating_feedback': feedback or False,
                              'rating_date': fields.Datetime.to_string(self._now())})
        # the customer's words are text: escaped into the chatter's HTML
        comment = html_escape(feedback or '').replace('\n', '<br/>')
        sudo.message_post(
            body=_("Rated %(score)s / 5. %(feedback)s") % {'score': score,
                                                           'feedback': comment},
            subtype='mail.mt_note', author_id=rating.partner_id.id or None)
        if score <= (sudo.company_id.complaint_bad_rating or 0):
            user = sudo.user_id or sudo.team_id.user_id
            if user:
                sudo._schedule_activity(
                    'crm_complaints.mail_activity_recovery', user,
                    _("Recovery call: %(name)s rated %(score)s / 5") % {
                        'name': sudo.name, 'score': score})
        return rating

    def rating_apply(self, rate, token=None, feedback=None, subtype=None):
        """Odoo's own rating pages use 1/5/10 smileys: mapped onto the 1-5 scale."""
        if isinstance(rate, int) and not isinstance(rate, bool):
            rate = {1: 1, 5: 3, 10: 5}.get(rate, rate)
        return self.action_rate(rate, feedback=feedback, token=token)

    # --- KPIs ---------------------------------------------------------------------------------
    def _rule_filtered_query(self, domain):
        """FROM/WHERE of ``domain`` with the user's record rules, for the KPI aggregates."""
        query = self._where_calc(domain)
        self._apply_ir_rules(query, 'read')
        from_clause, where_clause, params = query.get_sql()
        return from_clause, where_clause or 'TRUE', params

    @api.model
    def _kpi_values(self, domain):
        """The KPI figures of the complaints matching ``domain`` (two aggregate queries)."""
        self.recompute()
        from_clause, where_clause, params = self._rule_filtered_query(domain)
        dissatisfied = """(crm_complaint.rating_score >= 1
                           AND crm_complaint.rating_score <= COALESCE(company.complaint_bad_rating, 0))
                          OR crm_complaint.followup_outcome = 'dissatisfied'
                          OR crm_complaint.step = 'rejected'"""
        self.env.cr.execute("""
            SELECT count(*),
                   count(*) FILTER (WHERE NOT crm_complaint.is_closed),
                   avg(crm_complaint.first_response_hours)
                       FILTER (WHERE crm_complaint.date_acknowledged IS NOT NULL),
                   avg(crm_complaint.first_response_hours_calendar)
                       FILTER (WHERE crm_complaint.date_acknowledged IS NOT NULL),
                   avg(crm_complaint.resolution_hours)
                       FILTER (WHERE crm_complaint.date_resolved IS NOT NULL),
                   avg(crm_complaint.resolution_hours_calendar)
                       FILTER (WHERE crm_complaint.date_resolved IS NOT NULL),
                   count(*) FILTER (WHERE crm_complaint.date_resolved IS NOT NULL),
                   count(*) FILTER (WHERE crm_complaint.date_resolved IS NOT NULL
                                      AND COALESCE(crm_complaint.reopen_count, 0) = 0
                                      AND COALESCE(crm_complaint.customer_contact_count, 0) <= 1),
                   count(*) FILTER (WHERE crm_complaint.step = 'closed'
                                       OR COALESCE(crm_complaint.reopen_count, 0) > 0),
                   count(*) FILTER (WHERE COALESCE(crm_complaint.reopen_count, 0) > 0),
                   count(*) FILTER (WHERE crm_complaint.rating_requested_date IS NOT NULL),
                   count(*) FILTER (WHERE crm_complaint.rating_score >= 1),
                   count(*) FILTER (WHERE crm_complaint.rating_score >= %s),
                   COALESCE(sum(crm_complaint.cost_credit_notes), 0),
                   COALESCE(sum(crm_complaint.cost_replacement), 0),
                   COALESCE(sum(crm_complaint.cost_goodwill), 0),
                   COALESCE(sum(crm_complaint.cost_handling), 0),
                   COALESCE(sum(crm_complaint.cost_total), 0),
                   count(*) FILTER (WHERE {dissatisfied})
              FROM {from_clause}
              JOIN res_company company ON company.id = crm_complaint.company_id
             WHERE {where_clause}""".format(from_clause=from_clause, where_clause=where_clause,
                                            dissatisfied=dissatisfied),
                            [kpi.SATISFIED_MIN] + params)
        (count, open_count, frh, frh_cal, rh, rh_cal, resolved, fcr, closed, reopened,
         requested, answered, satisfied, c_credit, c_repl, c_good, c_hand, c_total,
         dissatisfied_count) = self.env.cr.fetchone()
        self.env.cr.execute("""
            SELECT count(*) FILTER (WHERE line.status = 'met'),
                   count(*) FILTER (WHERE line.status IN ('met', 'breached'))
              FROM crm_complaint_sla_line line
             WHERE line.complaint_id IN (SELECT crm_complaint.id FROM {from_clause}
                                          WHERE {where_clause})""".format(
            from_clause=from_clause, where_clause=where_clause), params)
        sla_met, sla_decided = self.env.cr.fetchone()
        return {
            'complaint_count': count,
            'open_count': open_count,
            'first_response_hours': frh,
            'first_response_hours_calendar': frh_cal,
            'resolution_hours': rh,
            'resolution_hours_calendar': rh_cal,
            'sla_compliance': kpi.ratio(sla_met, sla_decided),
            'sla_decided': sla_decided,
            'fcr_rate': kpi.ratio(fcr, resolved),
            'reopen_rate': kpi.ratio(reopened, closed),
            'csat': kpi.ratio(satisfied, answered),
            'rating_count': answered,
            'rating_answer_rate': kpi.ratio(answered, requested),
            'cost_credit_notes': c_credit,
            'cost_replacement': c_repl,
            'cost_goodwill': c_good,
            'cost_handling': c_hand,
            'cost_total': c_total,
            'dissatisfied_count': dissatisfied_count,
        }

    @api.model
    def _pareto_values(self, domain):
        """Pareto tables by root cause and by product (a complaint naming several products
        counts for each, its cost split evenly between them)."""
        self.recompute()
        from_clause, where_clause, params = self._rule_filtered_query(domain)
        self.env.cr.execute("""
            SELECT crm_complaint.root_cause_id, count(*), COALESCE(sum(crm_complaint.cost_total), 0)
              FROM {from_clause}
             WHERE {where_clause}
          GROUP BY crm_complaint.root_cause_id""".format(
            from_clause=from_clause, where_clause=where_clause), params)
        causes = self.env.cr.fetchall()
        self.env.cr.execute("""
            SELECT rel.product_id, count(*),
                   COALESCE(sum(crm_complaint.cost_total / n.products), 0)
              FROM {from_clause}
              JOIN crm_complaint_product_rel rel ON rel.complaint_id = crm_complaint.id
              JOIN (SELECT complaint_id, count(*) AS products
                      FROM crm_complaint_product_rel GROUP BY complaint_id) n
                ON n.complaint_id = crm_complaint.id
             WHERE {where_clause}
          GROUP BY rel.product_id""".format(
            from_clause=from_clause, where_clause=where_clause), params)
        products = self.env.cr.fetchall()
        cause_names = dict(self.env['crm.complaint.root.cause'].with_context(
            active_test=False).browse([c[0] for c in causes if c[0]]).name_get())
        product_names = dict(self.env['product.product'].sudo().with_context(
            active_test=False).browse([p[0] for p in products]).name_get())
        return {
            'root_cause': kpi.pareto(
                (cause_id, cause_names.get(cause_id) or _('Not analysed'), count, cost)
                for cause_id, count, cost in causes),
            'product': kpi.pareto(
                (product_id, product_names.get(product_id), count, cost)
                for product_id, count, cost in products),
        }
