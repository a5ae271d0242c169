odoo.define('crm_complaints.tour', function (require) {
'use strict';

var tour = require('web_tour.tour');

// From a delivered order: file the complaint, acknowledge it, credit part of the invoice,
// resolve, log the follow-up call and close.
tour.register('crm_complaints_tour', {test: true}, [{
    content: 'File a complaint from the delivered order',
    trigger: '.o_form_view .o_statusbar_buttons button:contains("File a Complaint")',
}, {
    content: 'Say what it is about',
    trigger: '.o_form_view input.o_field_widget[name="subject"]',
    run: 'text Scratched widget',
}, {
    content: "The customer's words",
    trigger: '.o_form_view textarea.o_field_widget[name="description"]',
    run: 'text The widget arrived with a deep scratch on the front.',
}, {
    content: 'Save the complaint',
    trigger: '.o_form_button_save',
}, {
    content: 'Acknowledge: the apology is sent',
    trigger: '.o_form_view .o_statusbar_buttons button:contains("Acknowledge")',
    extra_trigger: '.o_form_view.o_form_readonly',
}, {
    content: 'Credit part of the invoice',
    trigger: '.o_form_view .o_statusbar_buttons button:contains("Credit Note")',
    extra_trigger: '.o_statusbar_status .btn-primary:contains("Acknowledged")',
}, {
    content: 'Amount of the credit note',
    trigger: '.modal-body .o_field_monetary input',
    run: 'text 50',
}, {
    content: 'Create the credit note through the standard wizard',
    trigger: '.modal-footer button:contains("Create Credit Note")',
}, {
    content: 'Resolve once the credit note is validated',
    trigger: '.o_form_view .o_statusbar_buttons button:contains("Resolve")',
    extra_trigger: '.o_form_view .oe_stat_button:contains("Credit Notes")',
}, {
    content: 'Call the customer afterwards',
    trigger: '.o_form_view .o_statusbar_buttons button:contains("Log Follow-up")',
    extra_trigger: '.o_statusbar_status .btn-primary:contains("Resolved")',
}, {
    content: 'The customer is satisfied',
    trigger: '.modal-body .o_field_radio input[data-value="satisfied"]',
}, {
    content: 'What the customer said',
    trigger: '.modal-body textarea.o_field_widget[name="note"]',
    run: 'text Happy with the credit note, thanks for calling.',
}, {
    content: 'Save the follow-up and close',
    trigger: '.modal-footer button:contains("Save")',
}, {
    content: 'The complaint is closed',
    trigger: '.o_statusbar_status .btn-primary:contains("Closed")',
    run: function () {},
}]);

});
