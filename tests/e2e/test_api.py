"""The plugin under the dnf API, as scripts and Ansible use dnf: no ``dnf.cli`` imported
before plugins load, ``cli`` None, dnf's log lines only in the installroot's dnf.log."""

import json

import pytest

from tests.e2e import stacks
from tests.e2e.test_policy import ALL, on_64, rocm_of
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
