from odoo import api, fields, models


class SaleOrder(models.Model):
    _inherit = 'sale.order'

    # shown to campaign users only: salespeople take campaign orders without campaign rights
    crm_campaign_id = fields.Many2one('crm.campaign', compute='_compute_crm_campaign_id',
                                      string='Scored Campaign',
                                      groups='crm_campaigns.group_campaign_user')

    @api.model
    def _scored_campaigns(self, utm_campaign_ids):
        """The scored campaigns of tracking campaigns, ``{utm id: campaign}``, read as
        superuser: the offer applies to orders of salespeople without campaign rights."""
        # ids only: anything else is left to the ORM's own checks of the order
        ids = [utm_id for utm_id in utm_campaign_ids
               if isinstance(utm_id, int) and not isinstance(utm_id, bool) and utm_id > 0]
        if not ids:
            return {}
        campaigns = self.env['crm.campaign'].sudo().search([('utm_campaign_id', 'in', ids)])
        return {campaign.utm_campaign_id.id: campaign for campaign in campaigns}

    @api.depends('campaign_id')
    def _compute_crm_campaign_id(self):
        by_utm = self._scored_campaigns(self.mapped('campaign_id').ids)
        for order in self:
            campaign = by_utm.get(order.campaign_id.id)
            order.crm_campaign_id = campaign.id if campaign else False

    def _campaign_offer(self):
        """The scored campaign behind this order's tracking campaign (superuser record, for
        reading its offer), or an empty recordset."""
        return self._scored_campaigns([self.campaign_id.id]).get(
            self.campaign_id.id, self.env['crm.campaign'].sudo())

    @api.onchange('campaign_id')
    def _onchange_campaign_offer(self):
        """Orders taken for a campaign carry its pricelist offer."""
        campaign = self._campaign_offer()
        if campaign.offer_type == 'pricelist' and campaign.pricelist_id:
            self.pricelist_id = campaign.pricelist_id.id

    @api.model
    def create(self, vals):
        # the campaign is read as superuser below: the caller's rights come first
        self.check_access_rights('create')
        campaign = self._scored_campaigns([vals.get('campaign_id')]).get(vals.get('campaign_id'))
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
