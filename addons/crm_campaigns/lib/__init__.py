"""Pure code of the campaigns (numpy and the standard library, no Odoo): score arithmetic and
targeting (:mod:`.scoring`), the seeded test/holdout draw (:mod:`.draw`) and the statistics of
the evaluation (:mod:`.stats`). The models fetch the figures, call these and write."""
