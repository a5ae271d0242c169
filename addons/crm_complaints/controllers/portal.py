import re

from werkzeug.exceptions import BadRequest, Forbidden, NotFound
from werkzeug.urls import url_encode

from odoo import _, http
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.http import request
from odoo.tools import consteq, plaintext2html


from odoo.addons.portal.controllers.mail import (PortalChatter, _has_token_access,
                                                 _message_post_helper)
from odoo.addons.portal.controllers.portal import CustomerPortal, pager as portal_pager

# a complaint filed through the portal: the customer's words are size-limited
MAX_SUBJECT = 200
MAX_DESCRIPTION = 10000
MAX_ID = 2 ** 31 - 1
MAX_TOKEN = 128
# an id or a page number as a form sends it: ASCII digits, within PostgreSQL's integer
ID_RE = re.compile(r'^[0-9]{1,10}$')


def _as_id(value):
    """``value`` as a record id, or None when it is not one."""
    value = str(value if value is not None else '').strip()
    if not ID_RE.match(value) or not 0 < int(value) <= MAX_ID:
        return None
    return int(value)


class ComplaintPortal(CustomerPortal):
    """Customers list, open, follow, file and rate their own complaints; access goes through
    the record rules (or the complaint's access token), never around them."""

    def _complaint_domain(self):
        partner = request.env.user.partner_id
        return [('commercial_partner_id', '=', partner.commercial_partner_id.id)]

    def _complaint_readable(self):
        """Employees without the complaints group have no complaint to list."""
        return request.env['crm.complaint'].check_access_rights('read', raise_exception=False)

    def _prepare_portal_layout_values(self):
        try:
            values = super(ComplaintPortal, self)._prepare_portal_layout_values()
        except AccessError:
            # the sales and invoicing counters refuse an employee without their rights: the
            # complaint pages still open, with the portal's own layout values
            values = CustomerPortal._prepare_portal_layout_values(self)
        values['complaint_count'] = request.env['crm.complaint'].search_count(
            self._complaint_domain()) if self._complaint_readable() else 0
        return values

    def _complaint_check_access(self, complaint_id, access_token=None):
        if not isinstance(complaint_id, int) or not 0 < complaint_id <= MAX_ID:
            raise AccessError(_("This complaint does not exist."))
        if access_token is not None and not isinstance(access_token, str):
            access_token = None
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
        page = min(_as_id(page) or 1, 10 ** 6)
        domain = self._complaint_domain()
        readable = self._complaint_readable()
        count = Complaint.search_count(domain) if readable else 0
        pager = portal_pager(url='/my/complaints', url_args={'sortby': sortby}, total=count,
                             page=page, step=self._items_per_page)
        complaints = Complaint.search(domain, order=searchbar_sortings[sortby]['order'],
                                      limit=self._items_per_page, offset=pager['offset']) \
            if readable else Complaint
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
        rating_error = kw.get('rating_error')
        values.update({
            'complaint': complaint,
            'page_name': 'complaint',
            'token': access_token,
            'rating_error': rating_error[:300] if isinstance(rating_error, str) else None,
            'rated': kw.get('rated'),
            'rating_done': complaint.step == 'closed' and
            complaint._current_rating().consumed,
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
        if not access_token:
            # the logged-in customer rates as themselves (the model checks who may)
            complaint = complaint.sudo(request.env.uid)
        if not isinstance(feedback, str):
            feedback = None
        try:
            complaint.action_rate(score, feedback=(feedback or '')[:MAX_DESCRIPTION] or None)
        except (AccessError, UserError, ValidationError) as error:
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
        if order_id:
            order_id = _as_id(order_id)
            if not order_id:
                raise NotFound()
            order = request.env['sale.order'].sudo().browse(order_id)
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


class ComplaintChatter(PortalChatter):
    """A post on a complaint needs the complaint's token or read access to it: refused with a
    plain 403 before anything is written (the model refuses it too, for RPC)."""

    @http.route(['/mail/chatter_post'], type='http', methods=['POST'], auth='public',
                website=True)
    def portal_chatter_post(self, res_model, res_id, message, **kw):
        if res_model != 'crm.complaint':
            return super(ComplaintChatter, self).portal_chatter_post(res_model, res_id, message,
                                                                     **kw)
        complaint_id = _as_id(res_id)
        if not complaint_id or not request.env['crm.complaint'].sudo().browse(
                complaint_id).exists():
            raise NotFound()
        complaint = request.env['crm.complaint'].browse(complaint_id)
        token = kw.get('token')
        token = token if isinstance(token, str) and len(token) <= MAX_TOKEN else None
        if not (token and _has_token_access(res_model, complaint_id, token=token)):
            token = None
            try:
                complaint.check_access_rights('read')
                complaint.check_access_rule('read')
            except AccessError:
                raise Forbidden(_("You can only post on your own complaints."))
        if not isinstance(message, str) or len(message) > MAX_DESCRIPTION:
            raise BadRequest(_("A message has at most %s characters.") % MAX_DESCRIPTION)
        url = request.httprequest.referrer or '/my/complaints/%s' % complaint_id
        if message:
            # a comment of the customer, in their name, now: type, subtype, author and date
            # never come from the form
            _message_post_helper(res_model, complaint_id, plaintext2html(message),
                                 token=token or '')
            url = url + '#discussion'
        return request.redirect(url)
