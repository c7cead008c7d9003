"""The JSON report: what monitoring reads after a notice, a hold or a block."""

import json
import os
import stat

import pytest

from tests.e2e import stacks
from tests.harness.fixtures import core_with_planted_bug
from tests.harness.sandbox import run_api

ALL = stacks.ROCM_NAMES + ["python3-torch", "zstd-tools"]
REPORT = ("var", "lib", "rocm-epel-notice", "last.json")


def on_64(sandbox, conf="[main]\n"):
    sandbox.write_conf(conf)
    sandbox.use_repos(epel=stacks.epel_10_1())
    sandbox.install(*ALL)
    sandbox.use_repos(epel=stacks.epel_10_2())


def report_of(sandbox):
    return json.loads(sandbox.root.joinpath(*REPORT).read_text())


def test_silent_runs_write_no_report(sandbox):
    sandbox.use_repos(epel=stacks.epel_10_1())
    sandbox.install(*ALL)
    assert not sandbox.root.joinpath(*REPORT).exists()


def test_warn_writes_a_versioned_report_inside_the_installroot(sandbox):
    on_64(sandbox)
    run = sandbox.dnf("-y", "upgrade")
    assert run.returncode == 0, run
    data = report_of(sandbox)
    assert data["schema"] == 2 and data["decision"] == "warn"
    crossing = data["findings"][0]
    assert (crossing["from"], crossing["to"], crossing["boundary"]) == ("6.4", "7.1", "major")
    assert "rocblas" in crossing["packages"] and crossing["epel_to"] == ["10.2"]
    assert "libamdhip64.so.6" in data["lost_sonames"]
    assert data["consumers"] == ["python3-torch"]
    assert "upgrade" in data["command"]
    assert data["releasever"] == "10"


def test_block_is_reported_even_though_dnf_stops(sandbox):
    on_64(sandbox, "[main]\non_major = block\n")
    run = sandbox.dnf("-y", "upgrade")
    assert run.returncode == 1, run
    data = report_of(sandbox)
    assert data["decision"] == "block"
    assert data["blocked"] == [{"from": "6.4", "to": "7.1", "boundary": "major"}]


def test_hold_is_reported_with_what_it_held(sandbox):
    on_64(sandbox, "[main]\non_major = lock\n")
    run = sandbox.dnf("-y", "upgrade")
    assert run.returncode == 0, run
    data = report_of(sandbox)
    assert data["decision"] == "hold"
    assert data["hold"]["line"] == "6.4" and data["hold"]["targets"] == ["7.1"]
    assert data["hold"]["count"] == 10
    assert any(p.startswith("python3-torch-2.7.1") for p in data["hold"]["packages"])


def test_unwritable_report_costs_one_line_and_dnf_completes(sandbox):
    on_64(sandbox)
    # A file where the report directory should be (the default path, inside the root).
    sandbox.root.joinpath(*REPORT[:-1]).write_text("not a directory\n")
    run = sandbox.dnf("-y", "upgrade")
    assert run.returncode == 0, run
    assert "Traceback" not in run.stderr
    lines = [l for l in run.stderr.splitlines() if "cannot write report" in l]
    assert len(lines) == 1 and "(transaction not affected)" in lines[0], run
    assert sandbox.installed()["rocblas"] == "7.1.1-1.el10_2"


def test_report_path_is_configurable(sandbox):
    on_64(sandbox, "[main]\nreport = /srv/monitoring/rocm.json\n")
    run = sandbox.dnf("-y", "upgrade")
    assert run.returncode == 0, run
    data = json.loads((sandbox.root / "srv" / "monitoring" / "rocm.json").read_text())
    assert data["decision"] == "warn"


def test_report_none_writes_nothing_and_status_says_so(sandbox):
    on_64(sandbox, "[main]\nreport = none\n")
    run = sandbox.dnf("-y", "upgrade")
    assert run.returncode == 0, run
    assert "rocm_notice: this transaction moves ROCm 6.4" in run.stderr
    assert not sandbox.root.joinpath(*REPORT).exists()
    assert not list(sandbox.root.joinpath("var", "lib").glob("rocm-epel-notice*"))
    status = sandbox.dnf("rocm", "status")
    assert "Last report: none written (report = none)" in status.stdout, status
    data = json.loads(sandbox.dnf("rocm", "status", "--json").stdout)
    assert data["policy"]["report"] == "" and data["report"] == ""


def test_a_report_path_naming_a_device_leaves_the_device_alone(sandbox):
    """An admin's report = /dev/null: one line, and no plain file swapped in for it."""
    on_64(sandbox, "[main]\nreport = /dev/rocm-null\n")
    fifo = sandbox.root / "dev" / "rocm-null"
    fifo.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(str(fifo))
    run = sandbox.dnf("-y", "upgrade")
    assert run.returncode == 0, run
    lines = [l for l in run.stderr.splitlines() if "cannot write report" in l]
    assert lines == ["rocm_notice: cannot write report %s: not a regular file "
                     "(transaction not affected)" % fifo], run
    assert stat.S_ISFIFO(os.stat(str(fifo)).st_mode)
    assert sandbox.installed()["rocblas"] == "7.1.1-1.el10_2"


# -- what happened: applied or not, and through what --------------------------------

def test_an_applied_upgrade_says_so_with_its_command_and_program(sandbox):
    on_64(sandbox)
    run = sandbox.dnf("-y", "upgrade")
    assert run.returncode == 0, run
    data = report_of(sandbox)
    assert data["applied"] is True and data["applied_time"] >= data["time"]
    assert data["via"] == "dnf" and data["program"] == "/usr/bin/dnf"
    assert data["command"].endswith("-y upgrade"), data["command"]


def test_a_bug_in_marking_the_report_applied_costs_one_line_after_the_upgrade(sandbox, tmp_path):
    """The transaction hook runs after rpm has changed the system: a bug there (here,
    in report.applied) is one line, never a traceback, and the upgrade stands."""
    on_64(sandbox)
    sandbox.pythonpath = str(core_with_planted_bug(tmp_path, "core.report", "applied"))
    run = sandbox.dnf("-y", "upgrade")
    assert run.returncode == 0, run
    assert "Traceback" not in run.stderr, run
    assert ("rocm_notice: internal error: KeyError: 'planted bug' (report not written)"
            in run.stderr.splitlines()), run
    assert sandbox.installed()["rocblas"] == "7.1.1-1.el10_2"
    assert report_of(sandbox)["applied"] is False       # written before, never marked


@pytest.mark.parametrize("args", [("--assumeno", "upgrade"),
                                  ("-y", "--setopt=tsflags=test", "upgrade")],
                         ids=["assumeno", "test"])
def test_a_transaction_not_applied_is_reported_as_not_applied(sandbox, args):
    on_64(sandbox)
    before = sandbox.installed()
    run = sandbox.dnf(*args)
    assert sandbox.installed() == before, run
    data = report_of(sandbox)
    assert data["decision"] == "warn" and data["applied"] is False, run
    assert data["applied_time"] is None


def test_a_block_is_never_applied(sandbox):
    on_64(sandbox, "[main]\non_major = block\n")
    sandbox.dnf("-y", "upgrade")
    data = report_of(sandbox)
    assert data["decision"] == "block" and data["applied"] is False


def test_a_hold_whose_other_updates_were_applied_says_applied(sandbox):
    on_64(sandbox, "[main]\non_major = lock\n")
    run = sandbox.dnf("-y", "upgrade")
    assert run.returncode == 0, run
    data = report_of(sandbox)
    assert data["decision"] == "hold" and data["applied"] is True


def test_an_api_program_is_named_in_place_of_a_command_line(sandbox):
    on_64(sandbox)
    run = run_api(sandbox)
    assert run.returncode == 0, run
    data = report_of(sandbox)
    assert data["via"] == "api" and data["command"] == ""
    assert data["program"].endswith("/tests/harness/run_api.py")
    assert data["applied"] is True


def test_an_api_test_run_is_not_applied(sandbox):
    on_64(sandbox)
    run = run_api(sandbox, "--test")
    assert run.returncode == 0, run
    assert sandbox.installed()["rocblas"] == "6.4.2-1.el10_1"
    data = report_of(sandbox)
    assert data["via"] == "api" and data["applied"] is False

def releasever_minor_2():
    """(dnf arguments, environment) that give this dnf releasever_minor 2, as it really
    accepts it: RHEL 10's dnf and upstream 4.23 (Debian 13) have ``--releasever-minor``
    and ``conf.releasever_minor``, and reset the variable from ``--releasever 10``; older
    dnf (Debian 12's 4.14, upstream 4.18-4.22) has only the variable, from
    ``DNF_VAR_releasever_minor`` (or a vars file), in ``conf.substitutions``."""
    import dnf.conf
    if hasattr(dnf.conf.Conf, "releasever_minor"):
        return ["--releasever-minor", "2"], {}
    return [], {"DNF_VAR_releasever_minor": "2"}


def test_releasever_minor_is_shown_in_the_notice_and_the_report(sandbox):
    on_64(sandbox)
    args, env = releasever_minor_2()
    run = sandbox.dnf("-y", "upgrade", *args, env=env)
    assert run.returncode == 0, run
    assert "this system: releasever 10.2." in run.stderr, run
    data = report_of(sandbox)
    assert (data["releasever"], data["releasever_minor"]) == ("10", "2")


def test_without_releasever_minor_the_notice_shows_the_major_alone(sandbox):
    on_64(sandbox)
    run = sandbox.dnf("-y", "upgrade")
    assert run.returncode == 0, run
    assert "this system: releasever 10." in run.stderr, run
    assert report_of(sandbox)["releasever_minor"] == ""
