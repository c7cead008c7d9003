"""Site policy with real dnf (best=True, as on EL10): lock holds the line, block refuses."""

import pytest

from tests.e2e import stacks
from tests.e2e.stacks import Pkg
from tests.harness.fixtures import core_with_planted_bug
from tests.harness.sandbox import run_automatic

ALL = stacks.ROCM_NAMES + ["python3-torch", "zstd-tools"]
BLOCK_BOTH = "[main]\non_major = block\non_minor = block\n"


def on_64(sandbox, conf):
    sandbox.write_conf(conf)
    sandbox.use_repos(epel=stacks.epel_10_1())
    sandbox.install(*ALL)
    before = sandbox.installed()
    sandbox.use_repos(epel=stacks.epel_10_2())
    return before


def rocm_of(installed):
    return {n: v for n, v in installed.items() if n in stacks.ROCM_NAMES + ["python3-torch"]}


def assert_clean(run):
    assert "Traceback" not in run.stdout + run.stderr, run
    assert "rocm_notice" not in run.stdout, run


# -- lock ---------------------------------------------------------------------------

def test_major_lock_keeps_rocm_and_its_consumer_and_upgrades_the_rest(sandbox):
    before = on_64(sandbox, "[main]\non_major = lock\n")
    run = sandbox.dnf("-y", "upgrade")
    assert run.returncode == 0, run
    assert_clean(run)
    assert "filtered out by exclude filtering" not in run.stdout + run.stderr
    after = sandbox.installed()
    assert rocm_of(after) == rocm_of(before)
    assert after["zstd-tools"] == "1.5.7-1.el10_2"
    held = [l for l in run.stderr.splitlines() if l.startswith("rocm_notice:")]
    assert held == ["rocm_notice: ROCm held at 6.4 by policy (on_major = lock); 7.1 available, "
                    "10 packages held back (patch updates of 6.4 still install); "
                    "see 'dnf rocm status'"], run


def test_hold_is_reported_again_on_every_later_run(sandbox):
    on_64(sandbox, "[main]\non_major = lock\n")
    sandbox.dnf("-y", "upgrade")
    again = sandbox.dnf("-y", "upgrade")
    assert again.returncode == 0, again
    assert "ROCm held at 6.4 by policy" in again.stderr


def test_minor_lock_lets_the_patch_of_the_installed_line_through(sandbox):
    sandbox.write_conf("[main]\non_minor = lock\n")
    sandbox.use_repos(epel=stacks.epel_10_2())
    sandbox.install(*ALL)
    patch = Pkg("rocm-smi", "7.1.2", "1.el10_2", provides=(stacks.so("librocm_smi64.so.7"),))
    sandbox.use_repos(epel=stacks.epel_10_3(lagging=()) + [patch])
    run = sandbox.dnf("-y", "upgrade")
    assert run.returncode == 0, run
    assert_clean(run)
    after = sandbox.installed()
    assert after["rocm-smi"] == "7.1.2-1.el10_2"      # patch of the held line: installed
    assert after["rocblas"] == "7.1.1-1.el10_2"       # the 7.2 minor: held
    assert "held at 7.1 by policy (on_minor = lock); 7.2 available" in run.stderr


def test_lock_on_major_does_not_hold_a_minor(sandbox):
    sandbox.write_conf("[main]\non_major = lock\n")
    sandbox.use_repos(epel=stacks.epel_10_2())
    sandbox.install(*ALL)
    sandbox.use_repos(epel=stacks.epel_10_3(lagging=()))
    run = sandbox.dnf("-y", "upgrade")
    assert run.returncode == 0, run
    assert sandbox.installed()["rocblas"] == "7.2.0-1.el10_3"
    assert "ROCm 7.1 \u2192 7.2 (minor)" in run.stderr


def test_lock_holds_back_a_package_that_obsoletes_a_held_one(sandbox):
    replacement = Pkg("gpu-monitor", "2.0", "1.el10_2", obsoletes=("rocm-smi < 7",))
    on_64(sandbox, "[main]\non_major = lock\n")
    sandbox.use_repos(epel=stacks.epel_10_2() + [replacement])
    run = sandbox.dnf("-y", "upgrade")
    assert run.returncode == 0, run
    after = sandbox.installed()
    assert after["rocm-smi"] == "6.4.2-1.el10_1" and "gpu-monitor" not in after


def test_allowed_line_is_not_held(sandbox):
    on_64(sandbox, "[main]\non_major = lock\nallow = 7.1\n")
    run = sandbox.dnf("-y", "upgrade")
    assert run.returncode == 0, run
    assert sandbox.installed()["rocblas"] == "7.1.1-1.el10_2"
    assert "ROCm 6.4 \u2192 7.1 (major)" in run.stderr     # still announced


def test_list_shows_held_packages_as_available(sandbox):
    on_64(sandbox, "[main]\non_major = lock\n")
    run = sandbox.dnf("list", "--available", "rocblas")
    assert run.returncode == 0, run
    assert "7.1.1-1.el10_2" in run.stdout
    assert "held" not in run.stderr


def test_check_update_under_lock_lists_only_what_upgrade_would_take(sandbox):
    on_64(sandbox, "[main]\non_major = lock\n")
    listed = sandbox.dnf("check-update")
    assert listed.returncode == 100, listed          # zstd-tools is still an update
    names = {line.split()[0].rsplit(".", 1)[0] for line in listed.stdout.splitlines()
             if line.split()[2:] == ["epel"]}
    assert "ROCm held at 6.4 by policy" in listed.stderr, listed
    before = sandbox.installed()
    upgrade = sandbox.dnf("-y", "upgrade")
    assert upgrade.returncode == 0, upgrade
    after = sandbox.installed()
    assert names == {n for n in after if after[n] != before[n]} == {"zstd-tools"}


# -- block --------------------------------------------------------------------------

def test_major_block_stops_everything_and_says_how_to_allow(sandbox):
    before = on_64(sandbox, "[main]\non_major = block\n")
    run = sandbox.dnf("-y", "upgrade")
    assert run.returncode == 1, run
    assert_clean(run)
    assert sandbox.installed() == before                      # unrelated packages too
    assert "Error: rocm_notice: blocked by policy (on_major = block)" in run.stderr
    assert "ROCm 6.4 \u2192 7.1 (major): 9 packages" in run.stderr
    assert "'allow = 7.1'" in run.stderr and "rocm_notice.d" in run.stderr
    assert "run 'dnf rocm allow 7.1'" in run.stderr
    assert "To stay on 6.4 and still take the other updates: run 'dnf rocm lock' instead." \
        in run.stderr


def test_block_message_survives_quiet(sandbox):
    on_64(sandbox, "[main]\non_major = block\n")
    run = sandbox.dnf("-q", "-y", "upgrade")
    assert run.returncode == 1, run
    assert "blocked by policy" in run.stderr


def test_allow_in_a_dropin_lets_the_blocked_upgrade_through(sandbox):
    on_64(sandbox, "[main]\non_major = block\n")
    sandbox.write_dropin("50-approve.conf", "[main]\nallow = 7.1\n")
    run = sandbox.dnf("-y", "upgrade")
    assert run.returncode == 0, run
    assert sandbox.installed()["rocblas"] == "7.1.1-1.el10_2"
    assert "ROCm 6.4 \u2192 7.1 (major)" in run.stderr


def test_a_typo_in_a_dropin_does_not_weaken_a_block(sandbox):
    on_64(sandbox, "[main]\non_major = block\n")
    sandbox.write_dropin("50-typo.conf", "[main]\non_major = wran\n")
    run = sandbox.dnf("-y", "upgrade")
    assert run.returncode == 1, run
    assert "keeping on_major = block" in run.stderr


def test_block_never_stops_removal(sandbox):
    on_64(sandbox, BLOCK_BOTH)
    run = sandbox.dnf("-y", "remove", "hipblas")
    assert run.returncode == 0, run
    assert "hipblas" not in sandbox.installed()


def test_block_never_stops_distro_sync_back_to_the_previous_line(sandbox):
    sandbox.write_conf(BLOCK_BOTH)
    sandbox.use_repos(epel=stacks.epel_10_2())
    sandbox.install(*ALL)
    sandbox.use_repos(epel=stacks.epel_10_1())
    run = sandbox.dnf("-y", "distro-sync")
    assert run.returncode == 0, run
    assert_clean(run)
    assert sandbox.installed()["rocblas"] == "6.4.2-1.el10_1"
    assert "downgrade" in run.stderr        # announced, not refused
    assert stacks.RECOVERY % "on_major = block" in run.stderr.splitlines(), run  # and why


@pytest.mark.parametrize("conf", ["[main]\non_minor = block\n", "[main]\non_minor = lock\n"])
def test_an_older_line_with_a_higher_epoch_is_let_through_and_the_notice_says_why(sandbox, conf):
    """Packagers revert an update with an Epoch bump, which `dnf upgrade` (dnf-automatic)
    takes: a move back, so neither lock nor block stops it, and the notice says that the
    policy let it through on purpose."""
    sandbox.use_repos(epel=stacks.epel_10_1("6.4.1"))
    sandbox.install("rocm-runtime", "rocm-hip", "rocblas")
    sandbox.write_conf(conf)
    sandbox.use_repos(epel=stacks.epel_10_1("6.4.1"), extra=stacks.epoch_revert())
    run = sandbox.dnf("-y", "upgrade")
    assert run.returncode == 0, run
    assert_clean(run)
    assert sandbox.installed()["rocblas"] == "6.3.9-1.el10_1"
    shown = run.stderr.splitlines()
    assert [l for l in shown if l.startswith("rocm_notice:")] == [stacks.REVERTED], run
    assert stacks.RECOVERY % conf.split("\n")[1] in shown, run


def test_block_never_stops_a_fresh_install(sandbox):
    sandbox.write_conf(BLOCK_BOTH)
    sandbox.use_repos(epel=stacks.epel_10_2())
    run = sandbox.dnf("-y", "install", *ALL)
    assert run.returncode == 0, run
    assert sandbox.installed()["rocblas"] == "7.1.1-1.el10_2"


def test_block_never_stops_a_compat_install(sandbox):
    sandbox.write_conf(BLOCK_BOTH)
    sandbox.use_repos(epel=stacks.epel_10_2())
    sandbox.install(*ALL)
    run = sandbox.dnf("-y", "install", "rocblas6.4", "rocm-hip6.4")
    assert run.returncode == 0, run
    assert "rocblas6.4" in sandbox.installed()


def test_renumbering_7_14_to_10_0_is_a_major_crossing(sandbox):
    sandbox.write_conf("[main]\non_major = block\n")
    sandbox.use_repos(epel=[Pkg("rocblas", "7.14.0", "1.el10_4")])
    sandbox.install("rocblas")
    sandbox.use_repos(epel=[Pkg("rocblas", "10.0.0", "1.el10_5")])
    run = sandbox.dnf("-y", "upgrade")
    assert run.returncode == 1, run
    assert "ROCm 7.14 \u2192 10.0 (major)" in run.stderr


def test_settings_that_cannot_be_read_fail_closed_by_the_files_and_open_under_warn(sandbox,
                                                                                  tmp_path):
    """A bug in the settings' reader: no policy to go by, so the fallback rule (any file
    saying lock or block) decides, as when the core cannot be loaded. Before: one line,
    '(transaction not affected)', and the blocked crossing went through."""
    broken = core_with_planted_bug(tmp_path, "settings.config", "load")
    before = on_64(sandbox, "[main]\non_major = block\n")
    sandbox.pythonpath = str(broken)
    run = sandbox.dnf("-y", "upgrade")
    assert run.returncode == 1, run
    assert_clean(run)
    assert ("Error: rocm_notice: refused: the ROCm policy (%s) says lock or block, and the "
            "check cannot run: its settings could not be read (internal error: KeyError: "
            "'planted bug'). To go on without the check for this one run: dnf "
            "--disableplugin=rocm_notice ..." % (sandbox.confdir / "rocm_notice.conf")) \
        in run.stderr.splitlines(), run
    assert "transaction not affected" not in run.stderr, run
    assert ("rocm_notice: internal error: KeyError: 'planted bug' (the ROCm policy says lock "
            "or block: the transaction will be refused unless this is fixed)") \
        in run.stderr.splitlines(), run
    assert sandbox.installed() == before
    sandbox.write_conf("[main]\n")
    run = sandbox.dnf("-y", "upgrade")
    assert run.returncode == 0, run
    assert [l for l in run.stderr.splitlines() if "rocm_notice" in l] == [
        "rocm_notice: internal error: KeyError: 'planted bug' (transaction not affected)"], run
    assert sandbox.installed()["rocblas"] == "7.1.1-1.el10_2"


def test_internal_error_under_block_fails_closed(sandbox, tmp_path):
    broken = core_with_planted_bug(tmp_path)
    before = on_64(sandbox, "[main]\non_major = block\n")
    sandbox.pythonpath = str(broken)
    run = sandbox.dnf("-y", "upgrade")
    assert run.returncode == 1, run
    assert_clean(run)
    assert "could not evaluate ROCm policy: KeyError: 'planted bug'" in run.stderr
    assert "--disableplugin=rocm_notice" in run.stderr
    assert sandbox.installed() == before


@pytest.mark.parametrize("where", [("core.hold", "plan"), ("core.hold", "_orphans")])
def test_internal_error_in_the_hold_fails_closed(sandbox, tmp_path, where):
    """Fail closed under lock (issue 10): a bug before or in the middle of working out the
    hold excludes nothing at all (a half-made hold would keep rocblas and strand
    python3-torch), and then the crossing the lock was for is refused, with the reason
    and the way out, rather than let through."""
    sandbox.pythonpath = str(core_with_planted_bug(tmp_path, *where))
    before = on_64(sandbox, "[main]\non_major = lock\n")
    run = sandbox.dnf("-y", "upgrade")
    assert run.returncode == 1, run
    assert_clean(run)
    ours = [line for line in run.stderr.splitlines() if line.startswith("rocm_notice:")]
    assert ours[0] == ("rocm_notice: internal error: KeyError: 'planted bug' "
                       "(transaction not affected)"), run
    assert ("Error: rocm_notice: policy holds ROCm at 6.4 (on_major = lock), but this "
            "transaction would still move it: 6.4 \u2192 7.1 (major): 9 packages; nothing "
            "was changed.") in run.stderr, run
    assert "(KeyError: 'planted bug')" in run.stderr
    assert "dnf --disableplugin=rocm_notice" in run.stderr
    assert sandbox.installed() == before


def test_internal_error_in_the_hold_message_still_holds(sandbox, tmp_path):
    sandbox.pythonpath = str(core_with_planted_bug(tmp_path, "core.notice", "hold_line"))
    before = on_64(sandbox, "[main]\non_major = lock\n")
    run = sandbox.dnf("-y", "upgrade")
    assert run.returncode == 0, run
    assert_clean(run)
    ours = [line for line in run.stderr.splitlines() if line.startswith("rocm_notice:")]
    assert ours == ["rocm_notice: internal error: KeyError: 'planted bug' "
                    "(ROCm held by policy all the same)"], run
    after = sandbox.installed()
    assert rocm_of(after) == rocm_of(before)
    assert after["zstd-tools"] == "1.5.7-1.el10_2"


def test_internal_error_in_the_report_keeps_the_hold_and_says_so(sandbox, tmp_path):
    """The report is for monitoring: a bug there costs one line, and the decision (here
    the hold, already made) stands."""
    sandbox.pythonpath = str(core_with_planted_bug(tmp_path, "core.report", "build"))
    before = on_64(sandbox, "[main]\non_major = lock\n")
    run = sandbox.dnf("-y", "upgrade")
    assert run.returncode == 0, run
    assert_clean(run)
    ours = [line for line in run.stderr.splitlines() if line.startswith("rocm_notice:")]
    assert ours[0].startswith("rocm_notice: ROCm held at 6.4 by policy"), run
    assert ours[1:] == ["rocm_notice: internal error: KeyError: 'planted bug' "
                        "(report not written)"], run
    assert rocm_of(sandbox.installed()) == rocm_of(before)


def test_internal_error_in_the_report_does_not_lift_a_block(sandbox, tmp_path):
    sandbox.pythonpath = str(core_with_planted_bug(tmp_path, "core.report", "build"))
    before = on_64(sandbox, "[main]\non_major = block\n")
    run = sandbox.dnf("-y", "upgrade")
    assert run.returncode == 1, run
    assert_clean(run)
    assert "Error: rocm_notice: blocked by policy" in run.stderr, run
    assert "(report not written)" in run.stderr
    assert sandbox.installed() == before


# -- dnf-automatic ------------------------------------------------------------------

def test_dnf_automatic_under_lock_applies_the_rest(sandbox):
    before = on_64(sandbox, "[main]\non_major = lock\n")
    run = run_automatic(sandbox)
    assert run.returncode == 0, run
    assert_clean(run)
    after = sandbox.installed()
    assert rocm_of(after) == rocm_of(before)
    assert after["zstd-tools"] == "1.5.7-1.el10_2"


def test_dnf_log_keeps_each_decision_at_debug_level_and_the_terminal_does_not(sandbox):
    """What a bug report needs: dnf.log says what was held, and what crossed."""
    on_64(sandbox, "[main]\non_major = lock\n")
    log = sandbox.root / "var" / "log" / "dnf.log"
    held = sandbox.dnf("-y", "upgrade")
    assert held.returncode == 0, held
    assert "decision:" not in held.stdout + held.stderr, held
    lines = [l for l in log.read_text().splitlines() if "rocm_notice: decision:" in l]
    assert len(lines) == 1 and " DEBUG rocm_notice: decision: hold ROCm at 6.4, not 7.1 " \
        "(on_major); exclude 10: " in lines[0], lines
    assert "rocblas-7.1.1-1.el10_2.noarch" in lines[0] and "python3-torch-2.7.1" in lines[0]

    sandbox.write_conf("[main]\n")
    crossed = sandbox.dnf("-y", "upgrade")
    assert crossed.returncode == 0, crossed
    assert "decision:" not in crossed.stdout + crossed.stderr, crossed
    lines = [l for l in log.read_text().splitlines() if "rocm_notice: decision:" in l][1:]
    assert len(lines) == 1 and lines[0].endswith(
        " DEBUG rocm_notice: decision: warn and let through: 6.4 -> 7.1 (major, 9 packages)"), \
        lines


def test_dnf_automatic_under_block_applies_nothing_and_logs_why(sandbox):
    before = on_64(sandbox, "[main]\non_major = block\n")
    run = run_automatic(sandbox)
    assert run.returncode == 1, run
    assert_clean(run)
    assert sandbox.installed() == before
    assert "blocked by policy (on_major = block)" in run.stderr
    log = (sandbox.root / "var" / "log" / "dnf.log").read_text()
    assert "blocked by policy (on_major = block)" in log


def test_lock_holds_amd_repository_packages_too(sandbox):
    sandbox.write_conf("[main]\non_major = lock\n")
    sandbox.use_repos(amd=[Pkg("hip-runtime-amd", "6.4.43484.60402", "1.el10")])
    sandbox.install("hip-runtime-amd")
    sandbox.use_repos(amd=[Pkg("hip-runtime-amd", "6.4.43484.60403", "1.el10"),
                           Pkg("hip-runtime-amd", "7.0.51831.70000", "1.el10")])
    run = sandbox.dnf("-y", "upgrade")
    assert run.returncode == 0, run
    assert sandbox.installed()["hip-runtime-amd"] == "6.4.43484.60403-1.el10"   # patch: in
    assert "ROCm held at 6.4 by policy (on_major = lock); 7.0 available" in run.stderr


@pytest.mark.parametrize("policy", ["lock", "block"])
def test_dnf_download_fetches_a_new_line_under_any_policy_silently(tmp_path, policy):
    """`dnf download --resolve` (dnf-plugins-core) changes nothing on the system: no hold
    of ours applies to it and no hook of ours judges it, so the new line is fetched. The
    dnf5 front end matches this (doc/front-ends.md)."""
    import os
    from tests.harness.sandbox import CHECKOUT, Sandbox
    core = tmp_path / "core-plugins"            # dnf-plugins-core's download plugin alone
    core.mkdir()
    os.symlink("/usr/lib/python3/dist-packages/dnf-plugins/download.py", core / "download.py")
    sandbox = Sandbox(tmp_path / "sandbox", pluginpath=[CHECKOUT / "dnf-plugins", core])
    before = on_64(sandbox, "[main]\non_major = %s\n" % policy)
    fetched = tmp_path / "fetched"
    fetched.mkdir()
    run = sandbox.dnf("download", "--resolve", "--destdir=%s" % fetched, "rocblas-7.1.1")
    assert run.returncode == 0, run
    assert "rocm_notice" not in run.stdout + run.stderr, run
    assert "rocblas-7.1.1-1.el10_2.noarch.rpm" in [p.name for p in fetched.iterdir()]
    assert sandbox.installed() == before


@pytest.mark.parametrize("setopts", [["rocm_notice.on_major=block"],
                                     ["rocm-notice.on_major=block"],
                                     ["ROCM_NOTICE.on_major=block"],
                                     ["rocm_notice.on_major=block", "rocm-notice.on_major=warn",
                                      "rocm_notice.on_major=block"],
                                     ["rocm_notice.on_major=block",
                                      "rocm-notice.ON_MAJOR=warn"],
                                     ["rocm_notice.ON_MAJOR=warn ;x",
                                      "rocm_notice.on_major=block"],
                                     ["rocm_notice.on_minor=warn", "rocm-notice.on_major=warn",
                                      "rocm_notice.on-major=block"]])
def test_a_block_given_for_one_run_holds_however_the_plugin_is_named(sandbox, setopts):
    """--setopt=rocm-notice.on_major=block: --disableplugin takes the name with '-' for
    '_'; --setopt was read only as rocm_notice, and the block was ignored without a word
    (dnf -y took 7.1). dnf keeps no order between the two spellings: given under both,
    the stricter value holds."""
    before = on_64(sandbox, "[main]\n")
    run = sandbox.dnf("-y", *["--setopt=%s" % option for option in setopts] + ["upgrade"])
    assert run.returncode == 1, run
    assert "rocm_notice: blocked by policy (on_major = block)" in run.stderr, run
    assert sandbox.installed() == before


@pytest.mark.parametrize("allows", [["rocm_notice.allow=7.1", "rocm_notice.ALLOW=7.2"],
                                    ["rocm_notice.allow=7.1", "rocm_notice.allow=7.2"],
                                    ["rocm_notice.allow=6.4 ;ours", "rocm-notice.allow=7.1"]])
def test_approvals_given_for_one_run_add_up_under_any_spelling(sandbox, allows):
    """allow adds up across files, and on the command line as a file's lines do: given
    twice (allow, ALLOW; or the same key twice), the second replaced the first; a comment
    after one spelling's value took the other's with it. The approved 7.1 stayed
    blocked."""
    on_64(sandbox, "[main]\n")
    run = sandbox.dnf("-y", "--setopt=rocm_notice.on_major=block",
                      *["--setopt=%s" % option for option in allows] + ["upgrade"])
    assert run.returncode == 0, run
    assert sandbox.installed()["rocblas"] == "7.1.1-1.el10_2"
