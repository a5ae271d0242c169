from odoo import api, fields, models
from odoo.tools.safe_eval import safe_eval


class CrmCampaignMarket(models.Model):
    """A market campaigns address: countries, industries and/or a partner domain.

    Scoring models are kept per market and campaign type, because what predicts acceptance
    differs between markets.
    """

    _name = 'crm.campaign.market'
    _description = 'Campaign Market'
    _order = 'name'

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one('res.company', required=True,
                                 default=lambda self: self.env.user.company_id)
    country_ids = fields.Many2many('res.country', string='Countries')
    industry_ids = fields.Many2many('res.partner.industry', string='Industries')
    partner_domain = fields.Char(
        string='Partner Filter', default='[]',
        help="Further condition on the partners of this market, as a domain on contacts.")
    description = fields.Text(translate=True)

    @api.multi
    def _get_partner_domain(self):
        """Domain on ``res.partner`` describing this market; extend to add criteria."""
        self.ensure_one()
        domain = []
        if self.country_ids:
            domain.append(('country_id', 'in', self.country_ids.ids))
        if self.industry_ids:
            domain.append(('industry_id', 'in', self.industry_ids.ids))
        domain += safe_eval(self.partner_domain or '[]')
        return domain
