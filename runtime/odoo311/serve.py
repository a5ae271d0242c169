"""Serve Odoo with HTTP workers and a cron worker behind a small front proxy.

With ``--workers``, Odoo 11 answers the web client's ``/longpolling/*`` requests only on its
separate gevent port; production puts nginx in front to route them. This module does the same
job for one port: ``/longpolling/`` goes to the gevent process, everything else to the HTTP
workers. Each proxied request uses its own connection (``Connection: close``), which keeps the
proxy a plain byte pipe.

``bin/suite demo`` and the suite-level tests start the server this way:
``python -m odoo311.serve --port 8069 -- <odoo arguments>``.
"""
import argparse
import asyncio
import os
import signal
import subprocess
import sys

HOP_HEADERS = (b'connection:', b'keep-alive:', b'proxy-connection:')


def _rewrite_head(head, extra=()):
    lines = head.split(b'\r\n')
    kept = [line for line in lines[1:] if line and not line.lower().startswith(HOP_HEADERS)]
    return b'\r\n'.join([lines[0]] + kept + [b'Connection: close'] + list(extra)) + b'\r\n\r\n'


async def _pipe(reader, writer):
    try:
        while True:
            chunk = await reader.read(65536)
            if not chunk:
                break
            writer.write(chunk)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass


class FrontProxy:
    def __init__(self, http_port, longpolling_port):
        self.http_port, self.longpolling_port = http_port, longpolling_port

    async def handle(self, client_reader, client_writer):
        backend_writer = None
        try:
            head = await client_reader.readuntil(b'\r\n\r\n')
            target = head.split(b' ', 2)[1] if head.count(b' ') >= 2 else b'/'
            port = self.longpolling_port if target.startswith(b'/longpolling/') else self.http_port
            peer = (client_writer.get_extra_info('peername') or ('127.0.0.1',))[0]
            backend_reader, backend_writer = await asyncio.open_connection('127.0.0.1', port)
            backend_writer.write(_rewrite_head(head, [b'X-Forwarded-For: ' + peer.encode()]))
            upload = asyncio.ensure_future(_pipe(client_reader, backend_writer))
            response_head = await backend_reader.readuntil(b'\r\n\r\n')
            client_writer.write(_rewrite_head(response_head))
            await _pipe(backend_reader, client_writer)
            upload.cancel()
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, OSError):
            pass
        finally:
            for writer in (backend_writer, client_writer):
                if writer is not None:
                    writer.close()


def main(argv):
    parser = argparse.ArgumentParser(prog='python -m odoo311.serve')
    parser.add_argument('--port', type=int, default=8069, help='public port (the proxy)')
    parser.add_argument('--host', default='127.0.0.1', help='interface of the public port')
    parser.add_argument('odoo_args', nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    odoo_args = [a for a in args.odoo_args if a != '--']
    http_port, longpolling_port = args.port + 10000, args.port + 10003
    launcher = os.path.join(os.path.dirname(os.path.abspath(__file__)), '__main__.py')
    odoo = subprocess.Popen([sys.executable, launcher] + odoo_args + [
        '--http-interface', '127.0.0.1', '--http-port', str(http_port),
        '--longpolling-port', str(longpolling_port), '--proxy-mode'])

    loop = asyncio.new_event_loop()
    proxy = FrontProxy(http_port, longpolling_port)
    server = loop.run_until_complete(asyncio.start_server(proxy.handle, args.host, args.port))

    def stop(*_args):
        loop.stop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop)

    async def watch_odoo():
        while odoo.poll() is None:
            await asyncio.sleep(0.5)
        loop.stop()
    watcher = loop.create_task(watch_odoo())
    try:
        loop.run_forever()
    finally:
        watcher.cancel()
        loop.run_until_complete(asyncio.gather(watcher, return_exceptions=True))
        server.close()
        if odoo.poll() is None:
            odoo.send_signal(signal.SIGTERM)  # Odoo's graceful shutdown
            try:
                odoo.wait(60)
            except subprocess.TimeoutExpired:
                odoo.kill()
                odoo.wait()
        loop.close()
    return odoo.returncode or 0


if __name__ == '__main__':
    import odoo311
    odoo311.apply()
    sys.exit(main(sys.argv[1:]))
