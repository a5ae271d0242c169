"""The catalogue merger of ``bin/suite pot``: a fresh template merged into a translation."""
import pytest

from odoo311.suite.po_merge import PoEntry, format_po, merge_po, read_po, write_if_changed

POT = r'''# Translation of Odoo Server.
# This file contains the translation of the following modules:
#	* crm_demo
#
msgid ""
msgstr ""
"Project-Id-Version: Odoo Server 11.0\n"
"Report-Msgid-Bugs-To: \n"
"POT-Creation-Date: 2024-05-02 10:00+0000\n"
"PO-Revision-Date: 2024-05-02 10:00+0000\n"
"Last-Translator: <>\n"
"Language-Team: \n"
"MIME-Version: 1.0\n"
"Content-Type: text/plain; charset=UTF-8\n"
"Content-Transfer-Encoding: \n"
"Plural-Forms: \n"

#. module: crm_demo
#: model:ir.model.fields,field_description:crm_demo.field_crm_demo_name
msgid "Name"
msgstr ""

#. module: crm_demo
#: code:addons/crm_demo/models/demo.py:42
#, python-format
msgid "Customer %s has\n"
"no invoice"
msgstr ""

#. module: crm_demo
#: selection:crm.demo,state:0
msgid "Open"
msgstr ""

#. module: crm_demo
#: model:ir.ui.view,arch_db:crm_demo.view_form
msgid "Say \"hi\"\tthere"
msgstr ""
'''

PO = r'''# Translation of Odoo Server.
# This file contains the translation of the following modules:
#	* crm_demo
#
msgid ""
msgstr ""
"Project-Id-Version: Odoo Server 11.0\n"
"Report-Msgid-Bugs-To: \n"
"POT-Creation-Date: 2023-01-01 09:00+0000\n"
"PO-Revision-Date: 2023-01-02 09:00+0000\n"
"Last-Translator: <>\n"
"Language-Team: \n"
"Language: fa\n"
"MIME-Version: 1.0\n"
"Content-Type: text/plain; charset=UTF-8\n"
"Content-Transfer-Encoding: \n"
"Plural-Forms: \n"

# checked with the sales team
#. module: crm_demo
#: model:ir.model.fields,field_description:crm_demo.field_crm_demo_old_name
msgid "Name"
msgstr "نام"

#. module: crm_demo
#: code:addons/crm_demo/models/demo.py:40
#, fuzzy, python-format
msgid "Customer %s has\n"
"no invoice"
msgstr "مشتری %s\n"
"فاکتوری ندارد"

#. module: crm_demo
#: model:ir.ui.view,arch_db:crm_demo.view_form
msgid "Gone"
msgstr "رفته"

#~ msgid "Long gone"
#~ msgstr "خیلی وقت پیش رفته"
'''


@pytest.fixture
def files(tmp_path):
    pot, po = tmp_path / 'crm_demo.pot', tmp_path / 'fa.po'
    pot.write_text(POT, encoding='utf-8')
    po.write_text(PO, encoding='utf-8')
    return pot, po


def _by_msgid(entries):
    return {entry.msgid: entry for entry in entries[1:]}


def test_read_po_reads_entries_multiline_escapes_and_flags(files):
    pot, po = files
    template = read_po(str(pot))
    assert [entry.msgid for entry in template] == [
        '', 'Name', 'Customer %s has\nno invoice', 'Open', 'Say "hi"\tthere']
    assert template[0].msgstr.startswith('Project-Id-Version: Odoo Server 11.0\n')
    assert template[2].flags == ['python-format']
    assert template[2].comments == ['#. module: crm_demo',
                                    '#: code:addons/crm_demo/models/demo.py:42']
    old = _by_msgid(read_po(str(po)))
    assert old['Customer %s has\nno invoice'].msgstr == 'مشتری %s\nفاکتوری ندارد'
    assert old['Customer %s has\nno invoice'].flags == ['fuzzy', 'python-format']
    assert not old['Customer %s has\nno invoice'].translated   # fuzzy is not translated
    assert old['Name'].translated
    assert 'Long gone' not in old   # obsolete entries are not read


def test_merge_keeps_translations_and_drops_what_the_template_lost(files):
    pot, po = files
    merged, added, dropped = merge_po(read_po(str(pot)), read_po(str(po)))
    assert (added, dropped) == (2, 1)    # Open and Say "hi" are new; Gone is gone
    assert [entry.msgid for entry in merged] == [
        '', 'Name', 'Customer %s has\nno invoice', 'Open', 'Say "hi"\tthere']
    by_id = _by_msgid(merged)
    # the translation and the translator's comment kept, the references of the template taken
    assert by_id['Name'].msgstr == 'نام'
    assert by_id['Name'].comments == [
        '# checked with the sales team', '#. module: crm_demo',
        '#: model:ir.model.fields,field_description:crm_demo.field_crm_demo_name']
    # the fuzzy mark stays with its translation, the template's flags follow it
    assert by_id['Customer %s has\nno invoice'].flags == ['fuzzy', 'python-format']
    assert by_id['Customer %s has\nno invoice'].msgstr == 'مشتری %s\nفاکتوری ندارد'
    assert by_id['Open'].msgstr == '' and not by_id['Open'].translated
    # the header: the translation's own, with the template's creation date
    header = merged[0].msgstr
    assert 'Language: fa\n' in header
    assert 'POT-Creation-Date: 2024-05-02 10:00+0000\n' in header
    assert 'PO-Revision-Date: 2023-01-02 09:00+0000\n' in header


def test_format_po_writes_what_read_po_reads_back(files, tmp_path):
    pot, po = files
    merged, _added, _dropped = merge_po(read_po(str(pot)), read_po(str(po)))
    text = format_po(merged)
    assert '#, fuzzy, python-format\nmsgid "Customer %s has\\n"\n"no invoice"\n' \
           'msgstr "مشتری %s\\n"\n"فاکتوری ندارد"\n' in text
    assert 'msgid "Say \\"hi\\"\\tthere"\nmsgstr ""\n' in text
    assert 'Gone' not in text and 'Long gone' not in text and '#~' not in text
    again = tmp_path / 'again.po'
    again.write_text(text, encoding='utf-8')
    reread = read_po(str(again))
    assert [(e.msgid, e.msgstr, e.flags, e.comments) for e in reread[1:]] == \
        [(e.msgid, e.msgstr, e.flags, e.comments) for e in merged[1:]]
    assert reread[0].msgstr == merged[0].msgstr
    # merging again changes nothing
    assert format_po(merge_po(read_po(str(pot)), reread)[0]) == text


def test_message_context_is_part_of_the_key():
    template = [PoEntry(msgstr='POT-Creation-Date: 2024\n'),
                PoEntry('Open', msgctxt='state'), PoEntry('Open')]
    old = [PoEntry(msgstr='Language: fa\nPOT-Creation-Date: 2023\n'),
           PoEntry('Open', 'باز', msgctxt='state'), PoEntry('Open', 'گشودن')]
    merged, added, dropped = merge_po(template, old)
    assert [(e.msgctxt, e.msgstr) for e in merged[1:]] == [('state', 'باز'), (None, 'گشودن')]
    assert (added, dropped) == (0, 0)
    assert 'msgctxt "state"\nmsgid "Open"\nmsgstr "باز"\n' in format_po(merged)


def test_plural_forms_and_broken_files_are_refused(tmp_path):
    plural = tmp_path / 'plural.po'
    plural.write_text('msgid ""\nmsgstr ""\n\nmsgid "one"\nmsgid_plural "many"\n'
                      'msgstr[0] "یک"\n', encoding='utf-8')
    with pytest.raises(ValueError, match='plural forms are not supported'):
        read_po(str(plural))
    unquoted = tmp_path / 'unquoted.po'
    unquoted.write_text('msgid ""\nmsgstr ""\n\nmsgid Name\nmsgstr ""\n', encoding='utf-8')
    with pytest.raises(ValueError, match='expected a quoted string'):
        read_po(str(unquoted))
    no_msgstr = tmp_path / 'no_msgstr.po'
    no_msgstr.write_text('msgid ""\nmsgstr ""\n\nmsgid "Name"\n', encoding='utf-8')
    with pytest.raises(ValueError, match='has no msgstr'):
        read_po(str(no_msgstr))
    with pytest.raises(ValueError, match='has no header'):
        merge_po([PoEntry()], [PoEntry('Name', 'نام')])


def test_a_file_is_rewritten_only_when_more_than_its_dates_changed(files):
    _pot, po = files
    before = po.read_text(encoding='utf-8')
    redated = before.replace('2023-01-02 09:00', '2025-01-01 00:00')
    assert not write_if_changed(str(po), redated)
    assert po.read_text(encoding='utf-8') == before
    assert write_if_changed(str(po), before.replace('"نام"', '"اسم"'))
    assert '"اسم"' in po.read_text(encoding='utf-8')
