"""The rating pages of complaints: the score links of the rating email, the rating page's
form, and Odoo's own rating links sent to the same page. A link works once, for the latest
closing (the model's ``action_rate`` checks and records)."""
from werkzeug.utils import redirect

from odoo import _, http
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.http import request

from odoo.addons.rating.controllers.main import Rating

from ..lib.kpi import ODOO_RATES
from .portal import MAX_DESCRIPTION, MAX_TOKEN


def _complaint_rating(token):
    """The ``rating.rating`` of a complaint with ``token`` (an empty one when none)."""
    ratings = request.env['rating.rating'].sudo()
    if not token or len(token) > MAX_TOKEN:
        return ratings
    return ratings.search([('access_token', '=', token), ('res_model', '=', 'crm.complaint')],
                          limit=1)


def _rating_page(values, status=200):
    response = request.render('crm_complaints.rating_page', values)
    response.status_code = status
    return response


def _link_is_live(rating, complaint):
    """A rating link works once, for the latest closing of a complaint still closed."""
    return not rating.consumed and complaint.step == 'closed' and \
        complaint._current_rating() == rating


def _open_link(token, score):
    """The complaint of rating link ``token``, the rating page's values for ``score``, and the
    response that ends the request when the link does not work (unknown token: 404; used or
    expired: 410), else None."""
    rating = _complaint_rating(token)
    if not rating:
        return None, None, request.not_found()
    complaint = request.env['crm.complaint'].sudo().browse(rating.res_id)
    values = {'complaint': complaint, 'token': token, 'score': score, 'error': None,
              'thanks': False}
    if not _link_is_live(rating, complaint):
        values['error'] = _("This rating link was already used or has expired.")
        return complaint, values, _rating_page(values, 410)
    return complaint, values, None


def _rate_by_token(token, score, feedback):
    """Record the rating of the POST of the rating page (CSRF-checked by the route)."""
    complaint, values, refused = _open_link(token, None)
    if refused:
        return refused
    if not isinstance(feedback, str):
        feedback = None
    try:
        complaint.action_rate(score, feedback=(feedback or '')[:MAX_DESCRIPTION] or None,
                              token=token)
    except (AccessError, UserError, ValidationError) as error:
        values['error'] = error.name
        return _rating_page(values, 400)
    values.update(thanks=True, score=complaint.rating_score)
    return _rating_page(values)


class ComplaintRatingPage(http.Controller):
    """The rating page a complaint's rating email links to."""

    @http.route(['/complaint/rate/<string:token>/<int:score>'], type='http', auth='public',
                methods=['GET'], website=True)
    def complaint_rate_link(self, token, score, **kw):
        """The score links of the rating email open the rating page: nothing is recorded on
        GET (mail scanners follow links), the customer confirms the score with a POST."""
        _complaint, values, refused = _open_link(token, score)
        if refused:
            return refused
        if not 1 <= score <= 5:
            values['error'] = _("A rating is a whole number from 1 to 5.")
            return _rating_page(values, 400)
        return _rating_page(values)

    @http.route(['/complaint/rate/<string:token>'], type='http', auth='public',
                methods=['POST'], website=True)
    def complaint_rate_submit(self, token, score=None, feedback=None, **kw):
        """The rating page's form: the score is recorded once, the token dies with it."""
        return _rate_by_token(token, score, feedback)


class ComplaintRating(Rating):
    """Odoo's own rating links record on GET: for complaints they open the complaint's rating
    page instead, and its feedback form goes through the same once-only check."""

    @http.route('/rating/<string:token>/<int:rate>', type='http', auth='public')
    def open_rating(self, token, rate, **kwargs):
        if rate not in ODOO_RATES:
            return request.not_found()
        rating = _complaint_rating(token)
        if rating:
            return redirect('/complaint/rate/%s/%s' % (token, ODOO_RATES[rate]), 303)
        return super(ComplaintRating, self).open_rating(token, rate, **kwargs)

    @http.route(['/rating/<string:token>/<int:rate>/submit_feedback'], type='http',
                auth='public', methods=['post'])
    def submit_rating(self, token, rate, **kwargs):
        if rate not in ODOO_RATES:
            return request.not_found()
        if _complaint_rating(token):
            return _rate_by_token(token, ODOO_RATES[rate], kwargs.get('feedback'))
        return super(ComplaintRating, self).submit_rating(token, rate, **kwargs)
