"""``rocm-epel-notice``, dnf 4's ``dnf rocm`` on a dnf5 system, against real dnf5 5.4.

The command reads the installroot through libdnf5 (Debian unstable's bindings, in the
cached dnf5 root); what it writes is then read by real dnf5: the drop-ins by our actions
adapter, ``versionlock.toml`` by dnf5's own versionlock.
"""

import json

import pytest

from tests.e2e import stacks
from tests.harness.dnf5 import Dnf5Sandbox

ALL = stacks.ROCM_NAMES + ["python3-torch", "zstd-tools"]
ADMIN = """version = "1.0"

# the admin's own entry, and its comment, must come back byte for byte
[[packages]]
name = "zstd-tools"
comment = "kept by the admin"
[[packages.conditions]]
key = "evr"
comparator = "<"
value = "0:9"
"""


@pytest.fixture
def dnf5(tmp_path):
    sandbox = Dnf5Sandbox(tmp_path / "dnf5")
    sandbox.use_repos(epel=stacks.epel_10_1())
    sandbox.install(*ALL)
    sandbox.use_repos(epel=stacks.epel_10_2())
    return sandbox


def test_status_check_allow_and_disallow(dnf5):
    status = dnf5.command("status", "--json")
    assert status.returncode == 0, status
    data = json.loads(status.stdout)
    assert data["installed_line"] == "6.4"
    assert list(data["available"]) == ["7.1"]
    check = dnf5.command("check")
    assert (check.returncode, check.stdout) == (
        1, "ROCm 6.4 \u2192 7.1 (major): 9 packages would move (warn)\n"), check  # UTF-8 stderr
    dnf5.write_conf("[main]\non_major = block\n")
    blocked = dnf5.command("check", "--json")
    assert blocked.returncode == 2, blocked
    assert json.loads(blocked.stdout)["crossings"][0]["action"] == "block"
    allowed = dnf5.command("allow", "7.1")
    assert allowed.returncode == 0, allowed
    assert json.loads(dnf5.command("check", "--json").stdout)["crossings"][0]["approved"]
    upgrade = dnf5.dnf5("-y", "upgrade")               # the adapter reads the same drop-in
    assert upgrade.returncode == 0, upgrade
    assert dnf5.installed()["rocm-hip"] == "7.1.1-1.el10_2"
    disallowed = dnf5.command("disallow", "7.1")
    assert disallowed.stdout.startswith("ROCm 7.1 no longer approved in "), disallowed
    assert dnf5.command("check").returncode == 0          # nothing left to cross


def test_lock_with_versionlock_round_trip(dnf5):
    listfile = dnf5.root / "etc" / "dnf" / "versionlock.toml"
    listfile.write_text(ADMIN)
    before = dnf5.installed()
    lock = dnf5.command("lock", "--versionlock")
    assert lock.returncode == 0, lock
    assert lock.stdout.splitlines()[1] == (
        "versionlock entries for ROCm 6.4 in %s: 9 (written)" % listfile), lock
    assert listfile.read_text().startswith(ADMIN)
    listed = dnf5.dnf5("versionlock", "list")            # dnf5's own reading of the file
    assert listed.returncode == 0, listed
    assert "Package name: zstd-tools" in listed.stdout
    assert "Package name: rocm-hip\nevr >= 0:6.4\nevr < 0:6.5" in listed.stdout, listed
    assert "Package name: hipcc\nevr >= 0:19\nevr < 0:20" in listed.stdout
    assert dnf5.command("check").returncode == 2
    upgrade = dnf5.dnf5("-y", "upgrade")
    assert upgrade.returncode == 0, upgrade
    after = dnf5.installed()
    assert {n: after[n] for n in stacks.ROCM_NAMES} == {n: before[n] for n in stacks.ROCM_NAMES}
    assert after["zstd-tools"] == "1.5.7-1.el10_2"
    unlock = dnf5.command("unlock")
    assert unlock.returncode == 0, unlock
    assert "our entries in %s" % listfile in unlock.stdout
    assert listfile.read_text() == ADMIN                  # the admin's file, byte for byte
    assert not (dnf5.confdir / "rocm_notice.d" / "90-dnf-rocm-lock.conf").exists()
    again = dnf5.command("unlock")
    assert again.stdout.startswith("nothing to unlock"), again


def test_lock_without_rocm_is_one_line_and_exit_1(tmp_path):
    sandbox = Dnf5Sandbox(tmp_path / "dnf5")
    sandbox.use_repos(epel=stacks.epel_10_1())
    run = sandbox.command("lock")
    assert run.returncode == 1, run
    assert run.stderr == ("rocm-epel-notice: no ROCm package is installed: there is no release "
                          "line to hold\n"), run


def test_check_leaves_the_same_files_for_monitoring_as_dnf_rocm_check(dnf5):
    """--save, --metrics and --motd, as the daily timer uses them with 'dnf rocm check'
    (fleet.publish, the one writer of both commands): the JSON object, the metrics, and
    the login banner's line naming this system's command."""
    out = dnf5.path / "out"
    (out / "metrics").mkdir(parents=True)
    check = dnf5.command("check", "--json", "--save", str(out / "check.json"),
                         "--metrics", str(out / "metrics"), "--motd", str(out / "motd"))
    assert check.returncode == 1, check
    assert json.loads((out / "check.json").read_text()) == json.loads(check.stdout)
    prom = (out / "metrics" / "rocm_notice.prom").read_text()
    assert "rocm_notice_crossing_pending 1" in prom.splitlines(), prom
    assert 'rocm_notice_installed_line_info{line="6.4"} 1' in prom.splitlines(), prom
    assert (out / "motd").read_text() == (
        "ROCm 6.4 -> 7.1 (major) is pending: the next 'dnf upgrade' moves this machine to "
        "ROCm 7.1; run 'rocm-epel-notice check' (rocm-epel-notice)\n")
    dnf5.write_conf("[main]\non_major = lock\n")
    held = dnf5.command("check", "--motd", str(out / "motd"))
    assert held.returncode == 2, held
    assert not (out / "motd").exists()          # nothing pending: a lock holds it


def test_scan_names_what_the_pending_upgrade_breaks_as_dnf_rocm_scan_does(dnf5):
    """rocm-epel-notice scan, through libdnf5's upgrade: the same JSON object as
    'dnf rocm scan' (tests/e2e/test_scan.py, whose programs these are)."""
    from tests.e2e.test_scan import BROKEN, HIP6, STILL_RUN
    from tests.harness import elf
    elf.lay_out(dnf5.root, elf.build(), compat=True, packaged=False)
    before = dnf5.installed()
    run = dnf5.command("scan", "--json")
    assert run.returncode == 1, run
    data = json.loads(run.stdout)
    assert HIP6 in data["pending_lost_sonames"] and data["pending_problem"] is None
    assert [b["path"] for b in data["broken"]] == BROKEN[:1] + ["/usr/local/bin/app7"] \
        + BROKEN[1:]
    assert {r["path"]: r["found"] for r in data["still_run"]} == STILL_RUN
    named = dnf5.command("scan", "/opt/bundled")
    assert named.returncode == 0, named
    assert dnf5.installed() == before


def test_a_bug_of_ours_is_one_line_never_a_traceback(tmp_path):
    """As 'dnf rocm' (tests/e2e/test_command.py): check and scan answer 3 with one JSON
    object; any other subcommand exits 1 with one line naming the command to look with."""
    from tests.harness.fixtures import core_with_planted_bug
    sandbox = Dnf5Sandbox(tmp_path / "dnf5")
    sandbox.use_repos(epel=stacks.epel_10_1())
    sandbox.install(*ALL)
    sandbox.use_repos(epel=stacks.epel_10_2())
    sandbox.pythonpath = str(core_with_planted_bug(tmp_path / "a", "core.analysis", "analyse"))
    check = sandbox.command("check", "--json")
    assert check.returncode == 3, check
    # (where the system log took the traceback, the line says so after it)
    assert json.loads(check.stdout)["error"].startswith("internal error: KeyError: 'planted bug'")
    sandbox.pythonpath = str(core_with_planted_bug(tmp_path / "s", "core.status", "build"))
    status = sandbox.command("status")
    assert status.returncode == 1, status
    assert status.stderr.startswith(
        "rocm-epel-notice: internal error: KeyError: 'planted bug' (the command stopped "
        "there; 'rocm-epel-notice status' shows the state)"), status
    assert len(status.stderr.splitlines()) == 1 and "Traceback" not in status.stderr
