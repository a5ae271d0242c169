"""Who may do what: every suite group against every stored model of the three addons.

The table below is the design, written out: each cell is read/write/create/unlink for a user
holding only that group (plus "Employee", except the portal user). A change to an access file
that is not also made here fails this test. Record rules (own company, own complaints for the
portal) are checked after it on real records.
"""
import pytest

from odoo.exceptions import AccessError

PROFILES = ['employee', 'salesman', 'loyalty_user', 'loyalty_manager', 'complaint_user',
            'complaint_manager', 'campaign_user', 'campaign_manager', 'portal']
GROUPS = {
    'employee': 'base.group_user',
    'salesman': 'sales_team.group_sale_salesman',
    'loyalty_user': 'crm_loyalty.group_loyalty_user',
    'loyalty_manager': 'crm_loyalty.group_loyalty_manager',
    'complaint_user': 'crm_complaints.group_complaint_user',
    'complaint_manager': 'crm_complaints.group_complaint_manager',
    'campaign_user': 'crm_campaigns.group_campaign_user',
    'campaign_manager': 'crm_campaigns.group_campaign_manager',
    'portal': 'base.group_portal',
}
# model: one cell per profile above, in that order ('r' read, 'w' write, 'c' create, 'u' unlink)
MATRIX = {
    # classes are visible to every employee (the partner form shows them); managers set them up
    'crm.loyalty.tier':              'r--- r--- r--- rwcu r--- r--- r--- r--- ----',
    # figures: read by loyalty users, written by the review (loyalty managers); campaign
    # managers read them to target segments; salespeople see the class name on the partner only
    'crm.loyalty.value':             '---- ---- r--- rwcu ---- ---- ---- r--- ----',
    'crm.loyalty.history':           '---- ---- r--- r--- ---- ---- ---- ---- ----',
    'crm.loyalty.review':            '---- ---- r--- rw-- ---- ---- ---- ---- ----',
    'crm.loyalty.pareto.report':     '---- ---- r--- r--- ---- ---- ---- ---- ----',
    # complaints: agents file and handle them, managers configure and delete; portal reads own
    'crm.complaint':                 '---- ---- ---- ---- rwc- rwcu ---- ---- r---',
    'crm.complaint.benefit':         '---- ---- ---- ---- rwc- rwcu ---- ---- ----',
    'crm.complaint.stage':           '---- ---- ---- ---- r--- rwcu ---- ---- r---',
    'crm.complaint.category':        '---- ---- ---- ---- r--- rwcu ---- ---- r---',
    'crm.complaint.channel':         '---- ---- ---- ---- r--- rwcu ---- ---- r---',
    'crm.complaint.root.cause':      '---- ---- ---- ---- r--- rwcu ---- ---- ----',
    'crm.complaint.team':            '---- ---- ---- ---- r--- rwcu ---- ---- ----',
    'crm.complaint.sla.policy':      '---- ---- ---- ---- r--- rwcu ---- ---- ----',
    'crm.complaint.sla.line':        '---- ---- ---- ---- r--- rwcu ---- ---- ----',
    'crm.complaint.report':          '---- ---- ---- ---- r--- r--- ---- ---- ----',
    # campaigns: users record responses on targets, managers run everything
    'crm.campaign':                  '---- ---- ---- ---- ---- ---- r--- rwcu ----',
    'crm.campaign.evaluation':       '---- ---- ---- ---- ---- ---- r--- rwcu ----',
    'crm.campaign.target':           '---- ---- ---- ---- ---- ---- rw-- rwcu ----',
    'crm.campaign.channel':          '---- ---- ---- ---- ---- ---- r--- rwcu ----',
    'crm.campaign.market':           '---- ---- ---- ---- ---- ---- r--- rwcu ----',
    'crm.campaign.segment':          '---- ---- ---- ---- ---- ---- r--- rwcu ----',
    'crm.campaign.scoring.model':    '---- ---- ---- ---- ---- ---- r--- rwcu ----',
    'crm.campaign.scoring.variable': '---- ---- ---- ---- ---- ---- r--- rwcu ----',
    'crm.campaign.rejection.reason': '---- ---- ---- ---- ---- ---- r--- rwcu ----',
}
OPERATIONS = [('r', 'read'), ('w', 'write'), ('c', 'create'), ('u', 'unlink')]
# fields restricted by groups: 'r' when a user of the profile reads the field, '-' when the read
# raises AccessError (campaign users are salespeople: they see the class, not the figures)
FIELD_MATRIX = {
    ('res.partner', 'loyalty_tier_id'):       '- r r r - - r r -',
    ('res.partner', 'loyalty_national_id'):   '- r r r - - r r -',
    ('res.partner', 'loyalty_clv'):           '- - r r - - - - -',
    ('res.partner', 'loyalty_margin'):        '- - r r - - - - -',
    ('res.partner', 'loyalty_profit'):        '- - r r - - - - -',
    ('res.partner', 'loyalty_monetary'):      '- - r r - - - - -',
    ('res.partner', 'loyalty_churn_risk'):    '- - r r - - - - -',
    ('res.partner', 'loyalty_customer_type'): '- - r r - - - - -',
    ('res.partner', 'loyalty_segment'):       '- - r r - - - - -',
    ('res.partner', 'loyalty_history_ids'):   '- - r r - - - - -',
    ('sale.order', 'partner_loyalty_tier_id'): '- r r r - - r r -',
    # complaint handling stays with the complaints desk: the portal customer sees what the
    # portal pages show, other employees see nothing of it
    ('crm.complaint', 'followup_note'):       '- - - - r r - - -',
    ('crm.complaint', 'rejection_reason'):    '- - - - r r - - -',
    ('crm.complaint', 'corrective_action'):   '- - - - r r - - -',
    ('crm.complaint', 'reopen_count'):        '- - - - r r - - -',
    ('crm.complaint', 'is_top_customer'):     '- - - - r r - - -',
    ('crm.complaint', 'cost_total'):          '- - - - r r - - -',
    ('crm.complaint.kpi', 'cost_total'):      '- - - - r r - - -',
    ('crm.complaint.kpi.pareto', 'cost'):     '- - - - r r - - -',
}


def _user(env, login, group_xmlids, company=None):
    groups = [env.ref(xmlid).id for xmlid in group_xmlids]
    company = company or env.ref('base.main_company')
    return env['res.users'].with_context(no_reset_password=True).create({
        'name': login, 'login': login, 'email': '%s@example.com' % login,
        'company_id': company.id, 'company_ids': [(6, 0, [company.id])],
        'groups_id': [(6, 0, groups)]})


@pytest.fixture
def users(env):
    return {profile: _user(env, 'matrix_' + profile, [GROUPS[profile]] + (
        [] if profile == 'portal' else ['base.group_user'])) for profile in PROFILES}


def test_every_stored_model_is_in_the_matrix(env):
    """A new model of the suite must get its line in the table (and its access rights)."""
    env.cr.execute("""
        SELECT DISTINCT m.model FROM ir_model m
          JOIN ir_model_data d ON d.model = 'ir.model' AND d.res_id = m.id
         WHERE d.module IN ('crm_loyalty', 'crm_complaints', 'crm_campaigns')""")
    stored = sorted(model for (model,) in env.cr.fetchall()
                    if model in env and not env[model]._transient and not env[model]._abstract
                    and model.startswith(('crm.loyalty', 'crm.complaint', 'crm.campaign')))
    assert stored == sorted(MATRIX)


def test_access_rights_matrix(env, users):
    found, expected = {}, {}
    for model, cells in MATRIX.items():
        for profile, cell in zip(PROFILES, cells.split()):
            Model = env[model].sudo(users[profile])
            found[model, profile] = ''.join(
                letter if Model.check_access_rights(operation, raise_exception=False) else '-'
                for letter, operation in OPERATIONS)
            expected[model, profile] = cell
    differences = {key: (expected[key], found[key]) for key in expected
                   if expected[key] != found[key]}
    assert differences == {}, "(model, profile): (expected, found)"


def test_field_groups_matrix(env, users):
    """Each restricted field read as each profile: allowed, or AccessError."""
    found, expected = {}, {}
    for (model, name), cells in FIELD_MATRIX.items():
        for profile, cell in zip(PROFILES, cells.split()):
            user = users[profile]
            record = user.partner_id if model == 'res.partner' else env[model].search(
                [], limit=1)
            try:
                record.sudo(user).check_field_access_rights('read', [name])
                found[model, name, profile] = 'r'
            except AccessError:
                found[model, name, profile] = '-'
            expected[model, name, profile] = cell
    differences = {key: (expected[key], found[key]) for key in expected
                   if expected[key] != found[key]}
    assert differences == {}, "(model, field, profile): (expected, found)"


def test_other_company_records_stay_out_of_reach(env):
    """Managers of one company neither find nor read the other company's records."""
    main = env.ref('base.main_company')
    sister = env['res.company'].create({'name': 'Matrix Sister Company'})
    managers = ['crm_loyalty.group_loyalty_manager', 'crm_complaints.group_complaint_manager',
                'crm_campaigns.group_campaign_manager', 'sales_team.group_sale_salesman_all_leads']
    ours = _user(env, 'matrix_ours', ['base.group_user'] + managers, main)
    partner = env['res.partner'].create({'name': 'Sister customer', 'customer': True,
                                         'company_id': False})
    team = env['crm.complaint.team'].create({'name': 'Sister desk', 'company_id': sister.id})
    records = [
        env['crm.loyalty.tier'].create({'name': 'Sister class', 'level': 1, 'threshold': 1.0,
                                        'keep_threshold': 1.0, 'company_id': sister.id}),
        env['crm.loyalty.value'].create({'partner_id': partner.id, 'company_id': sister.id}),
        team,
        env['crm.complaint'].with_context(mail_create_nolog=True, tracking_disable=True).create({
            'subject': 'Sister complaint', 'partner_id': partner.id, 'company_id': sister.id,
            'team_id': team.id}),
        env['crm.campaign'].create({'name': 'Sister campaign', 'company_id': sister.id}),
    ]
    for record in records:
        mine = record.sudo(ours)
        assert not mine.search([('id', '=', record.id)]), record._name
        with pytest.raises(AccessError):
            mine.read(['display_name'])


def test_portal_sees_only_its_own_complaints(env):
    main = env.ref('base.main_company')
    complaints = env['crm.complaint'].with_context(mail_create_nolog=True,
                                                   tracking_disable=True)
    partners = env['res.partner'].browse([
        env['res.partner'].create({'name': name, 'customer': True}).id
        for name in ('Portal A (matrix)', 'Portal B (matrix)')])
    own = complaints.create({'subject': 'Mine', 'partner_id': partners[0].id,
                             'company_id': main.id})
    theirs = complaints.create({'subject': 'Theirs', 'partner_id': partners[1].id,
                                'company_id': main.id})
    portal = env['res.users'].with_context(no_reset_password=True).create({
        'name': 'Portal A', 'login': 'matrix_portal_a', 'partner_id': partners[0].id,
        'groups_id': [(6, 0, [env.ref('base.group_portal').id])]})
    visible = env['crm.complaint'].sudo(portal).search([('id', 'in', (own | theirs).ids)])
    assert visible == own
    with pytest.raises(AccessError):
        theirs.sudo(portal).read(['name'])
