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


PLUGIN_SPEC = (CHECKOUT / "libdnf-plugin" / "libdnf-plugin-rocm-epel-notice.spec").read_text()


def test_libdnf_plugin_spec_has_the_same_version_and_installs_what_the_checkout_has():
    version = re.search(r"^Version:\s*(\S+)", PLUGIN_SPEC, re.M).group(1)
    assert version == rocm_notice.__version__
    entry = PLUGIN_SPEC.split("%changelog", 1)[1].strip().splitlines()[0]
    assert entry.endswith("- %s-1" % version), entry
    assert "%make_build build/libdnf-plugin/rocm_notice.so" in PLUGIN_SPEC
    assert "LIBDNF_PLUGIN := build/libdnf-plugin/rocm_notice.so" in (CHECKOUT / "Makefile").read_text()
    for source in re.findall(r"^install -Dpm \d+ (libdnf-plugin/\S+)", PLUGIN_SPEC, re.M):
        assert (CHECKOUT / source).exists(), source


def test_libdnf_plugin_runs_the_helper_where_its_package_installs_it():
    makefile = (CHECKOUT / "Makefile").read_text()
    default = re.search(r"^LIBDNF_HELPER \?= (\S+)", makefile, re.M).group(1)
    source = (CHECKOUT / "libdnf-plugin" / "rocm_notice.cpp").read_text()
    assert '#define ROCM_NOTICE_HELPER "%s"' % default in source
    assert default == "/usr/libexec/rocm-epel-notice/libdnf-helper"
    assert "LIBDNF_HELPER=%{_libexecdir}/%{srcname}/libdnf-helper" in PLUGIN_SPEC
    assert "%{buildroot}%{_libexecdir}/%{srcname}/libdnf-helper" in PLUGIN_SPEC
