"""The states of a campaign and what each means for the rest of the campaign, defined once.
The steps between them (which states each starts from, where it ends, what it requires) are
``crm.campaign._transitions`` (models/crm_campaign_state.py), with their messages.
"""

STATES = [
    ('draft', 'Draft'),
    ('scored', 'Scored'),
    ('testing', 'Testing'),
    ('evaluated', 'Evaluated'),
    ('rollout', 'Rolling out'),
    ('done', 'Done'),
    ('cancel', 'Cancelled'),
]
# What each state means, one row per state:
#   deletable  the campaign has contacted nobody: it may be deleted
#   contacted  customers have been contacted: results can be imported, invoices attributed
#   planned    its planned contacts count for the contact pressure of other campaigns
#   enrols     win-back campaigns enrol lapsing customers into ``contact_group``
#   learnt     its outcomes teach the scoring model's calibration
STATE_TABLE = {
    'draft': {'deletable': True},
    'scored': {'deletable': True},
    'testing': {'contacted': True, 'planned': True, 'enrols': True, 'contact_group': 'test'},
    'evaluated': {'contacted': True, 'planned': True, 'learnt': True, 'contact_group': 'test'},
    'rollout': {'contacted': True, 'planned': True, 'enrols': True, 'learnt': True,
                'contact_group': 'rollout'},
    'done': {'contacted': True, 'learnt': True, 'contact_group': 'rollout'},
    'cancel': {'deletable': True},
}


def states_where(flag):
    """The states (in their order) whose row of ``STATE_TABLE`` sets ``flag``.

    >>> states_where('contacted')
    ('testing', 'evaluated', 'rollout', 'done')
    """
    return tuple(state for state, _label in STATES if STATE_TABLE[state].get(flag))
