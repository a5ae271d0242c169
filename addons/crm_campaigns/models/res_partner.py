from odoo import api, fields, models


class ResPartner(models.Model):
    _inherit = 'res.partner'

    campaign_target_ids = fields.One2many('crm.campaign.target', 'partner_id',
                                          string='Campaign History',
                                          groups='crm_campaigns.group_campaign_user')
    campaign_target_count = fields.Integer(compute='_compute_campaign_target_count',
                                           string='Campaigns',
                                           groups='crm_campaigns.group_campaign_user')
    campaign_exclude_reason = fields.Selection(
        [('saboteur', 'Saboteur'), ('request', 'Asked not to be contacted'),
         ('legal', 'Legal reason'), ('other', 'Other')],
        string='Never Include in Campaigns',
        help="Set to keep this customer out of every campaign.")

    def _compute_campaign_target_count(self):
        data = self.env['crm.campaign.target'].read_group(
            [('partner_id', 'in', self.ids), ('selected', '=', True)],
            ['partner_id'], ['partner_id'])
        counts = {row['partner_id'][0]: row['partner_id_count'] for row in data}
        for partner in self:
            partner.campaign_target_count = counts.get(partner.id, 0)

    @api.multi
    def action_view_campaign_targets(self):
        self.ensure_one()
        action = self.env.ref('crm_campaigns.crm_campaign_target_action').read()[0]
        action.update({'domain': [('partner_id', '=', self.commercial_partner_id.id),
                                  ('selected', '=', True)],
                       'context': {'search_default_group_campaign': 0}})
        return action
