"""The loyalty review: customer figures from the books, classes, history.

One review of a company:

1. **Figures** -- one parameterised SQL aggregate over posted customer invoices and credit
   notes (:data:`FIGURES_SQL`), in company currency, per commercial partner.
2. **Population parameters** -- quintile edges, ABC edges, segment retention, BG/NBD and
   Gamma-Gamma parameters, computed once for the whole company (:meth:`_prepare_params`).
3. **Apply** -- per customer, with those parameters only (:meth:`_apply_chunk`): scores, CLV,
   churn, ladder, types, class decision; written set-based (binary COPY into a temporary
   table, then one UPDATE of the rows that changed and one INSERT of the new ones), history
   rows, chatter, activities and pricelists for the customers whose class changed.

Because step 3 depends only on the parameters, the review can run as queue jobs over chunks
of customers and give exactly the result of the single run.
"""
import io
import json
import logging
import math
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

from ..lib import abc, bgnbd, churn, clv, gamma_gamma, rfm, tiers as tierlib
from ..lib.sql import array_literal, int_array

_logger = logging.getLogger(__name__)

#: First key of the advisory lock a review holds on its company (second key: company id).
LOCK_KEY = 0x4C4F59  # 'LOY'
#: Seconds a review waits for invoice validations that hold its company's lock shared.
LOCK_WAIT = 15
DAYS_PER_WEEK = 7.0
#: Largest number of customers the CLV models are fitted on (a systematic sample above it).
FIT_SAMPLE = 20000

#: Company-currency factor of an invoice line (alias ``l``, its invoice ``i``), negative on
#: a refund: its signed amount over its amount; for a line of amount 0 the invoice's ratio,
#: else the sign.
LINE_FACTOR_SQL = """(CASE
      WHEN l.price_subtotal <> 0 THEN l.price_subtotal_signed / l.price_subtotal
      WHEN i.amount_untaxed <> 0 THEN i.amount_untaxed_signed / i.amount_untaxed
      WHEN i.type = 'out_refund' THEN -1.0 ELSE 1.0 END)"""
#: Cost of the goods of an invoice line, in company currency and signed like its amount
#: (margin = amount - cost): the mean purchase price of its sale order lines (sale_margin)
#: times the quantity; else the product's cost, from the product's unit to the line's; 0
#: without a product. Aliases: ``l`` the line, ``i`` its invoice, ``pu`` and ``lu`` the
#: units of the product and of the line; ``{so_price}`` the mean purchase price (NULL when
#: not from an order), ``{cost}`` the product's cost. Used by crm_campaigns' ROI too.
LINE_COST_SQL = """(CASE WHEN {so_price} IS NOT NULL THEN {so_price} * l.quantity * %s
      WHEN l.product_id IS NULL THEN 0
      ELSE (CASE WHEN i.type = 'out_refund' THEN -1.0 ELSE 1.0 END) * {cost} * l.quantity
           / COALESCE(NULLIF(lu.factor, 0), 1)::numeric * COALESCE(pu.factor, 1)::numeric
      END)""" % LINE_FACTOR_SQL

FIGURES_SQL = """
WITH so_cost AS (
    SELECT rel.invoice_line_id, avg(sol.purchase_price)::numeric AS price
      FROM sale_order_line_invoice_rel rel
      JOIN sale_order_line sol ON sol.id = rel.order_line_id
     GROUP BY rel.invoice_line_id
), product_cost AS (
    SELECT substr(res_id, 17)::integer AS product_id, value_float::numeric AS cost
      FROM ir_property
     WHERE name = 'standard_price' AND company_id = %(company)s
       AND res_id LIKE 'product.product,%%'
), lines AS (
    SELECT i.commercial_partner_id AS partner_id, i.date_invoice AS day,
           i.type = 'out_invoice' AS purchase,
           l.price_subtotal_signed AS amount,
           {line_cost} AS cost,
           l.price_unit * l.quantity * l.discount / 100.0 * {factor} AS discount,
           (l.discount > 0 OR (i.type = 'out_invoice' AND l.price_subtotal < 0)) AS incentive
      FROM account_invoice i
      JOIN account_invoice_line l ON l.invoice_id = i.id
      LEFT JOIN so_cost sc ON sc.invoice_line_id = l.id
      LEFT JOIN product_product pp ON pp.id = l.product_id
      LEFT JOIN product_template pt ON pt.id = pp.product_tmpl_id
      LEFT JOIN product_uom pu ON pu.id = pt.uom_id
      LEFT JOIN product_uom lu ON lu.id = l.uom_id
      LEFT JOIN product_cost pc ON pc.product_id = l.product_id
     WHERE i.company_id = %(company)s
       AND i.state IN ('open', 'paid')
       AND i.type IN ('out_invoice', 'out_refund')
       AND i.date_invoice <= %(date_to)s
       AND (%(all_partners)s OR i.commercial_partner_id = ANY(%(partner_ids)s))
), days AS (
    SELECT partner_id, day, bool_or(purchase) AS purchase, sum(amount) AS amount,
           sum(cost) AS cost, sum(discount) AS discount, bool_or(incentive) AS incentive
      FROM lines
     GROUP BY partner_id, day
), marked AS (
    SELECT days.*, min(day) FILTER (WHERE purchase) OVER (PARTITION BY partner_id) AS first_day
      FROM days
)
SELECT partner_id,
       min(first_day) - DATE '1970-01-01' AS first_day,
       max(day) FILTER (WHERE purchase) - DATE '1970-01-01' AS last_day,
       count(*) FILTER (WHERE purchase) AS lifetime_frequency,
       COALESCE(sum(amount), 0)::float8 AS lifetime_monetary,
       count(*) FILTER (WHERE purchase AND day >= %(date_from)s) AS frequency,
       COALESCE(sum(amount) FILTER (WHERE day >= %(date_from)s), 0)::float8 AS monetary,
       COALESCE(round(sum(amount - cost) FILTER (WHERE day >= %(date_from)s), 6),
                0)::float8 AS margin,
       COALESCE(round(sum(discount) FILTER (WHERE day >= %(date_from)s), 6), 0)::float8
           AS discount,
       count(*) FILTER (WHERE purchase AND day >= %(previous_from)s
                        AND day < %(date_from)s) AS previous_frequency,
       count(*) FILTER (WHERE purchase AND day >= %(date_from)s
                        AND day > first_day) AS repeat_days,
       count(*) FILTER (WHERE purchase AND day >= %(date_from)s AND day > first_day
                        AND NOT incentive) AS incentive_free_days,
       COALESCE(sum(amount) FILTER (WHERE purchase AND day > first_day), 0)::float8
           AS repeat_amount
  FROM marked
 GROUP BY partner_id
""".format(
    factor=LINE_FACTOR_SQL, line_cost=LINE_COST_SQL.format(
        so_price='sc.price', cost='COALESCE(pc.cost, %(default_cost)s::numeric)'))
FIGURE_COLUMNS = [
    'partner_id', 'first_day', 'last_day', 'lifetime_frequency', 'lifetime_monetary',
    'frequency', 'monetary', 'margin', 'discount', 'previous_frequency', 'repeat_days',
    'incentive_free_days', 'repeat_amount',
]

#: Columns of crm_loyalty_value the review writes, in COPY order.
WRITTEN_COLUMNS = [
    'review_date', 'tier_id', 'tier_level', 'computed_tier_id', 'tier_changed_on',
    'downgrade_pending_since',
    'qualification_value', 'first_invoice_date', 'last_invoice_date', 'recency_days',
    'frequency', 'monetary', 'lifetime_frequency', 'lifetime_monetary', 'previous_frequency',
    'r_score', 'f_score', 'm_score', 'rfm_cell', 'rfm_score', 'segment', 'margin',
    'discount_amount', 'discount_share', 'cost_to_serve', 'cost_to_serve_detail', 'profit',
    'ideal_index', 'abc_class', 'revenue_share', 'clv', 'clv_method', 'clv_simple',
    'clv_model', 'p_alive', 'expected_purchases', 'expected_spend', 'churn_risk',
    'gap_ratio', 'repeat_days', 'incentive_free_days', 'incentive_free_rate', 'ladder_stage',
    'referral_count', 'attitude_score', 'attitude_known', 'loyalty_type',
    'customer_type_computed', 'unresolved_complaints',
]

STAGE_ORDER = ['suspect', 'prospect', 'first_time', 'repeat', 'client', 'loyal', 'advocate']
ATTITUDE_HIGH = 0.6
LOYAL_INCENTIVE_FREE = 0.5


def _as_date(value):
    if not value:
        return None
    if isinstance(value, str):
        return date_type.fromisoformat(value[:10])
    return value


EPOCH = date_type(1970, 1, 1)


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


def _nulls(values, missing):
    """``values`` (array) as a list of Python values with None where ``missing``."""
    values = np.asarray(values).astype(object)
    values[missing] = None
    return values.tolist()


#: NULL of the int8 columns in the binary staging of the review's rows: ids, counts, day
#: numbers, booleans and text codes travel as int8, amounts and rates as numeric with NaN for
#: NULL.
INT_NULL = int(np.iinfo(np.int64).min)
#: How each kind of field of crm.loyalty.value is staged.
STAGE_KINDS = {'integer': 'int', 'many2one': 'int', 'float': 'float', 'monetary': 'float',
               'boolean': 'bool', 'date': 'date', 'char': 'text', 'text': 'text',
               'selection': 'text'}
#: COPY's binary format: signature, flags and header extension length, then the rows; -1 ends.
COPY_HEADER = b'PGCOPY\n\xff\r\n\x00' + bytes(8)
COPY_TRAILER = b'\xff\xff'
#: Text columns with up to this many distinct values are decoded by subscript, longer lists
#: by a join (a subscript walks a text array from its start).
TEXT_SUBSCRIPT_MAX = 100
#: Amounts and rates travel in PostgreSQL's binary ``numeric`` (a cast of float8 to numeric
#: in the server costs about 0.5 µs a value: 0.7 s for the 1.4 million of 70,000 customers),
#: in one fixed layout: 6 digits of base 10,000, 4 before the point and 2 after, of which
#: :data:`NUMERIC_DECIMALS` decimals are used. PostgreSQL strips the zero digits.
NUMERIC_DIGITS, NUMERIC_WEIGHT, NUMERIC_DECIMALS = 6, 3, 6
NUMERIC_LIMIT = 1e16
NUMERIC_NEGATIVE, NUMERIC_NAN = 0x4000, 0xC000


def _numeric_parts(values):
    """``values`` (float64, NaN for NULL) rounded to :data:`NUMERIC_DECIMALS` decimals and
    15 significant digits, as the sign, display scale and base-10,000 digits of PostgreSQL's
    binary numeric; the display scale is the number of decimals without trailing zeros: the
    value a cast of float8 to numeric gives."""
    values = np.asarray(values, dtype=np.float64)
    missing = np.isnan(values)
    magnitude = np.where(missing, 0.0, np.abs(values))
    if len(magnitude) and magnitude.max() >= NUMERIC_LIMIT:
        raise UserError(_("An amount of %s is too large for the loyalty figures (at most "
                          "10^16 in company currency).") % magnitude.max())
    whole = np.floor(magnitude)
    # at most 15 significant digits, as float8 holds and its cast to numeric writes
    decimals = np.clip(15 - np.searchsorted(10.0 ** np.arange(17), whole, side='right'),
                       0, NUMERIC_DECIMALS)
    unit = 10 ** decimals
    fraction = np.rint((magnitude - whole) * unit).astype(np.int64)
    carry = fraction >= unit
    whole = whole.astype(np.int64) + carry
    fraction = np.where(carry, 0, fraction) * 10 ** (NUMERIC_DECIMALS - decimals)
    # display scale: the decimals left once the trailing zeros are stripped
    scale = NUMERIC_DECIMALS - sum(fraction % 10 ** k == 0
                                   for k in range(1, NUMERIC_DECIMALS + 1))
    digits = np.empty((len(values), NUMERIC_DIGITS), dtype=np.int64)
    for k in range(NUMERIC_WEIGHT + 1):
        digits[:, k] = whole // 10000 ** (NUMERIC_WEIGHT - k) % 10000
    places = 4 * (NUMERIC_DIGITS - NUMERIC_WEIGHT - 1)  # decimal places of the digits
    fraction = fraction * 10 ** (places - NUMERIC_DECIMALS)
    for k in range(NUMERIC_WEIGHT + 1, NUMERIC_DIGITS):
        digits[:, k] = fraction // 10000 ** (NUMERIC_DIGITS - 1 - k) % 10000
    sign = np.where(missing, NUMERIC_NAN, np.where(values < 0, NUMERIC_NEGATIVE, 0))
    return sign, scale, digits


def _numeric_text(value):
    """A float as the text of a PostgreSQL numeric (every digit the float holds), ``None``
    for NaN and infinities (NULL)."""
    if not math.isfinite(value):
        return None
    return repr(value)


def _copy_binary(columns):
    """Rows of COPY's binary format from ``columns`` (arrays of one length, no NULL), built
    by numpy in one record array: int64 arrays as int8 fields, float64 arrays as numeric
    fields of one size (see :func:`_numeric_parts`). The parts every row shares (field
    count, sizes, numeric layout) are written once and repeated."""
    layout = [('fields', '>i2')]
    for i, column in enumerate(columns):
        if column.dtype.kind == 'f':
            layout += [('size%d' % i, '>i4'), ('ndigits%d' % i, '>i2'),
                       ('weight%d' % i, '>i2'), ('sign%d' % i, '>u2'),
                       ('dscale%d' % i, '>i2'), ('value%d' % i, '>i2', (NUMERIC_DIGITS,))]
        else:
            layout += [('size%d' % i, '>i4'), ('value%d' % i, '>i8')]
    row = np.zeros(1, dtype=layout)
    row['fields'] = len(columns)
    for i, column in enumerate(columns):
        numeric = column.dtype.kind == 'f'
        row['size%d' % i] = 8 + 2 * NUMERIC_DIGITS if numeric else 8
        if numeric:
            row['ndigits%d' % i] = NUMERIC_DIGITS
            row['weight%d' % i] = NUMERIC_WEIGHT
    rows = np.repeat(row, len(columns[0]) if columns else 0)
    for i, column in enumerate(columns):
        if column.dtype.kind == 'f':
            rows['sign%d' % i], rows['dscale%d' % i], rows['value%d' % i] = \
                _numeric_parts(column)
        else:
            rows['value%d' % i] = column
    return COPY_HEADER + rows.tobytes() + COPY_TRAILER


def _stage_array(values, kind):
    """One column as staged: float64 with NaN for NULL (kind ``float``), int64 with
    :data:`INT_NULL` for NULL (``int``, ``bool``, and ``date`` as days since 1970-01-01)."""
    if kind == 'float':
        return np.asarray(values, dtype=np.float64)  # None becomes NaN
    if isinstance(values, np.ndarray) and values.dtype != object:
        return values.astype(np.int64)
    if kind == 'date':
        return np.array([INT_NULL if v is None else (_as_date(v) - EPOCH).days
                         for v in values], dtype=np.int64)
    return np.array([INT_NULL if v is None else int(v) for v in values], dtype=np.int64)


def _text_codes(values):
    """Text values as codes 1..k into their distinct values (0 for None), and those values:
    ``labels[code]`` in PostgreSQL gives the text back (NULL for 0)."""
    labels = [value for value in dict.fromkeys(values) if value is not None]
    code = dict(zip(labels, range(1, len(labels) + 1)))
    code[None] = 0
    return np.fromiter(map(code.__getitem__, values), dtype=np.int64,
                       count=len(values)), labels


def _is_sorted(values):
    return bool(len(values) < 2 or np.all(values[1:] > values[:-1]))


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
        date = _date_arg(date) or _as_date(fields.Date.context_today(self))
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
        date = _date_arg(date) or _as_date(fields.Date.context_today(self))
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
        """Scheduled review of every company that has loyalty classes; a company whose review
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

    # --- step 1: figures ---------------------------------------------------------------------
    @api.model
    def _window(self, company, date):
        months = company.loyalty_window_months
        date_from = date - relativedelta(months=months) + timedelta(days=1)
        previous_from = date_from - relativedelta(months=months)
        return date_from, previous_from

    @api.model
    def _fetch_figures(self, company, date, partner_ids=None):
        """Run :data:`FIGURES_SQL`; returns ``{column: numpy array}`` (dates as day numbers,
        -1 when missing), rows ordered by partner id."""
        date = _as_date(date)
        date_from, previous_from = self._window(company, date)
        cr = self.env.cr
        cr.execute("SELECT value_float FROM ir_property WHERE name = 'standard_price' "
                   "AND company_id = %s AND res_id IS NULL LIMIT 1", (company.id,))
        row = cr.fetchone()
        cr.execute(FIGURES_SQL + " ORDER BY partner_id", {
            'company': company.id, 'date_to': date, 'date_from': date_from,
            'previous_from': previous_from, 'default_cost': row[0] if row else 0.0,
            'all_partners': partner_ids is None, 'partner_ids': list(partner_ids or []),
        })
        return self._columns(cr.fetchall())

    @staticmethod
    def _columns(rows):
        columns = {}
        transposed = list(zip(*rows)) if rows else [[] for _c in FIGURE_COLUMNS]
        for name, values in zip(FIGURE_COLUMNS, transposed):
            if name in ('first_day', 'last_day'):  # day numbers since 1970-01-01
                columns[name] = np.array([-1 if v is None else v for v in values],
                                         dtype=np.int64)
            elif name in ('lifetime_monetary', 'monetary', 'margin', 'discount',
                          'repeat_amount'):
                columns[name] = np.array(values, dtype=float)
            else:
                columns[name] = np.array(values, dtype=np.int64)
        return columns

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
        ids.update(int(pid) for pid in figures['partner_id'])
        return sorted(ids)

    # --- step 2: population parameters -------------------------------------------------------
    @api.model
    def _prepare_params(self, company, date, figures):
        """Everything that depends on the whole company (JSON-serialisable)."""
        date = _as_date(date)
        date_from, previous_from = self._window(company, date)
        day = (date - datetime(1970, 1, 1).date()).days
        buyer = figures['lifetime_frequency'] >= 1
        recency = day - figures['last_day'][buyer]
        frequency = figures['frequency'][buyer]
        monetary = figures['monetary'][buyer]
        edges = {
            'r': [float(v) for v in rfm.quintile_edges((-recency).tolist())],
            'f': [float(v) for v in rfm.quintile_edges(frequency.tolist())],
            'm': [float(v) for v in rfm.quintile_edges(monetary.tolist())],
        }
        a_share = company.loyalty_abc_a / 100.0
        abc_edges = abc.edges(zip(figures['partner_id'][buyer].tolist(), monetary.tolist()),
                              a_share, a_share + company.loyalty_abc_b / 100.0)
        # segment retention
        r_scores = self._scores(-recency, edges['r'])
        f_scores = self._scores(frequency, edges['f'])
        segments = [rfm.segment(r, f) for r, f in zip(r_scores.tolist(), f_scores.tolist())]
        retention, company_rate = clv.retention_rates(
            zip(segments, (figures['previous_frequency'][buyer] > 0).tolist(),
                (frequency > 0).tolist()))
        # gaps
        lifetime = figures['lifetime_frequency'][buyer]
        span = (figures['last_day'][buyer] - figures['first_day'][buyer]).astype(float)
        repeaters = lifetime >= 2
        gaps = span[repeaters] / (lifetime[repeaters] - 1)
        median_gap = float(np.median(gaps)) if len(gaps) else None
        total_monetary = float(monetary.sum())
        margin_ratio = (float(figures['margin'][buyer].sum()) / total_monetary
                        if total_monetary > 0 else 0.0)
        params = {
            'date': date.strftime(DATE_FMT), 'date_from': date_from.strftime(DATE_FMT),
            'previous_from': previous_from.strftime(DATE_FMT), 'edges': edges,
            'abc_edges': [list(e) if e else None for e in abc_edges],
            'retention': retention, 'company_retention': company_rate,
            'median_gap': median_gap, 'margin_ratio': max(0.0, min(1.0, margin_ratio)),
            'total_monetary': total_monetary, 'bgnbd': None, 'gamma_gamma': None,
        }
        params.update(self._fit_models(figures, buyer, day))
        return params

    @api.model
    def _fit_models(self, figures, buyer, day):
        """BG/NBD and Gamma-Gamma by maximum likelihood; above :data:`FIT_SAMPLE` customers
        on a systematic sample of them (every k-th in partner order), which keeps the fit to
        a few seconds and deterministic."""
        picked = np.flatnonzero(buyer)
        if len(picked) > FIT_SAMPLE:
            picked = picked[np.linspace(0, len(picked) - 1, FIT_SAMPLE).astype(np.int64)]
        buyer = np.zeros(len(buyer), dtype=bool)
        buyer[picked] = True
        x = (figures['lifetime_frequency'][buyer] - 1).astype(float)
        first = figures['first_day'][buyer]
        t_x = (figures['last_day'][buyer] - first) / DAYS_PER_WEEK
        age = (day - first) / DAYS_PER_WEEK
        try:
            bg = bgnbd.fit(x, t_x, age)
            repeat = x > 0
            zbar = np.where(repeat, figures['repeat_amount'][buyer] / np.maximum(x, 1), 0.0)
            gg = gamma_gamma.fit(x[repeat], zbar[repeat])
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
                    'n': int(buyer.sum()), 'r': bg[0], 'alpha': bg[1], 'a': bg[2], 'b': bg[3],
                    'p': gg[0], 'q': gg[1], 'g': gg[2]},
        }

    @staticmethod
    def _scores(values, edges):
        values = np.asarray(values, dtype=float)
        if not edges:
            return np.ones(len(values), dtype=np.int64)
        return 1 + (values[:, None] > np.asarray(edges, dtype=float)[None, :]).sum(axis=1)

    # --- step 3: apply -----------------------------------------------------------------------
    def _apply_chunk(self, partner_ids, figures, dry_run=False, realtime=False):
        """Compute and write the customers ``partner_ids`` with this run's parameters.

        :returns: list of changes ``(partner_id, from_tier_id, to_tier_id, event)``.
        """
        params = json.loads(self.params)
        company = self.company_id
        run = {'id': self.id or None, 'origin': self.origin or '', 'initial': self.initial,
               'date': _as_date(params['date'])}
        rows = self._compute_rows(company, params, partner_ids, figures)
        changes = self._decide_tiers(company, params, rows, realtime)
        if dry_run:
            return changes
        self._write_rows(company, rows, run)
        self._record_changes(company, rows, changes, realtime, run)
        return changes

    def _compute_rows(self, company, params, partner_ids, figures):
        """Per-customer figures as a dict of numpy arrays / lists aligned on ``partner_ids``."""
        ids = np.asarray(partner_ids, dtype=np.int64)
        n = len(ids)
        date = _as_date(params['date'])
        day = (date - datetime(1970, 1, 1).date()).days
        window_months = company.loyalty_window_months
        # align the figures on ids (partners without invoices get zeros)
        position = np.searchsorted(figures['partner_id'], ids)
        position = np.minimum(position, max(len(figures['partner_id']) - 1, 0))
        found = (figures['partner_id'][position] == ids) if len(figures['partner_id']) \
            else np.zeros(n, dtype=bool)

        def column(name, fill):
            values = figures[name][position] if len(figures[name]) else np.zeros(n)
            return np.where(found, values, fill)

        r = {'partner_id': ids}
        for name in ('lifetime_frequency', 'frequency', 'previous_frequency', 'repeat_days',
                     'incentive_free_days'):
            r[name] = column(name, 0).astype(np.int64)
        for name in ('lifetime_monetary', 'monetary', 'margin', 'discount', 'repeat_amount'):
            r[name] = column(name, 0.0).astype(float)
        r['first_day'] = column('first_day', -1).astype(np.int64)
        r['last_day'] = column('last_day', -1).astype(np.int64)
        buyer = r['lifetime_frequency'] >= 1
        r['buyer'] = buyer
        r['recency_days'] = np.where(buyer, day - r['last_day'], 0)
        edges = params['edges']
        r['r_score'] = np.where(buyer, self._scores(-r['recency_days'], edges['r']), 0)
        r['f_score'] = np.where(buyer, self._scores(r['frequency'], edges['f']), 0)
        r['m_score'] = np.where(buyer, self._scores(r['monetary'], edges['m']), 0)
        weights = (company.loyalty_weight_r, company.loyalty_weight_f, company.loyalty_weight_m)
        wsum = sum(weights)
        r['rfm_score'] = np.where(buyer, np.round(100.0 * (
            weights[0] * (r['r_score'] - 1) + weights[1] * (r['f_score'] - 1)
            + weights[2] * (r['m_score'] - 1)) / (4.0 * wsum), 2), 0.0)
        # segment of each (R, F) cell from a lookup table (row 0: no purchase, no segment)
        segment_table = np.full((6, 6), None, dtype=object)
        for r_value in range(1, 6):
            for f_value in range(1, 6):
                segment_table[r_value, f_value] = rfm.segment(r_value, f_value)
        segments = segment_table[r['r_score'], r['f_score']]
        r['segment'] = segments.tolist()
        r['abc_class'] = self._abc_classes(ids, r['monetary'], buyer, params['abc_edges'])
        total = params['total_monetary']
        r['revenue_share'] = np.where(buyer & (total > 0),
                                      r['monetary'] / (total if total > 0 else 1.0), 0.0)
        # money
        extras = self.env['crm.loyalty.value']._cost_to_serve_extra(
            company, ids.tolist(), _as_date(params['date_from']), date) or {}
        index = dict(zip(ids.tolist(), range(n)))
        extra_rows = [(index[pid], costs) for pid, costs in extras.items()
                      if costs and pid in index]
        extra_total = np.zeros(n, dtype=float)
        for i, costs in extra_rows:
            extra_total[i] = sum(costs.values())
        r['cost_to_serve'] = np.round(r['discount'] + extra_total, 2)
        discounts_label = _('Discounts')
        detail = np.full(n, None, dtype=object)
        discounts = r['discount'].tolist()
        for i in np.flatnonzero(r['discount']).tolist():
            detail[i] = '%s: %.2f' % (discounts_label, round(discounts[i], 2))
        for i, costs in extra_rows:  # the few customers with costs from other addons
            parts = {}
            if discounts[i]:
                parts[discounts_label] = round(discounts[i], 2)
            for label, amount in costs.items():
                parts[label] = round(parts.get(label, 0.0) + amount, 2)
            detail[i] = '\n'.join('%s: %.2f' % item for item in sorted(parts.items())) or None
        r['cost_to_serve_detail'] = detail.tolist()
        r['profit'] = np.round(r['margin'] - r['cost_to_serve'], 2)
        cost_base = r['monetary'] - r['margin'] + r['cost_to_serve']
        with np.errstate(all='ignore'):
            r['ideal_index'] = np.where(cost_base > 0, r['profit'] / cost_base, np.nan)
            list_value = r['monetary'] + r['discount']
            r['discount_share'] = np.where(list_value > 0, r['discount'] / list_value, 0.0)
            r['incentive_free_rate'] = np.where(
                r['repeat_days'] > 0, r['incentive_free_days'] / np.maximum(r['repeat_days'], 1),
                np.nan)
        # CLV
        rates = params['retention']
        company_rate = params['company_retention']
        discount_rate = company.loyalty_discount_rate / 100.0
        yearly_margin = r['margin'] * 12.0 / window_months
        retention_table = np.zeros((6, 6), dtype=float)
        for r_value in range(1, 6):
            for f_value in range(1, 6):
                retention_table[r_value, f_value] = rates.get(
                    segment_table[r_value, f_value], company_rate)
        retention = retention_table[r['r_score'], r['f_score']]
        r['clv_simple'] = np.where(buyer, np.round(
            yearly_margin * retention / (1 + discount_rate - retention), 2), 0.0)
        horizon = company.loyalty_clv_horizon
        r['p_alive'] = np.full(n, np.nan)
        r['expected_purchases'] = np.full(n, np.nan)
        r['expected_spend'] = np.full(n, np.nan)
        r['clv_model'] = np.full(n, np.nan)
        if params['bgnbd'] and buyer.any():
            bg = tuple(params['bgnbd'])
            gg = tuple(params['gamma_gamma'])
            x = (r['lifetime_frequency'][buyer] - 1).astype(float)
            first = r['first_day'][buyer]
            t_x = (r['last_day'][buyer] - first) / DAYS_PER_WEEK
            age = (day - first) / DAYS_PER_WEEK
            zbar = np.where(x > 0, r['repeat_amount'][buyer] / np.maximum(x, 1), 0.0)
            spend = gamma_gamma.expected_spend(gg, x, zbar)
            monetary_b = r['monetary'][buyer]
            with np.errstate(all='ignore'):
                ratio = np.where(monetary_b > 0, r['margin'][buyer] / monetary_b,
                                 params['margin_ratio'])
            ratio = np.clip(ratio, 0.0, 1.0)
            r['p_alive'][buyer] = np.round(bgnbd.p_alive(bg, x, t_x, age), 4)
            r['expected_purchases'][buyer] = np.round(bgnbd.expected_purchases(
                bg, horizon * clv.WEEKS_PER_MONTH, x, t_x, age), 4)
            r['expected_spend'][buyer] = np.round(spend, 2)
            r['clv_model'][buyer] = np.round(clv.model(
                bg, x, t_x, age, spend, ratio, horizon, discount_rate), 2)
            r['clv'] = np.where(buyer, r['clv_model'], 0.0)
            r['clv_method'] = ['model' if b else None for b in buyer.tolist()]
        else:
            r['clv'] = r['clv_simple']
            r['clv_method'] = ['simple' if b else None for b in buyer.tolist()]
        # churn
        lifetime = r['lifetime_frequency']
        span = (r['last_day'] - r['first_day']).astype(float)
        with np.errstate(all='ignore'):
            own_gap = np.where(lifetime >= 2, span / np.maximum(lifetime - 1, 1), np.nan)
        reference = params['median_gap'] or (window_months * 365.25 / 12)
        gap = np.where(np.isnan(own_gap), reference, own_gap)
        r['gap_ratio'] = np.where(buyer, np.round(r['recency_days'] / np.maximum(gap, 1.0), 2),
                                  np.nan)
        p_alive = r['p_alive']
        known = ~np.isnan(p_alive)
        high = (known & (p_alive < company.loyalty_churn_high_p_alive)) | \
            (r['gap_ratio'] > company.loyalty_churn_high_gap)
        medium = (known & (p_alive < company.loyalty_churn_medium_p_alive)) | \
            (r['gap_ratio'] > company.loyalty_churn_medium_gap)
        risk = np.where(high, 'high', np.where(medium, 'medium', 'low')).astype(object)
        risk[~buyer] = None
        r['churn_risk'] = risk.tolist()
        # ladder, attitude, types
        prospects, referrals = self._ladder_inputs(company, ids.tolist(),
                                                   ids[~buyer].tolist())
        attitudes = self.env['crm.loyalty.value']._attitude_scores(company, ids.tolist()) or {}
        unresolved = self.env['crm.loyalty.value']._unresolved_complaint_partner_ids(
            company, ids.tolist()) or set()

        def members(pids):
            mask = np.zeros(n, dtype=bool)
            mask[[index[pid] for pid in pids if pid in index]] = True
            return mask

        referred = np.zeros(n, dtype=np.int64)
        for pid, count in referrals.items():
            if pid in index:
                referred[index[pid]] = count
        attitude = np.full(n, np.nan)
        known = np.zeros(n, dtype=bool)
        attitude_score = np.full(n, None, dtype=object)
        for pid, score in attitudes.items():
            if score is not None and pid in index:
                attitude[index[pid]] = score
                known[index[pid]] = True
                attitude_score[index[pid]] = round(float(score), 4)
        unresolved = members(unresolved)
        stage = self._stages(buyer, members(prospects), lifetime, r['frequency'],
                             r['previous_frequency'], r['incentive_free_rate'], attitude,
                             known, referred)
        r['ladder_stage'] = stage.tolist()
        r['referral_count'] = referred.tolist()
        r['attitude_score'] = attitude_score.tolist()
        r['attitude_known'] = known.tolist()
        r['unresolved'] = unresolved.tolist()
        repeat_high = np.isin(stage, ['client', 'loyal', 'advocate'])
        with np.errstate(invalid='ignore'):
            attitude_high = known & (attitude >= ATTITUDE_HIGH)
        loyalty_type = np.where(
            repeat_high & attitude_high, 'true', np.where(
                attitude_high, 'latent', np.where(repeat_high, 'spurious', 'none'))
        ).astype(object)
        loyalty_type[~known] = 'unknown'
        loyalty_type[~buyer] = None
        r['loyalty_type'] = loyalty_type.tolist()
        mercenary = company.loyalty_mercenary_share / 100.0
        defector = unresolved & buyer & ((r['frequency'] == 0) | (risk == 'high'))
        computed = np.full(n, None, dtype=object)
        computed[(r['frequency'] > 0) & (r['discount_share'] >= mercenary)] = 'mercenary'
        computed[defector] = 'defector'
        r['customer_type_computed'] = computed.tolist()
        r['qualification_value'] = self._metric_values(company, r)
        return r

    @api.model
    def _stage(self, buyer, prospect, lifetime, frequency, previous, free_rate, attitude,
               referred):
        """Jones's loyalty ladder, see the README for the exact rule of each rung."""
        if not buyer:
            return 'prospect' if prospect else 'suspect'
        if lifetime < 2:
            stage = 'first_time'
        else:
            stage = 'repeat'
            if frequency > 0 and previous > 0:
                stage = 'client'
                if (not math.isnan(free_rate) and free_rate >= LOYAL_INCENTIVE_FREE
                        and (attitude is None or attitude >= ATTITUDE_HIGH - 0.1)):
                    stage = 'loyal'
        if referred and stage != 'first_time':
            stage = 'advocate'
        return stage

    @staticmethod
    def _stages(buyer, prospect, lifetime, frequency, previous, free_rate, attitude, known,
                referred):
        """:meth:`_stage` for arrays of customers (``attitude`` NaN where not ``known``)."""
        with np.errstate(invalid='ignore'):
            loyal = ((free_rate >= LOYAL_INCENTIVE_FREE)
                     & (~known | (attitude >= ATTITUDE_HIGH - 0.1)))
        client = (frequency > 0) & (previous > 0)
        stage = np.where(client & loyal, 'loyal', np.where(client, 'client', 'repeat'))
        stage = np.where(lifetime < 2, 'first_time', stage)
        stage = np.where((referred != 0) & (lifetime >= 2), 'advocate', stage)
        stage = np.where(buyer, stage, np.where(prospect, 'prospect', 'suspect'))
        return stage.astype(object)

    @staticmethod
    def _abc_classes(ids, monetary, buyer, abc_edges):
        """:func:`..lib.abc.classify` for arrays of customers (None for non-buyers)."""
        key = -np.asarray(monetary, dtype=float)
        ids = np.asarray(ids, dtype=np.int64)

        def within(edge):  # (-revenue, partner_id) <= edge, as tuples compare
            if not edge:
                return np.zeros(len(ids), dtype=bool)
            return (key < edge[0]) | ((key == edge[0]) & (ids <= edge[1]))

        last_a, last_b = abc_edges
        positive = monetary > 0
        classes = np.where(positive & within(last_a), 'A',
                           np.where(positive & within(last_b), 'B', 'C')).astype(object)
        classes[~buyer] = None
        return classes.tolist()

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
    def _metric_values(self, company, r):
        metric = company.loyalty_metric
        if metric == 'score':
            return r['rfm_score'].astype(float)
        if metric == 'frequency':
            return r['frequency'].astype(float)
        return np.round(r[metric].astype(float), 2)

    def _decide_tiers(self, company, params, r, realtime):
        """Class decision per customer (see :mod:`..lib.tiers`, :func:`~..lib.tiers.decide`
        for all customers at once); fills the class columns of ``r`` and returns the
        changes."""
        date = _as_date(params['date'])
        today = (date - EPOCH).days
        tiers = [tierlib.Tier(t.id, t.level, t.threshold, t.keep_threshold) for t in
                 self.env['crm.loyalty.tier'].sudo().search(
                     [('company_id', '=', company.id)], order='level')]
        ids = r['partner_id']
        n = len(ids)
        cr = self.env.cr
        cr.execute("""
            SELECT partner_id, id, COALESCE(tier_id, 0), COALESCE(tier_locked, false),
                   COALESCE(downgrade_pending_since - DATE '1970-01-01', -1),
                   COALESCE(tier_changed_on - DATE '1970-01-01', -1)
              FROM crm_loyalty_value WHERE company_id = %s AND partner_id = ANY(%s::int[])
        """, (company.id, int_array(ids.tolist())))
        existing = cr.fetchall()
        value_id = np.zeros(n, dtype=np.int64)
        tier_id = np.zeros(n, dtype=np.int64)
        locked = np.zeros(n, dtype=bool)
        pending = np.full(n, -1, dtype=np.int64)
        changed_on = np.full(n, -1, dtype=np.int64)
        if existing:
            columns = np.array(existing, dtype=np.int64).T
            position = np.searchsorted(ids, columns[0]) if _is_sorted(ids) else np.array(
                [dict(zip(ids.tolist(), range(n)))[pid] for pid in columns[0].tolist()],
                dtype=np.int64)
            value_id[position] = columns[1]
            tier_id[position] = columns[2]
            locked[position] = columns[3].astype(bool)
            pending[position] = columns[4]
            changed_on[position] = columns[5]
        new_tier, qualified, pending_new, event = tierlib.decide_many(
            tier_id, r['qualification_value'], r['frequency'] > 0, tiers, pending, today,
            company.loyalty_grace_days, locked, changed_on)
        if realtime:
            keep = event != 1
            new_tier = np.where(keep, tier_id, new_tier)
            pending_new = np.where(keep, pending, pending_new)
            event = np.where(keep, 0, event)
        levels = np.zeros(n, dtype=np.int64)
        for tier in tiers:
            levels[new_tier == tier.id] = tier.level
        moved = new_tier != tier_id
        r['value_id'] = _nulls(value_id, value_id == 0)
        # ids 0 and day numbers -1 for none, as the figures (see _copy_columns)
        r['tier_id'] = new_tier
        r['tier_level'] = levels
        r['computed_tier_id'] = np.asarray(qualified, dtype=np.int64)
        r['downgrade_pending_since'] = pending_new
        r['tier_changed_on'] = np.where(moved, today, changed_on)
        changes = [(pid, old or None, new or None, tierlib.EVENTS[code]) for pid, old, new, code
                   in zip(ids[event > 0].tolist(), tier_id[event > 0].tolist(),
                          new_tier[event > 0].tolist(), event[event > 0].tolist())
                   if code != 5]  # 'recovered' is not a change
        # the complaint rule (lib.churn; the complaints addon applies it at intake too)
        if tiers:
            r['churn_risk'] = churn.complaint_raises(
                r['churn_risk'], top=(new_tier != 0) & (levels == tiers[-1].level),
                unresolved=r['unresolved'], buyer=r['buyer']).tolist()
        return changes

    def _write_rows(self, company, r, run):
        """COPY the computed rows into a temporary table, then update the rows that differ
        and insert the new ones (raw SQL: one statement each instead of one per customer).
        These statements get 64 MB of ``work_mem`` for their sorts and hashes (the default
        4 MB spills those of 70,000 rows to disk); the setting is put back after them."""
        cr = self.env.cr
        date = run['date']
        n = len(r['partner_id'])
        if not n:
            return
        cr.execute("SHOW work_mem")
        work_mem = cr.fetchone()[0]
        cr.execute("SET LOCAL work_mem = '64MB'")
        new_rows, params = self._stage_rows(r, date)
        assignments = ', '.join('%s = s.%s' % (c, c) for c in WRITTEN_COLUMNS)
        targets = ', '.join('v.%s' % c for c in WRITTEN_COLUMNS if c != 'review_date')
        sources = ', '.join('s.%s' % c for c in WRITTEN_COLUMNS if c != 'review_date')
        cr.execute("""
            UPDATE crm_loyalty_value v SET {assign}, write_uid = %s,
                   write_date = now() at time zone 'UTC'
              FROM crm_loyalty_value_stage s
             WHERE v.id = s.id AND ({targets}) IS DISTINCT FROM ({sources})
        """.format(assign=assignments, targets=targets, sources=sources), (self.env.uid,))
        changed = cr.rowcount
        # the new customers' rows straight from the COPY (a first review writes them all)
        params = dict(params, company=company.id, uid=self.env.uid)
        cr.execute("""
            INSERT INTO crm_loyalty_value (partner_id, company_id, tier_locked, {cols},
                                           create_uid, create_date, write_uid, write_date)
            SELECT partner_id, %(company)s, false, {cols}, %(uid)s,
                   now() at time zone 'UTC', %(uid)s, now() at time zone 'UTC'
              FROM ({new_rows}) s
            RETURNING id, partner_id
        """.format(cols=', '.join(WRITTEN_COLUMNS), new_rows=new_rows), params)
        created = dict((pid, vid) for vid, pid in cr.fetchall())
        changed += len(created)
        r['value_id'] = [vid or created.get(pid) for vid, pid in
                         zip(r['value_id'], r['partner_id'].tolist())]
        # customer type is a stored compute over a raw-written column
        cr.execute("""
            UPDATE crm_loyalty_value SET customer_type = customer_type_computed,
                   customer_type_source = CASE customer_type_computed
                       WHEN 'mercenary' THEN %s WHEN 'defector' THEN %s END
             WHERE company_id = %s AND customer_type_manual IS NULL
               AND partner_id = ANY(%s::int[])
               AND customer_type IS DISTINCT FROM customer_type_computed
        """, (_('computed: discounts reach the mercenary share'),
              _('computed: lapsed after unresolved complaints'), company.id,
              int_array(r['partner_id'].tolist())))
        cr.execute("DROP TABLE crm_loyalty_value_stage, crm_loyalty_value_raw")
        cr.execute("SELECT set_config('work_mem', %s, true)", (work_mem,))
        self.env['crm.loyalty.value'].invalidate_cache(
            fnames=WRITTEN_COLUMNS + ['customer_type', 'customer_type_source'])
        if run['id']:
            cr.execute("UPDATE crm_loyalty_review SET changed_count = changed_count + %s "
                       "WHERE id = %s", (changed, run['id']))
            self.invalidate_cache(fnames=['changed_count'])

    def _stage_rows(self, r, date):
        """The rows of ``r`` into the temporary table ``crm_loyalty_value_raw``, sent as
        binary COPY: fields of fixed sizes, int8 and numeric (formatting 70,000 rows of 50
        fields as text took 1.6 s; casting float8 to numeric in the server, 0.7 s), text as
        codes into a list of its distinct values (see :func:`_text_codes`).

        The rows of customers that have a value row go on into ``crm_loyalty_value_stage``
        (id, partner_id, WRITTEN_COLUMNS, typed as crm_loyalty_value), to be compared.

        :returns: ``(query, params)``: a SELECT of the new customers' rows (id NULL) with
            the columns of the stage, for the INSERT into crm_loyalty_value.
        """
        cr = self.env.cr
        fields_ = self.env['crm.loyalty.value']._fields
        columns = self._copy_columns(r, date)
        names = ['id', 'partner_id'] + WRITTEN_COLUMNS
        sources = [r['value_id'], r['partner_id']] + [columns[c] for c in WRITTEN_COLUMNS]
        arrays, expressions, joins, params = [], [], [], {'null': INT_NULL}
        extra = []  # amounts beyond the binary numeric layout: (raw column, codes)
        for i, (name, values) in enumerate(zip(names, sources)):
            kind = STAGE_KINDS[fields_[name].type] if name in fields_ else 'int'
            raw = 'c%d' % i
            if kind == 'text':
                codes, labels = _text_codes(values)
                arrays.append(codes)
                params[raw] = array_literal(labels, quote=True)
                if len(labels) <= TEXT_SUBSCRIPT_MAX:
                    expressions.append('(%%(%s)s::text[])[r.%s]' % (raw, raw))
                    continue
                # joined: labels[code] walks a text array from its start, slow on long ones
                expressions.append('l%d.label' % i)
                joins.append('LEFT JOIN unnest(%%(%s)s::text[]) WITH ORDINALITY AS l%d(label, '
                             'code) ON l%d.code = r.%s' % (raw, i, i, raw))
                continue
            array = _stage_array(values, kind)
            if kind == 'float':
                big = ~(np.abs(np.nan_to_num(array)) < NUMERIC_LIMIT)
                if big.any():
                    # the rows beyond the fast layout travel as text numerics, in a column of
                    # their own (codes into their distinct values); the others as before
                    wide = 'c%d' % (len(names) + len(extra))
                    codes, labels = _text_codes([_numeric_text(v) if b else None for v, b in
                                                 zip(array.tolist(), big.tolist())])
                    extra.append((wide, codes))
                    params[wide] = array_literal(labels, quote=True)
                    array = np.where(big, np.nan, array)
                    arrays.append(array)
                    expressions.append("COALESCE((%%(%s)s::text[])[r.%s]::numeric, "
                                       "NULLIF(r.%s, 'NaN'))" % (wide, wide, raw))
                    continue
            arrays.append(array)
            expressions.append({
                'float': "NULLIF(r.{c}, 'NaN')",
                'int': 'NULLIF(r.{c}, %(null)s)',
                'bool': 'NULLIF(r.{c}, %(null)s) <> 0',
                'date': "DATE '1970-01-01' + NULLIF(r.{c}, %(null)s)::int4",
            }[kind].format(c=raw))
        cr.execute("DROP TABLE IF EXISTS crm_loyalty_value_raw")
        cr.execute("DROP TABLE IF EXISTS crm_loyalty_value_stage")
        # column names: c<position> and this module's constant WRITTEN_COLUMNS, never input
        arrays += [codes for _wide, codes in extra]
        raw_sql = "CREATE TEMP TABLE crm_loyalty_value_raw (%s) ON COMMIT DROP" % ', '.join(
            'c%d %s' % (i, 'numeric' if array.dtype.kind == 'f' else 'int8')
            for i, array in enumerate(arrays))
        cr.execute(raw_sql)  # pylint: disable=sql-injection
        cr.copy_expert("COPY crm_loyalty_value_raw FROM STDIN WITH (FORMAT binary)",
                       io.BytesIO(_copy_binary(arrays)))
        # row count and the joined codes' statistics, for the plan (all columns: 0.5 s)
        analyze_sql = "ANALYZE crm_loyalty_value_raw (%s)" % ', '.join(
            ['c0'] + [join.rsplit('r.', 1)[1] for join in joins])
        cr.execute(analyze_sql)  # pylint: disable=sql-injection
        stage_sql = ("CREATE TEMP TABLE crm_loyalty_value_stage ON COMMIT DROP AS "
                     "SELECT %s FROM crm_loyalty_value WITH NO DATA" % ', '.join(names))
        cr.execute(stage_sql)  # pylint: disable=sql-injection
        typed = "SELECT %s FROM crm_loyalty_value_raw r %s WHERE r.c0 {} %%(null)s" % (
            ', '.join('%s AS %s' % pair for pair in zip(expressions, names)), ' '.join(joins))
        # INSERT casts int8 to int4, as the columns of the stage are
        cr.execute("INSERT INTO crm_loyalty_value_stage (%s) %s" % (
            ', '.join(names), typed.format('<>')), params)  # pylint: disable=sql-injection
        return typed.format('='), params

    @staticmethod
    def _copy_columns(r, date):
        """The WRITTEN_COLUMNS of ``r``, built column-wise with numpy (no per-customer
        Python): amounts as float arrays (NaN for NULL), counts and day numbers as int arrays
        (:data:`INT_NULL` for NULL), text as lists with None; see :meth:`_stage_rows`."""
        n = len(r['partner_id'])
        nulls = _nulls

        def num(values):  # NaN is NULL
            return np.asarray(values, dtype=float)

        def days(values):  # day numbers, -1 for none
            return np.where(values >= 0, values, INT_NULL)

        def ids(values, present):  # 0 for none
            return np.where(present, values, INT_NULL)

        buyer = r['buyer']
        rfm_cells = (r['r_score'] * 100 + r['f_score'] * 10 + r['m_score']).astype(str)
        return {
            'review_date': np.full(n, (date - EPOCH).days, dtype=np.int64),
            'tier_id': ids(r['tier_id'], r['tier_id'] != 0),
            'tier_level': ids(r['tier_level'], r['tier_id'] != 0),
            'computed_tier_id': ids(r['computed_tier_id'], r['computed_tier_id'] != 0),
            'tier_changed_on': days(r['tier_changed_on']),
            'downgrade_pending_since': days(r['downgrade_pending_since']),
            'qualification_value': np.round(r['qualification_value'], 2),
            'first_invoice_date': days(r['first_day']),
            'last_invoice_date': days(r['last_day']),
            'recency_days': np.where(buyer, r['recency_days'], INT_NULL),
            'frequency': r['frequency'], 'monetary': np.round(r['monetary'], 2),
            'lifetime_frequency': r['lifetime_frequency'],
            'lifetime_monetary': np.round(r['lifetime_monetary'], 2),
            'previous_frequency': r['previous_frequency'],
            'r_score': r['r_score'], 'f_score': r['f_score'],
            'm_score': r['m_score'], 'rfm_cell': nulls(rfm_cells, r['r_score'] == 0),
            'rfm_score': r['rfm_score'], 'segment': r['segment'],
            'margin': np.round(r['margin'], 2),
            'discount_amount': np.round(r['discount'], 2),
            'discount_share': np.round(r['discount_share'], 4),
            'cost_to_serve': r['cost_to_serve'],
            'cost_to_serve_detail': r['cost_to_serve_detail'],
            'profit': r['profit'],
            'ideal_index': num(np.round(r['ideal_index'], 4)),
            'abc_class': r['abc_class'],
            'revenue_share': np.round(r['revenue_share'], 6),
            'clv': num(np.round(r['clv'], 2)),
            'clv_method': r['clv_method'], 'clv_simple': r['clv_simple'],
            'clv_model': num(r['clv_model']),
            'p_alive': num(r['p_alive']),
            'expected_purchases': num(r['expected_purchases']),
            'expected_spend': num(r['expected_spend']),
            'churn_risk': r['churn_risk'],
            'gap_ratio': num(r['gap_ratio']),
            'repeat_days': r['repeat_days'],
            'incentive_free_days': r['incentive_free_days'],
            'incentive_free_rate': num(np.round(r['incentive_free_rate'], 4)),
            'ladder_stage': r['ladder_stage'], 'referral_count': r['referral_count'],
            'attitude_score': r['attitude_score'], 'attitude_known': r['attitude_known'],
            'loyalty_type': r['loyalty_type'],
            'customer_type_computed': r['customer_type_computed'],
            'unresolved_complaints': r['unresolved'],
        }

    def _record_changes(self, company, r, changes, realtime, run):
        """History rows, chatter, activities and pricelists for the class changes."""
        if not changes:
            return
        date = run['date']
        index = {pid: i for i, pid in enumerate(r['partner_id'].tolist())}
        tiers = {t.id: t for t in self.env['crm.loyalty.tier'].sudo().search(
            [('company_id', '=', company.id)])}
        # plain values: one attribute read per class, not per customer
        level = {tier_id: tier.level for tier_id, tier in tiers.items()}
        threshold = {tier_id: tier.threshold for tier_id, tier in tiers.items()}
        keep = {tier_id: tier.keep_threshold for tier_id, tier in tiers.items()}
        metric_label = dict(self.env['res.company']._fields['loyalty_metric'].selection)[
            company.loyalty_metric]
        counts = {'upgrade': 0, 'downgrade': 0, 'leave': 0, 'at_risk': 0}
        positions = [index[change[0]] for change in changes]
        figures = [r[name][positions].tolist() for name in (
            'qualification_value', 'monetary', 'margin', 'frequency', 'recency_days',
            'r_score', 'f_score', 'm_score')]
        rows = []
        for (pid, old, new, event), i, value, monetary, margin, frequency, recency, \
                r_score, f_score, m_score in zip(changes, positions, *figures):
            counts[event] += 1
            rows.append((
                r['value_id'][i], pid, company.id, date, old, new, level.get(old, 0),
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
        moved = [r['value_id'][index[pid]] for pid, old, new, event in changes
                 if event != 'at_risk']
        self.env['crm.loyalty.value'].sudo().browse(moved)._apply_pricelists()
        if run['initial'] and not realtime:
            return
        self._notify(company, changes, tiers, r, index, metric_label, run)

    def _insert_history(self, rows):
        """One INSERT for all history rows of a review (raw SQL: a review can change
        thousands of classes; the ORM would create them one by one)."""
        if not rows:
            return
        columns = ['value_id', 'partner_id', 'company_id', 'date', 'from_tier_id', 'to_tier_id',
                   'from_level', 'to_level', 'event', 'origin', 'review_id', 'metric',
                   'metric_value', 'threshold', 'monetary', 'margin', 'frequency',
                   'recency_days', 'rfm_cell']
        types = ['int', 'int', 'int', 'date', 'int', 'int', 'int', 'int', 'varchar', 'varchar',
                 'int', 'varchar', 'numeric', 'numeric', 'numeric', 'numeric', 'int', 'int',
                 'varchar']
        arrays = [array_literal(col, quote=(kind == 'varchar'))
                  for col, kind in zip(zip(*rows), types)]
        params = [self.env.uid, self.env.uid, self.env.uid] + arrays
        self.env.cr.execute("""
            INSERT INTO crm_loyalty_history ({cols}, user_id, create_uid, create_date,
                                             write_uid, write_date)
            SELECT u.*, %s, %s, now() at time zone 'UTC', %s, now() at time zone 'UTC'
              FROM unnest({arrays}) AS u
        """.format(cols=', '.join(columns),
                   arrays=', '.join('%s::{}[]'.format(t) for t in types)), params)
        History = self.env['crm.loyalty.history']
        History.invalidate_cache(fnames=list(History._fields))
        self.env['crm.loyalty.value'].invalidate_cache(fnames=['history_ids'])
        self.env['res.partner'].invalidate_cache(fnames=['loyalty_history_ids'])

    def _notify(self, company, changes, tiers, r, index, metric_label, run):
        """A note on the chatter of each partner whose class moved, and an activity for its
        salesperson on an upgrade (welcome) or a downgrade warning (retention call); written
        set-based (``_post_notes`` of crm.loyalty.value, ``_create_set_based`` of mail.activity)."""
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
                'metric': metric_label, 'value': r['qualification_value'][i],
                'monetary': r['monetary'][i], 'margin': r['margin'][i],
                'frequency': r['frequency'][i], 'recency': r['recency_days'][i]}
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
        self.env['crm.loyalty.value']._post_notes(bodies)
        self.env['mail.activity']._create_set_based('res.partner', activities)

    # --- demo data ----------------------------------------------------------------------------
    @api.model
    def _demo_history(self, spec):
        """Demo invoices: ``spec`` = ``[(partner_id, days_ago_of_last_purchase, purchases)]``,
        purchases five days apart, 500 each, product cost 60 %; customers with three
        purchases or more also bought 380 days before their last purchase."""
        company = self.env.user.company_id
        journal = self.env['account.invoice'].with_context(type='out_invoice')._default_journal()
        product = self.env['product.product'].create({
            'name': 'Loyalty demo goods', 'type': 'consu', 'list_price': 100.0,
            'standard_price': 60.0})
        account = product.categ_id.property_account_income_categ_id or \
            journal.default_credit_account_id
        today = fields.Date.from_string(fields.Date.context_today(self))
        for partner_id, days_ago, purchases in spec:
            offsets = [days_ago + 5 * k for k in range(purchases)]
            if purchases >= 3:
                offsets.append(days_ago + 380)
            for offset in offsets:
                invoice = self.env['account.invoice'].create({
                    'partner_id': partner_id, 'type': 'out_invoice', 'journal_id': journal.id,
                    'company_id': company.id,
                    'date_invoice': fields.Date.to_string(
                        today - timedelta(days=offset)),
                    'invoice_line_ids': [(0, 0, {
                        'product_id': product.id, 'name': product.name, 'quantity': 5,
                        'price_unit': 100.0, 'account_id': account.id,
                        'invoice_line_tax_ids': [(6, 0, [])]})],
                })
                invoice.action_invoice_open()

    @api.model
    def _demo_review(self):
        return self.run_review(self.env.user.company_id, origin=_('Demo data'))

    # --- real-time upgrade, dry run --------------------------------------------------------
    @api.model
    def realtime_upgrade(self, company, partner_ids, date=None):
        """Upgrade at once the customers whose new invoices meet a higher class, scored with
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
        date = _date_arg(date) or _as_date(fields.Date.context_today(self))
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
        date = _date_arg(date) or _as_date(fields.Date.context_today(self))
        figures = self._fetch_figures(company, date)
        population = self._population(company, figures)
        params = self._prepare_params(company, date, figures)
        run = self.sudo().new({'company_id': company.id, 'date': date, 'mode': 'single',
                               'params': json.dumps(params), 'initial': False})
        changes = run._apply_chunk(population, figures, dry_run=True)
        return changes, params
