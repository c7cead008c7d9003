"""Real ansible-core (pinned, from PyPI, in .cache/venv) runs ``ansible.builtin.dnf``
(``use_backend: dnf4``, ``state: latest``, ``name: '*'``) against installroots: the
plugin under the dnf API as fleets meet it, and doc/ansible.md's recipe as written."""

import json
import re

import pytest

from tests.e2e import stacks
from tests.e2e.test_api import NEW, NOTHING, OLD_ROCM_NEW_REST, assert_no_plugin_trouble, picked
from tests.e2e.test_policy import on_64
from tests.harness import ansible
from tests.harness.fixtures import CHECKOUT
from tests.harness.sandbox import DBPATH, dnf_log

REPORT = ("var", "lib", "rocm-epel-notice", "last.json")


@pytest.mark.parametrize("conf, best, expected", [
    ("[main]\non_major = warn\n", True, NEW),
    ("[main]\non_major = lock\n", True, OLD_ROCM_NEW_REST),
    ("[main]\non_major = lock\n", False, OLD_ROCM_NEW_REST),
    ("[main]\non_major = block\nallow = 7.1\n", True, NEW),
], ids=["warn", "lock-best", "lock-nobest", "block+allow"])
def test_dnf_module_upgrades_as_policy_says_and_succeeds(sandbox, conf, best, expected):
    on_64(sandbox, conf)
    run, result = ansible.dnf_module(sandbox, best=best)
    assert run.returncode == 0 and result["changed"] is True, run
    assert "failed" not in result and result["rc"] == 0, run
    assert picked(sandbox.installed()) == expected
    assert_no_plugin_trouble(dnf_log(sandbox))


def test_dnf_module_fails_under_block_with_our_message_and_changes_nothing(sandbox):
    before = on_64(sandbox, "[main]\non_major = block\n")
    run, result = ansible.dnf_module(sandbox)
    assert run.returncode != 0, run
    assert "rocm_notice: blocked by policy (on_major = block): this transaction would move " \
           "ROCm 6.4 \u2192 7.1 (major): 9 packages; nothing was changed." in result["msg"], run
    assert "run 'dnf rocm allow 7.1'" in result["msg"]
    assert sandbox.installed() == before
    assert_no_plugin_trouble(dnf_log(sandbox))


def test_check_mode_changes_nothing_and_the_report_says_not_applied(sandbox):
    before = on_64(sandbox, "[main]\non_major = warn\n")
    run, result = ansible.dnf_module(sandbox, check_mode=True)
    assert run.returncode == 0 and result["changed"] is True, run
    assert "Check mode" in result["msg"]
    assert sandbox.installed() == before
    report = json.loads(sandbox.root.joinpath(*REPORT).read_text())
    assert report["decision"] == "warn" and report["applied"] is False
    assert report["via"] == "api" and report["program"].endswith("ansible/modules/dnf.py")
    assert_no_plugin_trouble(dnf_log(sandbox))


def test_check_mode_shows_a_block_before_the_real_run(sandbox):
    before = on_64(sandbox, "[main]\non_major = block\n")
    run, result = ansible.dnf_module(sandbox, check_mode=True)
    assert run.returncode != 0 and "rocm_notice: blocked by policy" in result["msg"], run
    assert sandbox.installed() == before


def test_an_applied_module_run_is_reported_as_applied(sandbox):
    on_64(sandbox, "[main]\non_major = lock\n")
    run, result = ansible.dnf_module(sandbox)
    assert run.returncode == 0, run
    report = json.loads(sandbox.root.joinpath(*REPORT).read_text())
    assert report["decision"] == "hold" and report["applied"] is True
