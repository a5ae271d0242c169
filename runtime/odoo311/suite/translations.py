"""``bin/suite pot``: each addon's ``.pot`` exported by Odoo, its ``.po`` files merged into it."""
import os

from .. import pg
from .config import ADDONS, POT_DB, log, suite_addons
from .databases import ensure_addons_db, prepare, run_odoo
from .po_merge import format_po, merge_po, read_po, write_if_changed


def _export_pots(db, addons, port):
    """``{addon: .pot text}`` from Odoo's exporter (one run, a .tgz of every addon's template)."""
    import tarfile
    import tempfile
    with tempfile.TemporaryDirectory(prefix='crmsuite-pot-') as tmp:
        archive = os.path.join(tmp, 'pot.tgz')
        rc = run_odoo(['-d', db, '--i18n-export=%s' % archive, '--modules=%s' % ','.join(addons),
                       '--stop-after-init', '--log-level=warn', '--http-port', str(port)])
        if rc or not os.path.exists(archive):
            raise SystemExit('exporting the templates failed (rc=%s)' % rc)
        pots = {}
        with tarfile.open(archive, 'r:gz') as tar:
            for member in tar.getmembers():
                parts = os.path.normpath(member.name).split(os.sep)
                if member.isfile() and len(parts) == 3 and parts[1] == 'i18n' \
                        and parts[2] == parts[0] + '.pot':
                    pots[parts[0]] = tar.extractfile(member).read().decode('utf-8')
    return pots


def cmd_pot(args):
    """Regenerate ``addons/<addon>/i18n/<addon>.pot`` with Odoo's exporter and merge every
    ``<lang>.po`` beside it (translations kept, new messages added untranslated, obsolete ones
    dropped); print how many messages each language leaves untranslated.

    The templates come from the database ``crmsuite_pot`` (the dependency template copied once,
    the suite's addons with their demo data installed, updated to the checkout on every run), or
    from ``--db``, used as it is.
    """
    conf = prepare()
    addons = [name for name in (args.only or '').split(',') if name] or suite_addons()
    unknown = [name for name in addons if name not in suite_addons()]
    if unknown:
        raise SystemExit('unknown addon(s): %s' % ', '.join(unknown))
    db = args.db or POT_DB
    if args.db:
        if not pg.database_exists(conf, db):
            raise SystemExit('database %s does not exist' % db)
    else:
        rc = ensure_addons_db(conf, db, args.http_port)
        if rc:
            return rc
    pots = _export_pots(db, addons, args.http_port)
    rc = 0
    for addon in addons:
        if addon not in pots:
            log('%s: the exporter wrote no template' % addon)
            rc = 1
            continue
        i18n = os.path.join(ADDONS, addon, 'i18n')
        os.makedirs(i18n, exist_ok=True)
        pot_path = os.path.join(i18n, '%s.pot' % addon)
        changed = write_if_changed(pot_path, pots[addon])
        template = read_po(pot_path)
        log('%s: %d messages, %s' % (addon, len(template) - 1,
                                     'template written' if changed else 'template unchanged'))
        for name in sorted(os.listdir(i18n)):
            if not name.endswith('.po'):
                continue
            path = os.path.join(i18n, name)
            merged, added, dropped = merge_po(template, read_po(path))
            write_if_changed(path, format_po(merged))
            untranslated = sum(1 for entry in merged[1:] if not entry.translated)
            print('%-16s %-6s %4d messages, %4d untranslated (%d added, %d dropped)' % (
                addon, name[:-3], len(merged) - 1, untranslated, added, dropped), flush=True)
    return rc
