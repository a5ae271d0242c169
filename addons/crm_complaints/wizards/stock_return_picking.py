from odoo import _, models


class StockReturnPicking(models.TransientModel):
    _inherit = 'stock.return.picking'

    def _create_returns(self):
        """Returns made from a complaint point back to it."""
        new_picking_id, picking_type_id = super(StockReturnPicking, self)._create_returns()
        complaint_id = self.env.context.get('complaint_id')
        if complaint_id:
            complaint = self.env['crm.complaint'].browse(complaint_id)
            picking = self.env['stock.picking'].browse(new_picking_id)
            picking.write({'complaint_id': complaint.id})
            complaint.message_post(body=_("Return %s created.") % picking.name,
                                   subtype='mail.mt_note')
        return new_picking_id, picking_type_id
