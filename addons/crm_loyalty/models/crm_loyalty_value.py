from collections import defaultdict

from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..lib import churn
from ..lib.abc import GRADES as ABC_GRADES
from ..lib.attitude import LOYALTY_TYPES
from ..lib.bulk import array_literal, int_array
from ..lib.churn import CHURN_RISKS
from ..lib.clv import CLV_METHODS
from ..lib.customer_type import CUSTOMER_TYPES
from ..lib.ladder import STAGES as LADDER
from ..lib.rfm import SEGMENTS

PRICELIST_STATES = [
    ('applied', 'Applied'),
    ('own', 'Not applied: the customer has a pricelist of their own'),
    ('none', 'The class has no pricelist'),
]
#: Longest reason of a tier lock.
LOCK_REASON_MAX = 2000
#: The figures of a customer value that campaigns can score customers on, as they are (one
#: number per customer; missing for a customer without a value row in the company). Read
#: it through :meth:`CrmLoyaltyValue._scoring_figures`.
SCORING_FIGURES = ('recency_days', 'frequency', 'monetary', 'margin', 'profit', 'clv',
                   'p_alive', 'tier_level', 'r_score', 'f_score', 'm_score', 'attitude_score')


class CrmLoyaltyValue(models.Model):
    """Customer value of one commercial partner in one company, written by the review.

    The suite's shared base: other addons read these figures (campaign scoring, complaint
    SLAs) and feed the review through the hooks below, never through imports. Exact
    definitions of every figure are in the module's README.
    """

    _name = 'crm.loyalty.value'
    _description = 'Customer Value'
    _order = 'monetary desc, id'
    _rec_name = 'partner_id'

    # Indexes: the unique (partner_id, company_id) index serves lookups by partner; the
    # segment-like columns below (a handful of values each, filters that match 5-60 % of
    # the rows) have none: PostgreSQL scans the table for them either way, and a first
    # review would write every row through each index.
    partner_id = fields.Many2one('res.partner', required=True, ondelete='cascade',
                                 string='Customer')
    company_id = fields.Many2one('res.company', required=True, index=True, ondelete='cascade')
    currency_id = fields.Many2one(related='company_id.currency_id', readonly=True)
    user_id = fields.Many2one(related='partner_id.user_id', string='Salesperson',
                              readonly=True)
    review_date = fields.Date(readonly=True, help="Date of the review that wrote the figures.")
    # tier
    tier_id = fields.Many2one('crm.loyalty.tier', string='Class', index=True,
                              ondelete='set null')
    tier_level = fields.Integer(related='tier_id.level', store=True, readonly=True)
    computed_tier_id = fields.Many2one(
        'crm.loyalty.tier', string='Qualified Class', readonly=True, ondelete='set null',
        help="The class the figures qualify for today, without hysteresis, grace or lock.")
    tier_locked = fields.Boolean('Class Locked', readonly=True)
    lock_reason = fields.Text(readonly=True)
    tier_changed_on = fields.Date('Class Since', readonly=True)
    downgrade_pending_since = fields.Date(
        readonly=True, help="First review where the customer no longer met the keep "
                            "threshold; the grace period counts from here.")
    qualification_value = fields.Float(
        readonly=True, digits=(16, 2),
        help="Value of the company's qualification metric compared with the thresholds.")
    # RFM
    first_invoice_date = fields.Date(readonly=True)
    last_invoice_date = fields.Date(readonly=True)
    recency_days = fields.Integer(readonly=True, help="Days from the last invoice to the review.")
    frequency = fields.Integer(readonly=True, help="Purchase days in the window.")
    monetary = fields.Monetary(readonly=True, help="Net revenue in the window (invoices minus "
                                                   "credit notes, untaxed, company currency).")
    lifetime_frequency = fields.Integer(readonly=True)
    lifetime_monetary = fields.Monetary(readonly=True)
    previous_frequency = fields.Integer(readonly=True,
                                        help="Purchase days in the window before this one.")
    r_score = fields.Integer('R', readonly=True)
    f_score = fields.Integer('F', readonly=True)
    m_score = fields.Integer('M', readonly=True)
    rfm_cell = fields.Char('RFM', readonly=True)
    rfm_score = fields.Float('RFM Score', readonly=True, digits=(16, 2),
                             help="Weighted composite of R, F and M on 0-100.")
    segment = fields.Selection(SEGMENTS, readonly=True)
    # money
    margin = fields.Monetary(readonly=True, help="Revenue minus cost of the goods invoiced.")
    discount_amount = fields.Monetary('Discounts Given', readonly=True)
    discount_share = fields.Float(readonly=True, digits=(16, 4),
                                  help="Discounts divided by list value in the window.")
    cost_to_serve = fields.Monetary(readonly=True)
    cost_to_serve_detail = fields.Text(readonly=True)
    profit = fields.Monetary(readonly=True)
    ideal_index = fields.Float('Profit per Unit of Cost', readonly=True, digits=(16, 4))
    abc_class = fields.Selection(ABC_GRADES, 'ABC', readonly=True)
    revenue_share = fields.Float(readonly=True, digits=(16, 6))
    # CLV and churn
    clv = fields.Monetary(string='CLV', readonly=True)
    clv_method = fields.Selection(CLV_METHODS, readonly=True)
    clv_simple = fields.Monetary('Simple CLV', readonly=True)
    clv_model = fields.Monetary('Model CLV', readonly=True)
    p_alive = fields.Float(string='P(alive)', digits=(3, 4), readonly=True)
    expected_purchases = fields.Float(digits=(16, 4), readonly=True,
                                      help="BG/NBD expected purchases in the CLV horizon.")
    expected_spend = fields.Monetary(readonly=True,
                                     help="Gamma-Gamma expected value of a purchase.")
    churn_risk = fields.Selection(CHURN_RISKS, readonly=True)
    gap_ratio = fields.Float(digits=(16, 2), readonly=True,
                             help="Recency divided by the usual gap between purchases.")
    # loyalty
    repeat_days = fields.Integer(readonly=True, help="Repeat purchase days in the window.")
    incentive_free_days = fields.Integer(readonly=True)
    incentive_free_rate = fields.Float('Incentive-free Repeat Rate', digits=(16, 4),
                                       readonly=True)
    ladder_stage = fields.Selection(LADDER, 'Ladder', readonly=True)
    referral_count = fields.Integer(readonly=True)
    attitude_score = fields.Float(help="0-1 from satisfaction ratings; empty when unknown.",
                                  readonly=True)
    attitude_known = fields.Boolean(readonly=True)
    loyalty_type = fields.Selection(LOYALTY_TYPES, 'Dick & Basu Type', readonly=True)
    customer_type_computed = fields.Selection(CUSTOMER_TYPES, readonly=True)
    customer_type_manual = fields.Selection(CUSTOMER_TYPES, 'Customer Type (set by hand)')
    customer_type = fields.Selection(CUSTOMER_TYPES, compute='_compute_customer_type',
                                     store=True)
    customer_type_source = fields.Char(compute='_compute_customer_type', store=True)
    unresolved_complaints = fields.Boolean(readonly=True)
    # pricelist benefit
    pricelist_status = fields.Selection(
        PRICELIST_STATES, 'Class Pricelist', readonly=True,
        help="Whether the pricelist of the class is the customer's pricelist. The loyalty "
             "programme only ever replaces a pricelist it set itself: a customer with a "
             "pricelist of their own keeps it.")
    pricelist_set_id = fields.Many2one(
        'product.pricelist', 'Pricelist Set by the Programme', readonly=True,
        ondelete='set null',
        help="The pricelist the loyalty programme gave the customer in this company (given "
             "back when the class changes or the module is uninstalled).")
    history_ids = fields.One2many('crm.loyalty.history', 'value_id', readonly=True)

    _sql_constraints = [
        ('partner_company_uniq', 'unique(partner_id, company_id)',
         'A customer has one value row per company.'),
    ]

    @api.model_cr
    def init(self):
        """Half of each page left free: a review rewrites most rows every day (recency moves),
        and an updated row that fits on its page is a heap-only tuple, which touches none of
        the indexes, which makes the next-day review's UPDATE cheaper."""
        self.env.cr.execute("ALTER TABLE crm_loyalty_value SET (fillfactor = 50)")

    @api.depends('customer_type_manual', 'customer_type_computed')
    def _compute_customer_type(self):
        for value in self:
            if value.customer_type_manual:
                value.customer_type = value.customer_type_manual
                value.customer_type_source = _('set by hand')
            elif value.customer_type_computed:
                value.customer_type = value.customer_type_computed
                value.customer_type_source = (
                    _('computed: discounts reach the mercenary share')
                    if value.customer_type_computed == 'mercenary'
                    else _('computed: lapsed after unresolved complaints'))
            else:
                value.customer_type = False
                value.customer_type_source = False

    # --- hooks for the other addons --------------------------------------------------------
    @api.model
    def _scoring_figures(self):
        """The figures campaigns can score customers on (:data:`SCORING_FIGURES`): field
        names of this model, numbers. Extend with ``super()`` to offer more."""
        return SCORING_FIGURES

    @api.model
    def _cost_to_serve_extra(self, company, partner_ids, date_from, date_to):
        """Costs other addons add to the cost to serve, in company currency.

        :returns: ``{partner_id: {source_label: amount}}``; extend with ``super()`` and merge.
        """
        return {}

    @api.model
    def _attitude_scores(self, company, partner_ids):
        """Attitude score in [0, 1] per partner from other addons (satisfaction ratings).

        :returns: ``{partner_id: score}``; partners absent stay unknown (never invented).
        """
        return {}

    @api.model
    def _unresolved_complaint_partner_ids(self, company, partner_ids):
        """Partners with complaints left unresolved (defector detection); ``set()`` here."""
        return set()

    @api.model
    def _raise_churn_for_complaints(self, company, partner_ids):
        """Apply the complaint rule of ``lib.churn`` now to ``partner_ids`` of ``company`` (the
        complaints addon calls it at intake; the review applies the same rule to everyone).

        A buyer is a customer whose row has a churn risk (the review gives one to every
        customer with a purchase, and none to the others)."""
        tiers = self.env['crm.loyalty.tier'].sudo().search(
            [('company_id', '=', company.id)], order='level desc', limit=1)
        values = self.sudo().search([('company_id', '=', company.id),
                                     ('partner_id', 'in', list(partner_ids))])
        if not tiers or not values:
            return self.browse()
        unresolved = self._unresolved_complaint_partner_ids(
            company, values.mapped('partner_id').ids)
        risk = churn.complaint_raises(
            values.mapped('churn_risk'),
            top=[value.tier_id == tiers for value in values],
            unresolved=[value.partner_id.id in unresolved for value in values],
            buyer=[bool(value.churn_risk) for value in values])
        raised = values.browse([value.id for value, new in zip(values, risk)
                                if new != value.churn_risk])
        if raised:
            raised.write({'churn_risk': churn.HIGH})
        return raised

    @api.model
    def _check_manager(self):
        if self.env.uid != SUPERUSER_ID and \
                not self.env.user.has_group('crm_loyalty.group_loyalty_manager'):
            raise AccessError(_("Only loyalty managers can change classes or run reviews."))

    # --- actions -----------------------------------------------------------------------------
    def action_open_lock(self):
        self.ensure_one()
        return {
            'type': 'ir.actions.act_window',
            'name': _('Lock Class'),
            'res_model': 'crm.loyalty.value.lock',
            'view_mode': 'form',
            'target': 'new',
            'context': {'default_value_id': self.id, 'default_tier_id': self.tier_id.id},
        }

    def action_unlock(self):
        self._check_manager()
        self._check_exists()
        self.ensure_one()
        if not self.tier_locked:
            raise UserError(_("The class of %s is not locked.") % self.partner_id.display_name)
        self.sudo().write({'tier_locked': False, 'lock_reason': False})
        self.env['crm.loyalty.history'].sudo().create({
            'value_id': self.id, 'date': self.env['crm.suite.clock']._today(),
            'from_tier_id': self.tier_id.id, 'to_tier_id': self.tier_id.id,
            'event': 'unlock', 'origin': _('Unlocked by %s') % self.env.user.name,
        })
        self.env['crm.suite.bulk']._post_note(self.partner_id, _(
            "Loyalty class unlocked; the next review applies the rules again."))
        return True

    def lock_tier(self, tier, reason):
        """Lock the tier of these customers to ``tier`` (a tier or its id; empty for no
        tier) with a reason (both required)."""
        self._check_manager()
        self._check_exists()
        Tier = self.env['crm.loyalty.tier']
        if isinstance(tier, int) and not isinstance(tier, bool):
            tier = Tier.browse(tier).exists() or tier
        elif not tier:
            tier = Tier
        if not isinstance(tier, models.BaseModel) or tier._name != 'crm.loyalty.tier' \
                or len(tier) > 1:
            raise UserError(_("Unknown loyalty class: %r.") % (tier,))
        if not isinstance(reason, str) or not reason.strip():
            raise UserError(_("A class lock needs a reason."))
        if len(reason) > LOCK_REASON_MAX:
            raise UserError(_("The reason of a class lock has at most %d characters.")
                            % LOCK_REASON_MAX)
        if tier and (tier.sudo().company_id - self.mapped('company_id')):
            raise UserError(_("The class %s belongs to another company.") % tier.sudo().name)
        today = self.env['crm.suite.clock']._today()
        for value in self:
            previous = value.tier_id
            value.sudo().write({'tier_id': tier.id, 'tier_locked': True,
                                'lock_reason': reason.strip(), 'tier_changed_on': today,
                                'downgrade_pending_since': False})
            self.env['crm.loyalty.history'].sudo().create({
                'value_id': value.id, 'date': today, 'from_tier_id': previous.id,
                'to_tier_id': tier.id, 'event': 'lock', 'note': reason.strip(),
                'origin': _('Locked by %s') % self.env.user.name,
            })
            self.env['crm.suite.bulk']._post_note(value.partner_id, _(
                "Loyalty class locked to %(tier)s. Reason: %(reason)s") % {
                    'tier': tier.name or _('no class'), 'reason': reason.strip()})
        self._apply_pricelists()
        return True

    def _check_exists(self):
        missing = self - self.exists()
        if missing:
            raise UserError(_("Unknown customer value: %s.") % ', '.join(
                str(vid) for vid in missing.ids))

    def action_view_invoices(self):
        self.ensure_one()
        action = self.env.ref('account.action_invoice_tree1').read()[0]
        action['domain'] = [('commercial_partner_id', '=', self.partner_id.id),
                            ('company_id', '=', self.company_id.id),
                            ('type', 'in', ('out_invoice', 'out_refund')),
                            ('state', 'in', ('open', 'paid'))]
        action['context'] = {}
        return action

    # --- pricelist --------------------------------------------------------------------------
    def _apply_pricelists(self):
        """Make each customer's tier pricelist its pricelist in the row's company, but never
        replace a pricelist of the customer's own: only one the programme set itself (held in
        ``pricelist_set_id``) is replaced or given back.

        Set for the commercial partner and its contacts (sale orders may be addressed to a
        contact; Odoo syncs a contact's pricelist from its commercial partner), set-based into
        ``ir_property``: one query reads the rows and the partners' pricelists, one DELETE,
        one INSERT per (company, pricelist) and one UPDATE of the rows' status.
        """
        if not self:
            return
        cr = self.env.cr
        Property = self.env['ir.property'].sudo()
        field_id = self._pricelist_field_id()
        cr.execute("""
            SELECT v.id, v.company_id, t.pricelist_id, v.pricelist_set_id, p.id,
                   p.id = v.partner_id, ip.id, ip.value_reference
              FROM crm_loyalty_value v
              LEFT JOIN crm_loyalty_tier t ON t.id = v.tier_id
              JOIN res_partner p ON p.commercial_partner_id = v.partner_id
              LEFT JOIN ir_property ip ON ip.fields_id = %s AND ip.company_id = v.company_id
                                      AND ip.res_id = 'res.partner,' || p.id
             WHERE v.id = ANY(%s::int[])
             ORDER BY v.id, p.id
        """, (field_id, int_array(self.ids)))
        rows, members = {}, defaultdict(list)
        for vid, company_id, tier_pricelist, set_id, pid, main, prop_id, ref in cr.fetchall():
            rows[vid] = (company_id, tier_pricelist, set_id)
            own = int(ref.split(',')[1]) if ref else None
            members[vid].append((pid, main, prop_id, own))
        defaults, delete, insert, status = {}, [], defaultdict(list), []
        for vid, (company_id, tier_pricelist, set_id) in rows.items():
            if company_id not in defaults:
                default = Property.with_context(force_company=company_id).get(
                    'property_product_pricelist', 'res.partner')
                defaults[company_id] = default.id if default else None

            def theirs(prop_id, pricelist_id, set_id=set_id):
                """A pricelist the programme did not set."""
                return prop_id and (not set_id or pricelist_id != set_id)

            if any(main and theirs(prop_id, own) for _pid, main, prop_id, own in members[vid]):
                status.append((vid, 'own', None))
                continue
            target = tier_pricelist if tier_pricelist and tier_pricelist != defaults[company_id] \
                else None
            # the contacts follow their commercial partner, as Odoo syncs the pricelist
            # (a commercial field) from it
            for pid, _main, prop_id, own in members[vid]:
                if prop_id:
                    delete.append(prop_id)
                if target:
                    insert[company_id, target].append(pid)
            status.append((vid, 'applied' if tier_pricelist else 'none', target))
        if delete:
            cr.execute("DELETE FROM ir_property WHERE id = ANY(%s::int[])", (int_array(delete),))
        for (company_id, pricelist_id), partner_ids in insert.items():
            cr.execute("""
                INSERT INTO ir_property (name, res_id, company_id, fields_id, type,
                                         value_reference, create_uid, create_date,
                                         write_uid, write_date)
                SELECT 'property_product_pricelist', 'res.partner,' || pid, %s, %s,
                       'many2one', %s, %s, now() at time zone 'UTC', %s,
                       now() at time zone 'UTC'
                  FROM unnest(%s::int[]) AS pid
            """, (company_id, field_id, 'product.pricelist,%s' % pricelist_id,
                  self.env.uid, self.env.uid, int_array(partner_ids)))
        cr.execute("""
            UPDATE crm_loyalty_value v SET pricelist_status = u.status,
                   pricelist_set_id = u.set_id
              FROM unnest(%s::int[], %s::varchar[], %s::int[]) AS u(id, status, set_id)
             WHERE v.id = u.id
        """, tuple(array_literal(column, quote=(k == 1))
                   for k, column in enumerate(zip(*status))))
        self.invalidate_cache(fnames=['pricelist_status', 'pricelist_set_id'])
        self.env['ir.property'].invalidate_cache(fnames=['value_reference'])
        self.env['res.partner'].invalidate_cache(fnames=['property_product_pricelist'])

    @api.model
    def _pricelist_field_id(self):
        self.env.cr.execute("SELECT id FROM ir_model_fields WHERE model = 'res.partner' "
                            "AND name = 'property_product_pricelist'")
        return self.env.cr.fetchone()[0]
