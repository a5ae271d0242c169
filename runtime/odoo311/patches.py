"""Python-level patches that let Odoo 11.0 (written for 3.5-3.7) run on CPython 3.11.

Each patch is one small function; its docstring names the Python or library change that forces
it. They are applied by :func:`odoo311.apply` before the first ``import odoo``. Nothing inside
site-packages is edited.
"""
import base64
import collections
import collections.abc
import inspect
import sys
import threading

PATCHES = []


def patch(func):
    """Register ``func`` as a patch applied by :func:`apply_all`, in definition order."""
    PATCHES.append(func)
    return func


@patch
def collections_abc_aliases():
    """Python 3.10 removed the ABC aliases (``collections.Mapping`` ...) that Odoo 11 imports."""
    for name in collections.abc.__all__:
        if not hasattr(collections, name):
            setattr(collections, name, getattr(collections.abc, name))


ArgSpec = collections.namedtuple('ArgSpec', 'args varargs keywords defaults')


def _getargspec(func):
    spec = inspect.getfullargspec(func)
    return ArgSpec(spec.args, spec.varargs, spec.varkw, spec.defaults)


def _formatargspec(args, varargs=None, varkw=None, defaults=None, *_ignored, **_kw):
    parts = []
    first_default = len(args) - len(defaults or ())
    for index, arg in enumerate(args):
        if defaults and index >= first_default:
            parts.append('%s=%r' % (arg, defaults[index - first_default]))
        else:
            parts.append(arg)
    if varargs:
        parts.append('*' + varargs)
    if varkw:
        parts.append('**' + varkw)
    return '(' + ', '.join(parts) + ')'


@patch
def inspect_getargspec():
    """Python 3.11 removed ``inspect.getargspec`` and ``inspect.formatargspec`` (api, http, cache)."""
    if not hasattr(inspect, 'getargspec'):
        inspect.getargspec = _getargspec
    if not hasattr(inspect, 'formatargspec'):
        inspect.formatargspec = _formatargspec


@patch
def base64_encodestring():
    """Python 3.9 removed ``base64.encodestring``/``decodestring`` (reports, attachments, i18n)."""
    if not hasattr(base64, 'encodestring'):
        base64.encodestring = base64.encodebytes
    if not hasattr(base64, 'decodestring'):
        base64.decodestring = base64.decodebytes


@patch
def thread_isalive():
    """Python 3.9 removed ``Thread.isAlive`` (threaded server shutdown, hardware proxies)."""
    if not hasattr(threading.Thread, 'isAlive'):
        threading.Thread.isAlive = threading.Thread.is_alive


@patch
def time_clock():
    """Python 3.8 removed ``time.clock`` (``test_limits``)."""
    import time
    if not hasattr(time, 'clock'):
        time.clock = time.process_time


@patch
def elementtree_getchildren():
    """Python 3.9 removed ``Element.getchildren``/``getiterator`` (``/web/webclient/qweb``).

    The C accelerator's Element type cannot be extended, so the pure-Python ElementTree is used
    (an already imported accelerated module stays with whoever imported it).
    """
    current = sys.modules.get('xml.etree.ElementTree')
    if current is not None and getattr(current, 'Element', None) is not None:
        try:
            current.Element.getchildren = lambda self: list(self)
        except TypeError:  # the C type: start over with the Python module
            del sys.modules['xml.etree.ElementTree']
    sys.modules['_elementtree'] = None
    import xml.etree.ElementTree as etree
    if not hasattr(etree.Element, 'getchildren'):
        etree.Element.getchildren = lambda self: list(self)
        etree.Element.getiterator = etree.Element.iter
        etree.ElementTree.getiterator = etree.ElementTree.iter


@patch
def resource_setrlimit_int():
    """Python 3.10 stopped accepting floats as integers: prefork workers pass CPU seconds."""
    import resource
    original = resource.setrlimit
    if getattr(original, '__odoo311__', False):
        return

    def setrlimit(which, limits):
        return original(which, tuple(int(value) for value in limits))
    setrlimit.__odoo311__ = True
    resource.setrlimit = setrlimit


@patch
def yaml_load_loader():
    """PyYAML 6 made ``yaml.load``'s Loader mandatory (``tools/yaml_import``)."""
    import yaml
    if getattr(yaml.load, '__odoo311__', False):
        return
    original = yaml.load

    def load(stream, Loader=None):
        return original(stream, Loader=Loader or yaml.FullLoader)
    load.__odoo311__ = True
    yaml.load = load


@patch
def werkzeug_contrib():
    """Werkzeug 1.0 dropped ``werkzeug.contrib``: pinned below 1.0, checked here for a clear error."""
    import werkzeug
    major = int(werkzeug.__version__.split('.')[0])
    if major >= 1:
        raise RuntimeError("Odoo 11 needs Werkzeug<1.0 (werkzeug.contrib), found %s" % werkzeug.__version__)


def apply_all():
    for func in PATCHES:
        func()
