from odoo import fields, models


class CrmLoyaltyValueLock(models.TransientModel):
    """Lock a customer's tier by hand, with the reason recorded in the history."""

    _name = 'crm.loyalty.value.lock'
    _description = 'Lock a Loyalty Class'

    value_id = fields.Many2one('crm.loyalty.value', required=True, ondelete='cascade')
    company_id = fields.Many2one(related='value_id.company_id', readonly=True)
    tier_id = fields.Many2one('crm.loyalty.tier', 'Class',
                              domain="[('company_id', '=', company_id)]")
    reason = fields.Text(required=True)

    def action_apply(self):
        self.ensure_one()
        self.value_id.lock_tier(self.tier_id, self.reason)
        return {'type': 'ir.actions.act_window_close'}
