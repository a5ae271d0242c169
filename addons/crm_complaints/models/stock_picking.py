from odoo import fields, models


class StockPicking(models.Model):
    _inherit = 'stock.picking'

    complaint_id = fields.Many2one('crm.complaint', string='Return for Complaint', index=True,
                                   copy=False, readonly=True,
                                   groups='crm_complaints.group_complaint_user')
    complaint_ids = fields.One2many('crm.complaint', 'picking_id', string='Complaints',
                                    groups='crm_complaints.group_complaint_user')
    complaint_count = fields.Integer(compute='_compute_complaint_count',
                                     groups='crm_complaints.group_complaint_user')

    def _compute_complaint_count(self):
        groups = self.env['crm.complaint'].read_group(
            [('picking_id', 'in', self.ids)], ['picking_id'], ['picking_id'])
        counts = {row['picking_id'][0]: row['picking_id_count'] for row in groups}
        for picking in self:
            picking.complaint_count = counts.get(picking.id, 0) + (1 if picking.complaint_id else 0)

    def action_view_complaints(self):
        self.ensure_one()
        action = self.env.ref('crm_complaints.crm_complaint_action').read()[0]
        action['domain'] = ['|', ('picking_id', '=', self.id),
                            ('return_picking_ids', 'in', self.ids)]
        action['context'] = {'default_picking_id': self.id,
                             'default_partner_id': self.partner_id.id}
        return action
