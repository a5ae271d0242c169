"""``python -m odoo311 [odoo arguments]``: Odoo's command line, with the runtime applied first."""
import sys

import odoo311

odoo311.apply()

from odoo311 import launcher  # noqa: E402  (must follow apply)

if __name__ == '__main__':
    sys.exit(launcher.main(sys.argv[1:]))
