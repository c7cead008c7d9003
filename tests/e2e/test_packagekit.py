"""Real PackageKit: packagekitd with its dnf backend (Debian 13's PackageKit 1.3.1 built
against libdnf 0.74), driven by ``pkcon`` as an admin or GNOME Software drives it, with our
libdnf plugin installed where the RPM puts it (tests/harness/packagekit.py).

Each case stops packagekitd, puts the rpmdb, the repositories and the policy files in
place, and starts packagekitd again (it sets its libdnf context up, our CONF hook, when it
starts, and reads nothing from its environment). Our lines go to packagekitd's stderr
(the journal on a real system), captured here to a file; a refusal is PackageKit's error,
which pkcon prints. The same fixture repositories, policy and messages as the dnf 4 tests.
"""

import dataclasses
import os
from pathlib import Path

import pytest

from tests.e2e import stacks
from tests.e2e.stacks import Pkg
from tests.harness.fixtures import build_repo
from tests.harness.packagekit import Session
from tests.harness.system import NAMES, RepoServer, _children

ALL = stacks.ROCM_NAMES + ["python3-torch", "zstd-tools"]
ROCM = stacks.ROCM_NAMES + ["python3-torch"]
PATCH_64 = Pkg("rocm-smi", "6.4.3", "1.el10_1", provides=(stacks.so("librocm_smi64.so.7"),))
HOLD_LINE = ("rocm_notice: ROCm held at 6.4 by policy (on_major = lock); 7.1 available, "
             "10 packages held back (patch updates of 6.4 still install); "
             "see 'dnf rocm status'")


@pytest.fixture(scope="module")
def packagekit():
    """One root with a private system bus and polkitd for the module; packagekitd is
    restarted by each case (``on_64``). Everything is killed and unmounted at the end."""
    with Session() as session:
        yield session


def on_64(pk, conf, names=ALL, repos=None):
    """ROCm 6.4 installed (EPEL 10.1's packages); EPEL 10.2 offered (repo id "epel");
    ``conf`` in force; packagekitd started afresh and its metadata refreshed."""
    pk.reset([p for p in stacks.epel_10_1() if p.name in names])
    pk.use_repos(epel=repos or stacks.epel_10_2())
    pk.write_conf(conf)
    pk.start_packagekitd()
    refresh = pk.pkcon("refresh", "force")
    assert refresh.returncode == 0, refresh
    return pk.installed()


def rocm_of(installed):
    return {n: v for n, v in installed.items() if n in ROCM}


def ours(text):
    """Our first lines (a notice's other lines are indented)."""
    return [line for line in text.splitlines() if line.startswith("rocm_notice:")]


def children(pk):
    """packagekitd's child processes now (of any of its threads; zombies too), by name."""
    daemon = _children(pk.daemon.pid)[0]
    found = []
    for task in Path("/proc/%d/task" % daemon).iterdir():
        for child in (task / "children").read_text().split():
            stat = Path("/proc/%s/stat" % child).read_text()
            found.append(stat[stat.index("(") + 1:stat.rindex(")")])
    return found


def assert_no_traceback(pk, run):
    assert "Traceback" not in run.output + pk.daemon_log(), (run, pk.daemon_log())


# -- nothing to say ---------------------------------------------------------------------

def test_without_rocm_installed_pkcon_update_is_untouched_and_silent(packagekit):
    pk = packagekit
    on_64(pk, "[main]\non_major = block\non_minor = block\n", names=["zstd-tools"])
    run = pk.pkcon("-y", "update")
    assert run.returncode == 0, run
    assert pk.installed() == {"zstd-tools": "1.5.7-1.el10_2"}
    assert ours(run.output) == [], run
    assert ours(pk.daemon_log()) == [], pk.daemon_log()
    assert pk.report() is None


# -- warn -------------------------------------------------------------------------------

def test_warn_puts_the_notice_in_the_daemon_log_and_the_update_goes_on(packagekit):
    pk = packagekit
    on_64(pk, "[main]\n")
    run = pk.pkcon("-y", "update")
    assert run.returncode == 0, run
    assert_no_traceback(pk, run)
    log = pk.daemon_log()
    assert "rocm_notice: this transaction moves ROCm 6.4 \u2192 7.1 (major): 9 packages\n" \
        in log, log
    assert "  Libraries that go away: libamdhip64.so.6, libhipblas.so.2, librocblas.so.4." \
        in log
    assert "  packagekitd applies the change now (it asks nothing after this point)." in log
    assert ours(log) == ["rocm_notice: this transaction moves ROCm 6.4 \u2192 7.1 (major): "
                         "9 packages"], log          # one notice, nothing else of ours
    assert ours(run.output) == [], run               # what GNOME Software shows: nothing
    after = pk.installed()
    assert after["rocblas"] == "7.1.1-1.el10_2"
    assert after["zstd-tools"] == "1.5.7-1.el10_2"
    report = pk.report()
    assert report["decision"] == "warn"
    # the whole report: the daemon's command line (what asked it, pkcon or GNOME
    # Software, is not visible to it), via packagekit, applied once rpm has run
    assert report["command"].startswith("/usr/libexec/packagekitd "), report["command"]
    assert (report["via"], report["program"]) == ("packagekit", "packagekitd")
    assert report["applied"] is True and report["applied_time"], report
    assert [(f["from"], f["to"]) for f in report["findings"]] == [("6.4", "7.1")]
    # the gate's helper waited for the transaction, marked the report and is gone: no
    # helper stays in the long-running daemon, nor a zombie of one
    assert children(pk) == [], children(pk)


def test_a_packagekitd_reads_the_names_file_again_once_it_changed(packagekit):
    """packagekitd runs for hours, across an upgrade of rocm-epel-notice that brings new
    names (a new ROCm package, say). The plugin reads the names file again when it
    changed. Before, it kept the first one it read: here one that knows no ROCm name, so
    the crossing after the "upgrade" went through with no helper asked and no notice."""
    pk = packagekit
    on_64(pk, "[main]\n")
    packagekitd = pk.daemon
    names = pk.path(NAMES)
    shipped = names.read_text()
    names.write_text("# an older names file that knows no ROCm package\nsource none-such\n")
    run = pk.pkcon("-y", "update", "zstd-tools")       # the plugin reads the names file
    assert run.returncode == 0 and pk.installed()["zstd-tools"] == "1.5.7-1.el10_2", run
    assert ours(pk.daemon_log()) == [], pk.daemon_log()
    names.write_text(shipped)                           # the package upgraded
    run = pk.pkcon("-y", "update")
    assert run.returncode == 0, run
    assert ours(pk.daemon_log()) == ["rocm_notice: this transaction moves ROCm 6.4 \u2192 "
                                     "7.1 (major): 9 packages"], pk.daemon_log()
    assert pk.installed()["rocblas"] == "7.1.1-1.el10_2"
    assert pk.daemon is packagekitd and packagekitd.poll() is None     # never restarted


# -- lock -------------------------------------------------------------------------------

def test_lock_holds_the_line_while_the_patch_update_and_the_rest_install(packagekit):
    pk = packagekit
    before = on_64(pk, "[main]\non_major = lock\n", repos=stacks.epel_10_2() + [PATCH_64])
    assert ours(pk.daemon_log()) == [HOLD_LINE], pk.daemon_log()   # at packagekitd's start
    offered = pk.pkcon("get-updates")
    assert offered.returncode == 0, offered
    assert "rocm-smi-6.4.3-1.el10_1" in offered.output, offered
    assert "7.1.1" not in offered.output, offered    # the held line is not offered
    run = pk.pkcon("-y", "update")
    assert run.returncode == 0, run
    assert_no_traceback(pk, run)
    after = pk.installed()
    assert rocm_of(after) == dict(rocm_of(before), **{"rocm-smi": "6.4.3-1.el10_1"})
    assert after["zstd-tools"] == "1.5.7-1.el10_2"
    assert ours(pk.daemon_log()) == [HOLD_LINE], pk.daemon_log()
    assert pk.report()["decision"] == "hold"


class MovingMirror:
    """One repository address whose content moves on (a mirror on the day EPEL 10.2
    appears): served over HTTP from a directory of the tests' own, whose one entry is a
    link swapped from one fixture repository to another. The address never changes, so
    packagekitd sees new metadata only by refreshing (a new .repo file would make it drop
    its package sets by itself)."""

    def __init__(self, directory, pkgs):
        self.link = Path(directory) / "epel"
        self.link.symlink_to(build_repo(pkgs))
        self.server = RepoServer(directory)

    def url(self):
        return "http://127.0.0.1:%d/epel/" % self.server.httpd.server_address[1]

    def move_to(self, pkgs):
        swapped = self.link.with_name("epel.new")
        swapped.symlink_to(build_repo(pkgs))
        os.replace(swapped, self.link)

    def close(self):
        self.server.close()


@pytest.fixture
def mirror(tmp_path):
    moving = MovingMirror(tmp_path, stacks.epel_10_1())
    yield moving
    moving.close()


def on_64_from(pk, mirror, conf):
    """ROCm 6.4 installed, the moving mirror's repository as "epel", ``conf`` in force,
    PackageKit's cache empty; packagekitd started afresh."""
    pk.reset([p for p in stacks.epel_10_1() if p.name in ALL])
    for old in pk.path("/etc/yum.repos.d").glob("*.repo"):
        old.unlink()
    pk.write_file("/etc/yum.repos.d/epel.repo",
                  "[epel]\nname=epel (test)\nbaseurl=%s\ngpgcheck=0\nenabled=1\n"
                  "metadata_expire=0\n" % mirror.url())
    pk.write_conf(conf)
    pk.start_packagekitd()
    return pk.installed()


def assert_held_not_refused(pk, before, run):
    assert run.returncode == 0, (run, pk.daemon_log())
    assert_no_traceback(pk, run)
    assert "repositories changed" not in run.output + pk.daemon_log(), run
    after = pk.installed()
    assert rocm_of(after) == rocm_of(before), after
    assert after["zstd-tools"] == "1.5.7-1.el10_2"
    assert HOLD_LINE in ours(pk.daemon_log()), pk.daemon_log()
    assert pk.report()["decision"] == "hold"


def test_lock_holds_in_one_packagekitd_across_the_day_the_repositories_change(packagekit,
                                                                            mirror):
    """packagekitd set up on EPEL 10.1 runs on; EPEL 10.2 appears; a refresh (GNOME
    Software's, or 'pkcon refresh') and "Update All". Before: every update was refused
    ("the repositories changed after the hold was worked out") until packagekitd was
    restarted, and 'pkcon get-updates' kept offering 7.1: the hold reached only package
    sets built after the refusal, and packagekitd kept its cached one."""
    pk = packagekit
    before = on_64_from(pk, mirror, "[main]\non_major = lock\n")
    assert pk.pkcon("refresh", "force").returncode == 0
    assert "7.1.1" not in pk.pkcon("get-updates").output      # 10.1: nothing to hold
    packagekitd = pk.daemon
    mirror.move_to(stacks.epel_10_2())
    refresh = pk.pkcon("refresh", "force")
    assert refresh.returncode == 0, refresh
    offered = pk.pkcon("get-updates")
    assert offered.returncode == 0, offered
    assert "zstd-tools-1.5.7" in offered.output, offered
    assert "7.1.1" not in offered.output, offered    # the held line is not offered
    assert_held_not_refused(pk, before, pk.pkcon("-y", "update"))
    again = pk.pkcon("-y", "update")                  # and the next one, too
    assert again.returncode in (0, 5), again          # 5: nothing to update
    assert rocm_of(pk.installed()) == rocm_of(before)
    assert pk.daemon is packagekitd and packagekitd.poll() is None    # never restarted


def test_lock_holds_when_packagekitd_starts_with_a_cold_cache(packagekit, mirror):
    """packagekitd starts with nothing cached (its set-up sees no metadata, so there is
    nothing to hold yet) and the first "Update All" downloads EPEL 10.2. Before: that
    update was refused, and so was every later one."""
    pk = packagekit
    mirror.move_to(stacks.epel_10_2())
    before = on_64_from(pk, mirror, "[main]\non_major = lock\n")
    assert ours(pk.daemon_log()) == [], pk.daemon_log()      # nothing cached: no hold yet
    assert_held_not_refused(pk, before, pk.pkcon("-y", "update"))


# -- block ------------------------------------------------------------------------------

def test_block_fails_pkcon_update_with_our_message_and_changes_nothing(packagekit):
    pk = packagekit
    before = on_64(pk, "[main]\non_major = block\n")
    run = pk.pkcon("-y", "update")
    assert run.returncode == 7, run                  # pkcon: "the transaction failed"
    assert ("Fatal error: rocm_notice: blocked by policy (on_major = block): this transaction would "
            "move ROCm 6.4 \u2192 7.1 (major): 9 packages; nothing was changed.") \
        in run.output, run
    assert "To approve ROCm 7.1: run 'dnf rocm allow 7.1'" in run.output, run
    assert_no_traceback(pk, run)
    assert pk.installed() == before                  # zstd-tools included
    assert pk.report()["blocked"] == [{"from": "6.4", "to": "7.1", "boundary": "major"}]


def test_with_no_helper_to_ask_block_refuses_and_says_packagekitd_must_restart(packagekit):
    """The plugin's own refusal, when the helper cannot answer: packagekitd cannot leave a
    plugin out for one run, and loads plugins when it sets up, so removing ours takes a
    restart too (before: only 'remove the rocm_notice plugin')."""
    from rocm_notice.frontends.native import names
    from tests.harness.system import HELPER
    pk = packagekit
    before = on_64(pk, "[main]\non_major = block\n")
    pk.write_file(HELPER, "#!/bin/sh\nexit 3\n", 0o755)
    try:
        run = pk.pkcon("-y", "update")
    finally:
        pk.install_helper(names.text())
    assert run.returncode == 7, run
    assert "rocm_notice: could not evaluate ROCm policy: " in run.output, run
    assert ("or remove the rocm_notice plugin from libdnf's plugin directory and restart "
            "packagekitd (systemctl restart packagekit).") in run.output, run
    assert pk.installed() == before


def test_a_block_written_while_packagekitd_runs_refuses_when_the_helper_cannot_answer(
        packagekit):
    """The helper fails under warn (one line: the transaction goes on); the admin then
    writes a block. The plugin kept the files' first reading, and said the failure once
    per daemon: the crossing went through under the block with no line at all. It
    reads the files afresh when no answer comes, and says so at every transaction."""
    from rocm_notice.frontends.native import names
    from tests.harness.system import HELPER
    pk = packagekit
    before = on_64(pk, "[main]\n", repos=stacks.epel_10_2() + [PATCH_64])
    pk.write_file(HELPER, "#!/bin/sh\nexit 3\n", 0o755)
    try:
        first = pk.pkcon("-y", "install", "rocblas6.4")     # the gate asks: it may be ROCm
        assert first.returncode == 0, first
        assert pk.daemon_log().count("(transaction not affected)") == 1, pk.daemon_log()
        pk.write_conf("[main]\non_major = block\non_minor = block\n")
        run = pk.pkcon("-y", "update")
    finally:
        pk.install_helper(names.text())
    assert run.returncode == 7, run
    assert "rocm_notice: could not evaluate ROCm policy: " in run.output, run
    assert rocm_of(pk.installed()) == rocm_of(before)


def test_after_a_refusal_the_same_packagekitd_updates_once_the_line_is_allowed(packagekit):
    """The refusal leaves packagekitd working: the admin allows the line ('dnf rocm allow
    7.1' writes this drop-in) and "Update All" goes through, without a restart. (A refusal
    that left libdnf's rpmdb lock taken made every later transaction fail.)"""
    pk = packagekit
    before = on_64(pk, "[main]\non_major = block\n")
    packagekitd = pk.daemon
    refused = pk.pkcon("-y", "update")
    assert refused.returncode != 0, refused
    assert pk.installed() == before
    pk.write_dropin("80-dnf-rocm-allow.conf", "[main]\nallow = 7.1\n")
    run = pk.pkcon("-y", "update")
    assert run.returncode == 0, run
    assert pk.installed()["rocblas"] == "7.1.1-1.el10_2"
    assert pk.daemon is packagekitd and packagekitd.poll() is None    # the same daemon
    assert "rocm_notice: this transaction moves ROCm 6.4 \u2192 7.1 (major)" \
        in pk.daemon_log(), pk.daemon_log()


def test_a_crossing_whose_rpm_run_failed_is_not_marked_applied_by_the_next(packagekit):
    """A %pre scriptlet fails: rpm skips that package, the transaction fails, and libdnf
    calls no TRANSACTION hook, so the report stays unapplied. The same daemon's next
    transaction, with no ROCm in it, neither marks it applied nor finds the first gate's
    helper still waiting (before: it did both)."""
    pk = packagekit
    failing = 'error("failed on purpose")'
    pk.reset([p for p in stacks.epel_10_1() if p.name in ALL])
    pk.use_repos(epel=[dataclasses.replace(p, pre_lua=failing) if p.name == "rocblas" else p
                       for p in stacks.epel_10_2()] + [Pkg("plain-tool", "1.0", "1.el10_2")])
    pk.write_conf("[main]\n")
    pk.start_packagekitd()
    assert pk.pkcon("refresh", "force").returncode == 0
    failed = pk.pkcon("-y", "update")
    assert failed.returncode != 0, failed
    assert "moves ROCm 6.4 \u2192 7.1" in pk.daemon_log(), pk.daemon_log()
    assert pk.installed()["rocblas"] == "6.4.2-1.el10_1"     # its %pre failed
    assert pk.report()["applied"] is False, pk.report()
    other = pk.pkcon("-y", "install", "plain-tool")
    assert other.returncode == 0, other
    assert pk.installed()["plain-tool"] == "1.0-1.el10_2"
    assert pk.report()["applied"] is False, pk.report()
    assert children(pk) == [], children(pk)


def test_block_refuses_pkcon_install_of_a_new_line_package(packagekit):
    pk = packagekit
    before = on_64(pk, "[main]\non_major = block\n",
                   repos=stacks.epel_10_2() + [Pkg("rocblas-benchmarks", "7.1.1", "1.el10_2",
                                                   source="rocblas")])
    run = pk.pkcon("-y", "install", "rocblas-benchmarks")
    assert run.returncode != 0, run
    assert "rocm_notice: blocked by policy (on_major = block)" in run.output, run
    assert pk.installed() == before


# -- what is not a transaction ------------------------------------------------------------

def test_simulations_and_downloads_are_not_mistaken_for_a_transaction(packagekit):
    """GNOME Software's background "download updates" and pkcon's look-only commands
    never reach PRE_TRANSACTION: no refusal, no notice, no report, nothing installed."""
    pk = packagekit
    before = on_64(pk, "[main]\non_major = block\n")
    offered = pk.pkcon("get-updates")
    assert offered.returncode == 0, offered
    assert "rocblas-7.1.1-1.el10_2" in offered.output, offered
    # pkcon without -y: PackageKit simulates the update to show it, then asks (no answer
    # here: stdin is empty, so it stops at the question)
    simulated = pk.pkcon("update")
    assert "rocblas-7.1.1-1.el10_2" in simulated.output, simulated
    # GNOME Software's background download: the backend commits a transaction *test*
    # (exit 5, "nothing useful was done": file:// repositories need no download)
    downloaded = pk.pkcon("-y", "--only-download", "update")
    assert downloaded.returncode in (0, 5), downloaded
    assert "Fatal error" not in downloaded.output, downloaded
    for run in (offered, simulated, downloaded):
        assert ours(run.output) == [], run
    assert ours(pk.daemon_log()) == [], pk.daemon_log()
    assert pk.report() is None
    assert pk.installed() == before
    real = pk.pkcon("-y", "update")                  # the same update, for real: refused
    assert real.returncode != 0, real
    assert "rocm_notice: blocked by policy (on_major = block)" in real.output, real
    assert pk.installed() == before
