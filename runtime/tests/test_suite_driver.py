"""The driver's command of Odoo's own tests prints its exclusions after the run."""
from odoo311.suite import config, testrun


def test_core_exclusions_are_read_from_the_project_file(monkeypatch):
    monkeypatch.setenv('ODOO311_TEST_EXCLUDE', config.EXCLUSIONS)
    excluded = testrun.core_exclusions()
    assert excluded
    assert all(reason.strip() for reason in excluded.values())
    assert 'odoo.addons.web_editor.tests.test_ui.TestUi.test_02_admin_rte_inline' in excluded
