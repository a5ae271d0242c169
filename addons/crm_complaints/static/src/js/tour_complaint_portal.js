odoo.define('crm_complaints.tour_portal', function (require) { 'use strict'; });
