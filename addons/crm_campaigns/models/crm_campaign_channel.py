from odoo import api, fields, models

CHANNELS = [
    ('email', 'Email'),
    ('phone', 'Phone call'),
    ('letter', 'Direct mail'),
    ('call_centre', 'External call centre'),
]
# utm medium of each channel (xml ids), carried by leads, orders and invoices
CHANNEL_MEDIUMS = {
    'email': 'utm.utm_medium_email',
    'phone': 'utm.utm_medium_phone',
    'letter': 'crm_campaigns.utm_medium_direct_mail',
    'call_centre': 'crm_campaigns.utm_medium_call_centre',
}


class CrmCampaignChannel(models.Model):
    """A channel a campaign may use, with its cost per contact.

    Each target gets the first channel, in sequence order, that it can be reached on (an
    email address for email, a phone number for calls, a street for letters).
    """

    _name = 'crm.campaign.channel'
    _description = 'Campaign Channel'
    _order = 'sequence, id'

    campaign_id = fields.Many2one('crm.campaign', required=True, index=True, ondelete='cascade')
    company_id = fields.Many2one(related='campaign_id.company_id', store=True, readonly=True)
    currency_id = fields.Many2one(related='campaign_id.currency_id', readonly=True)
    sequence = fields.Integer(default=10)
    channel = fields.Selection(CHANNELS, required=True, default='email')
    cost_per_contact = fields.Monetary(
        help="What one contact on this channel costs, in the company's currency.")

    _sql_constraints = [
        ('campaign_channel_uniq', 'unique(campaign_id, channel)',
         'A campaign lists each channel once.'),
        ('cost_positive', 'CHECK(cost_per_contact >= 0)',
         'The cost per contact cannot be negative.'),
    ]

    @api.multi
    def name_get(self):
        labels = dict(self._fields['channel']._description_selection(self.env))
        return [(line.id, labels.get(line.channel, line.channel)) for line in self]
