"""Test runs: the runtime's tests, the addons' Odoo tests, the suite-level tests, Odoo's own tests.

Every part of a run is counted by one ``Tally``, which prints the failures and the closing line
``N passed, N failed, N skipped`` and gives the exit code.
"""
import json
import os
import subprocess
import time

from .config import (ADDONS, CONF, CORE_MODULES, EXCLUSIONS, PYTHON, ROOT, SUITE_ADDONS, TEST_DB,
                     TEST_HTTP_PORT, VAR, log, suite_addons)
from .databases import copy_db, drop_db, ensure_template, prepare, run_odoo

# `make test-core --fast`: the runtime's risky parts (safe_eval, views, QWeb, ORM, one tour).
FAST_CORE_TESTS = [
    'odoo.addons.base.tests.test_base',
    'odoo.addons.base.tests.test_misc',
    'odoo.addons.base.tests.test_views',
    'odoo.addons.base.tests.test_qweb',
    'odoo.addons.base.tests.test_mail',
    'odoo.addons.sale_management.tests.test_sale_ui',
]


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
    for test_id, reason in sorted(core_exclusions().items()):
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


def core_exclusions():
    """``{test id: reason}`` of Odoo's own tests that ``test-core`` leaves out (read by the
    runtime's test runner from ``$ODOO311_TEST_EXCLUDE``)."""
    from ..testing import exclusions  # imports Odoo: only when the core tests ran
    return exclusions()
