"""The test/holdout draw of a scored campaign: its targeted customers split, within each score
decile, into a holdout (never contacted), a test sample (contacted first) and the rest
(contacted at rollout). The seeded split itself is ``lib/draw.py``.
"""
from odoo import _, models
from odoo.exceptions import UserError

from ..lib import draw


# one capability of the campaign per file (see crm_campaign.py)
class CrmCampaign(models.Model):
    _inherit = 'crm.campaign'  # pylint: disable=consider-merging-classes-inherited

    def _draw_test_groups(self, today):
        """Draw and write the groups of the targeted customers (the holdout's window starts
        ``today``); returns the test sample's targets, to contact."""
        self.env.cr.execute("""
            SELECT id, decile FROM crm_campaign_target WHERE campaign_id = %s AND selected
        """, (self.id,))
        strata = {}
        for target_id, decile in self.env.cr.fetchall():
            strata.setdefault(decile, []).append(target_id)
        groups = draw.stratified_split(strata, self.holdout_share / 100.0,
                                       self.test_share / 100.0, self.seed)
        by_group = {}
        for target_id, group in groups.items():
            by_group.setdefault(group, []).append(target_id)
        selected = sum(len(ids) for ids in strata.values())
        for group, label in (('test', _("test sample")), ('holdout', _("holdout"))):
            if not by_group.get(group):
                raise UserError(_(
                    "The %(group)s would be empty: %(count)d targeted customers are too few for "
                    "the shares chosen.") % {'group': label, 'count': selected})
        for group, ids in by_group.items():
            self.env.cr.execute("""
                UPDATE crm_campaign_target SET target_group = %s,
                       window_start = CASE WHEN %s = 'holdout' THEN %s::date ELSE NULL END
                 WHERE id = ANY(%s)
            """, (group, group, today, ids))
        Target = self.env['crm.campaign.target']
        Target.invalidate_cache()
        return Target.browse(sorted(by_group['test']))
