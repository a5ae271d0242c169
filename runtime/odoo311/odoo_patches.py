"""Patches on Odoo's own modules, applied right after each module is imported."""
import ast

from .hooks import after_import

# --- safe_eval -------------------------------------------------------------------------------
# Python 3.11 bytecode for the constructs that Odoo 11's whitelist accepted on 3.7. Each opcode
# is placed in the narrowest set that its 3.7 counterpart was in; nothing that was refused on 3.7
# (imports, closures, ``with``, ``yield from``, dunder names, ...) is added.
SAFE_EVAL_CONST_311 = {
    'RESUME',               # 3.11: no-op at the start of every code object
    'NOP',                  # 3.8+: placeholder the compiler may leave behind
    'CACHE',                # 3.11: inline cache entries (only shown with show_caches)
    'COPY', 'SWAP',         # 3.11: replace DUP_TOP / ROT_TWO / ROT_THREE / ROT_FOUR
    'LIST_EXTEND',          # 3.9: [1, 2, 3] is BUILD_LIST + LIST_EXTEND of a constant tuple
    'SET_UPDATE',           # 3.9: {1, 2, 3} is BUILD_SET + SET_UPDATE of a constant frozenset
}
SAFE_EVAL_EXPR_311 = {
    'BINARY_OP',            # 3.11: every BINARY_* / INPLACE_* arithmetic opcode
    'IS_OP', 'CONTAINS_OP',  # 3.9: ``is`` / ``in`` used to be COMPARE_OP
}
SAFE_EVAL_SAFE_311 = {
    'PUSH_NULL', 'PRECALL', 'CALL', 'KW_NAMES',  # 3.11: CALL_FUNCTION / _KW / CALL_METHOD
    'DICT_MERGE',           # 3.9: f(**kw) builds its keyword dict with DICT_MERGE
    'LIST_TO_TUPLE',        # 3.9: f(*a, *b) packs its positional arguments
    'FORMAT_VALUE', 'BUILD_STRING',  # f-strings
    'RETURN_GENERATOR',     # 3.11: start of generator expressions (YIELD_VALUE was allowed)
    'JUMP_BACKWARD', 'JUMP_BACKWARD_NO_INTERRUPT',  # 3.11: JUMP_ABSOLUTE
    'POP_JUMP_FORWARD_IF_FALSE', 'POP_JUMP_FORWARD_IF_TRUE',  # 3.11: POP_JUMP_IF_*
    'POP_JUMP_BACKWARD_IF_FALSE', 'POP_JUMP_BACKWARD_IF_TRUE',
    'POP_JUMP_FORWARD_IF_NONE', 'POP_JUMP_FORWARD_IF_NOT_NONE',  # 3.11: ``x is None`` tests
    'POP_JUMP_BACKWARD_IF_NONE', 'POP_JUMP_BACKWARD_IF_NOT_NONE',
    'PUSH_EXC_INFO', 'CHECK_EXC_MATCH', 'RERAISE',  # 3.11: try/except (SETUP_EXCEPT era)
    'LOAD_ASSERTION_ERROR',  # 3.9: ``assert`` used LOAD_GLOBAL AssertionError
}


def safe_eval_311_opcodes(module):
    """Python 3.11 replaced many opcodes: extend safe_eval's whitelists with their successors."""
    from opcode import opmap

    def codes(names):
        return {opmap[name] for name in names if name in opmap}
    const, expr, safe = codes(SAFE_EVAL_CONST_311), codes(SAFE_EVAL_EXPR_311), codes(SAFE_EVAL_SAFE_311)
    module._CONST_OPCODES.update(const)
    module._EXPR_OPCODES.update(const | expr)
    module._SAFE_OPCODES.update(const | expr | safe)


# --- QWeb ------------------------------------------------------------------------------------
class _QWebAstFixer(ast.NodeTransformer):
    """Make an AST built by Odoo 11's QWeb compiler valid for Python 3.11's ``compile``."""

    _CONSTANTS = {'None': None, 'True': True, 'False': False}

    def visit_Name(self, node):
        # 3.8: Name('None') is no longer allowed, constants are ast.Constant
        if node.id in self._CONSTANTS and isinstance(node.ctx, ast.Load):
            return ast.copy_location(ast.Constant(value=self._CONSTANTS[node.id]), node)
        return node

    def generic_visit(self, node):
        node = super().generic_visit(node)
        if isinstance(node, ast.arguments) and not hasattr(node, 'posonlyargs'):
            node.posonlyargs = []  # 3.8: positional-only arguments
        if isinstance(node, ast.Module) and not hasattr(node, 'type_ignores'):
            node.type_ignores = []  # 3.8: type comments
        return node


def _fix_positions(tree):
    # 3.11 validates source ranges; QWeb copies element source lines onto nested defs
    for node in ast.walk(tree):
        if 'lineno' not in node._attributes:
            continue
        lineno = getattr(node, 'lineno', None) or 1
        node.lineno = lineno
        node.col_offset = getattr(node, 'col_offset', None) or 0
        node.end_lineno = lineno
        node.end_col_offset = node.col_offset
    return tree


def _qweb_compile(source, filename, mode, *args, **kwargs):
    if isinstance(source, ast.AST):
        source = _fix_positions(_QWebAstFixer().visit(source))
    return compile(source, filename, mode, *args, **kwargs)


def qweb_ast_311(module):
    """Python 3.8+ changed the AST (posonlyargs, type_ignores, Constant, ranges): fix QWeb's."""
    module.compile = _qweb_compile


def qweb_python2_names(module):
    """Templates may use the Python 2 names safe_eval advertises (``xrange``, ``unicode``,
    ``reduce``), which Python 3 no longer defines: define them in every compiled template."""
    original = module.QWeb._base_module
    if getattr(original, '__odoo311__', False):
        return

    def _base_module(self):
        tree = original(self)
        tree.body[:0] = ast.parse("from builtins import range as xrange, str as unicode\n"
                                  "from functools import reduce\n").body
        return tree
    _base_module.__odoo311__ = True
    module.QWeb._base_module = _base_module


def register():
    after_import('odoo.tools.safe_eval', safe_eval_311_opcodes)
    after_import('odoo.addons.base.ir.ir_qweb.qweb', qweb_ast_311)
    after_import('odoo.addons.base.ir.ir_qweb.qweb', qweb_python2_names)
    after_import('odoo.addons.base.ir.ir_qweb.ir_qweb', qweb_ast_311)
    from . import browser, testing
    after_import('odoo.tests.common', browser.chromium_tours)
    testing.register()
