"""nginx in front of a served Odoo, as in production.

With ``--workers``, Odoo 11 answers the web client's ``/longpolling/`` requests only on its
gevent port, and its HTTP workers answer the rest: the front server routes ``/longpolling/``
to the one and everything else to the others, and tells Odoo (run with ``--proxy-mode``) the
address, host and scheme the client used in the ``X-Forwarded-*`` headers, as Odoo's deployment
guide configures it.

Each front server has its own prefix ``var/nginx/<port>/``: its ``nginx.conf`` (written at each
start), ``nginx.pid``, ``logs/`` and ``tmp/``; servers on several ports run side by side. nginx
runs in the foreground as a child of the process that starts it, as the current user, and stops
with it. The Debian package's own service is never used (``scripts/setup.sh`` installs nginx
without starting it).
"""
import ctypes
import os
import shutil
import signal
import subprocess
import time

from .config import VAR

_PR_SET_PDEATHSIG = 1

CONFIG = """\
# Written by bin/suite at each start of the server on {listen}: edits are lost.
{user}daemon off;
worker_processes 1;
pid nginx.pid;
error_log logs/error.log;

events {{
    worker_connections 1024;
}}

http {{
    access_log logs/access.log;
    client_body_temp_path tmp/body;
    proxy_temp_path tmp/proxy;
    fastcgi_temp_path tmp/fastcgi;
    uwsgi_temp_path tmp/uwsgi;
    scgi_temp_path tmp/scgi;

    upstream odoo {{
        server 127.0.0.1:{http_port};
    }}
    upstream odoochat {{
        server 127.0.0.1:{longpolling_port};
    }}

    server {{
        listen {listen};

        # long requests (reports, reviews) end by Odoo's own time limit, not here
        proxy_read_timeout 720s;
        proxy_connect_timeout 720s;
        proxy_send_timeout 720s;
        # the size of an upload is Odoo's to judge
        client_max_body_size 0;

        # proxy mode: what the client asked for ($http_host keeps the port, $host does not)
        proxy_set_header Host $http_host;
        proxy_set_header X-Forwarded-Host $http_host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_set_header X-Real-IP $remote_addr;
        proxy_redirect off;

        location /longpolling/ {{
            proxy_pass http://odoochat;
        }}
        location / {{
            proxy_pass http://odoo;
        }}

        gzip on;
        gzip_types text/css text/plain text/xml application/xml application/json
                   application/javascript;
    }}
}}
"""


def find_nginx():
    """The nginx binary (Debian puts it in /usr/sbin, which a user's PATH may lack)."""
    for candidate in (shutil.which('nginx'), '/usr/sbin/nginx', '/usr/local/sbin/nginx'):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise SystemExit('nginx is not installed: run scripts/setup.sh (make setup)')


def listen_address(host, port):
    """``host:port`` as nginx's ``listen`` reads it (an IPv6 address in brackets).

    >>> listen_address('127.0.0.1', 8069), listen_address('::1', 8069)
    ('127.0.0.1:8069', '[::1]:8069')
    """
    return '[%s]:%d' % (host, port) if ':' in host else '%s:%d' % (host, port)


def config_text(host, port, http_port, longpolling_port, as_root=None):
    """The ``nginx.conf`` of a front server on ``host:port`` for Odoo's HTTP port and its
    long-polling port on this machine; paths are relative to the prefix.

    Run as root, nginx would switch its workers to an unprivileged user that cannot write the
    prefix: ``user root;`` keeps them with the master. Otherwise the directive is left out
    (nginx ignores it, with a warning, when it is not root).
    """
    if as_root is None:
        as_root = os.geteuid() == 0
    return CONFIG.format(user='user root;\n' if as_root else '', listen=listen_address(host, port),
                         http_port=http_port, longpolling_port=longpolling_port)


def _die_with_parent():
    """In the child, before exec: receive SIGTERM when the parent dies (no orphan server)."""
    parent = os.getppid()
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:   # the parent died before the request
        os._exit(1)


def stop_process(proc, timeout):
    """Stop a child the graceful way (SIGTERM: nginx's and Odoo's shutdown), killed when it
    has not ended after ``timeout`` seconds."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def start_child(cmd, **kwargs):
    """``subprocess.Popen(cmd)`` for a process that must not outlive this one."""
    return subprocess.Popen(cmd, preexec_fn=_die_with_parent, **kwargs)


class Nginx:
    """One front server: ``start()`` writes the configuration and starts nginx, ``stop()`` ends
    it (fast shutdown: open long-polling requests are not waited for)."""

    def __init__(self, host, port, http_port, longpolling_port, prefix=None):
        self.host, self.port = host, port
        self.http_port, self.longpolling_port = http_port, longpolling_port
        self.prefix = prefix or os.path.join(VAR, 'nginx', str(port))
        self.conf = os.path.join(self.prefix, 'nginx.conf')
        self.binary = find_nginx()   # before anything starts
        self.proc = None

    def write_config(self):
        for name in ('logs', 'tmp'):
            os.makedirs(os.path.join(self.prefix, name), exist_ok=True)
        with open(self.conf, 'w') as out:
            out.write(config_text(self.host, self.port, self.http_port, self.longpolling_port))

    def start(self, timeout=10):
        """Start nginx and return once it listens: it writes its pid file after opening its
        sockets (and exits when it cannot, after retrying for about two seconds)."""
        self.write_config()
        pid_file = os.path.join(self.prefix, 'nginx.pid')
        if os.path.exists(pid_file):
            os.unlink(pid_file)
        self.proc = start_child([self.binary, '-p', self.prefix + os.sep, '-c', 'nginx.conf'])
        deadline = time.time() + timeout
        while not self._pid_written(pid_file):
            if self.proc.poll() is not None:
                raise RuntimeError('nginx exited with code %s (see %s)' % (
                    self.proc.returncode, os.path.join(self.prefix, 'logs', 'error.log')))
            if time.time() > deadline:
                self.stop()
                raise RuntimeError('nginx does not start on %s'
                                   % listen_address(self.host, self.port))
            time.sleep(0.05)

    def _pid_written(self, pid_file):
        try:
            with open(pid_file) as src:
                return src.read().strip() == str(self.proc.pid)
        except FileNotFoundError:
            return False

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        if self.proc is not None:
            stop_process(self.proc, 20)
