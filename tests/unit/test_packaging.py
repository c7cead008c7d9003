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


def test_check_section_has_the_tools_the_unit_tests_run():
    """%check runs tests/unit in a minimal buildroot: each program a unit test runs must
    come from a BuildRequires, or the build fails there and not here."""
    build_requires = set(re.findall(r"^BuildRequires:\s*(\S+)", SPEC, re.M))
    needs = {"rst2man": "python3-docutils", "groff": "groff-base"}
    manpage_test = (CHECKOUT / "tests" / "unit" / "test_manpage.py").read_text()
    for program, package in needs.items():
        assert program in manpage_test
        assert package in build_requires, "%s (for %s) is no BuildRequires" % (package, program)
    used = set(re.findall(r'shutil\.which\("([^"]+)"\)',
                          "".join(p.read_text() for p in (CHECKOUT / "tests" / "unit").glob("*.py"))))
    assert used <= set(needs), "a unit test runs %s: add it here and to the spec" % (
        used - set(needs))
