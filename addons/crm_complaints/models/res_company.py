from odoo import fields, models

UNKNOWN_SENDER_POLICIES = [
    ('flag', 'Flag the complaint'),
    ('partner', 'Create a contact'),
]


class ResCompany(models.Model):
    _inherit = 'res.company'

    complaint_hourly_cost = fields.Monetary(
        string='Complaint Handling Hourly Cost', currency_field='currency_id', default=30.0,
        help="Cost of one hour spent handling a complaint (cost of complaints).")
    complaint_repeat_days = fields.Integer(
        string='Repeat Complaint Window (days)', default=90,
        help="A complaint of the same customer about the same product or category within this "
             "many days is a repeat complaint.")
    complaint_unknown_sender = fields.Selection(
        UNKNOWN_SENDER_POLICIES, string='Complaints from Unknown Senders', default='flag',
        help="What an email from an address matching no contact does.")
    complaint_bad_rating = fields.Integer(
        string='Bad Rating Threshold', default=2,
        help="Ratings at or below this value (1-5) open a recovery activity.")
    complaint_word_of_mouth = fields.Float(
        string='Word of Mouth Factor', default=9.0,
        help="People a dissatisfied customer tells (8 to 10 in the literature).")
