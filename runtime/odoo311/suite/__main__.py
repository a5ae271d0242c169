"""``bin/suite <command>`` (``python -m odoo311.suite``): the project's driver.

Commands (the Makefile calls them; each prepares PostgreSQL and ``var/odoo.conf`` first):

``demo``       copy the dependency template, install the suite's addons with demo data, and run
               the server at http://localhost:8069 (admin/admin) with workers and cron, behind
               nginx.
``test``       runtime tests, every addon's Odoo tests, the suite-level pytest tests; prints
               ``N passed, N failed, N skipped`` last and exits non-zero on any failure.
``test-core``  Odoo's own tests of the modules the suite depends on (``--fast``: the subset
               that exercises the runtime's risky parts: safe_eval, views, QWeb, a tour).
``template``   build (once) the template database the others copy.
``bench``      the benchmarks of ``bench/`` on their own database.
``pot``        export each addon's ``i18n/<addon>.pot`` with Odoo's exporter and merge the
               addon's ``<lang>.po`` files into it; prints the untranslated count per language.
``readme``     write each addon's ``README.rst`` from its ``readme/*.rst`` fragments.
"""
import argparse
import os
import sys

import odoo311

odoo311.apply()

from odoo311.suite.bench import cmd_bench  # noqa: E402  (the runtime first: commands import odoo)
from odoo311.suite.config import POT_DB, TEST_HTTP_PORT  # noqa: E402
from odoo311.suite.databases import cmd_template  # noqa: E402
from odoo311.suite.readme import cmd_readme  # noqa: E402
from odoo311.suite.server import cmd_demo  # noqa: E402
from odoo311.suite.testrun import cmd_test, cmd_test_core  # noqa: E402
from odoo311.suite.translations import cmd_pot  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(prog='bin/suite', description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest='command', required=True)
    demo = sub.add_parser('demo')
    demo.add_argument('--port', type=int, default=int(os.environ.get('ODOO_HTTP_PORT', '8069')))
    demo.add_argument('--workers', type=int, default=2)
    demo.add_argument('--host', default=os.environ.get('ODOO_HTTP_INTERFACE', '127.0.0.1'),
                      help='interface to listen on (default 127.0.0.1: this machine only; '
                           '0.0.0.0 serves every interface)')
    demo.add_argument('--no-server', action='store_true', help='prepare the database only')
    demo.set_defaults(func=cmd_demo)
    test = sub.add_parser('test')
    test.add_argument('--only', help='comma-separated addons: test these alone (own database)')
    test.add_argument('--http-port', type=int, help='port of the test HTTP server')
    test.set_defaults(func=cmd_test)
    core = sub.add_parser('test-core')
    core.add_argument('--fast', action='store_true')
    core.set_defaults(func=cmd_test_core)
    sub.add_parser('template').set_defaults(func=cmd_template)
    bench = sub.add_parser('bench')
    bench.add_argument('--size', choices=['small', 'reference'], default='small')
    bench.add_argument('--only', help='run only the bench scripts whose name contains this')
    bench.set_defaults(func=cmd_bench)
    pot = sub.add_parser('pot', help='export the addons\' .pot files and merge their .po files')
    pot.add_argument('--only', help='comma-separated addons: these templates only')
    pot.add_argument('--db', help='export from this existing database, as it is (default: %s, '
                                  'built once and updated to the checkout)' % POT_DB)
    pot.add_argument('--http-port', type=int, default=TEST_HTTP_PORT)
    pot.set_defaults(func=cmd_pot)
    readme = sub.add_parser('readme', help='write each addon\'s README.rst from its readme/ '
                                           'fragments')
    readme.add_argument('--check', action='store_true',
                        help='write nothing; fail when a README.rst differs from its fragments')
    readme.set_defaults(func=cmd_readme)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == '__main__':
    sys.exit(main())
