"""Suite-level fixtures: the database the addons were installed in, a multi-worker server, RPC.

``bin/suite test`` runs these after installing the addons with their tests, with
``CRMSUITE_DB`` (that database), ``ODOO_RC`` (var/odoo.conf) and ``ODOO_TEST_HTTP_PORT`` set.
"""
import os
import subprocess
import time

import pytest
import requests

import odoo311
from odoo311 import suite

odoo311.apply()

import odoo  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _setting(name):
    value = os.environ.get(name)
    if not value:
        pytest.exit("%s is not set: run the suite-level tests through `make test`" % name, 2)
    return value


@pytest.fixture(scope='session')
def db_name():
    return _setting('CRMSUITE_DB')


@pytest.fixture(scope='session')
def odoo_config(db_name):
    odoo.tools.config.parse_config(['-c', _setting('ODOO_RC'), '-d', db_name])
    return odoo.tools.config


@pytest.fixture
def env(odoo_config, db_name):
    """An environment as superuser on a cursor that is rolled back after the test."""
    registry = odoo.registry(db_name)
    with odoo.api.Environment.manage(), registry.cursor() as cr:
        yield odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        cr.rollback()


class Server:
    """An Odoo server started with the project's launcher: HTTP workers and a cron worker."""

    def __init__(self, db, port, workers=2):
        self.db, self.port = db, port
        self.url = 'http://127.0.0.1:%d' % port
        self._freeze_base_url()
        self.log_path = os.path.join(ROOT, 'var', 'suite-server-%d.log' % port)
        cmd = suite.serve_command(db, port, workers=workers, extra=['--limit-time-real', '600'])
        self.log = open(self.log_path, 'w')
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 120
        while True:
            try:
                if requests.get(self.url + '/web/login', timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if self.proc.poll() is not None or time.time() > deadline:
                self.stop()
                raise RuntimeError("Odoo server did not start, see %s" % self.log_path)
            time.sleep(0.5)

    def _freeze_base_url(self):
        """Behind a proxy the base URL is fixed, as in production: otherwise every admin login
        rewrites ``web.base.url`` and concurrent logins collide on that row."""
        registry = odoo.registry(self.db)
        with odoo.api.Environment.manage(), registry.cursor() as cr:
            params = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})['ir.config_parameter']
            params.set_param('web.base.url', self.url)
            params.set_param('web.base.url.freeze', 'True')

    def rpc(self, login='admin', password='admin'):
        return RpcClient(self.url, self.db, login, password)

    def stop(self):
        suite.stop_process(self.proc, 30)
        self.log.close()

    def error_lines(self):
        with open(self.log_path) as src:
            return [line for line in src if ' ERROR ' in line or ' CRITICAL ' in line]


class RpcClient:
    """JSON-RPC as the web client speaks it: a session cookie and /web/dataset/call_kw."""

    def __init__(self, url, db, login, password):
        self.url = url
        self.http = requests.Session()
        self._id = 0
        result = self._call('/web/session/authenticate',
                            {'db': db, 'login': login, 'password': password})
        self.uid = result['uid']

    def _call(self, path, params):
        self._id += 1
        reply = self.http.post(self.url + path, json={
            'jsonrpc': '2.0', 'method': 'call', 'params': params, 'id': self._id}, timeout=120)
        reply.raise_for_status()
        body = reply.json()
        if 'error' in body:
            raise RpcError(body['error'])
        return body['result']

    def call(self, model, method, *args, **kwargs):
        return self._call('/web/dataset/call_kw/%s/%s' % (model, method), {
            'model': model, 'method': method, 'args': list(args), 'kwargs': kwargs})


class RpcError(Exception):
    def __init__(self, error):
        data = error.get('data') or {}
        super().__init__(data.get('message') or error.get('message'))
        self.name = data.get('name')


@pytest.fixture(scope='session')
def server(db_name, odoo_config):
    port = int(os.environ.get('ODOO_TEST_HTTP_PORT', '8169')) + 5
    srv = Server(db_name, port)
    yield srv
    srv.stop()
