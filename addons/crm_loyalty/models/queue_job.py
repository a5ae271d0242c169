from odoo import api, models


class QueueJob(models.Model):
    _inherit = 'queue.job'

    @api.multi
    def write(self, vals):
        result = super().write(vals)
        if vals.get('state') == 'failed':
            self._loyalty_fail_reviews()
        return result

    def _loyalty_fail_reviews(self):
        """A failed chunk of a review in jobs fails the review, with the job's error: the
        company is free again and the manager can run the review anew (the chunks still
        queued are ignored)."""
        for job in self.filtered(lambda j: j.model_name == 'crm.loyalty.review'
                                 and j.method_name == '_job_review_chunk'):
            self.env.cr.execute("""
                UPDATE crm_loyalty_review SET state = 'failed', error = %s
                 WHERE id = ANY(%s) AND state = 'running'
            """, (job.exc_info or job.result or '', list(job.record_ids or [])))
        self.env['crm.loyalty.review'].invalidate_cache(fnames=['state', 'error'])
