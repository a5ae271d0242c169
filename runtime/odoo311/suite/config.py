"""Where the checkout keeps things, the databases' names and the module lists the driver uses."""
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
VAR = os.path.join(ROOT, 'var')
ADDONS = os.path.join(ROOT, 'addons')
CONF = os.path.join(VAR, 'odoo.conf')
MASTER_PASSWORD = os.path.join(VAR, 'master-password')
DATA_DIR = os.path.join(VAR, 'data')
ODOO = os.path.join(ROOT, 'bin', 'odoo')
PYTHON = os.path.join(ROOT, '.venv', 'bin', 'python')
EXCLUSIONS = os.path.join(ROOT, 'runtime', 'test-core-exclusions.txt')

# The modules the suite's addons stand on; Odoo's own tests of these are `make test-core`.
CORE_MODULES = [
    'base', 'web', 'mail', 'portal', 'product', 'resource', 'rating', 'utm', 'sales_team',
    'sale', 'sale_management', 'sale_stock', 'stock', 'account', 'account_invoicing', 'crm',
    'mass_mailing', 'report_xlsx', 'queue_job',
]
# Installed in the template too: the apps a user opens and optional sources of figures.
TEMPLATE_MODULES = CORE_MODULES + ['contacts', 'sale_margin', 'l10n_generic_coa']
SUITE_ADDONS = ['crm_loyalty', 'crm_complaints', 'crm_campaigns']

TEST_DB = 'crmsuite_test'
DEMO_DB = 'crmsuite_demo'
POT_DB = 'crmsuite_pot'
TEMPLATE_PREFIX = 'crmsuite_tmpl_'
TEST_HTTP_PORT = int(os.environ.get('ODOO_TEST_HTTP_PORT', '8169'))


def log(message):
    print('[suite] %s' % message, flush=True)


def suite_addons():
    """The suite's addons that exist in this checkout, in dependency order."""
    return [name for name in SUITE_ADDONS
            if os.path.isfile(os.path.join(ADDONS, name, '__manifest__.py'))]
