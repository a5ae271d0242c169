"""The loyalty review: customer figures from the books, tiers, history.

This model drives the engine of :mod:`..lib.engine` (the call order and the file of each rule
are in its docstring) and does what needs the database:

1. **Fetch** -- one parameterised SQL aggregate over posted customer invoices and credit
   notes (:mod:`..lib.figures`; the cost and margin of a line from :mod:`..lib.invoice_lines`),
   in company currency, per commercial partner; the population (:meth:`_population`); the
   hooks of the other addons (costs to serve, attitude, unresolved complaints) and the
   ladder's inputs; the customers' current rows.
2. **Compute** -- the engine: population parameters once for the company
   (:meth:`_prepare_params`, stored on the run as JSON), then per chunk of customers with
   those parameters only (:meth:`_apply_chunk`), so the review can run as queue jobs over
   chunks and give exactly the result of the single run.
3. **Write** -- set-based through ``crm.suite.bulk`` (binary COPY into a temporary table, one
   UPDATE of the rows that changed, one INSERT of the new ones) and one INSERT of the history.
4. **Notify** -- notes, activities and pricelists for the customers whose tier changed.

Around it: the company's advisory lock, the jobs' bookkeeping and the real-time upgrade at
invoice validation. No rule is computed here; what this file holds is SQL (fetches, lock) and
the wording of the notes and messages, next to the Odoo calls they belong to.
"""
import json
import logging
import re
import time
from datetime import date as date_type, datetime, timedelta

import numpy as np
import psycopg2
import psycopg2.errorcodes
from dateutil.relativedelta import relativedelta

from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import DEFAULT_SERVER_DATE_FORMAT as DATE_FMT

from odoo.addons.queue_job.job import job

from ..lib import bgnbd, churn, clv, engine, rfm, tiers as tierlib
from ..lib.bulk import INT_NULL, as_date as _as_date, int_array
from ..lib.figures import FIGURES_SQL
from ..lib.engine import WRITTEN_COLUMNS
from ..lib.invoice_lines import DEFAULT_COST_SQL
# LINE_COST_SQL stays importable from this module for code written against it; its
# definition is lib/invoice_lines.py
from ..lib.invoice_lines import LINE_COST_SQL  # noqa: F401  pylint: disable=unused-import
from ..lib.table import Customers

_logger = logging.getLogger(__name__)

#: First key of the advisory lock a review holds on its company (second key: company id).
LOCK_KEY = 0x4C4F59  # 'LOY'
#: Seconds a review waits for invoice validations that hold its company's lock shared.
LOCK_WAIT = 15


def _date_arg(value):
    """A review date given by a caller: a date, ``YYYY-MM-DD`` (ASCII digits), or empty for
    today (``None`` returned); anything else is a :class:`UserError`."""
    if not value:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date_type):
        return value
    parsed = None
    if isinstance(value, str) and re.fullmatch(r'[0-9]{4}-[0-9]{2}-[0-9]{2}', value):
        try:
            parsed = date_type.fromisoformat(value)
        except ValueError:
            parsed = None  # e.g. 2024-13-45: refused below
    if parsed is None:
        raise UserError(_("Invalid date %r: use YYYY-MM-DD.") % (value,))
    return parsed


class CrmLoyaltyReview(models.Model):
    """One review run of a company: when, how, what it fitted and what it changed."""

    _name = 'crm.loyalty.review'
    _description = 'Loyalty Review'
    _order = 'id desc'

    name = fields.Char(compute='_compute_name')
    company_id = fields.Many2one('res.company', required=True, readonly=True, index=True)
    date = fields.Date(required=True, readonly=True, help="The review date (end of window).")
    mode = fields.Selection([('single', 'One transaction'), ('jobs', 'Queue jobs')],
                            required=True, default='single', readonly=True)
    origin = fields.Char(readonly=True)
    state = fields.Selection([('running', 'Running'), ('done', 'Done'), ('failed', 'Failed')],
                             default='running', required=True, readonly=True)
    initial = fields.Boolean(readonly=True, help="First classification of the company: history "
                                                 "is recorded, no chatter or activities.")
    params = fields.Text(readonly=True, help="Population parameters used by every chunk.")
    chunk_count = fields.Integer(readonly=True)
    chunks_done = fields.Integer(default=0, readonly=True)
    customer_count = fields.Integer(default=0, readonly=True)
    changed_count = fields.Integer('Rows Changed', default=0, readonly=True)
    upgrade_count = fields.Integer(default=0, readonly=True)
    downgrade_count = fields.Integer(default=0, readonly=True)
    at_risk_count = fields.Integer('Downgrade Warnings', default=0, readonly=True)
    model_message = fields.Text('CLV Model', readonly=True)
    duration = fields.Float('Duration (s)', readonly=True, digits=(16, 2))
    error = fields.Text(readonly=True, help="Why the review failed: the error of the queue job "
                                            "of the chunk that failed.")
    user_id = fields.Many2one('res.users', default=lambda self: self.env.user, readonly=True)

    @api.depends('company_id', 'date')
    def _compute_name(self):
        for run in self:
            run.name = '%s %s' % (run.company_id.name or '', run.date or '')

    # --- entry points ------------------------------------------------------------------------
    @api.model
    def run_review(self, company, date=None, origin=None, raise_if_busy=True):
        """Review ``company`` in this transaction. Returns the run, or an empty recordset when
        another review holds the company and ``raise_if_busy`` is False."""
        company = self._company_arg(company)
        date = _date_arg(date) or self._today()
        if not self._lock_company(company, raise_if_busy):
            return self.browse()
        started = time.time()
        figures = self._fetch_figures(company, date)
        population = self._population(company, figures)
        params = self._prepare_params(company, date, figures)
        run = self.sudo().create({
            'company_id': company.id, 'date': date, 'mode': 'single',
            'origin': origin or _('Manual review'), 'initial': self._is_initial(company),
            'params': json.dumps(params), 'chunk_count': 1,
            'customer_count': len(population), 'model_message': params['model_message'],
        })
        run._apply_chunk(population, figures)
        run.write({'state': 'done', 'chunks_done': 1, 'duration': time.time() - started})
        return run

    @api.model
    def run_review_jobs(self, company, date=None, origin=None, chunk_size=None):
        """Prepare a review and enqueue one job per chunk of customers."""
        company = self._company_arg(company)
        date = _date_arg(date) or self._today()
        if chunk_size is not None and (not isinstance(chunk_size, int) or
                                       isinstance(chunk_size, bool) or chunk_size < 1):
            raise UserError(_("The chunk size must be a positive whole number."))
        chunk_size = chunk_size or company.loyalty_review_chunk_size or 5000
        self._lock_company(company, True)
        figures = self._fetch_figures(company, date)
        population = self._population(company, figures)
        params = self._prepare_params(company, date, figures)
        chunks = [population[i:i + chunk_size] for i in range(0, len(population), chunk_size)]
        run = self.sudo().create({
            'company_id': company.id, 'date': date, 'mode': 'jobs',
            'origin': origin or _('Review in jobs'), 'initial': self._is_initial(company),
            'params': json.dumps(params), 'chunk_count': len(chunks),
            'customer_count': len(population), 'model_message': params['model_message'],
        })
        if not chunks:
            run.state = 'done'
        for chunk in chunks:
            run.with_delay(description=_('Loyalty review of %(company)s: %(count)d customers')
                           % {'company': company.name, 'count': len(chunk)}
                           )._job_review_chunk(chunk)
        return run

    @job(default_channel='root.loyalty')
    def _job_review_chunk(self, partner_ids):
        """Queue job: apply the run's parameters to ``partner_ids``."""
        self.ensure_one()
        if self.state != 'running':
            return _('Review %(run)s is %(state)s: chunk ignored.') % {
                'run': self.id, 'state': self.state}
        started = time.time()
        company = self.company_id
        figures = self._fetch_figures(company, self.date, partner_ids)
        self._apply_chunk(partner_ids, figures)
        self.env.cr.execute(
            "UPDATE crm_loyalty_review SET chunks_done = chunks_done + 1, "
            "duration = COALESCE(duration, 0) + %s WHERE id = %s "
            "RETURNING chunks_done, chunk_count", (time.time() - started, self.id))
        done, count = self.env.cr.fetchone()
        if done >= count:
            self.env.cr.execute("UPDATE crm_loyalty_review SET state = 'done' WHERE id = %s",
                                (self.id,))
        self.invalidate_cache(fnames=['state', 'chunks_done', 'duration'])
        return _('%d customers reviewed') % len(partner_ids)

    @api.model
    def _cron_review(self):
        """Scheduled review of every company that has tiers; a company whose review
        is already running is skipped, with a log line."""
        companies = self.env['crm.loyalty.tier'].sudo().read_group(
            [], ['company_id'], ['company_id'])
        companies = self.env['res.company'].browse(
            [group['company_id'][0] for group in companies])
        for company in companies:
            if company.loyalty_review_chunk_size:
                if self._busy(company):
                    _logger.info("Loyalty review of %s skipped: one is running", company.name)
                    continue
                self.run_review_jobs(company, origin=_('Scheduled review'))
            else:
                run = self.run_review(company, origin=_('Scheduled review'),
                                      raise_if_busy=False)
                if not run:
                    _logger.info("Loyalty review of %s skipped: one is running", company.name)
        return True

    # --- arguments and rights ------------------------------------------------------------------
    @api.model
    def _company_arg(self, company):
        """The company a public method was given (a record or an id), after checking that the
        user is a loyalty manager allowed in it (the superuser always is)."""
        self.env['crm.loyalty.value']._check_manager()
        if isinstance(company, models.BaseModel) and company._name == 'res.company' \
                and len(company) == 1:
            company_id = company.id
        elif isinstance(company, int) and not isinstance(company, bool):
            company_id = company
        else:
            raise UserError(_("Unknown company: %r.") % (company,))
        company = self.env['res.company'].sudo().browse(company_id).exists()
        if not company:
            raise UserError(_("Unknown company: %r.") % (company_id,))
        self._check_company_allowed(company)
        return company.with_env(self.env)

    @api.model
    def _check_company_allowed(self, company):
        """AccessError unless the current user may work in ``company``."""
        if self.env.uid != SUPERUSER_ID and company not in self.env.user.company_ids:
            raise AccessError(_("You may not review the loyalty of %s.") % company.sudo().name)

    # --- locking -------------------------------------------------------------------------------
    @api.model
    def _busy(self, company):
        return bool(self.sudo().search_count([('company_id', '=', company.id),
                                              ('state', '=', 'running'), ('mode', '=', 'jobs')]))

    @api.model
    def _lock_company(self, company, raise_if_busy):
        """Transaction-level advisory lock on the company, plus no review in jobs running.

        Invoice validations hold the lock shared for the length of their transaction: the
        review waits for them (up to ``LOCK_WAIT``). Another review holds it exclusively for
        minutes: the review is refused (or skipped) at once."""
        cr = self.env.cr
        cr.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", (LOCK_KEY, company.id))
        locked = cr.fetchone()[0]
        if not locked and not self._review_holds_lock(company):
            try:
                with cr.savepoint():
                    cr.execute("SET LOCAL lock_timeout = %s", ('%ds' % LOCK_WAIT,))
                    cr.execute("SELECT pg_advisory_xact_lock(%s, %s)", (LOCK_KEY, company.id))
                    cr.execute("SET LOCAL lock_timeout = DEFAULT")
                locked = True
            except psycopg2.OperationalError as error:
                if error.pgcode != psycopg2.errorcodes.LOCK_NOT_AVAILABLE:
                    raise
        if locked and not self._busy(company):
            return True
        if raise_if_busy:
            raise UserError(_("A loyalty review of %s is already running; try again when it "
                              "has finished.") % company.name)
        return False

    @api.model
    def _review_holds_lock(self, company):
        """Whether another transaction holds (or waits for) the company's lock exclusively."""
        self.env.cr.execute("""
            SELECT 1 FROM pg_locks
             WHERE locktype = 'advisory' AND classid = %s AND objid = %s AND objsubid = 2
               AND mode = 'ExclusiveLock' AND pid <> pg_backend_pid() LIMIT 1""",
                            (LOCK_KEY, company.id))
        return bool(self.env.cr.fetchone())

    @api.model
    def _is_initial(self, company):
        self.env.cr.execute(
            "SELECT 1 FROM crm_loyalty_history h JOIN crm_loyalty_value v ON v.id = h.value_id "
            "WHERE v.company_id = %s LIMIT 1", (company.id,))
        return not self.env.cr.fetchone()

    # --- fetch --------------------------------------------------------------------------
    @api.model
    def _today(self):
        """Today (``crm.suite.clock``) as a date."""
        return _as_date(self.env['crm.suite.clock']._today())

    @api.model
    def _window(self, company, date):
        months = company.loyalty_window_months
        date_from = date - relativedelta(months=months) + timedelta(days=1)
        previous_from = date_from - relativedelta(months=months)
        return date_from, previous_from

    @api.model
    def _fetch_figures(self, company, date, partner_ids=None):
        """Run :data:`FIGURES_SQL`; returns the :class:`~..lib.table.Customers` of the
        fetched figures, ordered by partner id."""
        date = _as_date(date)
        date_from, previous_from = self._window(company, date)
        cr = self.env.cr
        cr.execute(DEFAULT_COST_SQL, {'company': company.id})
        row = cr.fetchone()
        cr.execute(FIGURES_SQL + " ORDER BY partner_id", {
            'company': company.id, 'date_to': date, 'date_from': date_from,
            'previous_from': previous_from, 'default_cost': row[0] if row else 0.0,
            'all_partners': partner_ids is None, 'partner_ids': list(partner_ids or []),
        })
        return Customers.from_rows(cr.fetchall())

    @api.model
    def _population(self, company, figures):
        """Commercial partners reviewed: those with invoices in the company, customers
        visible in it, and those that already have a value row (sorted ids)."""
        cr = self.env.cr
        cr.execute("""
            SELECT id FROM res_partner
             WHERE id = commercial_partner_id AND customer AND active
               AND (company_id IS NULL OR company_id = %s)
            UNION
            SELECT partner_id FROM crm_loyalty_value WHERE company_id = %s
        """, (company.id, company.id))
        ids = set(row[0] for row in cr.fetchall())
        ids.update(int(pid) for pid in figures.partner_id)
        return sorted(ids)

    @api.model
    def _inputs(self, company, params, customers):
        """What the engine needs besides the figures: the other addons' hooks (costs to
        serve, attitude scores, unresolved complaints) and the ladder's inputs."""
        ids = customers.partner_id.tolist()
        Value = self.env['crm.loyalty.value']
        prospects, referrals = self._ladder_inputs(
            company, ids, customers.partner_id[customers.lifetime_frequency < 1].tolist())
        return engine.Inputs(
            extras=Value._cost_to_serve_extra(company, ids, _as_date(params['date_from']),
                                              _as_date(params['date'])) or {},
            discounts_label=_('Discounts'),
            attitudes=Value._attitude_scores(company, ids) or {},
            unresolved=Value._unresolved_complaint_partner_ids(company, ids) or set(),
            prospects=prospects, referrals=referrals)

    @api.model
    def _ladder_inputs(self, company, partner_ids, non_buyer_ids):
        """Among ``non_buyer_ids``, the partners with a sale order in the company (prospects:
        a buyer is past that rung) and, per partner of ``partner_ids``, how many referred
        commercial partners bought from the company."""
        cr = self.env.cr
        cr.execute("""
            SELECT DISTINCT p.commercial_partner_id FROM sale_order so
              JOIN res_partner p ON p.id = so.partner_id
             WHERE so.company_id = %s AND so.state != 'cancel'
               AND p.commercial_partner_id = ANY(%s::int[])
        """, (company.id, int_array(non_buyer_ids)))
        prospects = set(row[0] for row in cr.fetchall())
        cr.execute("""
            SELECT r.commercial_partner_id, count(DISTINCT p.commercial_partner_id)
              FROM res_partner p
              JOIN res_partner r ON r.id = p.loyalty_referrer_id
             WHERE p.loyalty_referrer_id IS NOT NULL
               AND p.commercial_partner_id != r.commercial_partner_id
               AND EXISTS (SELECT 1 FROM account_invoice i
                            WHERE i.commercial_partner_id = p.commercial_partner_id
                              AND i.company_id = %s AND i.type = 'out_invoice'
                              AND i.state IN ('open', 'paid'))
             GROUP BY r.commercial_partner_id
        """, (company.id,))
        # all the company's referrers (few), kept for partner_ids here: filtering by
        # partner_ids in SQL made PostgreSQL probe the referrers' index once per partner
        wanted = set(partner_ids)
        return prospects, {pid: count for pid, count in cr.fetchall() if pid in wanted}

    @api.model
    def _company_tiers(self, company):
        """The company's tiers as the engine takes them, by level."""
        return [tierlib.Tier(t.id, t.level, t.threshold, t.keep_threshold) for t in
                self.env['crm.loyalty.tier'].sudo().search(
                    [('company_id', '=', company.id)], order='level')]

    @api.model
    def _current_rows(self, company, partner_ids):
        """The customers' current value rows as :func:`..lib.engine.decide_tiers` takes
        them."""
        self.env.cr.execute("""
            SELECT partner_id, id, COALESCE(tier_id, 0), COALESCE(tier_locked, false),
                   COALESCE(downgrade_pending_since - DATE '1970-01-01', -1),
                   COALESCE(tier_changed_on - DATE '1970-01-01', -1)
              FROM crm_loyalty_value WHERE company_id = %s AND partner_id = ANY(%s::int[])
        """, (company.id, int_array(partner_ids)))
        return self.env.cr.fetchall()

    # --- compute ------------------------------------------------------------------------
    @api.model
    def _settings(self, company):
        """The company's settings as the engine reads them."""
        return engine.Settings(
            window_months=company.loyalty_window_months,
            weights=(company.loyalty_weight_r, company.loyalty_weight_f,
                     company.loyalty_weight_m),
            abc_a=company.loyalty_abc_a / 100.0, abc_b=company.loyalty_abc_b / 100.0,
            discount_rate=company.loyalty_discount_rate / 100.0,
            clv_horizon=company.loyalty_clv_horizon,
            churn_limits=churn.Limits(
                company.loyalty_churn_high_p_alive, company.loyalty_churn_medium_p_alive,
                company.loyalty_churn_high_gap, company.loyalty_churn_medium_gap),
            mercenary_share=company.loyalty_mercenary_share / 100.0,
            metric=company.loyalty_metric, grace_days=company.loyalty_grace_days)

    @api.model
    def _prepare_params(self, company, date, figures):
        """The population parameters of the engine's step 2 (JSON-serialisable), with the
        review's dates and the CLV models."""
        date = _as_date(date)
        date_from, previous_from = self._window(company, date)
        day = engine.day_number(date)
        params = {'date': date.strftime(DATE_FMT), 'date_from': date_from.strftime(DATE_FMT),
                  'previous_from': previous_from.strftime(DATE_FMT)}
        params.update(engine.population_params(figures, day, self._settings(company)))
        params.update(self._fit_models(figures, day))
        return params

    @api.model
    def _fit_models(self, figures, day):
        """BG/NBD and Gamma-Gamma by maximum likelihood (:func:`..lib.clv.fit_models`), with
        the message the run shows."""
        sample = engine.fit_sample(figures)
        try:
            bg, gg = clv.fit_models(*sample, day=day)
        except bgnbd.NotEnoughData as error:
            return {'model_message': _(
                "Probabilistic CLV needs at least %(customers)d customers and %(repeaters)d "
                "repeat customers; this company has %(have_customers)d and "
                "%(have_repeaters)d. The simple CLV is used.") % {
                    'customers': bgnbd.MIN_CUSTOMERS, 'repeaters': bgnbd.MIN_REPEAT_CUSTOMERS,
                    'have_customers': error.customers, 'have_repeaters': error.repeaters}}
        except bgnbd.FitError as error:
            return {'model_message': _("The CLV model could not be fitted (%s). The simple CLV "
                                       "is used.") % error}
        return {
            'bgnbd': list(bg), 'gamma_gamma': list(gg),
            'model_message': _(
                "BG/NBD fitted on %(n)d customers: r=%(r).4f alpha=%(alpha).4f a=%(a).4f "
                "b=%(b).4f. Gamma-Gamma: p=%(p).4f q=%(q).4f gamma=%(g).4f.") % {
                    'n': len(sample[0]), 'r': bg[0], 'alpha': bg[1], 'a': bg[2], 'b': bg[3],
                    'p': gg[0], 'q': gg[1], 'g': gg[2]},
        }

    def _apply_chunk(self, partner_ids, figures, dry_run=False, realtime=False):
        """Compute and write the customers ``partner_ids`` with this run's parameters.

        :returns: list of changes ``(partner_id, from_tier_id, to_tier_id, event)``.
        """
        params = json.loads(self.params)
        company = self.company_id
        run = {'id': self.id or None, 'origin': self.origin or '', 'initial': self.initial,
               'date': _as_date(params['date'])}
        day = engine.day_number(run['date'])
        settings = self._settings(company)
        customers = figures.aligned(partner_ids)
        engine.compute(customers, params, settings, day,
                       self._inputs(company, params, customers))
        changes = engine.decide_tiers(
            customers, self._company_tiers(company),
            self._current_rows(company, customers.partner_id.tolist()), day,
            settings.grace_days, realtime)
        if dry_run:
            return changes
        self._write_rows(company, customers, run)
        self._record_changes(company, customers, changes, realtime, run)
        return changes

    # --- write --------------------------------------------------------------------------
    def _write_rows(self, company, c, run):
        """The computed rows into crm_loyalty_value, set-based (``crm.suite.bulk._copy_write``:
        one binary COPY, one UPDATE of the rows that differ, one INSERT of the new ones), then
        the stored customer type of the rows whose computed type changed."""
        if not len(c):
            return
        columns = engine.written_columns(c, engine.day_number(run['date']))
        changed, created = self.env['crm.suite.bulk']._copy_write(
            'crm.loyalty.value', ['id', 'partner_id'] + WRITTEN_COLUMNS,
            [np.where(c.value_id != 0, c.value_id, INT_NULL), c.partner_id] +
            [columns[name] for name in WRITTEN_COLUMNS],
            compare=[col for col in WRITTEN_COLUMNS if col != 'review_date'],
            constants={'company_id': company.id, 'tier_locked': False},
            returning='partner_id')
        c.value_id = np.array([vid or created.get(pid, 0) for vid, pid in
                               zip(c.value_id.tolist(), c.partner_id.tolist())],
                              dtype=np.int64)
        # customer type is a stored compute over a raw-written column
        self.env.cr.execute("""
            UPDATE crm_loyalty_value SET customer_type = customer_type_computed,
                   customer_type_source = CASE customer_type_computed
                       WHEN 'mercenary' THEN %s WHEN 'defector' THEN %s END
             WHERE company_id = %s AND customer_type_manual IS NULL
               AND partner_id = ANY(%s::int[])
               AND customer_type IS DISTINCT FROM customer_type_computed
        """, (_('computed: discounts reach the mercenary share'),
              _('computed: lapsed after unresolved complaints'), company.id,
              int_array(c.partner_id.tolist())))
        self.env['crm.loyalty.value'].invalidate_cache(
            fnames=WRITTEN_COLUMNS + ['customer_type', 'customer_type_source'])
        if run['id']:
            self.env.cr.execute("UPDATE crm_loyalty_review SET changed_count = changed_count "
                                "+ %s WHERE id = %s", (changed, run['id']))
            self.invalidate_cache(fnames=['changed_count'])

    # --- notify -------------------------------------------------------------------------
    def _record_changes(self, company, c, changes, realtime, run):
        """History rows, chatter, activities and pricelists for the tier changes."""
        if not changes:
            return
        date = run['date']
        index = {pid: i for i, pid in enumerate(c.partner_id.tolist())}
        tiers = {t.id: t for t in self.env['crm.loyalty.tier'].sudo().search(
            [('company_id', '=', company.id)])}
        # plain values: one attribute read per tier, not per customer
        level = {tier_id: tier.level for tier_id, tier in tiers.items()}
        threshold = {tier_id: tier.threshold for tier_id, tier in tiers.items()}
        keep = {tier_id: tier.keep_threshold for tier_id, tier in tiers.items()}
        metric_label = dict(self.env['res.company']._fields['loyalty_metric'].selection)[
            company.loyalty_metric]
        counts = dict.fromkeys(tierlib.REVIEW_EVENTS, 0)
        positions = [index[change[0]] for change in changes]
        figures = [getattr(c, name)[positions].tolist() for name in (
            'qualification_value', 'monetary', 'margin', 'frequency', 'recency_days',
            'r_score', 'f_score', 'm_score')]
        rows = []
        value_ids = c.value_id.tolist()
        for (pid, old, new, event), i, value, monetary, margin, frequency, recency, \
                r_score, f_score, m_score in zip(changes, positions, *figures):
            counts[event] += 1
            rows.append((
                value_ids[i], pid, company.id, date, old, new, level.get(old, 0),
                level.get(new, 0), event, run['origin'], run['id'], metric_label,
                float(value), threshold[new] if event == 'upgrade' else keep.get(old, 0.0),
                float(monetary), float(margin), int(frequency), int(recency),
                rfm.cell(r_score, f_score, m_score) if r_score else None))
        self._insert_history(rows)
        if run['id']:
            self.env.cr.execute(
                "UPDATE crm_loyalty_review SET upgrade_count = upgrade_count + %s, "
                "downgrade_count = downgrade_count + %s, at_risk_count = at_risk_count + %s "
                "WHERE id = %s", (counts['upgrade'], counts['downgrade'] + counts['leave'],
                                  counts['at_risk'], run['id']))
            self.invalidate_cache(fnames=['upgrade_count', 'downgrade_count', 'at_risk_count'])
        moved = [value_ids[index[pid]] for pid, old, new, event in changes
                 if event != 'at_risk']
        self.env['crm.loyalty.value'].sudo().browse(moved)._apply_pricelists()
        if run['initial'] and not realtime:
            return
        self._notify(company, changes, tiers, c, index, metric_label, run)

    def _insert_history(self, rows):
        """One INSERT for all history rows of a review (``crm.suite.bulk._insert_rows``: a
        review can change thousands of tiers; the ORM would create them one by one)."""
        if not rows:
            return
        self.env['crm.suite.bulk']._insert_rows('crm_loyalty_history', [
            'value_id', 'partner_id', 'company_id', 'date', 'from_tier_id', 'to_tier_id',
            'from_level', 'to_level', 'event', 'origin', 'review_id', 'metric', 'metric_value',
            'threshold', 'monetary', 'margin', 'frequency', 'recency_days', 'rfm_cell',
            'user_id',
        ], ['int', 'int', 'int', 'date', 'int', 'int', 'int', 'int', 'varchar', 'varchar', 'int',
            'varchar', 'numeric', 'numeric', 'numeric', 'numeric', 'int', 'int', 'varchar',
            'int'], [row + (self.env.uid,) for row in rows])
        History = self.env['crm.loyalty.history']
        History.invalidate_cache(fnames=list(History._fields))
        self.env['crm.loyalty.value'].invalidate_cache(fnames=['history_ids'])
        self.env['res.partner'].invalidate_cache(fnames=['loyalty_history_ids'])

    def _notify(self, company, changes, tiers, c, index, metric_label, run):
        """A note on the chatter of each partner whose tier moved, and an activity for its
        salesperson on an upgrade (welcome) or a downgrade warning (retention call); written
        set-based (``crm.suite.bulk``)."""
        self.env.cr.execute("SELECT id, user_id FROM res_partner WHERE id = ANY(%s::int[])",
                            (int_array([change[0] for change in changes]),))
        salesperson = dict(self.env.cr.fetchall())
        call = self.env.ref('mail.mail_activity_data_call', raise_if_not_found=False)
        todo = self.env.ref('mail.mail_activity_data_todo', raise_if_not_found=False)
        bodies, activities = {}, []
        for pid, old, new, event in changes:
            i = index[pid]
            old_name = tiers[old].name if old in tiers else _('no class')
            new_name = tiers[new].name if new in tiers else _('no class')
            figures = _("%(metric)s %(value).2f; revenue %(monetary).2f, margin %(margin).2f, "
                        "%(frequency)d purchase days, last purchase %(recency)d days ago") % {
                'metric': metric_label, 'value': c.qualification_value[i],
                'monetary': c.monetary[i], 'margin': c.margin[i],
                'frequency': c.frequency[i], 'recency': c.recency_days[i]}
            if event == 'upgrade':
                body = _("Loyalty class: %(old)s → %(new)s (%(origin)s). %(figures)s.")
                summary = _("Welcome to %s") % new_name
                activity_type = todo
            elif event == 'at_risk':
                body = _("Loyalty class %(old)s at risk: below its keep threshold; "
                         "downgrade after the grace period (%(origin)s). %(figures)s.")
                summary = _("Retention call: %s class at risk") % old_name
                activity_type = call
            else:
                body = _("Loyalty class: %(old)s → %(new)s (%(origin)s). %(figures)s.")
                summary = None
                activity_type = None
            bodies[pid] = body % {'old': old_name, 'new': new_name, 'origin': run['origin'],
                                  'figures': figures}
            if summary and activity_type and salesperson.get(pid):
                activities.append((pid, activity_type.id, salesperson[pid], summary, figures))
        Bulk = self.env['crm.suite.bulk']
        Bulk._post_notes('res.partner', bodies)
        Bulk._create_activities('res.partner', activities)

    # --- real-time upgrade, dry run --------------------------------------------------------
    @api.model
    def realtime_upgrade(self, company, partner_ids, date=None):
        """Upgrade at once the customers whose new invoices meet a higher tier, scored with
        the parameters of the company's last review (nothing happens before a first review).
        Skipped, with a log line, while a review holds the company: it takes the review's
        lock, so the two never write the same rows at once (the next review catches up).
        """
        company = self._company_arg(company)
        if not isinstance(partner_ids, (list, tuple)) or not all(
                isinstance(pid, int) and not isinstance(pid, bool) for pid in partner_ids):
            raise UserError(_("Customers must be given as a list of ids."))
        last = self.sudo().search([('company_id', '=', company.id), ('state', '=', 'done')],
                                  order='date desc, id desc', limit=1)
        if not last or not company.loyalty_realtime_upgrade:
            return []
        # shared: invoices validated at once do not exclude each other, a review excludes them
        self.env.cr.execute("SELECT pg_try_advisory_xact_lock_shared(%s, %s)",
                            (LOCK_KEY, company.id))
        if not self.env.cr.fetchone()[0] or self._busy(company):
            _logger.info("Loyalty real-time upgrade of %s skipped: a review is running",
                         company.name)
            return []
        date = _date_arg(date) or self._today()
        params = json.loads(last.params)
        date_from, previous_from = self._window(company, date)
        params.update({'date': date.strftime(DATE_FMT),
                       'date_from': date_from.strftime(DATE_FMT),
                       'previous_from': previous_from.strftime(DATE_FMT)})
        run = self.sudo().new({'company_id': company.id, 'date': date, 'mode': 'single',
                               'origin': _('Invoice validated'), 'params': json.dumps(params),
                               'initial': False})
        ids = sorted(set(partner_ids))
        figures = self._fetch_figures(company, date, ids)
        return run._apply_chunk(ids, figures, realtime=True)

    @api.model
    def preview(self, company, date=None):
        """Dry run: the changes a review would make today, nothing written."""
        company = self._company_arg(company)
        date = _date_arg(date) or self._today()
        figures = self._fetch_figures(company, date)
        population = self._population(company, figures)
        params = self._prepare_params(company, date, figures)
        run = self.sudo().new({'company_id': company.id, 'date': date, 'mode': 'single',
                               'params': json.dumps(params), 'initial': False})
        changes = run._apply_chunk(population, figures, dry_run=True)
        return changes, params
