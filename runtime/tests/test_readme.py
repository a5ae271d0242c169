"""Each addon's README.rst is generated from its readme/ fragments (``bin/suite readme``)."""
import docutils.core
import docutils.utils
import pytest

from odoo311.suite import readme
from odoo311.suite.config import ADDONS, suite_addons

MANIFEST = """{
    'name': 'CRM Demo: Things Done',
    'summary': 'Things done for customers, counted',
    'author': 'CRM Suite, Someone Else',
    'license': 'LGPL-3',
    'development_status': 'Production/Stable',
}
"""


@pytest.fixture
def addon(tmp_path):
    (tmp_path / '__manifest__.py').write_text(MANIFEST)
    fragments = tmp_path / 'readme'
    fragments.mkdir()
    for name, text in (('USAGE', 'Press the button.\n'),
                       ('ROADMAP', 'Later.\n'),
                       ('DESCRIPTION', 'What it does.\n\nDetails\n-------\n\nMore.\n\n'),
                       ('CONFIGURE', 'Set it.\n\n.. image:: ../static/description/form.png\n'),
                       ('ENGINE', 'The engine: ``lib/engine.py``, see `results '
                                  '<../../bench/RESULTS.md>`_.\n'),
                       ('A_NOTE', 'First of the others.\n'),
                       ('EMPTY', '\n\n')):
        (fragments / (name + '.rst')).write_text(text)
    return tmp_path


def test_sections_in_their_order_under_the_manifest_name(addon):
    text = readme.generate(str(addon))
    assert text.startswith('=====================\nCRM Demo: Things Done\n=====================\n')
    titles = [line for line, under in zip(text.splitlines(), text.splitlines()[1:])
              if under and set(under) == {'='} and len(under) == len(line)]
    assert titles == ['CRM Demo: Things Done', 'Description', 'Engine', 'Configuration', 'Usage',
                      'A note', 'Known issues / Roadmap', 'Credits']
    assert '\nThings done for customers, counted.\n\n**Table of contents**\n' in text
    assert '\nDescription\n===========\n\nWhat it does.\n\nDetails\n-------\n\nMore.\n\nEngine\n' in text
    # paths relative to readme/ become relative to the addon
    assert '.. image:: static/description/form.png\n' in text
    assert '<../bench/RESULTS.md>`_' in text
    assert 'Empty' not in text
    assert 'maturity-Production%2FStable-green' in text and 'licence-LGPL--3-blue' in text
    assert text.endswith('Authors\n-------\n\n* CRM Suite\n* Someone Else\n')


def _problems(text):
    messages = []
    doctree = docutils.core.publish_doctree(text, settings_overrides={
        'report_level': 5, 'halt_level': 5, 'file_insertion_enabled': False})
    for node in doctree.traverse(docutils.nodes.system_message):
        if node['level'] >= docutils.utils.Reporter.WARNING_LEVEL:
            messages.append(node.astext())
    return messages


def test_generated_text_is_valid_restructured_text(addon):
    assert _problems(readme.generate(str(addon))) == []


@pytest.mark.parametrize('name', suite_addons())
def test_committed_readme_is_the_one_its_fragments_give(name):
    """The fragments are the only source: after editing them, run ``make readme``."""
    with open(readme.readme_path(name), encoding='utf-8') as src:
        committed = src.read()
    generated = readme.generate('%s/%s' % (ADDONS, name))
    assert committed == generated, '%s/README.rst is stale: run `make readme`' % name
    assert _problems(generated) == []
