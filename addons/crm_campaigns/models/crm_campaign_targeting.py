"""Targeting: the segment's audience, its figures, channels, exclusions and contact
pressure; the score, probability and expected profit of each customer (the features scored on
are the registry in ``scoring_features.py``, the arithmetic ``lib/scoring.py``); and the bulk
write of the targets.

The target rows are written set-based by the suite's bulk layer (``crm.suite.bulk``).
"""
from datetime import timedelta

import numpy

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.crm_loyalty.lib.bulk import INT_NULL, int_array

from ..lib import scoring, stats
from ..lib.states import states_where
from .scoring_features import loyalty_figure_keys


# one capability of the campaign per file (see crm_campaign.py)
class CrmCampaign(models.Model):
    _inherit = 'crm.campaign'  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _audience_partner_ids(self, company, partner_domain, value_domain):
        """Commercial partners matching ``partner_domain`` (res.partner) and, when given,
        ``value_domain`` (crm.loyalty.value of ``company``): one query, record rules applied,
        internal users' partners and companies' own partners left out."""
        Partner = self.env['res.partner'].with_context(force_company=company.id)
        query = Partner._where_calc(list(partner_domain))
        Partner._apply_ir_rules(query, 'read')
        from_clause, where_clause, params = query.get_sql()
        conditions = [where_clause or 'TRUE',
                      '"res_partner"."commercial_partner_id" = "res_partner"."id"',
                      'NOT EXISTS (SELECT 1 FROM res_users u WHERE u.partner_id = '
                      '"res_partner"."id" AND u.share IS NOT TRUE)',
                      'NOT EXISTS (SELECT 1 FROM res_company rc WHERE rc.partner_id = '
                      '"res_partner"."id")']
        params = list(params)
        if value_domain:
            Value = self.env['crm.loyalty.value']
            value_query = Value._where_calc(list(value_domain) + [('company_id', '=', company.id)])
            Value._apply_ir_rules(value_query, 'read')
            v_from, v_where, v_params = value_query.get_sql()
            conditions.append('"res_partner"."id" IN (SELECT "crm_loyalty_value"."partner_id" '
                              'FROM %s WHERE %s)' % (v_from, v_where or 'TRUE'))
            params += list(v_params)
        # clauses come from the ORM's query builder; values stay parameters
        self.env.cr.execute('SELECT "res_partner"."id" FROM %s WHERE %s ORDER BY 1' % (
            from_clause, ' AND '.join('(%s)' % c for c in conditions)), params)
        return [row[0] for row in self.env.cr.fetchall()]

    @api.multi
    def _segment_partner_ids(self):
        self.ensure_one()
        domain = self.market_id._get_partner_domain() if self.market_id else []
        domain += self._segment_domain('partner_domain')
        return self._audience_partner_ids(self.company_id, domain,
                                          self._segment_domain('value_domain'))

    def _segment_domain(self, field_name):
        """A condition of the campaign's segment as a domain (a clear UserError when it is
        invalid); empty without a segment."""
        return self.segment_id._parse_domain(field_name) if self.segment_id else []

    @api.model
    def _fetch_audience(self, company, partner_ids):
        """Columns (numpy arrays, rows ordered by partner id) the scoring and targeting need:
        the customer value figures of ``company`` and the partner's contact data."""
        figures = loyalty_figure_keys(self.env)
        self.env.cr.execute("""
            SELECT p.id, (v.id IS NOT NULL)::int, %s, v.last_invoice_date, v.segment,
                   v.churn_risk, p.city, COALESCE(p.country_id, 0), COALESCE(p.industry_id, 0),
                   COALESCE(p.email, ''), COALESCE(p.phone, ''), COALESCE(p.mobile, ''),
                   COALESCE(p.street, ''), COALESCE(p.opt_out, FALSE),
                   COALESCE(p.campaign_exclude_reason, ''), COALESCE(p.user_id, 0)
              FROM res_partner p
              LEFT JOIN crm_loyalty_value v ON v.partner_id = p.id AND v.company_id = %%s
             WHERE p.id = ANY(%%s::int[])
             ORDER BY p.id
        """ % ', '.join('v.%s' % column for column in figures),
            (company.id, int_array(partner_ids)))
        rows = self.env.cr.fetchall()
        columns = list(zip(*rows)) if rows else [()] * (len(figures) + 16)
        frame = {'id': numpy.array(columns[0], dtype=int),
                 'has_value': numpy.array(columns[1], dtype=int)}
        offset = 2
        for index, name in enumerate(figures):
            frame[name] = numpy.array([numpy.nan if value is None else value
                                       for value in columns[offset + index]], dtype=float)
        offset += len(figures)
        frame['last_invoice_date'] = numpy.array(
            [value or 'NaT' for value in columns[offset]], dtype='datetime64[D]')
        names = ('segment', 'churn_risk', 'city', 'country_id', 'industry_id', 'email', 'phone',
                 'mobile', 'street', 'opt_out', 'exclude_reason', 'user_id')
        for index, name in enumerate(names, start=offset + 1):
            kind = int if name in ('country_id', 'industry_id', 'user_id') else \
                bool if name == 'opt_out' else object
            frame[name] = numpy.array(columns[index], dtype=kind)
        return frame

    def _assign_channels(self, frame):
        """First channel (by sequence) each partner can be reached on, and its cost."""
        count = frame['id'].size
        channel = numpy.full(count, '', dtype=object)
        cost = numpy.zeros(count)
        reachable = {
            'email': numpy.array(['@' in email for email in frame['email']], dtype=bool)
            & ~frame['opt_out'],
            'phone': (frame['phone'] != '') | (frame['mobile'] != ''),
            'letter': frame['street'] != '',
        }
        reachable['call_centre'] = reachable['phone']
        for line in self.channel_ids.sorted(key=lambda line: (line.sequence, line.id)):
            free = (channel == '') & reachable[line.channel]
            channel[free] = line.channel
            cost[free] = line.cost_per_contact
        return channel, cost

    def _pressure_counts(self, partner_ids):
        """Contacts of each partner by the company's other campaigns within the pressure
        period, plus contacts those campaigns have planned and not made yet."""
        company = self.company_id
        if not company.campaign_pressure_max:
            return {}
        since = fields.Date.from_string(self.env['crm.suite.clock']._today()) - \
            timedelta(days=company.campaign_pressure_days)
        self.env.cr.execute("""
            SELECT t.partner_id, COUNT(*)
              FROM crm_campaign_target t
              JOIN crm_campaign c ON c.id = t.campaign_id
             WHERE t.company_id = %s AND t.campaign_id != %s AND t.partner_id = ANY(%s::int[])
               AND (t.contacted_date > %s
                    OR (t.contacted_date IS NULL AND t.selected
                        AND t.target_group IN ('test', 'rollout')
                        AND c.state = ANY(%s)))
             GROUP BY t.partner_id
        """, (company.id, self.id or 0, int_array(partner_ids), since,
              list(states_where('planned'))))
        return dict(self.env.cr.fetchall())

    def _excluded_partners(self, partner_ids):
        """Hook: ``{partner_id: reason}`` of partners other addons keep out of campaigns;
        reasons are exclusion codes of ``crm.campaign.target``. Extend with ``super()``."""
        result = {}
        Value = self.env['crm.loyalty.value']
        if 'customer_type' in Value._fields and Value._fields['customer_type'].store:
            # crm_loyalty's customer types: saboteurs respect no rule (seed 000)
            self.env.cr.execute("""
                SELECT partner_id FROM crm_loyalty_value
                 WHERE company_id = %s AND partner_id = ANY(%s::int[])
                   AND customer_type = 'saboteur'
            """, (self.company_id.id, int_array(partner_ids)))
            for (partner_id,) in self.env.cr.fetchall():
                result[partner_id] = 'saboteur'
        if self.exclude_open_complaints:
            for partner_id in self.env['crm.loyalty.value']._unresolved_complaint_partner_ids(
                    self.company_id, list(partner_ids)):
                result[partner_id] = 'complaint'
        return result

    def _exclusions(self, frame, channel):
        """Exclusion code per audience row ('' = eligible), first reason wins."""
        ids = frame['id']
        reason = numpy.full(ids.size, '', dtype=object)

        def mark(mask, code):
            reason[(reason == '') & mask] = code
        mark(frame['exclude_reason'] != '', 'do_not_contact')
        if self.exclude_opted_out:
            mark(frame['opt_out'], 'opted_out')
        excluded = self._excluded_partners(ids.tolist())
        for code in sorted(set(excluded.values())):
            members = [pid for pid, value in excluded.items() if value == code]
            mark(numpy.isin(ids, members), code)
        pressure = self._pressure_counts(ids.tolist())
        if pressure:
            counts = numpy.array([pressure.get(int(pid), 0) for pid in ids])
            mark(counts >= self.company_id.campaign_pressure_max, 'pressure')
        mark(channel == '', 'unreachable')
        return reason

    def _probability(self, scores):
        if self.calibrated:
            return stats.logistic(self.calibration_intercept, self.calibration_slope,
                                  numpy.asarray(scores, dtype=float) / 100.0)
        return self.scoring_model_id._probabilities(scores)

    def _expected_margins(self, frame):
        margin = numpy.full(frame['id'].size, float(self.expected_margin))
        if self.margin_source == 'customer':
            own = numpy.divide(frame['margin'], frame['frequency'],
                               out=numpy.full(margin.size, numpy.nan),
                               where=frame['frequency'] > 0)
            known = ~numpy.isnan(own) & (own > 0)
            margin[known] = own[known]
        return margin

    def _score_audience(self, partner_ids):
        """Score, explain, exclude and price ``partner_ids``: the rows of their targets."""
        frame = self._fetch_audience(self.company_id, partner_ids)
        model = self.scoring_model_id
        scores, points, raws = model._score_frame(frame, self.company_id,
                                                  self.env['crm.suite.clock']._today(),
                                                  exclude_campaign=self.id)
        channel, cost = self._assign_channels(frame)
        exclusion = self._exclusions(frame, channel)
        probability = self._probability(scores)
        margin = self._expected_margins(frame)
        expected_profit = probability * margin - cost
        details = scoring.score_details(model.variable_ids.ids, points, raws)
        return {
            'frame': frame, 'scores': scores, 'channel': channel, 'cost': cost,
            'exclusion': exclusion, 'probability': probability, 'margin': margin,
            'expected_profit': expected_profit, 'details': details,
        }

    def _check_scoring_input(self):
        if not self.segment_id:
            raise UserError(_("Choose the segment the campaign addresses."))
        if not self.scoring_model_id:
            raise UserError(_("Choose a scoring model for this type of campaign."))
        if not self.scoring_model_id.variable_ids:
            raise UserError(_("The scoring model %s has no variables.") %
                            self.scoring_model_id.name)
        if not self.channel_ids:
            raise UserError(_("Add at least one channel with its cost per contact."))
        cheapest = min(self.channel_ids.mapped('cost_per_contact'))
        if self.budget - self.fixed_cost < cheapest or self.budget <= self.fixed_cost:
            raise UserError(_(
                "The budget leaves %(left).2f after fixed costs, less than one contact "
                "(%(cheapest).2f): raise the budget.") % {
                    'left': self.budget - self.fixed_cost, 'cheapest': cheapest})

    # --- bulk write ----------------------------------------------------------------------
    def _insert_targets(self, frame, result, decile, selected, exclusion, group=None,
                        return_ids=True):
        """Insert the target rows of the audience ``frame`` (scoring ``result``, ``decile``,
        ``selected``, ``exclusion`` and ``group`` per row) set-based, by one binary COPY
        through ``crm.suite.bulk._copy_write`` (one ``create`` per row would be far slower).
        Scores are kept to 4 decimals; empty texts are NULL; a partner without salesperson
        gets the campaign's. Returns the new ids in the order of the rows, unless
        ``return_ids`` is false."""
        partner_ids = numpy.asarray(frame['id'], dtype=numpy.int64)
        count = partner_ids.size
        if not count:
            return []
        fallback_user = self.user_id.id or None

        def floats(values):
            return numpy.asarray(values, dtype=float)

        def texts(values):
            return [value or None for value in values]
        users = [user or fallback_user
                 for user in numpy.asarray(frame['user_id'], dtype=int).tolist()]
        columns = [
            ('id', numpy.full(count, INT_NULL, dtype=numpy.int64)),
            ('partner_id', partner_ids),
            ('user_id', users),
            ('score', floats([round(score, 4) for score in floats(result['scores']).tolist()])),
            ('decile', numpy.asarray(decile, dtype=numpy.int64)),
            ('probability', floats(result['probability'])),
            ('expected_margin', floats(result['margin'])),
            ('contact_cost', floats(result['cost'])),
            ('expected_profit', floats(result['expected_profit'])),
            ('score_detail', texts(result['details'])),
            ('selected', numpy.asarray(selected, dtype=bool).astype(numpy.int64)),
            ('exclusion', texts(exclusion)),
            ('channel', texts(result['channel'])),
            ('target_group', texts(group) if group is not None else [None] * count),
        ]
        names = [name for name, _values in columns]
        _count, created = self.env['crm.suite.bulk']._copy_write(
            'crm.campaign.target', names, [values for _name, values in columns],
            compare=('partner_id',), returning='partner_id', constants={
                'campaign_id': self.id, 'company_id': self.company_id.id,
                'response': 'pending', 'converted': False, 'window_revenue': 0.0,
                'window_margin': 0.0, 'attributed_revenue': 0.0, 'attributed_margin': 0.0})
        self.env['crm.campaign.target'].invalidate_cache()
        self.invalidate_cache(['target_ids'])
        if not return_ids:
            return []
        return [created[pid] for pid in partner_ids.tolist()]
