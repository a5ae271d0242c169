from odoo import api, fields, models


class ResPartner(models.Model):
    _inherit = 'res.partner'

    loyalty_value_id = fields.Many2one(
        'crm.loyalty.value', compute='_compute_loyalty_value_id',
        help="Customer value of the commercial partner in the current company "
             "(context force_company, else the user's company).")
    loyalty_tier_id = fields.Many2one(related='loyalty_value_id.tier_id', string='Loyalty Class')

    def _loyalty_company(self):
        company_id = self.env.context.get('force_company') or self.env.user.company_id.id
        return self.env['res.company'].browse(company_id)

    @api.depends('commercial_partner_id')
    def _compute_loyalty_value_id(self):
        company = self._loyalty_company()
        values = self.env['crm.loyalty.value'].search([
            ('partner_id', 'in', self.mapped('commercial_partner_id').ids),
            ('company_id', '=', company.id)])
        by_partner = {value.partner_id.id: value for value in values}
        for partner in self:
            partner.loyalty_value_id = by_partner.get(partner.commercial_partner_id.id)
