"""The served database as an attacker on the network meets it (the configuration `make demo`
and these tests share): the server listens on this machine only, the database manager refuses
the old master password ``admin``, lists no database, and the master password is random and
readable by its owner only."""
import os
import socket
import stat

import pytest
import requests
from passlib.context import CryptContext

from odoo311 import suite

from conftest import Server


def _conf_values():
    values = {}
    with open(suite.CONF) as src:
        for line in src:
            if ' = ' in line:
                key, value = line.rstrip('\n').split(' = ', 1)
                values[key] = value
    return values


def test_master_password_is_random_private_and_stored_hashed(odoo_config):
    values = _conf_values()
    with open(suite.MASTER_PASSWORD) as src:
        password = src.read().strip()
    assert len(password) >= 24
    assert stat.S_IMODE(os.stat(suite.MASTER_PASSWORD).st_mode) == 0o600
    assert values['admin_passwd'] not in ('admin', password)
    context = CryptContext(['pbkdf2_sha512'])
    assert context.verify(password, values['admin_passwd'])
    assert not context.verify('admin', values['admin_passwd'])
    assert values['list_db'] == 'False'


def _connects(host, port):
    try:
        socket.create_connection((host, port), 3).close()
        return True
    except OSError:
        return False


@pytest.fixture(scope='module')
def served(db_name, odoo_config):
    srv = Server(db_name, int(os.environ.get('ODOO_TEST_HTTP_PORT', '8169')) + 7)
    yield srv
    srv.stop()


def test_served_on_this_machine_only(served):
    port = int(served.url.rsplit(':', 1)[1])
    assert _connects('127.0.0.1', port)
    # another address of the loopback network: reached when listening on every interface
    assert not _connects('127.0.0.2', port)


def test_database_manager_refuses_backup_drop_and_listing(served, db_name):
    for path, data in (('/web/database/backup', {'master_pwd': 'admin', 'name': db_name,
                                                 'backup_format': 'zip'}),
                       ('/web/database/drop', {'master_pwd': 'admin', 'name': db_name})):
        reply = requests.post(served.url + path, data=data, timeout=60, allow_redirects=False)
        assert not reply.content.startswith(b'PK'), path   # no zip of the database
    listing = requests.post(served.url + '/web/database/list', json={
        'jsonrpc': '2.0', 'method': 'call', 'params': {}, 'id': 1}, timeout=30).json()
    assert 'result' not in listing
    assert listing['error']['data']['name'] == 'odoo.exceptions.AccessDenied'
    # the database is still there
    reply = requests.get(served.url + '/web/login', timeout=30)
    assert reply.status_code == 200 and 'oe_login_form' in reply.text
