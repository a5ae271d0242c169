"""Fixtures the suite's addons share in their tests (modules talk through hooks; their tests
may share these)."""
import importlib.util
import os


def load_migration(test_file, version, script):
    """The migration ``script`` (e.g. ``'pre-migrate.py'``) of ``version`` of the addon whose
    test module is ``test_file``, loaded as a module (its name is not importable)."""
    addon = os.path.dirname(os.path.dirname(os.path.abspath(test_file)))
    path = os.path.join(addon, 'migrations', version, script)
    spec = importlib.util.spec_from_file_location(
        '%s_%s' % (os.path.basename(addon), script.replace('-', '_')[:-3]), path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def products_with_shared_costs(env):
    """Two products sold at 100: "Shared cost", whose only cost (50) is set for all
    companies (a property without company), and "Own cost", with the company's cost 30 and 10
    for all companies. Returns ``(shared, own)``."""
    field = env['ir.model.fields'].search([('model', '=', 'product.product'),
                                           ('name', '=', 'standard_price')])
    Property = env['ir.property'].sudo()
    shared = env['product.product'].create({'name': 'Shared cost', 'type': 'consu',
                                            'list_price': 100.0})
    own = env['product.product'].create({'name': 'Own cost', 'type': 'consu',
                                         'list_price': 100.0, 'standard_price': 30.0})
    Property.search([('fields_id', '=', field.id),
                     ('res_id', '=', 'product.product,%d' % shared.id)]).unlink()
    for product, cost in ((shared, 50.0), (own, 10.0)):
        Property.create({'name': 'standard_price', 'fields_id': field.id,
                         'res_id': 'product.product,%d' % product.id, 'company_id': False,
                         'type': 'float', 'value_float': cost})
    env['product.product'].invalidate_cache()
    return shared, own
