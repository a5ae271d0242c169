"""PostgreSQL array literals, bound as one parameter each (``%s::int[]``, ``%s::varchar[]``).

psycopg2 sends a Python list as ``ARRAY[1, 2, ...]``: one expression per element for
PostgreSQL to parse (a quarter of a second for 70,000 ids). A literal is one constant.
Used by crm_loyalty and by the addons that build on it.
"""


def int_array(ids):
    """``ids`` (integers) as an array literal: ``'{1,2,3}'``; bind as ``%s::int[]``."""
    return '{%s}' % ','.join(str(int(pid)) for pid in ids)


def array_literal(values, quote=False):
    """``values`` as an array literal, None as NULL; text is quoted and escaped when
    ``quote`` (bind as ``%s::varchar[]``), numbers and dates are written as ``str`` gives."""
    if quote:
        items = ('NULL' if v is None else
                 '"%s"' % str(v).replace('\\', '\\\\').replace('"', '\\"') for v in values)
    else:
        items = ('NULL' if v is None else str(v) for v in values)
    return '{%s}' % ','.join(items)
