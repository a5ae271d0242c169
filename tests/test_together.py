"""The three addons on one database, through each other's records and hooks.

A customer's invoices give it a class (crm_loyalty); the class sets the priority of its
complaint (crm_complaints); the complaint's cost comes back into the customer's cost to serve
and its open complaint keeps the top customer's churn risk high at the next review; a campaign
segment on the class picks the customer and scores it on its figures (crm_campaigns), and the
contact made by the campaign is a cost to serve too. All in one rolled-back transaction.
"""
import json
from datetime import timedelta

import pytest

from odoo import fields


@pytest.fixture
def books(env):
    """The main company with no other sales, two classes on revenue and two customers."""
    env = env(context=dict(env.context, tracking_disable=True, mail_notrack=True,
                           mail_create_nolog=True, no_reset_password=True))
    company = env.ref('base.main_company')
    cr = env.cr
    cr.execute("UPDATE account_invoice SET state = 'cancel' WHERE company_id = %s", (company.id,))
    cr.execute("UPDATE res_partner SET customer = false")
    cr.execute("DELETE FROM crm_loyalty_value WHERE company_id = %s", (company.id,))
    cr.execute("DELETE FROM crm_loyalty_review WHERE company_id = %s", (company.id,))
    cr.execute("DELETE FROM crm_campaign_target WHERE company_id = %s", (company.id,))
    env['res.partner'].invalidate_cache()  # every model's cache: the rows changed in SQL
    company.write({'loyalty_window_months': 12, 'loyalty_metric': 'monetary',
                   'loyalty_grace_days': 30, 'loyalty_realtime_upgrade': False,
                   'loyalty_review_chunk_size': 0, 'complaint_hourly_cost': 30.0,
                   'campaign_pressure_max': 0})
    Tier = env['crm.loyalty.tier']
    cr.execute("DELETE FROM crm_loyalty_tier WHERE company_id = %s", (company.id,))
    Tier.invalidate_cache()
    bronze = Tier.create({'name': 'Bronze (suite)', 'level': 1, 'threshold': 1.0,
                          'keep_threshold': 1.0, 'company_id': company.id,
                          'service_priority': '1'})
    gold = Tier.create({'name': 'Gold (suite)', 'level': 2, 'threshold': 5000.0,
                        'keep_threshold': 4000.0, 'company_id': company.id,
                        'service_priority': '2'})
    income = env['account.account'].search([
        ('company_id', '=', company.id),
        ('user_type_id', '=', env.ref('account.data_account_type_revenue').id)], limit=1)
    product = env['product.product'].create({'name': 'Suite widget', 'type': 'consu',
                                             'list_price': 100.0, 'standard_price': 60.0})
    today = fields.Date.from_string(fields.Date.context_today(env['res.partner']))

    def invoice(partner, days_ago, amount):
        record = env['account.invoice'].create({
            'partner_id': partner.id, 'type': 'out_invoice', 'company_id': company.id,
            'date_invoice': fields.Date.to_string(today - timedelta(days=days_ago)),
            'invoice_line_ids': [(0, 0, {
                'product_id': product.id, 'name': 'Widgets', 'quantity': 1.0,
                'price_unit': amount, 'account_id': income.id,
                'invoice_line_tax_ids': [(6, 0, [])]})]})
        record.action_invoice_open()

    Partner = env['res.partner']
    big = Partner.create({'name': 'Big Buyer (suite)', 'is_company': True, 'customer': True,
                          'email': 'big@example.com'})
    small = Partner.create({'name': 'Small Buyer (suite)', 'is_company': True,
                            'customer': True, 'email': 'small@example.com'})
    for days_ago in (200, 120, 40):
        invoice(big, days_ago, 2000.0)
    invoice(small, 60, 500.0)
    return {'env': env, 'company': company, 'today': today, 'bronze': bronze, 'gold': gold,
            'big': big, 'small': small}


def _value(env, company, partner):
    return env['crm.loyalty.value'].search([('partner_id', '=', partner.id),
                                            ('company_id', '=', company.id)])


def test_class_complaint_cost_and_campaign_on_one_customer(books):
    env, company, today = books['env'], books['company'], books['today']
    big, small, gold = books['big'], books['small'], books['gold']
    Review = env['crm.loyalty.review']
    Review.run_review(company, today)
    assert (_value(env, company, big).tier_id, _value(env, company, small).tier_id) == (
        gold, books['bronze'])
    assert _value(env, company, big).monetary == 6000.0
    # the partner form shows the row's figures; P(alive) only with the fitted model
    assert (big.loyalty_tier_id, big.loyalty_monetary, big.loyalty_clv_method) == (
        gold, 6000.0, _value(env, company, big).clv_method)

    # the class sets the complaint's priority; handling time is a cost of the complaint
    complaint = env['crm.complaint'].create({'subject': 'Late delivery', 'partner_id': big.id,
                                             'company_id': company.id})
    assert (complaint.tier_id, complaint.priority) == (gold, '2')
    complaint.write({'handling_hours': 2.0})
    assert complaint.cost_handling == 60.0

    # a campaign on the top class: the segment reads crm_loyalty's figures
    market = env['crm.campaign.market'].create({'name': 'Suite market'})
    segment = env['crm.campaign.segment'].create({
        'name': 'Top class (suite)',
        'partner_domain': "[('id', 'in', %s)]" % ([big.id, small.id],),
        'value_domain': "[('tier_id', '=', %d)]" % gold.id})
    model = env['crm.campaign.scoring.model'].create({
        'name': 'Loyalty (suite)', 'campaign_type': 'loyalty', 'market_id': market.id,
        'variable_ids': [(0, 0, {'feature': 'monetary', 'weight': 1.0, 'transform': 'linear',
                                 'sequence': 1})]})
    campaign = env['crm.campaign'].create({
        'name': 'Thank-you (suite)', 'campaign_type': 'loyalty', 'market_id': market.id,
        'segment_id': segment.id, 'scoring_model_id': model.id, 'budget': 1000.0,
        'expected_margin': 100.0, 'seed': 7, 'min_sample': 1,
        'offer_description': 'A gift with your next order.',
        'channel_ids': [(0, 0, {'channel': 'email', 'cost_per_contact': 2.5, 'sequence': 1})]})
    campaign.action_score()
    assert campaign.target_ids.mapped('partner_id') == big
    target = campaign.target_ids
    # scored on the revenue crm_loyalty computed: [variable, its value, points]
    variable, raw, _points = json.loads(target.score_detail)[0]
    assert (variable, raw) == (model.variable_ids.id, 6000.0)

    # contacting the customer costs too: the next review adds it to the complaint's cost
    target.write({'contacted_date': fields.Date.to_string(today - timedelta(days=1)),
                  'contact_cost': 2.5})
    Review.run_review(company, today + timedelta(days=1))
    value = _value(env, company, big)
    assert value.cost_to_serve == 62.5
    detail = value.cost_to_serve_detail.splitlines()
    assert sorted(detail) == ['Campaign contacts: 2.50', 'Complaints: handling time: 60.00']
    # the complaint is still open: the top customer is at risk, whatever its recency says
    assert value.churn_risk == 'high'
    assert _value(env, company, small).cost_to_serve == 0.0
