"""Malformed arguments on every public method crm_complaints defines (its models, wizards and
reports, found by introspection), as a portal customer, an employee without the complaints
group and a complaints manager: a clear UserError / ValidationError / AccessError /
MissingError or a harmless result, never another exception, on records the user must not
reach (a missing id, another company's complaint)."""
import inspect

from odoo import models
from odoo.exceptions import except_orm

from .common import ComplaintCase

MISSING_ID = 2147480000
BAD_VALUES = [('huge string', 'x' * 200000), ('Persian digits', '۱۲۳'), ('dict', {'a': 1}),
              ('list', [1, 'x']), ('negative', -1), ('none', None), ('missing id', MISSING_ID)]
# Odoo's ORM methods (create, write, read, default_get...): the access matrix covers them
ORM_NAMES = set(dir(models.BaseModel)) | {'init'}


def complaint_methods(env):
    """``[(model, name, function)]`` of the public methods defined by crm_complaints."""
    found = []
    for model_name in sorted(env.registry.models):
        for klass in type(env[model_name]).__mro__:
            if not getattr(klass, '__module__', '').startswith('odoo.addons.crm_complaints.'):
                continue
            for name, function in sorted(vars(klass).items()):
                if name.startswith('_') or name in ORM_NAMES or \
                        not inspect.isfunction(function):
                    continue
                found.append((model_name, name, function))
    return found


class TestBadInput(ComplaintCase):

    def test_every_public_method_answers_clearly(self):
        other = self.complaint(user=self.agent2, team_id=self.team2.id, user_id=self.agent2.id,
                               company_id=self.company2.id, partner_id=self.beta_contact.id)
        methods = complaint_methods(self.env)
        names = {(model, name) for model, name, _f in methods}
        self.assertIn(('crm.complaint', 'action_rate'), names)
        self.assertIn(('crm.complaint.kpi', 'action_compute'), names)
        self.assertIn(('report.crm_complaints.kpi_xlsx', 'generate_xlsx_report'), names)
        before = (self.Complaint.search_count([]), self.env['mail.message'].search_count([]),
                  self.env['rating.rating'].search_count([]),
                  self.env['crm.lead'].search_count([]))
        unclear = []
        for user in (self.acme_portal, self.account_manager, self.leader):
            for model_name, name, function in methods:
                params = [p for p in list(inspect.signature(function).parameters.values())[1:]
                          if p.kind == p.POSITIONAL_OR_KEYWORD and p.default is p.empty]
                Model = self.env[model_name].sudo(user)
                targets = [Model.browse(MISSING_ID)]
                if model_name == 'crm.complaint':
                    targets.append(Model.browse(other.id))
                if getattr(function, '_api', None) == 'model' or Model._abstract:
                    targets = [Model]
                calls = [(label, [value] * len(params)) for label, value in BAD_VALUES] \
                    if params else [('no argument', [])]
                for target in targets:
                    for label, args in calls:
                        try:
                            with self.env.cr.savepoint():
                                getattr(target, name)(*args)
                        except except_orm as error:
                            # UserError, ValidationError, AccessError, MissingError: clear
                            self.assertTrue(error.name, '%s.%s' % (model_name, name))
                        except Exception as error:  # pylint: disable=broad-except
                            unclear.append('%s %s.%s(%s) on %s: %s: %s' % (
                                user.login, model_name, name, label, target.ids,
                                type(error).__name__, str(error)[:200]))
        self.assertEqual(unclear, [])
        self.assertEqual((self.Complaint.search_count([]),
                          self.env['mail.message'].search_count([]),
                          self.env['rating.rating'].search_count([]),
                          self.env['crm.lead'].search_count([])), before)
