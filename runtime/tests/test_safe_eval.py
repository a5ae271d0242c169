"""safe_eval on 3.11 accepts what it accepted on 3.7 and still rejects what it rejected."""
import pytest

import importlib
from odoo.tools.safe_eval import const_eval, expr_eval, safe_eval

sandbox = importlib.import_module("odoo.tools.safe_eval")


class Record:
    """A stand-in for a recordset in server-action code: attributes and a filtered()."""

    def __init__(self, state, ids):
        self.state, self.ids = state, ids

    def filtered(self, func):
        return [r for r in (self, Record('done', [9])) if func(r)]


@pytest.mark.parametrize('expr, expected', [
    ('10', 10),
    ('-1.5', -1.5),
    ("(1, {'a': {2.5}}, [None, 'foo'])", (1, {'a': {2.5}}, [None, 'foo'])),
    ('[1, 2, 3, 4]', [1, 2, 3, 4]),
    ('{1, 2, 3}', {1, 2, 3}),
    ("{'a': 1, 'b': [True, False]}", {'a': 1, 'b': [True, False]}),
])
def test_const_eval_accepts_literals(expr, expected):
    assert const_eval(expr) == expected


@pytest.mark.parametrize('expr', ['[1] + [2]', 'a', 'len([1])', "'a' in 'abc'", 'lambda: 1'])
def test_const_eval_rejects_anything_but_literals(expr):
    with pytest.raises(ValueError, match='forbidden opcode'):
        const_eval(expr)


@pytest.mark.parametrize('expr, expected', [
    ('1 + 2 * 3 - 4 // 3 % 5 ** 2', 6),
    ("[1, 2] * 2", [1, 2, 1, 2]),
    ("3 in [1, 2, 3]", True),
    ("not 3 is None", True),
    ("(1, 2, 3)[1:]", (2, 3)),
    ("~5 & 0xff ^ 1 | 2 << 1 >> 1", 251),
])
def test_expr_eval_accepts_arithmetic(expr, expected):
    assert expr_eval(expr) == expected


@pytest.mark.parametrize('expr', ['abs(-1)', 'a.b', 'lambda: 1', '[x for x in (1, 2)]'])
def test_expr_eval_rejects_names_calls_functions(expr):
    with pytest.raises(ValueError, match='forbidden opcode'):
        expr_eval(expr)


CONTEXT = {'active_id': 7, 'uid': 2, 'a': 3, 'b': 0, 'c': 'x', 'kw': {'k': 1}, 'seq': [3, 1, 2],
           'record': Record('overdue', [1, 2])}


@pytest.mark.parametrize('expr, expected', [
    ("[('partner_id', '=', active_id), '|', ('state', 'in', ['a', 'b']), ('x', '!=', False)]",
     [('partner_id', '=', 7), '|', ('state', 'in', ['a', 'b']), ('x', '!=', False)]),
    ("{'default_partner_id': active_id, 'search_default_uid': uid, 'group_by': ['stage_id']}",
     {'default_partner_id': 7, 'search_default_uid': 2, 'group_by': ['stage_id']}),
    ('[x * 2 for x in range(5) if x % 2]', [2, 6]),
    ('{x: x * x for x in seq}', {3: 9, 1: 1, 2: 4}),
    ('{x % 2 for x in seq}', {0, 1}),
    ('sum(x for x in seq if x > 1)', 5),
    ("f'{c}-{a:>3}-{a!r}'", 'x-  3-3'),
    ('len(seq) + max(*seq) + min(seq)', 7),
    ('dict(z=1, **kw)', {'z': 1, 'k': 1}),
    ("list(map(str, seq))", ['3', '1', '2']),
    ('1 < a < 5 != b', True),
    ('a if b else c', 'x'),
    ('a if not b else c', 3),
    ("b or a and c", 'x'),
    ('seq[0] is not None and a in seq', True),
    ("[r.state for r in record.filtered(lambda r: r.state == 'overdue')]", ['overdue']),
    ("'%s/%d' % (c, a)", 'x/3'),
])
def test_safe_eval_accepts_what_37_accepted(expr, expected):
    assert safe_eval(expr, dict(CONTEXT)) == expected


def test_safe_eval_exec_mode_statements():
    code = (
        "total = 0\n"
        "for x in seq:\n"
        "    if x == 1:\n"
        "        continue\n"
        "    total += x\n"
        "try:\n"
        "    1 / b\n"
        "except Exception as e:\n"
        "    total += 100\n"
        "assert total == 105, 'sum'\n"
        "def double(v):\n"
        "    return v * 2\n"
        "result = double(total)\n"
    )
    values = dict(CONTEXT)
    safe_eval(code, values, mode='exec', nocopy=True)
    assert values['result'] == 210


@pytest.mark.parametrize('expr, error, message', [
    ("__import__('os').system('true')", NameError, "forbidden name '__import__'"),
    ('().__class__.__bases__[0].__subclasses__()', NameError, "forbidden name '__class__'"),
    ('a.__dict__', NameError, "forbidden name '__dict__'"),
    ("record.filtered(lambda r: r.__class__)", NameError, "forbidden name '__class__'"),
    ('(x for x in seq).gi_frame', NameError, "forbidden name 'gi_frame'"),
    ('(x for x in seq).gi_frame.f_globals', NameError, "forbidden name"),
    ("(lambda: 1).__code__.co_code", NameError, "forbidden name '__code__'"),
    ("seq.__getitem__(0)", NameError, "forbidden name '__getitem__'"),
    ("getattr(a, '__class__')", ValueError, "name 'getattr' is not defined"),
    ("exec('x = 1')", ValueError, "name 'exec' is not defined"),
    ("eval('1')", ValueError, "name 'eval' is not defined"),
    ("compile('1', '', 'eval')", ValueError, "name 'compile' is not defined"),
    ("open('/etc/passwd')", ValueError, "name 'open' is not defined"),
    ("globals()", ValueError, "name 'globals' is not defined"),
    ("type(a)", ValueError, "name 'type' is not defined"),
    ("lambda v: (lambda: v)", ValueError, "forbidden opcode"),
])
def test_safe_eval_rejects(expr, error, message):
    with pytest.raises(error, match=message.replace('(', r'\(').replace(')', r'\)')):
        safe_eval(expr, dict(CONTEXT))


@pytest.mark.parametrize('code, message', [
    ('import os', 'IMPORT_NAME'),
    ('from os import path', 'IMPORT_NAME'),
    ("with open('x') as f:\n    pass", 'BEFORE_WITH'),
    ('def gen():\n    yield from seq', 'forbidden opcode'),
    ('def outer(v):\n    def inner():\n        return v\n    return inner', 'forbidden opcode'),
    ('global a\na = 1', 'STORE_GLOBAL'),
    ('class A:\n    pass', 'LOAD_BUILD_CLASS'),
    ('del seq[0]', 'DELETE_SUBSCR'),
    ('a.x = 1', 'STORE_ATTR'),
    ('def f():\n    import os', 'IMPORT_NAME'),
    ('def f(r):\n    return r.__class__', "forbidden name '__class__'"),
])
def test_safe_eval_exec_rejects(code, message):
    with pytest.raises((ValueError, NameError), match=message):
        safe_eval(code, dict(CONTEXT), mode='exec')


def test_test_python_expr_reports_forbidden_code():
    assert sandbox.test_python_expr('import os', mode='exec').startswith('forbidden opcode(s)')
    assert sandbox.test_python_expr("[('a', '=', 1)]") is False
