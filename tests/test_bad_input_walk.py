"""Malformed input everywhere: every HTTP route of the suite's controllers and every public
method of the suite's models, called as a portal user, an employee without the suite's groups
and a manager of one company, through the multi-worker server as a client would.

The routes and methods are found, not listed: a new one is walked by this test the day it is
written. Each call gets wrong types, a huge string, Persian digits, an id that does not exist
and an id of the other company. What must come back is what a user can read: a result, or a
``UserError`` / ``ValidationError`` / ``AccessError`` / ``MissingError`` (JSON-RPC), or a page
below 500 (HTTP); and the server logs no traceback (Odoo logs one for any other exception).

Methods inherited from the ORM (``create``, ``write``, ``read``...) are Odoo's: the access
matrix covers who may call them. Methods that take no argument are only called on ids the
user must not reach (missing, other company), so the walk runs nothing on real records but
with bad arguments.
"""
import inspect
import itertools
import re

import pytest
import requests

import odoo
from odoo import http, models

from conftest import RpcClient, RpcError

SUITE = ('crm_loyalty', 'crm_complaints', 'crm_campaigns')
CLEAR = {
    'odoo.exceptions.UserError', 'odoo.exceptions.ValidationError', 'odoo.exceptions.AccessError',
    'odoo.exceptions.AccessDenied', 'odoo.exceptions.MissingError', 'odoo.exceptions.Warning',
    'odoo.exceptions.except_orm', 'odoo.exceptions.RedirectWarning',
}
MISSING_ID = 2147480000
HUGE = 'x' * 200000
BAD_VALUES = [('huge string', HUGE), ('Persian digits', '۱۴۰۳/۰۵/۱۲'), ('dict', {'a': 1}),
              ('list', [1, 'x']), ('negative', -1), ('none', None)]
ORM_NAMES = set(dir(models.BaseModel))
PASSWORD = 'walk-Passw0rd'
USERS = {
    'portal': ['base.group_portal'],
    'employee': ['base.group_user'],
    'manager': ['base.group_user', 'sales_team.group_sale_manager', 'account.group_account_manager',
                'crm_loyalty.group_loyalty_manager', 'crm_complaints.group_complaint_manager',
                'crm_campaigns.group_campaign_manager'],
}


def _ours(klass):
    parts = klass.__module__.split('.')
    return len(parts) > 2 and parts[:2] == ['odoo', 'addons'] and parts[2] in SUITE


def suite_methods(env):
    """``[(model, method name, function, takes ids)]`` of the public methods the suite defines
    (its own or its overrides of other modules' business methods), ORM methods left out."""
    found = []
    for model_name in sorted(env.registry.models):
        cls = type(env[model_name])
        if cls._transient and not any(_ours(k) for k in cls.__mro__):
            continue
        for name in sorted(vars_names(cls)):
            if name.startswith('_') or name in ORM_NAMES:
                continue
            definers = [k for k in cls.__mro__ if name in vars(k)]
            if not definers or not any(_ours(k) for k in definers):
                continue
            function = getattr(cls, name)
            if not callable(function) or isinstance(function, type):
                continue
            api = getattr(function, '_api', None)
            if api in ('model_cr', 'model_cr_context'):
                continue
            found.append((model_name, name, function, api not in ('model', 'model_create')))
    return found


def vars_names(cls):
    return set(itertools.chain.from_iterable(vars(k) for k in cls.__mro__))


def _parameters(function):
    """The positional parameters after ``self`` that have no default."""
    params = list(inspect.signature(function).parameters.values())[1:]
    return [p.name for p in params
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty]


def suite_routes():
    """``[(route, type, methods, parameter names)]`` of the routes the suite's controllers
    define (also in classes that extend other modules' controllers, such as the portal)."""
    found, seen = [], set()

    def walk(klass):
        for subclass in klass.__subclasses__():
            walk(subclass)
        if not _ours(klass) or klass in seen:
            return
        seen.add(klass)
        for attr in vars(klass).values():
            routing = getattr(attr, 'routing', None)
            if not routing:
                continue
            function = getattr(attr, 'original_func', attr)
            params = [p.name for p in list(inspect.signature(function).parameters.values())[1:]
                      if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
            for route in routing.get('routes') or []:
                found.append((route, routing.get('type', 'http'),
                              routing.get('methods') or ['GET'], params))
    for classes in list(http.controllers_per_module.values()):
        for _name, cls in classes:
            walk(cls)
    return sorted(found)


@pytest.fixture(scope='module')
def walkers(server, odoo_config, db_name):
    """The three users, committed so that the server sees them; a second company with records
    of each suite model (created by the suite's own data where there are some)."""
    registry = odoo.registry(db_name)
    with odoo.api.Environment.manage(), registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        main = env.ref('base.main_company')
        for kind, groups in USERS.items():
            login = 'walk_%s' % kind
            user = env['res.users'].with_context(active_test=False).search([('login', '=', login)])
            values = {'groups_id': [(6, 0, [env.ref(x).id for x in groups])],
                      'company_id': main.id, 'company_ids': [(6, 0, [main.id])],
                      'password': PASSWORD}
            if user:
                user.write(values)
            else:
                env['res.users'].with_context(no_reset_password=True).create(dict(
                    values, name='Walk %s' % kind, login=login, email='%s@example.com' % login))
        other = env['res.company'].search([('id', '!=', main.id)], limit=1) or \
            env['res.company'].create({'name': 'Walk Other Company'})
        other_ids = {}
        for model_name in env.registry.models:
            Model = env[model_name]
            if Model._abstract or Model._transient or 'company_id' not in Model._fields \
                    or not any(_ours(k) for k in type(Model).__mro__):
                continue
            record = Model.search([('company_id', '=', other.id)], limit=1)
            if record:
                other_ids[model_name] = record.id
        cr.commit()
    clients = {kind: RpcClient(server.url, db_name, 'walk_%s' % kind, PASSWORD)
               for kind in USERS}
    return clients, other_ids


def _call(client, model, method, args):
    try:
        client._call('/web/dataset/call_kw/%s/%s' % (model, method), {
            'model': model, 'method': method, 'args': args, 'kwargs': {}})
        return None
    except RpcError as error:
        return None if error.name in CLEAR else '%s: %s' % (error.name, str(error)[:200])
    except requests.HTTPError as error:
        return 'HTTP %s' % error.response.status_code


def test_the_walk_finds_the_suite(env):
    names = {(model, name) for model, name, _f, _ids in suite_methods(env)}
    # one known method of each addon: the discovery is not empty by mistake
    assert ('crm.loyalty.review', 'run_review') in names
    assert ('crm.complaint', 'action_opportunity') in names
    assert any(model == 'crm.campaign' for model, _name in names)
    assert any(model == 'crm.complaint' for model, _name in names)
    assert any(route.startswith('/my/complaints') for route, *_rest in suite_routes())


def test_every_public_method_answers_malformed_input_clearly(server, env, walkers):
    clients, other_ids = walkers
    errors_before = len(server.error_lines())
    failures = []
    calls = 0
    for model, name, function, takes_ids in suite_methods(env):
        params = _parameters(function)
        for kind, client in clients.items():
            variants = []
            if takes_ids:
                neutral = [None] * len(params)
                variants.append(('missing id', [[MISSING_ID]] + neutral))
                if model in other_ids:
                    variants.append(('other company', [[other_ids[model]]] + neutral))
            if params:
                try:
                    ids = client.call(model, 'search', [], limit=1) if takes_ids else None
                except RpcError:
                    ids = [MISSING_ID]
                head = [ids or [MISSING_ID]] if takes_ids else []
                for index, (label, value) in itertools.product(range(len(params)), BAD_VALUES):
                    args = [None if i != index else value for i in range(len(params))]
                    variants.append(('%s=%s' % (params[index], label), head + args))
            for label, args in variants:
                calls += 1
                failure = _call(client, model, name, args)
                if failure:
                    failures.append('%s.%s as %s with %s -> %s' % (
                        model, name, kind, label, failure))
    new_errors = server.error_lines()[errors_before:]
    print('%d calls to %d methods' % (calls, len(suite_methods(env))))
    assert not failures, '%d unclear answers:\n%s' % (len(failures), '\n'.join(failures))
    assert new_errors == []


def _route_urls(route, params):
    """The route with its placeholders filled by bad values, and bad query parameters."""
    def fill(match):
        converter = match.group(1)
        if converter in ('int', 'model'):
            return str(MISSING_ID)
        return '%DB%B1%DB%B2' + 'x' * 3000    # Persian digits and a long token
    path = re.sub(r'<(?:(\w+)(?:\([^)]*\))?:)?\w+>', fill, route)
    yield path, {}
    for name in params:
        for _label, value in BAD_VALUES[:2]:
            yield path, {name: value[:3000]}


def test_every_route_answers_malformed_input_without_error(server, walkers):
    clients, _other_ids = walkers
    errors_before = len(server.error_lines())
    failures = []
    anonymous = requests.Session()
    sessions = [('public', anonymous)] + [(kind, c.http) for kind, c in clients.items()]
    for route, kind, methods, params in suite_routes():
        for path, query in _route_urls(route, params):
            for who, session in sessions:
                for method in methods:
                    if kind == 'json':
                        reply = session.post(server.url + path, json={
                            'jsonrpc': '2.0', 'method': 'call', 'params': query, 'id': 1},
                            timeout=60)
                    elif method == 'POST':
                        reply = session.post(server.url + path, data=query, timeout=60,
                                             allow_redirects=False)
                    else:
                        reply = session.get(server.url + path, params=query, timeout=60,
                                            allow_redirects=False)
                    if reply.status_code >= 500:
                        failures.append('%s %s %s as %s -> %s' % (
                            method, path[:80], sorted(query), who, reply.status_code))
    assert not failures, '%d pages of 500:\n%s' % (len(failures), '\n'.join(failures))
    assert server.error_lines()[errors_before:] == []
