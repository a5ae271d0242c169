import logging

from odoo import SUPERUSER_ID, api

_logger = logging.getLogger(__name__)


def post_init_hook(cr, registry):
    """Installing on a database that already has sales: classify every company at once."""
    env = api.Environment(cr, SUPERUSER_ID, {})
    Review = env['crm.loyalty.review']
    for company in env['res.company'].search([]):
        env['crm.loyalty.tier']._ensure_default_tiers(company)
        run = Review.run_review(company, origin='Installation', raise_if_busy=False)
        if run:
            _logger.info("Loyalty review of %s on installation: %d customers",
                         company.name, run.customer_count)
