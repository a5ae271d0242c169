from odoo import api, fields, models


class SaleOrder(models.Model):
    _inherit = 'sale.order'

    partner_loyalty_tier_id = fields.Many2one(
        'crm.loyalty.tier', string='Loyalty Class', compute='_compute_partner_loyalty_tier_id',
        groups='crm_loyalty.group_loyalty_user,sales_team.group_sale_salesman',
        help="The customer's loyalty class in the order's company.")

    @api.depends('partner_id', 'company_id')
    def _compute_partner_loyalty_tier_id(self):
        Value = self.env['crm.loyalty.value'].sudo()
        values = Value.search([
            ('partner_id', 'in', self.mapped('partner_id.commercial_partner_id').ids),
            ('company_id', 'in', self.mapped('company_id').ids)])
        tiers = {(v.partner_id.id, v.company_id.id): v.tier_id for v in values}
        for order in self:
            order.partner_loyalty_tier_id = tiers.get(
                (order.partner_id.commercial_partner_id.id, order.company_id.id))
