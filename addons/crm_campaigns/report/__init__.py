from . import crm_campaign_xlsx
