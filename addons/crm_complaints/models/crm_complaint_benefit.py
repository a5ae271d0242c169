from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

BENEFIT_KINDS = [
    ('discount', 'Discount on the next order'),
    ('goodwill', 'Goodwill gesture'),
]
BENEFIT_STATES = [
    ('granted', 'Granted'),
    ('used', 'Used'),
    ('cancelled', 'Cancelled'),
]


class CrmComplaintBenefit(models.Model):
    """A benefit granted to make up for a complaint: a discount on the customer's next order or
    a goodwill gesture (gift, voucher, free service) of a given value. Its ``cost`` is the
    complaint's goodwill cost."""

    _name = 'crm.complaint.benefit'
    _description = 'Complaint Benefit'
    _order = 'create_date desc, id desc'

    complaint_id = fields.Many2one('crm.complaint', required=True, index=True, ondelete='cascade')
    partner_id = fields.Many2one('res.partner', string='Customer', required=True, index=True)
    company_id = fields.Many2one('res.company', required=True, index=True,
                                 default=lambda self: self.env.user.company_id)
    currency_id = fields.Many2one(related='company_id.currency_id', readonly=True)
    kind = fields.Selection(BENEFIT_KINDS, required=True, default='discount')
    description = fields.Char(required=True)
    discount_percent = fields.Float(string='Discount (%)')
    amount = fields.Monetary(help="Value of the goodwill gesture.")
    state = fields.Selection(BENEFIT_STATES, required=True, default='granted', index=True)
    date_expiry = fields.Date(string='Valid until')
    sale_order_id = fields.Many2one('sale.order', string='Used on', readonly=True)
    date_used = fields.Datetime(readonly=True)
    cost = fields.Monetary(readonly=True,
                           help="Goodwill: its value. Discount: the discount given on the order "
                                "it was used on (untaxed).")

    @api.constrains('kind', 'discount_percent', 'amount')
    def _check_values(self):
        for benefit in self:
            if benefit.kind == 'discount' and not 0 < benefit.discount_percent <= 100:
                raise ValidationError(_("A discount is more than 0 % and at most 100 %."))
            if benefit.kind == 'goodwill' and benefit.amount <= 0:
                raise ValidationError(_("A goodwill gesture has a positive value."))

    @api.model
    def create(self, vals):
        benefit = super(CrmComplaintBenefit, self).create(vals)
        if benefit.kind == 'goodwill':
            benefit.cost = benefit.amount
        return benefit

    def _use_on(self, order):
        """Apply a granted discount to the lines of ``order`` and remember the value given."""
        self.ensure_one()
        if self.kind != 'discount' or self.state != 'granted':
            raise UserError(_("Only a granted discount can be used on an order."))
        if order.state not in ('draft', 'sent'):
            raise UserError(_("The discount of complaint %s can only be applied to a quotation.")
                            % self.complaint_id.name)
        given = 0.0
        for line in order.order_line:
            if line.discount < self.discount_percent:
                line.discount = self.discount_percent
            given += line.price_unit * line.product_uom_qty * self.discount_percent / 100.0
        self.write({'state': 'used', 'sale_order_id': order.id, 'date_used': fields.Datetime.to_string(
                        self.env['crm.suite.clock']._now()),
                    'cost': order.currency_id.round(given)})
        order.message_post(body=_("Discount of %(percent)s %% from complaint %(name)s applied.")
                           % {'percent': self.discount_percent, 'name': self.complaint_id.name})

    def action_cancel(self):
        self.filtered(lambda b: b.state == 'granted').write({'state': 'cancelled'})
