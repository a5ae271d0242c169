"""Win-back: customers the loyalty review finds lapsing enrol by themselves into the active
win-back campaigns (daily), a seeded share into the holdout, the others called.
"""
import numpy

from odoo import _, api, models

from ..lib import draw
from ..lib.states import STATE_TABLE, states_where


# one capability of the campaign per file (see crm_campaign.py)
class CrmCampaign(models.Model):
    _inherit = 'crm.campaign'  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _lapsed_value_domain(self):
        """Hook: the crm.loyalty.value rows that count as lapsing customers."""
        return ['|', ('churn_risk', '=', 'high'), ('segment', 'in', ('at_risk', 'cant_lose'))]

    @api.model
    def _cron_winback_enrol(self):
        """Lapsed customers enter the active win-back campaigns with a call due within the
        campaign's call delay (at most 7 days: early win-back works best)."""
        campaigns = self.search([('campaign_type', '=', 'winback'), ('auto_enrol', '=', True),
                                 ('state', 'in', states_where('enrols'))])
        campaigns._run_each('_enrol_lapsed', _("The daily run could not enrol lapsed customers: "
                                               "%s"))
        return True

    def _enrol_lapsed(self):
        """Enrol this win-back campaign's lapsing customers not enrolled yet; returns the new
        targets. A seeded share goes to the holdout, the others are called."""
        self.ensure_one()
        value_domain = self._segment_domain('value_domain') + self._lapsed_value_domain()
        domain = self.market_id._get_partner_domain() if self.market_id else []
        domain += self._segment_domain('partner_domain')
        candidates = self._audience_partner_ids(self.company_id, domain, value_domain)
        self.env.cr.execute('SELECT partner_id FROM crm_campaign_target WHERE campaign_id = %s',
                            (self.id,))
        known = {row[0] for row in self.env.cr.fetchall()}
        partner_ids = [pid for pid in candidates if pid not in known]
        Target = self.env['crm.campaign.target']
        if not partner_ids:
            return Target
        result = self._score_audience(partner_ids)
        frame = result['frame']
        phone = numpy.array(['phone' if ok else '' for ok in
                             (frame['phone'] != '') | (frame['mobile'] != '')], dtype=object)
        phone_cost = sum(self.channel_ids.filtered(
            lambda line: line.channel == 'phone').mapped('cost_per_contact'))
        result['channel'] = phone
        result['cost'] = numpy.where(phone == 'phone', phone_cost, 0.0)
        exclusion = self._exclusions(frame, phone)
        spent = self.cost_planned
        selected = numpy.zeros(frame['id'].size, dtype=bool)
        group = numpy.full(frame['id'].size, None, dtype=object)
        contact_group = STATE_TABLE[self.state]['contact_group']
        for index, partner_id in enumerate(frame['id'].tolist()):
            if exclusion[index]:
                continue
            if draw.seeded_uniform(self.seed, partner_id) < self.holdout_share / 100.0:
                group[index] = 'holdout'
                selected[index] = True
                continue
            if spent + phone_cost > self.budget:
                exclusion[index] = 'budget'
                continue
            spent += phone_cost
            group[index] = contact_group
            selected[index] = True
        if not selected.any():
            return Target
        decile = self._deciles_against_audience(result['scores'])
        keep = numpy.flatnonzero(selected)
        frame = {name: column[keep] for name, column in frame.items()}
        result = {name: (numpy.asarray(value, dtype=object)[keep] if name != 'frame' else None)
                  for name, value in result.items()}
        ids = self._insert_targets(frame, result, decile[keep], selected[keep],
                                   numpy.full(keep.size, None, dtype=object), group=group[keep])
        targets = Target.browse(ids)
        today = self.env['crm.suite.clock']._today()
        holdout = targets.filtered(lambda t: t.target_group == 'holdout')
        if holdout:
            self.env.cr.execute('UPDATE crm_campaign_target SET window_start = %s '
                                'WHERE id = ANY(%s)', (today, holdout.ids))
        self._contact(targets.filtered(lambda t: t.target_group in ('test', 'rollout')), today)
        self.message_post(body=_("%(count)d lapsing customers enrolled (%(holdout)d in the "
                                 "holdout).") % {'count': len(targets), 'holdout': len(holdout)})
        return targets

    def _deciles_against_audience(self, scores):
        """Decile of new scores within the campaign's scored audience (1 = best)."""
        self.env.cr.execute("""
            SELECT decile, MIN(score) FROM crm_campaign_target
             WHERE campaign_id = %s AND decile > 0 GROUP BY decile ORDER BY decile
        """, (self.id,))
        bounds = self.env.cr.fetchall()
        result = []
        for value in numpy.asarray(scores).tolist():
            decile = 10
            for number, lowest in bounds:
                if value >= lowest:
                    decile = number
                    break
            result.append(decile)
        return numpy.array(result, dtype=int)
