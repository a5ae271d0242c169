"""Headless Chromium for Odoo's ``HttpCase`` tours, over the Chrome DevTools Protocol.

Odoo 11 drives tours with PhantomJS, which no longer exists. ``HttpCase.phantom_js`` is replaced
by a runner with the same protocol: open the page with the test session cookie, wait until the
``ready`` expression is true, evaluate ``code``, then wait for ``console.log('ok')``. A line
starting with ``error``, an uncaught exception, a ``console.error`` or a dialog fails the test.

Chromium is spoken to over ``--remote-debugging-pipe`` (file descriptors 3 and 4, messages
separated by NUL bytes), so no port and no websocket library are needed.
"""
import base64
import json
import logging
import os
import queue
import re
import shutil
import subprocess
import tempfile
import threading
import time

_logger = logging.getLogger('odoo311.browser')

CHROMIUM_CANDIDATES = ('chromium', 'chromium-browser', 'google-chrome', 'chrome')
CHROMIUM_FLAGS = (
    '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--disable-extensions', '--disable-default-apps', '--mute-audio', '--hide-scrollbars',
    '--disable-dev-shm-usage', '--no-default-browser-check', '--remote-debugging-pipe',
)
# The only fonts Chromium sees, whatever the machine has: text widths feed pixel-exact QUnit tests
# (with DejaVu Sans for the CSS's Helvetica, FullCalendar hit-tests a click on a day's left edge
# as the day before), so Liberation Sans, metric-compatible with Helvetica/Arial, and DejaVu.
FONT_DIRS = ('/usr/share/fonts/truetype/liberation', '/usr/share/fonts/truetype/dejavu')
FONTCONFIG = '''<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
%s
  <include ignore_missing="yes">/etc/fonts/conf.d</include>
  <cachedir>%s</cachedir>
</fontconfig>
'''
# the checkout's lessc, as bin/odoo puts on PATH: without it the QUnit page gets no stylesheet
NODE_BIN = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), 'node_modules', '.bin')


class BrowserError(Exception):
    """Chromium could not be started or stopped answering."""


def find_chromium():
    path = os.environ.get('CHROMIUM_BIN')
    if path:
        return path
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


class Chromium:
    """One headless Chromium with one page, driven over the DevTools pipe."""

    def __init__(self, width=1366, height=768):
        binary = find_chromium()
        if not binary:
            raise BrowserError("Chromium not found (install Debian's chromium or set CHROMIUM_BIN)")
        self._profile = tempfile.mkdtemp(prefix='odoo311-chromium-')
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()

        def child_fds():
            os.dup2(to_chrome_r, 3)
            os.dup2(from_chrome_w, 4)
        cmd = [binary, *CHROMIUM_FLAGS, '--user-data-dir=' + self._profile,
               '--window-size=%d,%d' % (width, height), 'about:blank']
        self._proc = subprocess.Popen(
            cmd, preexec_fn=child_fds, pass_fds=(3, 4, to_chrome_r, from_chrome_w),
            env=dict(os.environ, FONTCONFIG_FILE=self._fontconfig()),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._next_id = 0
        self._replies = {}
        self._reply_ready = threading.Condition()
        self.events = queue.Queue()
        self._reader = threading.Thread(target=self._read_loop, name='odoo311.chromium', daemon=True)
        self._reader.start()
        self.session_id = None
        target = self.call('Target.createTarget', url='about:blank')['targetId']
        self.session_id = self.call('Target.attachToTarget', targetId=target, flatten=True)['sessionId']
        for domain in ('Page', 'Runtime', 'Network', 'Log'):
            self.call(domain + '.enable')
        self.call('Emulation.setDeviceMetricsOverride', width=width, height=height,
                  deviceScaleFactor=1, mobile=False)

    def _fontconfig(self):
        """Write the fontconfig file that shows Chromium only ``FONT_DIRS``; return its path."""
        if not os.path.isdir(FONT_DIRS[0]):
            _logger.warning("%s missing (Debian package fonts-liberation): Chromium falls back to "
                            "DejaVu Sans and pixel-exact QUnit tests fail", FONT_DIRS[0])
        path = os.path.join(self._profile, 'fonts.conf')
        dirs = '\n'.join('  <dir>%s</dir>' % d for d in FONT_DIRS)
        with open(path, 'w') as out:
            out.write(FONTCONFIG % (dirs, os.path.join(self._profile, 'fontconfig')))
        return path

    # -- protocol -------------------------------------------------------------------------------
    def _read_loop(self):
        buf = b''
        while True:
            try:
                chunk = os.read(self._from_chrome, 65536)
            except OSError:
                chunk = b''
            if not chunk:
                with self._reply_ready:
                    self._replies[None] = {'error': {'message': 'Chromium closed the pipe'}}
                    self._reply_ready.notify_all()
                return
            buf += chunk
            while b'\0' in buf:
                raw, buf = buf.split(b'\0', 1)
                message = json.loads(raw.decode('utf-8'))
                if 'id' in message:
                    with self._reply_ready:
                        self._replies[message['id']] = message
                        self._reply_ready.notify_all()
                else:
                    self.events.put(message)

    def call(self, method, timeout=30, **params):
        self._next_id += 1
        message = {'id': self._next_id, 'method': method, 'params': params}
        if self.session_id and not method.startswith('Target.'):
            message['sessionId'] = self.session_id
        os.write(self._to_chrome, json.dumps(message).encode('utf-8') + b'\0')
        deadline = time.time() + timeout
        with self._reply_ready:
            while self._next_id not in self._replies:
                if None in self._replies:
                    raise BrowserError(self._replies[None]['error']['message'])
                left = deadline - time.time()
                if left <= 0:
                    raise BrowserError("No answer from Chromium to %s within %ss" % (method, timeout))
                self._reply_ready.wait(left)
            reply = self._replies.pop(self._next_id)
        if 'error' in reply:
            raise BrowserError("%s: %s" % (method, reply['error'].get('message')))
        return reply.get('result', {})

    # -- page helpers ---------------------------------------------------------------------------
    def set_cookie(self, name, value, url):
        self.call('Network.setCookie', name=name, value=value, url=url)

    def navigate(self, url):
        self.call('Page.navigate', url=url)

    def evaluate(self, expression, await_promise=False):
        result = self.call('Runtime.evaluate', expression=expression, returnByValue=True,
                           awaitPromise=await_promise)
        if 'exceptionDetails' in result:
            raise BrowserError(_exception_text(result['exceptionDetails']))
        return result.get('result', {}).get('value')

    def wait_for(self, expression, timeout=30):
        """Poll ``expression`` in the page until it is truthy; return its value."""
        deadline = time.time() + timeout
        while True:
            try:
                value = self.evaluate(expression)
            except BrowserError:
                value = None
            if value:
                return value
            if time.time() > deadline:
                raise BrowserError("Timeout after %ss waiting for %s" % (timeout, expression))
            time.sleep(0.2)

    def errors(self):
        """Drain pending events; return the console errors, exceptions and dialogs among them."""
        found = []
        while True:
            try:
                event = self.events.get_nowait()
            except queue.Empty:
                return found
            failure, _done = _handle_event(event, lambda _text: None)
            if failure:
                found.append(failure)

    def login(self, base_url, login, password, db=None):
        """Log in through the real /web/login form and wait for the web client."""
        self.navigate(base_url + '/web/login' + ('?db=' + db if db else ''))
        self.wait_for("document.querySelector('form.oe_login_form') !== null")
        self.evaluate(
            "document.querySelector('input[name=login]').value = %s;"
            "document.querySelector('input[name=password]').value = %s;"
            "document.querySelector('form.oe_login_form').submit(); true"
            % (json.dumps(login), json.dumps(password)))
        self.wait_for("!!(window.odoo && odoo.__DEBUG__ && odoo.__DEBUG__.services"
                      " && odoo.__DEBUG__.services['web.web_client']"
                      " && document.querySelector('.o_main_content .o_control_panel'))", 60)

    def screenshot(self, path, full_page=False):
        params = {'format': 'png'}
        if full_page:
            metrics = self.call('Page.getLayoutMetrics')
            size = metrics.get('cssContentSize') or metrics['contentSize']
            params['clip'] = {'x': 0, 'y': 0, 'width': size['width'], 'height': size['height'],
                              'scale': 1}
            params['captureBeyondViewport'] = True
        data = self.call('Page.captureScreenshot', **params)['data']
        with open(path, 'wb') as out:
            out.write(base64.b64decode(data))
        return path

    def close(self):
        try:
            if self._proc.poll() is None:
                try:
                    self.call('Browser.close', timeout=5)
                except BrowserError:
                    pass
                try:
                    self._proc.wait(5)
                except subprocess.TimeoutExpired:
                    self._proc.kill()
                    self._proc.wait()
        finally:
            for fd in (self._to_chrome, self._from_chrome):
                try:
                    os.close(fd)
                except OSError:
                    pass
            shutil.rmtree(self._profile, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _remote_object_text(obj):
    if 'value' in obj:
        value = obj['value']
        return value if isinstance(value, str) else json.dumps(value)
    return obj.get('description') or obj.get('unserializableValue') or obj.get('type', '')


def _exception_text(details):
    exc = details.get('exception') or {}
    text = exc.get('description') or details.get('text') or 'exception'
    where = details.get('url')
    if where:
        text += ' (%s:%s)' % (where, details.get('lineNumber'))
    return text


def run_tour_protocol(browser, url, code, ready, timeout, on_log):
    """Drive one page with the PhantomJS test protocol; return None on 'ok', else a message."""
    browser.navigate(url)
    deadline = time.time() + timeout
    state = 'ready'
    while True:
        if state == 'ready':
            try:
                is_ready = browser.evaluate('!!(%s)' % (ready or 'true'))
            except BrowserError:
                is_ready = False
            if is_ready:
                on_log("condition satisfied, executing: %s" % code)
                browser.evaluate(code or 'true')
                state = 'running'
        try:
            event = browser.events.get(timeout=0.25)
        except queue.Empty:
            event = None
        if event is not None:
            failure, done = _handle_event(event, on_log)
            if failure:
                return failure
            if done:
                return None
        if time.time() > deadline:
            try:
                href = browser.evaluate('window.location.href')
            except BrowserError:
                href = '?'
            return "Tour timeout after %ss (%s) at %s" % (timeout, state, href)


def _handle_event(event, on_log):
    method, params = event.get('method'), event.get('params', {})
    if method == 'Runtime.consoleAPICalled':
        text = ' '.join(_remote_object_text(arg) for arg in params.get('args', []))
        if params.get('type') == 'error':
            return 'console.error: %s' % text, False
        if text.lower().startswith(('error', 'server application error')):
            return text, False
        on_log(text)
        return None, text == 'ok'
    if method == 'Runtime.exceptionThrown':
        return 'uncaught exception: %s' % _exception_text(params['exceptionDetails']), False
    if method == 'Page.javascriptDialogOpening':
        return 'dialog opened: %s' % params.get('message'), False
    if method == 'Log.entryAdded':
        entry = params.get('entry', {})
        if entry.get('level') == 'error' and entry.get('source') not in ('network', 'violation'):
            return 'browser error: %s' % entry.get('text'), False
    return None, False


def _qunit_filter(test_id):
    """``&filter=`` excluding the QUnit tests listed for ``test_id`` in the exclusion file."""
    from urllib.parse import quote
    from .testing import exclusions
    prefix = test_id + '::'
    names = [key[len(prefix):].split(' > ')[-1] for key in exclusions() if key.startswith(prefix)]
    if not names:
        return ''
    pattern = '|'.join(re.escape(name) for name in names)
    return '&filter=' + quote('!/(%s)/' % pattern)


def chromium_tours(module):
    """PhantomJS is gone: ``HttpCase.phantom_js`` runs the same protocol in headless Chromium."""
    HttpCase = module.HttpCase

    def phantom_js(self, url_path, code, ready="window", login=None, timeout=60, **kw):
        # a fresh session per run: Odoo caches the session token by session id, so logging
        # another user into the session of an earlier run would be refused as a stale token
        self.session = module.odoo.http.root.session_store.new()
        self.session_id = self.session.sid
        self.session.db = module.get_db_name()
        module.odoo.http.root.session_store.save(self.session)
        self.opener.cookies['session_id'] = self.session_id
        self.authenticate(login, login)
        origin = 'http://%s:%s' % (module.HOST, module.PORT)
        if not find_chromium():
            raise module.unittest.SkipTest("Chromium not found: install Debian's chromium")
        if not shutil.which('lessc') and os.path.isdir(NODE_BIN):  # run_tests run without bin/
            os.environ['PATH'] = NODE_BIN + os.pathsep + os.environ.get('PATH', '')
        browser_logger = _logger.getChild('console')
        with Chromium() as browser:
            browser.set_cookie('session_id', self.session_id, origin)
            qunit_filter = _qunit_filter(self.id()) if '/web/tests' in url_path else ''
            if qunit_filter:
                url_path += ('&' if '?' in url_path else '?') + qunit_filter.lstrip('&')
            failure = run_tour_protocol(browser, origin + url_path, code, ready, timeout,
                                        browser_logger.info)
            if failure and os.environ.get('ODOO311_TOUR_SCREENSHOTS'):
                shot = os.path.join(os.environ['ODOO311_TOUR_SCREENSHOTS'],
                                    '%s.png' % self.id())
                browser.screenshot(shot)
                failure += ' (screenshot: %s)' % shot
        self._wait_remaining_requests()
        if failure:
            self.fail(failure)

    HttpCase.phantom_js = phantom_js
    HttpCase.browser_js = phantom_js
