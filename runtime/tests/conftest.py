"""Runtime tests run on the patched interpreter, exactly as the launcher prepares it."""
import odoo311

odoo311.apply()
