from . import test_sla_time
from . import test_kpi_formulas
from . import test_workflow
from . import test_sla
from . import test_resolution
from . import test_satisfaction
from . import test_mail_intake
