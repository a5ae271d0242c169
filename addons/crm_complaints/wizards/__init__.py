from . import crm_complaint_refund
from . import crm_complaint_followup
from . import crm_complaint_goodwill
from . import crm_complaint_duplicate
from . import crm_complaint_kpi
from . import stock_return_picking
