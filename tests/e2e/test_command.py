"""`dnf rocm`: status, check, lock/unlock (with the real versionlock plugin), allow."""

import json

import pytest

from tests.e2e import stacks
from tests.e2e.stacks import Pkg
from tests.harness.fixtures import core_with_planted_bug, fake_gpus
from tests.harness.sandbox import with_versionlock

ALL = stacks.ROCM_NAMES + ["python3-torch", "zstd-tools"]
FOREIGN_LIST = ("# site pins, kept by hand\r\n"
                "zstd-tools-0:1.5.6-1.el10_1.*\r\n"
                "garbage line that versionlock only logs\r\n"
                "!python3-torch-0:9.9-1.*")           # CRLF, no final newline


def on_64(sandbox, conf="[main]\n", repos=None):
    sandbox.write_conf(conf)
    sandbox.use_repos(epel=stacks.epel_10_1())
    sandbox.install(*ALL)
    before = sandbox.installed()
    sandbox.use_repos(**(repos or {"epel": stacks.epel_10_2()}))
    return before


def test_status_json_reports_installed_and_available_lines_with_epel_minors(sandbox):
    on_64(sandbox, repos={"epel": stacks.epel_10_1(), "epel-next": stacks.epel_10_2()})
    run = sandbox.dnf("rocm", "status", "--json")
    assert run.returncode == 0, run
    data = json.loads(run.stdout)                 # stdout is the JSON object alone
    assert data["schema"] == 1
    assert data["installed"] == {"6.4": {"packages": 9, "epel": ["10.1"]}}
    assert data["installed_line"] == "6.4"
    assert data["available"]["6.4"]["epel"] == ["10.1"]
    assert data["available"]["7.1"] == {"packages": 9, "epel": ["10.2"]}
    assert data["policy"]["on_major"] == "warn"


def test_status_text_names_policy_and_where_it_was_set(sandbox):
    on_64(sandbox, "[main]\non_major = lock\n")
    run = sandbox.dnf("rocm")                     # status is the default
    assert run.returncode == 0, run
    assert "6.4: 9 packages (EPEL 10.1)" in run.stdout
    assert "on_major set in %s" % (sandbox.confdir / "rocm_notice.conf") in run.stdout
    assert "Held: 7.1 at 6.4 (on_major = lock); 10 packages held back" in run.stdout


def test_check_exits_0_when_only_patches_are_pending(sandbox):
    before = on_64(sandbox, repos={"epel": stacks.epel_10_1("6.4.3")})
    run = sandbox.dnf("rocm", "check")
    assert run.returncode == 0, run
    assert "no release line change pending" in run.stdout
    assert sandbox.installed() == before


def test_check_exits_1_when_a_crossing_would_be_warned_and_installs_nothing(sandbox):
    before = on_64(sandbox)
    run = sandbox.dnf("rocm", "check", "--json")
    assert run.returncode == 1, run
    data = json.loads(run.stdout)
    assert data["status"] == 1 and data["crossings"][0]["action"] == "warn"
    assert (data["crossings"][0]["from"], data["crossings"][0]["to"]) == ("6.4", "7.1")
    assert "rocm_notice: this transaction" not in run.stderr     # our hook stayed quiet
    assert sandbox.installed() == before


@pytest.mark.parametrize("policy", ["block", "lock"])
def test_check_exits_2_when_policy_would_hold_or_block(sandbox, policy):
    before = on_64(sandbox, "[main]\non_major = %s\n" % policy)
    run = sandbox.dnf("rocm", "check")
    assert run.returncode == 2, run
    assert "would be %s" % ("blocked" if policy == "block" else "held") in run.stdout
    assert "Error" not in run.stderr
    assert sandbox.installed() == before


def test_check_exits_3_when_dnf_cannot_resolve_the_upgrade(sandbox):
    broken = Pkg("rocblas", "6.4.3", "1.el10_1", requires=("libnowhere.so.1()(64bit)",))
    on_64(sandbox, repos={"epel": stacks.epel_10_1() + [broken]})
    run = sandbox.dnf("rocm", "check")
    assert run.returncode == 3, run
    assert "rocm_notice: cannot tell what an upgrade would do" in run.stderr
    as_json = sandbox.dnf("rocm", "check", "--json")
    assert as_json.returncode == 3, as_json
    data = json.loads(as_json.stdout)
    assert data["status"] == 3 and "libnowhere.so.1" in data["error"]


def one_json_object(run):
    """stdout holds exactly one JSON object and nothing else."""
    decoder = json.JSONDecoder()
    data, end = decoder.raw_decode(run.stdout.strip())
    assert end == len(run.stdout.strip()), run
    return data


@pytest.mark.parametrize("baseurl", ["file:///nonexistent/rocm-notice-mirror",
                                     "http://127.0.0.1:9/closed-port"])
@pytest.mark.parametrize("skip", ["0", "1"])
def test_check_exits_3_with_one_json_object_when_a_repository_cannot_be_read(
        sandbox, baseurl, skip):
    """Down is not 'nothing pending': skipped or failing, dnf could not tell."""
    on_64(sandbox)
    (sandbox.reposdir / "down.repo").write_text(
        "[down]\nname=unreachable mirror\nbaseurl=%s\ngpgcheck=0\nenabled=1\n"
        "skip_if_unavailable=%s\nretries=1\ntimeout=5\n" % (baseurl, skip))
    run = sandbox.dnf("rocm", "check", "--json")
    assert run.returncode == 3, run
    data = one_json_object(run)
    assert data["status"] == 3 and data["crossings"] == [], run
    assert ("down" in data["error"]), run
    assert "Traceback" not in run.stderr, run
    text = sandbox.dnf("rocm", "check")
    assert text.returncode == 3, text
    assert "rocm_notice: cannot tell what an upgrade would do" in text.stderr, text


def test_check_exits_3_when_a_config_file_cannot_be_read(sandbox):
    on_64(sandbox, "[main]\non_major = block\n")
    (sandbox.confdir / "rocm_notice.d" / "50-site.conf").mkdir()   # unreadable as a file
    run = sandbox.dnf("rocm", "check", "--json")
    assert run.returncode == 3, run
    data = one_json_object(run)
    assert data["status"] == 3, run
    assert data["error"].startswith("the policy could not be read in full: cannot read "), run
    assert "50-site.conf" in data["error"], run


@pytest.mark.parametrize("where, said", [(("settings.config", "load"), "could not be read"),
                                         (("core.analysis", "analyse"), "internal error")])
def test_check_exits_3_when_the_plugin_itself_fails(sandbox, tmp_path, where, said):
    on_64(sandbox)
    sandbox.pythonpath = str(core_with_planted_bug(tmp_path, *where))
    run = sandbox.dnf("rocm", "check", "--json")
    assert run.returncode == 3, run
    data = one_json_object(run)
    assert data["status"] == 3 and said in data["error"], run
    assert "Traceback" not in run.stderr, run


def test_allow_turns_a_blocked_upgrade_into_one_that_proceeds(sandbox):
    on_64(sandbox, "[main]\non_major = block\n")
    assert sandbox.dnf("-y", "upgrade").returncode == 1
    run = sandbox.dnf("rocm", "allow", "7.1")
    assert run.returncode == 0, run
    again = sandbox.dnf("rocm", "allow", "7.1")
    assert "already approved" in again.stdout
    run = sandbox.dnf("-y", "upgrade")
    assert run.returncode == 0, run
    assert sandbox.installed()["rocblas"] == "7.1.1-1.el10_2"


def test_disallow_withdraws_the_approval(sandbox):
    on_64(sandbox, "[main]\non_major = block\n")
    sandbox.dnf("rocm", "allow", "7.1")
    sandbox.dnf("rocm", "allow", "7.2")
    run = sandbox.dnf("rocm", "disallow", "7.1")
    assert run.returncode == 0, run
    dropin = sandbox.confdir / "rocm_notice.d" / "80-dnf-rocm-allow.conf"
    assert "allow = 7.2\n" in dropin.read_text()
    assert sandbox.dnf("-y", "upgrade").returncode == 1


def test_disallow_of_an_approval_made_elsewhere_says_where(sandbox):
    on_64(sandbox, "[main]\non_major = block\nallow = 7.1\n")
    run = sandbox.dnf("rocm", "disallow", "7.1")
    assert run.returncode == 0, run
    assert "approved in %s" % (sandbox.confdir / "rocm_notice.conf") in run.stdout


def test_allow_rejects_what_is_not_a_release_line(sandbox):
    on_64(sandbox)
    run = sandbox.dnf("rocm", "allow", "seven")
    assert run.returncode == 1, run
    assert "Error: rocm_notice: 'seven' is not a release line" in run.stderr
    assert "Traceback" not in run.stderr


def test_lock_holds_the_line_and_unlock_releases_it(sandbox):
    on_64(sandbox)
    run = sandbox.dnf("rocm", "lock")
    assert run.returncode == 0, run
    dropin = sandbox.confdir / "rocm_notice.d" / "90-dnf-rocm-lock.conf"
    written = dropin.read_bytes()
    assert sandbox.dnf("rocm", "lock").returncode == 0
    assert dropin.read_bytes() == written                        # idempotent
    assert sandbox.dnf("-y", "upgrade").returncode == 0
    assert sandbox.installed()["rocblas"] == "6.4.2-1.el10_1"
    assert sandbox.dnf("rocm", "unlock").returncode == 0
    assert not dropin.exists()
    assert sandbox.dnf("-y", "upgrade").returncode == 0
    assert sandbox.installed()["rocblas"] == "7.1.1-1.el10_2"


def test_unlock_leaves_a_file_it_did_not_write(sandbox):
    on_64(sandbox)
    mine = sandbox.confdir / "rocm_notice.d" / "90-dnf-rocm-lock.conf"
    mine.write_text("[main]\non_major = block\n")
    run = sandbox.dnf("rocm", "unlock")
    assert run.returncode == 1, run
    assert "was not written by 'dnf rocm lock'" in run.stderr
    assert mine.read_text() == "[main]\non_major = block\n"


def test_lock_into_a_missing_directory_is_one_line(sandbox):
    on_64(sandbox)
    (sandbox.confdir / "rocm_notice.d").rmdir()
    run = sandbox.dnf("rocm", "lock")
    assert run.returncode == 1, run
    errors = [l for l in run.stderr.splitlines() if l.startswith("Error:")]
    assert len(errors) == 1 and "cannot write" in errors[0], run
    assert "Traceback" not in run.stderr


def test_versionlock_alone_enforces_our_entries_and_unlock_restores_the_list(sandbox,
                                                                             tmp_path):
    locklist = with_versionlock(sandbox, tmp_path)
    locklist.write_bytes(FOREIGN_LIST.encode())
    # No consumer built for 7.1 here: versionlock alone cannot hold one (see the next test).
    offered = [p for p in stacks.epel_10_2() if p.name != "python3-torch"]
    on_64(sandbox, repos={"epel": offered + stacks.epel_10_1("6.4.3")})
    run = sandbox.dnf("rocm", "lock", "--versionlock")
    assert run.returncode == 0, run
    assert "rocblas-devel-0:6.4.*" in locklist.read_text()
    run = sandbox.dnf("-y", "upgrade", "--disableplugin=rocm_notice")
    assert run.returncode == 0, run
    after = sandbox.installed()
    assert after["rocblas"] == "6.4.3-1.el10_1"          # held on the line; its patch flows
    assert after["hipcc"] == "19-1.rocm6.4.3.el10_1"
    assert after["zstd-tools"] == "1.5.6-1.el10_1"       # the site's own pin still holds
    run = sandbox.dnf("rocm", "unlock")
    assert run.returncode == 0, run
    assert locklist.read_bytes() == FOREIGN_LIST.encode()


def test_lock_with_versionlock_holds_consumers_too_where_versionlock_alone_fails(sandbox,
                                                                                tmp_path):
    locklist = with_versionlock(sandbox, tmp_path)
    on_64(sandbox)                              # 10.2 offers python3-torch built for 7.1
    assert sandbox.dnf("rocm", "lock", "--versionlock").returncode == 0
    alone = sandbox.dnf("-y", "upgrade", "--disableplugin=rocm_notice")
    assert alone.returncode == 1
    assert "filtered out by exclude filtering" in alone.stderr
    both = sandbox.dnf("-y", "upgrade")
    assert both.returncode == 0, both
    after = sandbox.installed()
    assert after["rocblas"] == "6.4.2-1.el10_1" and after["python3-torch"] == "2.5.1-1.el10_1"
    assert after["zstd-tools"] == "1.5.7-1.el10_2"
    assert locklist.exists()


def test_enabled_0_disables_the_command_too(sandbox):
    sandbox.write_conf("[main]\nenabled = 0\n")
    sandbox.use_repos(epel=stacks.epel_10_1())
    run = sandbox.dnf("rocm", "status")
    assert run.returncode != 0
    assert "No such command" in run.stdout + run.stderr


def test_help_lists_the_subcommands(sandbox):
    sandbox.use_repos(epel=stacks.epel_10_1())
    run = sandbox.dnf("rocm", "--help")
    assert run.returncode == 0, run
    assert "{status,check,lock,unlock,allow,disallow,scan}" in run.stdout


def test_status_names_the_gpus_and_what_the_newest_line_means_for_them(sandbox, tmp_path):
    on_64(sandbox, repos={"epel": stacks.epel_10_1(), "epel-next": stacks.epel_10_2()})
    sysfs = fake_gpus(tmp_path / "machine", 90500)
    run = sandbox.dnf("rocm", "status", "--json", env={"ROCM_NOTICE_SYSFS_ROOT": str(sysfs)})
    assert run.returncode == 0, run
    data = json.loads(run.stdout)
    assert data["gpus"] == ["gfx950"]
    assert data["gpu_notes"] == [
        "gfx950 is supported from ROCm 7.0: staying on 6.4 leaves it unsupported"]


@pytest.mark.parametrize("args, wrong", [
    (("lock", "--json"), "--json"),
    (("status", "--versionlock"), "--versionlock"),
    (("check", "7.1"), "7.1"),
])
def test_options_that_do_not_apply_are_refused_in_one_line(sandbox, args, wrong):
    sandbox.use_repos(epel=stacks.epel_10_1())
    run = sandbox.dnf("rocm", *args)
    assert run.returncode == 1, run
    assert "Error: rocm_notice: %s does not apply to 'dnf rocm %s'" % (wrong, args[0]) \
        in run.stderr
    assert not (sandbox.confdir / "rocm_notice.d" / "90-dnf-rocm-lock.conf").exists()


def test_a_versionlock_list_versionlock_cannot_read_is_named(sandbox, tmp_path):
    locklist = with_versionlock(sandbox, tmp_path)
    on_64(sandbox)
    locklist.write_bytes(b"# caf\xe9 pins\n")          # Latin-1, not UTF-8
    run = sandbox.dnf("rocm", "lock", "--versionlock", "--disableplugin=versionlock")
    assert run.returncode == 0, run
    assert "has bytes that are not UTF-8" in run.stderr
    status = sandbox.dnf("rocm", "status", "--json", "--disableplugin=versionlock")
    assert "has bytes that are not UTF-8" in json.loads(status.stdout)["versionlock"]["problem"]


def test_status_names_our_markers_that_a_hand_edit_left_without_their_block(sandbox,
                                                                            tmp_path):
    locklist = with_versionlock(sandbox, tmp_path)
    on_64(sandbox)
    assert sandbox.dnf("rocm", "lock", "--versionlock").returncode == 0
    text = locklist.read_text()
    locklist.write_text(text.replace("# rocm-epel-notice: end\n", ""))   # end marker lost
    status = sandbox.dnf("rocm", "status", "--json")
    assert status.returncode == 0, status
    problem = json.loads(status.stdout)["versionlock"]["problem"]
    assert problem == ("rocm_notice: 1 marker line(s) of ours in %s belong to no complete "
                       "block (edited by hand?): 'dnf rocm unlock' leaves them and what "
                       "they enclose; remove them by hand" % locklist), status


@pytest.fixture
def shared_sandbox():
    """A sandbox that another user can enter (pytest's tmp_path is root's alone)."""
    import os
    import shutil
    import tempfile
    from tests.harness.sandbox import Sandbox
    path = tempfile.mkdtemp(prefix="rocm-notice-nonroot-")
    os.chmod(path, 0o755)
    try:
        yield Sandbox(path)
    finally:
        shutil.rmtree(path)


NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


def as_nobody(sandbox, *args):
    """``dnf ARGS`` in the sandbox as user nobody (the sandbox must be enterable)."""
    import os
    import subprocess
    tmp = sandbox.root / "var" / "tmp"       # dnf makes its own temp dir there first
    tmp.mkdir(parents=True, exist_ok=True)
    os.chmod(str(tmp), 0o1777)
    return subprocess.run(NOBODY + sandbox.dnf_args(*args), env=sandbox.run_env(),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=300)


@pytest.mark.parametrize("args", [("lock",), ("lock", "--versionlock"), ("unlock",),
                                  ("allow", "7.1"), ("disallow", "7.1")])
def test_writing_subcommands_refuse_a_user_who_is_not_root(shared_sandbox, args):
    sandbox = shared_sandbox
    on_64(sandbox)
    files = sorted(p.name for p in sandbox.confdir.rglob("*"))
    run = as_nobody(sandbox, "rocm", *args)
    assert run.returncode == 1, run
    assert run.stderr.strip() == ("Error: This command has to be run with superuser "
                                  "privileges (under the root user on most systems)."), run
    assert sorted(p.name for p in sandbox.confdir.rglob("*")) == files


def test_status_and_check_work_for_a_user_who_is_not_root(shared_sandbox):
    import os
    import shutil
    from tests.harness.fixtures import build_repo
    sandbox = shared_sandbox
    on_64(sandbox)
    repo = sandbox.path / "epel-10.2"          # a copy that nobody can read
    shutil.copytree(str(build_repo(stacks.epel_10_2())), str(repo))
    for directory in [repo] + [p for p in repo.rglob("*") if p.is_dir()]:
        os.chmod(str(directory), 0o755)
    sandbox.use_repos(epel=repo)
    status = as_nobody(sandbox, "rocm", "status")
    assert status.returncode == 0, status
    assert "  6.4: 9 packages (EPEL 10.1)" in status.stdout, status
    assert "  7.1: 9 packages (EPEL 10.2)" in status.stdout, status
    check = as_nobody(sandbox, "rocm", "check")
    assert check.returncode == 1, check            # a crossing, policy warn
    assert "ROCm 6.4 \u2192 7.1 (major): 9 packages would move (warn)" in check.stdout, check


def test_lock_versionlock_without_a_versionlock_list_writes_nothing(sandbox):
    on_64(sandbox)
    run = sandbox.dnf("rocm", "lock", "--versionlock")
    assert run.returncode == 1, run
    assert ("Error: rocm_notice: --versionlock needs the versionlock plugin's "
            "versionlock.conf with 'locklist =' in %s" % sandbox.confdir) in run.stderr, run
    assert list((sandbox.confdir / "rocm_notice.d").iterdir()) == []
    assert "ROCm held" not in run.stdout


@pytest.mark.parametrize("args", [("lock",), ("unlock",), ("allow", "7.1"),
                                  ("disallow", "7.1")])
def test_writing_subcommands_need_no_repository(sandbox, args):
    """An admin holds or approves a line on a machine whose mirror is down: nothing but
    the installed packages and our files is read."""
    on_64(sandbox)
    (sandbox.reposdir / "down.repo").write_text(
        "[down]\nname=unreachable mirror\nbaseurl=file:///nonexistent/rocm-notice-mirror\n"
        "gpgcheck=0\nenabled=1\nskip_if_unavailable=0\n")
    run = sandbox.dnf("rocm", *args)
    assert run.returncode == 0, run
    assert "nonexistent" not in run.stdout + run.stderr, run


def test_check_json_answers_with_standard_error_closed(sandbox):
    """dnf rocm check --json 2>&- (a monitoring job): dnf's repository progress meter
    wrote to the standard error of when dnf was imported, None there; the repository's
    load failed and check answered 3 (unknown) with a SWIG error."""
    import subprocess
    on_64(sandbox, "[main]\non_major = block\n")
    seen = sandbox.dnf("rocm", "check", "--json")
    closed = subprocess.run(["/bin/sh", "-c", 'exec 2>&-; exec "$@"', "sh"]
                            + sandbox.dnf_args("rocm", "check", "--json"),
                            env=sandbox.run_env(None), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, text=True, timeout=300)
    assert seen.returncode == 2, seen
    assert (closed.returncode, json.loads(closed.stdout)["status"]) == (2, 2), closed


def test_check_update_by_a_user_who_is_not_root_under_a_lock_says_only_the_hold(
        shared_sandbox):
    """The hold is made (check-update lists what upgrade would take), and its report
    cannot be written by the user: before, "cannot write report ...: Permission denied
    (transaction not affected)" on every such run. The report is root's to write."""
    import os
    import shutil
    from tests.harness.fixtures import build_repo
    sandbox = shared_sandbox
    on_64(sandbox, "[main]\non_major = lock\n")
    repo = sandbox.path / "epel-10.2-lock"
    shutil.copytree(str(build_repo(stacks.epel_10_2())), str(repo))
    for directory in [repo] + [p for p in repo.rglob("*") if p.is_dir()]:
        os.chmod(str(directory), 0o755)
    sandbox.use_repos(epel=repo)
    report = sandbox.root / "var" / "lib" / "rocm-epel-notice"
    report.mkdir(parents=True, exist_ok=True)
    os.chmod(str(report), 0o755)
    run = as_nobody(sandbox, "check-update")
    assert run.returncode == 100, run                # zstd-tools: an update
    ours = [line for line in run.stderr.splitlines() if "rocm_notice" in line]
    assert len(ours) == 1 and ours[0].startswith("rocm_notice: ROCm held at 6.4 by policy "
                                                 "(on_major = lock)"), run
    assert "rocblas" not in run.stdout, run


def test_check_save_by_a_user_who_is_not_root_says_why_it_cannot(shared_sandbox):
    """--save names a file the user asked for: unlike the system's report, a write the
    user may not make is said (and check fails), never left out in silence."""
    import os
    import shutil
    from tests.harness.fixtures import build_repo
    sandbox = shared_sandbox
    on_64(sandbox)
    repo = sandbox.path / "epel-10.2-save"
    shutil.copytree(str(build_repo(stacks.epel_10_2())), str(repo))
    for directory in [repo] + [p for p in repo.rglob("*") if p.is_dir()]:
        os.chmod(str(directory), 0o755)
    sandbox.use_repos(epel=repo)
    target = sandbox.path / "root-only"
    target.mkdir(exist_ok=True)
    os.chmod(str(target), 0o755)
    run = as_nobody(sandbox, "rocm", "check", "--save", str(target / "check.json"))
    assert run.returncode != 0, run
    assert "cannot write report %s" % (target / "check.json") in run.stderr, run


def test_check_after_lock_with_versionlock_says_held(sandbox, tmp_path):
    """'dnf rocm lock --versionlock' writes the lock and versionlock's ROCm names. check
    judges the crossing the lock holds (exit 2); with versionlock's filter on too, its
    ROCm names alone left python3-torch's upgrade unresolvable, and check answered 3."""
    with_versionlock(sandbox, tmp_path)
    on_64(sandbox)
    locked = sandbox.dnf("rocm", "lock", "--versionlock")
    assert locked.returncode == 0, locked
    check = sandbox.dnf("rocm", "check")
    assert check.returncode == 2, check
    assert sandbox.dnf("-y", "upgrade").returncode == 0
    assert sandbox.installed()["rocblas"] == "6.4.2-1.el10_1"
