"""Real PackageKit with its dnf5 backend: packagekitd --backend=dnf5 (Debian unstable's
PackageKit 1.4, built against its libdnf5), driven by ``pkcon`` as an admin or GNOME
Software drives it, with our dnf5 front end installed where its RPM puts it
(tests/harness/packagekit_dnf5.py).

PackageKit's dnf5 backend, upstream's successor of its dnf backend (Fedora, EL11), loads
libdnf5's plugins, ours among them, inside packagekitd each time it sets a libdnf5 Base
up. It resolves goals to list, preview and download updates, none of which is a
transaction: the plugin judges at pre_transaction only, as the libdnf plugin judges
PackageKit's dnf backend (tests/e2e/test_packagekit.py), and its lines are PackageKit's.
Our lines go to packagekitd's stderr (the journal on a real system), a refusal is
PackageKit's error, which pkcon prints.
"""

import pytest

from tests.e2e import stacks
from tests.e2e.test_packagekit import ALL, HOLD_LINE, PATCH_64, children, on_64, ours
from tests.harness.packagekit_dnf5 import Session
from tests.harness.system import HELPER

NOTICE = "rocm_notice: this transaction moves ROCm 6.4 \u2192 7.1 (major): 9 packages"
HOLD = HOLD_LINE.replace("'dnf rocm status'", "'rocm-epel-notice status'")
BLOCKED = ("Fatal error: rocm_notice: blocked by policy (on_major = block): this transaction "
           "would move ROCm 6.4 \u2192 7.1 (major): 9 packages; nothing was changed.")


@pytest.fixture(scope="module")
def packagekit():
    """One root with a private system bus and polkitd for the module; packagekitd is
    restarted by each case (``on_64``)."""
    with Session() as session:
        yield session


def look_and_download(pk):
    """What GNOME Software does before "Update All": list the updates, preview the
    update (pkcon without -y stops at its question) and download it in the background.
    The (get-updates, preview, download) runs."""
    listed = pk.pkcon("get-updates")
    previewed = pk.pkcon("update")
    downloaded = pk.pkcon("-y", "--only-download", "update")
    assert listed.returncode == 0 and downloaded.returncode == 0, (listed, downloaded)
    return listed, previewed, downloaded


def shows_71(run):
    """Whether pkcon's output names rocblas 7.1.1 (its preview writes name_version)."""
    return any(name in run.output for name in ("rocblas-7.1.1-1.el10_2",
                                               "rocblas_7.1.1-1.el10_2"))


def assert_no_traceback(pk, run):
    assert "Traceback" not in run.output + pk.daemon_log(), (run, pk.daemon_log())


def test_warn_says_the_notice_once_at_the_transaction_in_packagekits_words(packagekit):
    """Listing, previewing and downloading say nothing (GNOME Software does them every
    few hours); the update says the notice once, in the daemon's log, worded for
    packagekitd (before: seven notices, one per goal resolved, saying "dnf was told to
    proceed (-y)"), and goes on; the report says packagekit and that it was applied."""
    pk = packagekit
    on_64(pk, "[main]\n")
    for run in look_and_download(pk):
        assert shows_71(run), run
    assert ours(pk.daemon_log()) == [], pk.daemon_log()
    assert pk.report() is None
    run = pk.pkcon("-y", "update")
    assert run.returncode == 0, run
    assert_no_traceback(pk, run)
    log = pk.daemon_log()
    assert ours(log) == [NOTICE], log
    assert "  packagekitd applies the change now (it asks nothing after this point)." in log
    assert "  To hold ROCm on its installed line at the next crossing: run " \
        "'rocm-epel-notice lock'." in log, log
    assert "dnf was told" not in log and "answer y" not in log, log
    assert pk.installed()["rocblas"] == "7.1.1-1.el10_2"
    report = pk.report()
    assert (report["decision"], report["via"], report["program"]) == \
        ("warn", "packagekit", "packagekitd"), report
    assert report["applied"] is True, report
    assert children(pk) == [], children(pk)     # no helper left in the daemon


def test_lock_holds_the_line_in_what_packagekit_lists_and_installs(packagekit):
    pk = packagekit
    before = on_64(pk, "[main]\non_major = lock\n", repos=stacks.epel_10_2() + [PATCH_64])
    listed, _, _ = look_and_download(pk)
    assert not shows_71(listed) and "rocm-smi-6.4.3" in listed.output, listed
    run = pk.pkcon("-y", "update")
    assert run.returncode == 0, run
    after = pk.installed()
    assert after["rocm-smi"] == "6.4.3-1.el10_1"                 # the patch update
    assert after["zstd-tools"] == "1.5.7-1.el10_2"              # everything else
    assert {n: v for n, v in after.items() if n not in ("rocm-smi", "zstd-tools")} == \
        {n: v for n, v in before.items() if n not in ("rocm-smi", "zstd-tools")}
    assert set(ours(pk.daemon_log())) == {HOLD}, pk.daemon_log()    # at each set-up
    assert pk.report()["decision"] == "hold"


@pytest.mark.parametrize("first", ["[main]\n", "[main]\non_major = block\n"])
def test_a_lock_set_while_packagekitd_runs_refuses_the_crossing_then_holds(packagekit,
                                                                            first):
    """packagekitd set its package set up under warn (or block: no lock either); the
    admin sets a lock. The crossing is refused, saying why no hold was in it (before:
    "excludes cannot hold back packages given as files"); packagekitd sets up its package
    set again after the attempt, and the next "Update All" holds the line and takes the
    rest."""
    pk = packagekit
    before = on_64(pk, first)
    packagekitd = pk.daemon
    pk.write_conf("[main]\non_major = lock\n")
    refused = pk.pkcon("-y", "update")
    assert refused.returncode == 7, refused
    assert ("Fatal error: rocm_notice: policy holds ROCm at 6.4 (on_major = lock), but this "
            "transaction would still move it") in refused.output, refused
    assert "(packagekitd set up its package set before this lock was in force; the next " \
        "one it sets up, after this attempt or at a refresh, holds)" in refused.output, refused
    assert ("  To proceed anyway: approve the line or set on_major and on_minor to warn in "
            "/etc/dnf/plugins/rocm_notice.conf, then run the update again.") in refused.output
    assert "--disable-plugin" not in refused.output, refused
    assert pk.installed() == before
    run = pk.pkcon("-y", "update")
    assert run.returncode == 0, run
    after = pk.installed()
    assert after["rocblas"] == "6.4.2-1.el10_1" and after["zstd-tools"] == "1.5.7-1.el10_2"
    assert pk.daemon is packagekitd and packagekitd.poll() is None


def test_block_lets_packagekit_list_and_download_and_refuses_the_update(packagekit):
    """As with PackageKit's dnf backend: GNOME Software lists the updates and downloads
    them (before: listing failed with the refusal, so it showed no update at all); the
    update is refused with our message, naming dnf5's command, and changes nothing."""
    pk = packagekit
    before = on_64(pk, "[main]\non_major = block\n")
    for run in look_and_download(pk):
        assert shows_71(run), run
        assert "rocm_notice" not in run.output, run
    run = pk.pkcon("-y", "update")
    assert run.returncode == 7, run
    assert BLOCKED in run.output, run
    assert "To approve ROCm 7.1: run 'rocm-epel-notice allow 7.1'" in run.output, run
    assert_no_traceback(pk, run)
    assert pk.installed() == before
    assert pk.report()["blocked"] == [{"from": "6.4", "to": "7.1", "boundary": "major"}]


def test_after_a_refusal_the_same_packagekitd_updates_once_the_line_is_allowed(packagekit):
    pk = packagekit
    on_64(pk, "[main]\non_major = block\n")
    packagekitd = pk.daemon
    assert pk.pkcon("-y", "update").returncode == 7
    pk.write_dropin("80-dnf-rocm-allow.conf", "[main]\nallow = 7.1\n")
    run = pk.pkcon("-y", "update")
    assert run.returncode == 0, run
    assert pk.installed()["rocblas"] == "7.1.1-1.el10_2"
    assert pk.daemon is packagekitd and packagekitd.poll() is None
    assert ours(pk.daemon_log()) == [NOTICE], pk.daemon_log()


def test_with_no_helper_to_ask_block_refuses_and_says_how_packagekitd_goes_without(
        packagekit):
    """The plugin's own refusal when the helper cannot answer: packagekitd has no
    --disable-plugin (before: the refusal told the user to run dnf5 with it); it loads
    the plugin with each package set, so the way out is to disable it and restart."""
    from tests.harness import dnf5
    pk = packagekit
    before = on_64(pk, "[main]\non_major = block\n")
    pk.write_file(HELPER, "#!/bin/sh\nexit 3\n", 0o755)
    try:
        run = pk.pkcon("-y", "update")
    finally:
        pk.install_helper(dnf5.names_text())
    assert run.returncode == 7, run
    assert "rocm_notice: could not evaluate ROCm policy: " in run.output, run
    assert ("set enabled = 0 in /etc/dnf/libdnf5-plugins/rocm_notice.conf and restart "
            "packagekitd (systemctl restart packagekit)") in run.output, run
    assert "--disable-plugin" not in run.output, run
    assert pk.installed() == before


def test_a_lock_whose_hold_could_not_be_worked_out_is_not_called_newer_than_the_set(
        packagekit):
    """Under a lock the helper fails at set-up (no hold), then answers at the gate: the
    refusal names no late lock (the lock was there; the hold failed), which the plugin
    said when set-up's answer was missing."""
    from tests.harness import dnf5
    from tests.harness.fixtures import CHECKOUT
    pk = packagekit
    pk.reset([p for p in stacks.epel_10_1() if p.name in ALL])
    pk.use_repos(epel=stacks.epel_10_2())
    pk.write_conf("[main]\non_major = lock\n")
    real = "/usr/libexec/rocm-epel-notice/real-helper"
    pk.install(CHECKOUT / "native" / "rocm-epel-notice-helper", real, 0o755)
    pk.write_file(HELPER, '#!/bin/sh\nread -r request\ncase "$request" in\n'
                          '  *\'"hook":"conf"\'*) exit 3;;\nesac\n'
                          'printf \'%%s\\n\' "$request" | exec %s "$@"\n' % real, 0o755)
    try:
        pk.start_packagekitd()
        assert pk.pkcon("refresh", "force").returncode == 0
        before = pk.installed()
        run = pk.pkcon("-y", "update")
    finally:
        pk.install_helper(dnf5.names_text())
    assert run.returncode == 7, run
    assert "this transaction would still move it" in run.output, run
    assert "before this lock was in force" not in run.output, run
    assert pk.installed() == before
