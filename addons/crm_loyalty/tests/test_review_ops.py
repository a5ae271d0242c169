import time
from unittest.mock import patch

from odoo.addons.queue_job.job import Job
from odoo.exceptions import UserError

from ..models.crm_loyalty_review import LOCK_WAIT
from .common import REVIEW_DATE, LoyaltyCase

COMPARED = ['tier_id', 'computed_tier_id', 'rfm_cell', 'segment', 'recency_days', 'frequency',
            'monetary', 'margin', 'abc_class', 'clv', 'clv_method', 'p_alive', 'churn_risk',
            'ladder_stage', 'rfm_score', 'gap_ratio', 'downgrade_pending_since']


class TestReviewOperations(LoyaltyCase):
    """Idempotence, concurrency, queue-job scale-out, installation hook, hooks."""

    @classmethod
    def setUpFixtures(cls):
        cls.partners = cls.env['res.partner']
        for i in range(12):
            partner = cls.customer('Customer %02d' % i, user_id=cls.salesman.id)
            for k in range(i % 4 + 1):
                cls.invoice(partner, '2024-%02d-%02d' % (6 - k, 1 + i), 300.0 * (i + 1),
                            quantity=3 * (i + 1))
            cls.partners |= partner

    def _snapshot(self):
        values = self.env['crm.loyalty.value'].search([('company_id', '=', self.company.id)])
        return {(v.partner_id.id): tuple(
            v[f].id if hasattr(v[f], 'id') and not isinstance(v[f], (int, float, str)) else v[f]
            for f in COMPARED) for v in values}

    def _history(self):
        return sorted((h.partner_id.id, h.event, h.from_tier_id.id, h.to_tier_id.id)
                      for h in self.env['crm.loyalty.history'].search([]))

    def test_second_review_changes_nothing(self):
        first = self.review()
        snapshot, history = self._snapshot(), self._history()
        self.assertEqual(first.changed_count, 12)
        self.env.cr.execute("SELECT max(write_date) FROM crm_loyalty_value")
        written = self.env.cr.fetchone()[0]
        second = self.review()
        self.assertEqual(second.changed_count, 0)
        self.assertEqual((self._snapshot(), self._history()), (snapshot, history))
        self.env.cr.execute("SELECT max(write_date) FROM crm_loyalty_value")
        self.assertEqual(self.env.cr.fetchone()[0], written)

    def test_queue_jobs_give_the_single_run_result(self):
        self.review()
        single, single_history = self._snapshot(), self._history()
        self.env.cr.execute("DELETE FROM crm_loyalty_value")
        self.env['crm.loyalty.value'].invalidate_cache()
        run = self.env['crm.loyalty.review'].run_review_jobs(self.company, REVIEW_DATE,
                                                             chunk_size=5)
        jobs = self.env['queue.job'].search([('model_name', '=', 'crm.loyalty.review'),
                                             ('method_name', '=', '_job_review_chunk')])
        self.assertEqual((run.chunk_count, len(jobs)), (3, 3))
        self.assertEqual(run.state, 'running')
        for job in jobs:
            Job.load(self.env, job.uuid).perform()
        run.invalidate_cache()
        self.assertEqual((run.state, run.chunks_done), ('done', 3))
        self.assertEqual(self._snapshot(), single)
        self.assertEqual(self._history(), single_history)

    def test_concurrent_review_skips_or_refuses(self):
        self.review()  # holds the company's advisory lock until the test's transaction ends
        with self.registry.cursor() as cr:
            env = self.env(cr=cr)
            Review = env['crm.loyalty.review']
            started = time.time()
            self.assertFalse(Review.run_review(env['res.company'].browse(self.company.id),
                                               REVIEW_DATE, raise_if_busy=False))
            with self.assertRaises(UserError) as caught:
                Review.run_review(env['res.company'].browse(self.company.id), REVIEW_DATE)
            self.assertEqual(caught.exception.name, "A loyalty review of %s is already "
                                                    "running; try again when it has finished."
                             % self.company.name)
            # at once: only invoice validations (shared holders) are waited for
            self.assertLess(time.time() - started, LOCK_WAIT)
            cr.rollback()

    def test_review_in_jobs_blocks_single_reviews(self):
        self.env['crm.loyalty.review'].run_review_jobs(self.company, REVIEW_DATE, chunk_size=50)
        self.assertFalse(self.env['crm.loyalty.review'].run_review(
            self.company, REVIEW_DATE, raise_if_busy=False))

    def test_post_init_hook_computes_existing_history(self):
        from ..hooks import post_init_hook
        post_init_hook(self.env.cr, self.registry)
        values = self.env['crm.loyalty.value'].search([('partner_id', 'in', self.partners.ids)])
        self.assertEqual(len(values), 12)
        self.assertTrue(all(values.mapped('tier_id')))

    def test_hooks_feed_cost_to_serve_attitude_and_defectors(self):
        Value = type(self.env['crm.loyalty.value'])
        target = self.partners[3]
        # patch.object removes the stand-ins afterwards instead of pinning them on the class,
        # which would hide the overrides of the addons installed after this one
        with patch.object(Value, '_cost_to_serve_extra',
                          lambda self, company, ids, d1, d2: {target.id: {'Complaints': 50.0}}), \
                patch.object(Value, '_attitude_scores',
                             lambda self, company, ids: {target.id: 0.9}), \
                patch.object(Value, '_unresolved_complaint_partner_ids',
                             lambda self, company, ids: {target.id}):
            self.review('2025-06-30')
        value = self.value(target)
        self.assertEqual(value.cost_to_serve, 50.0)
        self.assertEqual(value.cost_to_serve_detail, 'Complaints: 50.00')
        self.assertEqual((value.attitude_known, value.attitude_score), (True, 0.9))
        self.assertEqual(value.frequency, 0)
        self.assertEqual((value.customer_type, value.customer_type_source),
                         ('defector', 'computed: lapsed after unresolved complaints'))
        other = self.value(self.partners[4])
        self.assertEqual((other.loyalty_type, other.attitude_known), ('unknown', False))

    def test_table_leaves_room_for_updates_and_review_puts_work_mem_back(self):
        """The value table keeps half of each page free (daily rewrites stay on their page);
        the review's larger work_mem for its writes ends with them."""
        cr = self.env.cr
        cr.execute("SELECT reloptions FROM pg_class WHERE relname = 'crm_loyalty_value'")
        self.assertEqual(cr.fetchone()[0], ['fillfactor=50'])
        cr.execute("SET LOCAL work_mem = '5MB'")
        self.review('2025-07-01')
        cr.execute("SHOW work_mem")
        self.assertEqual(cr.fetchone()[0], '5MB')

    def test_amounts_travel_exact_as_binary_numeric(self):
        """Amounts go to PostgreSQL as binary numeric rounded to 6 decimals and 15
        significant digits: each comes back as the decimal a cast of float8 gives; NaN is
        NULL; an amount of 10^16 or more is refused."""
        import io
        import numpy as np
        _copy_binary = self.env['crm.suite.bulk']._copy_binary
        values = [0.0, -0.0, 12.5, -3.25, 0.000001, 0.1 + 0.2, 123456789.99, -0.0000004,
                  9999999999999.99, 1e15 + 0.25, 0.9999996, 7.0, float('nan')]
        cr = self.env.cr
        cr.execute("CREATE TEMP TABLE loyalty_numeric_probe (n numeric, k int8)")
        cr.copy_expert("COPY loyalty_numeric_probe FROM STDIN WITH (FORMAT binary)",
                       io.BytesIO(_copy_binary([np.array(values),
                                                np.arange(len(values), dtype=np.int64)])))
        cr.execute("SELECT NULLIF(n, 'NaN')::text FROM loyalty_numeric_probe ORDER BY k")
        self.assertEqual([row[0] for row in cr.fetchall()], [
            '0', '0', '12.5', '-3.25', '0.000001', '0.3', '123456789.99', '0',
            '9999999999999.99', '1000000000000000', '1', '7', None])
        cr.execute("SELECT count(*) FROM loyalty_numeric_probe "
                   "WHERE n <> round(n, 2) AND k IN (2, 3, 6, 8, 9, 11)")
        self.assertEqual(cr.fetchone()[0], 0)
        with self.assertRaisesRegex(UserError, 'too large for the loyalty figures'):
            _copy_binary([np.array([1e16])])
        cr.execute("SELECT count(*) FROM loyalty_numeric_probe p JOIN unnest(%s::float8[]) "
                   "WITH ORDINALITY AS f(v, k) ON f.k = p.k + 1 "
                   "WHERE f.v::numeric::text <> p.n::text AND f.k < 13", (values,))
        self.assertEqual(cr.fetchone()[0], 2)  # -0.0000004 and 0.9999996: float8 keeps them
        cr.execute("DROP TABLE loyalty_numeric_probe")

    def test_rows_travel_intact_through_the_binary_copy(self):
        """Text with quotes, backslashes, braces, commas, new lines and Persian comes back as
        written, by subscript and by join; NULLs of every kind stay NULL; a second review
        with the other decoding changes nothing."""
        from ..lib import bulk
        Value = type(self.env['crm.loyalty.value'])
        labels = {partner.id: {'Retours "NL", \\ {a,b}\n%d — هزینه' % i: 10.0 + i}
                  for i, partner in enumerate(self.partners)}
        idle = self.customer('Never bought')
        with patch.object(Value, '_cost_to_serve_extra',
                          lambda self, company, ids, d1, d2: labels):
            with patch.object(bulk, 'TEXT_SUBSCRIPT_MAX', 0):  # join path
                first = self.review()
            second = self.review()  # subscript path
        self.assertEqual((first.changed_count, second.changed_count), (13, 0))
        for i, partner in enumerate(self.partners):
            value = self.value(partner)
            self.assertEqual(value.cost_to_serve_detail,
                             'Retours "NL", \\ {a,b}\n%d — هزینه: %.2f' % (i, 10.0 + i))
        self.env.cr.execute("""
            SELECT recency_days, rfm_cell, segment, first_invoice_date, p_alive, clv_method,
                   churn_risk, tier_id, attitude_score, frequency, monetary, attitude_known
              FROM crm_loyalty_value WHERE partner_id = %s""", (idle.id,))
        self.assertEqual(self.env.cr.fetchone(),
                         (None, None, None, None, None, None, None, None, None, 0, 0, False))
