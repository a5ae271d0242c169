"""Escalation levels were stored as '0'-'3'; their codes now read as their labels."""

CODES = {'0': 'none', '1': 'warning', '2': 'level_1', '3': 'level_2'}


def migrate(cr, version):
    if not version:
        return
    for table in ('crm_complaint_sla_line', 'crm_complaint'):
        cr.execute("SELECT 1 FROM information_schema.columns "
                   "WHERE table_name = %s AND column_name = 'escalation'", (table,))
        if not cr.fetchone():
            continue
        for old, new in CODES.items():
            cr.execute("UPDATE {} SET escalation = %s WHERE escalation = %s".format(table),
                       (new, old))
