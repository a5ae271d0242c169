from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import consteq, html_escape

from ..lib import kpi
from .crm_complaint import STAFF

MAX_FEEDBACK = 10000


class CrmComplaint(models.Model):
    """Ratings of a complaint: one 1-5 rating request per closing (its token dies with its use
    or with the next closing), the rating recorded once, and a recovery activity after a bad
    one. The portal pages are ``controllers/rating.py``."""

    # one capability per file on purpose (see models/crm_complaint.py)
    _inherit = 'crm.complaint'  # pylint: disable=consider-merging-classes-inherited

    rating_requested_date = fields.Datetime(readonly=True, copy=False, groups=STAFF)
    rating_score = fields.Integer(string='Rating', readonly=True, copy=False,
                                  group_operator='avg', help="1 (very bad) to 5 (very good).")
    rating_date = fields.Datetime(readonly=True, copy=False)
    rating_feedback = fields.Text(readonly=True, copy=False)

    _sql_constraints = [
        ('rating_score_range', 'CHECK(rating_score IS NULL OR rating_score = 0 OR '
                               '(rating_score >= 1 AND rating_score <= 5))',
         'A rating is a whole number from 1 to 5.'),
    ]

    @api.constrains('rating_score')
    def _check_rating_score(self):
        for complaint in self:
            if complaint.rating_score:
                try:
                    kpi.check_rating(complaint.rating_score)
                except ValueError:
                    raise ValidationError(_("A rating is a whole number from 1 to 5."))

    def _send_rating_request(self):
        """Each closing asks for one rating with a new token: the unused token of an earlier
        closing dies. The email is rendered as superuser (its links carry the customer's token,
        which the agent closing the complaint must not learn) in the agent's name."""
        template = self.env.ref('crm_complaints.mail_template_complaint_closed',
                                raise_if_not_found=False)
        for complaint in self:
            if not complaint.partner_id:
                continue
            sudo = complaint.sudo()
            self.env['rating.rating'].sudo().search([
                ('res_model', '=', self._name), ('res_id', '=', complaint.id),
                ('consumed', '=', False)]).unlink()
            sudo.invalidate_cache(['rating_ids'])
            sudo.rating_get_access_token()
            sudo.invalidate_cache(['rating_ids'])
            complaint._internal_write(
                {'rating_requested_date': fields.Datetime.to_string(self.env['crm.suite.clock']._now())})
            if template:
                sudo.message_post_with_template(
                    template.id, composition_mode='comment',
                    subtype_id=self.env.ref('mail.mt_comment').id,
                    author_id=self.env.user.partner_id.id)

    def get_rating_url(self, score):
        """Link of the rating email for ``score`` (1-5), with the customer's rating token:
        for the rating email only, rendered as superuser."""
        self.ensure_one()
        if self.env.uid != SUPERUSER_ID:
            raise AccessError(_("Only the rating email carries the customer's rating link."))
        base = self.env['ir.config_parameter'].sudo().get_param('web.base.url')
        return '%s/complaint/rate/%s/%d' % (base, self._rating_token(), score)

    def _current_rating(self):
        """The ``rating.rating`` of the latest closing (the newest one of the complaint)."""
        self.ensure_one()
        return self.env['rating.rating'].sudo().search([
            ('res_model', '=', self._name), ('res_id', '=', self.id)], order='id desc', limit=1)

    def _rating_token(self):
        """Token of the customer's rating request of the latest closing: one ``rating.rating``
        per closing, however many links the email carries."""
        self.ensure_one()
        rating = self._current_rating()
        if rating:
            return rating.access_token
        token = self.sudo().rating_get_access_token()
        self.invalidate_cache(['rating_ids'])
        return token

    def action_rate(self, score, feedback=None, token=None):
        """Record the customer's 1-5 rating, once per closing; a bad one opens a recovery
        activity.

        The customer rates: a portal user who may read the complaint, or the holder of the
        rating token of the latest closing (the rating page, as superuser). A used token, or a
        closing already rated, is refused.
        """
        self.ensure_one()
        if self.env.uid != SUPERUSER_ID:
            self.check_access_rights('read')
            self.check_access_rule('read')
            if not self.env.user.share:
                raise AccessError(_("Only the customer rates the handling of a complaint."))
        if isinstance(score, str) and score.strip().isdigit():
            score = int(score.strip())
        try:
            kpi.check_rating(score)
        except ValueError:
            raise ValidationError(_("A rating is a whole number from 1 to 5."))
        if feedback is not None and not isinstance(feedback, str):
            raise UserError(_("The comment of a rating is a text."))
        if feedback and len(feedback) > MAX_FEEDBACK:
            raise UserError(_("The comment of a rating has at most %s characters.")
                            % MAX_FEEDBACK)
        sudo = self.sudo()
        if sudo.step != 'closed':
            raise UserError(_("Complaint %s can be rated once it is closed.") % sudo.name)
        current = sudo._current_rating()
        if token:
            if not current or not consteq(current.access_token or '', token) or \
                    current.consumed:
                raise UserError(_("This rating link was already used or has expired."))
        elif current.consumed:
            raise UserError(_("This complaint was already rated."))
        rating = current
        if not rating:  # closed before it had a customer: no request was sent
            sudo._rating_token()
            rating = sudo._current_rating()
        rating.write({'rating': kpi.rating_to_odoo(score), 'feedback': feedback or False,
                      'consumed': True})
        sudo._internal_write({'rating_score': score, 'rating_feedback': feedback or False,
                              'rating_date': fields.Datetime.to_string(self.env['crm.suite.clock']._now())})
        # the customer's words are text: escaped into the chatter's HTML
        comment = html_escape(feedback or '').replace('\n', '<br/>')
        sudo.message_post(
            body=_("Rated %(score)s / 5. %(feedback)s") % {'score': score,
                                                           'feedback': comment},
            subtype='mail.mt_note', author_id=rating.partner_id.id or None)
        if score <= (sudo.company_id.complaint_bad_rating or 0):
            user = sudo.user_id or sudo.team_id.user_id
            if user:
                sudo._schedule_activity(
                    'crm_complaints.mail_activity_recovery', user,
                    _("Recovery call: %(name)s rated %(score)s / 5") % {
                        'name': sudo.name, 'score': score})
        return rating

    def rating_apply(self, rate, token=None, feedback=None, subtype=None):
        """Odoo's own rating pages use 1/5/10 smileys: mapped onto the 1-5 scale."""
        if isinstance(rate, int) and not isinstance(rate, bool):
            rate = kpi.ODOO_RATES.get(rate, rate)
        return self.action_rate(rate, feedback=feedback, token=token)
