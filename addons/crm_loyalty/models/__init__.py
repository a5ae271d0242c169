from . import crm_loyalty_tier
from . import crm_loyalty_value
from . import res_partner
