from odoo import _, fields, models
from odoo.exceptions import UserError


class CrmComplaintDuplicate(models.TransientModel):
    """Close a complaint as a duplicate of another one."""

    _name = 'crm.complaint.duplicate'
    _description = 'Mark Complaint as Duplicate'

    complaint_id = fields.Many2one('crm.complaint', required=True, ondelete='cascade')
    duplicate_of_id = fields.Many2one('crm.complaint', string='Duplicate of', required=True)

    def action_confirm(self):
        self.ensure_one()
        if self.duplicate_of_id == self.complaint_id:
            raise UserError(_("A complaint cannot be a duplicate of itself."))
        # the original must be a complaint the user may see (not another company's or team's)
        self.duplicate_of_id.check_access_rights('read')
        self.duplicate_of_id.check_access_rule('read')
        stage = self.env['crm.complaint.stage']._for_step('duplicate')
        if not stage:
            raise UserError(_("No active stage is configured for the step \"Duplicate\"."))
        self.complaint_id.write({'duplicate_of_id': self.duplicate_of_id.id,
                                 'stage_id': stage.id})
        self.complaint_id.message_post(
            body=_("Duplicate of %s.") % self.duplicate_of_id.name, subtype='mail.mt_note')
        return {'type': 'ir.actions.act_window_close'}
