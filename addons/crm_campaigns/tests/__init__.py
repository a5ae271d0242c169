from . import test_stats
from . import test_scoring
