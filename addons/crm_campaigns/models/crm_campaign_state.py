"""The campaign's state machine, defined once: the states and what each means are in
``lib/states.py``; each step's starting states, target state, requirements and refusals are
``_transitions`` here. Every state check of the addon reads these tables
(``_check_transition`` here, ``lib.states.states_where`` elsewhere)."""
from odoo import _, models
from odoo.exceptions import UserError
from odoo.tools import html2plaintext


# one capability of the campaign per file (see crm_campaign.py)
class CrmCampaign(models.Model):
    _inherit = 'crm.campaign'  # pylint: disable=consider-merging-classes-inherited

    def _transitions(self):
        """The steps of a campaign: ``{step: row}``, where a row gives the states it starts
        from (``from``), the state it ends in (``to``, ``None``: the step says), the refusal
        for any other state (``error``), refusals for some states (``early``: ``{state:
        message}``) and the requirements checked once the state fits (``requires``: methods
        returning a refusal or ``None``, in order)."""
        return {
            'score': {
                'from': ('draft', 'scored'), 'to': 'scored',
                'error': _("Only a draft or scored campaign can be scored."),
            },
            'start_test': {
                'from': ('scored',), 'to': 'testing',
                'error': _("Score the campaign before starting its test."),
                'requires': ('_requires_email_text',),
            },
            'evaluate': {
                'from': ('testing',), 'to': 'evaluated',
                'error': _("Only a campaign in test can be evaluated."),
            },
            'extend_test': {
                'from': ('evaluated',), 'to': 'testing',
                'error': _("Only an evaluated campaign can extend its test."),
            },
            'rollout': {
                'from': ('evaluated',), 'to': 'rollout',
                'early': dict.fromkeys(('draft', 'scored', 'testing'),
                                       _("Evaluate the test before rolling out.")),
                'error': _("Only an evaluated campaign can be rolled out."),
                'requires': ('_requires_go', '_requires_email_text'),
            },
            'done': {
                'from': ('rollout',), 'to': 'done',
                'error': _("Only a campaign rolling out can be closed."),
            },
            'cancel': {
                'from': ('draft', 'scored', 'testing', 'evaluated', 'rollout', 'cancel'),
                'to': 'cancel',
                'error': _("A finished campaign cannot be cancelled."),
            },
            'draft': {
                'from': ('scored', 'cancel'), 'to': 'draft',
                'error': _("Only a scored campaign that has contacted nobody goes back to "
                           "draft."),
                'requires': ('_requires_nobody_contacted',),
            },
        }

    def _check_transition(self, step):
        """Refuse ``step`` (a key of ``_transitions``) for any campaign of ``self`` whose state
        or requirements do not allow it; returns the state the step ends in."""
        row = None
        for campaign in self:
            row = campaign._transitions()[step]
            if campaign.state in row.get('early', {}):
                raise UserError(row['early'][campaign.state])
            if campaign.state not in row['from']:
                raise UserError(row['error'])
            for requirement in row.get('requires', ()):
                refusal = getattr(campaign, requirement)(row)
                if refusal:
                    raise UserError(refusal)
        return row and row['to']

    def _requires_go(self, row):
        if self.decision != 'go':
            return _("The evaluation decided %s: the campaign cannot be rolled out.") % dict(
                self._fields['decision']._description_selection(self.env)).get(
                    self.decision, self.decision)
        return None

    def _requires_nobody_contacted(self, row):
        return row['error'] if self.test_date else None

    def _requires_email_text(self, row=None):
        """A campaign that e-mails needs something to say: an empty e-mail would reach the
        customers and stop Odoo's mass mailing queue for every other mailing."""
        emails = 'email' in self.channel_ids.mapped('channel')
        if emails and not (html2plaintext(self.mail_body or '').strip()
                           or (self.offer_description or '').strip()):
            return _("Campaign %s has no e-mail to send: write its e-mail text or its offer "
                     "description first.") % self.name
        return None
