"""Transaction items -> findings: crossings, mixed stacks, lost sonames, consumers."""

import pytest

from rocm_notice.core import analysis
from rocm_notice.catalog.catalog import Catalog
from rocm_notice.core.records import IN, OUT, Item, Package
from rocm_notice.catalog.releases import MAJOR, MINOR, Line


@pytest.fixture(scope="module")
def catalog():
    return Catalog.load()


def pkg(name, version, release, provides=(), requires=(), obsoletes=(), arch="x86_64",
        repoid="epel"):
    return Package(name, version, release, arch=arch, repoid=repoid, provides=tuple(provides),
                   requires=tuple(requires), obsoletes=tuple(obsoletes))


def installed(package):
    return Package(package.name, package.version, package.release, arch=package.arch,
                   repoid="@System", provides=package.provides, requires=package.requires,
                   obsoletes=package.obsoletes)


def upgrade(old, new):
    return [Item(IN, new), Item(OUT, old)]


def downgrade(old, new):
    return [Item(IN, new), Item(OUT, old)]


def never_called():
    raise AssertionError("incoming_requires called although nothing crosses")


# -- the stacks ------------------------------------------------------------------------------

HIP_64 = installed(pkg("rocm-hip", "6.4.2", "3.el10_1", ["libamdhip64.so.6()(64bit)",
                                                           "rocm-hip = 6.4.2-3.el10_1"]))
BLAS_64 = installed(pkg("rocblas", "6.4.2", "9.el10_1", ["librocblas.so.4()(64bit)"]))
HIPCC_64 = installed(pkg("hipcc", "19", "17.rocm6.4.2.el10_1"))
STACK_64 = [HIP_64, BLAS_64, HIPCC_64]

HIP_71 = pkg("rocm-hip", "7.1.1", "1.el10_2", ["libamdhip64.so.7()(64bit)",
                                               "libamdhip64.so.7(hip_7.0)(64bit)"])
BLAS_71 = pkg("rocblas", "7.1.1", "6.el10_2", ["librocblas.so.5()(64bit)"])
HIPCC_71 = pkg("hipcc", "20", "12.rocm7.1.1.el10_2")
FFT_71 = pkg("rocfft", "7.1.1", "2.el10_2", ["librocfft.so.0()(64bit)"])

TORCH_OLD = installed(pkg("python3-torch", "2.8.0", "1.el10_1",
                          requires=["libamdhip64.so.6()(64bit)"]))
TORCH_NEW = pkg("python3-torch", "2.9.0", "1.el10_2", requires=["libamdhip64.so.7()(64bit)",
                                                                "libc.so.6()(64bit)"])


def major_upgrade():
    return [item for old, new in [(HIP_64, HIP_71), (BLAS_64, BLAS_71), (HIPCC_64, HIPCC_71)]
            for item in upgrade(old, new)]


# -- crossings -------------------------------------------------------------------------------

def test_major_upgrade_is_one_major_crossing(catalog):
    findings = analysis.analyse(major_upgrade(), STACK_64, catalog)
    assert findings.notable
    assert len(findings.crossings) == 1
    crossing = findings.crossings[0]
    assert crossing.kind == MAJOR
    assert (crossing.old_line, crossing.new_line) == (Line(6, 4), Line(7, 1))
    assert len(crossing.changes) == 3
    assert {c.new.name for c in crossing.changes} == {"rocm-hip", "rocblas", "hipcc"}
    assert not crossing.downgrade


def test_major_upgrade_lists_sonames_that_go_away(catalog):
    findings = analysis.analyse(major_upgrade(), STACK_64, catalog)
    assert findings.lost_sonames == ["libamdhip64.so.6", "librocblas.so.4"]


def test_major_upgrade_counts_installed_lines_and_leaves_one_line(catalog):
    findings = analysis.analyse(major_upgrade(), STACK_64, catalog)
    assert findings.installed_lines == {Line(6, 4): 3}
    assert findings.after_lines == {Line(7, 1): ["hipcc", "rocblas", "rocm-hip"]}
    assert not findings.mixed


def test_major_upgrade_reports_epel_minors_from_dist_tags(catalog):
    crossing = analysis.analyse(major_upgrade(), STACK_64, catalog).crossings[0]
    assert crossing.epel_old == [1]
    assert crossing.epel_new == [2]
    assert crossing.same_epel == []


def test_soname_still_provided_by_an_installed_compat_package_is_not_lost(catalog):
    compat = installed(pkg("rocm-hip6.4", "6.4.2", "3.el10_2", ["libamdhip64.so.6()(64bit)"]))
    findings = analysis.analyse(major_upgrade(), STACK_64 + [compat], catalog)
    assert findings.lost_sonames == ["librocblas.so.4"]


def test_unrelated_upgrade_beside_a_crossing_loses_no_soname(catalog):
    # zstd keeps providing libzstd.so.1 after its update: nothing goes away.
    zstd_old = installed(pkg("zstd", "1.5.5", "1.el10_1", ["libzstd.so.1()(64bit)"]))
    zstd_new = pkg("zstd", "1.5.7", "1.el10_2", ["libzstd.so.1()(64bit)"])
    items = major_upgrade() + upgrade(zstd_old, zstd_new)
    findings = analysis.analyse(items, STACK_64, catalog)
    assert findings.lost_sonames == ["libamdhip64.so.6", "librocblas.so.4"]


def test_minor_crossing_with_a_lagging_package_leaves_a_mixed_stack(catalog):
    hip = installed(pkg("rocm-hip", "7.1.1", "1.el10_2"))
    blas = installed(pkg("rocblas", "7.1.1", "6.el10_2"))
    fft = installed(pkg("rocfft", "7.1.1", "2.el10_2"))
    items = (upgrade(hip, pkg("rocm-hip", "7.2.0", "1.el10_3"))
             + upgrade(blas, pkg("rocblas", "7.2.0", "1.el10_3")))
    findings = analysis.analyse(items, [hip, blas, fft], catalog)
    assert [(c.kind, c.old_line, c.new_line, len(c.changes)) for c in findings.crossings] == [
        (MINOR, Line(7, 1), Line(7, 2), 2)]
    assert findings.after_lines == {Line(7, 1): ["rocfft"], Line(7, 2): ["rocblas", "rocm-hip"]}
    assert findings.mixed


def test_patch_update_is_not_a_crossing(catalog):
    old = installed(pkg("rocblas", "7.1.0", "1.el10_2", ["librocblas.so.5()(64bit)"]))
    new = pkg("rocblas", "7.1.1", "6.el10_2", ["librocblas.so.5()(64bit)"])
    findings = analysis.analyse(upgrade(old, new), [old], catalog, never_called)
    assert findings.crossings == []
    assert not findings.notable


def test_compilersupport_rebuild_within_a_line_is_not_a_crossing(catalog):
    old = installed(pkg("hipcc", "20", "5.rocm7.1.0.el10_2"))
    new = pkg("hipcc", "20", "12.rocm7.1.1.el10_2")
    findings = analysis.analyse(upgrade(old, new), [old], catalog, never_called)
    assert not findings.notable


def test_compilersupport_llvm_bump_is_read_from_the_marker(catalog):
    old = installed(pkg("hipcc", "20", "12.rocm7.1.1.el10_2"))
    new = pkg("hipcc", "22", "13.rocm7.2.1.el10_3")
    findings = analysis.analyse(upgrade(old, new), [old], catalog)
    assert [(c.kind, c.old_line, c.new_line) for c in findings.crossings] == [
        (MINOR, Line(7, 1), Line(7, 2))]


def test_unrelated_upgrade_is_not_notable(catalog):
    zstd_old = installed(pkg("zstd", "1.5.5", "1.el10_1"))
    zstd_new = pkg("zstd", "1.5.7", "1.el10_2")
    findings = analysis.analyse(upgrade(zstd_old, zstd_new), STACK_64, catalog, never_called)
    assert not findings.notable
    assert findings.crossings == []


def test_fresh_install_with_nothing_installed_is_not_notable(catalog):
    items = [Item(IN, HIP_71), Item(IN, BLAS_71)]
    findings = analysis.analyse(items, [], catalog, never_called)
    assert not findings.notable
    assert findings.after_lines == {Line(7, 1): ["rocblas", "rocm-hip"]}


def test_removal_is_not_notable(catalog):
    items = [Item(OUT, BLAS_64)]
    findings = analysis.analyse(items, STACK_64, catalog, never_called)
    assert not findings.notable
    assert findings.after_lines == {Line(6, 4): ["hipcc", "rocm-hip"]}


def test_reinstall_is_not_notable(catalog):
    items = [Item(IN, BLAS_64), Item(OUT, BLAS_64)]
    findings = analysis.analyse(items, STACK_64, catalog, never_called)
    assert not findings.notable


def test_downgrade_across_a_major_is_a_downgrade_crossing(catalog):
    hip = installed(HIP_71)
    findings = analysis.analyse(downgrade(hip, HIP_64), [hip], catalog)
    assert len(findings.crossings) == 1
    crossing = findings.crossings[0]
    assert (crossing.kind, crossing.old_line, crossing.new_line) == (MAJOR, Line(7, 1), Line(6, 4))
    assert crossing.downgrade


def test_compat_package_install_is_not_notable(catalog):
    stack = [installed(HIP_71), installed(BLAS_71)]
    items = [Item(IN, pkg("rocblas6.4", "6.4.2", "9.el10_2")),
             Item(IN, pkg("rocm-hip6.4-devel", "6.4.2", "3.el10_2"))]
    findings = analysis.analyse(items, stack, catalog, never_called)
    assert not findings.notable
    assert not findings.mixed


def test_obsoleting_package_is_paired_with_the_name_it_obsoletes(catalog):
    old = installed(pkg("hipcc-libomp-devel", "19", "17.rocm6.4.2.el10_1"))
    new = pkg("rocm-omp-devel", "7.1.1", "1.el10_2", obsoletes=["hipcc-libomp-devel < 20"])
    items = [Item(IN, new), Item(OUT, old)]
    findings = analysis.analyse(items, [old], catalog)
    assert len(findings.crossings) == 1
    change = findings.crossings[0].changes[0]
    assert (change.old.name, change.new.name) == ("hipcc-libomp-devel", "rocm-omp-devel")
    assert findings.crossings[0].kind == MAJOR


def test_upgrade_pairs_same_arch_first(catalog):
    old_i686 = installed(pkg("rocblas", "7.1.1", "6.el10_2", arch="i686"))
    old_x86 = installed(pkg("rocblas", "6.4.2", "9.el10_1"))
    new_x86 = pkg("rocblas", "7.1.1", "6.el10_2")
    items = [Item(IN, new_x86), Item(OUT, old_i686),
             Item(OUT, old_x86)]
    pairs = analysis.pair(items, catalog)
    assert pairs == [(old_x86, new_x86)]
    assert old_i686 not in [old for old, _ in pairs]      # left over: removed, not paired


def test_installing_a_newer_line_package_beside_the_stack_is_a_crossing(catalog):
    findings = analysis.analyse([Item(IN, FFT_71)], STACK_64, catalog)
    assert [(c.kind, c.old_line, c.new_line) for c in findings.crossings] == [
        (MAJOR, Line(6, 4), Line(7, 1))]
    assert findings.crossings[0].changes[0].old is None
    assert findings.mixed


def test_installing_a_lagging_older_line_package_beside_a_newer_stack_is_not_a_crossing(catalog):
    stack = [installed(pkg("rocm-hip", "7.2.0", "1.el10_3")),
             installed(pkg("rocblas", "7.2.0", "1.el10_3"))]
    items = [Item(IN, pkg("rocfft", "7.1.1", "2.el10_3"))]
    findings = analysis.analyse(items, stack, catalog, never_called)
    assert findings.crossings == []
    assert not findings.notable


def test_crossing_inside_one_epel_minor_is_flagged(catalog):
    old = installed(pkg("rocblas", "7.1.1", "6.el10_2"))
    new = pkg("rocblas", "7.2.0", "1.el10_2")
    crossing = analysis.analyse(upgrade(old, new), [old], catalog).crossings[0]
    assert [c.new.name for c in crossing.same_epel] == ["rocblas"]


def test_crossing_without_dist_tags_is_not_flagged_as_same_epel(catalog):
    old = installed(pkg("rocblas", "7.1.1", "6"))
    new = pkg("rocblas", "7.2.0", "1")
    crossing = analysis.analyse(upgrade(old, new), [old], catalog).crossings[0]
    assert crossing.same_epel == []


# -- consumers --------------------------------------------------------------------------------

def test_consumer_requiring_new_sonames_is_found(catalog):
    items = major_upgrade() + upgrade(TORCH_OLD, TORCH_NEW)
    findings = analysis.analyse(items, STACK_64, catalog, lambda: [TORCH_NEW])
    assert [p.name for p in findings.consumers] == ["python3-torch"]


def test_package_requiring_only_unchanged_sonames_is_not_a_consumer(catalog):
    other = pkg("magma", "2.9.0", "1.el10_2", requires=["libc.so.6()(64bit)"])
    findings = analysis.analyse(major_upgrade(), STACK_64, catalog, lambda: [other])
    assert findings.consumers == []


def test_consumer_callback_is_not_called_when_nothing_crosses(catalog):
    calls = []

    def incoming():
        calls.append(1)
        return [TORCH_NEW]

    old = installed(pkg("rocblas", "7.1.0", "1.el10_2"))
    analysis.analyse(upgrade(old, pkg("rocblas", "7.1.1", "6.el10_2")), [old], catalog, incoming)
    assert calls == []


# -- AMD's stack beside EPEL's ------------------------------------------------------------------

def test_amd_package_installed_beside_epel_rocm_is_foreign(catalog):
    amd = pkg("hip-runtime-amd", "6.4.43484.60402", "1.el9", repoid="rocm")
    stack = [installed(HIP_71), installed(BLAS_71)]
    findings = analysis.analyse([Item(IN, amd)], stack, catalog)
    assert findings.foreign == [amd]
    assert findings.notable


def test_amd_build_of_a_colliding_name_is_foreign(catalog):
    amd_blas = pkg("rocblas", "4.4.1.60402", "1.el9", repoid="rocm")
    stack = [installed(HIP_64), installed(BLAS_64)]
    findings = analysis.analyse(upgrade(BLAS_64, amd_blas), stack, catalog)
    assert findings.foreign == [amd_blas]


def test_amd_stack_alone_is_not_foreign(catalog):
    old = installed(pkg("hip-runtime-amd", "6.4.43484.60402", "1.el9"))
    new = pkg("hip-runtime-amd", "6.4.43484.60403", "1.el9")
    findings = analysis.analyse(upgrade(old, new), [old], catalog)
    assert findings.foreign == []


# -- unknown releases -----------------------------------------------------------------------------

def test_unreadable_new_release_is_unknown_not_a_crossing(catalog):
    old = installed(pkg("rocblas", "7.1.1", "6.el10_2"))
    new = pkg("rocblas", "git20250101.abc1234", "1.el10_2")
    findings = analysis.analyse(upgrade(old, new), [old], catalog, never_called)
    assert findings.unknown == [new]
    assert findings.crossings == []
    assert not findings.notable


def test_unreadable_old_release_is_unknown_not_a_crossing(catalog):
    old = installed(pkg("rocblas", "git20250101", "1.el10_1"))
    new = pkg("rocblas", "7.1.1", "6.el10_2")
    findings = analysis.analyse(upgrade(old, new), [old], catalog, never_called)
    assert findings.unknown == [new]
    assert findings.crossings == []


# -- soname() --------------------------------------------------------------------------------------

@pytest.mark.parametrize("dependency, expected", [
    ("libamdhip64.so.6()(64bit)", "libamdhip64.so.6"),
    ("libamdhip64.so.6(hip_4.2)(64bit)", "libamdhip64.so.6"),
    ("librocblas.so.5", "librocblas.so.5"),
    ("rocm-hip = 6.4.2-3.el10_1", None),
    ("/usr/bin/hipcc", None),
    ("rpmlib(PayloadIsZstd) <= 5.4.18-1", None),
])
def test_soname_from_dependency_strings(dependency, expected):
    assert analysis.soname(dependency) == expected


# -- source packages and builds without a release -------------------------------------------

def test_a_new_subpackage_of_a_rocm_source_crosses_with_the_stack(catalog):
    old = installed(pkg("hip-samples", "6.4.2", "3.el10_1"))._replace(source="rocclr")
    new = pkg("hip-samples", "7.1.1", "1.el10_2")._replace(source="rocclr")
    findings = analysis.analyse(major_upgrade() + upgrade(old, new), STACK_64 + [old], catalog,
                                lambda: [])
    (crossing,) = findings.crossings
    assert "hip-samples" in {c.new.name for c in crossing.changes}
    assert findings.installed_lines == {Line(6, 4): 4}


def test_a_build_without_a_release_moving_to_the_new_line_counts_with_the_stack(catalog):
    """aqlprofile's 0.0^git build (6.4 era) -> 7.1.0: it moves from the installed line."""
    old = installed(pkg("aqlprofile", "0.0^git20250526.eebb229", "3.el10_1"))
    new = pkg("aqlprofile", "7.1.0", "1.el10_2")
    findings = analysis.analyse(major_upgrade() + upgrade(old, new), STACK_64 + [old], catalog,
                                lambda: [])
    (crossing,) = findings.crossings
    assert "aqlprofile" in {c.new.name for c in crossing.changes}
    assert findings.unknown == []


def test_a_build_without_a_release_alone_is_unknown_not_a_crossing(catalog):
    old = installed(pkg("rccl-tests", "git20250101.abc1234", "1.el10_1"))
    new = pkg("rccl-tests", "git20251018.abc1234", "1.el10_2")
    findings = analysis.analyse(upgrade(old, new), STACK_64 + [old], catalog, never_called)
    assert findings.crossings == [] and findings.unknown == [new]
