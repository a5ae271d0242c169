odoo.define('crm_campaigns.tour', function (require) {
"use strict";

var tour = require('web_tour.tour');

tour.register('crm_campaigns_tour', {
    test: true,
    url: '/web',
}, [{
    trigger: '.o_app[data-menu-xmlid="crm.crm_menu_root"], .oe_menu_toggler[data-menu-xmlid="crm.crm_menu_root"]',
    content: 'Open CRM',
}]);
});
