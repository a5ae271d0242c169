from odoo import fields, models

from ..models.crm_complaint import FOLLOWUP_OUTCOMES


class CrmComplaintFollowup(models.TransientModel):
    """The follow-up call after the resolution: call the customer and ask again."""

    _name = 'crm.complaint.followup'
    _description = 'Complaint Follow-up Call'

    complaint_id = fields.Many2one('crm.complaint', required=True, ondelete='cascade')
    outcome = fields.Selection(FOLLOWUP_OUTCOMES, required=True)
    note = fields.Text(help="What the customer said.")
    duration = fields.Float(string='Call Duration (hours)',
                            help="Added to the handling time of the complaint.")
    close = fields.Boolean(string='Close the complaint', default=True)

    def action_confirm(self):
        self.ensure_one()
        complaint = self.complaint_id
        complaint._record_followup(self.outcome, self.note, self.duration)
        if self.close:
            complaint.action_close()
        return {'type': 'ir.actions.act_window_close'}
