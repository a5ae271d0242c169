from odoo import api, fields, models
from odoo.tools.safe_eval import safe_eval


class CrmCampaignSegment(models.Model):
    """A saved audience: a domain on partners and a domain on their customer value.

    The value domain can use every figure of ``crm.loyalty.value`` (segment, churn risk, CLV,
    RFM scores...) of the campaign's company; the partner domain every partner field,
    including the loyalty figures ``crm_loyalty`` exposes on partners. Both must hold.
    """

    _name = 'crm.campaign.segment'
    _description = 'Campaign Segment'
    _order = 'name'

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one('res.company', required=True,
                                 default=lambda self: self.env.user.company_id)
    partner_domain = fields.Char(string='Partner Condition', default='[]')
    value_domain = fields.Char(
        string='Customer Value Condition', default='[]',
        help="Condition on the customer value figures; when set, only customers with a value "
             "row in the campaign's company can match.")
    description = fields.Text(translate=True)
    partner_count = fields.Integer(compute='_compute_partner_count', string='Customers')

    @api.depends('partner_domain', 'value_domain', 'company_id')
    def _compute_partner_count(self):
        for segment in self:
            segment.partner_count = len(segment._partner_ids(segment.company_id))

    @api.multi
    def _partner_ids(self, company, extra_domain=None):
        """Ids of the commercial partners in this segment for ``company`` (one query)."""
        self.ensure_one()
        domain = safe_eval(self.partner_domain or '[]') + list(extra_domain or [])
        value_domain = safe_eval(self.value_domain or '[]')
        return self.env['crm.campaign']._audience_partner_ids(company, domain, value_domain)

    @api.multi
    def action_view_partners(self):
        self.ensure_one()
        action = self.env.ref('base.action_partner_form').read()[0]
        action['domain'] = [('id', 'in', self._partner_ids(self.company_id))]
        action['context'] = {}
        return action
