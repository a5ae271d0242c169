"""The registry of scoring features: every figure a scoring variable can score customers on,
with its key, its label and how it is computed. Nothing else lists features: the variable's
selection, its checks, the audience query (the loyalty figures it reads) and the scoring model's
raw values all come from here. Add a feature by adding a row.

The loyalty figures come first: which ones is crm_loyalty's to say
(``crm.loyalty.value._scoring_figures()``), so the features need an environment
(:func:`features`, :func:`by_key`, :func:`selection`); this module gives them their wording
(:data:`LOYALTY_FIGURE_LABELS`).

A feature is computed for a whole audience at once: ``compute(model, frame, variable, ctx)``
returns one raw value per row of ``frame`` (numpy, ``nan`` = missing), where ``model`` is the
``crm.campaign.scoring.model``, ``frame`` the audience columns (see
``crm.campaign._fetch_audience``), ``variable`` the ``crm.campaign.scoring.variable`` and
``ctx`` a :class:`ScoringContext`.
"""
from collections import namedtuple

import numpy

Feature = namedtuple('Feature', ['key', 'label', 'compute', 'boolean', 'invert', 'needs'])
Feature.__doc__ = """One scoring feature: ``boolean`` ones take only the yes/no transformation,
``invert`` ones are better when lower (the variable's default), ``needs`` names the variable
field holding the value it compares with (``None``: none)."""
ScoringContext = namedtuple('ScoringContext', ['company', 'ref_date', 'exclude_campaign'])


def _(source):
    """Marks a label for the module's .pot (extracted as code); :func:`selection` translates
    it when the selection is built."""
    return source


# The wording of the loyalty figures campaigns score on (crm.loyalty.value._scoring_figures(),
# read as they are from crm.loyalty.value of the campaign's company; partners without a value
# row have them missing: 0 points). A figure without a wording here shows its field's label.
LOYALTY_FIGURE_LABELS = {
    'recency_days': _('Recency (days, from the loyalty review)'),
    'frequency': _('Frequency (invoices)'),
    'monetary': _('Monetary value'),
    'margin': _('Margin'),
    'profit': _('Profit after cost to serve'),
    'clv': _('Customer lifetime value'),
    'p_alive': _('Probability alive'),
    'tier_level': _('Loyalty class level'),
    'r_score': _('RFM recency score'),
    'f_score': _('RFM frequency score'),
    'm_score': _('RFM monetary score'),
    'attitude_score': _('Satisfaction (CSAT)'),
}
#: the loyalty figure better when lower (the variable's default)
INVERTED_FIGURES = frozenset(['recency_days'])


def _loyalty_figure(key):
    def compute(model, frame, variable, ctx):
        return frame[key].astype(float)
    return compute


def _days_since_purchase(model, frame, variable, ctx):
    ref = numpy.datetime64(ctx.ref_date, 'D')
    last = frame['last_invoice_date']
    return numpy.where(numpy.isnat(last), numpy.nan,
                       (ref - last).astype('timedelta64[D]').astype(float))


def _bought_category(model, frame, variable, ctx):
    return model._category_invoice_counts(frame['id'], ctx.company, ctx.ref_date, variable)


def _open_complaints(model, frame, variable, ctx):
    ids = frame['id']
    open_ids = model.env['crm.loyalty.value']._unresolved_complaint_partner_ids(
        ctx.company, ids.tolist())
    return numpy.isin(ids, numpy.fromiter(open_ids, dtype=int, count=len(open_ids))) \
        .astype(float)


def _past_campaigns(feature):
    def compute(model, frame, variable, ctx):
        return model._past_campaign_counts(frame['id'], ctx.company, ctx.ref_date, feature,
                                           ctx.exclude_campaign)
    return compute


def _value_is(column):
    """Yes when the customer value's ``column`` equals the variable's value; missing without
    a customer value row."""
    def compute(model, frame, variable, ctx):
        raw = (frame[column] == variable.match_value).astype(float)
        raw[frame['has_value'] == 0] = numpy.nan
        return raw
    return compute


def _city_is(model, frame, variable, ctx):
    wanted = (variable.match_value or '').strip().lower()
    return numpy.array([(city or '').strip().lower() == wanted for city in frame['city']],
                       dtype=float)


def _partner_is(column, field_name):
    def compute(model, frame, variable, ctx):
        return (frame[column] == variable[field_name].id).astype(float)
    return compute


# the features that are not loyalty figures, after them in the registry
OTHER_FEATURES = (
    Feature('days_since_purchase', _('Days since last purchase'), _days_since_purchase,
            False, True, None),
    Feature('bought_category', _('Invoices in a product category'), _bought_category,
            False, False, 'category_id'),
    Feature('open_complaints', _('Has open complaints'), _open_complaints, True, False, None),
    Feature('past_accepted', _('Past campaign acceptances'), _past_campaigns('past_accepted'),
            False, False, None),
    Feature('past_contacts', _('Past campaign contacts'), _past_campaigns('past_contacts'),
            False, False, None),
    Feature('segment_is', _('Loyalty segment is'), _value_is('segment'), True, False,
            'match_value'),
    Feature('churn_risk_is', _('Churn risk is'), _value_is('churn_risk'), True, False,
            'match_value'),
    Feature('city_is', _('City is'), _city_is, True, False, 'match_value'),
    Feature('country_is', _('Country is'), _partner_is('country_id', 'country_id'), True,
            False, 'country_id'),
    Feature('industry_is', _('Industry is'), _partner_is('industry_id', 'industry_id'), True,
            False, 'industry_id'),
)
BOOLEAN_FEATURES = frozenset(feature.key for feature in OTHER_FEATURES if feature.boolean)


def loyalty_figure_keys(env):
    """The loyalty figures campaigns score on, as crm_loyalty lists them."""
    return tuple(env['crm.loyalty.value']._scoring_figures())


def features(env):
    """The registry: the loyalty figures (:func:`loyalty_figure_keys`), then
    :data:`OTHER_FEATURES`; labels untranslated (see :func:`selection`)."""
    fields_ = env['crm.loyalty.value']._fields
    return tuple(
        Feature(key, LOYALTY_FIGURE_LABELS.get(key) or fields_[key].string,
                _loyalty_figure(key), False, key in INVERTED_FIGURES, None)
        for key in loyalty_figure_keys(env)) + OTHER_FEATURES


def by_key(env):
    """``{key: Feature}`` of :func:`features`."""
    return {feature.key: feature for feature in features(env)}


def selection(env):
    """The selection of a scoring variable's feature, in registry order, labels in the
    language of ``env`` (translated as the labels of a selection field are)."""
    pairs = [(feature.key, feature.label) for feature in features(env)]
    if not env.lang or env.lang == 'en_US':
        return pairs
    translate = env['ir.translation']._get_source
    return [(key, translate(None, ('code', 'selection'), env.lang, label) or label)
            for key, label in pairs]
