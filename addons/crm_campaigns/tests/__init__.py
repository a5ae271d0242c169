from . import test_stats
from . import test_scoring
from . import test_flow
from . import test_channels
from . import test_responses
from . import test_evaluation
from . import test_attribution
from . import test_winback
