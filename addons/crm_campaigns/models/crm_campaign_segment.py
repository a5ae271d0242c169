from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.osv import expression
from odoo.tools import mute_logger
from odoo.tools.safe_eval import safe_eval

# the model each condition of a segment applies to
DOMAIN_MODELS = {'partner_domain': 'res.partner', 'value_domain': 'crm.loyalty.value'}


class CrmCampaignSegment(models.Model):
    """A saved audience: a domain on partners and a domain on their customer value.

    The value domain can use every figure of ``crm.loyalty.value`` (segment, churn risk, CLV,
    RFM scores...) of the campaign's company; the partner domain every partner field,
    including the loyalty figures ``crm_loyalty`` exposes on partners. Both must hold.

    Both are checked when saved; a condition that became invalid later (a field removed by an
    uninstalled module, a row written by SQL) is shown on the form instead of its count and
    stops only the campaigns that use it.
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
    domain_error = fields.Char(compute='_compute_partner_count', string='Condition Error',
                               help="Why the conditions cannot be used as they are.")

    @api.depends('partner_domain', 'value_domain', 'company_id')
    def _compute_partner_count(self):
        for segment in self:
            try:
                segment.partner_count = len(segment._partner_ids(segment.company_id))
                segment.domain_error = False
            except UserError as error:
                segment.partner_count = 0
                segment.domain_error = error.name

    def _domain_error(self, field_name, reason):
        messages = {
            'partner_domain': _("The partner condition of the segment %(segment)s is not "
                                "valid: %(reason)s"),
            'value_domain': _("The customer value condition of the segment %(segment)s is not "
                              "valid: %(reason)s"),
        }
        return UserError(messages[field_name] % {'segment': self.name, 'reason': reason})

    @api.multi
    def _parse_domain(self, field_name):
        """The condition ``field_name`` as a domain list; a clear UserError when it is not a
        list of valid terms on existing fields."""
        self.ensure_one()
        shape = _("it must be a list of conditions such as [('city', '=', 'Tehran')].")
        try:
            domain = safe_eval(self[field_name] or '[]')
        except Exception:
            raise self._domain_error(field_name, shape)
        if not isinstance(domain, (list, tuple)):
            raise self._domain_error(field_name, shape)
        model = self.env[DOMAIN_MODELS[field_name]]
        for term in domain:
            if isinstance(term, str) and term in expression.DOMAIN_OPERATORS:
                continue
            if not isinstance(term, (list, tuple)) or len(term) != 3 \
                    or not isinstance(term[0], str):
                raise self._domain_error(field_name, shape)
            if tuple(term) in (expression.TRUE_LEAF, expression.FALSE_LEAF):
                continue
            if term[1] not in expression.TERM_OPERATORS:
                raise self._domain_error(field_name, _("unknown operator %r.") % (term[1],))
            if term[0].split('.')[0] not in model._fields:
                raise self._domain_error(field_name, _("unknown field %r.") % (term[0],))
            if term[1] in ('in', 'not in') and not isinstance(term[2], (list, tuple, bool)):
                raise self._domain_error(field_name, _("the value of %r must be a list.")
                                         % (term[0],))
        return list(domain)

    @api.constrains('partner_domain', 'value_domain')
    def _check_domains(self):
        """Each condition must parse and run (one row fetched) before it is saved."""
        for segment in self:
            for field_name, model in sorted(DOMAIN_MODELS.items()):
                try:
                    domain = segment._parse_domain(field_name)
                except UserError as error:
                    raise ValidationError(error.name)
                try:
                    # the database refuses some values ('abc' for a number): the statement
                    # fails in its savepoint and the user is told why, without a log entry
                    with mute_logger('odoo.sql_db'), self.env.cr.savepoint():
                        self.env[model].sudo().with_context(active_test=False).search(
                            domain, limit=1)
                except Exception as error:
                    reason = _("the condition cannot be evaluated (%s).") % (
                        str(error).strip().split('\n')[0])
                    raise ValidationError(segment._domain_error(field_name, reason).name)

    @api.multi
    def _partner_ids(self, company, extra_domain=None):
        """Ids of the commercial partners in this segment for ``company`` (one query)."""
        self.ensure_one()
        domain = self._parse_domain('partner_domain') + list(extra_domain or [])
        value_domain = self._parse_domain('value_domain')
        return self.env['crm.campaign']._audience_partner_ids(company, domain, value_domain)

    @api.multi
    def action_view_partners(self):
        self.ensure_one()
        action = self.env.ref('base.action_partner_form').read()[0]
        action['domain'] = [('id', 'in', self._partner_ids(self.company_id))]
        action['context'] = {}
        return action
