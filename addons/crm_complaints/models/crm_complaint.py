import uuid
from datetime import timedelta

from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..lib.sla import PRIORITIES
from .crm_complaint_category import DIMENSIONS, NATURES
from .crm_complaint_stage import (ACKNOWLEDGED_STEPS, CLOSED_STEPS, FINAL_ANSWER_STEPS,
                                  RESOLVED_STEPS, STEPS)

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
MAX_HANDLING_HOURS = 10000


class CrmComplaint(models.Model):
    """A customer complaint, handled in steps from intake to the follow-up call.

    The workflow follows the stage's ``step`` and flags (never stage names). This file is the
    core: the complaint, its workflow and its call order (:meth:`create`,
    :meth:`_on_stage_changed`); each capability extends the model in its own file: SLA targets
    and escalation (``crm_complaint_sla.py``), resolution documents and cost
    (``crm_complaint_resolution.py``), mail gateway (``crm_complaint_mail.py``), ratings
    (``crm_complaint_rating.py``), KPI figures (``report/crm_complaint_kpi_sql.py``).
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
    is_top_customer = fields.Boolean(readonly=True, groups=STAFF,
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
    corrective_action = fields.Text(groups=STAFF,
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
    # repeat complaints
    repeat_of_id = fields.Many2one('crm.complaint', string='Repeat of', readonly=True, copy=False,
                                   groups=STAFF,
                                   help="Earlier complaint of the same customer about the same "
                                        "product or category within the repeat window.")
    is_repeat = fields.Boolean(readonly=True, copy=False, index=True, groups=STAFF)
    # the portal page's link for a customer without a portal account
    access_token = fields.Char(copy=False, default=lambda self: uuid.uuid4().hex)

    _sql_constraints = [
        ('name_company_uniq', 'unique(name, company_id)',
         'The complaint reference must be unique per company.'),
    ]

    # --- defaults -----------------------------------------------------------------------------
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

    def _compute_portal_url(self):
        result = super(CrmComplaint, self)._compute_portal_url()
        for complaint in self:
            complaint.portal_url = '/my/complaints/%s' % complaint.id
        return result

    # --- constraints --------------------------------------------------------------------------
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
    def _check_stage_change(self, stage, vals=None):
        """Refuse a stage the complaint may not enter yet, before anything is written."""
        vals = vals or {}
        for complaint in self:
            if stage.step == 'closed' and \
                    not vals.get('followup_outcome', complaint.followup_outcome):
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
        now = self.env['crm.suite.clock']._now()
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
            'followup_date': fields.Datetime.to_string(
                when or self.env['crm.suite.clock']._now()),
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

    def _schedule_activity(self, activity_type, user, summary):
        """One activity of ``activity_type`` (record or xml id) for ``user`` on each complaint."""
        if isinstance(activity_type, str):
            activity_type = self.env.ref(activity_type)
        self.env['crm.suite.bulk']._create_activities(self._name, [
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
