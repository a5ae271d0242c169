"""Plain-Python rules of the complaints desk, testable without a database.

One concept per file: working time of the SLAs (``sla_time``), the SLA state and escalation
ladder of a target and of a complaint (``sla``), the KPI formulas and Pareto tables (``kpi``).
"""
