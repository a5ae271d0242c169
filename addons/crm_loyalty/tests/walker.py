"""The suite's bad-input walk over an addon's public methods, shared by the addons' tests.

Every public method an addon defines (its models, wizards and reports, found by introspection;
Odoo's ORM methods are left to the access matrix) is called with malformed arguments as each
given user, on a missing id and on records the user must not reach: each call must give a
harmless result or a clear UserError / ValidationError / AccessError / MissingError, never
another exception.
"""
import ast
import inspect
import os

from odoo import models
from odoo.exceptions import except_orm
from odoo.tools import mute_logger

MISSING_ID = 2147480000
BAD_VALUES = [('huge string', 'x' * 200000), ('Persian digits', '۱۲۳'), ('dict', {'a': 1}),
              ('list', [1, 'x']), ('negative', -1), ('none', None), ('missing id', MISSING_ID)]
# Odoo's ORM methods (create, write, read, name_get...): the access matrix covers them
ORM_NAMES = set(dir(models.BaseModel)) | {'init'}
SUITE = ('crm_loyalty', 'crm_complaints', 'crm_campaigns')


def _addon(klass):
    parts = getattr(klass, '__module__', '').split('.')
    return parts[2] if len(parts) > 2 and parts[:2] == ['odoo', 'addons'] else None


def public_methods(env, module):
    """``[(model, name, function)]`` of the public methods ``module`` defines, and those its
    own models inherit from the suite (e.g. an export's ``generate_xlsx_report`` from the
    suite's base export)."""
    found, seen = [], set()
    for model_name in sorted(env.registry.models):
        own_model = env[model_name]._original_module == module
        for klass in type(env[model_name]).__mro__:
            addon = _addon(klass)
            if addon != module and not (own_model and addon in SUITE):
                continue
            for name, function in sorted(vars(klass).items()):
                if name.startswith('_') or name in ORM_NAMES or \
                        not inspect.isfunction(function) or (model_name, name) in seen:
                    continue
                seen.add((model_name, name))
                found.append((model_name, name, function))
    return found


def walk(env, methods, users, reachable_ids=None):
    """Call each of ``methods`` as each of ``users`` with :data:`BAD_VALUES` (each call in a
    savepoint). ``reachable_ids``: ``{model: [ids]}`` of records the users must not reach,
    tried besides a missing id. Returns ``(unclear, refused)``: the calls that raised anything
    but a clear error (or a clear error without a message), and the count of clear refusals.
    """
    unclear, refused = [], 0
    for user in users:
        for model_name, name, function in methods:
            params = [p for p in list(inspect.signature(function).parameters.values())[1:]
                      if p.kind == p.POSITIONAL_OR_KEYWORD and p.default is p.empty]
            Model = env[model_name].sudo(user)
            targets = [Model.browse(MISSING_ID)] + [
                Model.browse(record_id) for record_id in (reachable_ids or {}).get(model_name, ())]
            if getattr(function, '_api', None) == 'model' or Model._abstract:
                targets = [Model]
            calls = [(label, [value] * len(params)) for label, value in BAD_VALUES] \
                if params else [('no argument', [])]
            for target in targets:
                for label, args in calls:
                    try:
                        with env.cr.savepoint(), mute_logger('odoo.sql_db'):
                            getattr(target, name)(*args)
                    except except_orm as error:
                        refused += 1
                        if not error.name:
                            unclear.append('%s %s.%s(%s) on %s: %s without a message' % (
                                user.login, model_name, name, label, target.ids,
                                type(error).__name__))
                    except Exception as error:  # pylint: disable=broad-except
                        unclear.append('%s %s.%s(%s) on %s: %s: %s' % (
                            user.login, model_name, name, label, target.ids,
                            type(error).__name__, str(error)[:200]))
    return unclear, refused


def sudo_methods(addon_dir, public_only=False):
    """``(model, method)`` of every method under ``addon_dir``'s models/ and wizards/ whose
    body runs ``sudo()``, read from the source (the public ones only with ``public_only``):
    the tests compare it with their list of what they attack."""
    found = set()
    for folder in ('models', 'wizards'):
        for name in sorted(os.listdir(os.path.join(addon_dir, folder))):
            if not name.endswith('.py'):
                continue
            with open(os.path.join(addon_dir, folder, name)) as handle:
                tree = ast.parse(handle.read())
            for klass in [n for n in tree.body if isinstance(n, ast.ClassDef)]:
                model = None
                for item in klass.body:
                    if isinstance(item, ast.Assign) and getattr(item.targets[0], 'id', None) \
                            in ('_name', '_inherit') and isinstance(item.value, ast.Str):
                        model = model or item.value.s
                for item in klass.body:
                    if isinstance(item, ast.FunctionDef) and 'sudo' in ast.dump(item) \
                            and not (public_only and item.name.startswith('_')):
                        found.add((model, item.name))
    return found
