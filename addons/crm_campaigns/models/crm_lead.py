from odoo import fields, models


class CrmLead(models.Model):
    _inherit = 'crm.lead'

    campaign_target_id = fields.Many2one('crm.campaign.target', string='Campaign Response',
                                         index=True, readonly=True, copy=False,
                                         groups='crm_campaigns.group_campaign_user')
    crm_campaign_id = fields.Many2one(related='campaign_target_id.campaign_id',
                                      string='Scored Campaign', readonly=True, store=True,
                                      groups='crm_campaigns.group_campaign_user')
