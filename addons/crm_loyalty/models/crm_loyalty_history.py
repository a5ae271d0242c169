from odoo import fields, models

from ..lib.tiers import HISTORY_EVENTS


class CrmLoyaltyHistory(models.Model):
    """One tier change (or lock, or downgrade warning) with the figures that caused it."""

    _name = 'crm.loyalty.history'
    _description = 'Loyalty Class History'
    _order = 'date desc, id desc'

    value_id = fields.Many2one('crm.loyalty.value', required=True, ondelete='cascade',
                               index=True)
    # the partner form lists a customer's history: searched by partner
    partner_id = fields.Many2one(related='value_id.partner_id', store=True, readonly=True,
                                 string='Customer', index=True)
    company_id = fields.Many2one(related='value_id.company_id', store=True, readonly=True)
    date = fields.Date(required=True, index=True)
    from_tier_id = fields.Many2one('crm.loyalty.tier', 'From', ondelete='set null')
    to_tier_id = fields.Many2one('crm.loyalty.tier', 'To', ondelete='set null')
    from_level = fields.Integer()
    to_level = fields.Integer()
    event = fields.Selection(HISTORY_EVENTS, required=True)
    origin = fields.Char(help="What made the change: a review, an invoice, a person.")
    review_id = fields.Many2one('crm.loyalty.review', ondelete='set null')
    metric = fields.Char()
    metric_value = fields.Float(digits=(16, 2))
    threshold = fields.Float(digits=(16, 2), help="Threshold crossed (qualify or keep).")
    monetary = fields.Float(digits=(16, 2))
    margin = fields.Float(digits=(16, 2))
    frequency = fields.Integer()
    recency_days = fields.Integer()
    rfm_cell = fields.Char('RFM')
    note = fields.Text()
    user_id = fields.Many2one('res.users', default=lambda self: self.env.user, string='By')
