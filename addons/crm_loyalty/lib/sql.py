"""PostgreSQL array literals: the helpers of :mod:`.bulk`, under the name the addons of the
suite have imported them by."""
from .bulk import array_literal, int_array

__all__ = ['array_literal', 'int_array']
