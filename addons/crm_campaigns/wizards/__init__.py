from . import crm_campaign_result_import
