from odoo import fields, models


class CrmLoyaltyTier(models.Model):
    """A loyalty class (tier). Higher ``level`` is better; other addons read ``level`` and
    ``service_priority`` (complaint SLAs) and never the name."""

    _name = 'crm.loyalty.tier'
    _description = 'Loyalty Class'
    _order = 'company_id, level desc'

    name = fields.Char(required=True, translate=True)
    level = fields.Integer(required=True, help="Order of the classes: the higher, the better.")
    color = fields.Integer()
    active = fields.Boolean(default=True)
    company_id = fields.Many2one('res.company', required=True,
                                 default=lambda self: self.env.user.company_id)
    pricelist_id = fields.Many2one('product.pricelist', string='Pricelist',
                                   help="Becomes the customer's pricelist in this company.")
    service_priority = fields.Selection(
        [('0', 'Low'), ('1', 'Normal'), ('2', 'High'), ('3', 'Urgent')], default='1',
        required=True, help="Priority given to this class's complaints.")
    benefit_description = fields.Html(translate=True)
