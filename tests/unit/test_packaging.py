"""The spec, pyproject.toml and the Python package must agree on what they ship.

The spec's %check runs these tests with PYTHONPATH naming the buildroot: there, the
imported rocm_notice is the packaged one, and the tests below compare it with the source.
"""

import os
import re
import tomllib
from pathlib import Path

import rocm_notice

CHECKOUT = Path(__file__).resolve().parents[2]
SPEC = (CHECKOUT / "rocm-epel-notice.spec").read_text()
PYPROJECT = tomllib.loads((CHECKOUT / "pyproject.toml").read_text())


def spec_tag(tag):
    match = re.search(r"^%s:\s*(\S+)" % tag, SPEC, re.M)
    assert match, "no %s: in the spec" % tag
    return match.group(1)


def test_spec_version_is_the_python_package_version():
    assert spec_tag("Version") == rocm_notice.__version__


def test_changelog_starts_with_this_version_and_release():
    release = re.search(r"^%\{!\?baserelease: %global baserelease (\d+)\}", SPEC, re.M)
    assert release, "no default baserelease in the spec"
    entry = SPEC.split("%changelog", 1)[1].strip().splitlines()[0]
    assert entry.endswith("- %s-%s" % (rocm_notice.__version__, release.group(1))), entry


def test_changelog_addresses_are_no_placeholders():
    for entry in re.findall(r"^\* .*$", SPEC.split("%changelog", 1)[1], re.M):
        assert "example." not in entry and "localhost" not in entry, entry


def test_pyproject_ships_every_module_and_data_file_of_the_source():
    setuptools = PYPROJECT["tool"]["setuptools"]
    source = CHECKOUT / "rocm_notice"
    packages = {".".join(p.relative_to(CHECKOUT).parts) for p in [source] + sorted(
        d for d in source.rglob("*") if d.is_dir() and d.name != "__pycache__")}
    assert set(setuptools["packages"]) == packages
    for data in (source / "catalog" / "data").iterdir():
        assert data.suffix == ".ini", "package-data would miss %s" % data.name
    assert setuptools["package-data"]["rocm_notice.catalog.data"] == ["*.ini"]


def test_the_imported_package_has_every_module_and_data_file_of_the_source():
    """Under the spec's %check the imported package is the buildroot's: a module or data
    file missing from the package fails the build here."""
    source = CHECKOUT / "rocm_notice"
    imported = Path(rocm_notice.__file__).parent
    wanted = sorted(p.relative_to(source) for p in source.rglob("*")
                    if p.is_file() and "__pycache__" not in p.parts)
    missing = [str(p) for p in wanted if not (imported / p).is_file()]
    assert not missing, "not in %s: %s" % (imported, ", ".join(missing))


def test_the_package_under_test_is_the_one_pythonpath_names():
    """With PYTHONPATH naming a directory that holds rocm_notice (the buildroot, in
    %check), that copy is the one imported, not the source tree beside the tests."""
    holders = [Path(entry) for entry in os.environ.get("PYTHONPATH", "").split(os.pathsep)
               if entry and (Path(entry) / "rocm_notice" / "__init__.py").is_file()]
    if holders:
        assert Path(rocm_notice.__file__).parent.parent.resolve() == holders[0].resolve()
    else:
        assert Path(rocm_notice.__file__).parent.resolve() == (CHECKOUT / "rocm_notice").resolve()


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


def test_one_spec_builds_every_package_and_each_front_end_ships_its_own_modules():
    """rocm-epel-notice.spec alone: the arch-specific main package (the libdnf plugin)
    and dnf5 front end (the libdnf5 plugin), the noarch core and dnf 4 front end; each
    front end's modules in its own package, none in the core (which %excludes them)."""
    # (parts below the checkout: 'make rpm' runs this in build/rpm/BUILD/<tarball>/)
    specs = [p.relative_to(CHECKOUT) for p in CHECKOUT.rglob("*.spec")]
    assert [p.name for p in specs if not {".cache", "build"} & set(p.parts)] == [
        "rocm-epel-notice.spec"]
    assert not re.search(r"^BuildArch:", SPEC.split("%package", 1)[0], re.M)
    assert len(re.findall(r"^BuildArch:\s*noarch", SPEC, re.M)) == 2
    dnf5 = SPEC.split("%package        dnf5", 1)[1].split("%description", 1)[0]
    assert "BuildArch" not in dnf5
    for door in ("dnf4", "dnf5", "libdnf"):
        module = "%%{python3_sitelib}/rocm_notice/frontends/%s/" % door
        assert "%%exclude %s" % module in SPEC, door
        assert len(re.findall(r"^%s$" % re.escape(module), SPEC, re.M)) == 1, door
    assert not re.search(r"^(Provides|Obsoletes):\s*%\{name\}", SPEC, re.M)
    assert "%make_build build/libdnf-plugin/rocm_notice.so" in SPEC
    assert "%{?with_dnf5:build/dnf5-plugin/rocm_notice.so}" in SPEC
    # ... which the Makefile's pattern rules build (as they build the tests' per-version ones)
    makefile = (CHECKOUT / "Makefile").read_text()
    assert "build/libdnf-plugin%rocm_notice.so: \\\n        libdnf-plugin/rocm_notice.cpp" \
        in makefile
    assert "build/dnf5-plugin%rocm_notice.so: \\\n        dnf5-plugin/rocm_notice.cpp" \
        in makefile
    for source in re.findall(r"^install -Dpm \d+ ([\w.][\w./-]*) ", SPEC, re.M):
        assert (CHECKOUT / source).exists() or source.startswith(("build/", "dnf4-rocm.8",
                                                                  "rocm-epel-notice.8")), source


def test_the_plugins_run_the_helper_and_read_the_names_file_where_the_core_installs_them():
    makefile = (CHECKOUT / "Makefile").read_text()
    helper = re.search(r"^HELPER \?= (\S+)", makefile, re.M).group(1)
    names = re.search(r"^NAMES \?= (\S+)", makefile, re.M).group(1)
    source = (CHECKOUT / "native" / "helper_client.hpp").read_text()
    assert '#define ROCM_NOTICE_HELPER "%s"' % helper in source
    assert '#define ROCM_NOTICE_NAMES "%s"' % names in source
    assert helper == "/usr/libexec/rocm-epel-notice/rocm-epel-notice-helper"
    assert names == "/usr/share/rocm-epel-notice/names"
    assert "HELPER=%{_libexecdir}/%{name}/rocm-epel-notice-helper" in SPEC
    assert "%{buildroot}%{_libexecdir}/%{name}/rocm-epel-notice-helper" in SPEC
    assert "NAMES=%{_datadir}/%{name}/names" in SPEC
    assert "%{buildroot}%{_datadir}/%{name}/names" in SPEC
    assert "build/native/names:" in makefile     # written from the catalog
    for plugin in ("libdnf-plugin", "dnf5-plugin"):     # both include the shared part
        assert '#include "../native/helper_client.hpp"' in (
            CHECKOUT / plugin / "rocm_notice.cpp").read_text()
