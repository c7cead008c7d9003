"""dnf5 through our libdnf5 plugin: real dnf5 5.4 (Debian unstable's, in a cached root).

The plugin (``dnf5-plugin/rocm_notice.cpp``, built against the root's libdnf5) runs the
helper at repos_loaded (the lock's hold) and goal_resolved (the notice, or a refusal);
the same fixture repos, the same policy files (inside the installroot) and the same
messages as the dnf 4 and libdnf tests. The last section runs dnf5 without --installroot, on the
root's own system (``Dnf5System``), with standard error closed or full.
"""

import json

import pytest

from tests.e2e import stacks
from tests.e2e.stacks import Pkg
from tests.harness.dnf5 import DNF5_LOG, Dnf5Sandbox, Dnf5System
from tests.harness.fixtures import build_repo, core_with_planted_bug

ALL = stacks.ROCM_NAMES + ["python3-torch", "zstd-tools"]
ROCM = stacks.ROCM_NAMES + ["python3-torch"]
PATCH_64 = Pkg("rocm-smi", "6.4.3", "1.el10_1", provides=(stacks.so("librocm_smi64.so.7"),))
HOLD_LINE = ("rocm_notice: ROCm held at 6.4 by policy (on_major = lock); 7.1 available, "
             "10 packages held back (patch updates of 6.4 still install); "
             "see 'rocm-epel-notice status'")        # dnf 4's 'dnf rocm', for dnf5
# What the refusal says when the helper could not answer (native/helper_client.hpp).
FAIL_CLOSED = ("rocm_notice: could not evaluate ROCm policy: %s; the transaction is blocked "
               "because policy says lock or block. To proceed anyway: set on_major and "
               "on_minor to warn in %s, or run dnf5 with --disable-plugin=rocm_notice for "
               "this one run.")
CANNOT_LOAD = "rocm_notice: cannot load the rocm_notice package: No module named 'rocm_notice'"


def refused(run):
    """dnf5 stopped at the gate: exit 1, and never showed the transaction's table."""
    return run.returncode == 1 and "Transaction Summary" not in run.stdout


@pytest.fixture
def dnf5(tmp_path):
    return Dnf5Sandbox(tmp_path / "dnf5")


def on_64(sandbox, conf, names=ALL, repos=None):
    """ROCm 6.4 installed by dnf5 from EPEL 10.1; EPEL 10.2 offered; ``conf`` in force."""
    sandbox.use_repos(epel=stacks.epel_10_1())
    sandbox.install(*names)
    sandbox.use_repos(epel=repos or stacks.epel_10_2())
    sandbox.write_conf(conf)
    return sandbox.installed()


def ours(run):
    return [l for l in run.stderr.splitlines() if "rocm_notice" in l]


def report(sandbox):
    path = sandbox.root / "var" / "lib" / "rocm-epel-notice" / "last.json"
    return json.loads(path.read_text()) if path.exists() else None


def assert_clean(run):
    assert "Traceback" not in run.stdout + run.stderr, run
    assert "rocm_notice" not in run.stdout, run       # messages go to stderr only


def test_without_rocm_installed_an_upgrade_is_silent_even_under_block(dnf5):
    on_64(dnf5, "[main]\non_major = block\non_minor = block\n", names=["zstd-tools"])
    run = dnf5.dnf5("-y", "upgrade")
    assert run.returncode == 0, run
    assert ours(run) == [], run
    assert_clean(run)
    assert dnf5.installed()["zstd-tools"] == "1.5.7-1.el10_2"


def test_warn_shows_the_notice_on_stderr_before_the_prompt(dnf5):
    before = on_64(dnf5, "[main]\n")
    asked = dnf5.dnf5("upgrade", stdin="n\n", merge=True)
    notice = asked.stdout.index("rocm_notice: this transaction moves ROCm 6.4 \u2192 7.1 "
                                "(major): 9 packages\n")
    assert notice < asked.stdout.index("Is this ok [y/N]"), asked
    assert "  To continue: answer y." in asked.stdout
    assert "  Also moving to ROCm 7.1: python3-torch." in asked.stdout
    assert dnf5.installed() == before                     # answered N
    assert report(dnf5)["applied"] is False               # nothing ran
    run = dnf5.dnf5("-y", "upgrade")
    assert run.returncode == 0, run
    assert_clean(run)
    assert run.stderr.count("rocm_notice:") == 1, run
    assert "  dnf was told to proceed (-y): the change is applied now." in run.stderr
    assert dnf5.installed()["rocblas"] == "7.1.1-1.el10_2"
    assert report(dnf5)["decision"] == "warn"
    # the whole report, as every front end writes it (before: "command" was just
    # "dnf5", and via, program, applied and applied_time were missing)
    written = report(dnf5)
    assert written["command"].startswith("dnf5 --installroot=") and \
        written["command"].endswith(" -y upgrade"), written["command"]
    assert (written["via"], written["program"]) == ("dnf5", "dnf5")
    assert written["applied"] is True and written["applied_time"], written


@pytest.mark.parametrize("conf, every", [("[main]\n", False),
                                         ("[main]\ninclude = site-rocm-*\n", True)])
def test_the_gate_runs_one_helper_with_the_installed_packages_that_may_be_rocms(dnf5, conf,
                                                                                 every):
    """A warned crossing runs one helper, at the gate (none at repos_loaded on a warn
    system), with the installed packages the names file knows, not the whole rpmdb, unless
    the admin names more (include); it waits, and marks the report applied once rpm has
    run (before: a second helper). None at all for a transaction without ROCm."""
    log = dnf5.path / "requests.log"
    starts = dnf5.path / "starts.log"
    wrapper = dnf5.path / "helper"
    wrapper.write_text("#!/bin/sh\necho started >> '%s'\ntee -a '%s' | exec '%s' \"$@\"\n"
                       % (starts, log, dnf5.helper))
    wrapper.chmod(0o755)
    on_64(dnf5, conf)
    dnf5.helper = str(wrapper)
    run = dnf5.dnf5("-y", "upgrade")
    assert run.returncode == 0, run
    assert "moves ROCm 6.4 \u2192 7.1 (major)" in run.stderr, run
    from tests.e2e.test_libdnf import requests
    sent = requests(log)
    assert [r["hook"] for r in sent] == ["pre_transaction", "transaction"], sent
    assert len(starts.read_text().splitlines()) == 1, starts.read_text()
    assert report(dnf5)["applied"] is True
    names = {p["name"] for p in sent[0]["installed"]}
    assert set(stacks.ROCM_NAMES) <= names, names
    assert ("zstd-tools" in names) is every, names
    from tests.e2e.test_libdnf import assert_slim
    assert_slim(sent[0]["items"], every)
    assert "  Also moving to ROCm 7.1: python3-torch." in run.stderr, run
    log.unlink()
    dnf5.use_repos(epel=stacks.epel_10_2() + [Pkg("zstd-tools", "1.5.8", "1.el10_2")])
    run = dnf5.dnf5("-y", "upgrade")
    assert run.returncode == 0 and dnf5.installed()["zstd-tools"] == "1.5.8-1.el10_2", run
    assert not log.exists() or every, log.read_text()   # include: every transaction asks


def test_lock_holds_the_line_while_its_patch_update_installs(dnf5):
    before = on_64(dnf5, "[main]\non_major = lock\n", repos=stacks.epel_10_2() + [PATCH_64])
    run = dnf5.dnf5("-y", "upgrade")
    assert run.returncode == 0, run
    assert_clean(run)
    assert ours(run) == [HOLD_LINE], run
    after = dnf5.installed()
    expected = {n: v for n, v in before.items() if n in ROCM}
    expected["rocm-smi"] = "6.4.3-1.el10_1"               # the patch of the held line
    assert {n: v for n, v in after.items() if n in ROCM} == expected
    assert after["zstd-tools"] == "1.5.7-1.el10_2"        # the rest of the update
    assert report(dnf5)["decision"] == "hold"


def test_lock_holds_a_line_offered_by_a_repository_enabled_on_the_command_line(dnf5):
    """The hold is worked out on the repositories dnf5 has enabled now: one disabled in
    its file and enabled with --enablerepo (epel-testing, say) is held like any other,
    and the rest of the update goes on. (Before, the hold's sack read only the files:
    it held nothing there, and the gate refused the whole upgrade.)"""
    on_64(dnf5, "[main]\non_major = lock\n", repos=stacks.epel_10_1() + [PATCH_64])
    testing = build_repo(stacks.epel_10_2())
    (dnf5.reposdir / "testing.repo").write_text(
        "[testing]\nname=testing (test)\nbaseurl=file://%s\ngpgcheck=0\nenabled=0\n"
        % testing)
    run = dnf5.dnf5("-y", "--enablerepo=testing", "upgrade")
    assert run.returncode == 0, run
    assert_clean(run)
    after = dnf5.installed()
    assert after["rocm-smi"] == "6.4.3-1.el10_1", after      # the patch update
    assert after["rocblas"] == "6.4.2-1.el10_1", after       # 7.1 held
    assert "rocm_notice: ROCm held at 6.4 by policy (on_major = lock)" in run.stderr, run


def test_lock_holds_a_line_offered_by_a_repository_given_on_the_command_line(dnf5):
    """A repository that exists only on dnf5's command line (--repofrompath) is in the
    hold's sack too: its new line is held and the patch update installs. (Before: its
    packages were not held, and the gate refused the whole upgrade.)"""
    on_64(dnf5, "[main]\non_major = lock\n", repos=stacks.epel_10_1() + [PATCH_64])
    newer = build_repo(stacks.epel_10_2())
    run = dnf5.dnf5("-y", "--repofrompath=newer,%s" % newer, "upgrade")
    assert run.returncode == 0, run
    assert_clean(run)
    after = dnf5.installed()
    assert after["rocm-smi"] == "6.4.3-1.el10_1", after      # the patch update
    assert after["rocblas"] == "6.4.2-1.el10_1", after       # 7.1 held
    assert after["zstd-tools"] == "1.5.7-1.el10_2", after    # the rest of the update
    assert "rocm_notice: ROCm held at 6.4 by policy (on_major = lock)" in run.stderr, run


def test_a_repository_from_the_command_line_that_cannot_be_read_does_not_undo_the_hold(dnf5):
    """A repository no file defines that dnf5 skips (skip_if_unavailable: here one with no
    metadata; the local plugin's is one too) is skipped in the hold's sack as well: the
    rest is held (before: the hold's sack failed to load, nothing was held, and the gate
    refused the whole upgrade)."""
    on_64(dnf5, "[main]\non_major = lock\n", repos=stacks.epel_10_2() + [PATCH_64])
    empty = dnf5.path / "empty-repo"
    empty.mkdir()
    run = dnf5.dnf5("-y", "--repofrompath=empty,%s" % empty,
                    "--setopt=empty.skip_if_unavailable=1", "upgrade")
    assert run.returncode == 0, run
    assert_clean(run)
    assert HOLD_LINE in ours(run), run
    after = dnf5.installed()
    assert after["rocblas"] == "6.4.2-1.el10_1", after       # 7.1 held
    assert after["rocm-smi"] == "6.4.3-1.el10_1", after      # the patch update


def test_lock_refuses_a_crossing_when_excludes_are_disabled(dnf5):
    """goal_resolved refuses what the hold could not keep out (here: excludes switched
    off on the command line)."""
    before = on_64(dnf5, "[main]\non_major = lock\n")
    run = dnf5.dnf5("-y", "--setopt=disable_excludes=*", "upgrade")
    assert run.returncode == 1, run
    assert_clean(run)
    # the same refusal text as dnf 4's (one engine): before, dnf5 and libdnf had their own
    assert "rocm_notice: policy holds ROCm at 6.4 (on_major = lock), but this " \
        "transaction would still move it: 6.4 \u2192 7.1 (major)" in run.stderr, run
    assert "  To take ROCm 7.1: run 'rocm-epel-notice allow 7.1', then run dnf again." \
        in run.stderr.splitlines(), run
    # why (before: libdnf's story, "the repositories changed after the hold was worked out")
    assert ("  Excludes cannot hold back packages given as files on the command line, nor "
            "any the hold could not exclude (excludes are disabled for this run: "
            "disable_excludes).") in run.stderr.splitlines(), run
    assert dnf5.installed() == before


def test_block_exits_non_zero_with_our_message_and_changes_nothing(dnf5):
    before = on_64(dnf5, "[main]\non_major = block\n")
    run = dnf5.dnf5("-y", "upgrade")
    assert run.returncode == 1, run
    assert_clean(run)
    first = ("rocm_notice: blocked by policy (on_major = block): this transaction would "
             "move ROCm 6.4 \u2192 7.1 (major): 9 packages; nothing was changed.")
    # once: the refusal is dnf5's error (before, the actions program printed it and
    # dnf5 said it again after "Action calls for stop:")
    assert run.stderr.splitlines().count(first) == 1, run
    assert refused(run)
    assert "  To approve ROCm 7.1: run 'rocm-epel-notice allow 7.1'" in run.stderr
    assert dnf5.installed() == before
    assert report(dnf5)["decision"] == "block"


def test_block_with_the_line_allowed_lets_it_through_with_the_notice(dnf5):
    on_64(dnf5, "[main]\non_major = block\n")
    dnf5.write_dropin("allow.conf", "[main]\nallow = 7.1\n")
    run = dnf5.dnf5("-y", "upgrade")
    assert run.returncode == 0, run
    assert_clean(run)
    assert ("rocm_notice: this transaction moves ROCm 6.4 \u2192 7.1 (major): 9 packages"
            in ours(run)), run
    assert dnf5.installed()["rocm-hip"] == "7.1.1-1.el10_2"


@pytest.mark.parametrize("policy", ["warn", "lock", "block"])
def test_downloading_a_new_line_with_its_dependencies_is_neither_held_nor_refused(dnf5,
                                                                                policy):
    """`dnf5 download --resolve` changes nothing on the system, as `dnf download` on dnf
    4, where no hook of ours runs: the new line's packages are fetched under every policy,
    with no line of ours and no report. (Before: dnf5 resolves one goal a package there;
    block refused the download, lock held the package back, warn said the notice once a
    package.)"""
    before = on_64(dnf5, "[main]\non_major = %s\n" % policy)
    fetched = dnf5.path / "fetched"
    fetched.mkdir()
    run = dnf5.dnf5("download", "--resolve", "--destdir=%s" % fetched, "rocblas", "hipblas")
    assert run.returncode == 0, run
    assert_clean(run)
    assert ours(run) == [], run
    names = sorted(path.name for path in fetched.glob("*.rpm"))
    assert "rocblas-7.1.1-1.el10_2.noarch.rpm" in names, names
    assert "hipblas-7.1.1-1.el10_2.noarch.rpm" in names, names
    assert dnf5.installed() == before
    assert report(dnf5) is None


@pytest.mark.parametrize("policy, says", [
    ("warn", "this transaction moves ROCm 6.4 \u2192 7.1 (major): 9 packages"),
    ("lock", "but this transaction would still move it: 6.4 \u2192 7.1 (major)"),
    ("block", "this transaction would move ROCm 6.4 \u2192 7.1 (major): 9 packages")])
def test_a_transaction_run_with_destdir_set_is_judged_before_rpm_runs(dnf5, policy, says):
    """A command run while dnf5's destdir is set on its command line and downloadonly is
    not looks like a download's: no hold, no judgement when its goal is resolved. Should
    its transaction run all the same (here `distro-sync` with destdir set by --setopt;
    `dnf5 manifest install` sets it too), the plugin judges it just before rpm runs,
    after the prompt was answered, and says so: block refuses it, and so does lock, saying
    why nothing was held, with nothing changed; warn says the notice (the change applied
    now: no "answer y" after the answer) and the report says applied."""
    before = on_64(dnf5, "[main]\non_major = %s\n" % policy)
    destdir = dnf5.path / "destdir"
    destdir.mkdir()
    run = dnf5.dnf5("--setopt=destdir=%s" % destdir, "distro-sync", stdin="y\n")
    assert_clean(run)
    assert [line for line in ours(run) if says in line], run
    if policy != "warn":
        assert run.returncode == 1, run
        assert dnf5.installed() == before
        assert report(dnf5)["decision"] == "block"      # a refusal, under lock too
    else:
        assert run.returncode == 0, run
        assert "  dnf5 applies the change now (it asks nothing after this point)." \
            in run.stderr.splitlines(), run
        assert "answer y" not in run.stderr and "answer N" not in run.stderr, run
        assert dnf5.installed()["rocblas"] == "7.1.1-1.el10_2"
        assert report(dnf5)["applied"] is True
    if policy == "lock":
        assert ("  Excludes cannot hold back packages given as files on the command line, "
                "nor any the hold could not exclude (%s)." % UNHELD_DESTDIR) \
            in run.stderr.splitlines(), run
    if policy == "block":       # 'run lock instead' would not hold this run either
        assert "  (A lock would hold nothing in this run: %s.)" % UNHELD_DESTDIR \
            in run.stderr.splitlines(), run


UNHELD_DESTDIR = ("no hold is worked out where the command or its command line sets dnf5's "
                  "destdir option: that marks a command that only downloads")


def test_a_run_that_held_nothing_does_not_mark_an_earlier_hold_applied(dnf5):
    """A hold's report waits for a transaction that the hold kept on its line. A run in
    which no hold applies (destdir on the command line) is not one: the report stays
    unapplied (before: it was marked applied)."""
    on_64(dnf5, "[main]\non_major = lock\n", repos=stacks.epel_10_2() + [PATCH_64])
    asked = dnf5.dnf5("upgrade", stdin="n\n")          # held, then answered N
    assert (report(dnf5)["decision"], report(dnf5)["applied"]) == ("hold", False), asked
    destdir = dnf5.path / "destdir"
    destdir.mkdir()
    run = dnf5.dnf5("-y", "--setopt=destdir=%s" % destdir, "install", "zstd-tools")
    assert run.returncode == 0, run
    assert dnf5.installed()["zstd-tools"] == "1.5.7-1.el10_2", run
    assert report(dnf5)["applied"] is False, report(dnf5)


def test_a_lock_refusal_names_every_reason_no_hold_applies(dnf5):
    """destdir on the command line and excludes disabled: both named, so that dropping
    one does not meet the other."""
    before = on_64(dnf5, "[main]\non_major = lock\n")
    destdir = dnf5.path / "destdir"
    destdir.mkdir()
    run = dnf5.dnf5("-y", "--setopt=destdir=%s" % destdir, "--setopt=disable_excludes=*",
                    "distro-sync")
    assert run.returncode == 1, run
    assert ("  Excludes cannot hold back packages given as files on the command line, nor any "
            "the hold could not exclude (%s; excludes are disabled for this run: "
            "disable_excludes)." % UNHELD_DESTDIR) in run.stderr.splitlines(), run
    assert dnf5.installed() == before


def test_lock_holds_where_dnf_conf_sets_destdir(dnf5):
    """A destdir in dnf.conf (or set by dnf5-automatic, or Ansible through the API) is no
    sign of a command that only downloads: the lock holds as ever, before the prompt."""
    on_64(dnf5, "[main]\non_major = lock\n", repos=stacks.epel_10_2() + [PATCH_64])
    destdir = dnf5.path / "destdir"
    destdir.mkdir()
    with open(dnf5.path / "dnf.conf", "a") as conf:
        conf.write("destdir=%s\n" % destdir)
    run = dnf5.dnf5("-y", "distro-sync")
    assert run.returncode == 0, run
    assert_clean(run)
    assert ours(run) == [HOLD_LINE], run
    after = dnf5.installed()
    assert after["rocblas"] == "6.4.2-1.el10_1", after       # 7.1 held
    assert after["rocm-smi"] == "6.4.3-1.el10_1", after      # the patch update


# Through libdnf5's Python API, as a program (Ansible's dnf5 module) drives it: a Base
# on the sandbox (``configure``: more settings, before set-up), then ``body``.
API_BASE = """
import sys, libdnf5
config_file, installroot, reposdir = sys.argv[1:4]
base = libdnf5.base.Base()
conf = base.get_config()
conf.get_config_file_path_option().set(config_file)
conf.get_installroot_option().set(installroot)
base.load_config()
conf.get_reposdir_option().set(libdnf5.common.VectorString([reposdir]))
conf.get_assumeyes_option().set(True)
%s
base.get_vars().set("releasever", "10")
base.setup()
base.get_repo_sack().create_repos_from_system_configuration()
base.get_repo_sack().load_repos()
%s
"""


def through_the_api(dnf5, body, configure=""):
    """Run a libdnf5 program (``API_BASE``) in the sandbox's root, as dnf5 runs there."""
    script = dnf5.path / "api.py"
    script.write_text(API_BASE % (configure, body))
    return dnf5.run(["/usr/bin/python3", str(script), str(dnf5.path / "dnf.conf"),
                     str(dnf5.root), str(dnf5.reposdir)])


def test_a_transaction_refused_before_rpm_runs_is_refused_again_when_run_again(dnf5):
    """The gate before rpm remembers only what it let through: a transaction whose
    command looks as if it only fetches (destdir at the command line's priority), refused
    just before rpm runs, is judged (and refused) again when the caller runs it again.
    (Before: the second run went through.)"""
    before = on_64(dnf5, "[main]\non_major = block\n")
    destdir = dnf5.path / "destdir"
    destdir.mkdir()
    run = through_the_api(dnf5, """
goal = libdnf5.base.Goal(base)
goal.add_rpm_upgrade()
crossing = goal.resolve()
crossing.download()
for attempt in (1, 2):
    try:
        print("attempt", attempt, "result", crossing.run())
    except Exception as error:
        print("attempt", attempt, "refused")
""", configure="conf.get_destdir_option().set(libdnf5.conf.Option.Priority_COMMANDLINE, %r)"
        % str(destdir))
    assert "attempt 1 refused" in run.stdout and "attempt 2 refused" in run.stdout, run
    assert dnf5.installed() == before


def test_an_api_caller_running_another_goal_than_the_last_judged_is_judged_again(dnf5):
    """dnf5's gate judges each goal when it is resolved; the transaction that runs must be
    the one the last gate let through, or it is judged again before rpm runs. Here: a
    crossing resolved (its gate writes the report and waits), another goal resolved (no
    ROCm: its gate says nothing), then the crossing run: its report says applied (before:
    the second goal's gate had dropped it, and the report stayed unapplied)."""
    on_64(dnf5, "[main]\n")
    run = through_the_api(dnf5, """
first = libdnf5.base.Goal(base)
first.add_rpm_upgrade()
crossing = first.resolve()
second = libdnf5.base.Goal(base)
second.add_upgrade("zstd-tools")
other = second.resolve()
crossing.download()
print("result", crossing.run())
""")
    assert "result 0" in run.stdout, run
    assert "Traceback" not in run.stderr, run
    assert dnf5.installed()["rocblas"] == "7.1.1-1.el10_2"
    assert report(dnf5)["decision"] == "warn"
    assert report(dnf5)["applied"] is True, report(dnf5)


@pytest.mark.parametrize("where", [("core.analysis", "analyse"), ("settings.config", "load")])
def test_a_bug_in_the_core_fails_open_under_warn_and_closed_under_block(tmp_path, where):
    """Also where the bug is in reading the settings, so that the helper cannot tell the
    policy: the plugin's fallback rule decides (before: one line, '(transaction not
    affected)', and the blocked crossing went through)."""
    dnf5 = Dnf5Sandbox(tmp_path / "dnf5", pythonpath=core_with_planted_bug(tmp_path, *where))
    before = on_64(dnf5, "[main]\non_major = block\n")
    blocked = dnf5.dnf5("-y", "upgrade")
    assert blocked.returncode == 1, blocked
    assert_clean(blocked)
    assert "rocm_notice: could not evaluate ROCm policy: KeyError: 'planted bug'" \
        in blocked.stderr, blocked
    # dnf5's way out, not dnf's (before, the helper's own refusal named 'dnf --disableplugin')
    assert "--disable-plugin=rocm_notice" in blocked.stderr, blocked
    assert "dnf --disableplugin" not in blocked.stderr, blocked
    assert dnf5.installed() == before
    dnf5.write_conf("[main]\n")
    warned = dnf5.dnf5("-y", "upgrade")
    assert warned.returncode == 0, warned
    assert ours(warned) == ["rocm_notice: internal error: KeyError: 'planted bug' "
                            "(transaction not affected)"], warned
    assert dnf5.installed()["rocblas"] == "7.1.1-1.el10_2"


def test_a_helper_that_cannot_load_fails_open_under_warn_and_closed_under_lock(tmp_path):
    empty = tmp_path / "no-core"
    empty.mkdir()
    dnf5 = Dnf5Sandbox(tmp_path / "dnf5", pythonpath=empty)
    dnf5.use_repos(epel=stacks.epel_10_1())
    installed = dnf5.install(*ALL)      # warn: the gate says why, once, and dnf5 goes on
    failed = "%s failed (exit 2)" % dnf5.helper
    assert ours(installed) == [CANNOT_LOAD, "rocm_notice: internal error: %s (transaction "
                               "not affected)" % failed], installed
    before = dnf5.installed()
    dnf5.use_repos(epel=stacks.epel_10_2())
    dnf5.write_conf("[main]\non_major = lock\n")
    locked = dnf5.dnf5("-y", "upgrade")
    assert refused(locked), locked
    assert_clean(locked)
    assert ours(locked) == [
        CANNOT_LOAD, "rocm_notice: internal error: %s (the ROCm policy says lock or block: "
        "the transaction will be refused unless this is fixed)" % failed,     # the hold
        CANNOT_LOAD, FAIL_CLOSED % (failed, dnf5.confdir / "rocm_notice.conf")], locked
    assert dnf5.installed() == before
    dnf5.write_conf("[main]\n")
    warned = dnf5.dnf5("-y", "upgrade")
    assert warned.returncode == 0, warned
    assert ours(warned) == ours(installed), warned
    assert dnf5.installed()["rocblas"] == "7.1.1-1.el10_2"


def test_dnf5_answers_as_dnf_does_at_the_edges_of_the_pairing(tmp_path):
    """Builds that pair by name but not otherwise, and replacements by another name
    (stacks.pairing_edges): under block, the same first line as dnf 4 and libdnf say
    (test_libdnf.py compares those two), and a refusal exactly where they refuse."""
    for label, offered, says in stacks.pairing_edges():
        dnf5 = Dnf5Sandbox(tmp_path / label, plugin_conf="[main]\non_major = block\n"
                           "on_minor = block\n")
        dnf5.use_repos(epel=stacks.epel_10_1("6.4.1"))
        dnf5.install("rocm-runtime", "rocm-hip", "rocblas")
        dnf5.use_repos(epel=stacks.epel_10_1("6.4.1"), extra=offered)
        run = dnf5.dnf5("--assumeno", "upgrade")
        assert_clean(run)
        first = [line for line in ours(run) if line.startswith("rocm_notice:")][:1]
        assert first == ([says] if says else []), (label, run)
        assert refused(run) == (says == stacks.REFUSES_71), (label, run)


@pytest.mark.parametrize("conf", ["[main]\non_minor = block\n", "[main]\non_minor = lock\n"])
def test_an_older_line_with_a_higher_epoch_is_let_through_and_says_why(dnf5, conf):
    """As dnf 4 (test_policy.py): an Epoch-bumped build of an older line is a move back,
    which neither lock nor block stops; the notice says so."""
    dnf5.use_repos(epel=stacks.epel_10_1("6.4.1"))
    dnf5.install("rocm-runtime", "rocm-hip", "rocblas")
    dnf5.use_repos(epel=stacks.epel_10_1("6.4.1"), extra=stacks.epoch_revert())
    dnf5.write_conf(conf)
    run = dnf5.dnf5("-y", "upgrade")
    assert run.returncode == 0, run
    assert_clean(run)
    assert dnf5.installed()["rocblas"] == "6.3.9-1.el10_1"
    assert ours(run) == [stacks.REVERTED], run
    assert stacks.RECOVERY % conf.split("\n")[1] in run.stderr.splitlines(), run


def test_lock_holds_a_replacement_by_another_name_at_another_line(dnf5):
    """An unknown name at 7.1 obsoleting rocm-hip (stacks.pairing_edges' "other-line"): the
    hold keeps it out, as dnf 4's and libdnf's do; the run succeeds and changes nothing."""
    offered = dict((label, packages) for label, packages, _ in stacks.pairing_edges())
    dnf5.use_repos(epel=stacks.epel_10_1("6.4.1"))
    dnf5.install("rocm-runtime", "rocm-hip", "rocblas")
    before = dnf5.installed()
    dnf5.use_repos(epel=stacks.epel_10_1("6.4.1"), extra=offered["other-line"])
    dnf5.write_conf("[main]\non_major = lock\n")
    run = dnf5.dnf5("-y", "upgrade")
    assert run.returncode == 0, run
    assert_clean(run)
    assert ours(run) == ["rocm_notice: ROCm held at 6.4 by policy (on_major = lock); 7.1 "
                         "available, 1 package held back (patch updates of 6.4 still "
                         "install); see 'rocm-epel-notice status'"], run
    assert dnf5.installed() == before


# -- dnf5 on the system itself, with standard error closed or full ------------------------
# (tests/harness/dnf5.py's Dnf5System: the unstable root's own system, no --installroot,
# our files where the RPM puts them). With fd 2 closed, rpm's SQLite takes fd 2 for the
# rpmdb (read-only, as /dev/null), and the helper inherits it as its stderr;
# with 2>/dev/full every write to stderr fails. Neither may change what dnf5 does.

@pytest.fixture(scope="module")
def dnf5_system():
    """One system for these cases; each resets it (``system_on_64``)."""
    with Dnf5System() as system:
        yield system


def system_on_64(system, conf, repos):
    """ROCm 6.4 installed (EPEL 10.1's packages, by rpm); ``repos`` offered; ``conf``."""
    system.reset([p for p in stacks.epel_10_1() if p.name in ALL])
    system.use_repos(epel=repos)
    system.write_conf(conf)
    return system.installed()


def with_log(system, run):
    """The run, and what dnf5's own log says about it: its errors and warnings (an
    action's exit code among them), and how it ended."""
    lines = system.log().splitlines()
    telling = [line for line in lines if " ERROR " in line or " WARNING " in line]
    return "%s\n--- %s: errors and warnings\n%s\n--- its last lines\n%s" % (
        run, DNF5_LOG, "\n".join(telling[-20:]), "\n".join(lines[-5:]))


def test_on_the_system_itself_lock_holds_and_says_so_on_stderr(dnf5_system):
    """The same hold as in an installroot, without --installroot: what the cases with
    standard error closed or full are compared with."""
    before = system_on_64(dnf5_system, "[main]\non_major = lock\n",
                          stacks.epel_10_2() + [PATCH_64])
    run = dnf5_system.dnf5("-y", "upgrade")
    assert run.returncode == 0, with_log(dnf5_system, run)
    assert_clean(run)
    assert ours(run) == [HOLD_LINE], run
    after = dnf5_system.installed()
    assert {n: v for n, v in after.items() if n in ROCM} == dict(
        {n: v for n, v in before.items() if n in ROCM}, **{"rocm-smi": "6.4.3-1.el10_1"})
    assert after["zstd-tools"] == "1.5.7-1.el10_2"


@pytest.mark.parametrize("stderr", ["closed", "full"])
def test_warn_upgrades_with_standard_error_closed_or_full(dnf5_system, stderr):
    system_on_64(dnf5_system, "[main]\n", stacks.epel_10_2())
    run = dnf5_system.dnf5("-y", "upgrade", stderr=stderr)
    assert run.returncode == 0, with_log(dnf5_system, run)
    assert "rocm_notice" not in run.stdout, run          # never on stdout instead
    after = dnf5_system.installed()
    assert after["rocblas"] == "7.1.1-1.el10_2", with_log(dnf5_system, run)
    assert after["zstd-tools"] == "1.5.7-1.el10_2"
    assert dnf5_system.report()["decision"] == "warn"


@pytest.mark.parametrize("stderr", ["closed", "full"])
def test_lock_holds_with_standard_error_closed_or_full(dnf5_system, stderr):
    before = system_on_64(dnf5_system, "[main]\non_major = lock\n",
                          stacks.epel_10_2() + [PATCH_64])
    run = dnf5_system.dnf5("-y", "upgrade", stderr=stderr)
    assert run.returncode == 0, with_log(dnf5_system, run)
    assert "rocm_notice" not in run.stdout, run
    after = dnf5_system.installed()
    expected = {n: v for n, v in before.items() if n in ROCM}
    expected["rocm-smi"] = "6.4.3-1.el10_1"               # the patch of the held line
    assert {n: v for n, v in after.items() if n in ROCM} == expected, \
        with_log(dnf5_system, run)
    assert after["zstd-tools"] == "1.5.7-1.el10_2"        # the rest of the update
    assert dnf5_system.report()["decision"] == "hold"


def test_a_package_of_the_held_line_already_installed_can_be_removed(dnf5):
    """rocm-smi 7.1.1 was taken under warn (a mixed stack), then the admin set a lock.
    The hold excludes what repositories offer, not what is installed: before, the
    installed rocm-smi 7.1.1 was excluded too, and 'dnf5 remove rocm-smi' said "matches
    only excluded packages" and did nothing. (Reinstalling it needs the held copy the
    repository offers: dnf5 says that one is not available, as dnf 4 does.)"""
    on_64(dnf5, "[main]\n", repos=stacks.epel_10_2() + [PATCH_64])
    assert dnf5.dnf5("-y", "upgrade", "rocm-smi").returncode == 0
    assert dnf5.installed()["rocm-smi"] == "7.1.1-1.el10_2"
    dnf5.write_conf("[main]\non_major = lock\n")
    removed = dnf5.dnf5("-y", "remove", "rocm-smi")
    assert removed.returncode == 0, removed
    assert "rocm-smi" not in dnf5.installed(), removed
    assert_clean(removed)


def test_lock_holds_a_line_offered_where_the_command_line_moves_a_repository(dnf5):
    """--setopt=epel.baseurl=... (a mirror given for one run): dnf5 caches that
    repository under the URL the command line gave, which the hold's second sack did not
    know: it found no cache ("Cache-only enabled but no cache for repository"), held
    nothing, and the gate refused the whole upgrade."""
    before = on_64(dnf5, "[main]\non_major = lock\n", repos=stacks.epel_10_1() + [PATCH_64])
    mirror = build_repo(stacks.epel_10_2() + [PATCH_64])
    run = dnf5.dnf5("-y", "--setopt=epel.baseurl=file://%s" % mirror, "upgrade")
    assert run.returncode == 0, run
    assert ours(run) == [HOLD_LINE], run
    after = dnf5.installed()
    assert {n: v for n, v in after.items() if n in ROCM} == \
        dict({n: v for n, v in before.items() if n in ROCM}, **{"rocm-smi": "6.4.3-1.el10_1"})
    assert after["zstd-tools"] == "1.5.7-1.el10_2"


def test_a_download_only_upgrade_says_nothing_changes_yet(dnf5):
    before = on_64(dnf5, "[main]\n")
    run = dnf5.dnf5("-y", "upgrade", "--downloadonly")
    assert run.returncode == 0, run
    lines = run.stderr.splitlines()
    assert "  dnf only downloads it (--downloadonly): nothing changes until a later run " \
        "installs it." in lines, run
    assert not [line for line in lines if "applied now" in line], run
    assert dnf5.installed() == before
