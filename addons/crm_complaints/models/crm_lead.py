from odoo import fields, models


class CrmLead(models.Model):
    _inherit = 'crm.lead'

    complaint_id = fields.Many2one('crm.complaint', string='From Complaint', index=True,
                                   copy=False, readonly=True,
                                   groups='crm_complaints.group_complaint_user')
