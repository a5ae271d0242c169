"""PostgreSQL, ``var/odoo.conf``, the template database and the copies made from it.

The template holds the modules the suite stands on, installed once with their demo data; the
test, demo, benchmark and translation databases are copies of it (database and filestore) with
the suite's addons installed on top. ``run_odoo`` is the one way the driver runs Odoo.
"""
import hashlib
import os
import shutil
import subprocess
import sys

from .. import pg
from .config import (CONF, DATA_DIR, MASTER_PASSWORD, ODOO, ROOT, TEMPLATE_MODULES,
                     TEMPLATE_PREFIX, TEST_HTTP_PORT, VAR, ADDONS, log, suite_addons)


def addons_path():
    import odoo  # noqa: F401 -- the runtime is applied by the launcher before this import
    odoo_addons = os.path.join(os.path.dirname(odoo.__file__), 'addons')
    paths = [odoo_addons]
    if suite_addons():
        paths.append(ADDONS)
    return ','.join(paths)


def master_password():
    """The database manager's master password: random, made once into ``var/master-password``
    (readable by its owner only); ``var/odoo.conf`` holds its hash."""
    if not os.path.exists(MASTER_PASSWORD):
        import secrets
        fd = os.open(MASTER_PASSWORD, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, 'w') as out:
            out.write(secrets.token_urlsafe(24) + '\n')
    os.chmod(MASTER_PASSWORD, 0o600)
    with open(MASTER_PASSWORD) as src:
        return src.read().strip()


def prepare():
    """PostgreSQL reachable, dedicated role present, ``var/odoo.conf`` written.

    The database manager answers only with the master password of ``var/master-password``, and
    never lists the databases.
    """
    os.makedirs(VAR, exist_ok=True)
    conf = pg.ensure_server(VAR)
    pg.ensure_role(conf)
    from passlib.context import CryptContext
    password_hash = CryptContext(['pbkdf2_sha512']).hash(master_password())
    lines = [
        '[options]',
        'db_host = %s' % conf['host'],
        'db_port = %s' % conf['port'],
        'db_user = %s' % conf['user'],
        'db_password = %s' % (conf['password'] or 'False'),
        'addons_path = %s' % addons_path(),
        'data_dir = %s' % DATA_DIR,
        'admin_passwd = %s' % password_hash,
        'without_demo = False',
        'list_db = False',
        'limit_time_cpu = 600',
        'limit_time_real = 1200',
        'limit_memory_soft = 4294967296',
        'limit_memory_hard = 6442450944',
    ]
    with open(CONF, 'w') as out:
        out.write('\n'.join(lines) + '\n')
    return conf


def _template_name():
    digest = hashlib.sha1()
    digest.update(' '.join(TEMPLATE_MODULES).encode())
    for name in ('requirements-odoo.txt',):  # the Odoo and OCA wheels decide what is installed
        path = os.path.join(ROOT, name)
        if os.path.exists(path):
            with open(path, 'rb') as src:
                digest.update(src.read())
    return TEMPLATE_PREFIX + digest.hexdigest()[:10]


def _filestore(db):
    return os.path.join(DATA_DIR, 'filestore', db)


def copy_db(conf, template, name):
    pg.copy_database(conf, template, name)
    shutil.rmtree(_filestore(name), ignore_errors=True)
    if os.path.isdir(_filestore(template)):
        shutil.copytree(_filestore(template), _filestore(name))


def drop_db(conf, name):
    pg.drop_database(conf, name)
    shutil.rmtree(_filestore(name), ignore_errors=True)


def run_odoo(args, results=None, log_file=None):
    env = dict(os.environ)
    if results:
        env['ODOO311_TEST_RESULTS'] = results
    cmd = [ODOO, '-c', CONF] + args
    log('$ %s' % ' '.join(['bin/odoo'] + cmd[1:]))
    out = open(log_file, 'w') if log_file else None
    try:
        if out:
            proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            for raw in proc.stdout:
                line = raw.decode('utf-8', 'replace')
                out.write(line)
                if _worth_showing(line):
                    sys.stdout.write(line)
                    sys.stdout.flush()
            return proc.wait()
        return subprocess.call(cmd, env=env)
    finally:
        if out:
            out.close()


def _worth_showing(line):
    return any(marker in line for marker in (
        ' ERROR ', ' CRITICAL ', ' FAIL', 'running tests', 'Ran ', 'Traceback',
        'odoo.modules.loading: loading', 'tested in'))


def ensure_template(conf):
    """The dependency modules installed once, with demo data; test and demo databases copy it."""
    name = _template_name()
    if pg.database_exists(conf, name) and os.path.isdir(_filestore(name)):
        return name
    with pg.advisory_lock(conf, 'crmsuite-template'):  # concurrent runs wait for one build
        if pg.database_exists(conf, name) and not os.path.isdir(_filestore(name)):
            # made by another checkout: its attachments live in that checkout's var/data
            log('template %s has no filestore here: rebuilding it' % name)
            drop_db(conf, name)
        if not pg.database_exists(conf, name):
            _build_template(conf, name)
    return name


def _build_template(conf, name):
    building = name + '_building'
    drop_db(conf, building)
    log('building template database %s (once)' % name)
    rc = run_odoo(['-d', building, '-i', ','.join(TEMPLATE_MODULES), '--stop-after-init',
                   '--log-level=warn', '--http-port', str(TEST_HTTP_PORT)])
    if rc:
        raise SystemExit("template database build failed (rc=%s)" % rc)
    pg.rename_database(conf, building, name)
    if os.path.isdir(_filestore(building)):
        shutil.rmtree(_filestore(name), ignore_errors=True)
        os.rename(_filestore(building), _filestore(name))


def cmd_template(_args):
    conf = prepare()
    print(ensure_template(conf))
    return 0


def ensure_addons_db(conf, db, port, update=True):
    """``db`` with the suite's addons and their demo data: built once from the template (under
    a temporary name, renamed when complete); when it exists and ``update`` is set, brought up
    to the checkout: ``-u`` for the installed addons (``-i`` on an installed addon would reload
    its demo data in init mode and create its one2many lines again), ``-i`` for new ones."""
    addons = suite_addons()
    if not pg.database_exists(conf, db):
        template = ensure_template(conf)
        copy_db(conf, template, db + '_building')
        if addons:
            rc = run_odoo(['-d', db + '_building', '-i', ','.join(addons), '--stop-after-init',
                           '--log-level=warn', '--http-port', str(port)])
            if rc:
                return rc
        pg.rename_database(conf, db + '_building', db)
        src = _filestore(db + '_building')
        if os.path.isdir(src):
            shutil.rmtree(_filestore(db), ignore_errors=True)
            os.rename(src, _filestore(db))
    elif addons and update:
        installed = _installed_modules(conf, db)
        current = [name for name in addons if name in installed]
        new = [name for name in addons if name not in installed]
        rc = run_odoo(['-d', db] + (['-u', ','.join(current)] if current else [])
                      + (['-i', ','.join(new)] if new else [])
                      + ['--stop-after-init', '--log-level=warn', '--http-port', str(port)])
        if rc:
            return rc
    return 0


def _installed_modules(conf, db):
    cnx = pg.connect(conf, dbname=db)
    try:
        with cnx.cursor() as cr:
            cr.execute("SELECT name FROM ir_module_module WHERE state = 'installed'")
            return {row[0] for row in cr.fetchall()}
    finally:
        cnx.close()
