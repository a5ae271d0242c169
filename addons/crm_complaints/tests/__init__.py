from . import test_sla_time
from . import test_kpi_formulas
from . import test_workflow
from . import test_sla
