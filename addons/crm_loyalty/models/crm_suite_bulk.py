"""The suite's bulk layer: rows, notes and activities written set-based.

``crm.suite.bulk`` is the one place the addons of the suite (loyalty, complaints, campaigns)
write many rows at once; its pure part, the encoders, is :mod:`..lib.bulk`. Call it as
``self.env['crm.suite.bulk']``:

``_copy_binary(columns)``
    COPY's binary format of numpy columns (int64 -> int8, float64 -> numeric), for
    ``cr.copy_expert("COPY t FROM STDIN WITH (FORMAT binary)", io.BytesIO(...))``.
``_copy_temp_table(table, columns)``
    A temporary table ``table`` (dropped at commit) with columns ``c0..cn`` typed from the
    arrays, filled by one binary COPY.
``_insert_rows(table, columns, types, rows)``
    One INSERT of ``rows`` (tuples) into ``table``, each column sent as one array literal of
    its PostgreSQL type; the creation and write columns are filled as the ORM does.
``_copy_stage(model_name, raw_table, names, sources)``
    Values of fields of ``model_name`` (numbers, dates, booleans, text, NULLs) into the
    temporary ``raw_table`` by one binary COPY; returns the SELECT that gives them back typed
    as the model's columns, to INSERT or UPDATE from.
``_copy_write(model_name, names, sources, compare, constants, returning)``
    Rows of ``model_name`` written from columns: those with an id updated where a compared
    column differs, the others inserted, both from one binary COPY.
``_post_notes(model_name, bodies)``
    A note on each record's chatter, ``bodies`` = ``{res_id: body}``: what ``message_post``
    writes, in one INSERT (records with a follower of notes still get ``message_post``).
``_create_activities(model_name, rows)``
    Activities due today, ``rows`` = ``[(res_id, activity_type_id, user_id, summary,
    note)]``: what ``mail.activity.create`` writes, in a few statements.

Dates and times come from ``crm.suite.clock``. Identifiers in the SQL come from code, never
from input.
"""
import io
from email.utils import formataddr

import numpy as np
from psycopg2 import sql

from odoo import _, api, models
from odoo.exceptions import UserError

from ..lib import bulk
from ..lib.bulk import array_literal, int_array

#: How each kind of field is staged by :meth:`CrmSuiteBulk._copy_stage`.
STAGE_KINDS = {'integer': 'int', 'many2one': 'int', 'float': 'float', 'monetary': 'float',
               'boolean': 'bool', 'date': 'date', 'char': 'text', 'text': 'text',
               'selection': 'text'}


class CrmSuiteBulk(models.AbstractModel):
    """Set-based writing for the suite (see the module docstring)."""

    _name = 'crm.suite.bulk'
    _description = 'CRM Suite Bulk Writing'

    # --- rows ------------------------------------------------------------------------------
    @api.model
    def _copy_binary(self, columns):
        """:func:`..lib.bulk.copy_binary`, with amounts too large refused as a UserError."""
        try:
            return bulk.copy_binary(columns)
        except bulk.TooLarge as error:
            raise UserError(_("An amount of %s is too large for the loyalty figures (at most "
                              "10^16 in company currency).") % error.value)

    @api.model
    def _copy_temp_table(self, table, columns):
        """Create the temporary table ``table`` (``c0..cn``: int8 for int64 arrays, numeric
        for float64 ones; dropped at commit) and fill it with ``columns`` by binary COPY."""
        cr = self.env.cr
        cr.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(table)))
        cr.execute(sql.SQL("CREATE TEMP TABLE {} ({}) ON COMMIT DROP").format(
            sql.Identifier(table), sql.SQL(', ').join(
                sql.SQL('c%d %s' % (i, 'numeric' if array.dtype.kind == 'f' else 'int8'))
                for i, array in enumerate(columns))))
        cr.copy_expert("COPY %s FROM STDIN WITH (FORMAT binary)" % table,
                       io.BytesIO(self._copy_binary(columns)))

    @api.model
    def _insert_rows(self, table, columns, types, rows):
        """Insert ``rows`` (tuples of ``columns``, None for NULL) into ``table`` in one
        statement: each column is one array literal cast to its type of ``types`` ('int',
        'numeric', 'date', 'varchar', ...) and unnested; ``create_uid``/``write_uid`` are the
        current user, ``create_date``/``write_date`` now (UTC). ``table``, ``columns`` and
        ``types`` come from code."""
        if not rows:
            return
        arrays = [array_literal(col, quote=(kind == 'varchar'))
                  for col, kind in zip(zip(*rows), types)]
        query = """
            INSERT INTO {table} ({cols}, create_uid, create_date, write_uid, write_date)
            SELECT u.*, %s, now() at time zone 'UTC', %s, now() at time zone 'UTC'
              FROM unnest({arrays}) AS u
        """.format(table=table, cols=', '.join(columns),
                   arrays=', '.join('%s::{}[]'.format(t) for t in types))
        self.env.cr.execute(query,  # pylint: disable=sql-injection
                            [self.env.uid, self.env.uid] + arrays)

    @api.model
    def _copy_stage(self, model_name, raw_table, names, sources):
        """Send ``sources`` (one per field name of ``names``, of ``model_name``; None, NaN
        for NULL) to the temporary table ``raw_table`` as binary COPY: fields of fixed
        sizes, int8 and numeric, text as codes into a list of its distinct values (decoded
        by subscript, or by a join above :data:`..lib.bulk.TEXT_SUBSCRIPT_MAX` values), the
        amounts beyond the numeric layout as text. A name that is not a field is an integer.

        :returns: ``(query, params)``: ``SELECT <typed values> AS <names> FROM raw_table r
            ...``, to which the caller may add a ``WHERE`` on the raw columns ``r.c<i>``
            (``%(null)s`` is the integer NULL), and its parameters.
        """
        fields_ = self.env[model_name]._fields
        arrays, expressions, joins, params = [], [], [], {'null': bulk.INT_NULL}
        extra = []  # amounts beyond the binary numeric layout: (raw column, codes)
        for i, (name, values) in enumerate(zip(names, sources)):
            kind = STAGE_KINDS[fields_[name].type] if name in fields_ else 'int'
            raw = 'c%d' % i
            if kind == 'text':
                codes, labels = bulk.text_codes(values)
                arrays.append(codes)
                params[raw] = array_literal(labels, quote=True)
                if len(labels) <= bulk.TEXT_SUBSCRIPT_MAX:
                    expressions.append('(%%(%s)s::text[])[r.%s]' % (raw, raw))
                    continue
                # joined: labels[code] walks a text array from its start, slow on long ones
                expressions.append('l%d.label' % i)
                joins.append('LEFT JOIN unnest(%%(%s)s::text[]) WITH ORDINALITY AS l%d(label, '
                             'code) ON l%d.code = r.%s' % (raw, i, i, raw))
                continue
            array = bulk.stage_array(values, kind)
            if kind == 'float':
                big = ~(np.abs(np.nan_to_num(array)) < bulk.NUMERIC_LIMIT)
                if big.any():
                    # the rows beyond the fast layout travel as text numerics, in a column of
                    # their own (codes into their distinct values); the others as before
                    wide = 'c%d' % (len(names) + len(extra))
                    codes, labels = bulk.text_codes([
                        bulk.numeric_text(v) if b else None
                        for v, b in zip(array.tolist(), big.tolist())])
                    extra.append((wide, codes))
                    params[wide] = array_literal(labels, quote=True)
                    array = np.where(big, np.nan, array)
                    arrays.append(array)
                    expressions.append("COALESCE((%%(%s)s::text[])[r.%s]::numeric, "
                                       "NULLIF(r.%s, 'NaN'))" % (wide, wide, raw))
                    continue
            arrays.append(array)
            expressions.append({
                'float': "NULLIF(r.{c}, 'NaN')",
                'int': 'NULLIF(r.{c}, %(null)s)',
                'bool': 'NULLIF(r.{c}, %(null)s) <> 0',
                'date': "DATE '1970-01-01' + NULLIF(r.{c}, %(null)s)::int4",
            }[kind].format(c=raw))
        arrays += [codes for _wide, codes in extra]
        self._copy_temp_table(raw_table, arrays)
        # row count and the joined codes' statistics, for the plan (all columns: slow)
        analyze_sql = "ANALYZE %s (%s)" % (raw_table, ', '.join(
            ['c0'] + [join.rsplit('r.', 1)[1] for join in joins]))
        self.env.cr.execute(analyze_sql)  # pylint: disable=sql-injection
        query = "SELECT %s FROM %s r %s" % (
            ', '.join('%s AS %s' % pair for pair in zip(expressions, names)), raw_table,
            ' '.join(joins))
        return query, params

    @api.model
    def _copy_write(self, model_name, names, sources, compare, constants, returning):
        """Write rows of ``model_name`` set-based: ``names`` (``'id'`` first, then field
        names) and ``sources`` (one column of values each, see :meth:`_copy_stage`; an id of
        :data:`..lib.bulk.INT_NULL` for a new row) go to the server by one binary COPY; the
        existing rows are updated, in one UPDATE, where one of the ``compare`` columns
        differs (all columns but ``returning``, the rows' key, are written); the new rows
        are inserted in one INSERT with the ``constants`` (``{column: value}``) added, in the
        order of ``sources`` (their ids follow it, whatever the plan of the decoding joins). The
        statements get 64 MB of ``work_mem`` for their sorts and hashes (the default spills
        those of tens of thousands of rows to disk); the setting is put back after them.

        :returns: ``(count, created)``: rows updated or inserted, and ``{value of the column
            returning: new id}`` of the inserted rows.
        """
        cr = self.env.cr
        table = self.env[model_name]._table
        raw, stage = table + '_raw', table + '_stage'
        cr.execute("SHOW work_mem")
        work_mem = cr.fetchone()[0]
        cr.execute("SET LOCAL work_mem = '64MB'")
        typed, params = self._copy_stage(model_name, raw, names, sources)
        # identifiers: model tables and field names from code, never input
        cr.execute("DROP TABLE IF EXISTS %s" % stage)  # pylint: disable=sql-injection
        stage_sql = "CREATE TEMP TABLE %s ON COMMIT DROP AS SELECT %s FROM %s WITH NO DATA" % (
            stage, ', '.join(names), table)
        cr.execute(stage_sql)  # pylint: disable=sql-injection
        # INSERT casts int8 to int4, as the columns of the stage are
        cr.execute("INSERT INTO %s (%s) %s WHERE r.c0 <> %%(null)s" % (
            stage, ', '.join(names), typed), params)  # pylint: disable=sql-injection
        written = names[1:]
        update_sql = """
            UPDATE {table} v SET {assign}, write_uid = %s,
                   write_date = now() at time zone 'UTC'
              FROM {stage} s
             WHERE v.id = s.id AND ({targets}) IS DISTINCT FROM ({sources})
        """.format(table=table, stage=stage,
                   assign=', '.join('%s = s.%s' % (col, col) for col in written
                                    if col != returning),
                   targets=', '.join('v.%s' % col for col in compare),
                   sources=', '.join('s.%s' % col for col in compare))
        cr.execute(update_sql, (self.env.uid,))  # pylint: disable=sql-injection
        count = cr.rowcount
        # the new rows straight from the COPY
        params = dict(params, uid=self.env.uid, **{
            'constant_%s' % col: value for col, value in constants.items()})
        insert_sql = """
            INSERT INTO {table} ({consts}{cols}, create_uid, create_date, write_uid,
                                 write_date)
            SELECT {values}{cols}, %(uid)s, now() at time zone 'UTC', %(uid)s,
                   now() at time zone 'UTC'
              FROM ({typed} WHERE r.c0 = %(null)s ORDER BY r.ctid) s
            RETURNING id, {returning}
        """.format(table=table, cols=', '.join(written), typed=typed, returning=returning,
                   consts=''.join('%s, ' % col for col in constants),
                   values=''.join('%%(constant_%s)s, ' % col for col in constants))
        cr.execute(insert_sql, params)  # pylint: disable=sql-injection
        created = dict((key, new_id) for new_id, key in cr.fetchall())
        cr.execute("DROP TABLE %s, %s" % (stage, raw))  # pylint: disable=sql-injection
        cr.execute("SELECT set_config('work_mem', %s, true)", (work_mem,))
        return count + len(created), created

    # --- chatter ---------------------------------------------------------------------------
    @api.model
    def _note_sender(self):
        """``email_from`` of the notes the current user logs."""
        user = self.env.user
        sender = user.email or user.company_id.email
        return formataddr((user.name, sender)) if sender else user.name

    @api.model
    def _post_note(self, record, body):
        """Log a note on ``record``'s chatter as the current user (no e-mail is sent, so a
        user without an e-mail address can do it too)."""
        record.sudo().message_post(body=body, subtype='mail.mt_note', message_type='comment',
                                   author_id=self.env.user.partner_id.id,
                                   email_from=self._note_sender())

    @api.model
    def _post_notes(self, model_name, bodies):
        """:meth:`_post_note` on many records of ``model_name`` at once: ``bodies`` is
        ``{res_id: body}``.

        ``message_post`` writes one message at a time, with some 70 queries each. A note
        notifies only the followers subscribed to notes: the records that have such a
        follower get ``message_post``; for the others, one INSERT writes the rows
        ``message_post`` would write, with the record names, reply-to addresses, message ids
        and sanitised bodies computed by the ORM's own methods, in batch.
        """
        if not bodies:
            return
        cr = self.env.cr
        author = self.env.user.partner_id
        note = self.env.ref('mail.mt_note')
        cr.execute("""
            SELECT DISTINCT f.res_id FROM mail_followers f
              JOIN mail_followers_mail_message_subtype_rel s ON s.mail_followers_id = f.id
             WHERE f.res_model = %s AND f.res_id = ANY(%s::int[])
               AND s.mail_message_subtype_id = %s AND f.partner_id IS DISTINCT FROM %s
        """, (model_name, int_array(list(bodies)), note.id, author.id))
        followed = set(row[0] for row in cr.fetchall())
        Model = self.env[model_name].sudo()
        for res_id in sorted(followed):
            self._post_note(Model.browse(res_id), bodies[res_id])
        ids = sorted(set(bodies) - followed)
        if not ids:
            return
        email_from = self._note_sender()
        names = dict(Model.browse(ids).name_get())
        reply_to = Model.message_get_reply_to(ids, default=email_from)
        Message = self.env['mail.message'].sudo()
        body = Message._fields['body']
        now = self.env['crm.suite.clock']._now()
        cr.execute("""
            INSERT INTO mail_message (model, res_id, record_name, body, reply_to, message_id,
                                      message_type, subtype_id, author_id, email_from, date,
                                      create_uid, create_date, write_uid, write_date)
            SELECT %(model)s, u.res_id, u.record_name, u.body, u.reply_to, u.message_id,
                   'comment', %(subtype)s, %(author)s, %(email_from)s, %(now)s,
                   %(uid)s, %(now)s, %(uid)s, %(now)s
              FROM unnest(%(ids)s::int[], %(names)s::varchar[], %(bodies)s::text[],
                          %(reply_to)s::varchar[], %(message_ids)s::varchar[])
                   AS u(res_id, record_name, body, reply_to, message_id)
        """, {
            'model': model_name, 'subtype': note.id, 'author': author.id,
            'email_from': email_from, 'now': now, 'uid': Message.env.uid,
            'ids': int_array(ids),
            'names': array_literal([names[res_id] for res_id in ids], quote=True),
            'bodies': array_literal([body.convert_to_column(bodies[res_id], Message)
                                     for res_id in ids], quote=True),
            'reply_to': array_literal([reply_to[res_id] for res_id in ids], quote=True),
            'message_ids': array_literal([Message._get_message_id(
                {'model': model_name, 'res_id': res_id}) for res_id in ids], quote=True),
        })
        Model.browse(ids).invalidate_cache(fnames=['message_ids'])

    # --- activities ------------------------------------------------------------------------
    @api.model
    def _create_activities(self, model_name, rows):
        """What ``mail.activity.create`` does for each of ``rows``, ``(res_id,
        activity_type_id, user_id, summary, note)`` due today, in a few statements
        (``create`` costs about forty queries an activity, and a loyalty review or an
        escalation run can raise thousands).

        One INSERT of the activities (document names from ``name_get``, notes sanitised as
        the field does, created by the superuser as ``create`` does); their users follow the
        documents with the default subtypes (a user who already follows one keeps the subtypes
        he chose); the documents' stored next deadline is refreshed; each user's activity
        counter is told once on the bus. Returns the new activities.
        """
        Activity = self.env['mail.activity'].sudo()
        if not rows:
            return Activity.browse()
        cr = self.env.cr
        Model = self.env[model_name].sudo()
        res_ids, type_ids, user_ids, summaries, notes = (list(column) for column in zip(*rows))
        names = dict(Model.browse(sorted(set(res_ids))).name_get())
        note = Activity._fields['note']
        clock = self.env['crm.suite.clock']
        params = {
            'model_id': self.env['ir.model']._get(model_name).id, 'model': model_name,
            'today': clock._today(), 'now': clock._now(),
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
        Activity.invalidate_cache()
        self.env['mail.followers'].invalidate_cache()
        for partner in self.env['res.users'].browse(sorted(set(user_ids))).mapped('partner_id'):
            self.env['bus.bus'].sendone((cr.dbname, 'res.partner', partner.id),
                                        {'type': 'activity_updated', 'activity_created': True})
        return self.env['mail.activity'].browse(activity_ids)
