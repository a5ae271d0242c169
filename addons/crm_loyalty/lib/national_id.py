"""Iranian national ID (کد ملی): ten digits, the last a check digit.

``s = sum(digit_i * (10 - i) for i in 0..8) mod 11``; the check digit is ``s`` when
``s < 2``, else ``11 - s``. Ten equal digits are refused although they pass the check.
Persian and Arabic-Indic digits are accepted and stored as ASCII digits.
"""
import re

_DIGITS = str.maketrans('۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩', '01234567890123456789')


def normalize(value):
    """ASCII digits without spaces or dashes; ``None`` for an empty value. A whole number is
    read as its digits; any other type raises ``ValueError``."""
    if not value:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError("a national ID is text")
    return re.sub(r'[\s\-]', '', value.translate(_DIGITS)) or None


def check_digit(first_nine):
    s = sum(int(d) * (10 - i) for i, d in enumerate(first_nine)) % 11
    return s if s < 2 else 11 - s


def is_valid(value):
    """True for a normalized, well-formed national ID with the right check digit."""
    if not value or not re.fullmatch(r'\d{10}', value):
        return False
    if len(set(value)) == 1:
        return False
    return check_digit(value[:9]) == int(value[9])
