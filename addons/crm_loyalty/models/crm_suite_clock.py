from datetime import datetime

from odoo import api, fields, models


class CrmSuiteClock(models.AbstractModel):
    """The one clock of the suite: "now" and "today" of reviews, complaint workflows and SLAs,
    and campaigns. Tests move time by patching ``_now`` on this model's class; nothing else
    reads the system clock."""
    _name = 'crm.suite.clock'
    _description = 'CRM Suite Clock'

    @api.model
    def _now(self):
        """Now, naive UTC, whole seconds (as Odoo stores datetimes)."""
        return datetime.utcnow().replace(microsecond=0)

    @api.model
    def _today(self):
        """Today in the user's time zone, as Odoo's date string."""
        return fields.Date.context_today(self, timestamp=self._now())
