"""hold.plan on a real hawkey sack: dnf 4's own, over an rpmdb and a repository built here.

The installed system is a real rpmdb in a temporary root (``rpm --root --justdb``: the
packages' headers, no files, never the host's database); what the repositories offer is a
real repository (``createrepo_c``), loaded by ``dnf.Base.fill_sack`` as dnf loads it. So
``plan`` meets hawkey's Query and Package exactly as the dnf glue hands them in.
"""

import subprocess

import pytest

from rocm_notice.settings import config
from rocm_notice.core import hold
from rocm_notice.catalog.catalog import Catalog
from rocm_notice.catalog.releases import Line
from tests.e2e.stacks import ROCM_NAMES, epel_10_1, epel_10_2
from tests.harness.fixtures import Pkg, build_repo, build_rpm

LOCK_MAJOR = config.Settings(on_major="lock")
LOCK_BOTH = config.Settings(on_major="lock", on_minor="lock")
WARN = config.Settings()


def _dnf():
    try:
        import dnf as module
    except ImportError:
        pytest.fail("test_hold needs dnf's Python bindings (python3-dnf); run the tests "
                    "with /usr/bin/python3 ('make check' installs them)")
    return module


def sack_of(tmp_path, installed, available):
    """dnf's sack over ``installed`` (an rpmdb in a root under tmp_path) and one repository
    of ``available``."""
    dnf_module = _dnf()
    root = tmp_path / "root"
    root.mkdir()
    rpms = [str(build_rpm(pkg)) for pkg in installed]
    done = subprocess.run(["rpm", "--root", str(root), "-i", "--justdb", "--nodeps",
                           "--noscripts", "--notriggers"] + rpms, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert done.returncode == 0, done.stdout
    base = dnf_module.Base()
    base.conf.installroot = str(root)
    base.conf.cachedir = str(tmp_path / "cache")
    base.conf.releasever = "10"
    base.conf.gpgcheck = False
    base.conf.best = True
    base.repos.add_new_repo("epel", base.conf, baseurl=["file://%s" % build_repo(available)])
    base.fill_sack(load_system_repo=True)
    return base


@pytest.fixture(scope="module")
def catalog():
    return Catalog.load()


def names(nevras):
    return sorted({nevra.rsplit("-", 2)[0] for nevra in nevras})


def test_a_lock_holds_the_new_line_and_lets_the_installed_lines_patch_through(tmp_path,
                                                                              catalog):
    base = sack_of(tmp_path, epel_10_1("6.4.2"), epel_10_1("6.4.3") + epel_10_2("7.1.1"))
    held, excluded = hold.plan(base.sack, catalog, LOCK_MAJOR)

    assert (held.line, held.targets, held.keys) == (Line(6, 4), [Line(7, 1)], ["on_major"])
    assert names(held.rocm) == sorted(ROCM_NAMES)
    assert all("6.4.3" not in nevra for nevra in held.rocm)
    assert names(held.dependents) == ["python3-torch"]     # needs 7.1's libamdhip64.so.7
    assert held.unreadable == []
    assert sorted(str(p) for p in excluded) == sorted(held.rocm + held.dependents)

    # What dnf then does with the exclude: the 6.4 patch installs, nothing of 7.1 does.
    base.sack.add_excludes(excluded)
    base.upgrade_all()
    base.resolve()
    incoming = {pkg.name: pkg.version for pkg in base.transaction.install_set}
    assert incoming["rocblas"] == "6.4.3" and incoming["rocm-hip"] == "6.4.3"
    assert "7.1.1" not in incoming.values() and "20" not in incoming.values()


def test_without_a_lock_nothing_is_held(tmp_path, catalog):
    base = sack_of(tmp_path, epel_10_1("6.4.2"), epel_10_2("7.1.1"))
    assert hold.plan(base.sack, catalog, WARN) == (None, None)


def test_without_rocm_installed_nothing_is_held(tmp_path, catalog):
    base = sack_of(tmp_path, [Pkg("zstd-tools", "1.5.6")], epel_10_2("7.1.1"))
    assert hold.plan(base.sack, catalog, LOCK_BOTH) == (None, None)


@pytest.mark.parametrize("version, held_back", [("7.1.1", True), ("6.4.3", False)])
def test_a_package_that_obsoletes_a_rocm_one_is_held_unless_it_stays_on_the_line(
        tmp_path, catalog, version, held_back):
    """gpu-smi-tools is in no list; it replaces rocm-smi, so its Version is read as ROCm's."""
    renamed = Pkg("gpu-smi-tools", version, "1.el10_2", obsoletes=("rocm-smi < 8",))
    base = sack_of(tmp_path, epel_10_1("6.4.2"), [renamed])
    held, excluded = hold.plan(base.sack, catalog, LOCK_MAJOR)
    if not held_back:
        assert (held, excluded) == (None, None)
        return
    assert held.rocm == [renamed.nevra]
    assert held.targets == [Line(7, 1)]
    assert [str(p) for p in excluded] == [renamed.nevra]


def test_a_new_subpackage_of_a_rocm_source_is_held_like_the_rest(tmp_path, catalog):
    """rocblas-tuner is listed nowhere; it is built from rocblas, one of the SIG's sources."""
    old = Pkg("rocblas-tuner", "6.4.2", "1.el10_1", source="rocblas")
    new = Pkg("rocblas-tuner", "7.1.1", "1.el10_2", source="rocblas")
    base = sack_of(tmp_path, epel_10_1("6.4.2") + [old], [new])
    held, excluded = hold.plan(base.sack, catalog, LOCK_MAJOR)
    assert held.rocm == [new.nevra]
    assert (held.line, held.targets) == (Line(6, 4), [Line(7, 1)])
    assert [str(p) for p in excluded] == [new.nevra]


def test_a_version_with_no_readable_release_line_is_held_under_a_lock(tmp_path, catalog):
    odd = Pkg("rocblas", "git20250101", "1.el10_2")
    base = sack_of(tmp_path, epel_10_1("6.4.2"), [odd])
    held, excluded = hold.plan(base.sack, catalog, LOCK_BOTH)
    assert held.rocm == [odd.nevra] and held.unreadable == [odd.nevra]
    assert held.targets == [] and held.keys == ["on_major", "on_minor"]
    assert [str(p) for p in excluded] == [odd.nevra]
    assert hold.plan(base.sack, catalog, WARN) == (None, None)


def test_the_plan_changes_nothing_in_the_sack(tmp_path, catalog):
    base = sack_of(tmp_path, epel_10_1("6.4.2"), epel_10_2("7.1.1"))
    before = len(base.sack.query().available())
    held, _ = hold.plan(base.sack, catalog, LOCK_MAJOR)
    assert held is not None
    assert len(base.sack.query().available()) == before


def test_an_installed_debuginfo_of_a_subpackage_alone_is_a_rocm_line_to_hold(tmp_path,
                                                                          catalog):
    """The installed set is asked for debuginfo by one glob (catalog.narrow, few=True),
    not by name: a subpackage's debuginfo installed on its own still counts."""
    debuginfo = [Pkg("rocblas-devel-debuginfo", "6.4.2", "1.el10_1", source="rocblas")]
    base = sack_of(tmp_path, debuginfo, epel_10_2("7.1.1")
                   + [Pkg("rocblas-devel-debuginfo", "7.1.1", "1.el10_2", source="rocblas")])
    held, _ = hold.plan(base.sack, catalog, LOCK_MAJOR)

    assert held is not None and held.line == Line(6, 4)
    assert "rocblas-devel-debuginfo" in names(held.rocm)
