"""The spec and the Python package must agree on what they ship."""

import re
from pathlib import Path

import rocm_notice

CHECKOUT = Path(__file__).resolve().parents[2]
SPEC = (CHECKOUT / "rocm-epel-notice.spec").read_text()


def spec_tag(tag):
    match = re.search(r"^%s:\s*(\S+)" % tag, SPEC, re.M)
    assert match, "no %s: in the spec" % tag
    return match.group(1)


def test_spec_version_is_the_python_package_version():
    assert spec_tag("Version") == rocm_notice.__version__


def test_changelog_starts_with_this_version():
    entry = SPEC.split("%changelog", 1)[1].strip().splitlines()[0]
    assert entry.endswith("- %s-1" % rocm_notice.__version__), entry


def test_spec_ships_every_data_file_the_core_reads():
    setup = (CHECKOUT / "setup.py").read_text()
    assert '"data/*.ini"' in setup
    for data in (CHECKOUT / "rocm_notice" / "data").iterdir():
        assert data.suffix == ".ini", "setup.py's package_data would miss %s" % data.name
