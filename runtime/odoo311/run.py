"""``bin/python script.py [args]``: run a project script (benchmarks, tools) on the runtime."""
import runpy
import sys

import odoo311

odoo311.apply()

if __name__ == '__main__':
    if len(sys.argv) < 2:
        sys.exit("usage: bin/python script.py [args]")
    sys.argv = sys.argv[1:]
    runpy.run_path(sys.argv[0], run_name='__main__')
