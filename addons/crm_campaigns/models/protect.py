"""Fields the campaign computes itself (scores, groups, contacts, invoiced figures, evaluation
results): views show them read-only, and the server refuses them too.

The module's own steps write them with :func:`system`, which puts an object in the context that
no RPC client can send (JSON carries no Python object); the superuser (data files, crons,
``sudo()``) writes them as well.
"""
from odoo import SUPERUSER_ID, _
from odoo.exceptions import AccessError

CONTEXT_KEY = 'crm_campaigns_system_write'
_MARKER = object()


def system(records):
    """``records`` allowed to write their system fields (the module's own steps only)."""
    return records.with_context(**{CONTEXT_KEY: _MARKER})


def is_system(records):
    """Whether ``records`` run as the module itself or as the superuser."""
    return records.env.uid == SUPERUSER_ID or records.env.context.get(CONTEXT_KEY) is _MARKER


def check_system_fields(records, vals, names, create=False):
    """Refuse ``vals`` (and, on create, ``default_*`` context keys) that set one of ``names``
    unless the caller is the module itself or the superuser."""
    if is_system(records):
        return
    touched = set(vals) & set(names)
    if create:
        touched |= {name for name in names if 'default_%s' % name in records.env.context}
    if touched:
        labels = sorted(records._fields[name]._description_string(records.env)
                        for name in touched)
        raise AccessError(_("Set by the campaign, not editable: %s.") % ', '.join(labels))
