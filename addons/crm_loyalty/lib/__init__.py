"""Plain-Python computations of the module, testable without a database.

One concept per file. The loyalty review's engine is :mod:`.engine` (its docstring gives the
call order); its customer table :mod:`.table`; the fetched figures' SQL :mod:`.figures` and
the invoice-line cost :mod:`.invoice_lines`; one rule per module: :mod:`.rfm`, :mod:`.abc`,
:mod:`.cost_to_serve`, :mod:`.clv` (with :mod:`.bgnbd` and :mod:`.gamma_gamma`),
:mod:`.churn`, :mod:`.ladder`, :mod:`.attitude`, :mod:`.customer_type`, :mod:`.tiers`.
Shared by the suite: :mod:`.bulk` (set-based writing; :mod:`.sql` is its old name for the
array helpers) and :mod:`.national_id` (Iranian national ID).
"""
