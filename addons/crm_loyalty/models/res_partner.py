from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.osv import expression

from ..lib import national_id
from ..lib.sql import array_literal, int_array
from .crm_loyalty_value import (ABC_GRADES, CHURN_RISKS, CLV_METHODS, CUSTOMER_TYPES, LADDER,
                                SEGMENTS)

#: res.partner field -> crm.loyalty.value field, for the figures searchable on partners.
LOYALTY_FIGURES = {
    'loyalty_segment': 'segment', 'loyalty_churn_risk': 'churn_risk', 'loyalty_clv': 'clv',
    'loyalty_monetary': 'monetary', 'loyalty_frequency': 'frequency',
    'loyalty_recency_days': 'recency_days', 'loyalty_margin': 'margin',
    'loyalty_p_alive': 'p_alive', 'loyalty_abc_class': 'abc_class',
    'loyalty_level': 'tier_level', 'loyalty_rfm_cell': 'rfm_cell',
    'loyalty_rfm_score': 'rfm_score', 'loyalty_ladder_stage': 'ladder_stage',
    'loyalty_customer_type': 'customer_type', 'loyalty_profit': 'profit',
    'loyalty_expected_purchases': 'expected_purchases', 'loyalty_clv_method': 'clv_method',
}


#: Who reads a customer's figures; who reads the tier name and national IDs.
LOYALTY_GROUPS = 'crm_loyalty.group_loyalty_user'
TIER_GROUPS = 'crm_loyalty.group_loyalty_user,sales_team.group_sale_salesman'


class ResPartner(models.Model):
    _inherit = 'res.partner'

    loyalty_value_id = fields.Many2one(
        'crm.loyalty.value', compute='_compute_loyalty_value_id',
        help="Customer value of the commercial partner in the current company "
             "(context force_company, else the user's company).")
    loyalty_tier_id = fields.Many2one(
        'crm.loyalty.tier', string='Loyalty Class', compute='_compute_loyalty_figures',
        search='_search_loyalty_tier_id', groups=TIER_GROUPS)
    loyalty_segment = fields.Selection(SEGMENTS, 'RFM Segment',
                                       groups=LOYALTY_GROUPS, compute='_compute_loyalty_figures',
                                       search='_search_loyalty_segment')
    loyalty_churn_risk = fields.Selection(CHURN_RISKS, 'Churn Risk',
                                          groups=LOYALTY_GROUPS, compute='_compute_loyalty_figures',
                                          search='_search_loyalty_churn_risk')
    loyalty_abc_class = fields.Selection(ABC_GRADES, 'ABC Class',
                                         groups=LOYALTY_GROUPS, compute='_compute_loyalty_figures',
                                         search='_search_loyalty_abc_class')
    loyalty_ladder_stage = fields.Selection(LADDER, 'Loyalty Ladder',
                                            groups=LOYALTY_GROUPS, compute='_compute_loyalty_figures',
                                            search='_search_loyalty_ladder_stage')
    loyalty_customer_type = fields.Selection(CUSTOMER_TYPES, 'Customer Type',
                                             groups=LOYALTY_GROUPS, compute='_compute_loyalty_figures',
                                             search='_search_loyalty_customer_type')
    loyalty_clv_method = fields.Selection(CLV_METHODS, 'CLV Method',
                                          groups=LOYALTY_GROUPS, compute='_compute_loyalty_figures')
    loyalty_clv = fields.Float('CLV', groups=LOYALTY_GROUPS, compute='_compute_loyalty_figures',
                               search='_search_loyalty_clv')
    loyalty_monetary = fields.Float('Net Revenue (window)', groups=LOYALTY_GROUPS,
                                    compute='_compute_loyalty_figures',
                                    search='_search_loyalty_monetary')
    loyalty_margin = fields.Float('Gross Margin (window)', groups=LOYALTY_GROUPS,
                                  compute='_compute_loyalty_figures',
                                  search='_search_loyalty_margin')
    loyalty_profit = fields.Float('Profit (window)', groups=LOYALTY_GROUPS,
                                  compute='_compute_loyalty_figures',
                                  search='_search_loyalty_profit')
    loyalty_frequency = fields.Integer('Purchase Days (window)',
                                       groups=LOYALTY_GROUPS, compute='_compute_loyalty_figures',
                                       search='_search_loyalty_frequency')
    loyalty_recency_days = fields.Integer('Days since Last Invoice',
                                          groups=LOYALTY_GROUPS, compute='_compute_loyalty_figures',
                                          search='_search_loyalty_recency_days')
    loyalty_p_alive = fields.Float('P(alive)', groups=LOYALTY_GROUPS, compute='_compute_loyalty_figures',
                                   search='_search_loyalty_p_alive')
    loyalty_expected_purchases = fields.Float('Expected Purchases',
                                              groups=LOYALTY_GROUPS, compute='_compute_loyalty_figures',
                                              search='_search_loyalty_expected_purchases')
    loyalty_level = fields.Integer(groups=LOYALTY_GROUPS, compute='_compute_loyalty_figures',
                                   search='_search_loyalty_level')
    loyalty_rfm_cell = fields.Char('RFM Cell', groups=LOYALTY_GROUPS, compute='_compute_loyalty_figures',
                                   search='_search_loyalty_rfm_cell')
    loyalty_rfm_score = fields.Float('RFM Score', groups=LOYALTY_GROUPS, compute='_compute_loyalty_figures',
                                     search='_search_loyalty_rfm_score')
    loyalty_history_ids = fields.One2many('crm.loyalty.history', 'partner_id',
                                          groups=LOYALTY_GROUPS)
    loyalty_referrer_id = fields.Many2one(
        'res.partner', 'Referred by', index=True, ondelete='set null',
        help="The customer who brought this one (advocates on the loyalty ladder).")
    loyalty_national_id = fields.Char(
        'National ID', index=True, copy=False, groups=TIER_GROUPS,
        help="Iranian national ID (کد ملی) of an individual: ten digits with a check digit, "
             "unique per company.")
    loyalty_customer_code = fields.Char('Customer Code', index=True, copy=False, readonly=True)

    _sql_constraints = [
        ('loyalty_customer_code_uniq', 'unique(loyalty_customer_code)',
         'The customer code must be unique.'),
    ]

    def _loyalty_company(self):
        """The context's ``force_company`` when the user may work in it (the superuser
        always may), else the user's company."""
        user = self.env.user
        forced = self.env.context.get('force_company')
        if forced and isinstance(forced, int) and (
                self.env.uid == SUPERUSER_ID or forced in user.company_ids.ids):
            return self.env['res.company'].browse(forced)
        return user.company_id

    def _loyalty_figures_allowed(self):
        return self.env.uid == SUPERUSER_ID or self.env.user.has_group(LOYALTY_GROUPS)

    @api.depends('commercial_partner_id')
    def _compute_loyalty_value_id(self):
        """The value row of the commercial partner in the context company: one query that
        reads neither the partners nor the rows (the form asks for a handful of figures)."""
        company_id = self._loyalty_company().id
        saved = [partner.id for partner in self if isinstance(partner.id, int)]
        by_partner = {}
        if saved:
            self.env.cr.execute("""
                SELECT p.id, v.id FROM res_partner p
                  JOIN crm_loyalty_value v ON v.partner_id = p.commercial_partner_id
                                          AND v.company_id = %s
                 WHERE p.id = ANY(%s)""", (company_id, saved))
            by_partner = dict(self.env.cr.fetchall())
        for partner in self:
            if isinstance(partner.id, int):
                partner.loyalty_value_id = by_partner.get(partner.id)
            else:  # a partner being created in a form: its parent's row, if any
                commercial = partner.commercial_partner_id
                partner.loyalty_value_id = self.env['crm.loyalty.value'].sudo().search([
                    ('partner_id', '=', commercial.id), ('company_id', '=', company_id)],
                    limit=1) if isinstance(commercial.id, int) else False

    @api.depends('loyalty_value_id')
    def _compute_loyalty_figures(self):
        """The figures of the value rows, read by one query of just these columns (prefetching
        every column of the rows would cost more than the rest of the partner form)."""
        Value = self.env['crm.loyalty.value']
        value_ids = list(set(self.mapped('loyalty_value_id').ids))
        sources = ['tier_id'] + sorted(set(LOYALTY_FIGURES.values()))
        rows = {}
        figures_allowed = self._loyalty_figures_allowed()
        tier_allowed = figures_allowed or self.env.user.has_group(
            'sales_team.group_sale_salesman')
        if value_ids and tier_allowed:
            # column names come from LOYALTY_FIGURES, a constant of this module
            query = 'SELECT id, %s FROM crm_loyalty_value WHERE id = ANY(%%s)' % ', '.join(
                sources)
            self.env.cr.execute(query, (value_ids,))  # pylint: disable=sql-injection
            rows = {row[0]: dict(zip(sources, row[1:])) for row in self.env.cr.fetchall()}
        for partner in self:
            row = rows.get(partner.loyalty_value_id.id)
            partner.loyalty_tier_id = row and row['tier_id']
            for name, source in LOYALTY_FIGURES.items():
                partner[name] = Value._fields[source].convert_to_cache(
                    row[source], Value) if row and figures_allowed else False

    def _loyalty_value_query(self, domain):
        """``(sql, params)`` selecting the partner ids of the value rows matching ``domain``
        in the context company."""
        Value = self.env['crm.loyalty.value'].sudo()
        company = self._loyalty_company()
        query = Value._where_calc(expression.AND([domain, [('company_id', '=', company.id)]]))
        from_clause, where_clause, params = query.get_sql()
        sql = 'SELECT "crm_loyalty_value".partner_id FROM %s WHERE %s' % (
            from_clause, where_clause or 'TRUE')
        return sql, params

    def _search_loyalty_domain(self, field, operator, value):
        """Partners whose commercial partner's value row matches; a partner without a row
        matches when an empty figure would (e.g. ``segment = False``)."""
        leaf = [(field, operator, value)]
        blank_matches = (operator in ('=', '==') and value in (False, None)) or \
            (operator in ('!=', '<>') and value not in (False, None)) or \
            (operator == 'not in')
        if blank_matches:
            sql, params = self._loyalty_value_query(['!'] + leaf)
            return [('commercial_partner_id', 'not inselect', (sql, params))]
        sql, params = self._loyalty_value_query(leaf)
        return [('commercial_partner_id', 'inselect', (sql, params))]

    def _search_loyalty_segment(self, operator, value):
        return self._search_loyalty_domain('segment', operator, value)

    def _search_loyalty_churn_risk(self, operator, value):
        return self._search_loyalty_domain('churn_risk', operator, value)

    def _search_loyalty_abc_class(self, operator, value):
        return self._search_loyalty_domain('abc_class', operator, value)

    def _search_loyalty_ladder_stage(self, operator, value):
        return self._search_loyalty_domain('ladder_stage', operator, value)

    def _search_loyalty_customer_type(self, operator, value):
        return self._search_loyalty_domain('customer_type', operator, value)

    def _search_loyalty_clv(self, operator, value):
        return self._search_loyalty_domain('clv', operator, value)

    def _search_loyalty_monetary(self, operator, value):
        return self._search_loyalty_domain('monetary', operator, value)

    def _search_loyalty_margin(self, operator, value):
        return self._search_loyalty_domain('margin', operator, value)

    def _search_loyalty_profit(self, operator, value):
        return self._search_loyalty_domain('profit', operator, value)

    def _search_loyalty_frequency(self, operator, value):
        return self._search_loyalty_domain('frequency', operator, value)

    def _search_loyalty_recency_days(self, operator, value):
        return self._search_loyalty_domain('recency_days', operator, value)

    def _search_loyalty_p_alive(self, operator, value):
        return self._search_loyalty_domain('p_alive', operator, value)

    def _search_loyalty_expected_purchases(self, operator, value):
        return self._search_loyalty_domain('expected_purchases', operator, value)

    def _search_loyalty_level(self, operator, value):
        return self._search_loyalty_domain('tier_level', operator, value)

    def _search_loyalty_rfm_cell(self, operator, value):
        return self._search_loyalty_domain('rfm_cell', operator, value)

    def _search_loyalty_rfm_score(self, operator, value):
        return self._search_loyalty_domain('rfm_score', operator, value)

    def _search_loyalty_tier_id(self, operator, value):
        return self._search_loyalty_domain('tier_id', operator, value)

    # --- national ID and customer code -----------------------------------------------------
    @api.model
    def _loyalty_normalize(self, vals):
        if vals.get('loyalty_national_id'):
            try:
                vals['loyalty_national_id'] = national_id.normalize(vals['loyalty_national_id'])
            except ValueError:
                raise ValidationError(_("A national ID is ten digits."))

    @api.model
    def create(self, vals):
        self._loyalty_normalize(vals)
        partner = super().create(vals)
        partner._loyalty_assign_customer_codes()
        return partner

    def write(self, vals):
        self._loyalty_normalize(vals)
        result = super().write(vals)
        if vals.get('customer') or 'parent_id' in vals:
            self._loyalty_assign_customer_codes()
        return result

    def _loyalty_assign_customer_codes(self):
        """A customer code for each of these partners (all of them when called on an empty
        recordset) that is a customer, not a contact, and has none: one UPDATE numbered from
        the sequence (its prefix and padding; the numbers drawn set-based)."""
        cr = self.env.cr
        cr.execute("""
            SELECT id FROM res_partner
             WHERE customer AND parent_id IS NULL AND loyalty_customer_code IS NULL
               AND (%s OR id = ANY(%s)) ORDER BY id""", (not self, self.ids))
        ids = [row[0] for row in cr.fetchall()]
        if not ids:
            return
        sequence = self.env['ir.sequence'].sudo().search(
            [('code', '=', 'crm.loyalty.customer.code')], limit=1)
        if not sequence:
            return
        codes = sequence._loyalty_next_many(len(ids))
        cr.execute("""
            UPDATE res_partner p SET loyalty_customer_code = u.code
              FROM unnest(%s::int[], %s::varchar[]) AS u(id, code) WHERE p.id = u.id
        """, (int_array(ids), array_literal(codes, quote=True)))
        self.browse(ids).invalidate_cache(fnames=['loyalty_customer_code'])

    @api.constrains('loyalty_national_id', 'is_company', 'company_id')
    def _check_loyalty_national_id(self):
        partners = self.filtered('loyalty_national_id')
        for partner in partners:
            if partner.is_company:
                raise ValidationError(_("%s is a company: the national ID is for individuals.")
                                      % partner.display_name)
            if not national_id.is_valid(partner.loyalty_national_id):
                raise ValidationError(_("National ID %(code)s of %(name)s is not valid: it must "
                                        "have ten digits and a correct check digit.")
                                      % {'code': partner.loyalty_national_id,
                                         'name': partner.display_name})
        if not partners:
            return
        self.env.cr.execute("""
            SELECT p.id, o.display_name FROM res_partner p
              JOIN res_partner o ON o.loyalty_national_id = p.loyalty_national_id
                   AND o.id != p.id
                   AND COALESCE(o.company_id, 0) = COALESCE(p.company_id, 0)
             WHERE p.id = ANY(%s) LIMIT 1
        """, (partners.ids,))
        row = self.env.cr.fetchone()
        if row:
            partner = self.browse(row[0])
            raise ValidationError(_("National ID %(code)s is already used by %(other)s.")
                                  % {'code': partner.loyalty_national_id, 'other': row[1]})

    # --- actions ---------------------------------------------------------------------------
    def action_view_loyalty_value(self):
        self.ensure_one()
        value = self.loyalty_value_id
        action = self.env.ref('crm_loyalty.crm_loyalty_value_action').read()[0]
        action.update({'res_id': value.id, 'view_mode': 'form', 'views': [(False, 'form')]})
        return action
