from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..lib import scoring
from . import scoring_features
from .scoring_features import BOOLEAN_FEATURES

TRANSFORMS = [
    ('linear', 'Normalised (min-max)'),
    ('log', 'Normalised logarithm'),
    ('bucket', 'Buckets'),
    ('boolean', 'Yes/no'),
]


class CrmCampaignScoringVariable(models.Model):
    """One weighted, transformed variable of a scoring model."""

    _name = 'crm.campaign.scoring.variable'
    _description = 'Scoring Variable'
    _order = 'sequence, id'

    model_id = fields.Many2one('crm.campaign.scoring.model', required=True, index=True,
                               ondelete='cascade')
    company_id = fields.Many2one(related='model_id.company_id', store=True, readonly=True)
    sequence = fields.Integer(default=10)
    feature = fields.Selection(selection='_selection_feature', required=True)
    weight = fields.Float(required=True, default=1.0,
                          help="Relative importance; the score shares 100 points by weight.")
    transform = fields.Selection(TRANSFORMS, required=True, default='linear')
    invert = fields.Boolean(help="Lower raw values are better (e.g. recency).")
    use_bounds = fields.Boolean(
        string='Fixed Bounds',
        help="Normalise between the bounds below instead of the audience's minimum and maximum.")
    lower = fields.Float()
    upper = fields.Float()
    thresholds = fields.Char(help="Increasing bucket limits, e.g. 30, 90, 180.")
    threshold = fields.Float(default=1.0, help="Yes at or above this value.")
    match_value = fields.Char(string='Value',
                              help="City name, loyalty segment key or churn risk key to match.")
    country_id = fields.Many2one('res.country')
    industry_id = fields.Many2one('res.partner.industry')
    category_id = fields.Many2one('product.category', string='Product Category')
    lookback_days = fields.Integer(default=365, help="Period looked at for category purchases.")

    @api.model
    def _selection_feature(self):
        """The features of the registry (``scoring_features.py``), the loyalty figures as
        crm_loyalty lists them first."""
        return scoring_features.selection(self.env)

    @api.constrains('weight')
    def _check_weight(self):
        for variable in self:
            if variable.weight <= 0:
                raise ValidationError(_("The weight of a scoring variable must be positive."))

    @api.constrains('feature', 'transform', 'thresholds', 'use_bounds', 'lower', 'upper',
                    'match_value', 'country_id', 'industry_id', 'category_id')
    def _check_parameters(self):
        registry = scoring_features.by_key(self.env)
        for variable in self:
            if variable.feature in BOOLEAN_FEATURES and variable.transform != 'boolean':
                raise ValidationError(_("This variable is yes/no: use the Yes/no transformation."))
            if variable.transform == 'bucket':
                try:
                    scoring.parse_thresholds(variable.thresholds)
                except ValueError:
                    raise ValidationError(_(
                        "Bucket limits must be increasing numbers separated by commas."))
            if variable.use_bounds and variable.transform in ('linear', 'log') \
                    and variable.upper <= variable.lower:
                raise ValidationError(_("The upper bound must exceed the lower bound."))
            needs = registry[variable.feature].needs
            if needs and not variable[needs]:
                raise ValidationError(_("This variable needs the value it compares with."))

    @api.onchange('feature')
    def _onchange_feature(self):
        if self.feature in BOOLEAN_FEATURES:
            self.transform = 'boolean'
        if self.feature and scoring_features.by_key(self.env)[self.feature].invert:
            self.invert = True

    @api.multi
    def name_get(self):
        labels = dict(self._fields['feature']._description_selection(self.env))
        result = []
        for variable in self:
            name = labels.get(variable.feature, variable.feature)
            detail = variable.match_value or variable.country_id.name or \
                variable.industry_id.name or variable.category_id.name
            result.append((variable.id, '%s %s' % (name, detail) if detail else name))
        return result

    @api.multi
    def _transform_values(self, raw):
        """Transform this variable's raw values (numpy, ``nan`` missing) into [0, 1]."""
        self.ensure_one()
        bounded = self.use_bounds and self.transform in ('linear', 'log')
        return scoring.transform(
            raw, self.transform,
            lower=self.lower if bounded else None,
            upper=self.upper if bounded else None,
            thresholds=scoring.parse_thresholds(self.thresholds)
            if self.transform == 'bucket' else None,
            threshold=0.5 if self.feature in BOOLEAN_FEATURES else self.threshold,
            invert=self.invert)
