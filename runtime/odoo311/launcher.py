"""Start Odoo's own command line (server, shell, scaffold, ...) on the patched runtime."""
import os
import sys


def main(args):
    # the prefork server re-executes ``sys.executable sys.argv[0] gevent ...`` for long polling,
    # and ``import odoo`` itself reads (and strips) that ``gevent`` argument: set argv first
    sys.argv = [os.path.join(os.path.dirname(os.path.abspath(__file__)), '__main__.py')] + list(args)
    import odoo
    odoo.cli.main()
    return 0
