odoo.define('crm_loyalty.tour', function (require) {
'use strict';

var tour = require('web_tour.tour');

// Classify customers with a review, open a partner and see class, RFM and CLV, then start a
// sale order for that customer and see the class's pricelist applied.
tour.register('crm_loyalty_tour', {test: true, url: '/web'}, [tour.STEPS.MENU_MORE, {
    trigger: '.o_app[data-menu-xmlid="sale.sale_menu_root"], .oe_menu_toggler[data-menu-xmlid="sale.sale_menu_root"]',
    content: 'Open Sales',
}, {
    trigger: 'a[data-menu-xmlid="crm_loyalty.crm_loyalty_review_start_menu"]',
    content: 'Run a loyalty review',
}, {
    trigger: '.modal-footer button[name="action_apply"]',
    content: 'Classify the customers',
}, {
    trigger: '.o_form_view .o_statusbar_status [data-value="done"].btn-primary',
    content: 'The review is done',
    run: function () {},
}, {
    trigger: 'a[data-menu-xmlid="sale.res_partner_menu"]',
    content: 'Open the customers',
}, {
    trigger: '.o_searchview_input',
    extra_trigger: '.o_kanban_view',
    content: 'Look for the customer',
    run: 'text Tour Customer Platinum',
}, {
    trigger: '.o_searchview_autocomplete li:first a, .o_searchview_autocomplete li.o-selection-focus a',
    content: 'Search by name',
}, {
    trigger: '.o_kanban_record:contains("Tour Customer Platinum")',
    extra_trigger: '.o_kanban_view .o_kanban_record:not(:contains("Tour Filler"))',
    content: 'Open the customer',
}, {
    trigger: '.o_notebook a:contains("Loyalty")',
    extra_trigger: '.o_form_view',
    content: 'Open the Loyalty tab',
}, {
    trigger: '.o_field_widget[name="loyalty_tier_id"]:contains("Platinum")',
    content: 'The customer is in the Platinum class',
    run: function () {},
}, {
    trigger: '.o_field_widget[name="loyalty_rfm_cell"]:contains("555")',
    extra_trigger: '.o_field_widget[name="loyalty_segment"]:contains("Champions")',
    content: 'Best RFM cell, Champions segment',
    run: function () {},
}, {
    trigger: '.o_field_widget[name="loyalty_clv"]:not(:contains("0.00"))',
    content: 'Lifetime value computed',
    run: function () {},
}, {
    trigger: 'a[data-menu-xmlid="sale.menu_sale_quotations"]',
    content: 'Go to quotations',
}, {
    trigger: '.o_list_button_add',
    extra_trigger: '.o_list_view',
    content: 'New quotation',
}, {
    trigger: '.o_field_widget[name="partner_id"] input',
    extra_trigger: '.o_sale_order',
    content: 'Choose the customer',
    run: 'text Tour Customer Platinum',
}, {
    trigger: '.ui-menu-item > a:contains("Tour Customer Platinum")',
    in_modal: false,
}, {
    trigger: '.o_field_widget[name="pricelist_id"]:contains("Tour Platinum Prices")',
    extra_trigger: '.o_field_widget[name="partner_loyalty_tier_id"]:contains("Platinum")',
    content: "The class's pricelist is applied",
    run: function () {},
}]);

});
