"""The suite's bulk layer, pure part: values sent to PostgreSQL in one go.

Set-based writing is how the suite stays fast (a review writes tens of thousands of rows, an
escalation run raises thousands of activities). This module holds the encoders, with no Odoo
import; the model ``crm.suite.bulk`` (``crm_loyalty/models/crm_suite_bulk.py``) uses them to
COPY rows into a table and to post notes and activities set-based. Every addon of the suite
uses these two places instead of its own encoders.

Array literals
    :func:`int_array` and :func:`array_literal` write a Python list as *one* PostgreSQL array
    literal, bound as one parameter (``%s::int[]``, ``%s::varchar[]``). psycopg2 sends a list
    as ``ARRAY[1, 2, ...]``, one expression per element for PostgreSQL to parse.

    >>> int_array([3, 1, 2])
    '{3,1,2}'
    >>> array_literal(['a "b"', None, 'c\\\\d'], quote=True)
    '{"a \\\\"b\\\\"",NULL,"c\\\\\\\\d"}'

Binary COPY
    :func:`copy_binary` encodes columns (numpy arrays of one length) in COPY's binary format:
    int64 arrays as ``int8`` fields, float64 arrays as ``numeric`` fields (NaN is NULL).
    Columns with NULLs use :data:`INT_NULL` (int) or NaN (float) and are decoded with
    ``NULLIF`` on the server; text travels as codes into its distinct values
    (:func:`text_codes`), dates as day numbers (:func:`stage_array`).

    >>> import numpy as np
    >>> data = copy_binary([np.array([7], dtype=np.int64), np.array([12.5])])
    >>> data[:11] == b'PGCOPY\\n\\xff\\r\\n\\x00' and data[-2:] == b'\\xff\\xff'
    True
    >>> len(data) == len(COPY_HEADER) + 2 + (4 + 8) + (4 + 8 + 2 * NUMERIC_DIGITS) + 2
    True
"""
import math
from datetime import date as date_type

import numpy as np

#: NULL of int8 columns in a binary COPY (ids, counts, day numbers, booleans, text codes).
INT_NULL = int(np.iinfo(np.int64).min)
#: Day 0 of the day numbers dates travel as.
EPOCH = date_type(1970, 1, 1)
#: COPY's binary format: signature, flags and header extension length, then the rows; -1 ends.
COPY_HEADER = b'PGCOPY\n\xff\r\n\x00' + bytes(8)
COPY_TRAILER = b'\xff\xff'
#: Text columns with up to this many distinct values are decoded by subscript, longer lists
#: by a join (a subscript walks a text array from its start).
TEXT_SUBSCRIPT_MAX = 100
#: Amounts and rates travel in PostgreSQL's binary ``numeric`` (no cast of float8 to numeric
#: in the server), in one fixed layout: 6 digits of base 10,000, 4 before the point and 2
#: after, of which :data:`NUMERIC_DECIMALS` decimals are used. PostgreSQL strips the zero
#: digits. Values of :data:`NUMERIC_LIMIT` or more do not fit the layout.
NUMERIC_DIGITS, NUMERIC_WEIGHT, NUMERIC_DECIMALS = 6, 3, 6
NUMERIC_LIMIT = 1e16
NUMERIC_NEGATIVE, NUMERIC_NAN = 0x4000, 0xC000


class TooLarge(ValueError):
    """An amount of :data:`NUMERIC_LIMIT` or more was given to :func:`copy_binary`;
    ``value`` is the largest magnitude."""

    def __init__(self, value):
        super().__init__(value)
        self.value = value


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


def as_date(value):
    """A ``date`` from a date, a datetime or Odoo's date string; None for an empty value."""
    if not value:
        return None
    if isinstance(value, str):
        return date_type.fromisoformat(value[:10])
    return value


def numeric_parts(values):
    """``values`` (float64, NaN for NULL) rounded to :data:`NUMERIC_DECIMALS` decimals and
    15 significant digits, as the sign, display scale and base-10,000 digits of PostgreSQL's
    binary numeric; the display scale is the number of decimals without trailing zeros: the
    value a cast of float8 to numeric gives.

    :raises TooLarge: a magnitude of :data:`NUMERIC_LIMIT` or more.
    """
    values = np.asarray(values, dtype=np.float64)
    missing = np.isnan(values)
    magnitude = np.where(missing, 0.0, np.abs(values))
    if len(magnitude) and magnitude.max() >= NUMERIC_LIMIT:
        raise TooLarge(magnitude.max())
    whole = np.floor(magnitude)
    # at most 15 significant digits, as float8 holds and its cast to numeric writes
    decimals = np.clip(15 - np.searchsorted(10.0 ** np.arange(17), whole, side='right'),
                       0, NUMERIC_DECIMALS)
    unit = 10 ** decimals
    fraction = np.rint((magnitude - whole) * unit).astype(np.int64)
    carry = fraction >= unit
    whole = whole.astype(np.int64) + carry
    fraction = np.where(carry, 0, fraction) * 10 ** (NUMERIC_DECIMALS - decimals)
    # display scale: the decimals left once the trailing zeros are stripped
    scale = NUMERIC_DECIMALS - sum(fraction % 10 ** k == 0
                                   for k in range(1, NUMERIC_DECIMALS + 1))
    digits = np.empty((len(values), NUMERIC_DIGITS), dtype=np.int64)
    for k in range(NUMERIC_WEIGHT + 1):
        digits[:, k] = whole // 10000 ** (NUMERIC_WEIGHT - k) % 10000
    places = 4 * (NUMERIC_DIGITS - NUMERIC_WEIGHT - 1)  # decimal places of the digits
    fraction = fraction * 10 ** (places - NUMERIC_DECIMALS)
    for k in range(NUMERIC_WEIGHT + 1, NUMERIC_DIGITS):
        digits[:, k] = fraction // 10000 ** (NUMERIC_DIGITS - 1 - k) % 10000
    sign = np.where(missing, NUMERIC_NAN, np.where(values < 0, NUMERIC_NEGATIVE, 0))
    return sign, scale, digits


def numeric_text(value):
    """A float as the text of a PostgreSQL numeric (every digit the float holds), ``None``
    for NaN and infinities (NULL).

    >>> numeric_text(0.1), numeric_text(float('nan'))
    ('0.1', None)
    """
    if not math.isfinite(value):
        return None
    return repr(value)


def copy_binary(columns):
    """Rows of COPY's binary format from ``columns`` (arrays of one length, no NULL), built
    by numpy in one record array: int64 arrays as int8 fields, float64 arrays as numeric
    fields of one size (see :func:`numeric_parts`). The parts every row shares (field
    count, sizes, numeric layout) are written once and repeated.

    :raises TooLarge: an amount of :data:`NUMERIC_LIMIT` or more.
    """
    layout = [('fields', '>i2')]
    for i, column in enumerate(columns):
        if column.dtype.kind == 'f':
            layout += [('size%d' % i, '>i4'), ('ndigits%d' % i, '>i2'),
                       ('weight%d' % i, '>i2'), ('sign%d' % i, '>u2'),
                       ('dscale%d' % i, '>i2'), ('value%d' % i, '>i2', (NUMERIC_DIGITS,))]
        else:
            layout += [('size%d' % i, '>i4'), ('value%d' % i, '>i8')]
    row = np.zeros(1, dtype=layout)
    row['fields'] = len(columns)
    for i, column in enumerate(columns):
        numeric = column.dtype.kind == 'f'
        row['size%d' % i] = 8 + 2 * NUMERIC_DIGITS if numeric else 8
        if numeric:
            row['ndigits%d' % i] = NUMERIC_DIGITS
            row['weight%d' % i] = NUMERIC_WEIGHT
    rows = np.repeat(row, len(columns[0]) if columns else 0)
    for i, column in enumerate(columns):
        if column.dtype.kind == 'f':
            rows['sign%d' % i], rows['dscale%d' % i], rows['value%d' % i] = \
                numeric_parts(column)
        else:
            rows['value%d' % i] = column
    return COPY_HEADER + rows.tobytes() + COPY_TRAILER


def stage_array(values, kind):
    """One column as it travels: float64 with NaN for NULL (kind ``float``), int64 with
    :data:`INT_NULL` for NULL (``int``, ``bool``, and ``date`` as days since 1970-01-01).

    >>> stage_array([None, '1970-01-03'], 'date').tolist() == [INT_NULL, 2]
    True
    """
    if kind == 'float':
        return np.asarray(values, dtype=np.float64)  # None becomes NaN
    if isinstance(values, np.ndarray) and values.dtype != object:
        return values.astype(np.int64)
    if kind == 'date':
        return np.array([INT_NULL if v is None else (as_date(v) - EPOCH).days
                         for v in values], dtype=np.int64)
    return np.array([INT_NULL if v is None else int(v) for v in values], dtype=np.int64)


def text_codes(values):
    """Text values as codes 1..k into their distinct values (0 for None), and those values:
    ``labels[code]`` in PostgreSQL gives the text back (NULL for 0).

    >>> codes, labels = text_codes(['b', None, 'a', 'b'])
    >>> codes.tolist(), labels
    ([1, 0, 2, 1], ['b', 'a'])
    """
    labels = [value for value in dict.fromkeys(values) if value is not None]
    code = dict(zip(labels, range(1, len(labels) + 1)))
    code[None] = 0
    return np.fromiter(map(code.__getitem__, values), dtype=np.int64,
                       count=len(values)), labels
