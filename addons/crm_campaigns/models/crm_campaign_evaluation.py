"""Evaluation: the test sample against the holdout (z-test of the buying rates, difference
of the invoiced margin per target, the decision; arithmetic in ``lib/stats.py``), kept as one
``crm.campaign.evaluation`` record per run (a test extended and evaluated again adds one), and
the calibration of the score learnt from the test's outcomes. The campaign shows its latest
evaluation through the ``eval_*`` fields.
"""
import numpy

from odoo import _, api, fields, models

from ..lib import stats
from .protect import check_system_fields, system


class CrmCampaignEvaluation(models.Model):
    """One evaluation of a campaign's test against its holdout, with the figures it rests on
    and its decision. Written by the campaign's evaluation step only."""

    _name = 'crm.campaign.evaluation'
    _description = 'Campaign Evaluation'
    _order = 'campaign_id, id desc'
    _rec_name = 'date'

    campaign_id = fields.Many2one('crm.campaign', required=True, index=True, readonly=True,
                                  ondelete='cascade')
    company_id = fields.Many2one('res.company', required=True, index=True, readonly=True)
    currency_id = fields.Many2one(related='campaign_id.currency_id', readonly=True)
    date = fields.Date(required=True, readonly=True)
    confidence_level = fields.Float(string='Confidence Level (%)', digits=(5, 2), readonly=True)
    test_size = fields.Integer(
        'Test Sample Size', readonly=True,
        help='Targets of the test sample contacted.')
    test_converted = fields.Integer(
        'Buyers in Test', readonly=True,
        help='Test targets with a posted invoice within the attribution window.')
    test_responded = fields.Integer(
        'Responded in Test', readonly=True,
        help='Test targets who answered (accepted or rejected).')
    test_accepted = fields.Integer(
        'Accepted in Test', readonly=True,
        help='Test targets who accepted the offer.')
    holdout_size = fields.Integer(
        readonly=True,
        help='Targets kept out of every channel to measure what happens without the campaign.')
    holdout_converted = fields.Integer(
        'Buyers in Holdout', readonly=True,
        help='Holdout members with a posted invoice within the attribution window.')
    rate_test = fields.Float(
        'Buying Rate, Test', digits=(16, 6), readonly=True,
        help='Buyers in test / test sample size (0.05 = 5 %).')
    rate_holdout = fields.Float(
        'Buying Rate, Holdout', digits=(16, 6), readonly=True,
        help='Buyers in holdout / holdout size (0.05 = 5 %).')
    uplift = fields.Float(
        digits=(16, 6), readonly=True,
        help='Buying rate of the test minus that of the holdout (0.05 = 5 points).')
    ci_low = fields.Float(
        'Uplift, 95 % Low', digits=(16, 6), readonly=True,
        help='Lower end of the 95 % confidence interval of the uplift.')
    ci_high = fields.Float(
        'Uplift, 95 % High', digits=(16, 6), readonly=True,
        help='Upper end of the 95 % confidence interval of the uplift.')
    z = fields.Float(
        'z Statistic', digits=(16, 6), readonly=True,
        help='Two-proportion z-test of the test against the holdout.')
    p_value = fields.Float(
        'p-Value', digits=(16, 8), readonly=True,
        help='Two-sided p-value of the z-test.')
    margin_test = fields.Monetary(
        'Margin per Target, Test', readonly=True,
        help='Invoiced margin within the window per test target.')
    margin_holdout = fields.Monetary(
        'Margin per Target, Holdout', readonly=True,
        help='Invoiced margin within the window per holdout member.')
    margin_uplift = fields.Monetary(
        'Margin Uplift per Target', readonly=True,
        help='Margin per target of the test minus that of the holdout.')
    margin_ci_low = fields.Monetary(
        'Margin Uplift, 95 % Low', readonly=True,
        help='Lower end of the 95 % confidence interval of the margin uplift.')
    margin_ci_high = fields.Monetary(
        'Margin Uplift, 95 % High', readonly=True,
        help='Upper end of the 95 % confidence interval of the margin uplift.')
    contact_cost = fields.Monetary(
        'Contact Cost per Target', readonly=True,
        help='Average cost of contacting one target of the test sample.')
    cost_total = fields.Monetary(
        'Cost', readonly=True,
        help="The campaign's cost when it was evaluated (billed, and planned where no bill "
             "covers it).")
    roi = fields.Float('ROI', readonly=True,
                       help="(attributed margin - cost) / cost when the campaign was evaluated.")
    decision = fields.Selection(stats.DECISIONS, readonly=True)
    decision_reason = fields.Selection(stats.DECISION_REASONS, readonly=True)
    decision_note = fields.Text(readonly=True)

    @api.model
    def create(self, vals):
        check_system_fields(self, vals, self._figure_fields(), create=True)
        return super(CrmCampaignEvaluation, self).create(vals)

    @api.multi
    def write(self, vals):
        check_system_fields(self, vals, self._figure_fields())
        return super(CrmCampaignEvaluation, self).write(vals)

    def _figure_fields(self):
        """Every stored field: an evaluation is what the campaign measured, never typed in."""
        return [name for name, field in self._fields.items()
                if field.store and name not in models.MAGIC_COLUMNS]


# one capability of the campaign per file (see crm_campaign.py)
class CrmCampaign(models.Model):
    _inherit = 'crm.campaign'  # pylint: disable=consider-merging-classes-inherited

    evaluation_ids = fields.One2many('crm.campaign.evaluation', 'campaign_id',
                                     string='Evaluations', readonly=True)
    evaluation_id = fields.Many2one(
        'crm.campaign.evaluation', string='Latest Evaluation', readonly=True, copy=False,
        help="The evaluation the figures below come from.")
    eval_test_size = fields.Integer(
        'Test Sample Size', related='evaluation_id.test_size', readonly=True,
        help='Targets of the test sample contacted.')
    eval_test_converted = fields.Integer(
        'Buyers in Test', related='evaluation_id.test_converted', readonly=True,
        help='Test targets with a posted invoice within the attribution window.')
    eval_test_responded = fields.Integer(
        'Responded in Test', related='evaluation_id.test_responded', readonly=True,
        help='Test targets who answered (accepted or rejected).')
    eval_test_accepted = fields.Integer(
        'Accepted in Test', related='evaluation_id.test_accepted', readonly=True,
        help='Test targets who accepted the offer.')
    eval_holdout_size = fields.Integer(
        'Holdout Size', related='evaluation_id.holdout_size', readonly=True,
        help='Targets kept out of every channel to measure what happens without the campaign.')
    eval_holdout_converted = fields.Integer(
        'Buyers in Holdout', related='evaluation_id.holdout_converted', readonly=True,
        help='Holdout members with a posted invoice within the attribution window.')
    eval_rate_test = fields.Float(
        'Buying Rate, Test', digits=(16, 6), related='evaluation_id.rate_test', readonly=True,
        help='Buyers in test / test sample size (0.05 = 5 %).')
    eval_rate_holdout = fields.Float(
        'Buying Rate, Holdout', digits=(16, 6), related='evaluation_id.rate_holdout', readonly=True,
        help='Buyers in holdout / holdout size (0.05 = 5 %).')
    eval_uplift = fields.Float(
        'Uplift', digits=(16, 6), related='evaluation_id.uplift', readonly=True,
        help='Buying rate of the test minus that of the holdout (0.05 = 5 points).')
    eval_ci_low = fields.Float(
        'Uplift, 95 % Low', digits=(16, 6), related='evaluation_id.ci_low', readonly=True,
        help='Lower end of the 95 % confidence interval of the uplift.')
    eval_ci_high = fields.Float(
        'Uplift, 95 % High', digits=(16, 6), related='evaluation_id.ci_high', readonly=True,
        help='Upper end of the 95 % confidence interval of the uplift.')
    eval_z = fields.Float(
        'z Statistic', digits=(16, 6), related='evaluation_id.z', readonly=True,
        help='Two-proportion z-test of the test against the holdout.')
    eval_p_value = fields.Float(
        'p-Value', digits=(16, 8), related='evaluation_id.p_value', readonly=True,
        help='Two-sided p-value of the z-test.')
    eval_margin_test = fields.Monetary(
        'Margin per Target, Test', related='evaluation_id.margin_test', readonly=True,
        help='Invoiced margin within the window per test target.')
    eval_margin_holdout = fields.Monetary(
        'Margin per Target, Holdout', related='evaluation_id.margin_holdout', readonly=True,
        help='Invoiced margin within the window per holdout member.')
    eval_margin_uplift = fields.Monetary(
        'Margin Uplift per Target', related='evaluation_id.margin_uplift', readonly=True,
        help='Margin per target of the test minus that of the holdout.')
    eval_margin_ci_low = fields.Monetary(
        'Margin Uplift, 95 % Low', related='evaluation_id.margin_ci_low', readonly=True,
        help='Lower end of the 95 % confidence interval of the margin uplift.')
    eval_margin_ci_high = fields.Monetary(
        'Margin Uplift, 95 % High', related='evaluation_id.margin_ci_high', readonly=True,
        help='Upper end of the 95 % confidence interval of the margin uplift.')
    decision = fields.Selection(stats.DECISIONS, readonly=True, copy=False,
                                track_visibility='onchange')
    decision_reason = fields.Selection(related='evaluation_id.decision_reason', readonly=True)
    decision_note = fields.Text(related='evaluation_id.decision_note', readonly=True)

    def _group_figures(self):
        self.env.cr.execute("""
            SELECT target_group, COUNT(*),
                   COUNT(*) FILTER (WHERE response IN ('accepted', 'rejected')),
                   COUNT(*) FILTER (WHERE response = 'accepted'),
                   COUNT(*) FILTER (WHERE converted),
                   COALESCE(SUM(window_margin), 0)::float8,
                   COALESCE(SUM(window_margin * window_margin), 0)::float8,
                   COALESCE(AVG(contact_cost), 0)::float8
              FROM crm_campaign_target
             WHERE campaign_id = %s AND target_group IS NOT NULL
             GROUP BY target_group
        """, (self.id,))
        return {row[0]: row[1:] for row in self.env.cr.fetchall()}

    def _evaluate(self):
        """Evaluate the test against the holdout: a new evaluation record, which becomes the
        campaign's latest, and the campaign's decision."""
        figures = self._group_figures()
        test = figures.get('test', (0, 0, 0, 0, 0.0, 0.0, 0.0))
        holdout = figures.get('holdout', (0, 0, 0, 0, 0.0, 0.0, 0.0))
        n1, responded, accepted, x1, sum1, sumsq1, cost = test
        n2, _r, _a, x2, sum2, sumsq2, _c = holdout
        level = self.confidence_level / 100.0
        ztest = stats.two_proportion_ztest(x1, n1, x2, n2, level)
        problems = stats.minimum_sample_problems(x1, n1, x2, n2, self.min_sample)
        margin = None
        if n1 >= 2 and n2 >= 2:
            margin = stats.mean_difference(n1, sum1, sumsq1, n2, sum2, sumsq2, level)
        decision, reason = stats.decide(ztest, problems, margin and margin.diff, cost)
        note = self._decision_note(ztest, problems, margin, cost, decision, reason,
                                   (n1, responded, accepted, x1, n2, x2))
        self.invalidate_cache()  # the money figures include the refreshed attribution
        evaluation = system(self.env['crm.campaign.evaluation']).create({
            'campaign_id': self.id, 'company_id': self.company_id.id,
            'date': self.env['crm.suite.clock']._today(),
            'confidence_level': self.confidence_level,
            'test_size': n1, 'test_converted': x1, 'test_responded': responded,
            'test_accepted': accepted, 'holdout_size': n2, 'holdout_converted': x2,
            'rate_test': ztest.p1, 'rate_holdout': ztest.p2, 'uplift': ztest.diff,
            'ci_low': ztest.ci_low, 'ci_high': ztest.ci_high, 'z': ztest.z,
            'p_value': ztest.p_value,
            'margin_test': margin.mean1 if margin else 0.0,
            'margin_holdout': margin.mean2 if margin else 0.0,
            'margin_uplift': margin.diff if margin else 0.0,
            'margin_ci_low': margin.ci_low if margin else 0.0,
            'margin_ci_high': margin.ci_high if margin else 0.0,
            'contact_cost': cost, 'cost_total': self.cost_total, 'roi': self.roi,
            'decision': decision, 'decision_reason': reason, 'decision_note': note,
        })
        system(self).write({'evaluation_id': evaluation.id, 'decision': decision})
        return evaluation

    def _decision_note(self, ztest, problems, margin, cost, decision, reason, figures):
        """The decision and the numbers it rests on, in words."""
        n1, responded, accepted, x1, n2, x2 = figures
        groups = {'test': _("test sample"), 'holdout': _("holdout")}
        lines = [
            _("Test sample: %(n)d contacted, %(responded)d responded, %(accepted)d accepted; "
              "%(x)d bought within the window (%(rate).2f %%).") % {
                  'n': n1, 'responded': responded, 'accepted': accepted, 'x': x1,
                  'rate': 100.0 * ztest.p1},
            _("Holdout: %(n)d never contacted; %(x)d bought within the window "
              "(%(rate).2f %%).") % {'n': n2, 'x': x2, 'rate': 100.0 * ztest.p2},
            _("Uplift in buying: %(diff)+.2f points, %(level).0f %% interval "
              "[%(low)+.2f, %(high)+.2f], z = %(z).3f, p = %(p).4f.") % {
                  'diff': 100.0 * ztest.diff, 'level': 100.0 * ztest.level,
                  'low': 100.0 * ztest.ci_low, 'high': 100.0 * ztest.ci_high, 'z': ztest.z,
                  'p': ztest.p_value},
        ]
        if margin:
            lines.append(_(
                "Invoiced margin per target: test %(m1).2f, holdout %(m2).2f, uplift "
                "%(diff)+.2f, interval [%(low)+.2f, %(high)+.2f], against a contact cost of "
                "%(cost).2f.") % {'m1': margin.mean1, 'm2': margin.mean2, 'diff': margin.diff,
                                  'low': margin.ci_low, 'high': margin.ci_high, 'cost': cost})
        for kind, group, value, limit in problems:
            if kind == 'size':
                lines.append(_("The %(group)s has %(size)d members, fewer than the minimum of "
                               "%(min)d.") % {'group': groups[group], 'size': value,
                                              'min': limit})
            else:
                lines.append(_("The %(group)s expects %(value).1f buyers or non-buyers under "
                               "the pooled rate, fewer than 5.") % {
                                   'group': groups[group], 'value': value})
        decisions = dict(self._fields['decision']._description_selection(self.env))
        reasons = dict(self.env['crm.campaign.evaluation']._fields[
            'decision_reason']._description_selection(self.env))
        lines.append(_("Decision: %(decision)s (%(reason)s).") % {
            'decision': decisions[decision], 'reason': reasons[reason]})
        return '\n'.join(lines)

    def _recalibrate(self):
        """Fit the calibration on the test sample's outcomes (accepted or bought); keep the
        model's when the outcomes cannot support a fit, and say so."""
        xs, ys, ws = self._outcome_table(self, groups=('test',))
        try:
            fit = stats.logistic_fit(xs, ys, ws) if xs else None
        except ValueError as error:
            fit = None
            self.message_post(body=_("Calibration kept from the scoring model: %s") % error)
        if fit is None:
            return
        system(self).write({'calibration_intercept': fit.intercept,
                            'calibration_slope': fit.slope, 'calibrated': True})
        self.env.cr.execute("""
            SELECT id, score::float8, expected_margin::float8, contact_cost::float8
              FROM crm_campaign_target
             WHERE campaign_id = %s
        """, (self.id,))
        rows = self.env.cr.fetchall()
        if rows:
            ids, scores, margins, costs = (numpy.array(column) for column in zip(*rows))
            probability = stats.logistic(fit.intercept, fit.slope, scores / 100.0)
            profit = probability * margins - costs
            self.env.cr.execute("""
                UPDATE crm_campaign_target t SET probability = v.p, expected_profit = v.e
                  FROM unnest(%s::int[], %s::float8[], %s::float8[]) AS v(id, p, e)
                 WHERE t.id = v.id
            """, (ids.tolist(), probability.tolist(), profit.tolist()))
            self.env['crm.campaign.target'].invalidate_cache()

    @api.model
    def _outcome_table(self, campaigns, groups=('test', 'rollout')):
        """Calibration data of ``campaigns``: (score / 100, took the offer, count) over their
        contacted targets; took the offer = accepted or bought within the window."""
        if not campaigns:
            return [], [], []
        self.env.cr.execute("""
            SELECT score::float8 / 100.0, (response = 'accepted' OR converted)::int, COUNT(*)
              FROM crm_campaign_target
             WHERE campaign_id IN %s AND contacted_date IS NOT NULL AND target_group IN %s
             GROUP BY 1, 2 ORDER BY 1, 2
        """, (tuple(campaigns.ids), tuple(groups)))
        rows = self.env.cr.fetchall()
        return ([float(r[0]) for r in rows], [r[1] for r in rows], [r[2] for r in rows])
