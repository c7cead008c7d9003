"""What is known per ROCm release line (``data/releases.ini``): release notes, GPU targets.

Only sourced facts live in the data file; when a line is missing we say nothing rather
than guess.
"""

import os

from rocm_notice.io import ini
from rocm_notice.catalog import releases

DATA_FILE = os.path.join(os.path.dirname(__file__), "data", "releases.ini")


def load(path=DATA_FILE):
    """{Line: {key: value}} for every section that names a release line. Read with
    ``ini``, the one reader of ini text (configparser would compile its own patterns in
    every run that shows a notice)."""
    try:
        with open(path, encoding="utf-8") as data:
            parsed = ini.parse_ini(data.read())
    except (OSError, ValueError):
        return {}
    known = {}
    for section, entries in parsed.by_section().items():
        line = releases.parse_line(section)
        if line is not None:
            known[line] = dict(entries)
    return known


def notes_urls(known):
    return {line: facts["notes"] for line, facts in known.items() if facts.get("notes")}
