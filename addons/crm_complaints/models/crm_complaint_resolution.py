from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from .crm_complaint import STAFF


class CrmComplaint(models.Model):
    """Resolution of a complaint inside the ERP: credit notes, returns, replacement orders,
    goodwill benefits and opportunities point back to it, gate its "resolved" stages and make
    its cost."""

    # one capability per file on purpose (see models/crm_complaint.py)
    _inherit = 'crm.complaint'  # pylint: disable=consider-merging-classes-inherited

    credit_note_ids = fields.One2many('account.invoice', 'complaint_id', string='Credit Notes',
                                      domain=[('type', '=', 'out_refund')], copy=False)
    return_picking_ids = fields.One2many('stock.picking', 'complaint_id', string='Returns',
                                         copy=False)
    replacement_order_ids = fields.One2many('sale.order', 'complaint_id',
                                            string='Replacement Orders', copy=False)
    benefit_ids = fields.One2many('crm.complaint.benefit', 'complaint_id', string='Benefits',
                                  copy=False)
    lead_ids = fields.One2many('crm.lead', 'complaint_id', string='Opportunities', copy=False)
    credit_note_count = fields.Integer(compute='_compute_document_counts')
    return_count = fields.Integer(compute='_compute_document_counts')
    replacement_count = fields.Integer(compute='_compute_document_counts')
    benefit_count = fields.Integer(compute='_compute_document_counts')
    lead_count = fields.Integer(compute='_compute_document_counts')
    # cost of the complaint, company currency
    handling_hours = fields.Float(
        groups=STAFF,
        help="Time spent handling the complaint (calls, visits, follow-up), priced at the "
             "company's hourly cost.")
    cost_credit_notes = fields.Monetary(compute='_compute_costs', store=True, compute_sudo=True,
                                        groups=STAFF)
    cost_replacement = fields.Monetary(compute='_compute_costs', store=True, compute_sudo=True,
                                       groups=STAFF)
    cost_goodwill = fields.Monetary(compute='_compute_costs', store=True, compute_sudo=True,
                                    groups=STAFF)
    cost_handling = fields.Monetary(compute='_compute_costs', store=True, compute_sudo=True,
                                    groups=STAFF)
    cost_total = fields.Monetary(string='Cost', compute='_compute_costs', store=True,
                                 compute_sudo=True, groups=STAFF)

    def _compute_document_counts(self):
        """Counts for the smart buttons, also for agents who may not open every document."""
        for complaint in self:
            documents = complaint.sudo()
            complaint.credit_note_count = len(documents.credit_note_ids)
            complaint.return_count = len(documents.return_picking_ids)
            complaint.replacement_count = len(documents.replacement_order_ids)
            complaint.benefit_count = len(documents.benefit_ids)
            complaint.lead_count = len(documents.lead_ids)

    @api.depends('credit_note_ids.state', 'credit_note_ids.amount_untaxed_signed',
                 'replacement_order_ids.state', 'replacement_order_ids.order_line.purchase_price',
                 'replacement_order_ids.order_line.product_uom_qty', 'benefit_ids.cost',
                 'benefit_ids.state', 'handling_hours', 'company_id.complaint_hourly_cost')
    def _compute_costs(self):
        """Credit notes count once validated (untaxed, company currency); replacements at cost
        once confirmed; goodwill as granted; handling time at the company's hourly cost."""
        for complaint in self.sudo():
            credit = -sum(complaint.credit_note_ids.filtered(
                lambda inv: inv.state in ('open', 'paid')).mapped('amount_untaxed_signed'))
            replacement = sum(
                line.purchase_price * line.product_uom_qty
                for order in complaint.replacement_order_ids.filtered(
                    lambda so: so.state in ('sale', 'done'))
                for line in order.order_line)
            goodwill = sum(complaint.benefit_ids.filtered(
                lambda b: b.state != 'cancelled').mapped('cost'))
            handling = complaint.handling_hours * complaint.company_id.complaint_hourly_cost
            complaint.cost_credit_notes = credit
            complaint.cost_replacement = replacement
            complaint.cost_goodwill = goodwill
            complaint.cost_handling = handling
            complaint.cost_total = credit + replacement + goodwill + handling

    def _pending_documents(self):
        """Resolution documents not done yet (the gate of 'resolved' stages)."""
        self.ensure_one()
        pending = []
        self = self.sudo()  # the gate holds for agents without accounting or stock rights too
        for invoice in self.credit_note_ids.filtered(lambda inv: inv.state == 'draft'):
            pending.append(_("credit note %s is not validated") % (
                invoice.number or invoice.display_name))
        for picking in self.return_picking_ids.filtered(
                lambda p: p.state not in ('done', 'cancel')):
            pending.append(_("return %s is not received") % picking.name)
        for order in self.replacement_order_ids.filtered(
                lambda so: so.state in ('draft', 'sent')):
            pending.append(_("replacement order %s is not confirmed") % order.name)
        return pending

    # --- ERP resolution -----------------------------------------------------------------------
    def action_credit_note(self):
        self.ensure_one()
        if not self.invoice_id:
            raise UserError(_("Link the invoice the complaint is about first."))
        return {
            'name': _('Credit note'),
            'type': 'ir.actions.act_window',
            'res_model': 'crm.complaint.refund',
            'view_mode': 'form',
            'target': 'new',
            'context': {'default_complaint_id': self.id},
        }

    def action_return(self):
        """Odoo's return wizard on the linked delivery; the return is linked back."""
        self.ensure_one()
        if not self.picking_id:
            raise UserError(_("Link the delivery the complaint is about first."))
        if self.picking_id.state != 'done':
            raise UserError(_("Delivery %s is not done yet: only delivered goods can be "
                              "returned.") % self.picking_id.name)
        return {
            'name': _('Return of %s') % self.picking_id.name,
            'type': 'ir.actions.act_window',
            'res_model': 'stock.return.picking',
            'view_mode': 'form',
            'target': 'new',
            'context': {'active_id': self.picking_id.id, 'active_ids': self.picking_id.ids,
                        'active_model': 'stock.picking', 'complaint_id': self.id},
        }

    def _replacement_order_values(self):
        """Free copy of the order lines of the complained products (all goods when none)."""
        self.ensure_one()
        order = self.sale_order_id
        lines = order.order_line.filtered(lambda ln: ln.product_id.type != 'service')
        if self.product_ids:
            lines = lines.filtered(lambda ln: ln.product_id in self.product_ids)
        if not lines:
            raise UserError(_("Complaint %(complaint)s names no product of order %(order)s to "
                              "replace.") % {'complaint': self.name, 'order': order.name})
        return {
            'partner_id': order.partner_id.id,
            'partner_invoice_id': order.partner_invoice_id.id,
            'partner_shipping_id': order.partner_shipping_id.id,
            'pricelist_id': order.pricelist_id.id,
            'company_id': order.company_id.id,
            'warehouse_id': order.warehouse_id.id,
            'origin': self.name,
            'client_order_ref': _('Replacement for %s') % self.name,
            'complaint_id': self.id,
            'order_line': [(0, 0, {
                'product_id': line.product_id.id,
                'name': line.name,
                'product_uom_qty': line.product_uom_qty,
                'product_uom': line.product_uom.id,
                'price_unit': line.price_unit,
                'discount': 100.0,
                'tax_id': [(6, 0, line.tax_id.ids)],
                'purchase_price': line.purchase_price,
            }) for line in lines],
        }

    def action_replacement_order(self):
        """A free replacement order (100 % discount) copying the complained lines."""
        self.ensure_one()
        if not self.sale_order_id:
            raise UserError(_("Link the sale order the complaint is about first."))
        order = self.env['sale.order'].create(self._replacement_order_values())
        self.message_post(body=_("Replacement order %s created.") % order.name,
                          subtype='mail.mt_note')
        return {
            'type': 'ir.actions.act_window',
            'res_model': 'sale.order',
            'res_id': order.id,
            'view_mode': 'form',
            'views': [(False, 'form')],
        }

    def action_goodwill(self):
        self.ensure_one()
        if not self.commercial_partner_id:
            raise UserError(_("Set the customer of the complaint first."))
        return {
            'name': _('Goodwill gesture'),
            'type': 'ir.actions.act_window',
            'res_model': 'crm.complaint.goodwill',
            'view_mode': 'form',
            'target': 'new',
            'context': {'default_complaint_id': self.id},
        }

    def action_opportunity(self):
        """Turn the complaint into a win-back or up-sell opportunity (crm.lead) for the
        customer's account manager; made as superuser since agents may not see the account
        manager's pipeline, and opened only for those who can."""
        self.ensure_one()
        self.check_access_rights('write')
        self.check_access_rule('write')
        if not self.commercial_partner_id:
            raise UserError(_("Set the customer of the complaint first."))
        partner = self.commercial_partner_id
        lead = self.env['crm.lead'].sudo().create({
            'type': 'opportunity',
            'name': _('Win-back: %s') % self.subject,
            'partner_id': self.partner_id.id,
            'user_id': partner.user_id.id or self.env.uid,
            'team_id': partner.team_id.id or False,
            'description': self.description,
            'complaint_id': self.id,
            'company_id': self.company_id.id,
        })
        self.message_post(body=_("Opportunity %(lead)s created for %(user)s.") % {
            'lead': lead.name, 'user': lead.user_id.name}, subtype='mail.mt_note')
        try:
            lead.sudo(self.env.user).check_access_rule('read')
        except AccessError:
            return {'type': 'ir.actions.act_window_close', 'res_id': lead.id}
        return {
            'type': 'ir.actions.act_window',
            'res_model': 'crm.lead',
            'res_id': lead.id,
            'view_mode': 'form',
            'views': [(False, 'form')],
        }

    def _open_documents(self, model, records, name):
        action = {
            'name': name,
            'type': 'ir.actions.act_window',
            'res_model': model,
            'domain': [('id', 'in', records.ids)],
            'view_mode': 'tree,form',
            'context': {'create': False},
        }
        if len(records) == 1:
            action.update(view_mode='form', res_id=records.id, views=[(False, 'form')])
        return action

    def action_view_credit_notes(self):
        self.ensure_one()
        action = self._open_documents('account.invoice', self.credit_note_ids, _('Credit Notes'))
        action['views'] = [(self.env.ref('account.invoice_tree').id, 'tree'),
                           (self.env.ref('account.invoice_form').id, 'form')] \
            if len(self.credit_note_ids) != 1 else \
            [(self.env.ref('account.invoice_form').id, 'form')]
        return action

    def action_view_returns(self):
        self.ensure_one()
        return self._open_documents('stock.picking', self.return_picking_ids, _('Returns'))

    def action_view_replacements(self):
        self.ensure_one()
        return self._open_documents('sale.order', self.replacement_order_ids,
                                    _('Replacement Orders'))

    def action_view_benefits(self):
        self.ensure_one()
        return self._open_documents('crm.complaint.benefit', self.benefit_ids, _('Benefits'))

    def action_view_leads(self):
        self.ensure_one()
        return self._open_documents('crm.lead', self.lead_ids, _('Opportunities'))
