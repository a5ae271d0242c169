"""Concurrent JSON-RPC clients against the multi-worker server: zero errors, latency reported.

Each client logs in like the web client, then for a bounded time alternately files a complaint
and reads a customer's form (the fields of the real form view, Loyalty tab included). The
percentiles are written to var/load-report.json and printed by ``bin/suite test``.
"""
import json
import os
import threading
import time

import pytest

from conftest import ROOT

CLIENTS = int(os.environ.get('CRMSUITE_LOAD_CLIENTS', '6'))
SECONDS = float(os.environ.get('CRMSUITE_LOAD_SECONDS', '15'))


def _percentile(values, share):
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, int(round(share * (len(ordered) - 1)))))
    return ordered[index]


def test_concurrent_clients_file_complaints_and_read_partner_forms(server, env):
    if 'crm.complaint' not in env:
        pytest.skip("crm_complaints is not installed in this database")
    admin = server.rpc()
    partner_ids = admin.call('res.partner', 'search', [('customer', '=', True)], limit=20)
    form = admin.call('res.partner', 'fields_view_get', view_type='form')
    form_fields = sorted(form['fields'])
    assert 'loyalty_tier_id' in form_fields
    before = admin.call('crm.complaint', 'search_count', [])

    latencies = {'create': [], 'read': []}
    errors = []
    lock = threading.Lock()
    deadline = time.time() + SECONDS

    def client(number):
        try:
            rpc = server.rpc()
        except Exception as exc:  # a failed login is an error of the run
            with lock:
                errors.append('login %d: %s' % (number, exc))
            return
        turn = 0
        while time.time() < deadline:
            partner_id = partner_ids[(number + turn) % len(partner_ids)]
            for kind, call in (
                    ('create', lambda: rpc.call('crm.complaint', 'create', {
                        'subject': 'Load %d/%d' % (number, turn), 'partner_id': partner_id,
                        'description': 'Filed by load client %d' % number})),
                    ('read', lambda: rpc.call('res.partner', 'read', [partner_id], form_fields))):
                started = time.perf_counter()
                try:
                    call()
                except Exception as exc:
                    with lock:
                        errors.append('%s %d: %s' % (kind, number, exc))
                    continue
                with lock:
                    latencies[kind].append(time.perf_counter() - started)
            turn += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(SECONDS + 120)

    report = {'clients': CLIENTS, 'seconds': SECONDS, 'errors': len(errors)}
    for kind, values in latencies.items():
        report[kind] = {
            'requests': len(values),
            'p50_ms': round(1000 * _percentile(values, 0.50), 1) if values else None,
            'p95_ms': round(1000 * _percentile(values, 0.95), 1) if values else None,
        }
    with open(os.path.join(ROOT, 'var', 'load-report.json'), 'w') as out:
        json.dump(report, out)
    assert errors == []
    assert report['create']['requests'] >= CLIENTS and report['read']['requests'] >= CLIENTS
    created = admin.call('crm.complaint', 'search_count', []) - before
    assert created == report['create']['requests']
    assert server.error_lines() == []
