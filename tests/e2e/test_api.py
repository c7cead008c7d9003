"""The plugin under the dnf API, as scripts and Ansible use dnf: no ``dnf.cli`` imported
before plugins load, ``cli`` None, dnf's log lines only in the installroot's dnf.log."""

import json
import re
import shutil
import socket
import tempfile
from pathlib import Path

import pytest

from tests.e2e import stacks
from tests.e2e.test_policy import on_64, rocm_of
from tests.harness.sandbox import dnf_log, run_api

NEW = {"rocblas": "7.1.1-1.el10_2", "python3-torch": "2.7.1-1.el10_2",
       "zstd-tools": "1.5.7-1.el10_2"}
OLD_ROCM_NEW_REST = {"rocblas": "6.4.2-1.el10_1", "python3-torch": "2.5.1-1.el10_1",
                     "zstd-tools": "1.5.7-1.el10_2"}
NOTHING = {"rocblas": "6.4.2-1.el10_1", "python3-torch": "2.5.1-1.el10_1",
           "zstd-tools": "1.5.6-1.el10_1"}


def api_upgrade(sandbox, conf, *flags):
    before = on_64(sandbox, conf)
    log_before = dnf_log(sandbox)
    run = run_api(sandbox, *flags)
    assert "Traceback" not in run.stderr, run
    result = json.loads(run.stdout)
    assert result["cli_before_plugins"] is False
    return before, run, result, dnf_log(sandbox)[len(log_before):]


def assert_no_plugin_trouble(log):
    """dnf.log carries our own lines, never a failed load, a traceback or a bug of ours."""
    assert "Failed loading plugin" not in log, log
    assert "Traceback" not in log, log
    assert "internal error" not in log, log
    assert "is a built-in class" not in log, log


def picked(installed, names=("rocblas", "python3-torch", "zstd-tools")):
    return {name: installed[name] for name in names}


@pytest.mark.parametrize("conf, expected, logged", [
    ("[main]\non_major = warn\n", NEW, "rocm_notice: this transaction moves ROCm 6.4"),
    ("[main]\non_major = lock\n", OLD_ROCM_NEW_REST, "rocm_notice: ROCm held at 6.4 by policy"),
    ("[main]\non_major = block\nallow = 7.1\n", NEW,
     "rocm_notice: this transaction moves ROCm 6.4"),
], ids=["warn", "lock", "block+allow"])
def test_api_program_upgrades_as_policy_says_with_no_plugin_error(sandbox, conf, expected,
                                                                  logged):
    _, run, result, log = api_upgrade(sandbox, conf)
    assert run.returncode == 0 and result["error"] is None, run
    assert picked(sandbox.installed()) == expected
    assert_no_plugin_trouble(log)
    assert logged in log, log


def test_api_program_gets_the_block_as_a_dnf_error_and_nothing_changes(sandbox):
    before, run, result, log = api_upgrade(sandbox, "[main]\non_major = block\n")
    assert run.returncode == 1, run
    assert result["error"].startswith("rocm_notice: blocked by policy (on_major = block): "
                                      "this transaction would move ROCm 6.4 \u2192 7.1"), run
    assert sandbox.installed() == before
    assert_no_plugin_trouble(log)


def test_api_lock_holds_the_consumer_too_under_best_false(sandbox):
    (sandbox.path / "dnf.conf").write_text(
        (sandbox.path / "dnf.conf").read_text().replace("best=True", "best=False"))
    _, run, result, log = api_upgrade(sandbox, "[main]\non_major = lock\n")
    assert run.returncode == 0, run
    assert rocm_of(sandbox.installed())["rocblas"] == "6.4.2-1.el10_1"
    assert_no_plugin_trouble(log)


# -- the system log: what an API user can see besides dnf.log ----------------------

SYSLOG_LINE = re.compile(r"^<(\d+)>rocm_notice\[(\d+)\]: (.+)$")


@pytest.fixture
def syslog(sandbox):
    """A syslog socket bound for this test (a short path: unix sockets allow ~107
    bytes); the plugin is pointed at it through ROCM_NOTICE_SYSLOG_SOCKET."""
    directory = Path(tempfile.mkdtemp(prefix="rn-log-", dir="/tmp"))
    reader = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    reader.bind(str(directory / "log"))
    reader.setblocking(False)
    sandbox.syslog_socket = directory / "log"

    def received():
        messages = []
        while True:
            try:
                messages.append(reader.recv(65536).decode("utf-8"))
            except BlockingIOError:
                return messages
    yield received
    reader.close()
    shutil.rmtree(directory)


def parsed(messages):
    found = []
    for message in messages:
        match = SYSLOG_LINE.match(message)
        assert match, "not a syslog datagram: %r" % message
        found.append((int(match.group(1)), match.group(3)))
    return found


@pytest.mark.parametrize("conf, severity, first", [
    ("[main]\non_major = warn\n", 12, "this transaction moves ROCm 6.4 \u2192 7.1 (major): 9 packages"),
    ("[main]\non_major = lock\n", 12, "ROCm held at 6.4 by policy (on_major = lock); 7.1 available, "
     "10 packages held back (patch updates of 6.4 still install); see 'dnf rocm status'"),
    ("[main]\non_major = block\n", 11, "blocked by policy (on_major = block): this transaction "
     "would move ROCm 6.4 \u2192 7.1 (major): 9 packages; nothing was changed."),
], ids=["warn", "lock", "block"])
def test_api_decisions_also_reach_the_system_log(sandbox, syslog, conf, severity, first):
    """user.warning (12) for a notice or a hold, user.err (11) for a block; one datagram
    per line, the tag and PID in front, as journald and rsyslog read /dev/log."""
    api_upgrade(sandbox, conf)
    lines = parsed(syslog())
    assert lines and lines[0] == (severity, first), lines
    assert {s for s, _ in lines} == {severity}
    if conf.endswith("warn\n"):
        assert (12, "Also moving to ROCm 7.1: python3-torch.") in lines


def test_an_unattended_move_back_says_in_the_system_log_why_block_let_it_through(sandbox,
                                                                                 syslog):
    """dnf-automatic's case: an Epoch-bumped older build, taken by an API upgrade under
    block. It goes through (recovery); the system log has the notice and the reason."""
    sandbox.use_repos(epel=stacks.epel_10_1("6.4.1"))
    sandbox.install("rocm-runtime", "rocm-hip", "rocblas")
    sandbox.write_conf("[main]\non_minor = block\n")
    sandbox.use_repos(epel=stacks.epel_10_1("6.4.1"), extra=stacks.epoch_revert())
    run = run_api(sandbox)
    assert run.returncode == 0 and json.loads(run.stdout)["error"] is None, run
    assert sandbox.installed()["rocblas"] == "6.3.9-1.el10_1"
    lines = parsed(syslog())
    assert lines[0] == (12, stacks.REVERTED[len("rocm_notice: "):]), lines
    assert (12, stacks.RECOVERY.strip() % "on_minor = block") in lines, lines


def test_the_dnf_command_line_leaves_the_system_log_alone(sandbox, syslog):
    """On the command line the user sees the notice on the terminal (and dnf.log)."""
    on_64(sandbox, "[main]\non_major = lock\n")
    run = sandbox.dnf("-y", "upgrade")
    assert "ROCm held at 6.4" in run.stderr, run
    assert syslog() == []


def test_a_missing_system_log_costs_nothing(sandbox):
    sandbox.syslog_socket = sandbox.path / "no-such-socket"
    _, run, result, log = api_upgrade(sandbox, "[main]\non_major = lock\n")
    assert run.returncode == 0 and result["error"] is None, run
    assert_no_plugin_trouble(log)
