"""Revenue, cost and margin of a customer invoice line, in company currency: the one
definition the suite uses (the loyalty review's margin, campaign ROI).

SQL fragments, composed into the callers' statements (the planner sees one query):

* :data:`LINE_FACTOR_SQL` -- the line's company-currency factor, negative on a refund;
* :data:`LINE_COST_SQL` -- the cost of the goods of the line, signed like its amount
  (``margin = price_subtotal_signed - cost``);
* :data:`PRODUCT_COST_SQL` -- the cost of each product in one company, with the rule Odoo's
  ``standard_price`` follows: the product's cost in the company, else its cost for all
  companies (a property without company);
* :data:`DEFAULT_COST_SQL` -- the cost of a product without one of its own: the company's
  default, else the default for all companies, else 0.

Aliases of :data:`LINE_FACTOR_SQL` and :data:`LINE_COST_SQL`: ``l`` the invoice line, ``i``
its invoice, ``pu`` and ``lu`` the units of the product and of the line. Placeholders of
:data:`LINE_COST_SQL` (``str.format``): ``{so_price}`` the mean purchase price of the line's
sale order lines (sale_margin; NULL when the line is not from an order), ``{cost}`` the
product's cost, e.g. ``COALESCE(pc.cost, %(default_cost)s::numeric)`` over a join of
:data:`PRODUCT_COST_SQL` as ``pc``. The statements are parameterised with ``%(company)s``.
"""

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
#: without a product.
LINE_COST_SQL = """(CASE WHEN {so_price} IS NOT NULL THEN {so_price} * l.quantity * %s
      WHEN l.product_id IS NULL THEN 0
      ELSE (CASE WHEN i.type = 'out_refund' THEN -1.0 ELSE 1.0 END) * {cost} * l.quantity
           / COALESCE(NULLIF(lu.factor, 0), 1)::numeric * COALESCE(pu.factor, 1)::numeric
      END)""" % LINE_FACTOR_SQL

#: ``(product_id, cost)`` of every product with a cost of its own in company
#: ``%(company)s``: the company's property, else the property without company.
PRODUCT_COST_SQL = """
    SELECT DISTINCT ON (product_id) substr(res_id, 17)::integer AS product_id,
           value_float::numeric AS cost
      FROM ir_property
     WHERE name = 'standard_price' AND res_id LIKE 'product.product,%%'
       AND (company_id = %(company)s OR company_id IS NULL)
     ORDER BY product_id, company_id IS NULL"""

#: The cost of the products without one of their own in company ``%(company)s`` (one row,
#: or none: then 0): the company's default cost, else the default without company.
DEFAULT_COST_SQL = """
    SELECT value_float FROM ir_property
     WHERE name = 'standard_price' AND res_id IS NULL
       AND (company_id = %(company)s OR company_id IS NULL)
     ORDER BY company_id IS NULL LIMIT 1"""

#: Joins that :data:`LINE_COST_SQL` needs after ``account_invoice i JOIN
#: account_invoice_line l``: the units of product and line.
UNIT_JOINS_SQL = """
      LEFT JOIN product_product pp ON pp.id = l.product_id
      LEFT JOIN product_template pt ON pt.id = pp.product_tmpl_id
      LEFT JOIN product_uom pu ON pu.id = pt.uom_id
      LEFT JOIN product_uom lu ON lu.id = l.uom_id"""
