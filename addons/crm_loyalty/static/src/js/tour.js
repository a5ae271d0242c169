odoo.define('crm_loyalty.tour', function (require) { 'use strict'; });
