"""The project's driver: databases, demo server and test runs (``bin/suite <command>``).

Commands (the Makefile calls them; each prepares PostgreSQL and ``var/odoo.conf`` first):

``demo``       copy the dependency template, install the suite's addons with demo data, and run
               the server at http://localhost:8069 (admin/admin) with workers and cron.
``test``       runtime tests, every addon's Odoo tests, the suite-level pytest tests; prints
               ``N passed, N failed, N skipped`` last and exits non-zero on any failure.
``test-core``  Odoo's own tests of the modules the suite depends on (``--fast``: the subset
               that exercises the runtime's risky parts: safe_eval, views, QWeb, a tour).
``template``   build (once) the template database the others copy.
``pot``        export each addon's ``i18n/<addon>.pot`` with Odoo's exporter and merge the
               addon's ``<lang>.po`` files into it; prints the untranslated count per language.
"""
import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time

from . import pg

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VAR = os.path.join(ROOT, 'var')
ADDONS = os.path.join(ROOT, 'addons')
CONF = os.path.join(VAR, 'odoo.conf')
MASTER_PASSWORD = os.path.join(VAR, 'master-password')
DATA_DIR = os.path.join(VAR, 'data')
ODOO = os.path.join(ROOT, 'bin', 'odoo')
PYTHON = os.path.join(ROOT, '.venv', 'bin', 'python')
EXCLUSIONS = os.path.join(ROOT, 'runtime', 'test-core-exclusions.txt')

# The modules the suite's addons stand on; Odoo's own tests of these are `make test-core`.
CORE_MODULES = [
    'base', 'web', 'mail', 'portal', 'product', 'resource', 'rating', 'utm', 'sales_team',
    'sale', 'sale_management', 'sale_stock', 'stock', 'account', 'account_invoicing', 'crm',
    'mass_mailing', 'report_xlsx', 'queue_job',
]
# Installed in the template too: the apps a user opens and optional sources of figures.
TEMPLATE_MODULES = CORE_MODULES + ['contacts', 'sale_margin', 'l10n_generic_coa']
SUITE_ADDONS = ['crm_loyalty', 'crm_complaints', 'crm_campaigns']

# `make test-core --fast`: the runtime's risky parts (safe_eval, views, QWeb, ORM, one tour).
FAST_CORE_TESTS = [
    'odoo.addons.base.tests.test_base',
    'odoo.addons.base.tests.test_misc',
    'odoo.addons.base.tests.test_views',
    'odoo.addons.base.tests.test_qweb',
    'odoo.addons.base.tests.test_mail',
    'odoo.addons.sale_management.tests.test_sale_ui',
]

TEST_DB = 'crmsuite_test'
DEMO_DB = 'crmsuite_demo'
TEMPLATE_PREFIX = 'crmsuite_tmpl_'
TEST_HTTP_PORT = int(os.environ.get('ODOO_TEST_HTTP_PORT', '8169'))


def log(message):
    print('[suite] %s' % message, flush=True)


# --- set-up --------------------------------------------------------------------------------------
def suite_addons():
    """The suite's addons that exist in this checkout, in dependency order."""
    return [name for name in SUITE_ADDONS
            if os.path.isfile(os.path.join(ADDONS, name, '__manifest__.py'))]


def addons_path():
    import odoo  # noqa: F401 -- the runtime is applied by the launcher before this import
    odoo_addons = os.path.join(os.path.dirname(odoo.__file__), 'addons')
    paths = [odoo_addons]
    if suite_addons():
        paths.append(ADDONS)
    return ','.join(paths)


def master_password():
    """The database manager's master password: random, made once into ``var/master-password``
    (readable by its owner only); ``var/odoo.conf`` holds its hash."""
    if not os.path.exists(MASTER_PASSWORD):
        import secrets
        fd = os.open(MASTER_PASSWORD, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, 'w') as out:
            out.write(secrets.token_urlsafe(24) + '\n')
    os.chmod(MASTER_PASSWORD, 0o600)
    with open(MASTER_PASSWORD) as src:
        return src.read().strip()


def prepare():
    """PostgreSQL reachable, dedicated role present, ``var/odoo.conf`` written.

    The database manager answers only with the master password of ``var/master-password``, and
    never lists the databases.
    """
    os.makedirs(VAR, exist_ok=True)
    conf = pg.ensure_server(VAR)
    pg.ensure_role(conf)
    from passlib.context import CryptContext
    password_hash = CryptContext(['pbkdf2_sha512']).hash(master_password())
    lines = [
        '[options]',
        'db_host = %s' % conf['host'],
        'db_port = %s' % conf['port'],
        'db_user = %s' % conf['user'],
        'db_password = %s' % (conf['password'] or 'False'),
        'addons_path = %s' % addons_path(),
        'data_dir = %s' % DATA_DIR,
        'admin_passwd = %s' % password_hash,
        'without_demo = False',
        'list_db = False',
        'limit_time_cpu = 600',
        'limit_time_real = 1200',
        'limit_memory_soft = 4294967296',
        'limit_memory_hard = 6442450944',
    ]
    with open(CONF, 'w') as out:
        out.write('\n'.join(lines) + '\n')
    return conf


def _template_name():
    digest = hashlib.sha1()
    digest.update(' '.join(TEMPLATE_MODULES).encode())
    for name in ('requirements-odoo.txt',):  # the Odoo and OCA wheels decide what is installed
        path = os.path.join(ROOT, name)
        if os.path.exists(path):
            with open(path, 'rb') as src:
                digest.update(src.read())
    return TEMPLATE_PREFIX + digest.hexdigest()[:10]


def _filestore(db):
    return os.path.join(DATA_DIR, 'filestore', db)


def copy_db(conf, template, name):
    pg.copy_database(conf, template, name)
    shutil.rmtree(_filestore(name), ignore_errors=True)
    if os.path.isdir(_filestore(template)):
        shutil.copytree(_filestore(template), _filestore(name))


def drop_db(conf, name):
    pg.drop_database(conf, name)
    shutil.rmtree(_filestore(name), ignore_errors=True)


def run_odoo(args, results=None, log_file=None):
    env = dict(os.environ)
    if results:
        env['ODOO311_TEST_RESULTS'] = results
    cmd = [ODOO, '-c', CONF] + args
    log('$ %s' % ' '.join(['bin/odoo'] + cmd[1:]))
    out = open(log_file, 'w') if log_file else None
    try:
        if out:
            proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            for raw in proc.stdout:
                line = raw.decode('utf-8', 'replace')
                out.write(line)
                if _worth_showing(line):
                    sys.stdout.write(line)
                    sys.stdout.flush()
            return proc.wait()
        return subprocess.call(cmd, env=env)
    finally:
        if out:
            out.close()


def _worth_showing(line):
    return any(marker in line for marker in (
        ' ERROR ', ' CRITICAL ', ' FAIL', 'running tests', 'Ran ', 'Traceback',
        'odoo.modules.loading: loading', 'tested in'))


def ensure_template(conf):
    """The dependency modules installed once, with demo data; test and demo databases copy it."""
    name = _template_name()
    if pg.database_exists(conf, name) and os.path.isdir(_filestore(name)):
        return name
    with pg.advisory_lock(conf, 'crmsuite-template'):  # concurrent runs wait for one build
        if pg.database_exists(conf, name) and not os.path.isdir(_filestore(name)):
            # made by another checkout: its attachments live in that checkout's var/data
            log('template %s has no filestore here: rebuilding it' % name)
            drop_db(conf, name)
        if not pg.database_exists(conf, name):
            _build_template(conf, name)
    return name


def _build_template(conf, name):
    building = name + '_building'
    drop_db(conf, building)
    log('building template database %s (once)' % name)
    rc = run_odoo(['-d', building, '-i', ','.join(TEMPLATE_MODULES), '--stop-after-init',
                   '--log-level=warn', '--http-port', str(TEST_HTTP_PORT)])
    if rc:
        raise SystemExit("template database build failed (rc=%s)" % rc)
    pg.rename_database(conf, building, name)
    if os.path.isdir(_filestore(building)):
        shutil.rmtree(_filestore(name), ignore_errors=True)
        os.rename(_filestore(building), _filestore(name))


# --- results -------------------------------------------------------------------------------------
class Tally:
    """Counts over every part of a run; prints failures and the closing line."""

    def __init__(self):
        self.passed = self.failed = self.skipped = 0
        self.problems = []
        self.skips = []

    def add_odoo(self, results_file, label, expected_modules=()):
        seen = set()
        if os.path.exists(results_file):
            with open(results_file) as src:
                for line in src:
                    record = json.loads(line)
                    if record['kind'] == 'log':
                        self.failed += 1
                        self.problems.append('%s: logged %s in %s: %s' % (
                            label, record['level'], record['logger'], record['message']))
                        continue
                    seen.add(record['module'].split('.tests')[0].replace('odoo.addons.', ''))
                    bad = len(record['failures']) + len(record['errors']) \
                        + len(record['unexpected_successes'])
                    self.failed += bad
                    self.skipped += len(record['skipped'])
                    self.passed += record['run'] - bad - len(record['skipped'])
                    for test_id, trace in record['failures'] + record['errors']:
                        self.problems.append('%s: %s\n%s' % (label, test_id, trace))
                    for test_id, reason in record['skipped']:
                        self.skips.append('%s: %s skipped: %s' % (label, test_id, reason))
        for module in expected_modules:
            if module not in seen:
                self.failed += 1
                self.problems.append('%s: no test of %s ran' % (label, module))

    def add_junit(self, path, label):
        if not os.path.exists(path):
            self.failed += 1
            self.problems.append('%s: pytest wrote no report' % label)
            return
        import xml.etree.ElementTree as ET  # after the runtime's ElementTree patch
        root = ET.parse(path).getroot()
        for case in root.iter('testcase'):
            name = '%s::%s' % (case.get('classname'), case.get('name'))
            failure = case.find('failure')
            if failure is None:
                failure = case.find('error')
            skipped = case.find('skipped')
            if failure is not None:
                self.failed += 1
                self.problems.append('%s: %s\n%s' % (label, name, failure.text or failure.get('message')))
            elif skipped is not None:
                self.skipped += 1
                self.skips.append('%s: %s skipped: %s' % (label, name, skipped.get('message')))
            else:
                self.passed += 1

    def add_failure(self, label, message):
        self.failed += 1
        self.problems.append('%s: %s' % (label, message))

    def report(self):
        for skip in self.skips:
            print('SKIPPED ' + skip)
        for problem in self.problems:
            print('=' * 70)
            print('FAILED ' + problem)
        print('%d passed, %d failed, %d skipped' % (self.passed, self.failed, self.skipped))
        return 1 if self.failed else 0


def run_pytest(paths, junit, env_extra=None):
    env = dict(os.environ)
    env['PYTHONPATH'] = os.path.join(ROOT, 'runtime') + os.pathsep + env.get('PYTHONPATH', '')
    env.update(env_extra or {})
    cmd = [PYTHON, '-m', 'pytest', '-q', '-p', 'no:cacheprovider', '--junitxml', junit] + paths
    log('$ %s' % ' '.join(cmd[2:]))
    return subprocess.call(cmd, env=env, cwd=ROOT)


# --- commands ------------------------------------------------------------------------------------
def cmd_template(_args):
    conf = prepare()
    print(ensure_template(conf))
    return 0


def ensure_addons_db(conf, db, port, update=True):
    """``db`` with the suite's addons and their demo data: built once from the template (under
    a temporary name, renamed when complete); when it exists and ``update`` is set, brought up
    to the checkout: ``-u`` for the installed addons (``-i`` on an installed addon would reload
    its demo data in init mode and create its one2many lines again), ``-i`` for new ones."""
    addons = suite_addons()
    if not pg.database_exists(conf, db):
        template = ensure_template(conf)
        copy_db(conf, template, db + '_building')
        if addons:
            rc = run_odoo(['-d', db + '_building', '-i', ','.join(addons), '--stop-after-init',
                           '--log-level=warn', '--http-port', str(port)])
            if rc:
                return rc
        pg.rename_database(conf, db + '_building', db)
        src = _filestore(db + '_building')
        if os.path.isdir(src):
            shutil.rmtree(_filestore(db), ignore_errors=True)
            os.rename(src, _filestore(db))
    elif addons and update:
        installed = _installed_modules(conf, db)
        current = [name for name in addons if name in installed]
        new = [name for name in addons if name not in installed]
        rc = run_odoo(['-d', db] + (['-u', ','.join(current)] if current else [])
                      + (['-i', ','.join(new)] if new else [])
                      + ['--stop-after-init', '--log-level=warn', '--http-port', str(port)])
        if rc:
            return rc
    return 0


def _installed_modules(conf, db):
    cnx = pg.connect(conf, dbname=db)
    try:
        with cnx.cursor() as cr:
            cr.execute("SELECT name FROM ir_module_module WHERE state = 'installed'")
            return {row[0] for row in cr.fetchall()}
    finally:
        cnx.close()


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


def serve_command(db, port, host='127.0.0.1', workers=2, extra=()):
    """The command line of a served Odoo: HTTP workers, a cron worker and long polling behind
    the front proxy (odoo311.serve) on ``host:port``, for ``db`` only."""
    return [PYTHON, '-m', 'odoo311.serve', '--host', host, '--port', str(port), '--',
            '-c', CONF, '-d', db, '--db-filter', '^%s$' % db,
            '--workers', str(workers), '--max-cron-threads', '1'] + list(extra)


def _addon_depends(name):
    import ast
    with open(os.path.join(ADDONS, name, '__manifest__.py')) as src:
        return ast.literal_eval(src.read()).get('depends', [])


def _suite_closure(names):
    """``names`` and the suite addons they depend on, dependencies first."""
    ordered = []

    def visit(name):
        if name in ordered or name not in suite_addons():
            return
        for dep in _addon_depends(name):
            visit(dep)
        ordered.append(name)
    for name in names:
        visit(name)
    return ordered


def run_addon_tests(conf, tally, addons, db, port):
    """Install ``addons`` on a copy of the template with their tests enabled; count results.

    Suite addons they depend on but that are not being tested are installed first, without
    tests, so a run of one addon reports that addon only.
    """
    template = ensure_template(conf)
    copy_db(conf, template, db)
    deps = [name for name in _suite_closure(addons) if name not in addons]
    if deps:
        rc = run_odoo(['-d', db, '-i', ','.join(deps), '--stop-after-init', '--log-level=warn',
                       '--http-port', str(port)])
        if rc:
            tally.add_failure('addons', 'installing %s failed (rc=%s)' % (','.join(deps), rc))
            return
    results = os.path.join(VAR, '%s-results.jsonl' % db)
    if os.path.exists(results):
        os.unlink(results)
    with_tests = [a for a in addons if os.path.isdir(os.path.join(ADDONS, a, 'tests'))]
    log_file = os.path.join(VAR, '%s.log' % db)
    rc = run_odoo(['-d', db, '-i', ','.join(addons), '--test-enable', '--stop-after-init',
                   '--log-level=test', '--http-port', str(port)],
                  results=results, log_file=log_file)
    tally.add_odoo(results, 'addons', expected_modules=with_tests)
    if rc:
        tally.add_failure('addons', 'odoo exited with code %s (see %s)' % (rc, log_file))


def cmd_test(args):
    os.makedirs(VAR, exist_ok=True)
    tally = Tally()
    only = [name for name in (args.only or '').split(',') if name]
    unknown = [name for name in only if name not in suite_addons()]
    if unknown:
        raise SystemExit('unknown addon(s): %s' % ', '.join(unknown))
    # 1. the runtime's own tests (no database)
    if not only:
        junit = os.path.join(VAR, 'pytest-runtime.xml')
        run_pytest([os.path.join(ROOT, 'runtime', 'tests')], junit)
        tally.add_junit(junit, 'runtime')
    # 2. every addon's Odoo tests, run while installing them on a copy of the template
    conf = prepare()
    addons = only or suite_addons()
    db = TEST_DB if not only else 'crmsuite_t_' + '_'.join(only)
    # side-by-side checkouts (git worktrees) of one machine keep their databases apart
    db += os.environ.get('CRMSUITE_DB_SUFFIX', '')
    # each addon tested alone gets its own port, so such runs can go side by side
    port = args.http_port or (
        TEST_HTTP_PORT + 10 * (1 + SUITE_ADDONS.index(only[0])) if only else TEST_HTTP_PORT)
    if addons:
        run_addon_tests(conf, tally, addons, db, port)
    else:
        print('SKIPPED addons: no addon under addons/ yet')
    # 3. suite-level tests against the database the addons were installed in
    suite_tests = os.path.join(ROOT, 'tests')
    if os.path.isdir(suite_tests) and not only:
        junit = os.path.join(VAR, 'pytest-suite.xml')
        load_report = os.path.join(VAR, 'load-report.json')
        if os.path.exists(load_report):
            os.unlink(load_report)
        run_pytest([suite_tests], junit, {'CRMSUITE_DB': db, 'ODOO_RC': CONF,
                                          'ODOO_TEST_HTTP_PORT': str(port)})
        tally.add_junit(junit, 'suite')
        if os.path.exists(load_report):
            with open(load_report) as src:
                load = json.load(src)
            print('LOAD %(clients)d JSON-RPC clients for %(seconds)ss on 2 HTTP workers: '
                  '%(errors)d errors' % load + ''.join(
                      '; %s: %d requests, p50 %s ms, p95 %s ms' % (
                          kind, load[kind]['requests'], load[kind]['p50_ms'],
                          load[kind]['p95_ms']) for kind in ('create', 'read')))
    return tally.report()


def cmd_test_core(args):
    conf = prepare()
    results = os.path.join(VAR, 'odoo-core-results.jsonl')
    if os.path.exists(results):
        os.unlink(results)
    env_note = 'ODOO311_TEST_EXCLUDE=%s' % EXCLUSIONS
    os.environ['ODOO311_TEST_EXCLUDE'] = EXCLUSIONS
    started = time.time()
    tally = Tally()
    if args.fast:
        template = ensure_template(conf)
        db = 'crmsuite_core_fast'
        copy_db(conf, template, db)
        env = dict(os.environ, ODOO311_TEST_RESULTS=results)
        cmd = [PYTHON, '-m', 'odoo311.run_tests', '-c', CONF, '-d', db,
               '--http-port', str(TEST_HTTP_PORT)] + FAST_CORE_TESTS
        env['PYTHONPATH'] = os.path.join(ROOT, 'runtime')
        log('$ %s %s' % (env_note, ' '.join(cmd[2:])))
        rc = subprocess.call(cmd, env=env)
        if rc:
            tally.add_failure('core', 'test runner exited with %s' % rc)
        tally.add_odoo(results, 'core')
    else:
        db = 'crmsuite_core'
        drop_db(conf, db)
        rc = run_odoo(['-d', db, '-i', ','.join(CORE_MODULES), '--test-enable', '--stop-after-init',
                       '--log-level=test', '--http-port', str(TEST_HTTP_PORT)],
                      results=results, log_file=os.path.join(VAR, 'odoo-core.log'))
        if rc:
            tally.add_failure('core', 'odoo exited with code %s (see var/odoo-core.log)' % rc)
        tally.add_odoo(results, 'core')
        _print_per_module(results)
    log('test-core took %.0f s' % (time.time() - started))
    from .testing import exclusions
    for test_id, reason in sorted(exclusions().items()):
        print('EXCLUDED %s: %s' % (test_id, reason))
    return tally.report()


def _print_per_module(results):
    per_module = {}
    if not os.path.exists(results):
        return
    with open(results) as src:
        for line in src:
            record = json.loads(line)
            if record['kind'] != 'suite':
                continue
            module = record['module'].replace('odoo.addons.', '').split('.')[0]
            stats = per_module.setdefault(module, [0, 0, 0])
            bad = len(record['failures']) + len(record['errors'])
            stats[0] += record['run'] - bad - len(record['skipped'])
            stats[1] += bad
            stats[2] += len(record['skipped'])
    for module in sorted(per_module):
        passed, failed, skipped = per_module[module]
        print('%-20s %s  %4d passed %3d failed %3d skipped' % (
            module, 'FAIL' if failed else 'ok  ', passed, failed, skipped))


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


# --- translations --------------------------------------------------------------------------------
POT_DB = 'crmsuite_pot'
_PO_ESCAPES = {'n': '\n', 't': '\t', 'r': '\r'}
_PO_DATE_FIELDS = ('"POT-Creation-Date:', '"PO-Revision-Date:')


class PoEntry:
    """One message of a .po or .pot file.

    ``comments`` are its comment lines as written (translator ``# ``, extracted ``#.``,
    references ``#:``), ``flags`` the words of its ``#,`` line (``python-format``, ``fuzzy``).
    """

    def __init__(self, msgid='', msgstr='', comments=(), flags=(), msgctxt=None):
        self.msgid, self.msgstr, self.msgctxt = msgid, msgstr, msgctxt
        self.comments, self.flags = list(comments), list(flags)

    @property
    def key(self):
        return (self.msgctxt, self.msgid)

    @property
    def translated(self):
        return bool(self.msgstr) and 'fuzzy' not in self.flags


def _po_unquote(text, where):
    text = text.strip()
    if len(text) < 2 or not (text.startswith('"') and text.endswith('"')):
        raise ValueError('%s: expected a quoted string, got %r' % (where, text))
    import re
    return re.sub(r'\\(.)', lambda match: _PO_ESCAPES.get(match.group(1), match.group(1)),
                  text[1:-1])


def _po_escape(text):
    return text.replace('\\', '\\\\').replace('"', '\\"').replace('\t', '\\t')


def _po_quote(text):
    """A PO string as Odoo's exporter writes it: one quoted chunk per line of the text."""
    return '"%s"' % _po_escape(text).replace('\n', '\\n"\n"')


def read_po(path):
    """The entries of a .po/.pot file in file order, the header (``msgid ""``) included.

    Obsolete (``#~``) entries are left out; plural forms, which Odoo never writes, are refused.
    """
    with open(path, encoding='utf-8') as src:
        lines = src.read().lstrip('\ufeff').splitlines()
    entries = []
    current, field = None, None   # field: the string being read (msgctxt, msgid, msgstr)

    def flush():
        if current is not None and 'msgid' in current:
            if 'msgstr' not in current:
                raise ValueError('%s: msgid %r has no msgstr' % (path, current['msgid']))
            entries.append(PoEntry(current['msgid'], current['msgstr'], current['comments'],
                                   current['flags'], current.get('msgctxt')))

    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        where = '%s:%d' % (path, number)
        if not line:
            continue
        if line.startswith('#~'):
            if current is not None and 'msgid' not in current:
                current = None   # the comments belonged to the obsolete entry
            continue
        starts_entry = line.startswith('#') or line.startswith('msgctxt') or (
            line.startswith('msgid ') and (current is None or 'msgid' in current))
        if starts_entry and (current is None or 'msgid' in current):
            flush()
            current, field = {'comments': [], 'flags': []}, None
        if line.startswith('#,'):
            current['flags'] += [flag.strip() for flag in line[2:].split(',') if flag.strip()]
        elif line.startswith('#'):
            current['comments'].append(raw.rstrip())
        elif line.startswith('msgid_plural') or line.startswith('msgstr['):
            raise ValueError('%s: plural forms are not supported' % where)
        elif line.startswith(('msgctxt ', 'msgid ', 'msgstr ')):
            field, _space, text = line.partition(' ')
            if field in current:
                raise ValueError('%s: second %s in one entry' % (where, field))
            current[field] = _po_unquote(text, where)
        elif line.startswith('"') and field:
            current[field] += _po_unquote(line, where)
        else:
            raise ValueError('%s: cannot read %r' % (where, line))
    flush()
    return entries


def format_po(entries):
    """The text of a .po file; ``entries[0]`` is the header."""
    header = entries[0]
    out = header.comments + ['msgid ""', 'msgstr ""']
    out += ['"%s\\n"' % _po_escape(line) for line in header.msgstr.split('\n') if line]
    out.append('')
    for entry in entries[1:]:
        out += entry.comments
        if entry.flags:
            out.append('#, ' + ', '.join(entry.flags))
        if entry.msgctxt is not None:
            out.append('msgctxt ' + _po_quote(entry.msgctxt))
        out += ['msgid ' + _po_quote(entry.msgid), 'msgstr ' + _po_quote(entry.msgstr), '']
    return '\n'.join(out) + '\n'


def _header_field(header, name):
    for line in header.msgstr.split('\n'):
        if line.startswith(name + ':'):
            return line[len(name) + 1:].strip()
    return None


def merge_po(template, old):
    """``old`` (a .po's entries) brought onto ``template`` (a .pot's entries), as msgmerge does
    without fuzzy matching: every template message in template order with the references and
    flags of the template, its translation, translator comments and fuzzy mark kept from
    ``old``; new messages untranslated; messages gone from the template dropped.

    Returns ``(entries, added, dropped)``.
    """
    if not old or old[0].msgid or old[0].msgctxt is not None:
        raise ValueError('the .po file has no header')
    header = PoEntry('', old[0].msgstr, old[0].comments, old[0].flags)
    created = _header_field(template[0], 'POT-Creation-Date')
    if created and _header_field(header, 'POT-Creation-Date') is not None:
        header.msgstr = '\n'.join(
            'POT-Creation-Date: %s' % created if line.startswith('POT-Creation-Date:') else line
            for line in header.msgstr.split('\n'))
    previous = {entry.key: entry for entry in old[1:]}
    merged, added = [header], 0
    for entry in template:
        if not entry.msgid:
            continue   # the template's header
        prev = previous.pop(entry.key, None)
        if prev is None:
            added += 1
        own = [line for line in (prev.comments if prev else [])
               if line == '#' or line.startswith('# ')]
        flags = [flag for flag in entry.flags if flag != 'fuzzy']
        if prev is not None and 'fuzzy' in prev.flags:
            flags.insert(0, 'fuzzy')
        merged.append(PoEntry(entry.msgid, prev.msgstr if prev else '',
                              own + [line for line in entry.comments if not line.startswith('# ')],
                              flags, entry.msgctxt))
    return merged, added, len(previous)


def _without_dates(text):
    return [line for line in text.splitlines() if not line.startswith(_PO_DATE_FIELDS)]


def _write_if_changed(path, text):
    """Write ``text`` unless the file already says the same apart from its dates."""
    if os.path.exists(path):
        with open(path, encoding='utf-8') as src:
            if _without_dates(src.read()) == _without_dates(text):
                return False
    with open(path, 'w', encoding='utf-8') as out:
        out.write(text)
    return True


def _export_pots(db, addons, port):
    """``{addon: .pot text}`` from Odoo's exporter (one run, a .tgz of every addon's template)."""
    import tarfile
    import tempfile
    with tempfile.TemporaryDirectory(prefix='crmsuite-pot-') as tmp:
        archive = os.path.join(tmp, 'pot.tgz')
        rc = run_odoo(['-d', db, '--i18n-export=%s' % archive, '--modules=%s' % ','.join(addons),
                       '--stop-after-init', '--log-level=warn', '--http-port', str(port)])
        if rc or not os.path.exists(archive):
            raise SystemExit('exporting the templates failed (rc=%s)' % rc)
        pots = {}
        with tarfile.open(archive, 'r:gz') as tar:
            for member in tar.getmembers():
                parts = os.path.normpath(member.name).split(os.sep)
                if member.isfile() and len(parts) == 3 and parts[1] == 'i18n' \
                        and parts[2] == parts[0] + '.pot':
                    pots[parts[0]] = tar.extractfile(member).read().decode('utf-8')
    return pots


def cmd_pot(args):
    """Regenerate ``addons/<addon>/i18n/<addon>.pot`` with Odoo's exporter and merge every
    ``<lang>.po`` beside it (translations kept, new messages added untranslated, obsolete ones
    dropped); print how many messages each language leaves untranslated.

    The templates come from the database ``crmsuite_pot`` (the dependency template copied once,
    the suite's addons with their demo data installed, updated to the checkout on every run), or
    from ``--db``, used as it is.
    """
    conf = prepare()
    addons = [name for name in (args.only or '').split(',') if name] or suite_addons()
    unknown = [name for name in addons if name not in suite_addons()]
    if unknown:
        raise SystemExit('unknown addon(s): %s' % ', '.join(unknown))
    db = args.db or POT_DB
    if args.db:
        if not pg.database_exists(conf, db):
            raise SystemExit('database %s does not exist' % db)
    else:
        rc = ensure_addons_db(conf, db, args.http_port)
        if rc:
            return rc
    pots = _export_pots(db, addons, args.http_port)
    rc = 0
    for addon in addons:
        if addon not in pots:
            log('%s: the exporter wrote no template' % addon)
            rc = 1
            continue
        i18n = os.path.join(ADDONS, addon, 'i18n')
        os.makedirs(i18n, exist_ok=True)
        pot_path = os.path.join(i18n, '%s.pot' % addon)
        changed = _write_if_changed(pot_path, pots[addon])
        template = read_po(pot_path)
        log('%s: %d messages, %s' % (addon, len(template) - 1,
                                     'template written' if changed else 'template unchanged'))
        for name in sorted(os.listdir(i18n)):
            if not name.endswith('.po'):
                continue
            path = os.path.join(i18n, name)
            merged, added, dropped = merge_po(template, read_po(path))
            _write_if_changed(path, format_po(merged))
            untranslated = sum(1 for entry in merged[1:] if not entry.translated)
            print('%-16s %-6s %4d messages, %4d untranslated (%d added, %d dropped)' % (
                addon, name[:-3], len(merged) - 1, untranslated, added, dropped), flush=True)
    return rc


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
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == '__main__':
    import odoo311
    odoo311.apply()
    sys.exit(main())
