from . import crm_loyalty_review_start
from . import crm_loyalty_value_lock
