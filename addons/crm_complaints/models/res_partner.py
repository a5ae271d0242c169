from odoo import fields, models


class ResPartner(models.Model):
    _inherit = 'res.partner'

    complaint_count = fields.Integer(compute='_compute_complaint_count',
                                     groups='crm_complaints.group_complaint_user')

    def _compute_complaint_count(self):
        """Complaints of the partner's whole company, one read_group for all partners."""
        commercial = self.mapped('commercial_partner_id')
        groups = self.env['crm.complaint'].read_group(
            [('commercial_partner_id', 'in', commercial.ids)], ['commercial_partner_id'],
            ['commercial_partner_id'])
        counts = {row['commercial_partner_id'][0]: row['commercial_partner_id_count']
                  for row in groups}
        for partner in self:
            partner.complaint_count = counts.get(partner.commercial_partner_id.id, 0)

    def action_view_complaints(self):
        self.ensure_one()
        action = self.env.ref('crm_complaints.crm_complaint_action').read()[0]
        action['domain'] = [('commercial_partner_id', '=', self.commercial_partner_id.id)]
        action['context'] = {'default_partner_id': self.id}
        return action
