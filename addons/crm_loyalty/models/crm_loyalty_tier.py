from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


#: name, level, colour, service priority, qualify and keep thresholds (RFM score 0-100)
DEFAULT_TIERS = [
    ('Bronze', 1, 2, '1', 0.0, 0.0),
    ('Silver', 2, 8, '1', 40.0, 30.0),
    ('Gold', 3, 3, '2', 60.0, 50.0),
    ('Platinum', 4, 5, '3', 80.0, 70.0),
]


class CrmLoyaltyTier(models.Model):
    """A tier (a loyalty class of the interface). Higher ``level`` is better; other addons
    read ``level`` and ``service_priority`` (complaint SLAs) and never the name.

    A customer qualifies when the company's metric meets ``threshold`` and keeps the tier
    while it meets ``keep_threshold`` (hysteresis). Within a company, thresholds rise with
    the level and each keep threshold lies between the tier's own threshold and the
    threshold of the tier below, so the bands never overlap.
    """

    _name = 'crm.loyalty.tier'
    _description = 'Loyalty Class'
    _order = 'company_id, level desc'

    name = fields.Char(required=True, translate=True)
    level = fields.Integer(required=True, help="Order of the classes: the higher, the better.")
    color = fields.Integer()
    active = fields.Boolean(default=True)
    company_id = fields.Many2one('res.company', required=True,
                                 default=lambda self: self.env.user.company_id)
    pricelist_id = fields.Many2one('product.pricelist',
                                   help="Becomes the customer's pricelist in this company.")
    service_priority = fields.Selection(
        [('0', 'Low'), ('1', 'Normal'), ('2', 'High'), ('3', 'Urgent')], default='1',
        required=True, help="Priority given to this class's complaints.")
    benefit_description = fields.Html(translate=True)
    threshold = fields.Float(
        'Qualify at', help="Minimum value of the company's qualification metric to enter "
                           "the class.")
    keep_threshold = fields.Float(
        'Keep at', help="The class is kept while the metric stays at or above this value "
                        "(at most the qualifying threshold).")
    metric = fields.Selection(related='company_id.loyalty_metric', readonly=True)
    member_count = fields.Integer(compute='_compute_member_count', string='Customers')

    _sql_constraints = [
        ('level_company_uniq', 'unique(level, company_id)',
         'Two classes of a company cannot share a level.'),
    ]

    def _compute_member_count(self):
        groups = self.env['crm.loyalty.value'].sudo().read_group(
            [('tier_id', 'in', self.ids)], ['tier_id'], ['tier_id'])
        counts = {group['tier_id'][0]: group['tier_id_count'] for group in groups}
        for tier in self:
            tier.member_count = counts.get(tier.id, 0)

    @api.constrains('threshold', 'keep_threshold', 'level', 'company_id', 'active')
    def _check_thresholds(self):
        for company in self.mapped('company_id'):
            tiers = self.search([('company_id', '=', company.id)], order='level')
            previous = None
            for tier in tiers:
                if tier.threshold < 0 or tier.keep_threshold < 0:
                    raise ValidationError(_("Class %s: thresholds cannot be negative.")
                                          % tier.name)
                if tier.keep_threshold > tier.threshold:
                    raise ValidationError(
                        _("Class %(name)s: the keep threshold (%(keep)s) cannot be above the "
                          "qualifying threshold (%(qualify)s).")
                        % {'name': tier.name, 'keep': tier.keep_threshold,
                           'qualify': tier.threshold})
                if previous is not None:
                    if tier.threshold <= previous.threshold:
                        raise ValidationError(
                            _("Class %(name)s (level %(level)s) must qualify above class "
                              "%(lower)s (level %(lower_level)s): thresholds must rise with "
                              "the level.")
                            % {'name': tier.name, 'level': tier.level, 'lower': previous.name,
                               'lower_level': previous.level})
                    if tier.keep_threshold < previous.threshold:
                        raise ValidationError(
                            _("Class %(name)s: its keep threshold (%(keep)s) overlaps class "
                              "%(lower)s, which qualifies at %(qualify)s.")
                            % {'name': tier.name, 'keep': tier.keep_threshold,
                               'lower': previous.name, 'qualify': previous.threshold})
                previous = tier

    def write(self, vals):
        result = super().write(vals)
        if 'pricelist_id' in vals:
            values = self.env['crm.loyalty.value'].sudo().search([('tier_id', 'in', self.ids)])
            values._apply_pricelists()
        return result

    @api.model
    def _ensure_default_tiers(self, company):
        """Give ``company`` the four default tiers when it has none."""
        if self.sudo().with_context(active_test=False).search_count(
                [('company_id', '=', company.id)]):
            return
        for name, level, color, priority, threshold, keep in DEFAULT_TIERS:
            self.sudo().create({'name': name, 'level': level, 'color': color,
                                'service_priority': priority, 'threshold': threshold,
                                'keep_threshold': keep, 'company_id': company.id})

    def action_view_customers(self):
        self.ensure_one()
        action = self.env.ref('crm_loyalty.crm_loyalty_value_action').read()[0]
        action['domain'] = [('tier_id', '=', self.id)]
        return action
