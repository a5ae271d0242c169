"""What the benchmarks share: their sections of RESULTS.md (one per size, replaced by the
newest run), peak memory sampling, and VACUUM ANALYZE before measuring."""
import os
import re
import threading
import time

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'RESULTS.md')
HEADER = '# Benchmark results\n'


def write_section(text, path=RESULTS):
    """Put ``text`` (a Markdown section starting ``## <title> (<date>)``) in ``path`` in place
    of the section with the same title, or at the end when there is none."""
    heading = text.lstrip().split('\n', 1)[0]
    title = heading.rsplit(' (', 1)[0]
    current = open(path).read() if os.path.exists(path) else HEADER
    pattern = re.compile(r'^%s \(.*?(?=^## |\Z)' % re.escape(title), re.M | re.S)
    section = text.strip('\n') + '\n\n'
    if pattern.search(current):
        updated = pattern.sub(lambda _match: section, current, count=1)
    else:
        updated = current.rstrip('\n') + '\n\n' + section
    with open(path, 'w') as out:
        out.write(updated.rstrip('\n') + '\n')


def _rss():
    with open('/proc/self/statm') as src:
        return int(src.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')


class PeakMemory:
    """Peak RSS of this process while the block runs, sampled every 10 ms."""

    def __enter__(self):
        self.base = self.peak = _rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, _rss())
            time.sleep(0.01)

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss())


def vacuum_analyze(pg_conf, db, tables):
    """VACUUM ANALYZE ``tables`` of ``db``: earlier runs roll back large writes, and the server
    here runs without autovacuum, so dead rows and missing statistics would skew the timings."""
    from psycopg2 import sql
    from odoo311 import pg
    connection = pg.connect(pg_conf, db)  # autocommit: VACUUM runs outside transactions
    try:
        with connection.cursor() as cr:
            for table in tables:
                cr.execute(sql.SQL('VACUUM ANALYZE {}').format(sql.Identifier(table)))
    finally:
        connection.close()
