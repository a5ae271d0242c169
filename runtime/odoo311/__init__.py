"""odoo311: the runtime layer that runs Odoo 11.0 Community on CPython 3.11.

``apply()`` must run before the first ``import odoo``; the launcher (``python -m odoo311`` or
``bin/odoo``) does it for the server, the shell, the tests and every script.
"""
_applied = False


def apply():
    """Apply every runtime patch once (Python-level now, Odoo-level on import of each module)."""
    global _applied
    if _applied:
        return
    from . import patches, odoo_patches
    patches.apply_all()
    odoo_patches.register()
    _applied = True
