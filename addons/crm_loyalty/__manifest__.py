# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
{
    'name': 'CRM Loyalty: Customer Value and Loyalty Classes',
    'summary': 'RFM, margin, CLV and churn risk from posted invoices; loyalty classes with '
               'benefits, history and explanations',
    'version': '11.0.1.0.0',
    'category': 'Sales',
    'author': 'CRM Suite',
    'license': 'LGPL-3',
    'development_status': 'Beta',
    'depends': ['sale_management', 'sale_margin', 'account_invoicing', 'report_xlsx', 'queue_job'],
    'external_dependencies': {'python': ['numpy', 'scipy']},
    'data': [
        'security/crm_loyalty_groups.xml',
        'security/ir.model.access.csv',
        'data/crm_loyalty_tier_data.xml',
        'data/crm_loyalty_data.xml',
        'views/crm_loyalty_tier_views.xml',
        'views/crm_loyalty_value_views.xml',
        'views/crm_loyalty_history_views.xml',
        'views/crm_loyalty_review_views.xml',
        'views/crm_loyalty_pareto_report_views.xml',
        'views/res_partner_views.xml',
        'views/crm_loyalty_menus.xml',
        'views/assets.xml',
    ],
    'demo': [
        'demo/crm_loyalty_demo.xml',
    ],
    'post_init_hook': 'post_init_hook',
    'uninstall_hook': 'uninstall_hook',
}
