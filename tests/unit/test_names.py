"""Every binary name the real ROCm specs build gets its kind (tests/data/rocm-names.tsv).

The table (from ../shared/rocm-packages/names.tsv, issue 12): every binary package name
that Fedora's and EPEL's ROCm source packages build, from the real spec files expanded
with ``rpmspec`` for EL10 and Fedora at nine snapshots (ROCm 6.4.2 to 7.14, optional
builds on, the ``<name>X.Y`` compat specs ``--with compat``). Columns: source package(s),
binary name, expected kind, where seen, which builds, debuginfo/debugsource.
"""

import os

import pytest

from rocm_notice.catalog.catalog import COMPAT, ROCM, Catalog
from rocm_notice.catalog.releases import Line

TABLE = os.path.join(os.path.dirname(__file__), os.pardir, "data", "rocm-names.tsv")


def rows():
    with open(TABLE, encoding="utf-8") as table:
        for line in table:
            if line.startswith("#") or not line.strip():
                continue
            sources, name, kind = line.rstrip("\n").split("\t")[:3]
            yield sources.split(","), name, kind


ROWS = list(rows())


@pytest.fixture(scope="module")
def shipped():
    return Catalog.load()


def srpm(source):
    return "%s-7.2.0-1.el10_3.src.rpm" % source


def test_the_table_is_the_whole_set():
    assert len({name for _, name, _ in ROWS}) == len(ROWS) > 600
    assert {kind for _, _, kind in ROWS} == {ROCM, COMPAT}


def test_every_name_gets_its_listed_kind_from_its_source(shipped):
    """A name built by more than one source gets the listed kind from one of them and
    from a compat source never anything but compat (kfdtest: built by rocm-runtime,
    formerly hsakmt, and under the same name by the compat rocm-runtime7.2)."""
    wrong = []
    for sources, name, kind in ROWS:
        found = {source: shipped.kind(name, srpm(source)) for source in sources}
        if kind not in found.values():
            wrong.append((name, kind, found))
        for source, got in found.items():
            compat_source = shipped.source_kind(source) == COMPAT
            if got != (COMPAT if compat_source else kind if len(sources) == 1 else ROCM):
                wrong.append((name, source, got))
    assert wrong == []


def test_every_name_is_known_by_name_alone(shipped):
    """The fast path: hawkey finds these names by hash, before any source is read.
    kfdtest's compat build (rocm-runtime7.2) is the one case only its source tells."""
    wrong = [(name, kind, shipped.kind(name)) for sources, name, kind in ROWS
             if shipped.kind(name) != kind and name not in ("kfdtest", "kfdtest-debuginfo")]
    assert wrong == []
    assert shipped.kind("kfdtest") == ROCM


def test_every_source_of_the_table_is_listed(shipped):
    sources = {s for row_sources, _, _ in ROWS for s in row_sources}
    plain = {s for s in sources if shipped.source_kind(s) != COMPAT}
    assert plain - shipped.sources == set()
    assert {s for s in sources if shipped.source_kind(s) is None} == set()


def test_every_compat_name_has_a_line(shipped):
    missing = [name for _, name, kind in ROWS if kind == COMPAT
               and not name.startswith("kfdtest") and shipped.compat_line(name) != Line(7, 2)]
    assert missing == []


def test_query_names_find_every_name_of_the_table_but_per_gpu_ones(shipped):
    """Listed names are one hash lookup for hawkey; per-GPU subpackages (-gfx950) and
    compat names are found by glob or by their source."""
    import fnmatch
    from rocm_notice.catalog.catalog import COMPAT_GLOB
    exact, globs = shipped.query_names()
    exact = set(exact)
    missing = [name for _, name, _ in ROWS if name not in exact and "-gfx" not in name
               and not any(fnmatch.fnmatchcase(name, g) for g in globs + [COMPAT_GLOB])]
    assert missing == []
