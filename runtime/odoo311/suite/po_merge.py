"""Reading, merging and writing gettext catalogues as Odoo 11 writes them.

``merge_po`` brings a translation (``<lang>.po``) onto a fresh template (``<addon>.pot``) the
way ``msgmerge`` does without fuzzy matching; ``read_po`` and ``format_po`` read and write the
subset of the format Odoo uses (no plural forms), so a merged file looks like an exported one.
"""
import os
import re

_PO_ESCAPES = {'n': '\n', 't': '\t', 'r': '\r'}
_PO_DATE_FIELDS = ('"POT-Creation-Date:', '"PO-Revision-Date:')


class PoEntry:
    """One message of a .po or .pot file.

    ``comments`` are its comment lines as written (translator ``# ``, extracted ``#.``,
    references ``#:``), ``flags`` the words of its ``#,`` line (``python-format``, ``fuzzy``).
    """

    def __init__(self, msgid='', msgstr='', comments=(), flags=(), msgctxt=None):
        self.msgid, self.msgstr, self.msgctxt = msgid, msgstr, msgctxt
        self.comments, self.flags = list(comments), list(flags)

    @property
    def key(self):
        return (self.msgctxt, self.msgid)

    @property
    def translated(self):
        return bool(self.msgstr) and 'fuzzy' not in self.flags


def _po_unquote(text, where):
    text = text.strip()
    if len(text) < 2 or not (text.startswith('"') and text.endswith('"')):
        raise ValueError('%s: expected a quoted string, got %r' % (where, text))
    return re.sub(r'\\(.)', lambda match: _PO_ESCAPES.get(match.group(1), match.group(1)),
                  text[1:-1])


def _po_escape(text):
    return text.replace('\\', '\\\\').replace('"', '\\"').replace('\t', '\\t')


def _po_quote(text):
    """A PO string as Odoo's exporter writes it: one quoted chunk per line of the text."""
    return '"%s"' % _po_escape(text).replace('\n', '\\n"\n"')


def read_po(path):
    """The entries of a .po/.pot file in file order, the header (``msgid ""``) included.

    Obsolete (``#~``) entries are left out; plural forms, which Odoo never writes, are refused.
    """
    with open(path, encoding='utf-8') as src:
        lines = src.read().lstrip('\ufeff').splitlines()
    entries = []
    current, field = None, None   # field: the string being read (msgctxt, msgid, msgstr)

    def flush():
        if current is not None and 'msgid' in current:
            if 'msgstr' not in current:
                raise ValueError('%s: msgid %r has no msgstr' % (path, current['msgid']))
            entries.append(PoEntry(current['msgid'], current['msgstr'], current['comments'],
                                   current['flags'], current.get('msgctxt')))

    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        where = '%s:%d' % (path, number)
        if not line:
            continue
        if line.startswith('#~'):
            if current is not None and 'msgid' not in current:
                current = None   # the comments belonged to the obsolete entry
            continue
        starts_entry = line.startswith('#') or line.startswith('msgctxt') or (
            line.startswith('msgid ') and (current is None or 'msgid' in current))
        if starts_entry and (current is None or 'msgid' in current):
            flush()
            current, field = {'comments': [], 'flags': []}, None
        if line.startswith('#,'):
            current['flags'] += [flag.strip() for flag in line[2:].split(',') if flag.strip()]
        elif line.startswith('#'):
            current['comments'].append(raw.rstrip())
        elif line.startswith('msgid_plural') or line.startswith('msgstr['):
            raise ValueError('%s: plural forms are not supported' % where)
        elif line.startswith(('msgctxt ', 'msgid ', 'msgstr ')):
            field, _space, text = line.partition(' ')
            if field in current:
                raise ValueError('%s: second %s in one entry' % (where, field))
            current[field] = _po_unquote(text, where)
        elif line.startswith('"') and field:
            current[field] += _po_unquote(line, where)
        else:
            raise ValueError('%s: cannot read %r' % (where, line))
    flush()
    return entries


def format_po(entries):
    """The text of a .po file; ``entries[0]`` is the header."""
    header = entries[0]
    out = header.comments + ['msgid ""', 'msgstr ""']
    out += ['"%s\\n"' % _po_escape(line) for line in header.msgstr.split('\n') if line]
    out.append('')
    for entry in entries[1:]:
        out += entry.comments
        if entry.flags:
            out.append('#, ' + ', '.join(entry.flags))
        if entry.msgctxt is not None:
            out.append('msgctxt ' + _po_quote(entry.msgctxt))
        out += ['msgid ' + _po_quote(entry.msgid), 'msgstr ' + _po_quote(entry.msgstr), '']
    return '\n'.join(out) + '\n'


def _header_field(header, name):
    for line in header.msgstr.split('\n'):
        if line.startswith(name + ':'):
            return line[len(name) + 1:].strip()
    return None


def merge_po(template, old):
    """``old`` (a .po's entries) brought onto ``template`` (a .pot's entries), as msgmerge does
    without fuzzy matching: every template message in template order with the references and
    flags of the template, its translation, translator comments and fuzzy mark kept from
    ``old``; new messages untranslated; messages gone from the template dropped.

    Returns ``(entries, added, dropped)``.
    """
    if not old or old[0].msgid or old[0].msgctxt is not None:
        raise ValueError('the .po file has no header')
    header = PoEntry('', old[0].msgstr, old[0].comments, old[0].flags)
    created = _header_field(template[0], 'POT-Creation-Date')
    if created and _header_field(header, 'POT-Creation-Date') is not None:
        header.msgstr = '\n'.join(
            'POT-Creation-Date: %s' % created if line.startswith('POT-Creation-Date:') else line
            for line in header.msgstr.split('\n'))
    previous = {entry.key: entry for entry in old[1:]}
    merged, added = [header], 0
    for entry in template:
        if not entry.msgid:
            continue   # the template's header
        prev = previous.pop(entry.key, None)
        if prev is None:
            added += 1
        own = [line for line in (prev.comments if prev else [])
               if line == '#' or line.startswith('# ')]
        flags = [flag for flag in entry.flags if flag != 'fuzzy']
        if prev is not None and 'fuzzy' in prev.flags:
            flags.insert(0, 'fuzzy')
        merged.append(PoEntry(entry.msgid, prev.msgstr if prev else '',
                              own + [line for line in entry.comments if not line.startswith('# ')],
                              flags, entry.msgctxt))
    return merged, added, len(previous)


def without_dates(text):
    return [line for line in text.splitlines() if not line.startswith(_PO_DATE_FIELDS)]


def write_if_changed(path, text):
    """Write ``text`` unless the file already says the same apart from its dates."""
    if os.path.exists(path):
        with open(path, encoding='utf-8') as src:
            if without_dates(src.read()) == without_dates(text):
                return False
    with open(path, 'w', encoding='utf-8') as out:
        out.write(text)
    return True
