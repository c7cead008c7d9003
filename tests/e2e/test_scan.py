"""`dnf rocm scan` with the real dnf: programs built here against ROCm 6.4, named before
the 6.4 -> 7.1 upgrade (from the analysis that finds "Libraries that go away") and after it
(no installed package provides their library)."""

import json

import pytest

from tests.e2e import stacks
from tests.harness import elf

ALL = stacks.ROCM_NAMES + ["python3-torch", "zstd-tools"]
HIP6 = "libamdhip64.so.6"
BROKEN = ["/usr/local/bin/app", "/usr/local/lib64/libuser.so",     # in the order walked
          "/opt/sys/bin/app-system",
          "/opt/venv/lib/python3.12/site-packages/ext.cpython-312-x86_64-linux-gnu.so"]
STILL_RUN = {"/opt/bundled/bin/app-bundled": {HIP6: "/opt/bundled/lib (RUNPATH)"},
             "/opt/compat/bin/app-compat": {HIP6: elf.COMPAT_DIR + " (RUNPATH)"},
             "/opt/compat/bin/app-rpath": {HIP6: elf.COMPAT_DIR + " (RPATH)"}}


@pytest.fixture
def on_64(sandbox):
    """ROCm 6.4 installed, programs built against it under /opt and /usr/local (the fake
    RPMs ship no files: the compat tree's copy is placed by hand), EPEL 10.2 enabled."""
    sandbox.use_repos(epel=stacks.epel_10_1())
    sandbox.install(*ALL)
    elf.lay_out(sandbox.root, elf.build(), compat=True, packaged=False)
    sandbox.use_repos(epel=stacks.epel_10_2())
    return sandbox


def test_before_the_upgrade_names_what_it_breaks_and_changes_nothing(on_64):
    before = on_64.installed()
    run = on_64.dnf("rocm", "scan")
    assert run.returncode == 1, run
    assert "Broken by the pending upgrade, which removes %s:" % HIP6 in run.stdout, run
    for path in BROKEN:
        assert "  %s: %s" % (path, HIP6) in run.stdout, run
    assert "  /opt/compat/bin/app-compat: %s in %s (RUNPATH)" % (HIP6, elf.COMPAT_DIR) \
        in run.stdout
    # built against 7.1, which is not installed yet: broken now, and said so apart
    assert "Broken now (no installed package provides libamdhip64.so.7):\n" \
        "  /usr/local/bin/app7: libamdhip64.so.7" in run.stdout
    assert "inside %s" % on_64.root in run.stdout          # paths are the root's own
    assert "unreadable: /opt/broken/app-truncated" in run.stdout
    assert "rocm_notice: this transaction" not in run.stderr     # our hook stayed quiet
    assert "Traceback" not in run.stderr
    assert on_64.installed() == before


def test_json_before_the_upgrade(on_64):
    run = on_64.dnf("rocm", "scan", "--json")
    assert run.returncode == 1, run
    data = json.loads(run.stdout)                   # stdout is the JSON object alone
    assert data["schema"] == 1 and data["status"] == 1 and data["complete"] is True
    assert HIP6 in data["pending_lost_sonames"] and data["pending_problem"] is None
    assert [b["path"] for b in data["broken"]] == BROKEN[:1] + ["/usr/local/bin/app7"] \
        + BROKEN[1:]
    needs = {b["path"]: b["needs"] for b in data["broken"]}
    assert needs == dict({path: {HIP6: "upgrade"} for path in BROKEN},
                         **{"/usr/local/bin/app7": {"libamdhip64.so.7": "missing"}})
    assert {r["path"]: r["found"] for r in data["still_run"]} == STILL_RUN
    assert data["paths"] == ["/usr/local", "/opt"] and data["unreadable"] == 1


def test_named_paths_replace_the_configured_ones(on_64):
    run = on_64.dnf("rocm", "scan", "/usr/local/bin", "/opt/compat", "--json")
    assert run.returncode == 1, run
    data = json.loads(run.stdout)
    assert data["paths"] == ["/usr/local/bin", "/opt/compat"]
    assert [b["path"] for b in data["broken"]] == ["/usr/local/bin/app", "/usr/local/bin/app7"]
    on_64.write_conf("[main]\nscan_paths = /opt/bundled\n")
    run = on_64.dnf("rocm", "scan")
    assert run.returncode == 0, run
    assert "No program found" in run.stdout and "Scanned /opt/bundled inside" in run.stdout


def test_nothing_crossing_and_nothing_missing_exits_0(on_64):
    on_64.use_repos(epel=stacks.epel_10_1("6.4.3"))          # a patch update only
    run = on_64.dnf("rocm", "scan", "/opt")        # /usr/local has app7: 7.1 is missing
    assert run.returncode == 0, run
    assert "No program found that needs a ROCm library" in run.stdout


def test_after_the_upgrade_names_what_is_broken_now(on_64):
    upgrade = on_64.dnf("-y", "upgrade")
    assert upgrade.returncode == 0, upgrade
    assert on_64.installed()["rocm-hip"].startswith("7.1")
    on_64.use_repos()                                   # no repositories at all now
    run = on_64.dnf("rocm", "scan", "--json")
    assert run.returncode == 1, run
    data = json.loads(run.stdout)
    assert [b["path"] for b in data["broken"]] == BROKEN
    assert all(b["needs"] == {HIP6: "missing"} for b in data["broken"])
    assert {r["path"] for r in data["still_run"]} == set(STILL_RUN)
    assert data["pending_lost_sonames"] == []
    text = on_64.dnf("rocm", "scan")
    assert "Broken now (no installed package provides %s):" % HIP6 in text.stdout, text


def test_a_deadline_stops_the_scan_and_says_so(on_64):
    on_64.write_conf("[main]\nscan_seconds = 0.000001\n")
    run = on_64.dnf("rocm", "scan", "/opt/bundled")
    assert run.returncode == 3, run
    assert "Stopped after" in run.stdout and "(scan_seconds)" in run.stdout


def test_bad_input_is_one_line_and_exit_3(on_64):
    run = on_64.dnf("rocm", "scan", "relative/dir")
    assert run.returncode == 3, run
    assert "the scan could not run: 'relative/dir' is not an absolute path" in run.stderr
    assert "Traceback" not in run.stderr
    run = on_64.dnf("rocm", "status", "/opt")
    assert run.returncode == 1 and "does not apply to 'dnf rocm status'" in run.stderr


# -- the notice's quick scan (issue 15 part 3) --------------------------------------------

CACHE = "var/cache/rocm-epel-notice/scan-cache.json"
REPORT = "var/lib/rocm-epel-notice/last.json"
NAMED = ("  Built here against 6.4 and broken by this update: /usr/local/bin/app, "
         "/usr/local/lib64/libuser.so, /opt/sys/bin/app-system (+1 more: dnf rocm scan)")


def test_the_notice_names_programs_built_here_and_the_report_and_check_carry_them(on_64):
    before = on_64.installed()
    run = on_64.dnf("--assumeno", "upgrade")
    assert run.returncode == 1, run                        # --assumeno: "Operation aborted."
    assert NAMED in run.stderr, run
    assert (on_64.root / CACHE).is_file()                  # inside the root, not the host's
    report = json.loads((on_64.root / REPORT).read_text())
    found = report["broken_programs"]
    assert found["count"] == 4 and found["complete"] is True
    assert found["paths"] == BROKEN and found["scanned"] == ["/usr/local", "/opt"]
    check = on_64.dnf("rocm", "check", "--json")
    assert check.returncode == 1, check
    assert json.loads(check.stdout)["broken_programs"]["paths"] == BROKEN
    assert on_64.installed() == before
    again = on_64.dnf("--assumeno", "upgrade")             # through the cache: the same
    assert NAMED in again.stderr, again


def test_notice_scan_seconds_0_turns_the_quick_scan_off(on_64):
    on_64.write_conf("[main]\nnotice_scan_seconds = 0\n")
    run = on_64.dnf("--assumeno", "upgrade")
    assert "Libraries that go away" in run.stderr, run
    assert "Built here" not in run.stderr
    assert not (on_64.root / CACHE).exists()
    assert json.loads((on_64.root / REPORT).read_text())["broken_programs"] is None
    check = on_64.dnf("rocm", "check", "--json")
    assert json.loads(check.stdout)["broken_programs"] is None


def test_nothing_is_scanned_when_nothing_crosses(on_64):
    on_64.use_repos(epel=stacks.epel_10_1("6.4.3"))          # patch updates only
    run = on_64.dnf("-y", "upgrade")
    assert run.returncode == 0, run
    assert on_64.installed()["rocm-hip"].startswith("6.4.3")
    assert "rocm_notice" not in run.stderr
    assert not (on_64.root / CACHE).exists()
    check = on_64.dnf("rocm", "check", "--json")
    assert check.returncode == 0 and json.loads(check.stdout)["broken_programs"] is None
    assert not (on_64.root / CACHE).exists()


def test_another_filesystem_inside_a_tree_is_not_crossed(on_64):
    """A tmpfs mounted in /opt/nfs for this one dnf run (unshare -m): the kernel's
    st_dev, not a simulation. The program on it is not read; the mount point counts as
    skipped."""
    import subprocess
    mountpoint = on_64.root / "opt" / "nfs"
    mountpoint.mkdir()
    app = elf.build() / "app"
    script = ('mount -t tmpfs tmpfs "$1" && cp "$2" "$1/app" && shift 2 && exec "$@"')
    run = subprocess.run(["unshare", "-m", "sh", "-c", script, "sh", str(mountpoint), str(app)]
                         + on_64.dnf_args("rocm", "scan", "/opt", "--json"),
                         env=on_64.run_env(), stdin=subprocess.DEVNULL, capture_output=True,
                         text=True, timeout=300)
    if "mount:" in run.stderr or "unshare:" in run.stderr:
        pytest.fail("this test needs a private mount (unshare -m, as root): %s" % run.stderr)
    assert run.returncode == 1, run
    data = json.loads(run.stdout)
    assert data["skipped"] == 1
    assert "/opt/nfs/app" not in [b["path"] for b in data["broken"]]
    assert [b["path"] for b in data["broken"]] == BROKEN[2:]


@pytest.mark.parametrize("skip", ["0", "1"])
def test_a_repository_that_cannot_be_read_still_scans_for_what_is_missing(on_64, skip):
    """The pending upgrade cannot be told (dnf stops on the repository, or skips it):
    said in one line; what is missing now is still named; nothing found would be 3."""
    (on_64.reposdir / "down.repo").write_text(
        "[down]\nname=unreachable mirror\nbaseurl=file:///nonexistent/rocm-notice-mirror\n"
        "gpgcheck=0\nenabled=1\nskip_if_unavailable=%s\n" % skip)
    run = on_64.dnf("rocm", "scan", "--json")
    assert run.returncode == 1, run
    data = json.loads(run.stdout)
    assert data["pending_problem"] and data["pending_lost_sonames"] == []
    assert [b["path"] for b in data["broken"]] == ["/usr/local/bin/app7"]   # needs 7.1
    run = on_64.dnf("rocm", "scan", "/opt")
    assert run.returncode == 3, run
    assert "What the pending upgrade removes could not be told: " in run.stdout
    assert "Traceback" not in run.stderr
