from werkzeug.exceptions import Forbidden, NotFound
from werkzeug.urls import url_encode

from odoo import _, http
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.http import request
from odoo.tools import consteq

from odoo.addons.portal.controllers.mail import PortalChatter, _has_token_access
from odoo.addons.portal.controllers.portal import CustomerPortal, pager as portal_pager

# a complaint filed through the portal: the customer's words are size-limited
MAX_SUBJECT = 200
MAX_DESCRIPTION = 10000


class ComplaintPortal(CustomerPortal):
    """Customers list, open, follow, file and rate their own complaints; access goes through
    the record rules (or the complaint's access token), never around them."""

    def _complaint_domain(self):
        partner = request.env.user.partner_id
        return [('commercial_partner_id', '=', partner.commercial_partner_id.id)]

    def _prepare_portal_layout_values(self):
        values = super(ComplaintPortal, self)._prepare_portal_layout_values()
        values['complaint_count'] = request.env['crm.complaint'].search_count(
            self._complaint_domain())
        return values

    def _complaint_check_access(self, complaint_id, access_token=None):
        complaint = request.env['crm.complaint'].browse(complaint_id)
        complaint_sudo = complaint.sudo()
        if not complaint_sudo.exists():
            raise AccessError(_("This complaint does not exist."))
        try:
            complaint.check_access_rights('read')
            complaint.check_access_rule('read')
        except AccessError:
            if not access_token or not consteq(complaint_sudo.access_token or '', access_token):
                raise
        return complaint_sudo

    @http.route(['/my/complaints', '/my/complaints/page/<int:page>'], type='http', auth='user',
                website=True)
    def portal_my_complaints(self, page=1, sortby=None, **kw):
        values = self._prepare_portal_layout_values()
        Complaint = request.env['crm.complaint']
        searchbar_sortings = {
            'date': {'label': _('Newest'), 'order': 'date_received desc, id desc'},
            'name': {'label': _('Reference'), 'order': 'name'},
            'stage': {'label': _('Stage'), 'order': 'stage_id, date_received desc'},
        }
        sortby = sortby if sortby in searchbar_sortings else 'date'
        domain = self._complaint_domain()
        count = Complaint.search_count(domain)
        pager = portal_pager(url='/my/complaints', url_args={'sortby': sortby}, total=count,
                             page=page, step=self._items_per_page)
        complaints = Complaint.search(domain, order=searchbar_sortings[sortby]['order'],
                                      limit=self._items_per_page, offset=pager['offset'])
        values.update({
            'complaints': complaints,
            'page_name': 'complaint',
            'pager': pager,
            'default_url': '/my/complaints',
            'searchbar_sortings': searchbar_sortings,
            'sortby': sortby,
        })
        return request.render('crm_complaints.portal_my_complaints', values)

    @http.route(['/my/complaints/<int:complaint_id>'], type='http', auth='public', website=True)
    def portal_complaint_page(self, complaint_id, access_token=None, **kw):
        try:
            complaint = self._complaint_check_access(complaint_id, access_token)
        except AccessError:
            return request.redirect('/my')
        values = self._prepare_portal_layout_values()
        values.update({
            'complaint': complaint,
            'page_name': 'complaint',
            'token': access_token,
            'rating_error': kw.get('rating_error'),
            'rated': kw.get('rated'),
        })
        return request.render('crm_complaints.portal_complaint_page', values)

    @http.route(['/my/complaints/<int:complaint_id>/rate'], type='http', auth='public',
                methods=['POST'], website=True)
    def portal_complaint_rate(self, complaint_id, score=None, feedback=None, access_token=None,
                              **kw):
        try:
            complaint = self._complaint_check_access(complaint_id, access_token)
        except AccessError:
            return request.redirect('/my')
        url = '/my/complaints/%s' % complaint.id
        query = {'access_token': access_token} if access_token else {}
        try:
            complaint.action_rate(score, feedback=(feedback or '')[:MAX_DESCRIPTION] or None)
        except (UserError, ValidationError) as error:
            query['rating_error'] = error.name
        else:
            query['rated'] = 1
        return request.redirect('%s?%s' % (url, url_encode(query)))

    @http.route(['/my/complaints/new'], type='http', auth='user', website=True,
                methods=['GET', 'POST'])
    def portal_complaint_new(self, **post):
        values = self._prepare_portal_layout_values()
        partner = request.env.user.partner_id
        error = None
        if request.httprequest.method == 'POST':
            subject = (post.get('subject') or '').strip()
            description = (post.get('description') or '').strip()
            if not subject or not description:
                error = _("Please say what the complaint is about and describe it.")
            elif len(subject) > MAX_SUBJECT or len(description) > MAX_DESCRIPTION:
                error = _("The text is too long (at most %(subject)s characters for the subject "
                          "and %(description)s for the description).") % {
                              'subject': MAX_SUBJECT, 'description': MAX_DESCRIPTION}
            else:
                complaint = self._create_portal_complaint(partner, subject, description, post)
                return request.redirect('/my/complaints/%s' % complaint.id)
        orders = request.env['sale.order'].sudo().search([
            ('partner_id', 'child_of', partner.commercial_partner_id.id),
            ('state', 'in', ('sale', 'done'))], order='date_order desc', limit=50)
        values.update({'page_name': 'complaint_new', 'orders': orders, 'error': error,
                       'post': post})
        return request.render('crm_complaints.portal_complaint_new', values)

    def _create_portal_complaint(self, partner, subject, description, post):
        """Created as superuser once the order is checked to be the customer's own."""
        values = {
            'subject': subject,
            'description': description,
            'partner_id': partner.id,
            'user_id': False,
            'company_id': partner.company_id.id or request.env.user.company_id.id,
        }
        channel = request.env.ref('crm_complaints.channel_portal', raise_if_not_found=False)
        if channel:
            values['channel_id'] = channel.id
        order_id = post.get('order_id')
        if order_id and order_id.isdigit():
            order = request.env['sale.order'].sudo().browse(int(order_id))
            if order.exists() and \
                    order.partner_id.commercial_partner_id == partner.commercial_partner_id:
                values.update(sale_order_id=order.id, company_id=order.company_id.id)
                invoice = order.invoice_ids.filtered(
                    lambda inv: inv.type == 'out_invoice' and inv.state in ('open', 'paid'))[:1]
                picking = order.picking_ids.filtered(
                    lambda p: p.picking_type_code == 'outgoing' and p.state == 'done')[:1]
                values.update(invoice_id=invoice.id, picking_id=picking.id)
            else:
                raise NotFound()
        return request.env['crm.complaint'].sudo().create(values)

    @http.route(['/complaint/rate/<string:token>/<int:score>'], type='http', auth='public',
                website=True)
    def complaint_rate_link(self, token, score, **kw):
        """The score links of the rating email: record the score, offer a comment box."""
        rating = request.env['rating.rating'].sudo().search(
            [('access_token', '=', token), ('res_model', '=', 'crm.complaint')], limit=1)
        if not rating:
            return request.not_found()
        complaint = request.env['crm.complaint'].sudo().browse(rating.res_id)
        values = {'complaint': complaint, 'token': token, 'score': score, 'error': None}
        try:
            complaint.action_rate(score, token=token)
        except (UserError, ValidationError) as error:
            values['error'] = error.name
            response = request.render('crm_complaints.rating_page', values)
            response.status_code = 400
            return response
        return request.render('crm_complaints.rating_page', values)

    @http.route(['/complaint/rate/<string:token>/<int:score>/feedback'], type='http',
                auth='public', methods=['POST'], website=True)
    def complaint_rate_feedback(self, token, score, feedback=None, **kw):
        rating = request.env['rating.rating'].sudo().search(
            [('access_token', '=', token), ('res_model', '=', 'crm.complaint')], limit=1)
        if not rating:
            return request.not_found()
        complaint = request.env['crm.complaint'].sudo().browse(rating.res_id)
        values = {'complaint': complaint, 'token': token, 'score': score, 'error': None,
                  'thanks': True}
        try:
            complaint.action_rate(score, feedback=(feedback or '')[:MAX_DESCRIPTION] or None,
                                  token=token)
        except (UserError, ValidationError) as error:
            values['error'] = error.name
            response = request.render('crm_complaints.rating_page', values)
            response.status_code = 400
            return response
        return request.render('crm_complaints.rating_page', values)


class ComplaintChatter(PortalChatter):
    """A post on a complaint needs the complaint's token or read access to it: refused with a
    plain 403 before anything is written (the model refuses it too, for RPC)."""

    @http.route(['/mail/chatter_post'], type='http', methods=['POST'], auth='public',
                website=True)
    def portal_chatter_post(self, res_model, res_id, message, **kw):
        if res_model == 'crm.complaint':
            complaint = request.env['crm.complaint'].browse(int(res_id))
            token = kw.get('token')
            if not (token and _has_token_access(res_model, int(res_id), token=token)):
                try:
                    complaint.check_access_rights('read')
                    complaint.check_access_rule('read')
                except AccessError:
                    raise Forbidden(_("You can only post on your own complaints."))
        return super(ComplaintChatter, self).portal_chatter_post(res_model, res_id, message,
                                                                 **kw)
