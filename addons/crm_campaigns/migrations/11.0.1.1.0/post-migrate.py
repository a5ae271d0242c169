"""Evaluations were figures on the campaign; each is now a record of its own
(crm.campaign.evaluation). A database evaluated before keeps its figures: one record per
evaluated campaign from the columns the campaign still has, made its latest evaluation."""

#: old column of crm_campaign -> column of crm_campaign_evaluation
COLUMNS = {
    'evaluation_date': 'date', 'confidence_level': 'confidence_level',
    'eval_test_size': 'test_size', 'eval_test_converted': 'test_converted',
    'eval_test_responded': 'test_responded', 'eval_test_accepted': 'test_accepted',
    'eval_holdout_size': 'holdout_size', 'eval_holdout_converted': 'holdout_converted',
    'eval_rate_test': 'rate_test', 'eval_rate_holdout': 'rate_holdout',
    'eval_uplift': 'uplift', 'eval_ci_low': 'ci_low', 'eval_ci_high': 'ci_high', 'eval_z': 'z',
    'eval_p_value': 'p_value', 'eval_margin_test': 'margin_test',
    'eval_margin_holdout': 'margin_holdout', 'eval_margin_uplift': 'margin_uplift',
    'eval_margin_ci_low': 'margin_ci_low', 'eval_margin_ci_high': 'margin_ci_high',
    'decision': 'decision', 'decision_reason': 'decision_reason',
    'decision_note': 'decision_note',
}


def migrate(cr, version):
    if not version:
        return
    cr.execute("SELECT column_name FROM information_schema.columns "
               "WHERE table_name = 'crm_campaign'")
    present = {row[0] for row in cr.fetchall()}
    if 'evaluation_date' not in present:
        return
    pairs = [(old, new) for old, new in sorted(COLUMNS.items()) if old in present]
    cr.execute("""
        WITH made AS (
            INSERT INTO crm_campaign_evaluation (campaign_id, company_id, {new},
                                                 create_uid, create_date, write_uid, write_date)
            SELECT c.id, c.company_id, {old}, 1, now() AT TIME ZONE 'UTC', 1,
                   now() AT TIME ZONE 'UTC'
              FROM crm_campaign c
             WHERE c.evaluation_date IS NOT NULL AND c.evaluation_id IS NULL
               AND NOT EXISTS (SELECT 1 FROM crm_campaign_evaluation e
                                WHERE e.campaign_id = c.id)
            RETURNING id, campaign_id)
        UPDATE crm_campaign c SET evaluation_id = made.id FROM made
         WHERE c.id = made.campaign_id""".format(
        new=', '.join(new for _old, new in pairs),
        old=', '.join('c.%s' % old for old, _new in pairs)))
