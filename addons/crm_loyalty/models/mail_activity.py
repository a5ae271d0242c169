from psycopg2 import sql

from odoo import api, fields, models

from ..lib.sql import array_literal, int_array


class MailActivity(models.Model):
    _inherit = 'mail.activity'

    @api.model
    def _create_set_based(self, model_name, rows):
        """What ``create`` does for each of ``rows``, ``(res_id, activity_type_id, user_id,
        summary, note)`` due today, in a few statements: ``create`` costs about forty queries
        an activity, and a loyalty review or an escalation run can raise thousands. Used by
        the suite's addons.

        One INSERT of the activities (document names from ``name_get``, notes sanitised as
        the field does, created by the superuser as ``create`` does); their users follow the
        documents with the default subtypes (a user who already follows one keeps the subtypes
        he chose); the documents' stored next deadline is refreshed; each user's activity
        counter is told once on the bus. Returns the new activities.
        """
        if not rows:
            return self.browse()
        cr = self.env.cr
        Activity = self.sudo()
        Model = self.env[model_name].sudo()
        res_ids, type_ids, user_ids, summaries, notes = (list(column) for column in zip(*rows))
        names = dict(Model.browse(sorted(set(res_ids))).name_get())
        note = self._fields['note']
        params = {
            'model_id': self.env['ir.model']._get(model_name).id, 'model': model_name,
            'today': fields.Date.context_today(self), 'now': fields.Datetime.now(),
            'uid': Activity.env.uid, 'res_ids': int_array(res_ids),
            'names': array_literal([names[res_id] for res_id in res_ids], quote=True),
            'types': int_array(type_ids), 'users': int_array(user_ids),
            'summaries': array_literal(summaries, quote=True),
            'notes': array_literal([note.convert_to_column(text, Activity) or None
                                    for text in notes], quote=True),
        }
        cr.execute("""
            INSERT INTO mail_activity (res_model_id, res_model, res_id, res_name,
                                       activity_type_id, summary, note, user_id,
                                       date_deadline, create_uid, create_date, write_uid,
                                       write_date)
            SELECT %(model_id)s, %(model)s, a.res_id, a.res_name, a.type_id, a.summary,
                   a.note, a.user_id, %(today)s, %(uid)s, %(now)s, %(uid)s, %(now)s
              FROM unnest(%(res_ids)s::int[], %(names)s::varchar[], %(types)s::int[],
                          %(summaries)s::varchar[], %(notes)s::text[], %(users)s::int[])
                   AS a(res_id, res_name, type_id, summary, note, user_id)
         RETURNING id""", params)
        activity_ids = [row[0] for row in cr.fetchall()]
        cr.execute("""
            INSERT INTO mail_followers (res_model, res_id, partner_id)
            SELECT DISTINCT %(model)s, a.res_id, u.partner_id
              FROM unnest(%(res_ids)s::int[], %(users)s::int[]) AS a(res_id, user_id)
              JOIN res_users u ON u.id = a.user_id
             WHERE NOT EXISTS (SELECT 1 FROM mail_followers f
                                WHERE f.res_model = %(model)s AND f.res_id = a.res_id
                                  AND f.partner_id = u.partner_id)
         RETURNING id""", params)
        follower_ids = [row[0] for row in cr.fetchall()]
        subtypes = self.env['mail.message.subtype'].default_subtypes(model_name)[0]
        if follower_ids and subtypes:
            cr.execute("""
                INSERT INTO mail_followers_mail_message_subtype_rel
                            (mail_followers_id, mail_message_subtype_id)
                SELECT f, s FROM unnest(%s::int[]) f, unnest(%s::int[]) s""",
                       (int_array(follower_ids), int_array(subtypes.ids)))
        deadline = Model._fields.get('activity_date_deadline')
        if deadline and deadline.store:
            cr.execute(sql.SQL("""
                UPDATE {table} t SET activity_date_deadline = a.deadline
                  FROM (SELECT res_id, min(date_deadline) AS deadline FROM mail_activity
                         WHERE res_model = %(model)s AND res_id = ANY(%(res_ids)s::int[])
                      GROUP BY res_id) a
                 WHERE t.id = a.res_id""").format(table=sql.Identifier(Model._table)), params)
        Model.browse(res_ids).invalidate_cache()
        self.invalidate_cache()
        self.env['mail.followers'].invalidate_cache()
        for partner in self.env['res.users'].browse(sorted(set(user_ids))).mapped('partner_id'):
            self.env['bus.bus'].sendone((cr.dbname, 'res.partner', partner.id),
                                        {'type': 'activity_updated', 'activity_created': True})
        return self.browse(activity_ids)
