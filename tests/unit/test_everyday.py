"""The everyday shortcut: ``Catalog.within_line`` and ``Catalog.foreign_installed``.

The dnf plugin skips the analysis (records, the installed stack) when ``within_line``
holds for the transaction's ROCm packages, as plain values, and ``foreign_installed``
finds no candidate. That is sound only if ``analyse`` would then find the transaction
silent whatever the installed stack: checked here over every pair of moves below on
every stack below, and the hard cases one by one.
"""

import fnmatch
import itertools

import pytest

from rocm_notice.core import analysis
from rocm_notice.catalog.catalog import AMD_VERSION_GLOB, Catalog
from rocm_notice.core.records import IN, OUT, Item, Package


@pytest.fixture(scope="module")
def catalog():
    return Catalog.load()


def pkg(name, version, release, obsoletes=(), source=None, repoid="epel"):
    return Package(name, version, release, arch="x86_64", repoid=repoid,
                   provides=("%s = %s-%s" % (name, version, release),),
                   obsoletes=tuple(obsoletes), source=source)


def system(package):
    return package._replace(repoid="@System")


def upgrade(old, new):
    return [Item(IN, new), Item(OUT, old)]


def srpm(package):
    return ("%s-%s-%s.src.rpm" % (package.source, package.version, package.release)
            if package.source else None)


def within_line(items, catalog):
    """``catalog.within_line`` over what the plugin hands it: the items whose package the
    catalog knows, as plain values. The plugin declines before it when dnf marks a
    package obsoleted (a replacement by another name is the analysis's to pair): here,
    when an incoming package obsoletes an outgoing one of another name."""
    leaving = {i.package.name for i in items if i.direction == OUT}
    if any(o.split()[0] in leaving and o.split()[0] != i.package.name
           for i in items if i.direction == IN for o in i.package.obsoletes):
        return False
    return catalog.within_line(
        [(i.direction == IN, i.package.name, i.package.arch, i.package.version,
          i.package.release, srpm(i.package)) for i in items
         if catalog.kind(i.package.name, srpm(i.package)) is not None])


def candidates(installed, catalog):
    """What the plugin's two queries hand over: the installed packages with one of AMD's
    names or a version matching the glob (its source RPM as hawkey gives it)."""
    return [(p.name, p.version, srpm(p))
            for p in installed if p.name in catalog.amd
            or fnmatch.fnmatchcase(p.version, AMD_VERSION_GLOB)]


HIP_64 = system(pkg("rocm-hip", "6.4.2", "3.el10_1", source="rocclr"))
BLAS_64 = system(pkg("rocblas", "6.4.2", "9.el10_1", source="rocblas"))
HIPCC_64 = system(pkg("hipcc", "19", "17.rocm6.4.2.el10_1"))
FFT_64 = system(pkg("rocfft", "6.4.2", "2.el10_1", source="rocfft"))
STACK_64 = [HIP_64, BLAS_64, HIPCC_64, FFT_64]
STACK_71 = [system(pkg("rocm-hip", "7.1.1", "1.el10_2")), system(pkg("rocblas", "7.1.1", "6.el10_2"))]
AMD_RUNTIME = system(pkg("hip-runtime-amd", "6.4.43484.60402", "1.el9", repoid="rocm"))
AMD_BLAS = system(pkg("rocblas", "4.4.1.60402", "1.el9", repoid="rocm"))
UNREADABLE = system(pkg("rccl-tests", "git20250101.abc1234", "1.el10_1"))

STACKS = {
    "nothing": [],
    "6.4": STACK_64,
    "7.1": STACK_71,
    "6.4 + AMD runtime": STACK_64 + [AMD_RUNTIME],
    "AMD rocblas + 6.4": [HIP_64, AMD_BLAS],
    "6.4 + unreadable": STACK_64 + [UNREADABLE],
    "mixed 6.4/7.1": [HIP_64] + STACK_71[1:],
}

MOVES = {
    "patch hip": upgrade(HIP_64, pkg("rocm-hip", "6.4.3", "1.el10_1", source="rocclr")),
    "patch blas": upgrade(BLAS_64, pkg("rocblas", "6.4.3", "1.el10_1", source="rocblas")),
    "patch hipcc": upgrade(HIPCC_64, pkg("hipcc", "19", "18.rocm6.4.3.el10_1")),
    "major blas": upgrade(BLAS_64, pkg("rocblas", "7.1.1", "6.el10_2")),
    "minor hip": upgrade(HIP_64, pkg("rocm-hip", "6.5.0", "1.el10_1")),
    "downgrade hip": upgrade(HIP_64, pkg("rocm-hip", "6.3.0", "1.el10_1")),
    "new 7.1 subpackage": [Item(IN, pkg("rocm-hip-devel", "7.1.1", "1.el10_2", source="rocclr"))],
    "new 6.4 package": [Item(IN, pkg("rocsparse", "6.4.3", "1.el10_1"))],
    "new 6.3 package": [Item(IN, pkg("rocsparse", "6.3.0", "1.el10_1"))],
    "new by source 7.1": [Item(IN, pkg("hip-samples", "7.1.1", "1.el10_2", source="rocclr"))],
    "removal": [Item(OUT, FFT_64)],
    "reinstall": upgrade(FFT_64, pkg("rocfft", "6.4.2", "2.el10_1", source="rocfft")),
    "obsoleter 7.1": [Item(IN, pkg("gpu-tools", "7.1.1", "1.el10_2", obsoletes=["rocfft < 7"])),
                      Item(OUT, FFT_64)],
    "obsoleter 6.4": [Item(IN, pkg("gpu-tools", "6.4.3", "1.el10_1", obsoletes=["rocfft < 7"])),
                      Item(OUT, FFT_64)],
    "obsoleter 2.0": [Item(IN, pkg("gpu-tools", "2.0", "1.el10_1", obsoletes=["rocfft < 7"])),
                      Item(OUT, FFT_64)],
    "unreadable new": upgrade(BLAS_64, pkg("rocblas", "git20250101.abc1234", "1.el10_1")),
    "unreadable old": upgrade(system(pkg("rocblas", "git20250101", "1.el10_1")),
                              pkg("rocblas", "6.4.3", "1.el10_1")),
    "unreadable both": upgrade(UNREADABLE, pkg("rccl-tests", "git20251018.abc1234", "1.el10_1")),
    "build 0.x to 7.1": upgrade(system(pkg("aqlprofile", "0.0^git20250526.eebb229", "3.el10_1")),
                                pkg("aqlprofile", "7.1.0", "1.el10_2")),
    "compat install": [Item(IN, pkg("rocblas6.4", "6.4.2", "9.el10_2"))],
    "AMD arriving": [Item(IN, pkg("hip-runtime-amd", "6.4.43484.60403", "1.el9", repoid="rocm"))],
    "AMD build of rocblas": upgrade(BLAS_64, pkg("rocblas", "4.4.1.60403", "1.el9", repoid="rocm")),
    "AMD patch": upgrade(AMD_RUNTIME, pkg("hip-runtime-amd", "6.4.43484.60403", "1.el9")),
}


def fresh(items):
    """The same items as new, unclassified records (every run classifies its own)."""
    return [Item(i.direction, i.package._replace()) for i in items]


@pytest.mark.parametrize("stack", sorted(STACKS))
def test_within_line_and_no_foreign_candidate_means_analyse_is_silent(catalog, stack):
    """The shortcut's soundness, exhaustively over one and two moves on every stack."""
    installed = STACKS[stack]
    checked = 0
    for count in (1, 2):
        for names in itertools.combinations(sorted(MOVES), count):
            items = fresh([item for name in names for item in MOVES[name]])
            if not within_line(items, catalog):
                continue
            if catalog.foreign_installed(candidates(installed, catalog)):
                continue
            findings = analysis.analyse(fresh(items), [p._replace() for p in installed],
                                        catalog, lambda: [])
            assert findings.silent, (stack, names, findings)
            checked += 1
    # A stack with an AMD package is never answered by the shortcut: every run is analysed.
    assert (checked == 0) == ("AMD" in stack)


def test_patch_updates_are_answered_without_the_installed_stack(catalog):
    items = fresh(MOVES["patch hip"] + MOVES["patch blas"] + MOVES["patch hipcc"])
    assert within_line(items, catalog)
    assert not catalog.foreign_installed(candidates(STACK_64, catalog))


@pytest.mark.parametrize("name", ["removal", "reinstall"])
def test_a_removal_or_a_reinstall_is_within_line(catalog, name):
    assert within_line(fresh(MOVES[name]), catalog)


@pytest.mark.parametrize("name", ["obsoleter 6.4", "compat install", "new 6.3 package"])
def test_other_quiet_moves_decline_and_the_analysis_finds_them_silent(catalog, name):
    """A replacement by another name, a compat package, a package joining the stack with
    a line (judged against the installed one): not the everyday shape, so the shortcut
    declines; the analysis then says nothing either."""
    assert not within_line(fresh(MOVES[name]), catalog)
    assert analysis.analyse(fresh(MOVES[name]), STACK_64, catalog, lambda: []).silent


def test_a_patch_update_with_a_foreign_package_installed_goes_to_the_full_analysis(catalog):
    installed = STACK_64 + [AMD_RUNTIME]
    items = fresh(MOVES["patch hip"])
    assert within_line(items, catalog)         # the items alone look everyday
    assert catalog.foreign_installed(candidates(installed, catalog))
    findings = analysis.analyse(fresh(items), installed, catalog, lambda: [])
    assert [p.name for p in findings.foreign] == ["hip-runtime-amd"]


def test_amd_build_of_a_listed_name_installed_is_a_foreign_candidate(catalog):
    assert catalog.foreign_installed(candidates([HIP_64, AMD_BLAS], catalog))


def test_an_excluded_amd_name_is_not_foreign():
    catalog = Catalog.load(exclude=["hip-runtime-amd"])
    assert not catalog.foreign_installed(candidates([AMD_RUNTIME], catalog))


def test_a_non_rocm_package_with_a_four_part_version_is_not_foreign(catalog):
    assert not catalog.foreign_installed([("firefox", "1.2.3.4", "firefox-1.2.3.4-1.src.rpm")])


@pytest.mark.parametrize("name", ["new 7.1 subpackage", "new by source 7.1", "obsoleter 7.1",
                                  "new 6.4 package"])
def test_a_package_joining_the_stack_with_a_line_declines(catalog, name):
    """A 7.1 subpackage arriving beside 6.4 patch updates, an obsoleter: their answer
    depends on the installed line, so the shortcut hands over to the full analysis."""
    items = fresh(MOVES["patch hip"] + MOVES["patch blas"] + MOVES[name])
    assert not within_line(items, catalog)
    if name != "new 6.4 package":
        findings = analysis.analyse(fresh(items), STACK_64, catalog, lambda: [])
        assert [(str(c.old_line), str(c.new_line)) for c in findings.crossings] == [("6.4", "7.1")]


@pytest.mark.parametrize("name", ["major blas", "minor hip", "downgrade hip", "unreadable new",
                                  "unreadable old", "unreadable both", "build 0.x to 7.1", "AMD arriving",
                                  "AMD build of rocblas", "obsoleter 2.0"])
def test_moves_with_something_to_say_or_judged_by_the_stack_decline(catalog, name):
    assert not within_line(fresh(MOVES["patch hip"] + MOVES[name]), catalog)


def test_an_arch_change_or_two_builds_of_one_name_decline(catalog):
    """Pairs are exact (name, arch), one on each side; anything else is the analysis's
    (which pairs across arches and picks among several builds)."""
    new = pkg("rocm-hip", "6.4.3", "1.el10_1", source="rocclr")
    noarch = Package("rocm-hip", "6.4.3", "1.el10_1", arch="noarch", source="rocclr")
    assert not within_line([Item(IN, noarch), Item(OUT, HIP_64._replace())], catalog)
    assert not within_line([Item(IN, new), Item(IN, new._replace(release="2.el10_1")),
                            Item(OUT, HIP_64._replace())], catalog)
    assert within_line([Item(IN, new), Item(OUT, HIP_64._replace())], catalog)
