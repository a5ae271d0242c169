from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

NATURES = [
    ('functional', 'Functional'),
    ('psychological', 'Psychological'),
]
DIMENSIONS = [
    ('form', 'Form'),
    ('time', 'Time'),
    ('place', 'Place'),
    ('possession', 'Possession'),
]


class CrmComplaintCategory(models.Model):
    """Category tree of complaints.

    ``nature`` keeps the distinction of satisfaction research: functional (the product or
    service did not work) or psychological (how the customer was treated); ``dimension`` the
    utility that failed (form, time, place, possession).
    """

    _name = 'crm.complaint.category'
    _description = 'Complaint Category'
    _parent_store = True
    _parent_order = 'name'
    _order = 'parent_left'
    _rec_name = 'complete_name'

    name = fields.Char(required=True, translate=True)
    complete_name = fields.Char(compute='_compute_complete_name', store=True)
    parent_id = fields.Many2one('crm.complaint.category', string='Parent Category',
                                index=True, ondelete='cascade')
    child_ids = fields.One2many('crm.complaint.category', 'parent_id', string='Subcategories')
    parent_left = fields.Integer(index=True)
    parent_right = fields.Integer(index=True)
    nature = fields.Selection(NATURES, required=True, default='functional')
    dimension = fields.Selection(DIMENSIONS)
    active = fields.Boolean(default=True)
    description = fields.Text(translate=True)

    @api.depends('name', 'parent_id.complete_name')
    def _compute_complete_name(self):
        for category in self:
            if category.parent_id:
                category.complete_name = '%s / %s' % (category.parent_id.complete_name,
                                                      category.name)
            else:
                category.complete_name = category.name

    @api.constrains('parent_id')
    def _check_parent_id(self):
        if not self._check_recursion():
            raise ValidationError(_("A complaint category cannot be its own ancestor."))
