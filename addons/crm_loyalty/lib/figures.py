"""The figures of a review fetched from the books: one SQL aggregate per company.

:data:`FIGURES_SQL` reads posted customer invoices (state ``open`` or ``paid``) and credit
notes of company ``%(company)s`` dated up to ``%(date_to)s``, in company currency, per
commercial partner, and returns one row per partner with the columns of
:data:`.table.FETCHED`, in that order:

* a *purchase day* is a date with at least one invoice (credit notes are not purchases);
* ``first_day`` / ``last_day``: first and last purchase day (days since 1970-01-01);
* ``lifetime_frequency`` / ``lifetime_monetary``: purchase days and net revenue ever;
* ``frequency``, ``monetary``, ``margin``, ``discount``: purchase days, net revenue, margin
  (revenue - cost, :mod:`.invoice_lines`) and discounts given in the window (from
  ``%(date_from)s``), amounts rounded to 6 decimals;
* ``previous_frequency``: purchase days in the previous window (from ``%(previous_from)s``);
* ``repeat_days`` / ``incentive_free_days``: purchase days in the window after the first
  ever / of those, the ones without a discounted or negative line;
* ``repeat_amount``: net revenue of the purchase days after the first ever.

Other parameters: ``%(default_cost)s`` (:data:`.invoice_lines.DEFAULT_COST_SQL`), and
``%(all_partners)s`` or ``%(partner_ids)s`` to restrict the partners (a chunk).
"""
from .invoice_lines import LINE_COST_SQL, LINE_FACTOR_SQL, PRODUCT_COST_SQL, UNIT_JOINS_SQL

FIGURES_SQL = """
WITH so_cost AS (
    SELECT rel.invoice_line_id, avg(sol.purchase_price)::numeric AS price
      FROM sale_order_line_invoice_rel rel
      JOIN sale_order_line sol ON sol.id = rel.order_line_id
     GROUP BY rel.invoice_line_id
), product_cost AS ({product_cost}
), lines AS (
    SELECT i.commercial_partner_id AS partner_id, i.date_invoice AS day,
           i.type = 'out_invoice' AS purchase,
           l.price_subtotal_signed AS amount,
           {line_cost} AS cost,
           l.price_unit * l.quantity * l.discount / 100.0 * {factor} AS discount,
           (l.discount > 0 OR (i.type = 'out_invoice' AND l.price_subtotal < 0)) AS incentive
      FROM account_invoice i
      JOIN account_invoice_line l ON l.invoice_id = i.id
      LEFT JOIN so_cost sc ON sc.invoice_line_id = l.id{unit_joins}
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
    factor=LINE_FACTOR_SQL, product_cost=PRODUCT_COST_SQL, unit_joins=UNIT_JOINS_SQL,
    line_cost=LINE_COST_SQL.format(
        so_price='sc.price', cost='COALESCE(pc.cost, %(default_cost)s::numeric)'))
