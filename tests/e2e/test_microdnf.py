"""Real microdnf: microdnf 3.10.1 (EL10's) built against Debian 13's libdnf 0.74, run on
the Debian 13 root's own system as a container build runs it, with our libdnf plugin
installed where the RPM puts it (tests/harness/microdnf.py).

Each case resets the rpmdb (ROCm 6.4 from EPEL 10.1, installed by rpm) and deletes
microdnf's cache, so every run starts as a first run on a cold cache unless the case
runs ``microdnf makecache`` first; EPEL 10.2 is offered over HTTP, as a mirror offers
it. Our lines go to microdnf's stderr; the same fixture repositories, policy and messages
as the PackageKit tests (packagekitd and microdnf share the libdnf front end).
"""

import pytest

from tests.e2e import stacks
from tests.e2e.stacks import Pkg
from tests.e2e.test_packagekit import ALL, HOLD_LINE, PATCH_64, ours, rocm_of
from tests.harness.microdnf import Microdnf

NOTICE = "rocm_notice: this transaction moves ROCm 6.4 \u2192 7.1 (major): 9 packages"
BLOCKED = ("rocm_notice: blocked by policy (on_major = block): this transaction would move "
           "ROCm 6.4 \u2192 7.1 (major): 9 packages; nothing was changed.")
APPROVE = "To approve ROCm 7.1: run 'dnf rocm allow 7.1'"
ALLOW_FILE = "80-dnf-rocm-allow.conf"        # what 'dnf rocm allow 7.1' writes
REPOMD = "/repodata/repomd.xml"


@pytest.fixture(scope="module")
def microdnf():
    """One system for the module; each case resets it (``on_64``). Everything is killed
    and unmounted at the end."""
    with Microdnf() as system:
        yield system


def on_64(system, conf, names=ALL, repos=None):
    """ROCm 6.4 installed (EPEL 10.1's packages); EPEL 10.2 offered (repo id "epel", over
    HTTP); ``conf`` in force; microdnf's cache empty."""
    system.reset([p for p in stacks.epel_10_1() if p.name in names])
    system.use_repos(epel=repos or stacks.epel_10_2())
    system.write_conf(conf)
    system.downloads.clear()
    return system.installed()


def assert_clean(run):
    """No traceback, and nothing of ours on stdout (scripts parse it)."""
    assert "Traceback" not in run.output, run
    assert "rocm_notice" not in run.stdout, run


def assert_held(system, run, before):
    """The lock's outcome: ROCm kept at 6.4 but for its patch update; the rest updated."""
    assert run.returncode == 0, run
    assert_clean(run)
    assert ours(run.stderr) == [HOLD_LINE], run
    after = system.installed()
    assert rocm_of(after) == dict(rocm_of(before), **{"rocm-smi": "6.4.3-1.el10_1"}), run
    assert after["zstd-tools"] == "1.5.7-1.el10_2", run
    assert system.report()["decision"] == "hold"


# -- nothing to say ---------------------------------------------------------------------

def test_without_rocm_installed_an_upgrade_is_untouched_and_silent(microdnf):
    on_64(microdnf, "[main]\non_major = block\non_minor = block\n", names=["zstd-tools"])
    run = microdnf.microdnf("-y", "upgrade")
    assert run.returncode == 0, run
    assert "rocm_notice" not in run.output, run
    assert microdnf.installed() == {"zstd-tools": "1.5.7-1.el10_2"}
    assert microdnf.report() is None


# -- warn -------------------------------------------------------------------------------

def test_warn_prints_the_notice_on_stderr_and_the_upgrade_goes_on(microdnf):
    on_64(microdnf, "[main]\n")
    run = microdnf.microdnf("-y", "upgrade")
    assert run.returncode == 0, run
    assert_clean(run)
    assert ours(run.stderr) == [NOTICE], run            # one notice, nothing else of ours
    assert "  Libraries that go away: libamdhip64.so.6, libhipblas.so.2, librocblas.so.4." \
        in run.stderr.splitlines(), run
    # a container has microdnf and no dnf: the compat packages' line names microdnf
    assert "  To keep 6.4 beside 7.1 instead: microdnf install rocblas6.4 rocm-hip6.4" \
        in run.stderr.splitlines(), run
    after = microdnf.installed()
    assert after["rocblas"] == "7.1.1-1.el10_2"
    assert after["zstd-tools"] == "1.5.7-1.el10_2"


def test_a_warned_crossing_is_in_the_report(microdnf):
    on_64(microdnf, "[main]\n")
    run = microdnf.microdnf("-y", "upgrade")
    assert run.returncode == 0, run
    report = microdnf.report()
    assert report is not None, run
    assert report["decision"] == "warn"
    # as every front end writes it (test_libdnf.py): the command line, the front end,
    # and applied once rpm has run
    assert report["command"] == "microdnf -y upgrade", report
    assert (report["via"], report["program"]) == ("microdnf", "microdnf"), report
    assert report["applied"] is True and report["applied_time"], report
    assert [(f["from"], f["to"]) for f in report["findings"]] == [("6.4", "7.1")]


# -- lock -------------------------------------------------------------------------------

def test_lock_with_a_warm_cache_holds_the_line_while_the_patch_and_the_rest_install(microdnf):
    before = on_64(microdnf, "[main]\non_major = lock\n",
                   repos=stacks.epel_10_2() + [PATCH_64])
    cached = microdnf.microdnf("makecache")
    assert cached.returncode == 0, cached
    assert not microdnf.cache_is_cold(), cached
    microdnf.downloads.clear()
    run = microdnf.microdnf("-y", "upgrade")
    assert not [path for path in microdnf.downloads if path.endswith(REPOMD)], \
        "the metadata was downloaded again: the cache was not warm (%s)" % microdnf.downloads
    assert_held(microdnf, run, before)


def test_lock_on_a_cold_cache_holds_the_first_upgrade_as_on_a_warm_one(microdnf):
    """A container build's first ``microdnf -y upgrade``: no metadata cached yet, so the
    hold cannot be worked out when libdnf is set up (our CONF hook); it must still hold,
    not refuse."""
    before = on_64(microdnf, "[main]\non_major = lock\n",
                   repos=stacks.epel_10_2() + [PATCH_64])
    assert microdnf.cache_is_cold()
    run = microdnf.microdnf("-y", "upgrade")
    assert [path for path in microdnf.downloads if path.endswith(REPOMD)], \
        "no metadata downloaded: the cache was not cold (%s)" % microdnf.downloads
    assert_held(microdnf, run, before)


def test_lock_holds_a_line_offered_by_a_repository_enabled_on_the_command_line(microdnf):
    """``microdnf --enablerepo=epel-testing``: libdnf loads that repository after our set-up
    hook, and the plugin works the hold out again from its progress hook. There it asked
    libdnf to check the repository libdnf was downloading, and microdnf died of SIGSEGV
    (in librepo), on every such run; now it reads only the repomd.xml on disk."""
    from pathlib import Path
    from tests.harness.fixtures import build_repo
    before = on_64(microdnf, "[main]\non_major = lock\n", repos=[PATCH_64])
    testing = Path(build_repo(stacks.epel_10_2())).resolve()
    microdnf.write_file("/etc/yum.repos.d/testing.repo",
                        "[epel-testing]\nname=testing\nbaseurl=%s\ngpgcheck=0\nenabled=0\n"
                        % microdnf.server.url(testing))
    run = microdnf.microdnf("--enablerepo=epel-testing", "-y", "upgrade")
    assert run.returncode == 0, run
    assert_held(microdnf, run, before)


# -- block ------------------------------------------------------------------------------

def test_block_exits_non_zero_with_our_message_and_changes_nothing(microdnf):
    on_64(microdnf, "[main]\non_major = block\n")
    before = microdnf.rpmdb()
    run = microdnf.microdnf("-y", "upgrade")
    assert run.returncode != 0, run
    assert_clean(run)
    assert BLOCKED in run.stderr, run
    assert APPROVE in run.stderr, run
    assert microdnf.rpmdb() == before                   # zstd-tools included
    report = microdnf.report()
    assert report["decision"] == "block"
    assert report["blocked"] == [{"from": "6.4", "to": "7.1", "boundary": "major"}]


def test_block_with_the_line_allowed_lets_it_through_with_the_notice(microdnf):
    on_64(microdnf, "[main]\non_major = block\n")
    microdnf.write_dropin(ALLOW_FILE, "[main]\nallow = 7.1\n")
    run = microdnf.microdnf("-y", "upgrade")
    assert run.returncode == 0, run
    assert_clean(run)
    assert ours(run.stderr) == [NOTICE], run
    assert microdnf.installed()["rocm-hip"] == "7.1.1-1.el10_2"


def test_block_refuses_microdnf_install_of_a_new_line_package(microdnf):
    on_64(microdnf, "[main]\non_major = block\n",
          repos=stacks.epel_10_2() + [Pkg("rocblas-benchmarks", "7.1.1", "1.el10_2",
                                          source="rocblas")])
    before = microdnf.rpmdb()
    run = microdnf.microdnf("-y", "install", "rocblas-benchmarks")
    assert run.returncode != 0, run
    assert_clean(run)
    assert "rocm_notice: blocked by policy (on_major = block)" in run.stderr, run
    assert microdnf.rpmdb() == before


def test_a_refusal_says_how_to_leave_the_plugin_out_for_one_run_and_that_works(microdnf):
    """microdnf leaves a plugin out for one run (--disableplugin), which PackageKit cannot:
    its refusals say so, and doing it lets the update through. (Before: "approve the line
    or set on_major and on_minor to warn", as for PackageKit.)"""
    on_64(microdnf, "[main]\non_major = lokc\n")       # not valid: it may have meant lock
    before = microdnf.rpmdb()
    run = microdnf.microdnf("-y", "upgrade")
    assert run.returncode != 0, run
    assert_clean(run)
    assert "  To proceed anyway, for this one run: microdnf --disableplugin=rocm_notice ... " \
        "(the policy is not read then)." in run.stderr.splitlines(), run
    assert microdnf.rpmdb() == before
    run = microdnf.microdnf("--disableplugin=rocm_notice", "-y", "upgrade")
    assert run.returncode == 0, run
    assert ours(run.stderr) == [], run
    assert microdnf.installed()["rocblas"] == "7.1.1-1.el10_2"


def test_with_no_helper_to_ask_block_refuses_and_names_microdnfs_way_out(microdnf):
    """The plugin's own refusal, when the helper cannot answer, names microdnf's option
    (before: "remove the rocm_notice plugin from libdnf's plugin directory")."""
    from tests.harness.system import HELPER
    on_64(microdnf, "[main]\non_major = block\n")
    microdnf.write_file(HELPER, "#!/bin/sh\nexit 3\n", 0o755)
    try:
        run = microdnf.microdnf("-y", "upgrade")
    finally:
        from rocm_notice.frontends.native import names
        microdnf.install_helper(names.text())
    assert run.returncode != 0, run
    assert "rocm_notice: could not evaluate ROCm policy: " in run.stderr, run
    assert "or run microdnf with --disableplugin=rocm_notice for this one run." \
        in run.stderr, run


def test_lock_hides_the_held_line_from_microdnf_download_and_says_why(microdnf):
    """The hold is libdnf's excludepkgs, which `microdnf download` reads too (dnf 4's
    `dnf download` is not held): no package, and the hold line says why; without the
    plugin for that run, the file is fetched."""
    on_64(microdnf, "[main]\non_major = lock\n", repos=stacks.epel_10_2() + [PATCH_64])
    run = microdnf.microdnf("download", "rocblas-7.1.1")
    assert "Downloaded rocblas" not in run.stdout, run
    assert ours(run.stderr) == [HOLD_LINE], run
    run = microdnf.microdnf("--disableplugin=rocm_notice", "download", "rocblas-7.1.1")
    assert run.returncode == 0, run
    assert "Downloaded rocblas-7.1.1-1.el10_2.noarch" in run.stdout, run
