"""The libdnf plugin's names file (rocm_notice.frontends.native.names): what the plugin
checks a transaction against before it starts its helper. A superset of the catalog:
every ROCm package of the real EPEL 10.1-10.3 is in it by name or by source."""

import fnmatch

from rocm_notice.catalog.catalog import AMD_VERSION_GLOB, COMPAT_GLOB, Catalog
from rocm_notice.frontends.native import names
from tests.e2e import real_epel


def _read(lines):
    found = {}
    for line in lines:
        if line and not line.startswith("#"):
            key, value = line.split(" ", 1)
            found.setdefault(key, set()).add(value)
    return found


def test_every_line_is_a_key_and_a_value_the_plugin_reads():
    for line in names.lines()[1:]:
        key, value = line.split(" ", 1)
        assert key in ("name", "name-glob", "source", "version-glob") and value.strip() == value


def test_the_file_holds_the_catalogs_names_sources_and_globs():
    catalog = Catalog.load()
    found = _read(names.lines())
    assert found["name"] == set(catalog.query_names()[0])
    assert found["source"] == set(catalog.sources)
    assert COMPAT_GLOB in found["name-glob"] and found["version-glob"] == {AMD_VERSION_GLOB}


def test_every_real_rocm_package_is_in_it_by_name_or_by_source():
    catalog = Catalog.load()
    found = _read(names.lines())
    for package in real_epel.EPEL_10_1 + real_epel.EPEL_10_2 + real_epel.EPEL_10_3:
        sourcerpm = "%s-%s-%s.src.rpm" % (package.source, package.version, package.release) \
            if package.source else None
        if catalog.kind(package.name, sourcerpm) is None:
            continue
        assert package.name in found["name"] or package.source in found["source"] or \
            any(fnmatch.fnmatchcase(package.name, g) for g in found["name-glob"]), package



def test_every_name_the_catalog_knows_by_name_alone_is_in_it_by_name():
    """The catalog classifies a name whatever its source ("the name decides": rocblas
    from a rebuild's rocblas-fork is ROCm), per-GPU subpackages too: so must the file,
    or a warn system's gate would not ask about them."""
    catalog = Catalog.load()
    found = _read(names.lines())
    candidates = []
    for base in sorted(catalog.rocm)[:40]:
        candidates += [base, base + "-devel", base + "-gfx950", base + "-gfx1100-devel",
                       base + "-devel-debuginfo", base + "6.4", base + "7.2-devel"]
    for name in candidates:
        if catalog.kind(name) is None:
            continue
        assert name in found["name"] or any(
            fnmatch.fnmatchcase(name, g) for g in found["name-glob"]), name
