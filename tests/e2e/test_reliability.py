"""Bad input and faults: each ends in one clear line and an unaffected transaction.

Covers what a machine throws at the plugin: broken drop-ins, odd version strings,
hostile repository metadata, concurrent writers; and that nothing of ours ever lands on
stdout, whatever the mode.
"""

import json
import subprocess

import pytest

from tests.e2e import stacks
from tests.e2e.stacks import Pkg, so
from tests.harness.fixtures import core_with_planted_bug, forge_repo
from tests.harness.sandbox import with_versionlock

ALL = stacks.ROCM_NAMES + ["python3-torch", "zstd-tools"]


def patch_pending(sandbox):
    """6.4.1 installed, 6.4.2 offered: an upgrade the plugin must stay silent about."""
    sandbox.use_repos(epel=stacks.epel_10_1("6.4.1"))
    sandbox.install(*ALL)
    sandbox.use_repos(epel=stacks.epel_10_1("6.4.2"))


def ours(run):
    return [line for line in run.stderr.splitlines() if line.startswith("rocm_notice:")]


# -- broken drop-ins: one line each, and the upgrade goes through -------------------------

BAD_DROPINS = {
    "unknown key": (b"[main]\non_mjaor = lock\n", "unknown key 'on_mjaor'"),
    "bad value": (b"[main]\non_minor = sometimes\n", "on_minor = sometimes is not valid"),
    "duplicate key": (b"[main]\non_major = warn\non_major = warn\n", "is set twice"),
    "not UTF-8": (b"[main]\n# caf\xe9\non_major = warn\n", "is not valid UTF-8"),
    "syntax error": (b"[main]\nthis is not a setting\n", "line 2 is not 'key = value'"),
    "no section": (b"on_major = lock\n", "has no [main] section"),
    "unknown section": (b"[main]\n[extra]\nkey = 1\n", "unknown section [extra]"),
}


@pytest.mark.parametrize("case", sorted(BAD_DROPINS))
def test_a_broken_dropin_costs_one_line_and_nothing_else(sandbox, case):
    content, says = BAD_DROPINS[case]
    sandbox.write_conf("[main]\n")
    patch_pending(sandbox)
    (sandbox.confdir / "rocm_notice.d" / "50-broken.conf").write_bytes(content)
    run = sandbox.dnf("-y", "upgrade")
    assert run.returncode == 0, run
    assert "Traceback" not in run.stderr
    assert len(ours(run)) == 1 and says in ours(run)[0], run
    assert "50-broken.conf" in ours(run)[0]
    assert sandbox.installed()["rocblas"] == "6.4.2-1.el10_1"


@pytest.mark.parametrize("where", ["directory", "symlink loop"])
def test_an_unreadable_dropin_costs_one_line(sandbox, where):
    sandbox.write_conf("[main]\n")
    patch_pending(sandbox)
    path = sandbox.confdir / "rocm_notice.d" / "50-unreadable.conf"
    if where == "directory":
        path.mkdir()
    else:
        path.symlink_to(path.name)
    run = sandbox.dnf("-y", "upgrade")
    assert run.returncode == 0, run
    assert len(ours(run)) == 1 and "cannot read" in ours(run)[0], run
    assert sandbox.installed()["rocblas"] == "6.4.2-1.el10_1"


# -- odd versions ---------------------------------------------------------------------------

def test_odd_versions_never_break_a_transaction(sandbox):
    sandbox.use_repos(epel=[Pkg("rocblas", "6.4.2", "1.el10_1"),
                            Pkg("rocm-smi", "6.4.2", "1.el10_1"),
                            Pkg("hipfft", "6.4.2", "1.el10_1"),
                            Pkg("rocsparse", "6.4.2", "1.el10_1"),
                            Pkg("hipcc", "19", "1.rocm6.4.2.el10_1")])
    sandbox.install("rocblas", "rocm-smi", "hipfft", "rocsparse", "hipcc")
    sandbox.use_repos(epel=[
        Pkg("rocblas", "6.4.2^git20260101.abc1234", "1.el10_1"),     # snapshot: unknown
        Pkg("rocm-smi", "7.1.1", "1.el10_2", epoch=1),                # epoch change
        Pkg("hipfft", "99999999999.1.0", "1.el10_2"),                 # huge: unknown
        Pkg("rocsparse", "6.4.3+really6.4.2", "1.el10_1"),            # '+': unknown
        Pkg("hipcc", "20", "0.rocm7.2.0^git20260101.abc1234.el10_3")])  # pre-release
    run = sandbox.dnf("-y", "upgrade")
    assert run.returncode == 0, run
    assert "Traceback" not in run.stderr
    notice = "\n".join(ours(run))
    assert "6.4 \u2192 7.1 (major): 1 package" in notice       # rocm-smi, across the epoch
    assert "6.4 \u2192 7.2 (major): 1 package" in notice       # hipcc's pre-release
    assert "99999" not in notice
    assert sandbox.installed()["hipfft"] == "99999999999.1.0-1.el10_2"


# -- hostile repository metadata ----------------------------------------------------------

def test_control_characters_from_repository_metadata_are_not_printed(sandbox):
    sandbox.use_repos(epel=stacks.epel_10_1())
    sandbox.install(*ALL)
    # A consumer whose name, as the mirror serves it, carries a C1 CSI (U+009B): legal in
    # XML, and a terminal escape. It replaces python3-torch built for 6.4.
    consumer = Pkg("torchxx", "2.7.1", "1.el10_2", obsoletes=("python3-torch < 2.6",),
                   requires=(so("libamdhip64.so.7"), so("librocblas.so.5")))
    offered = [p for p in stacks.epel_10_2() if p.name != "python3-torch"] + [consumer]
    sandbox.use_repos(epel=forge_repo(offered, {">torchxx<": ">torch&#x9b;2Jxx<",
                                                "name=\"torchxx\"": "name=\"torch&#x9b;2Jxx\""}))
    run = sandbox.dnf("--assumeno", "upgrade")
    assert "torch\u009b2Jxx" in run.stdout          # dnf's own table shows it as it is
    assert "\u009b" not in run.stderr, run
    assert "Also moving to ROCm 7.1: torch2Jxx." in run.stderr
    report = json.loads((sandbox.root / "var/lib/rocm-epel-notice/last.json").read_text())
    assert report["consumers"] == ["torch2Jxx"]


# -- concurrent writers -------------------------------------------------------------------

def test_two_concurrent_locks_leave_a_valid_versionlock_list(sandbox, tmp_path):
    locklist = with_versionlock(sandbox, tmp_path)
    locklist.write_text("# site pins\nzstd-tools-0:1.5.6-1.el10_1.*\n")
    sandbox.use_repos(epel=stacks.epel_10_1())
    sandbox.install(*ALL)
    runs = [subprocess.Popen(sandbox.dnf_args("rocm", "lock", "--versionlock"),
                             env=sandbox.run_env(), stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)]
    results = [(r.wait(timeout=300), r.stderr.read()) for r in runs]
    for code, err in results:
        assert code == 0 and "Traceback" not in err, err
    text = locklist.read_text()
    assert text.startswith("# site pins\nzstd-tools-0:1.5.6-1.el10_1.*\n")
    assert text.count("# rocm-epel-notice: begin") == 1
    assert text.count("# rocm-epel-notice: end") == 1
    assert "rocblas-0:6.4.*" in text


# -- nothing of ours on stdout, in any mode -----------------------------------------------

MODES = {
    "warn": ("[main]\n", ("-y", "upgrade"), 0),
    "warn, assumeno": ("[main]\n", ("--assumeno", "upgrade"), 1),
    "lock": ("[main]\non_major = lock\n", ("-y", "upgrade"), 0),
    "block": ("[main]\non_major = block\n", ("-y", "upgrade"), 1),
    # a policy value that is not valid refuses the crossing (it may have meant block)
    "bad config": ("[main]\non_major = never\nwhat = 1\n", ("-y", "upgrade"), 1),
    "quiet": ("[main]\n", ("-q", "-y", "upgrade"), 0),
    "report unwritable": ("[main]\n", ("-y", "upgrade"), 0),
}


@pytest.mark.parametrize("mode", sorted(MODES))
def test_nothing_of_ours_on_stdout(sandbox, mode):
    conf, args, code = MODES[mode]
    sandbox.write_conf(conf)
    sandbox.use_repos(epel=stacks.epel_10_1())
    sandbox.install(*ALL)
    sandbox.use_repos(epel=stacks.epel_10_2())
    if mode == "report unwritable":     # a file where the report directory should be
        (sandbox.root / "var" / "lib" / "rocm-epel-notice").write_text("")
    run = sandbox.dnf(*args)
    assert run.returncode == code, run
    if mode == "report unwritable":
        assert "cannot write report" in run.stderr, run
    assert "rocm_notice" not in run.stdout and "ROCm" not in run.stdout, run
    assert "Traceback" not in run.stdout + run.stderr


@pytest.mark.parametrize("policy", ["warn", "block"])
def test_nothing_of_ours_on_stdout_when_the_plugin_has_a_bug(sandbox, tmp_path, policy):
    sandbox.write_conf("[main]\non_major = %s\n" % policy)
    sandbox.use_repos(epel=stacks.epel_10_1())
    sandbox.install(*ALL)
    sandbox.use_repos(epel=stacks.epel_10_2())
    sandbox.pythonpath = str(core_with_planted_bug(tmp_path))
    run = sandbox.dnf("-y", "upgrade")
    assert run.returncode == (0 if policy == "warn" else 1), run
    assert "rocm_notice" not in run.stdout
    assert "Traceback" not in run.stdout + run.stderr


@pytest.mark.parametrize("conf, refused", [
    ("[main]\non_major = block\n", True),
    ("[main]\non_major = lock   # hold the cluster on 6.4\n", True),
    ("[main]\non_minor = blokc\n", True),       # not valid: may have meant lock or block
    ("[main]\non_major = warn\n", False),
])
def test_without_its_core_package_the_plugin_refuses_under_lock_or_block(
        sandbox, tmp_path, conf, refused):
    """A partial 'rpm -e' or a broken update leaves the plugin without rocm_notice.
    Before: two ModuleNotFoundError tracebacks, and ROCm moved 6.4 -> 7.1 with exit 0
    under block (the plugin's own error path imported the missing package)."""
    sandbox.write_conf(conf)
    sandbox.use_repos(epel=stacks.epel_10_1())
    sandbox.install(*ALL)
    before = sandbox.installed()
    sandbox.use_repos(epel=stacks.epel_10_2())
    (tmp_path / "empty").mkdir()
    sandbox.pythonpath = str(tmp_path / "empty")
    run = sandbox.dnf("-y", "upgrade")
    assert "Traceback" not in run.stdout + run.stderr, run
    assert "rocm_notice" not in run.stdout, run
    assert ("rocm_notice: cannot load the rocm_notice package (ModuleNotFoundError: No "
            "module named 'rocm_notice'); ROCm is not checked") in run.stderr, run
    if not refused:
        assert run.returncode == 0, run
        assert sandbox.installed()["rocblas"] == "7.1.1-1.el10_2"
        return
    assert run.returncode == 1, run
    conf_path = str(sandbox.confdir / "rocm_notice.conf")
    assert ("Error: rocm_notice: refused: the ROCm policy (%s) says lock or block, and the "
            "check cannot run" % conf_path) in run.stderr, run
    assert "dnf --disableplugin=rocm_notice" in run.stderr, run
    assert sandbox.installed() == before
    command = sandbox.dnf("rocm", "status")
    assert command.returncode == 1 and "Traceback" not in command.stdout + command.stderr
    assert "cannot load the rocm_notice package" in command.stderr, command


# -- a read-only or full report directory: real mounts, not stand-ins ----------------------

MOUNTS = {
    # Root writes through a chmod'ed directory: a read-only mount stops it.
    "read-only": ('mount -t tmpfs -o ro tmpfs "$1"', "Read-only file system"),
    # A one-page tmpfs, filled up before dnf runs: the report's write meets ENOSPC.
    "full": ('mount -t tmpfs -o size=4k tmpfs "$1" && '
             '{ dd if=/dev/zero of="$1/filler" bs=1k count=64 2>/dev/null; true; }',
             "No space left on device"),
}


@pytest.mark.parametrize("fault", sorted(MOUNTS))
def test_a_report_directory_that_cannot_take_it_costs_one_line_and_dnf_completes(
        sandbox, fault):
    """The directory is a tmpfs mounted in a mount namespace of this one dnf run
    (unshare -m), so the fault is the kernel's, not a simulation."""
    mount, reason = MOUNTS[fault]
    sandbox.use_repos(epel=stacks.epel_10_1())
    sandbox.install(*ALL)
    sandbox.use_repos(epel=stacks.epel_10_2())
    directory = sandbox.root / "var" / "lib" / "rocm-epel-notice"
    directory.mkdir(parents=True)
    probe = subprocess.run(["unshare", "-m", "mount", "-t", "tmpfs", "-o", "ro", "tmpfs",
                            str(directory)], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.fail("this test needs a private read-only mount (unshare -m, as root): %s"
                    % probe.stderr.strip())
    # dnf runs under the mount; then what the mounted directory holds is listed.
    listing = sandbox.path / "listing"
    script = (mount + ' && dir="$1" && out="$2" && shift 2 && "$@"; rc=$?; '
              'ls -A "$dir" > "$out"; exit $rc')
    run = subprocess.run(["unshare", "-m", "sh", "-c", script, "sh", str(directory),
                          str(listing)]
                         + sandbox.dnf_args("-y", "upgrade"), env=sandbox.run_env(),
                         stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run
    assert "Traceback" not in run.stderr
    assert [line for line in ours(run) if "cannot write report" in line] == [
        "rocm_notice: cannot write report %s/last.json: %s "
        "(transaction not affected)" % (directory, reason)], run
    assert sandbox.installed()["rocblas"] == "7.1.1-1.el10_2"
    left = listing.read_text().split()
    assert left == (["filler"] if fault == "full" else []), left     # no temporary file


def test_a_plugin_bug_leaves_its_traceback_in_dnf_log_not_on_the_terminal(sandbox, tmp_path):
    """A bug report carries more than the one line: dnf.log has the traceback (debug)."""
    sandbox.use_repos(epel=stacks.epel_10_1())
    sandbox.install(*ALL)
    sandbox.use_repos(epel=stacks.epel_10_2())
    sandbox.pythonpath = str(core_with_planted_bug(tmp_path))
    run = sandbox.dnf("-y", "upgrade")
    assert run.returncode == 0, run
    assert "Traceback" not in run.stdout + run.stderr, run
    assert ours(run) == ["rocm_notice: internal error: KeyError: 'planted bug' "
                         "(transaction not affected)"], run
    log = (sandbox.root / "var" / "log" / "dnf.log").read_text()
    assert "rocm_notice: traceback of KeyError" in log, log[-3000:]
    assert "Traceback (most recent call last)" in log
    assert "in analyse" in log and "KeyError: 'planted bug'" in log
