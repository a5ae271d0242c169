"""Run chosen Odoo test modules against an existing database, HTTP server included.

``python -m odoo311.run_tests -c odoo.conf -d DB [--http-port P] odoo.addons.x.tests.test_y ...``

Odoo 11 only runs tests while installing or updating a module; this runs the named test
modules directly (at_install and post_install alike) with the threaded HTTP server started in
test mode, so ``HttpCase`` tours work. Results are recorded by :mod:`odoo311.testing`.
"""
import argparse
import importlib
import sys
import threading
import unittest

import odoo311

odoo311.apply()

import odoo  # noqa: E402
from odoo.modules.module import TestStream, unwrap_suite  # noqa: E402


def main(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument('-c', dest='config', required=True)
    parser.add_argument('-d', dest='db', required=True)
    parser.add_argument('--http-port', default='8169')
    parser.add_argument('modules', nargs='+')
    args = parser.parse_args(argv)
    odoo.tools.config.parse_config(['-c', args.config, '-d', args.db, '--test-enable',
                                    '--http-port', args.http_port, '--workers', '0',
                                    '--max-cron-threads', '0'])
    server = odoo.service.server.ThreadedServer(odoo.service.wsgi_server.application)
    odoo.service.server.server = server
    odoo.service.server.load_server_wide_modules()
    server.start(stop=True)
    ok = True
    try:
        registry = odoo.registry(args.db)
        with odoo.api.Environment.manage():
            for name in args.modules:
                module = importlib.import_module(name)
                suite = unittest.TestSuite(unwrap_suite(unittest.TestLoader().loadTestsFromModule(module)))
                threading.current_thread().testing = True
                odoo.modules.module.current_test = name.split('.')[2]
                result = unittest.TextTestRunner(verbosity=2, stream=TestStream(name)).run(suite)
                threading.current_thread().testing = False
                ok = ok and result.wasSuccessful()
        del registry
    finally:
        server.stop()
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
