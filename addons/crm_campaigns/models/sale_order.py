from odoo import api, fields, models


class SaleOrder(models.Model):
    _inherit = 'sale.order'

    crm_campaign_id = fields.Many2one('crm.campaign', compute='_compute_crm_campaign_id',
                                      string='Scored Campaign')

    @api.depends('campaign_id')
    def _compute_crm_campaign_id(self):
        campaigns = self.env['crm.campaign'].search(
            [('utm_campaign_id', 'in', self.mapped('campaign_id').ids)])
        by_utm = {campaign.utm_campaign_id.id: campaign for campaign in campaigns}
        for order in self:
            order.crm_campaign_id = by_utm.get(order.campaign_id.id)

    @api.onchange('campaign_id')
    def _onchange_campaign_offer(self):
        """Orders taken for a campaign carry its pricelist offer."""
        campaign = self.crm_campaign_id
        if campaign.offer_type == 'pricelist' and campaign.pricelist_id:
            self.pricelist_id = campaign.pricelist_id

    @api.model
    def create(self, vals):
        campaign = self.env['crm.campaign'].search(
            [('utm_campaign_id', '=', vals.get('campaign_id'))], limit=1) \
            if vals.get('campaign_id') else False
        if campaign and campaign.offer_type == 'pricelist' and 'pricelist_id' not in vals:
            vals['pricelist_id'] = campaign.pricelist_id.id
        return super(SaleOrder, self).create(vals)

    @api.multi
    def _prepare_invoice(self):
        """Invoices carry the order's tracking campaign, medium and source (Odoo 11's
        sale_crm puts them on both models but does not pass them on)."""
        values = super(SaleOrder, self)._prepare_invoice()
        values.update({
            'campaign_id': self.campaign_id.id,
            'medium_id': self.medium_id.id,
            'source_id': self.source_id.id,
        })
        return values
