from odoo import api, fields, models

STEPS = [
    ('new', 'New'),
    ('acknowledged', 'Acknowledged'),
    ('in_progress', 'In progress'),
    ('resolved', 'Resolved'),
    ('followup', 'Follow-up'),
    ('closed', 'Closed'),
    ('rejected', 'Rejected'),
    ('duplicate', 'Duplicate'),
]
# Business meaning of the steps; code and views read these sets or the flags, never stage names.
ACKNOWLEDGED_STEPS = ('acknowledged', 'in_progress', 'resolved', 'followup', 'closed',
                      'rejected', 'duplicate')
RESOLVED_STEPS = ('resolved', 'followup', 'closed')
CLOSED_STEPS = ('closed', 'rejected', 'duplicate')
FINAL_ANSWER_STEPS = RESOLVED_STEPS + ('rejected', 'duplicate')


class CrmComplaintStage(models.Model):
    """A configurable stage; its ``step`` says which handling step of the workflow it is.

    Several stages may share a step (e.g. "Waiting for the customer" is an in-progress stage that
    pauses the SLA clock); the workflow rules follow the step and the flags, not the name.
    """

    _name = 'crm.complaint.stage'
    _description = 'Complaint Stage'
    _order = 'sequence, id'

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    step = fields.Selection(
        STEPS, required=True, default='in_progress',
        help="Handling step this stage stands for: acknowledgement reaches the acknowledgement "
             "target, resolved/follow-up/closed reach the resolution target, closing needs a "
             "recorded follow-up, rejected and duplicate close without one.")
    description = fields.Text(translate=True, help="What the agent does in this stage.")
    fold = fields.Boolean(help="Folded in the kanban view.")
    is_paused = fields.Boolean(
        string='Pauses the SLA',
        help="While a complaint sits in this stage its SLA clocks stop (e.g. waiting for the "
             "customer).")
    gate_documents = fields.Boolean(
        string='Requires documents done',
        help="A complaint enters this stage only when its credit notes are validated, its "
             "returns received and its replacement orders confirmed.")
    mail_template_id = fields.Many2one(
        'mail.template', string='Email to the customer',
        domain=[('model', '=', 'crm.complaint')],
        help="Sent to the customer when a complaint reaches this stage.")
    is_acknowledged = fields.Boolean(compute='_compute_flags')
    is_resolved = fields.Boolean(compute='_compute_flags')
    is_closed = fields.Boolean(compute='_compute_flags')

    @api.depends('step')
    def _compute_flags(self):
        for stage in self:
            stage.is_acknowledged = stage.step in ACKNOWLEDGED_STEPS
            stage.is_resolved = stage.step in RESOLVED_STEPS
            stage.is_closed = stage.step in CLOSED_STEPS

    @api.model
    def _for_step(self, step):
        """The first active stage of a handling step (the target of the workflow buttons)."""
        return self.search([('step', '=', step)], order='sequence, id', limit=1)
