"""Who sees and does what: complaint users (own team), managers, portal customers, other
internal users, and the company wall."""
from odoo.exceptions import AccessError, UserError

from .common import ComplaintCase

MODELS = ['crm.complaint', 'crm.complaint.stage', 'crm.complaint.category',
          'crm.complaint.channel', 'crm.complaint.root.cause', 'crm.complaint.team',
          'crm.complaint.sla.policy', 'crm.complaint.sla.line', 'crm.complaint.benefit',
          'crm.complaint.report']
# model: (user, manager, portal) as 'crwu' letters granted
MATRIX = {
    'crm.complaint': ('crw', 'crwu', 'r'),
    'crm.complaint.stage': ('r', 'crwu', 'r'),
    'crm.complaint.category': ('r', 'crwu', 'r'),
    'crm.complaint.channel': ('r', 'crwu', 'r'),
    'crm.complaint.root.cause': ('r', 'crwu', ''),
    'crm.complaint.team': ('r', 'crwu', ''),
    'crm.complaint.sla.policy': ('r', 'crwu', ''),
    'crm.complaint.sla.line': ('r', 'crwu', ''),
    'crm.complaint.benefit': ('crw', 'crwu', ''),
    'crm.complaint.report': ('r', 'r', ''),
}
OPERATIONS = {'c': 'create', 'r': 'read', 'w': 'write', 'u': 'unlink'}


class TestAccess(ComplaintCase):

    def test_access_matrix(self):
        for model in MODELS:
            for user, granted in zip((self.agent, self.leader, self.acme_portal), MATRIX[model]):
                for letter, operation in OPERATIONS.items():
                    allowed = self.env[model].sudo(user).check_access_rights(
                        operation, raise_exception=False)
                    self.assertEqual(allowed, letter in granted,
                                     '%s %s %s' % (user.login, operation, model))
            self.assertFalse(self.env[model].sudo(self.account_manager).check_access_rights(
                'read', raise_exception=False), 'a salesman without the group reads no %s' % model)

    def test_user_sees_own_team(self):
        mine = self.complaint()
        other = self.complaint(team_id=self.other_team.id, user_id=self.other_agent.id,
                               user=self.leader)
        unassigned_other_team = self.complaint(team_id=self.other_team.id, user_id=False,
                                               user=self.leader)
        Complaint = self.Complaint.sudo(self.agent)
        ids = [mine.id, other.id, unassigned_other_team.id]
        self.assertEqual(Complaint.search([('id', 'in', ids)]), mine)
        with self.assertRaises(AccessError):
            other.sudo(self.agent).read(['subject'])
        with self.assertRaises(AccessError):
            unassigned_other_team.sudo(self.agent).write({'subject': 'taken over'})
        self.assertEqual(self.Complaint.sudo(self.other_agent).search([('id', 'in', ids)]),
                         other | unassigned_other_team)
        self.assertEqual(self.Complaint.sudo(self.leader).search([('id', 'in', ids)]),
                         mine | other | unassigned_other_team)
        # the SLA targets and the analysis follow the same wall
        lines = self.env['crm.complaint.sla.line'].sudo(self.agent).search(
            [('complaint_id', 'in', ids)])
        self.assertEqual(lines.mapped('complaint_id'), mine)
        rows = self.env['crm.complaint.report'].sudo(self.agent).search([('id', 'in', ids)])
        self.assertEqual(rows.ids, mine.ids)

    def test_agent_without_erp_rights(self):
        """A complaints user with no accounting or stock rights still sees the document counts
        and gets the gate's message, not an access error."""
        order, invoice, _picking = self.delivered_order()
        complaint = self.complaint(user=self.leader, team_id=self.other_team.id,
                                   user_id=self.other_agent.id, sale_order_id=order.id,
                                   invoice_id=invoice.id)
        self.env['crm.complaint.refund'].with_context(default_complaint_id=complaint.id).create(
            {'amount': 20.0, 'validate': False}).action_create()
        mine = complaint.sudo(self.other_agent)
        self.assertEqual((mine.credit_note_count, mine.return_count, mine.benefit_count),
                         (1, 0, 0))
        with self.assertRaises(UserError) as error, self.env.cr.savepoint():
            mine.action_resolve()
        self.assertIn('is not validated', error.exception.name)
        self.assertEqual(mine.step, 'new')

    def test_only_managers_delete(self):
        complaint = self.complaint()
        with self.assertRaises(AccessError):
            complaint.sudo(self.agent).unlink()
        complaint.sudo(self.leader).unlink()
        self.assertFalse(complaint.exists())

    def test_multi_company_wall(self):
        ours = self.complaint()
        theirs = self.complaint(user=self.agent2, team_id=self.team2.id, user_id=self.agent2.id,
                                company_id=self.company2.id, partner_id=self.beta_contact.id)
        self.assertEqual(theirs.company_id, self.company2)
        for user in (self.agent, self.leader):
            self.assertEqual(self.Complaint.sudo(user).search([('id', 'in', (ours | theirs).ids)]),
                             ours.sudo(user), user.login)
            with self.assertRaises(AccessError):
                theirs.sudo(user).read(['subject'])
        self.assertEqual(self.Complaint.sudo(self.agent2).search(
            [('id', 'in', (ours | theirs).ids)]), theirs)
        self.assertFalse(self.env['crm.complaint.team'].sudo(self.agent).search(
            [('id', '=', self.team2.id)]))
        self.assertFalse(self.env['crm.complaint.sla.line'].sudo(self.agent).search(
            [('complaint_id', '=', theirs.id)]))

    def test_portal_sees_only_own_complaints(self):
        acme = self.complaint()
        beta = self.complaint(partner_id=self.beta_contact.id)
        Complaint = self.Complaint.sudo(self.acme_portal)
        self.assertEqual(Complaint.search([('id', 'in', (acme | beta).ids)]), acme)
        self.assertEqual(Complaint.browse(acme.id).read(['name'])[0]['name'], acme.name)
        with self.assertRaises(AccessError):
            Complaint.browse(beta.id).read(['name'])
        with self.assertRaises(AccessError):
            Complaint.browse(acme.id).write({'subject': 'changed'})
        with self.assertRaises(AccessError):
            Complaint.create({'subject': 'by RPC', 'partner_id': self.acme_contact.id})
        # the cost fields are for the staff only
        self.assertNotIn('cost_total', Complaint.fields_get())

    def test_portal_post_on_another_customers_complaint_refused(self):
        beta = self.complaint(partner_id=self.beta_contact.id)
        count = len(beta.sudo().message_ids)
        with self.assertRaises(AccessError) as error, self.env.cr.savepoint():
            beta.sudo(self.acme_portal).message_post(body='Let me in', message_type='comment',
                                                     subtype='mail.mt_comment')
        self.assertEqual(error.exception.name, 'You can only post on your own complaints.')
        beta.invalidate_cache()
        self.assertEqual(len(beta.sudo().message_ids), count)
        self.assertEqual(beta.sudo().customer_contact_count, 0)
        own = self.complaint()
        own.sudo(self.acme_portal).message_post(body='Any news?', message_type='comment',
                                                subtype='mail.mt_comment')
        self.assertEqual(own.sudo().customer_contact_count, 1)
