from . import crm_suite_xlsx
from . import crm_loyalty_pareto_report
from . import crm_loyalty_value_xlsx
