"""Plain-Python computations of the module, testable without a database.

One concept per file: RFM quintiles and segments, ABC classes, CLV formulas, BG/NBD and
Gamma-Gamma models, tier transitions, Iranian national ID.
"""
