from odoo import _, api, models

from odoo.addons.crm_loyalty.lib.sql import int_array

from ..lib import kpi
from .crm_complaint_stage import RESOLVED_STEPS


class CrmLoyaltyValue(models.Model):
    """Complaints feed the customer value review through crm_loyalty's hooks."""

    _inherit = 'crm.loyalty.value'

    @api.model
    def _complaint_cost_labels(self):
        return {
            'cost_credit_notes': _('Complaints: credit notes'),
            'cost_replacement': _('Complaints: replacements'),
            'cost_goodwill': _('Complaints: goodwill'),
            'cost_handling': _('Complaints: handling time'),
        }

    @api.model
    def _cost_to_serve_extra(self, company, partner_ids, date_from, date_to):
        """Cost of the complaints received in the period, per customer and kind (one query)."""
        result = super(CrmLoyaltyValue, self)._cost_to_serve_extra(
            company, partner_ids, date_from, date_to)
        if not partner_ids:
            return result
        labels = self._complaint_cost_labels()
        # one aggregate over the period; column names come from the code, values are parameters
        self.env['crm.complaint'].recompute()  # pending stored costs reach the table first
        self.env.cr.execute("""
            SELECT commercial_partner_id, SUM(cost_credit_notes), SUM(cost_replacement),
                   SUM(cost_goodwill), SUM(cost_handling)
              FROM crm_complaint
             WHERE company_id = %s AND commercial_partner_id = ANY(%s::int[])
               AND date_received >= %s AND date_received < (%s::date + 1)
          GROUP BY commercial_partner_id""",
                            (company.id, int_array(partner_ids), date_from, date_to))
        for row in self.env.cr.fetchall():
            costs = dict(zip(('cost_credit_notes', 'cost_replacement', 'cost_goodwill',
                              'cost_handling'), row[1:]))
            extra = result.setdefault(row[0], {})
            for name, amount in costs.items():
                if amount:
                    extra[labels[name]] = extra.get(labels[name], 0.0) + amount
        return result

    @api.model
    def _attitude_scores(self, company, partner_ids):
        """Mean of the customer's 1-5 complaint ratings, rescaled to [0, 1]."""
        result = super(CrmLoyaltyValue, self)._attitude_scores(company, partner_ids)
        if not partner_ids:
            return result
        self.env.cr.execute("""
            SELECT commercial_partner_id, array_agg(rating_score)
              FROM crm_complaint
             WHERE company_id = %s AND commercial_partner_id = ANY(%s::int[]) AND rating_score >= 1
          GROUP BY commercial_partner_id""", (company.id, int_array(partner_ids)))
        for partner_id, ratings in self.env.cr.fetchall():
            score = kpi.attitude(ratings)
            if partner_id in result and result[partner_id] is not None:
                score = (score + result[partner_id]) / 2.0
            result[partner_id] = score
        return result

    @api.model
    def _unresolved_complaint_partner_ids(self, company, partner_ids):
        """Customers with a complaint not resolved: still open before resolution, or rejected."""
        result = super(CrmLoyaltyValue, self)._unresolved_complaint_partner_ids(
            company, partner_ids)
        if not partner_ids:
            return result
        self.env.cr.execute("""
            SELECT DISTINCT commercial_partner_id
              FROM crm_complaint
             WHERE company_id = %s AND commercial_partner_id = ANY(%s::int[]) AND active
               AND (step IS NULL OR step NOT IN %s) AND step IS DISTINCT FROM 'duplicate'""",
                            (company.id, int_array(partner_ids), RESOLVED_STEPS))
        return set(result) | {row[0] for row in self.env.cr.fetchall()}
