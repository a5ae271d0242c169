"""Find or start the PostgreSQL the project uses, and give Odoo a dedicated role.

The PostgreSQL at ``$PGHOST:$PGPORT`` (default 127.0.0.1:5432) is used when it answers;
otherwise a project-local cluster is created under ``var/pgdata`` with Debian's binaries and
started on ``$PGPORT`` (default 5432) or the next free port. Odoo refuses to run as ``postgres``,
so it connects as the role ``$ODOO_DB_USER`` (default ``crmsuite``, with CREATEDB).
"""
import contextlib
import glob
import os
import zlib
import shutil
import socket
import subprocess
import time

import psycopg2
from psycopg2 import sql


def settings():
    return {
        'host': os.environ.get('PGHOST', '127.0.0.1'),
        'port': int(os.environ.get('PGPORT', '5432')),
        'superuser': os.environ.get('PGSUPERUSER', 'postgres'),
        'user': os.environ.get('ODOO_DB_USER', 'crmsuite'),
        'password': os.environ.get('ODOO_DB_PASSWORD', ''),
    }


def _answers(host, port):
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def _pg_bin(name):
    found = sorted(glob.glob('/usr/lib/postgresql/*/bin/' + name))
    if not found:
        raise RuntimeError("PostgreSQL server binaries not found: apt-get install postgresql")
    return found[-1]


def _as_postgres_user(cmd):
    """initdb/pg_ctl refuse to run as root: run them as the ``postgres`` system user then."""
    if os.geteuid() == 0:
        return ['runuser', '-u', 'postgres', '--'] + cmd
    return cmd


def start_local_cluster(var_dir, port):
    """Create (once) and start a cluster under ``var_dir/pgdata``, trust auth, loopback only."""
    data = os.path.join(var_dir, 'pgdata')
    sockets = os.path.join(var_dir, 'pgsocket')
    os.makedirs(sockets, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(var_dir, 'postgres')
        shutil.chown(sockets, 'postgres')
    if not os.path.exists(os.path.join(data, 'PG_VERSION')):
        subprocess.check_call(_as_postgres_user(
            [_pg_bin('initdb'), '-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8',
             '--locale=C.UTF-8']), stdout=subprocess.DEVNULL)
    subprocess.check_call(_as_postgres_user(
        [_pg_bin('pg_ctl'), '-D', data, '-l', os.path.join(var_dir, 'postgresql.log'), '-w',
         '-o', '-p %d -k %s -c listen_addresses=127.0.0.1' % (port, sockets), 'start']),
        stdout=subprocess.DEVNULL)


def ensure_server(var_dir):
    """Return connection settings of a reachable PostgreSQL, starting a local one if needed."""
    conf = settings()
    if _answers(conf['host'], conf['port']):
        return conf
    print("PostgreSQL at %s:%s does not answer: starting a project-local cluster"
          % (conf['host'], conf['port']), flush=True)
    conf['host'] = '127.0.0.1'
    start_local_cluster(var_dir, conf['port'])
    for _attempt in range(30):
        if _answers(conf['host'], conf['port']):
            return conf
        time.sleep(0.5)
    raise RuntimeError("The project-local PostgreSQL did not start (see var/postgresql.log)")


def connect(conf, dbname='postgres', superuser=False):
    user = conf['superuser'] if superuser else conf['user']
    cnx = psycopg2.connect(host=conf['host'], port=conf['port'], dbname=dbname, user=user,
                           password=None if superuser else (conf['password'] or None))
    cnx.autocommit = True
    return cnx


@contextlib.contextmanager
def cursor(conf, superuser=False):
    """An autocommit cursor on the ``postgres`` database, closed with its connection."""
    cnx = connect(conf, superuser=superuser)
    try:
        with cnx.cursor() as cr:
            yield cr
    finally:
        cnx.close()


def ensure_role(conf):
    """Create the dedicated Odoo role (LOGIN CREATEDB) when it does not exist."""
    with cursor(conf, superuser=True) as cr:
        cr.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [conf['user']])
        if not cr.fetchone():
            cr.execute(sql.SQL("CREATE ROLE {} LOGIN CREATEDB").format(sql.Identifier(conf['user'])))


def database_exists(conf, name):
    with cursor(conf) as cr:
        cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return bool(cr.fetchone())


def _disconnect(cr, name):
    cr.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
               "WHERE datname = %s AND pid <> pg_backend_pid()", [name])


def drop_database(conf, name):
    with cursor(conf) as cr:
        _disconnect(cr, name)
        cr.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


def copy_database(conf, template, name):
    drop_database(conf, name)
    with cursor(conf) as cr:
        _disconnect(cr, template)
        cr.execute(sql.SQL("CREATE DATABASE {} WITH TEMPLATE {}").format(
            sql.Identifier(name), sql.Identifier(template)))


def rename_database(conf, old, new):
    with cursor(conf) as cr:
        cr.execute(sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
            sql.Identifier(old), sql.Identifier(new)))


def list_databases(conf, prefix):
    with cursor(conf) as cr:
        cr.execute("SELECT datname FROM pg_database WHERE datname LIKE %s ORDER BY datname",
                   [prefix.replace('_', r'\_') + '%'])
        return [row[0] for row in cr.fetchall()]


@contextlib.contextmanager
def advisory_lock(conf, name):
    """Hold a PostgreSQL session advisory lock named ``name`` (waits for other holders)."""
    cnx = connect(conf)
    key = zlib.crc32(name.encode())
    try:
        with cnx.cursor() as cr:
            cr.execute("SELECT pg_advisory_lock(%s)", [key])
        yield
    finally:
        try:
            with cnx.cursor() as cr:
                cr.execute("SELECT pg_advisory_unlock(%s)", [key])
        finally:
            cnx.close()


def set_config_parameter(conf, db, key, value):
    """Set an Odoo system parameter (``ir.config_parameter``) straight in database ``db``."""
    cnx = connect(conf, dbname=db)
    try:
        with cnx.cursor() as cr:
            cr.execute("UPDATE ir_config_parameter SET value = %s, write_date = now() at time zone 'UTC'"
                       " WHERE key = %s", [value, key])
            if not cr.rowcount:
                cr.execute("INSERT INTO ir_config_parameter (key, value, create_uid, write_uid,"
                           " create_date, write_date) VALUES (%s, %s, 1, 1,"
                           " now() at time zone 'UTC', now() at time zone 'UTC')", [key, value])
    finally:
        cnx.close()
