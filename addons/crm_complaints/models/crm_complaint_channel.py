from odoo import fields, models


class CrmComplaintChannel(models.Model):
    """Way the complaint came in (phone, email, portal, in person, IVR, fax, chat, social)."""

    _name = 'crm.complaint.channel'
    _description = 'Complaint Channel'
    _order = 'sequence, id'

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
