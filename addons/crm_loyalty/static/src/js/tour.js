odoo.define('crm_loyalty.tour', function (require) {
'use strict';

var tour = require('web_tour.tour');

// Classify customers with a review, open a partner and see class, RFM and CLV, then start a
// sale order for that customer and see the class's pricelist applied.
tour.register('crm_loyalty_tour', {test: true, url: '/web'}, [tour.STEPS.MENU_MORE, {
    trigger: '.o_app[data-menu-xmlid="sale.sale_menu_root"], .oe_menu_toggler[data-menu-xmlid="sale.sale_menu_root"]',
    content: 'Open Sales',
}, {
    trigger: 'a[data-menu-xmlid="crm_loyalty.crm_loyalty_config_menu"]',
    content: 'Open the loyalty configuration menu',
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
    trigger: 'a[data-menu-xmlid="crm_loyalty.crm_loyalty_value_menu"]',
    content: 'Open the customer value table',
}, {
    trigger: '.o_data_row:contains("Tour Customer Platinum")',
    extra_trigger: '.o_list_view',
    content: 'The best customer comes first',
}, {
    trigger: '.o_form_view a.o_form_uri:contains("Tour Customer Platinum")',
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
    trigger: '.o_field_widget[name="loyalty_clv"]',
    content: 'Lifetime value computed',
    run: function () {
        var clv = parseFloat($('.o_field_widget[name="loyalty_clv"]').text().replace(/[^0-9.\-]/g, ''));
        if (!(clv > 0)) {
            console.error('The best customer has no lifetime value: ' + clv);
        }
    },
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
    trigger: '.o_field_widget[name="partner_loyalty_tier_id"]:contains("Platinum")',
    content: 'The order shows the class',
    run: function () {},
}, {
    trigger: '.o_field_widget[name="pricelist_id"] input',
    content: "The class's pricelist is applied",
    run: function () {
        var pricelist = $('.o_field_widget[name="pricelist_id"] input').val();
        if (pricelist !== 'Tour Platinum Prices (USD)' && pricelist !== 'Tour Platinum Prices') {
            console.error('The new order got the pricelist ' + pricelist);
        }
    },
}]);

});
