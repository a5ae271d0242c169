from . import test_pure
from . import test_clv_model
from . import test_figures
from . import test_classes
from . import test_bad_input
from . import test_review_ops
from . import test_access
from . import test_ui
