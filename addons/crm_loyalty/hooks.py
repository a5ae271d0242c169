import logging

from odoo import SUPERUSER_ID, api

_logger = logging.getLogger(__name__)


def post_init_hook(cr, registry):
    """Installing on a database that already has sales: customer codes for the existing
    customers, then classify every company at once (a pricelist of a customer's own is kept)."""
    env = api.Environment(cr, SUPERUSER_ID, {})
    env['res.partner'].browse()._loyalty_assign_customer_codes()
    Review = env['crm.loyalty.review']
    for company in env['res.company'].search([]):
        env['crm.loyalty.tier']._ensure_default_tiers(company)
        run = Review.run_review(company, origin='Installation', raise_if_busy=False)
        if run:
            _logger.info("Loyalty review of %s on installation: %d customers",
                         company.name, run.customer_count)


def uninstall_hook(cr, registry):
    """Give back the pricelists the programme set: those partners get the company's default
    pricelist again (the programme only set one where the customer had none of their own);
    a pricelist of the customer's own is not touched."""
    cr.execute("""
        DELETE FROM ir_property ip USING crm_loyalty_value v, res_partner p
         WHERE v.pricelist_set_id IS NOT NULL AND p.commercial_partner_id = v.partner_id
           AND ip.name = 'property_product_pricelist' AND ip.company_id = v.company_id
           AND ip.res_id = 'res.partner,' || p.id
           AND ip.value_reference = 'product.pricelist,' || v.pricelist_set_id
    """)
    _logger.info("Loyalty programme uninstalled: %d pricelists it set given back", cr.rowcount)
