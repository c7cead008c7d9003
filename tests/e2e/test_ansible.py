"""Real ansible-core (pinned, from PyPI, in .cache/venv-X.Y) runs ``ansible.builtin.dnf``
(``use_backend: dnf4``, ``state: latest``, ``name: '*'``) against installroots: the
plugin under the dnf API as fleets meet it, and doc/ansible.md's recipe as written."""

import json
import re

import pytest

from tests.e2e.test_api import NEW, OLD_ROCM_NEW_REST, assert_no_plugin_trouble, picked
from tests.e2e.test_policy import on_64
from tests.harness import ansible
from tests.harness.fixtures import CHECKOUT
from tests.harness.sandbox import dnf_log

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


# -- doc/ansible.md: the recipe, as written -----------------------------------------

def recipe(directory):
    """The first ```yaml block of doc/ansible.md, saved as a playbook."""
    text = (CHECKOUT / "doc" / "ansible.md").read_text()
    found = re.search(r"^```yaml\n(.*?)^```$", text, re.M | re.S)
    assert found, "doc/ansible.md has no yaml block"
    path = directory / "rocm-upgrade.yml"
    path.write_text(found.group(1))
    return path


def host_vars(sandbox):
    conf = ansible.dnf_conf(sandbox)
    return {"dnf_command": "/usr/bin/dnf -c %s --installroot %s --releasever %s"
                           % (conf, sandbox.root, sandbox.releasever),
            "dnf_installroot": str(sandbox.root), "dnf_conf_file": str(conf),
            "dnf_releasever": sandbox.releasever, "dnf_disable_gpg_check": True}


def inventory(hosts):
    lines = []
    for name, sandbox in hosts.items():
        settings = " ".join("%s=%s" % (k, json.dumps(v) if isinstance(v, bool)
                                       else "'%s'" % v) for k, v in host_vars(sandbox).items())
        lines.append("%s ansible_connection=local ansible_python_interpreter=/usr/bin/python3 %s"
                     % (name, settings))
    return "\n".join(lines) + "\n"


def test_the_recipe_stops_an_unapproved_host_in_one_line_and_upgrades_the_others(tmp_path):
    from tests.harness.sandbox import Sandbox
    approved = Sandbox(tmp_path / "approved")
    unapproved = Sandbox(tmp_path / "unapproved")
    held = Sandbox(tmp_path / "held")
    on_64(approved, "[main]\non_major = warn\nallow = 7.1\n")
    before = on_64(unapproved, "[main]\non_major = warn\n")
    on_64(held, "[main]\non_major = lock\n")
    hosts = {"gpu-approved": approved, "gpu-unapproved": unapproved, "gpu-held": held}
    (approved.path / "hosts").write_text(inventory(hosts))
    run = ansible.playbook(approved, recipe(tmp_path), {}, inventory=approved.path / "hosts")
    assert run.returncode == 2, run                    # a host failed: the preflight stop
    out = run.stdout
    assert 'fatal: [gpu-unapproved]: FAILED! => {"changed": false, "msg": "ROCm 6.4 -> 7.1 ' \
           '(major) is not approved on gpu-unapproved: run \'dnf rocm allow 7.1\' there to ' \
           'move, or \'dnf rocm lock\' to stay on 6.4"}' in out, run
    assert out.count("fatal:") == 1, run
    for host, summary in (("gpu-approved", "6.4 -> 7.1 (major) would move (approved)"),
                          ("gpu-unapproved", "6.4 -> 7.1 (major) would move"),
                          ("gpu-held", "6.4 -> 7.1 (major) would be held")):
        assert '"msg": "ROCm on %s: %s"' % (host, summary) in out, run
    assert unapproved.installed() == before                      # stopped before the upgrade
    assert picked(approved.installed()) == NEW
    assert picked(held.installed()) == OLD_ROCM_NEW_REST
    for sandbox in hosts.values():
        assert_no_plugin_trouble(dnf_log(sandbox))


def test_the_recipe_stops_a_host_whose_check_cannot_tell(sandbox):
    before = on_64(sandbox, "[main]\non_major = warn\n")
    (sandbox.reposdir / "down.repo").write_text(
        "[down]\nname=unreachable mirror\nbaseurl=file:///nonexistent/rocm-notice-mirror\n"
        "gpgcheck=0\nenabled=1\nskip_if_unavailable=1\n")
    (sandbox.path / "hosts").write_text(inventory({"gpu-down": sandbox}))
    run = ansible.playbook(sandbox, recipe(sandbox.path), {}, inventory=sandbox.path / "hosts")
    assert run.returncode == 2, run
    assert re.search(r'fatal: \[gpu-down\]: FAILED! => \{"changed": false, "msg": "ROCm check '
                     r'failed on gpu-down: repositories that could not be read were skipped: '
                     r'down"\}', run.stdout), run
    assert '"msg": "ROCm on gpu-down: unknown (' in run.stdout, run
    assert sandbox.installed() == before
