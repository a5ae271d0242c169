"""Malformed arguments on every public method crm_complaints defines (its models, wizards and
reports, found by introspection), as a portal customer, an employee without the complaints
group and a complaints manager: a clear UserError / ValidationError / AccessError /
MissingError or a harmless result, never another exception, on records the user must not
reach (a missing id, another company's complaint)."""
from odoo.addons.crm_loyalty.tests.walker import public_methods, walk

from .common import ComplaintCase


class TestBadInput(ComplaintCase):

    def test_every_public_method_answers_clearly(self):
        other = self.complaint(user=self.agent2, team_id=self.team2.id, user_id=self.agent2.id,
                               company_id=self.company2.id, partner_id=self.beta_contact.id)
        methods = public_methods(self.env, 'crm_complaints')
        names = {(model, name) for model, name, _f in methods}
        self.assertIn(('crm.complaint', 'action_rate'), names)
        self.assertIn(('crm.complaint.kpi', 'action_compute'), names)
        self.assertIn(('report.crm_complaints.kpi_xlsx', 'generate_xlsx_report'), names)
        before = (self.Complaint.search_count([]), self.env['mail.message'].search_count([]),
                  self.env['rating.rating'].search_count([]),
                  self.env['crm.lead'].search_count([]))
        unclear, _refused = walk(self.env, methods,
                                 (self.acme_portal, self.account_manager, self.leader),
                                 {'crm.complaint': [other.id]})
        self.assertEqual(unclear, [])
        self.assertEqual((self.Complaint.search_count([]),
                          self.env['mail.message'].search_count([]),
                          self.env['rating.rating'].search_count([]),
                          self.env['crm.lead'].search_count([])), before)
