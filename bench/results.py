"""bench/RESULTS.md: each benchmark keeps one section per size, replaced by its newest run."""
import os
import re

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
