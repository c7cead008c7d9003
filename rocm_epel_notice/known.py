"""What is known per ROCm release line (``data/releases.ini``): release notes, GPU targets.

Only sourced facts live in the data file; when a line is missing we say nothing rather
than guess.
"""

import configparser
import os

from rocm_epel_notice import catalog, releases

DATA_FILE = os.path.join(os.path.dirname(__file__), "data", "releases.ini")


def load(path=DATA_FILE):
    """{Line: {key: value}} for every section that names a release line."""
    try:
        data = catalog.read_ini(path)
    except (OSError, configparser.Error):
        return {}
    known = {}
    for section in data.sections():
        line = releases.parse_line(section)
        if line is not None:
            known[line] = {key: (value or "").strip() for key, value in data[section].items()}
    return known


def notes_urls(known):
    return {line: facts["notes"] for line, facts in known.items() if facts.get("notes")}
