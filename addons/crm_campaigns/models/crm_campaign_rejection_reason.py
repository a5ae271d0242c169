from odoo import fields, models


class CrmCampaignRejectionReason(models.Model):
    """Why a target said no; the list is configurable and feeds the rejection Pareto."""

    _name = 'crm.campaign.rejection.reason'
    _description = 'Campaign Rejection Reason'
    _order = 'sequence, id'

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Text(translate=True)

    _sql_constraints = [
        ('name_uniq', 'unique(name)', 'A rejection reason with this name already exists.'),
    ]
