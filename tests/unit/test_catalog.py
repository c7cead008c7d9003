"""Which package names are ROCm, compat, AMD's, or none of ours."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rocm_notice.catalog.catalog import AMD, COMPAT, ROCM, Catalog
from rocm_notice.core.records import Package
from rocm_notice.catalog.releases import Line, Release


@pytest.fixture(scope="module")
def shipped():
    return Catalog.load()


def small(**extra):
    """A hand-built catalog: enough names to show each rule on its own."""
    values = dict(rocm=["rocblas", "rocm-hip", "hipcc", "rocm-llvm", "aqlprofile"],
                  suffixes=["-devel", "-libs", "-filesystem"],
                  compilersupport=["hipcc", "rocm-llvm"], independent=["aqlprofile"],
                  amd=["hip-runtime-amd"], not_rocm=["rocm-epel-notice"])
    values.update(extra)
    return Catalog(**values)


# -- base names and subpackages ---------------------------------------------------------

@pytest.mark.parametrize("name, base", [
    ("rocblas", "rocblas"),
    ("rocblas-devel", "rocblas"),
    ("rocm-hip-devel", "rocm-hip"),
    ("rocm-clang-runtime-devel", "rocm-clang-runtime-devel"),   # listed on its own
    ("rocm-llvm-filesystem", "rocm-llvm"),
    ("rocm-llvm-devel", "rocm-llvm"),
    ("rocm-runtime-static", "rocm-runtime"),
    ("hipcc-libomp-devel", "hipcc-libomp-devel"),
])
def test_shipped_catalog_finds_base_names(shipped, name, base):
    assert shipped.base(name) == base
    assert shipped.kind(name) == ROCM


def test_suffix_alone_is_not_a_package_of_the_stack():
    catalog = small()
    assert catalog.base("-devel") is None
    assert catalog.kind("-devel") is None


def test_one_suffix_then_debuginfo_reduce_to_the_base_and_no_deeper():
    assert small().base("rocm-llvm-filesystem") == "rocm-llvm"
    assert small().base("rocm-llvm-libs-debuginfo") == "rocm-llvm"
    assert small().base("rocm-llvm-filesystem-devel") is None     # two subpackage suffixes


def test_prefix_of_a_rocm_name_is_not_rocm():
    assert small().kind("rocbla") is None
    assert small().kind("rocblasx") is None


# -- compat packages ---------------------------------------------------------------------

@pytest.mark.parametrize("name, line", [
    ("rocblas7.2", Line(7, 2)),
    ("rocm-hip7.2-devel", Line(7, 2)),
    ("rocm-hip6.4", Line(6, 4)),
    ("hipcc7.1", Line(7, 1)),
])
def test_compat_names_are_compat_with_their_line(shipped, name, line):
    assert shipped.kind(name) == COMPAT
    assert shipped.compat_line(name) == line


def test_compat_pattern_on_a_non_rocm_name_is_not_compat(shipped):
    assert shipped.compat_line("python3.12-numpy") is None
    assert shipped.kind("python3.12-numpy") is None
    assert shipped.kind("zstd1.5") is None


def test_compat_name_of_a_subpackage_keeps_its_suffix(shipped):
    assert shipped.compat_name("rocm-hip-devel", Line(6, 4)) == "rocm-hip6.4-devel"
    assert shipped.compat_name("rocblas", Line(6, 4)) == "rocblas6.4"


def test_compat_name_of_a_non_rocm_package_is_none(shipped):
    assert shipped.compat_name("zstd", Line(6, 4)) is None


def test_compat_package_release_is_its_own_line():
    catalog = small()
    assert catalog.release_of(Package("rocblas7.2", "7.2.1", "1.el10_3")) == Release(7, 2, 1)
    # A Version that does not match the name's line: the name wins.
    assert catalog.release_of(Package("rocblas6.4", "1.0", "1.el10_3")) == Release(6, 4, 0)


# -- AMD's names, ours, unrelated ---------------------------------------------------------

@pytest.mark.parametrize("name", ["hip-runtime-amd", "rocm-hip-runtime", "hsa-rocr",
                                  "rocm-hip-sdk", "miopen-hip"])
def test_amd_repository_names_are_amd(shipped, name):
    assert shipped.kind(name) == AMD


@pytest.mark.parametrize("name", ["python3-dnf-plugin-rocm-epel-notice", "rocm-epel-notice",
                                  "python3-rocm-epel-notice", "rocm-epel-notice-dnf5"])
def test_this_plugin_is_not_rocm(shipped, name):
    assert shipped.kind(name) is None


@pytest.mark.parametrize("name", ["python3-torch", "zstd", "magma", "kernel", "half-devel"])
def test_unrelated_names_are_none(shipped, name):
    assert shipped.kind(name) is None


def test_release_of_unrelated_package_is_none(shipped):
    assert shipped.release_of(Package("zstd", "1.5.7", "1.el10_2")) is None


# -- include / exclude from the config --------------------------------------------------------

def test_include_glob_adds_names():
    catalog = Catalog.load(include=["site-rocm-*"])
    assert catalog.kind("site-rocm-tools") == ROCM
    assert catalog.release_of(Package("site-rocm-tools", "7.1.1", "1")) == Release(7, 1, 1)
    assert catalog.kind("site-other") is None


def test_exclude_glob_removes_names():
    catalog = Catalog.load(exclude=["rocm-examples*", "rocblas"])
    assert catalog.kind("rocm-examples") is None
    assert catalog.kind("rocm-examples-devel") is None
    assert catalog.kind("rocblas") is None
    assert catalog.kind("rocblas-devel") == ROCM     # "rocblas" is not a glob for it


def test_exclude_wins_over_include():
    catalog = small(include=["rocm-foo*"], exclude=["rocm-foo-bar"])
    assert catalog.kind("rocm-foo") == ROCM
    assert catalog.kind("rocm-foo-bar") is None


def test_included_name_has_compat_packages():
    catalog = small(include=["rocm-foo"])
    assert catalog.kind("rocm-foo7.2") == COMPAT


# -- release_of -----------------------------------------------------------------------------------

def test_release_of_plain_rocm_package(shipped):
    assert shipped.release_of(Package("rocblas", "7.1.1", "6.el10_2")) == Release(7, 1, 1)


def test_release_of_compilersupport_reads_the_marker(shipped):
    hipcc = Package("hipcc", "20", "12.rocm7.1.1.el10_2")
    assert shipped.release_of(hipcc) == Release(7, 1, 1)
    llvm_devel = Package("rocm-llvm-devel", "22", "13.rocm7.2.1.el10_3")
    assert shipped.release_of(llvm_devel) == Release(7, 2, 1)


def test_release_of_compilersupport_ignores_llvm_major_without_marker(shipped):
    assert shipped.release_of(Package("hipcc", "20", "1.el10_2")) is None
    assert shipped.release_of(Package("rocm-device-libs", "19.1", "1.el10_1")) is None


def test_release_of_independent_package_ignores_its_version():
    catalog = small()
    assert catalog.release_of(Package("aqlprofile", "7.0.1", "1.el10_2")) is None


def test_a_version_that_is_no_rocm_release_is_unknown_per_build(shipped):
    # aqlprofile's first Fedora builds, then its ROCm-versioned ones; rccl-tests' snapshots.
    early = Package("aqlprofile", "0.0^git20250526.eebb229", "1.el10", source="aqlprofile")
    later = Package("aqlprofile", "7.1.0", "1.el10_2", source="aqlprofile")
    assert shipped.release_of(early) is None
    assert shipped.release_of(later) == Release(7, 1, 0)
    assert shipped.release_of(Package("rccl-tests", "git20251018.abc1234", "1.el10_2")) is None


def test_release_of_amd_package(shipped):
    package = Package("hip-runtime-amd", "6.4.43484.60402", "1.el9")
    assert shipped.release_of(package) == Release(6, 4, 2)


# -- is_foreign --------------------------------------------------------------------------------------

def test_amd_named_package_is_foreign(shipped):
    assert shipped.is_foreign(Package("hip-runtime-amd", "6.4.43484.60402", "1.el9"))


def test_colliding_name_with_amd_version_is_foreign(shipped):
    # AMD's rocblas: a Fedora name, AMD's version format.
    assert shipped.is_foreign(Package("rocblas", "4.4.1.60402", "1.el9"))


def test_epel_package_is_not_foreign(shipped):
    assert not shipped.is_foreign(Package("rocblas", "7.1.1", "6.el10_2"))
    assert not shipped.is_foreign(Package("hipcc", "20", "12.rocm7.1.1.el10_2"))


def test_unrelated_package_with_amd_like_version_is_not_foreign(shipped):
    assert not shipped.is_foreign(Package("zstd", "1.5.5.60402", "1"))


def test_query_names_cover_every_name_the_catalog_classifies():
    import fnmatch
    from rocm_notice.catalog.catalog import COMPAT_GLOB, Catalog
    catalog = Catalog.load(include=["site-rocm-*"])
    names = ["rocblas", "rocblas-devel", "rocm-clang-runtime-devel", "rocblas7.2",
             "rocm-hip7.2-devel", "hip-runtime-amd", "site-rocm-lib", "site-rocm-lib6.4",
             "hipcc", "rocm-llvm-libs-debuginfo", "rocblas-debuginfo"]
    for few in (False, True):       # few: the installed packages' variant
        exact, globs = catalog.query_names(few)
        for name in names:
            assert catalog.kind(name) is not None, name
            assert name in exact or any(fnmatch.fnmatchcase(name, g)
                                        for g in globs + [COMPAT_GLOB]), (few, name)


def test_few_packages_are_asked_for_debuginfo_by_one_glob_not_by_name():
    """The installed set is small: one '*-debuginfo' glob there costs less than naming
    every base and subpackage again with -debuginfo; the available set keeps the names."""
    catalog = Catalog.load()
    exact, globs = catalog.query_names()
    few_exact, few_globs = catalog.query_names(few=True)
    assert "rocblas-devel-debuginfo" in exact and "*-debuginfo" not in globs
    assert "rocblas-devel-debuginfo" not in few_exact and few_globs == ["*-debuginfo"]
    left_to_the_glob = set(exact) - set(few_exact)
    assert all(n.endswith("-debuginfo") for n in left_to_the_glob)
    assert set(few_exact) < set(exact) and len(few_exact) < len(exact) * 0.6


def test_a_subpackage_suffix_then_debuginfo_is_as_deep_as_names_go():
    from rocm_notice.catalog.catalog import Catalog
    catalog = Catalog(["rocblas"], ["-devel", "-doc", "-static", "-debuginfo"])
    assert catalog.kind("rocblas-devel") == "rocm"
    assert catalog.kind("rocblas-devel-debuginfo") == "rocm"     # rpm's own, per subpackage
    assert catalog.kind("rocblas-devel-static") is None          # no such Fedora package
    assert catalog.base("rocblas-doc-debuginfo") == "rocblas"


def test_a_suffix_without_a_dash_is_refused_not_misread():
    with pytest.raises(ValueError, match="'devel' does not start with '-'"):
        Catalog(["rocblas"], ["devel"])


_PARTS = st.sampled_from(["rocm", "hip", "llvm", "devel", "libs", "filesystem", "blas",
                          "debuginfo", "x", ""])


@settings(max_examples=500, deadline=None)
@given(st.lists(_PARTS, min_size=1, max_size=5).map("-".join))
def test_base_agrees_with_the_naming_rule_stated_plainly(name):
    """base() splits at dashes for speed; the rule it implements, written the slow way:
    a base, or a base plus the longest suffix that leaves a base, then -debuginfo."""
    catalog = small(rocm=["rocm", "rocm-hip", "hip", "rocm-llvm", "blas-x"],
                    suffixes=["-devel", "-libs", "-filesystem", "-hip-devel", "-x"])
    stem = name[:-len("-debuginfo")] if name.endswith("-debuginfo") and name != "-debuginfo" \
        else name
    expected = stem if stem in catalog.rocm else next(
        (stem[:-len(s)] for s in sorted(catalog.suffixes, key=len, reverse=True)
         if stem.endswith(s) and stem[:-len(s)] in catalog.rocm), None)
    assert catalog.base(name) == expected


# -- source packages -------------------------------------------------------------------------

def srpm(source, evr="7.1.1-6.el10_2"):
    return "%s-%s.src.rpm" % (source, evr)


def test_a_new_subpackage_of_a_rocm_source_is_rocm(shipped):
    assert shipped.kind("rocblas-gfx1250-extras") is None
    assert shipped.kind("rocblas-gfx1250-extras", srpm("rocblas")) == ROCM
    assert shipped.kind("python3-newthing", srpm("rocm-stinkytofu")) == ROCM


def test_rocm_hip_comes_from_rocclr(shipped):
    assert shipped.kind("rocm-hip-newsub", srpm("rocclr", "7.1.1-2.el10_2")) == ROCM
    record = Package("rocm-hip-newsub", "7.1.1", "2.el10_2", source="rocclr")
    assert shipped.kind_of(record) == ROCM
    assert shipped.release_of(record) == Release(7, 1, 1)


def test_a_retired_source_still_makes_rocm(shipped):
    assert shipped.kind("hsakmt-newsub", srpm("hsakmt", "1.0.6-48.rocm6.2.0.el10")) == ROCM


def test_a_compat_source_makes_any_of_its_packages_compat(shipped):
    # rocm-runtime7.2 builds kfdtest under its plain name (bcond kfdtest).
    assert shipped.kind("kfdtest") == ROCM
    assert shipped.kind("kfdtest", srpm("rocm-runtime", "7.2.0-1.el10_3")) == ROCM
    assert shipped.kind("kfdtest", srpm("rocm-runtime7.2", "7.2.0-1.el10_4")) == COMPAT
    record = Package("kfdtest", "7.2.0", "1.el10_4", source="rocm-runtime7.2")
    assert shipped.kind_of(record) == COMPAT
    assert shipped.release_of(record) == Release(7, 2, 0)
    assert shipped.kind("rocblas7.2-newsub", srpm("rocblas7.2")) == COMPAT


def test_a_compilersupport_subpackage_reads_its_release_from_release(shipped):
    record = Package("rocm-llvm-newtool", "22", "13.rocm7.2.1.el10_3",
                     source="rocm-compilersupport")
    assert shipped.kind_of(record) == ROCM
    assert shipped.release_of(record) == Release(7, 2, 1)
    assert shipped.release_of(record._replace(release="13.el10_3")) is None   # LLVM 22 is no ROCm


def test_other_sources_change_nothing(shipped):
    assert shipped.kind("python3-torch", srpm("python-torch", "2.9.1-1.el10_2")) is None
    assert shipped.kind("zstd", srpm("zstd", "1.5.7-1.el10_2")) is None
    assert shipped.kind("rocblas", srpm("rocblas-fork")) == ROCM      # the name decides
    assert shipped.kind("python3.12-numpy", srpm("numpy3.12")) is None
    assert shipped.source_kind("rocmx") is None
    assert shipped.source_kind("rocblas7") is None


def test_exclude_wins_over_the_source():
    catalog = Catalog.load(exclude=["rocm-examples*"])
    assert catalog.kind("rocm-examples-extra", srpm("rocm-examples")) is None
    assert Catalog.load().kind("rocm-epel-notice", srpm("rocm")) is None       # not-rocm


def test_amd_names_stay_amd_whatever_their_source(shipped):
    assert shipped.kind("hip-runtime-amd", srpm("rocclr")) == AMD


def test_narrow_finds_names_seen_through_their_source():
    catalog = Catalog.load()

    class Query:
        def __init__(self):
            self.asked = []

        def filter(self, name=None, name__glob=None):
            self.asked.append(list(name or name__glob))
            return self

        def union(self, other):
            return self

    before = Query()
    catalog.narrow(before)
    assert "rocblas-newsub" not in before.asked[0]
    catalog.kind("rocblas-newsub", srpm("rocblas"))
    after = Query()
    catalog.narrow(after)
    assert "rocblas-newsub" in after.asked[0]


def test_learn_classifies_a_whole_query():
    from collections import namedtuple
    Pkg = namedtuple("Pkg", "name sourcerpm")
    catalog = Catalog.load()
    catalog.learn([Pkg("rocm-newsub", srpm("rocm-core")), Pkg("zstd", srpm("zstd")),
                   Pkg("gpg-pubkey", None)])
    assert catalog._by_source == {"rocm-newsub"}


@pytest.mark.parametrize("name", ["rocblas-gfx950", "rocblas-gfx950-devel",
                                  "rocsparse-gfx950-test-debuginfo", "hipblas-gfx1100",
                                  "miopen-gfx1103"])
def test_per_gpu_subpackages_are_rocm_by_name(shipped, name):
    assert shipped.kind(name) == ROCM


def test_a_gfx_segment_is_taken_once_and_only_after_a_base(shipped):
    assert shipped.kind("rocblas-gfx950-gfx1100") is None
    assert shipped.kind("gfx950-devel") is None
    assert shipped.kind("rocblas-gfxzzz") is None
