"""The demo's front server: nginx's generated configuration, nginx routing to two backends, and
the served process (nginx + backend) stopping as one, leaving no process behind."""
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from odoo311.suite import nginx, server

RUNTIME = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# A stand-in for Odoo: answers on its HTTP port and its long-polling port with what it received.
BACKEND = r'''
import json, signal, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

class Echo(BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({'backend': self.server.name, 'path': self.path,
                           'headers': dict(self.headers)}).encode()
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

servers = []
for name, port in (('http', sys.argv[1]), ('longpolling', sys.argv[2])):
    httpd = ThreadingHTTPServer(('127.0.0.1', int(port)), Echo)
    httpd.name = name
    servers.append(httpd)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
signal.signal(signal.SIGTERM, lambda *_args: sys.exit(0))   # a graceful stop, as Odoo's
threading.Event().wait()
'''


def _free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _alive(pid):
    try:
        with open('/proc/%d/stat' % pid) as src:
            return src.read().rsplit(')', 1)[1].split()[0] != 'Z'   # a zombie has ended
    except FileNotFoundError:
        return False


def _children(pid):
    try:
        with open('/proc/%d/task/%d/children' % (pid, pid)) as src:
            return [int(child) for child in src.read().split()]
    except FileNotFoundError:
        return []


def _wait_until(predicate, timeout=20):
    deadline = time.time() + timeout
    while not predicate():
        assert time.time() < deadline, 'timed out'
        time.sleep(0.05)


def test_config_routes_longpolling_to_the_gevent_port_with_the_proxy_headers():
    text = nginx.config_text('127.0.0.1', 8069, 18069, 18072, as_root=False)
    assert 'listen 127.0.0.1:8069;' in text
    assert 'server 127.0.0.1:18069;' in text and 'server 127.0.0.1:18072;' in text
    assert 'location /longpolling/ {\n            proxy_pass http://odoochat;' in text
    assert 'location / {\n            proxy_pass http://odoo;' in text
    for header in ('X-Forwarded-Host $http_host', 'X-Forwarded-For $proxy_add_x_forwarded_for',
                   'X-Forwarded-Proto $scheme', 'X-Real-IP $remote_addr', 'Host $http_host'):
        assert 'proxy_set_header %s;' % header in text
    # everything it writes stays under its prefix; it runs in the foreground, as the caller
    for line in ('pid nginx.pid;', 'error_log logs/error.log;', 'access_log logs/access.log;',
                 'proxy_temp_path tmp/proxy;', 'client_body_temp_path tmp/body;', 'daemon off;'):
        assert line in text
    assert 'user ' not in text
    assert '\nuser root;\n' in nginx.config_text('127.0.0.1', 8069, 18069, 18072, as_root=True)
    assert 'listen 0.0.0.0:80;' in nginx.config_text('0.0.0.0', 80, 1, 2)
    assert 'listen [::1]:8069;' in nginx.config_text('::1', 8069, 1, 2)


def test_config_is_accepted_by_nginx(tmp_path):
    front = nginx.Nginx('127.0.0.1', _free_port(), 18069, 18072, prefix=str(tmp_path))
    front.write_config()
    result = subprocess.run([front.binary, '-t', '-p', str(tmp_path) + os.sep,
                             '-c', 'nginx.conf'], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert 'test is successful' in result.stderr


class _Echo(BaseHTTPRequestHandler):
    def _answer(self):
        length = int(self.headers.get('Content-Length') or 0)
        body = json.dumps({'backend': self.server.name, 'path': self.path,
                           'received': len(self.rfile.read(length)),
                           'headers': dict(self.headers)}).encode()
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def backends():
    servers = {}
    for name in ('http', 'longpolling'):
        httpd = ThreadingHTTPServer(('127.0.0.1', 0), _Echo)
        httpd.name = name
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        servers[name] = httpd
    yield {name: httpd.server_address[1] for name, httpd in servers.items()}
    for httpd in servers.values():
        httpd.shutdown()
        httpd.server_close()


def test_started_nginx_routes_requests_and_stops(tmp_path, backends):
    port = _free_port()
    front = nginx.Nginx('127.0.0.1', port, backends['http'], backends['longpolling'],
                        prefix=str(tmp_path))
    front.start()
    try:
        url = 'http://127.0.0.1:%d' % port
        page = requests.get(url + '/web/login?db=x', timeout=10).json()
        assert (page['backend'], page['path']) == ('http', '/web/login?db=x')
        assert page['headers']['X-Forwarded-Host'] == '127.0.0.1:%d' % port
        assert page['headers']['X-Forwarded-For'] == '127.0.0.1'
        assert page['headers']['X-Forwarded-Proto'] == 'http'
        poll = requests.get(url + '/longpolling/poll', timeout=10).json()
        assert (poll['backend'], poll['path']) == ('longpolling', '/longpolling/poll')
        # a client's own X-Forwarded-For is kept in front of the address nginx saw
        forwarded = requests.get(url + '/', headers={'X-Forwarded-For': '10.0.0.9'},
                                 timeout=10).json()['headers']['X-Forwarded-For']
        assert forwarded == '10.0.0.9, 127.0.0.1'
        # uploads beyond nginx's default 1 MB reach Odoo, which judges their size
        upload = requests.post(url + '/web/binary/upload', data=b'x' * (3 << 20), timeout=30)
        assert upload.status_code == 200 and upload.json()['received'] == 3 << 20
        with open(os.path.join(str(tmp_path), 'nginx.pid')) as src:
            master = int(src.read())
        assert master == front.proc.pid
    finally:
        front.stop()
    assert not front.running() and not _alive(master)
    with pytest.raises(OSError):
        socket.create_connection(('127.0.0.1', port), 2).close()


def test_nginx_that_cannot_listen_is_reported(tmp_path):
    with socket.socket() as busy:
        busy.bind(('127.0.0.1', 0))
        busy.listen()
        port = busy.getsockname()[1]
        front = nginx.Nginx('127.0.0.1', port, 1, 2, prefix=str(tmp_path))
        with pytest.raises(RuntimeError, match='nginx exited with code'):
            front.start()
    assert not front.running()


def _start_served(tmp_path):
    """The served process of ``server.run`` with the stand-in backend, in a process of its own."""
    port, http_port, longpolling_port = _free_port(), _free_port(), _free_port()
    backend = tmp_path / 'backend.py'
    backend.write_text(BACKEND)
    code = ('import sys; from odoo311.suite import nginx, server; sys.exit(server.run('
            'nginx.Nginx("127.0.0.1", %d, %d, %d, prefix=%r), [sys.executable, %r, "%d", "%d"]))'
            % (port, http_port, longpolling_port, str(tmp_path / 'front'), str(backend),
               http_port, longpolling_port))
    env = dict(os.environ, PYTHONPATH=RUNTIME)
    proc = subprocess.Popen([sys.executable, '-c', code], env=env)
    url = 'http://127.0.0.1:%d' % port

    def answers():
        assert proc.poll() is None, 'the served process ended'
        try:
            return requests.get(url + '/longpolling/poll', timeout=2).status_code == 200
        except requests.RequestException:
            return False
    _wait_until(answers)
    assert requests.get(url + '/web', timeout=5).json()['backend'] == 'http'
    children = _children(proc.pid)
    assert len(children) == 2   # the backend and the nginx master
    return proc, children


@pytest.mark.parametrize('how', ['SIGTERM', 'SIGINT', 'SIGKILL'])
def test_served_process_stops_with_its_nginx_and_backend(tmp_path, how):
    proc, children = _start_served(tmp_path)
    proc.send_signal(getattr(signal, how))
    proc.wait(60)
    if how != 'SIGKILL':
        assert proc.returncode == 0
    # killed outright, its children are told by the kernel (no orphan nginx)
    _wait_until(lambda: not any(_alive(pid) for pid in children))


def test_served_process_ends_when_its_backend_ends(tmp_path):
    proc, children = _start_served(tmp_path)
    backend = next(pid for pid in children
                   if 'nginx' not in open('/proc/%d/cmdline' % pid).read())
    os.kill(backend, signal.SIGKILL)
    proc.wait(60)
    assert proc.returncode == 128 + signal.SIGKILL
    _wait_until(lambda: not any(_alive(pid) for pid in children))


def test_serve_command_runs_odoo_behind_nginx_on_the_given_address():
    cmd = server.serve_command('crmsuite_x', 8469, workers=3, extra=['--limit-time-real', '600'])
    assert cmd[1:8] == ['-m', 'odoo311.suite.server', '--host', '127.0.0.1', '--port', '8469',
                        '--']
    assert cmd[8:] == ['-c', server.CONF, '-d', 'crmsuite_x', '--db-filter', '^crmsuite_x$',
                       '--workers', '3', '--max-cron-threads', '1', '--limit-time-real', '600']
