"""Charts of the campaign form: the funnel, the gains table by score decile and the Pareto of
rejection reasons. The rows are computed here; the HTML is QWeb
(views/crm_campaign_chart_templates.xml), which escapes every value.
"""
from odoo import _, fields, models


def _bar_style(value, maximum, color):
    """Style of the filled part of a bar showing ``value`` against ``maximum``."""
    width = 0.0 if not maximum else max(0.0, min(100.0, 100.0 * value / maximum))
    return 'background:%s;width:%.1f%%;height:14px;' % (color, width)


def _percent(share):
    """A share (0.05) as the charts show it (5.0 %)."""
    return '%.1f %%' % (100.0 * share)


# one capability of the campaign per file (see crm_campaign.py)
class CrmCampaign(models.Model):
    _inherit = 'crm.campaign'  # pylint: disable=consider-merging-classes-inherited

    funnel_html = fields.Html(compute='_compute_charts', sanitize=False)
    gains_html = fields.Html(compute='_compute_charts', sanitize=False)
    rejection_html = fields.Html(compute='_compute_charts', sanitize=False)

    def _compute_charts(self):
        QWeb = self.env['ir.qweb']
        for campaign in self:
            gains = campaign._gains_rows()
            rejections = campaign._rejection_rows()
            top = rejections[0]['count'] if rejections else 0
            for row in gains:
                row.update(bar_style=_bar_style(row['gain'], 1.0, '#00A09D'),
                           rate_text=_percent(row['rate']), gain_text=_percent(row['gain']),
                           lift_text='%.2f' % row['lift'])
            for row in rejections:
                row.update(bar_style=_bar_style(row['count'], top, '#D9534F'),
                           share_text=_percent(row['share']),
                           cumulative_text=_percent(row['cumulative']))
            campaign.funnel_html = QWeb.render('crm_campaigns.campaign_chart_funnel', {
                'rows': campaign._funnel_rows()}).decode()
            campaign.gains_html = QWeb.render('crm_campaigns.campaign_chart_gains', {
                'rows': gains}).decode()
            campaign.rejection_html = QWeb.render('crm_campaigns.campaign_chart_rejections', {
                'rows': rejections}).decode()

    def _funnel_rows(self):
        """The funnel's steps: label, customers, bar, share of the targeted."""
        steps = [
            (_("Targeted"), self.selected_count),
            (_("Contacted"), self.contacted_count),
            (_("Responded"), self.responded_count),
            (_("Accepted"), self.accepted_count),
            (_("Invoiced"), self.converted_count),
        ]
        top = steps[0][1]
        return [{'label': label, 'value': value,
                 'bar_style': _bar_style(value, top, '#875A7B'),
                 'share_text': _percent(value / top) if top else ''} for label, value in steps]

    def _gains_rows(self):
        """Per score decile of the contacted targets: contacted, took the offer (accepted or
        bought in the window), rate, cumulative share of all takers, lift."""
        self.env.cr.execute("""
            SELECT decile, COUNT(*), COUNT(*) FILTER (WHERE response = 'accepted' OR converted)
              FROM crm_campaign_target
             WHERE campaign_id = %s AND contacted_date IS NOT NULL
             GROUP BY decile ORDER BY decile
        """, (self.id,))
        rows = self.env.cr.fetchall()
        total_contacted = sum(r[1] for r in rows)
        total_taken = sum(r[2] for r in rows)
        overall = total_taken / total_contacted if total_contacted else 0.0
        result, cumulative = [], 0
        for decile, contacted, taken in rows:
            cumulative += taken
            rate = taken / contacted if contacted else 0.0
            result.append({
                'decile': decile, 'contacted': contacted, 'taken': taken, 'rate': rate,
                'gain': cumulative / total_taken if total_taken else 0.0,
                'lift': rate / overall if overall else 0.0,
            })
        return result

    def _rejection_rows(self):
        self.env.cr.execute("""
            SELECT rejection_reason_id, COUNT(*)
              FROM crm_campaign_target
             WHERE campaign_id = %s AND response = 'rejected'
             GROUP BY rejection_reason_id ORDER BY 2 DESC, 1
        """, (self.id,))
        rows = self.env.cr.fetchall()
        total = sum(count for _reason, count in rows)
        reasons = self.env['crm.campaign.rejection.reason'].with_context(
            active_test=False).browse([r for r, _c in rows if r])
        names = {reason.id: reason.name for reason in reasons}
        result, cumulative = [], 0
        for reason_id, count in rows:
            cumulative += count
            result.append({'reason': names.get(reason_id, _("Not given")), 'count': count,
                           'share': count / total, 'cumulative': cumulative / total})
        return result
