from odoo import models


class IrSequence(models.Model):
    _inherit = 'ir.sequence'

    def _loyalty_next_many(self, count):
        """The next ``count`` values of this sequence (no date ranges) in one statement:
        ``nextval`` over a series for a standard sequence, one row update for a no-gap one."""
        self.ensure_one()
        if self.use_date_range:
            return [self._next() for _i in range(count)]
        cr = self.env.cr
        if self.implementation == 'standard':
            # the name is ir_sequence_ and this record's id, as ir.sequence creates it
            cr.execute("SELECT nextval('ir_sequence_%03d') FROM generate_series(1, %%s)"
                       % self.id, (count,))  # pylint: disable=sql-injection
            numbers = [row[0] for row in cr.fetchall()]
        else:
            cr.execute("SELECT number_next FROM ir_sequence WHERE id = %s FOR UPDATE",
                       (self.id,))
            first = cr.fetchone()[0]
            cr.execute("UPDATE ir_sequence SET number_next = number_next + %s WHERE id = %s",
                       (self.number_increment * count, self.id))
            self.invalidate_cache(fnames=['number_next'], ids=self.ids)
            numbers = [first + k * self.number_increment for k in range(count)]
        prefix, suffix = self._get_prefix_suffix()
        return ['%s%s%s' % (prefix or '', '%%0%dd' % self.padding % number, suffix or '')
                for number in numbers]
