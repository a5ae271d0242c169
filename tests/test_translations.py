"""Every addon ships its template and a complete Persian translation (no database needed).

For each addon under ``addons/``: ``i18n/<addon>.pot`` and ``i18n/fa.po`` exist, every message
of the template is translated in ``fa.po`` (not empty, not fuzzy), python-format placeholders,
HTML tags and mail-template ``${...}`` expressions are the same on both sides, and Odoo's own
PO reader loads the file. ``bin/suite pot`` (``make pot``) regenerates the templates and merges
the translations; this test says what is left to translate.
"""
import collections
import io
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ADDONS = os.path.join(ROOT, 'addons')
LANG = 'fa'

ADDON_NAMES = sorted(
    name for name in os.listdir(ADDONS)
    if os.path.isfile(os.path.join(ADDONS, name, '__manifest__.py')))

# a conversion of Python's %-formatting: %s, %d, %(name)s, %(rate).2f, %+.2f, %%
PLACEHOLDER = re.compile(
    r'%(?:\((?P<name>[^)]*)\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?(?P<conv>[diouxXeEfFgGcrsa%])')
TAG = re.compile(r'</?([a-zA-Z][\w-]*)')
EXPRESSION = re.compile(r'\$\{.*?\}')
STRING_LITERAL = re.compile(r"'[^']*'|\"[^\"]*\"")
ESCAPES = {'n': '\n', 't': '\t', 'r': '\r'}


class Message:
    def __init__(self):
        self.flags, self.fields = set(), {}

    @property
    def msgid(self):
        return self.fields['msgid']

    @property
    def msgstr(self):
        return self.fields.get('msgstr', '')


def _unquote(text):
    text = text.strip()
    assert len(text) >= 2 and text[0] == text[-1] == '"', 'not a quoted PO string: %r' % text
    return re.sub(r'\\(.)', lambda match: ESCAPES.get(match.group(1), match.group(1)), text[1:-1])


def parse_po(path):
    """``{msgid: Message}`` of a .po/.pot file (header and obsolete ``#~`` entries left out)."""
    messages, current, field = [], None, None
    with open(path, encoding='utf-8') as src:
        for number, raw in enumerate(src, 1):
            line = raw.strip()
            if not line or line.startswith('#~'):
                continue
            if line.startswith('#') or line.startswith('msgctxt') or line.startswith('msgid '):
                if current is None or 'msgid' in current.fields and (
                        line.startswith('#') or 'msgstr' in current.fields):
                    current = Message()
                    messages.append(current)
            if line.startswith('#,'):
                current.flags.update(flag.strip() for flag in line[2:].split(','))
            elif line.startswith('#'):
                continue
            elif line.startswith(('msgctxt ', 'msgid ', 'msgstr ')):
                field, _space, text = line.partition(' ')
                assert field not in current.fields, '%s:%d: second %s' % (path, number, field)
                current.fields[field] = _unquote(text)
            elif line.startswith('"') and field:
                current.fields[field] += _unquote(line)
            else:
                raise AssertionError('%s:%d: cannot read %r' % (path, number, line))
    result = {}
    for message in messages:
        assert 'msgid' in message.fields and 'msgstr' in message.fields, \
            '%s: an entry without msgid or msgstr' % path
        assert 'msgctxt' not in message.fields, '%s: msgctxt is not used by Odoo' % path
        if message.msgid:
            assert message.msgid not in result, '%s: %r twice' % (path, message.msgid)
            result[message.msgid] = message
    return result


def _paths(addon):
    i18n = os.path.join(ADDONS, addon, 'i18n')
    return os.path.join(i18n, '%s.pot' % addon), os.path.join(i18n, '%s.po' % LANG)


@pytest.fixture(scope='module', params=ADDON_NAMES)
def catalogs(request):
    addon = request.param
    pot_path, po_path = _paths(addon)
    missing = [path for path in (pot_path, po_path) if not os.path.isfile(path)]
    if missing:
        pytest.fail('%s: missing %s (run `make pot`, then translate)' % (
            addon, ', '.join(os.path.relpath(path, ROOT) for path in missing)))
    return addon, parse_po(pot_path), parse_po(po_path)


def _show(msgids):
    return '\n'.join('  %r' % msgid for msgid in sorted(msgids)[:20])


def test_template_is_not_empty(catalogs):
    addon, template, _translated = catalogs
    assert template, '%s: the template has no message' % addon
    assert not [m.msgid for m in template.values() if m.msgstr], \
        '%s: a template carries translations' % addon


def test_every_message_is_in_the_translation(catalogs):
    addon, template, translated = catalogs
    missing = set(template) - set(translated)
    assert not missing, '%s: %d messages of %s.pot are not in %s.po (run `make pot`):\n%s' % (
        addon, len(missing), addon, LANG, _show(missing))


def test_no_translation_is_empty_or_fuzzy(catalogs):
    addon, template, translated = catalogs
    untranslated = [msgid for msgid, message in translated.items()
                    if msgid in template and (not message.msgstr.strip() or 'fuzzy' in message.flags)]
    assert not untranslated, '%s: %d messages of %s.po are untranslated or fuzzy:\n%s' % (
        addon, len(untranslated), LANG, _show(untranslated))


def _placeholders(text):
    named, positional = [], []
    for match in PLACEHOLDER.finditer(text):
        if match.group('conv') == '%':
            continue
        (named if match.group('name') is not None else positional).append(match.group(0))
    return sorted(named), positional


def _sample_value(placeholder):
    return 'x' if placeholder[-1] in 'sra' else 1


def test_python_format_placeholders_match(catalogs):
    addon, template, translated = catalogs
    wrong = []
    for msgid, message in template.items():
        target = translated.get(msgid)
        if target is None or not target.msgstr:
            continue
        if 'python-format' not in message.flags | target.flags:
            continue
        named, positional = _placeholders(msgid)
        if named:
            args = {PLACEHOLDER.match(p).group('name'): _sample_value(p) for p in named}
        else:
            args = tuple(_sample_value(p) for p in positional)
        try:
            msgid % args
        except (TypeError, ValueError, KeyError):
            continue   # flagged by the exporter, but not a format string ("50 % and 100 %")
        if _placeholders(target.msgstr) != (named, positional):
            wrong.append('%r -> %r' % (msgid, target.msgstr))
            continue
        # what the code does with it: the translation formats with the arguments of the source
        try:
            target.msgstr % args
        except (TypeError, ValueError, KeyError) as error:
            wrong.append('%r: %s' % (target.msgstr, error))
    assert not wrong, '%s: placeholders differ in %s.po:\n%s' % (addon, LANG, '\n'.join(wrong))


def _markup(pattern, text):
    # the words in an expression's string literals are translated: ${name or 'customer'}
    return [STRING_LITERAL.sub("''", item) for item in pattern.findall(text)]


def test_markup_is_kept(catalogs):
    """HTML tags and mail-template expressions are copied, not translated or lost."""
    addon, template, translated = catalogs
    wrong = []
    for msgid in template:
        target = translated.get(msgid)
        if target is None or not target.msgstr:
            continue
        for pattern in (TAG, EXPRESSION):
            source_items = collections.Counter(_markup(pattern, msgid))
            target_items = collections.Counter(_markup(pattern, target.msgstr))
            if source_items != target_items:
                wrong.append('%r: %s in the source, %s in the translation' % (
                    msgid[:60], dict(source_items), dict(target_items)))
    assert not wrong, '%s: markup differs in %s.po:\n%s' % (addon, LANG, '\n'.join(wrong))


def test_odoo_reads_every_translation(catalogs):
    """Odoo's own reader (what ``--load-language`` and ``-u`` use) finds each translation."""
    from odoo.tools.translate import PoFile
    addon, template, _translated = catalogs
    with open(_paths(addon)[1], 'rb') as src:
        reader = PoFile(io.BytesIO(src.read()))
        loaded = {source: value for _type, _name, _res_id, source, value, _comments in reader}
    unread = [msgid for msgid in template if not loaded.get(msgid)]
    assert not unread, "%s: Odoo's reader finds no translation for:\n%s" % (addon, _show(unread))
