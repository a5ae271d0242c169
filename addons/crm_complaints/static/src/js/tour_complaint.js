odoo.define('crm_complaints.tour', function (require) { 'use strict'; });
