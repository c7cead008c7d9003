"""Fleet monitoring: 'dnf rocm check' leaves Prometheus textfile metrics (parsed by the
real prometheus_client parser), the check's JSON object and a login-banner line; the
systemd units that run it daily pass systemd-analyze verify."""

import json
import shutil
import subprocess

import pytest

from tests.e2e import stacks
from tests.e2e.test_command import on_64
from tests.harness.ansible import VENV, require_venv
from tests.harness.fixtures import CHECKOUT

UNITS = CHECKOUT / "packaging" / "systemd"
PARSE = """
import json, sys
from prometheus_client.parser import text_string_to_metric_families
out = []
for family in text_string_to_metric_families(open(sys.argv[1]).read()):
    for sample in family.samples:
        out.append([family.name, family.type, sample.name, sample.labels, sample.value])
print(json.dumps(out))
"""


def parse_metrics(path):
    """{(name, frozenset(labels.items())): value} by prometheus_client's own parser."""
    require_venv()
    run = subprocess.run([str(VENV / "bin" / "python"), "-c", PARSE, str(path)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert run.returncode == 0, "prometheus_client rejected %s:\n%s\n%s" % (
        path, run.stderr, path.read_text())
    samples = json.loads(run.stdout)
    assert all(kind == "gauge" for _, kind, _, _, _ in samples)
    return {(name, frozenset(labels.items())): value for _, _, name, labels, value in samples}


def value(found, name, **labels):
    return found[(name, frozenset(labels.items()))]


def check_with_outputs(sandbox, tmp_path, *extra):
    collector = tmp_path / "textfile_collector"
    collector.mkdir(exist_ok=True)
    motd = tmp_path / "run" / "motd.d" / "rocm-epel-notice"
    saved = tmp_path / "check.json"
    run = sandbox.dnf("-q", "rocm", "check", "--json", "--save", str(saved), "--metrics",
                      str(collector), "--motd", str(motd), *extra)
    return run, collector / "rocm_notice.prom", motd, saved


def test_a_pending_crossing_in_metrics_banner_and_saved_object(sandbox, tmp_path):
    on_64(sandbox)
    run, prom, motd, saved = check_with_outputs(sandbox, tmp_path)
    assert run.returncode == 1, run
    assert json.loads(saved.read_text()) == json.loads(run.stdout)
    found = parse_metrics(prom)
    assert value(found, "rocm_notice_check_status") == 1
    assert value(found, "rocm_notice_check_success") == 1
    assert value(found, "rocm_notice_crossing_pending") == 1
    assert value(found, "rocm_notice_blocked") == 0 and value(found, "rocm_notice_held") == 0
    assert value(found, "rocm_notice_installed_line_info", line="6.4") == 1
    assert value(found, "rocm_notice_crossing_info", **{
        "from": "6.4", "to": "7.1", "boundary": "major", "action": "warn",
        "downgrade": "false", "approved": "false"}) == 1
    assert abs(value(found, "rocm_notice_check_timestamp_seconds")
               - prom.stat().st_mtime) < 60
    assert motd.read_text() == (
        "ROCm 6.4 -> 7.1 (major) is pending: the next 'dnf upgrade' moves this machine to "
        "ROCm 7.1; run 'dnf rocm check' (rocm-epel-notice)\n")
    assert [p.name for p in prom.parent.iterdir()] == ["rocm_notice.prom"]   # no temp left


def test_a_block_is_pending_approval_and_a_lock_removes_the_banner(sandbox, tmp_path):
    on_64(sandbox, "[main]\non_major = block\n")
    run, prom, motd, _ = check_with_outputs(sandbox, tmp_path)
    assert run.returncode == 2, run
    found = parse_metrics(prom)
    assert value(found, "rocm_notice_blocked") == 1
    assert value(found, "rocm_notice_crossing_pending") == 1
    assert "is pending approval: 'dnf upgrade' is blocked until 'dnf rocm allow 7.1'" \
        in motd.read_text()
    sandbox.write_conf("[main]\non_major = lock\n")
    run, prom, motd, _ = check_with_outputs(sandbox, tmp_path)
    assert run.returncode == 2, run
    found = parse_metrics(prom)
    assert value(found, "rocm_notice_held") == 1
    assert value(found, "rocm_notice_crossing_pending") == 0
    assert not motd.exists()                     # held on purpose: nothing pending


def test_nothing_pending_gives_zeros_and_no_banner(sandbox, tmp_path):
    on_64(sandbox, repos={"epel": stacks.epel_10_1("6.4.3")})
    run, prom, motd, _ = check_with_outputs(sandbox, tmp_path)
    assert run.returncode == 0, run
    found = parse_metrics(prom)
    assert value(found, "rocm_notice_check_status") == 0
    assert value(found, "rocm_notice_crossing_pending") == 0
    assert not any(name == "rocm_notice_crossing_info" for name, _ in found)
    assert not motd.exists()


def test_a_check_that_cannot_tell_says_unknown_and_leaves_the_banner(sandbox, tmp_path):
    on_64(sandbox)
    check_with_outputs(sandbox, tmp_path)                   # the banner is up
    (sandbox.reposdir / "down.repo").write_text(
        "[down]\nname=unreachable\nbaseurl=file:///nonexistent/rocm-notice-mirror\n"
        "gpgcheck=0\nenabled=1\nskip_if_unavailable=1\n")
    run, prom, motd, saved = check_with_outputs(sandbox, tmp_path)
    assert run.returncode == 3, run
    assert json.loads(saved.read_text())["status"] == 3
    found = parse_metrics(prom)
    assert value(found, "rocm_notice_check_status") == 3
    assert value(found, "rocm_notice_check_success") == 0
    assert not any(name in ("rocm_notice_crossing_pending", "rocm_notice_blocked",
                            "rocm_notice_held") for name, _ in found)   # absent: unknown
    assert value(found, "rocm_notice_installed_line_info", line="6.4") == 1
    assert motd.exists()                                    # could not tell: unchanged


def test_a_missing_collector_directory_is_one_line_and_the_answer_stands(sandbox, tmp_path):
    on_64(sandbox)
    run = sandbox.dnf("-q", "rocm", "check", "--metrics", str(tmp_path / "nowhere"))
    assert run.returncode == 1, run
    assert run.stderr.strip() == ("rocm_notice: cannot write metrics %s: no such directory"
                                  % (tmp_path / "nowhere" / "rocm_notice.prom")), run


@pytest.mark.parametrize("option", ["--metrics", "--motd", "--save"])
def test_publishing_options_belong_to_check(sandbox, option):
    run = sandbox.dnf("rocm", "status", option, "/tmp/x")
    assert run.returncode == 1, run
    assert "rocm_notice: %s does not apply to 'dnf rocm status'" % option in run.stderr


# -- the systemd units ----------------------------------------------------------------

def test_units_pass_systemd_analyze_verify():
    analyze = shutil.which("systemd-analyze")
    if not analyze:
        pytest.fail("systemd-analyze is missing (package systemd; run 'make check')")
    units = [str(UNITS / "rocm-epel-notice-check.service"),
             str(UNITS / "rocm-epel-notice-check.timer")]
    # --man=no: the page is dnf4-rocm(8) of this package (checked below), not installed here
    run = subprocess.run([analyze, "verify", "--man=no"] + units, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert run.returncode == 0 and run.stdout.strip() == "", run.stdout


@pytest.mark.parametrize("configured, default_exists, metrics", [
    ("", False, None),                  # no node_exporter: no --metrics, no error
    ("", True, "default"),              # node_exporter's directory is there
    ("/srv/prom", False, "/srv/prom"),  # the admin named one: used, and said if it fails
])
def test_the_check_writes_metrics_only_where_they_are_collected(tmp_path, configured,
                                                                default_exists, metrics):
    """The service's command, run by the shell as systemd runs it ($$ is systemd's $),
    with a dnf that records its arguments."""
    service = (UNITS / "rocm-epel-notice-check.service").read_text()
    line = next(l for l in service.splitlines() if l.startswith("ExecStart=/bin/sh -c '"))
    script = line[len("ExecStart=/bin/sh -c '"):line.rindex("'")].replace("$$", "$")
    default = tmp_path / "textfile_collector"
    if default_exists:
        default.mkdir()
    fake = tmp_path / "dnf"
    fake.write_text("#!/bin/sh\nprintf '%s\\n' \"$@\"\n")
    fake.chmod(0o755)
    script = script.replace("/var/lib/node_exporter/textfile_collector", str(default)) \
        .replace("/usr/bin/dnf", str(fake))
    run = subprocess.run(["/bin/sh", "-c", script], env={"PATH": "/usr/bin:/bin",
                                                         "METRICS_DIR": configured},
                         stdout=subprocess.PIPE, text=True, check=True)
    args = run.stdout.split("\n")
    assert args[:5] == ["-q", "rocm", "check", "--json", "--save"], args
    if metrics is None:
        assert "--metrics" not in args
    else:
        at = args.index("--metrics")
        assert args[at + 1] == (str(default) if metrics == "default" else metrics)


def test_units_run_the_check_daily_after_makecache_and_ship_disabled():
    service = (UNITS / "rocm-epel-notice-check.service").read_text()
    timer = (UNITS / "rocm-epel-notice-check.timer").read_text()
    assert "After=network-online.target dnf-makecache.service" in service
    assert "exec /usr/bin/dnf -q rocm check \"$$@\"" in service
    assert "SuccessExitStatus=1 2" in service
    assert "OnCalendar=daily" in timer and "WantedBy=timers.target" in timer
    for unit in (service, timer):
        assert "Documentation=man:dnf4-rocm(8)" in unit
    spec = (CHECKOUT / "rocm-epel-notice.spec").read_text()
    assert "%systemd_post rocm-epel-notice-check.timer" in spec    # presets: disabled
