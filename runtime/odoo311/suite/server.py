"""The served Odoo: HTTP workers, a cron worker and long polling behind nginx on one address.

``bin/suite demo`` and the suite-level tests start it as ``serve_command(...)`` gives it:
``python -m odoo311.suite.server --host 127.0.0.1 --port 8069 -- <odoo arguments>``. Odoo
listens on this machine only (HTTP on ``port + 10000``, long polling on ``port + 10003``, proxy
mode on), nginx on ``host:port`` (see ``nginx.py``). Ctrl-C or SIGTERM stops both; when either
stops on its own, the other is stopped too.
"""
import argparse
import os
import signal
import sys
import time

from .. import pg
from .config import CONF, DEMO_DB, MASTER_PASSWORD, PYTHON, TEST_HTTP_PORT, log
from .databases import ensure_addons_db, prepare
from .nginx import Nginx, start_child, stop_process

LAUNCHER = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), '__main__.py')


def serve_command(db, port, host='127.0.0.1', workers=2, extra=()):
    """The command line of a served Odoo: HTTP workers, a cron worker and long polling behind
    nginx on ``host:port``, for ``db`` only."""
    return [PYTHON, '-m', 'odoo311.suite.server', '--host', host, '--port', str(port), '--',
            '-c', CONF, '-d', db, '--db-filter', '^%s$' % db,
            '--workers', str(workers), '--max-cron-threads', '1'] + list(extra)


def cmd_demo(args):
    conf = prepare()
    rc = ensure_addons_db(conf, DEMO_DB, TEST_HTTP_PORT)
    if rc:
        return rc
    if args.no_server:
        return 0
    log('Odoo at http://localhost:%s (admin/admin), database %s, listening on %s; '
        'Ctrl-C stops it' % (args.port, DEMO_DB, args.host))
    log('database manager master password: in %s (the manager does not list databases)'
        % MASTER_PASSWORD)
    # the demo is reached at one address: fix it, as production does behind its proxy
    pg.set_config_parameter(conf, DEMO_DB, 'web.base.url', 'http://localhost:%d' % args.port)
    pg.set_config_parameter(conf, DEMO_DB, 'web.base.url.freeze', 'True')
    os.execv(PYTHON, serve_command(DEMO_DB, args.port, args.host, args.workers,
                                   ['--load', 'web,queue_job']))


def run(front, backend_cmd):
    """Start ``backend_cmd`` (Odoo on the front's backend ports) and the ``front`` (``Nginx``);
    wait for a signal or for either to end; stop both. Returns the exit code: the backend's
    (128 + the signal when one killed it), or the front's when the front ended on its own."""
    stopping = []

    def stop(signum, _frame):
        stopping.append(signum)
    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    backend = start_child(backend_cmd)
    front_failed = None
    try:
        try:
            front.start()
        except RuntimeError as error:
            print('[serve] %s' % error, file=sys.stderr, flush=True)
            return 1
        while not stopping and backend.poll() is None and front.running():
            time.sleep(0.2)
        if not stopping and backend.poll() is None:
            front_failed = front.proc.returncode or 1
    finally:
        front.stop()
        stop_process(backend, 60)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    rc = backend.returncode
    return (128 - rc if rc < 0 else rc) or front_failed or 0   # a signal's death as a shell says


def main(argv):
    parser = argparse.ArgumentParser(prog='python -m odoo311.suite.server')
    parser.add_argument('--port', type=int, default=8069, help='public port (nginx)')
    parser.add_argument('--host', default='127.0.0.1', help='interface of the public port')
    parser.add_argument('odoo_args', nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    odoo_args = [a for a in args.odoo_args if a != '--']
    http_port, longpolling_port = args.port + 10000, args.port + 10003
    front = Nginx(args.host, args.port, http_port, longpolling_port)
    return run(front, [sys.executable, LAUNCHER] + odoo_args + [
        '--http-interface', '127.0.0.1', '--http-port', str(http_port),
        '--longpolling-port', str(longpolling_port), '--proxy-mode'])


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
