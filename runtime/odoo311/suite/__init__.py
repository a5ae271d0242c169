"""The project's driver: databases, demo server and test runs (``bin/suite <command>``, whose
commands ``__main__`` lists).

One concern a module: ``config`` (paths, names, module lists), ``databases``
(PostgreSQL, ``var/odoo.conf``, the template and its copies, running Odoo), ``testrun`` (test
runs and their tally), ``bench``, ``translations`` (``.pot`` export) with ``po_merge`` (the
catalogue merger), ``server`` (the served Odoo) with ``nginx`` (its front server), ``readme``;
``__main__`` is the command line. The names below are what the suite's tests and benchmarks use.
"""
from .config import CONF, MASTER_PASSWORD, ROOT, VAR, suite_addons  # noqa: F401
from .databases import copy_db, drop_db, ensure_template, prepare, run_odoo  # noqa: F401
from .nginx import stop_process  # noqa: F401
from .server import serve_command  # noqa: F401
