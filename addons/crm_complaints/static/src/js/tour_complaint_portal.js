odoo.define('crm_complaints.tour_portal', function (require) {
'use strict';

var tour = require('web_tour.tour');

// The customer opens the closed complaint in the portal and rates it.
tour.register('crm_complaints_portal_tour', {test: true}, [{
    content: 'Open the complaint',
    trigger: 'a.o_complaint_link',
}, {
    content: 'Five out of five',
    trigger: '.o_complaint_rating label.o_complaint_score_5',
}, {
    content: 'A word of thanks',
    trigger: '.o_complaint_rating textarea[name="feedback"]',
    run: 'text Quick and friendly, thank you.',
}, {
    content: 'Send the rating',
    trigger: '.o_complaint_rating .o_complaint_rate_submit',
}, {
    content: 'The rating is recorded',
    trigger: '.o_complaint_rated',
    run: function () {},
}]);

});
