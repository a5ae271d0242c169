"""Each runtime patch does what Odoo 11 expects of the Python it was written for."""
import base64
import collections
import inspect
import threading
import xml.etree.ElementTree as ElementTree

import pytest
import yaml
from lxml import etree


def test_collections_abc_aliases():
    assert collections.Mapping is collections.abc.Mapping
    assert collections.Iterable is collections.abc.Iterable
    assert collections.MutableSet is collections.abc.MutableSet


def test_getargspec_and_formatargspec():
    def method(self, a, b=2, *args, **kwargs):
        return a
    spec = inspect.getargspec(method)
    assert spec == (['self', 'a', 'b'], 'args', 'kwargs', (2,))
    assert inspect.formatargspec(*spec) == '(self, a, b=2, *args, **kwargs)'


def test_base64_encodestring():
    assert base64.encodestring(b'odoo') == b'b2Rvbw==\n'
    assert base64.decodestring(b'b2Rvbw==\n') == b'odoo'


def test_thread_isalive():
    thread = threading.Thread(target=lambda: None)
    assert thread.isAlive() is False


def test_setrlimit_accepts_float_seconds():
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    resource.setrlimit(resource.RLIMIT_CPU, (float(soft), hard))
    assert resource.getrlimit(resource.RLIMIT_CPU) == (soft, hard)


def test_yaml_load_without_loader():
    assert yaml.load('a: [1, 2]') == {'a': [1, 2]}


def test_elementtree_getchildren(tmp_path):
    root = ElementTree.fromstring('<templates><t t-name="a"/><t t-name="b"/></templates>')
    assert [child.get('t-name') for child in root.getchildren()] == ['a', 'b']
    assert len(list(root.getiterator('t'))) == 2


def test_web_client_qweb_concatenation(tmp_path):
    """/web/webclient/qweb concatenates the modules' template files with getchildren()."""
    from odoo.addons.web.controllers.main import concat_xml
    first, second = tmp_path / 'a.xml', tmp_path / 'b.xml'
    first.write_text('<templates><t t-name="one"/></templates>')
    second.write_text('<templates><t t-name="two"/></templates>')
    content, checksum = concat_xml([str(first), str(second)])
    assert content == b'<templates><t t-name="one" /><t t-name="two" /></templates>'
    assert len(checksum) == 40


def test_qweb_compiles_and_renders_on_311():
    """QWeb builds ASTs the 3.7 way (no posonlyargs, Name('None')); they must compile."""
    from odoo.addons.base.ir.ir_qweb.qweb import QWeb
    template = etree.fromstring(
        '<t t-name="x"><ul><li t-foreach="items" t-as="item" t-att-class="item_odd and \'odd\'">'
        '<t t-esc="item"/><t t-if="item is None">none</t></li></ul>'
        '<t t-set="total" t-value="sum(i for i in items if i)"/><b t-esc="total"/></t>')
    html = QWeb().render(template, {'items': [1, 2, None]})
    assert html == (b'<ul><li>1</li><li class="odd">2</li><li>none</li></ul><b>3</b>')


def test_qweb_templates_keep_python2_names():
    """stock's location barcode report pages with xrange(), which safe_eval offers templates."""
    import functools
    from odoo.addons.base.ir.ir_qweb.qweb import QWeb
    namespace = {}
    exec(compile(QWeb._base_module(None), '<template>', 'exec'), namespace)
    assert namespace['xrange'] is range
    assert namespace['unicode'] is str
    assert namespace['reduce'] is functools.reduce


def test_ir_qweb_expressions_keep_the_sandbox():
    """The database QWeb checks t-esc expressions with safe_eval's rules."""
    from odoo.addons.base.ir.ir_qweb.ir_qweb import IrQWeb
    node = IrQWeb._compile_expr(None, "record.name if record else ''")
    assert type(node).__name__ == 'IfExp'
    with pytest.raises(NameError, match="forbidden name '__class__'"):
        IrQWeb._compile_expr(None, '().__class__')
    with pytest.raises(ValueError, match='forbidden opcode'):
        IrQWeb._compile_expr(None, 'lambda v: (lambda: v)')
