"""Start Odoo's own command line (server, shell, scaffold, ...) on the patched runtime."""
import sys


def main(args):
    import odoo
    sys.argv = ['odoo'] + list(args)
    odoo.cli.main()
    return 0
