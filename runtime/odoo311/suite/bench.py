"""``bin/suite bench``: the benchmark scripts of ``bench/`` on a database of their own."""
import os
import subprocess

from .config import CONF, ROOT, TEST_HTTP_PORT, log
from .databases import ensure_addons_db, prepare


def cmd_bench(args):
    """Run every ``bench/bench_*.py`` on a database with the suite's addons installed.

    The database ``crmsuite_bench_<size>`` is made once (template copy + addons); each script
    gets ``--size`` and ``--db``, generates its data set when missing (bench/generate.py) and
    writes its figures to bench/RESULTS.md.
    """
    conf = prepare()
    db = 'crmsuite_bench_%s' % args.size
    # built once and kept with its generated data set; the addons follow the checkout
    rc = ensure_addons_db(conf, db, TEST_HTTP_PORT)
    if rc:
        return rc
    bench_dir = os.path.join(ROOT, 'bench')
    scripts = sorted(name for name in os.listdir(bench_dir)
                     if name.startswith('bench_') and name.endswith('.py')) \
        if os.path.isdir(bench_dir) else []
    if args.only:
        scripts = [name for name in scripts if args.only in name]
    rc = 0
    for name in scripts:
        cmd = [os.path.join(ROOT, 'bin', 'python'), os.path.join(bench_dir, name),
               '--size', args.size, '--db', db]
        log('$ ODOO_RC=%s %s' % (CONF, ' '.join(cmd)))
        rc = subprocess.call(cmd, env=dict(os.environ, ODOO_RC=CONF)) or rc
    return rc
