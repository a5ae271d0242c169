odoo.define('crm_campaigns.tour', function (require) {
"use strict";

var tour = require('web_tour.tour');

/* Part one: build a campaign on a segment, score it, start the test and record the first
   responses by hand. The call centre's file and the invoices arrive between the parts. */
tour.register('crm_campaigns_tour_test', {test: true}, [{
    trigger: '.oe_menu_toggler[data-menu-xmlid="crm.crm_menu_root"], .o_app[data-menu-xmlid="crm.crm_menu_root"]',
    content: 'Open CRM',
}, {
    trigger: 'a[data-menu-xmlid="crm_campaigns.crm_campaign_menu"]',
    content: 'Open the campaigns',
}, {
    trigger: '.o_list_button_add',
    extra_trigger: '.o_control_panel .breadcrumb li:contains("Campaigns")',
    content: 'Create a campaign',
}, {
    trigger: 'input[name="name"]',
    extra_trigger: '.o_form_editable',
    content: 'Name it',
    run: 'text Tour win-back',
}, {
    trigger: 'select[name="campaign_type"]',
    content: 'A win-back campaign',
    run: 'text "winback"',
}, {
    trigger: '.o_field_widget[name="segment_id"] input',
    content: 'Address the lapsing customers',
    run: 'text Tour audience',
}, {
    trigger: '.ui-menu-item > a:contains("Tour audience")',
    in_modal: false,
    content: 'Pick the segment',
}, {
    trigger: '.o_field_widget[name="scoring_model_id"] input',
    extra_trigger: '.o_field_widget[name="segment_id"] input',
    content: 'The scoring model of win-back campaigns is proposed',
    run: function () {
        if (this.$anchor.val() !== 'Tour win-back model') {
            console.error('error: scoring model not proposed: ' + this.$anchor.val());
        }
    },
}, {
    trigger: '.o_notebook a:contains("Budget and Targeting")',
    content: 'Set the budget and the test',
}, {
    trigger: '[name="budget"] input, input[name="budget"]',
    content: 'Budget',
    run: 'text 5000',
}, {
    trigger: 'input[name="test_share"]',
    content: 'Test on 40 %',
    run: 'text 40',
}, {
    trigger: '[name="expected_margin"] input, input[name="expected_margin"]',
    content: 'Margin of an accepted offer',
    run: 'text 100',
}, {
    trigger: 'input[name="holdout_share"]',
    content: 'Hold 30 % out',
    run: 'text 30',
}, {
    trigger: '.o_notebook a:contains("Offer and Channels")',
    content: 'Choose the channels',
}, {
    trigger: 'textarea[name="offer_description"]',
    content: 'Say what the customers are offered',
    run: 'text 10 % off your next order',
}, {
    trigger: '.o_field_widget[name="channel_ids"] .o_field_x2many_list_row_add > a',
    content: 'Add the email channel',
}, {
    trigger: '.o_selected_row [name="cost_per_contact"] input, .o_selected_row input[name="cost_per_contact"]',
    content: 'One email costs 1',
    run: 'text 1',
}, {
    trigger: '.o_form_button_save',
    content: 'Save',
}, {
    trigger: '.o_statusbar_buttons button:contains("Score"):visible',
    extra_trigger: '.o_form_readonly',
    content: 'Score the segment',
}, {
    trigger: '.o_statusbar_buttons button:contains("Start Test"):visible',
    extra_trigger: '.o_statusbar_status .btn-primary:contains("Scored")',
    content: 'Start the test',
}, {
    trigger: '.modal-footer .btn-primary',
    in_modal: false,
    content: 'Confirm: the test sample is contacted now',
}, {
    trigger: '.oe_stat_button:contains("Contacted")',
    extra_trigger: '.o_statusbar_status .btn-primary:contains("Testing")',
    content: 'See who was contacted',
}, {
    trigger: '.o_list_view tr.o_data_row:eq(0) td.o_data_cell:eq(1)',
    extra_trigger: '.o_control_panel .breadcrumb li.active:contains("Contacted")',
    content: 'Record the first response',
}, {
    trigger: '.o_selected_row select[name="response"]',
    extra_trigger: '.o_list_view tr.o_data_row:eq(0).o_selected_row',
    content: 'Accepted',
    run: 'text "accepted"',
}, {
    trigger: '.o_list_button_save',
    content: 'Save the response',
}, {
    trigger: '.o_list_view tr.o_data_row:eq(1) td.o_data_cell:eq(1)',
    extra_trigger: '.o_list_view tr.o_data_row:eq(0):contains("Accepted")',
    content: 'Record the second response',
}, {
    trigger: '.o_selected_row .o_field_widget[name="rejection_reason_id"] input',
    extra_trigger: '.o_list_view tr.o_data_row:eq(1).o_selected_row',
    content: 'Why not',
    run: 'text Price',
}, {
    trigger: '.ui-menu-item > a:contains("Price too high")',
    in_modal: false,
    content: 'Price too high',
}, {
    trigger: '.o_selected_row select[name="response"]',
    content: 'Rejected',
    run: 'text "rejected"',
}, {
    trigger: '.o_list_button_save',
    content: 'Save the response',
}, {
    trigger: '.o_list_view tr.o_data_row:eq(1):contains("Price too high")',
    content: 'Both responses are recorded',
    run: function () {},
}]);

/* Part two, on the campaign form: evaluate against the holdout, roll out, read the ROI. */
tour.register('crm_campaigns_tour_evaluate', {test: true}, [{
    trigger: '.o_statusbar_buttons button:contains("Evaluate"):visible',
    extra_trigger: '.o_form_readonly',
    content: 'Evaluate the test against the holdout',
}, {
    trigger: '.o_notebook a:contains("Evaluation")',
    extra_trigger: '.o_statusbar_status .btn-primary:contains("Evaluated")',
    content: 'Read the evaluation',
}, {
    trigger: '.o_field_widget[name="decision_note"]:contains("Decision: Go")',
    extra_trigger: 'table.o_campaign_gains',
    content: 'The test decided go, with its numbers and the gains by decile',
    run: function () {},
}, {
    trigger: '.o_statusbar_buttons button:contains("Roll Out"):visible',
    content: 'Roll out',
}, {
    trigger: '.modal-footer .btn-primary',
    in_modal: false,
    content: 'Confirm: everyone else but the holdout is contacted now',
}, {
    trigger: '.o_notebook a:contains("ROI")',
    extra_trigger: '.o_statusbar_status .btn-primary:contains("Rolling out")',
    content: 'See the return',
}, {
    trigger: '.o_field_widget[name="roi"]',
    extra_trigger: '.o_field_widget[name="attributed_margin"]',
    content: 'ROI from the invoiced margin',
    run: function () {
        if (!this.$anchor.text().trim()) {
            console.error('error: no ROI shown');
        }
    },
}]);
});
