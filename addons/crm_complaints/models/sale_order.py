from odoo import _, fields, models
from odoo.exceptions import UserError


class SaleOrder(models.Model):
    _inherit = 'sale.order'

    complaint_id = fields.Many2one('crm.complaint', string='Replacement for', index=True,
                                   copy=False, readonly=True,
                                   groups='crm_complaints.group_complaint_user')
    complaint_ids = fields.One2many('crm.complaint', 'sale_order_id', string='Complaints',
                                    groups='crm_complaints.group_complaint_user')
    complaint_count = fields.Integer(compute='_compute_complaint_count',
                                     groups='crm_complaints.group_complaint_user')
    complaint_discount_available = fields.Boolean(
        compute='_compute_complaint_discount_available',
        groups='crm_complaints.group_complaint_user')

    def _compute_complaint_count(self):
        groups = self.env['crm.complaint'].read_group(
            [('sale_order_id', 'in', self.ids)], ['sale_order_id'], ['sale_order_id'])
        counts = {row['sale_order_id'][0]: row['sale_order_id_count'] for row in groups}
        for order in self:
            order.complaint_count = counts.get(order.id, 0)

    def _pending_complaint_discounts(self):
        self.ensure_one()
        return self.env['crm.complaint.benefit'].search([
            ('partner_id', '=', self.partner_id.commercial_partner_id.id),
            ('company_id', '=', self.company_id.id),
            ('kind', '=', 'discount'), ('state', '=', 'granted'),
            '|', ('date_expiry', '=', False),
            ('date_expiry', '>=', self.date_order and self.date_order[:10] or
             fields.Date.context_today(self)),
        ], order='create_date, id')

    def _compute_complaint_discount_available(self):
        for order in self:
            order.complaint_discount_available = order.state in ('draft', 'sent') and \
                bool(order.partner_id) and bool(order._pending_complaint_discounts())

    def action_apply_complaint_discount(self):
        """Use the oldest discount granted on a complaint of this customer on this quotation."""
        self.ensure_one()
        benefits = self._pending_complaint_discounts()
        if not benefits:
            raise UserError(_("No complaint discount is waiting for %s.")
                            % self.partner_id.display_name)
        benefits[0]._use_on(self)
        return True

    def action_file_complaint(self):
        """A new complaint about this order, with its invoice and delivery filled in."""
        self.ensure_one()
        invoices = self.invoice_ids.filtered(
            lambda inv: inv.type == 'out_invoice' and inv.state in ('open', 'paid'))
        pickings = self.picking_ids.filtered(
            lambda p: p.picking_type_code == 'outgoing' and p.state == 'done')
        products = self.order_line.mapped('product_id').filtered(lambda p: p.type != 'service')
        return {
            'name': _('New complaint'),
            'type': 'ir.actions.act_window',
            'res_model': 'crm.complaint',
            'view_mode': 'form',
            'views': [(False, 'form')],
            'target': 'current',
            'context': {
                'default_sale_order_id': self.id,
                'default_partner_id': self.partner_id.id,
                'default_invoice_id': invoices[:1].id,
                'default_picking_id': pickings[:1].id,
                'default_product_ids': [(6, 0, products.ids)],
                'default_company_id': self.company_id.id,
            },
        }

    def action_view_complaints(self):
        self.ensure_one()
        action = self.env.ref('crm_complaints.crm_complaint_action').read()[0]
        action['domain'] = ['|', ('sale_order_id', '=', self.id),
                            ('replacement_order_ids', 'in', self.ids)]
        action['context'] = {'default_sale_order_id': self.id,
                             'default_partner_id': self.partner_id.id}
        return action
