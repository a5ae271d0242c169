from datetime import timedelta

import numpy

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..lib import scoring, stats
from ..lib.states import states_where
from .scoring_features import ScoringContext, by_key

CAMPAIGN_TYPES = [
    ('winback', 'Win-back'),
    ('loyalty', 'Loyalty'),
    ('cross_sell', 'Cross-sell'),
    ('up_sell', 'Up-sell'),
    ('acquisition', 'Acquisition'),
]


class CrmCampaignScoringModel(models.Model):
    """How likely a customer is to accept a campaign of one type in one market.

    The score (0-100) ranks; the calibration turns it into a probability of acceptance,
    ``P = 1 / (1 + exp(-(intercept + slope * score / 100)))``. The calibration starts from
    the values entered here and is learnt from the outcomes of past campaigns of the same type
    (and market) with *Learn from past campaigns*.
    """

    _name = 'crm.campaign.scoring.model'
    _description = 'Campaign Scoring Model'
    _order = 'campaign_type, name'

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one('res.company', required=True,
                                 default=lambda self: self.env.user.company_id)
    campaign_type = fields.Selection(CAMPAIGN_TYPES, required=True)
    market_id = fields.Many2one('crm.campaign.market',
                                help="Empty: the model serves every market of this type.")
    variable_ids = fields.One2many('crm.campaign.scoring.variable', 'model_id',
                                   string='Variables', copy=True)
    calibration_intercept = fields.Float(
        default=-3.0, digits=(16, 6),
        help="Log-odds of acceptance at score 0.")
    calibration_slope = fields.Float(
        default=2.0, digits=(16, 6),
        help="Increase of the log-odds of acceptance from score 0 to score 100.")
    calibration_note = fields.Char(readonly=True, help="Where the calibration comes from.")
    description = fields.Text(translate=True)

    @api.multi
    def probability(self, scores):
        """Probabilities of acceptance (a list) for ``scores``, a list of numbers from 0 to 100
        (numbers written as text are read, in Persian digits too)."""
        self.ensure_one()
        message = _("Scores must be a list of numbers.")
        if not isinstance(scores, (list, tuple)):
            raise UserError(message)
        values = []
        for score in scores:
            if isinstance(score, bool) or not isinstance(score, (int, float, str)) \
                    or (isinstance(score, str) and len(score) > 50):
                raise UserError(message)
            try:
                values.append(float(score))
            except ValueError:
                raise UserError(message)
        return self._probabilities(numpy.array(values, dtype=float)).tolist()

    def _probabilities(self, scores):
        """Probability of acceptance for ``scores`` (numpy, 0-100) with this calibration."""
        self.ensure_one()
        return stats.logistic(self.calibration_intercept, self.calibration_slope,
                              numpy.asarray(scores, dtype=float) / 100.0)

    # --- scoring -----------------------------------------------------------------------------
    @api.multi
    def _raw_values(self, frame, company, ref_date, exclude_campaign=None):
        """Raw value of each variable for the audience ``frame`` (columns of numpy arrays,
        see ``crm.campaign._fetch_audience``): one array per variable, ``nan`` missing.

        Each feature is computed as the registry (``scoring_features.features``) says; extra
        figures (category purchases, past campaigns, open complaints) are aggregated in one
        query each, only when a variable uses them.
        """
        self.ensure_one()
        ctx = ScoringContext(company, ref_date, exclude_campaign)
        registry = by_key(self.env)
        return [numpy.asarray(registry[variable.feature].compute(self, frame, variable, ctx),
                              dtype=float)
                for variable in self.variable_ids]

    @api.multi
    def _score_frame(self, frame, company, ref_date, exclude_campaign=None):
        """Scores (0-100), points per variable and raw values for the audience ``frame``."""
        self.ensure_one()
        if not self.variable_ids:
            raise UserError(_("The scoring model %s has no variables.") % self.name)
        raws = self._raw_values(frame, company, ref_date, exclude_campaign)
        transformed = numpy.column_stack([
            variable._transform_values(raw) for variable, raw in zip(self.variable_ids, raws)])
        scores, points = scoring.score(transformed, self.variable_ids.mapped('weight'))
        return scores, points, numpy.column_stack(raws)

    def _category_invoice_counts(self, ids, company, ref_date, variable):
        categories = self.env['product.category'].search(
            [('id', 'child_of', variable.category_id.id)]).ids
        date_from = fields.Date.from_string(ref_date) - timedelta(days=variable.lookback_days or 0)
        # one aggregate over the invoice lines of the audience
        self.env.cr.execute("""
            SELECT i.commercial_partner_id, COUNT(DISTINCT i.id)
              FROM account_invoice_line l
              JOIN account_invoice i ON i.id = l.invoice_id
              JOIN product_product pp ON pp.id = l.product_id
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
             WHERE i.company_id = %s AND i.type = 'out_invoice' AND i.state IN ('open', 'paid')
               AND i.date_invoice > %s AND i.date_invoice <= %s
               AND pt.categ_id = ANY(%s) AND i.commercial_partner_id = ANY(%s)
             GROUP BY i.commercial_partner_id
        """, (company.id, date_from, ref_date, categories, ids.tolist()))
        counts = dict(self.env.cr.fetchall())
        return numpy.array([counts.get(int(pid), 0) for pid in ids], dtype=float)

    def _past_campaign_counts(self, ids, company, ref_date, feature, exclude_campaign):
        condition = "t.response = 'accepted'" if feature == 'past_accepted' \
            else 't.contacted_date IS NOT NULL'
        # condition comes from the two literals above, never from input
        self.env.cr.execute("""
            SELECT t.partner_id, COUNT(*)
              FROM crm_campaign_target t
             WHERE t.company_id = %%s AND t.campaign_id != %%s AND t.contacted_date < %%s
               AND %s AND t.partner_id = ANY(%%s)
             GROUP BY t.partner_id
        """ % condition, (company.id, exclude_campaign or 0, ref_date, ids.tolist()))
        counts = dict(self.env.cr.fetchall())
        return numpy.array([counts.get(int(pid), 0) for pid in ids], dtype=float)

    # --- calibration -------------------------------------------------------------------------
    @api.multi
    def action_learn_calibration(self):
        """Fit the calibration on the contacted targets of past campaigns of this type (and
        market): outcome = accepted or bought within the window, ``x`` = score / 100."""
        for model in self:
            domain = [('campaign_type', '=', model.campaign_type),
                      ('company_id', '=', model.company_id.id),
                      ('state', 'in', states_where('learnt'))]
            if model.market_id:
                domain.append(('market_id', '=', model.market_id.id))
            campaigns = self.env['crm.campaign'].search(domain)
            if not campaigns:
                raise UserError(_("No evaluated campaign of this type to learn from."))
            xs, ys, ws = self.env['crm.campaign']._outcome_table(campaigns)
            try:
                fit = stats.logistic_fit(xs, ys, ws)
            except ValueError as error:
                raise UserError(_("The calibration cannot be learnt: %s") % error)
            model.write({
                'calibration_intercept': fit.intercept,
                'calibration_slope': fit.slope,
                'calibration_note': _("Learnt from %(count)d campaigns (%(targets)d contacts)") % {
                    'count': len(campaigns), 'targets': int(sum(ws))},
            })
        return True
