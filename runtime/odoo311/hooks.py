"""Run a function right after a given module is imported (a post-import hook).

Odoo modules that need a runtime patch are patched when they are first imported, so the launcher
does not have to import half of Odoo up front and the patch cannot be missed by a late import.
"""
import importlib.abc
import sys

_HOOKS = {}


class _HookedLoader(importlib.abc.Loader):
    def __init__(self, loader, name):
        self._loader = loader
        self._name = name

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        self._loader.exec_module(module)
        for func in _HOOKS.get(self._name, ()):
            func(module)

    def __getattr__(self, attr):
        return getattr(self._loader, attr)


class _PostImportFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name not in _HOOKS:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, 'find_spec'):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, 'exec_module'):
                    spec.loader = _HookedLoader(spec.loader, name)
                return spec
        return None


_FINDER = _PostImportFinder()


def after_import(name, func):
    """Call ``func(module)`` once module ``name`` is imported (at once if it already is)."""
    _HOOKS.setdefault(name, []).append(func)
    if _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)
    if name in sys.modules:
        func(sys.modules[name])
