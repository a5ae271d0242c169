"""Collect Odoo's test results so a test run can report counts and set its exit code.

Odoo 11 logs test results but never sets the process exit code on failure. When the environment
variable ``ODOO311_TEST_RESULTS`` names a file, this module appends JSON lines to it:

* one ``{"kind": "suite", ...}`` line per ``TextTestRunner.run`` made by Odoo's test loader
  (one per test module), with the ids of failed, errored and skipped tests;
* one ``{"kind": "log", ...}`` line per ERROR/CRITICAL log record emitted outside a test
  stream (a test module that cannot be imported, a module that fails to load, an exception
  in a request during a tour), since Odoo only logs those.

``odoo311.suite`` reads the file, prints the totals and decides the exit code.
"""
import json
import logging
import os
import threading
import unittest

_LOCK = threading.Lock()


def _write(record):
    path = os.environ.get('ODOO311_TEST_RESULTS')
    if not path:
        return
    with _LOCK, open(path, 'a') as out:
        out.write(json.dumps(record) + '\n')


def _test_id(test):
    return test.id() if hasattr(test, 'id') else str(test)


def _stream_name(stream):
    logger = getattr(getattr(stream, 'stream', stream), 'logger', None)
    return logger.name if logger is not None else 'unittest'


def _wrap_runner():
    original = unittest.TextTestRunner.run
    if getattr(original, '__odoo311__', False):
        return

    def run(self, test):
        _skip_excluded(test)
        result = original(self, test)
        _write({
            'kind': 'suite',
            'module': _stream_name(self.stream),
            'run': result.testsRun,
            'failures': [[_test_id(t), tb] for t, tb in result.failures],
            'errors': [[_test_id(t), tb] for t, tb in result.errors],
            'skipped': [[_test_id(t), reason] for t, reason in result.skipped],
            'unexpected_successes': [_test_id(t) for t in result.unexpectedSuccesses],
        })
        return result
    run.__odoo311__ = True
    unittest.TextTestRunner.run = run


def exclusions():
    """``{test id: reason}`` from the file named by ``$ODOO311_TEST_EXCLUDE``.

    One exclusion per line, ``<test id> | <reason>``; a QUnit test inside a browser test is
    named ``<test id>::<QUnit test name>``.
    """
    path = os.environ.get('ODOO311_TEST_EXCLUDE')
    excluded = {}
    if path and os.path.exists(path):
        with open(path) as src:
            for line in src:
                line = line.strip()
                if line and not line.startswith('#'):
                    test_id, _sep, reason = line.partition('|')
                    excluded[test_id.strip()] = reason.strip() or 'excluded'
    return excluded


def _cases(test):
    if isinstance(test, unittest.TestCase):
        yield test
    else:
        for sub in test:
            yield from _cases(sub)


def _skip_excluded(test):
    """Skip, with its listed reason, each test named in ``$ODOO311_TEST_EXCLUDE``."""
    excluded = exclusions()
    if not excluded:
        return
    for case in _cases(test):
        reason = excluded.get(case.id())
        if reason is None:
            continue

        def skipped(*_args, _reason='excluded: ' + reason, **_kwargs):
            raise unittest.SkipTest(_reason)
        skipped.__unittest_skip__ = True
        skipped.__unittest_skip_why__ = 'excluded: ' + reason
        setattr(case, case._testMethodName, skipped)


_FAILURE_SUMMARIES = {
    ('odoo.modules.module', "Module %s: %d failures, %d errors"),
    ('odoo.modules.loading', "At least one test failed when loading the modules."),
}


class _ErrorLogHandler(logging.Handler):
    """Record ERROR+ log lines that are not a test's own failure report."""

    def emit(self, record):
        if record.name.startswith('odoo.addons.') and '.tests.' in record.name:
            return  # the TestStream of a test module: already counted as a failure/error
        if (record.name, record.msg) in _FAILURE_SUMMARIES:
            return  # Odoo's summary of failures already counted test by test
        try:
            message = record.getMessage()
        except Exception:  # a malformed log call must not break the run
            message = str(record.msg)
        if record.exc_info and record.exc_info[1] is not None:
            message += '\n' + logging.Formatter().formatException(record.exc_info)
        _write({'kind': 'log', 'logger': record.name, 'level': record.levelname, 'message': message})


def register():
    if os.environ.get('ODOO311_TEST_RESULTS') or os.environ.get('ODOO311_TEST_EXCLUDE'):
        _wrap_runner()
        logging.getLogger().addHandler(_ErrorLogHandler(logging.ERROR))
