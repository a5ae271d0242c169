from . import crm_complaint_report
from . import crm_complaint_kpi_xlsx
from . import crm_complaint_kpi_sql
