from odoo import _, api, models

from ..lib import kpi


class CrmComplaint(models.Model):
    """KPI figures and Pareto tables of the complaints matching a domain, as a few SQL
    aggregates under the user's record rules (formulas: ``lib/kpi.py``)."""

    # one capability per file on purpose (see models/crm_complaint.py)
    _inherit = 'crm.complaint'  # pylint: disable=consider-merging-classes-inherited

    def _rule_filtered_query(self, domain):
        """FROM/WHERE of ``domain`` with the user's record rules, for the KPI aggregates."""
        query = self._where_calc(domain)
        self._apply_ir_rules(query, 'read')
        from_clause, where_clause, params = query.get_sql()
        return from_clause, where_clause or 'TRUE', params

    @api.model
    def _kpi_values(self, domain):
        """The KPI figures of the complaints matching ``domain`` (two aggregate queries)."""
        self.recompute()
        from_clause, where_clause, params = self._rule_filtered_query(domain)
        dissatisfied = """(crm_complaint.rating_score >= 1
                           AND crm_complaint.rating_score <= COALESCE(company.complaint_bad_rating, 0))
                          OR crm_complaint.followup_outcome = 'dissatisfied'
                          OR crm_complaint.step = 'rejected'"""
        self.env.cr.execute("""
            SELECT count(*),
                   count(*) FILTER (WHERE NOT crm_complaint.is_closed),
                   avg(crm_complaint.first_response_hours)
                       FILTER (WHERE crm_complaint.date_acknowledged IS NOT NULL),
                   avg(crm_complaint.first_response_hours_calendar)
                       FILTER (WHERE crm_complaint.date_acknowledged IS NOT NULL),
                   avg(crm_complaint.resolution_hours)
                       FILTER (WHERE crm_complaint.date_resolved IS NOT NULL),
                   avg(crm_complaint.resolution_hours_calendar)
                       FILTER (WHERE crm_complaint.date_resolved IS NOT NULL),
                   count(*) FILTER (WHERE crm_complaint.date_resolved IS NOT NULL),
                   count(*) FILTER (WHERE crm_complaint.date_resolved IS NOT NULL
                                      AND COALESCE(crm_complaint.reopen_count, 0) = 0
                                      AND COALESCE(crm_complaint.customer_contact_count, 0) <= 1),
                   count(*) FILTER (WHERE crm_complaint.step = 'closed'
                                       OR COALESCE(crm_complaint.reopen_count, 0) > 0),
                   count(*) FILTER (WHERE COALESCE(crm_complaint.reopen_count, 0) > 0),
                   count(*) FILTER (WHERE crm_complaint.rating_requested_date IS NOT NULL),
                   count(*) FILTER (WHERE crm_complaint.rating_score >= 1),
                   count(*) FILTER (WHERE crm_complaint.rating_score >= %s),
                   COALESCE(sum(crm_complaint.cost_credit_notes), 0),
                   COALESCE(sum(crm_complaint.cost_replacement), 0),
                   COALESCE(sum(crm_complaint.cost_goodwill), 0),
                   COALESCE(sum(crm_complaint.cost_handling), 0),
                   COALESCE(sum(crm_complaint.cost_total), 0),
                   count(*) FILTER (WHERE {dissatisfied})
              FROM {from_clause}
              JOIN res_company company ON company.id = crm_complaint.company_id
             WHERE {where_clause}""".format(from_clause=from_clause, where_clause=where_clause,
                                            dissatisfied=dissatisfied),
                            [kpi.SATISFIED_MIN] + params)
        (count, open_count, frh, frh_cal, rh, rh_cal, resolved, fcr, closed, reopened,
         requested, answered, satisfied, c_credit, c_repl, c_good, c_hand, c_total,
         dissatisfied_count) = self.env.cr.fetchone()
        self.env.cr.execute("""
            SELECT count(*) FILTER (WHERE line.status = 'met'),
                   count(*) FILTER (WHERE line.status IN ('met', 'breached'))
              FROM crm_complaint_sla_line line
             WHERE line.complaint_id IN (SELECT crm_complaint.id FROM {from_clause}
                                          WHERE {where_clause})""".format(
            from_clause=from_clause, where_clause=where_clause), params)
        sla_met, sla_decided = self.env.cr.fetchone()
        return {
            'complaint_count': count,
            'open_count': open_count,
            'first_response_hours': frh,
            'first_response_hours_calendar': frh_cal,
            'resolution_hours': rh,
            'resolution_hours_calendar': rh_cal,
            'sla_compliance': kpi.ratio(sla_met, sla_decided),
            'sla_decided': sla_decided,
            'fcr_rate': kpi.ratio(fcr, resolved),
            'reopen_rate': kpi.ratio(reopened, closed),
            'csat': kpi.ratio(satisfied, answered),
            'rating_count': answered,
            'rating_answer_rate': kpi.ratio(answered, requested),
            'cost_credit_notes': c_credit,
            'cost_replacement': c_repl,
            'cost_goodwill': c_good,
            'cost_handling': c_hand,
            'cost_total': c_total,
            'dissatisfied_count': dissatisfied_count,
        }

    @api.model
    def _pareto_values(self, domain):
        """Pareto tables by root cause and by product (a complaint naming several products
        counts for each, its cost split evenly between them)."""
        self.recompute()
        from_clause, where_clause, params = self._rule_filtered_query(domain)
        self.env.cr.execute("""
            SELECT crm_complaint.root_cause_id, count(*), COALESCE(sum(crm_complaint.cost_total), 0)
              FROM {from_clause}
             WHERE {where_clause}
          GROUP BY crm_complaint.root_cause_id""".format(
            from_clause=from_clause, where_clause=where_clause), params)
        causes = self.env.cr.fetchall()
        self.env.cr.execute("""
            SELECT rel.product_id, count(*),
                   COALESCE(sum(crm_complaint.cost_total / n.products), 0)
              FROM {from_clause}
              JOIN crm_complaint_product_rel rel ON rel.complaint_id = crm_complaint.id
              JOIN (SELECT complaint_id, count(*) AS products
                      FROM crm_complaint_product_rel GROUP BY complaint_id) n
                ON n.complaint_id = crm_complaint.id
             WHERE {where_clause}
          GROUP BY rel.product_id""".format(
            from_clause=from_clause, where_clause=where_clause), params)
        products = self.env.cr.fetchall()
        cause_names = dict(self.env['crm.complaint.root.cause'].with_context(
            active_test=False).browse([c[0] for c in causes if c[0]]).name_get())
        product_names = dict(self.env['product.product'].sudo().with_context(
            active_test=False).browse([p[0] for p in products]).name_get())
        return {
            'root_cause': kpi.pareto(
                (cause_id, cause_names.get(cause_id) or _('Not analysed'), count, cost)
                for cause_id, count, cost in causes),
            'product': kpi.pareto(
                (product_id, product_names.get(product_id), count, cost)
                for product_id, count, cost in products),
        }
