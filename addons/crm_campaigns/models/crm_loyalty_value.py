from odoo import _, api, models


class CrmLoyaltyValue(models.Model):
    _inherit = 'crm.loyalty.value'

    @api.model
    def _cost_to_serve_extra(self, company, partner_ids, date_from, date_to):
        """Campaign contacts made in the period count in the customer's cost to serve."""
        result = super(CrmLoyaltyValue, self)._cost_to_serve_extra(
            company, partner_ids, date_from, date_to)
        label = _("Campaign contacts")
        costs = self.env['crm.campaign.target']._cost_per_partner(
            company, partner_ids, date_from, date_to)
        for partner_id, amount in costs.items():
            result.setdefault(partner_id, {})
            result[partner_id][label] = result[partner_id].get(label, 0.0) + amount
        return result
