from odoo import api, models


def _is_id(value):
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


class SaleOrderLine(models.Model):
    _inherit = 'sale.order.line'

    def _campaign_discount(self, order, product):
        """The campaign's discount on ``product`` for ``order`` (0 when none applies)."""
        campaign = order._campaign_offer()
        if campaign.offer_type != 'discount':
            return 0.0
        if campaign.product_ids and product not in campaign.product_ids:
            return 0.0
        return campaign.discount

    @api.onchange('product_id')
    def product_id_change(self):
        # the campaign's offer is read as superuser: the caller's rights come first
        self.check_access_rights('write')
        result = super(SaleOrderLine, self).product_id_change()
        discount = self._campaign_discount(self.order_id, self.product_id)
        if discount:
            self.discount = discount
        return result

    @api.model
    def create(self, vals):
        self.check_access_rights('create')
        if 'discount' not in vals and _is_id(vals.get('order_id')) \
                and _is_id(vals.get('product_id')):
            discount = self._campaign_discount(
                self.env['sale.order'].browse(vals['order_id']),
                self.env['product.product'].browse(vals['product_id']))
            if discount:
                vals['discount'] = discount
        return super(SaleOrderLine, self).create(vals)
