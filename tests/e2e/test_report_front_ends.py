"""The report is the same on every front end: one warned crossing (ROCm 6.4 -> 7.1,
applied) through real dnf 4, dnf5, packagekitd and microdnf, and the four last.json
files compared. A monitor reads one schema whatever client moved ROCm: before, under
PackageKit, microdnf and dnf5 the report said "schema": 2 but lacked via, program,
applied and applied_time, and dnf5's command was just "dnf5"."""

import json

import pytest

from tests.e2e import stacks
from tests.e2e.test_packagekit import ALL
from tests.harness.dnf5 import Dnf5Sandbox
from tests.harness.microdnf import Microdnf
from tests.harness.packagekit import Session

FINDINGS = [("6.4", "7.1")]


def dnf4(tmp_path, sandbox):
    sandbox.use_repos(epel=stacks.epel_10_1())
    sandbox.install(*ALL)
    sandbox.use_repos(epel=stacks.epel_10_2())
    run = sandbox.dnf("-y", "upgrade")
    assert run.returncode == 0, run
    return json.loads((sandbox.root / "var/lib/rocm-epel-notice/last.json").read_text())


def dnf5(tmp_path, sandbox):
    box = Dnf5Sandbox(tmp_path / "dnf5")
    box.use_repos(epel=stacks.epel_10_1())
    box.install(*ALL)
    box.use_repos(epel=stacks.epel_10_2())
    run = box.dnf5("-y", "upgrade")
    assert run.returncode == 0, run
    return json.loads((box.root / "var/lib/rocm-epel-notice/last.json").read_text())


def packagekit(tmp_path, sandbox):
    with Session() as pk:
        pk.reset([p for p in stacks.epel_10_1() if p.name in ALL])
        pk.use_repos(epel=stacks.epel_10_2())
        pk.write_conf("[main]\n")
        pk.start_packagekitd()
        assert pk.pkcon("refresh", "force").returncode == 0
        run = pk.pkcon("-y", "update")
        assert run.returncode == 0, run
        return pk.report()


def microdnf(tmp_path, sandbox):
    with Microdnf() as system:
        system.reset([p for p in stacks.epel_10_1() if p.name in ALL])
        system.use_repos(epel=stacks.epel_10_2())
        system.write_conf("[main]\n")
        run = system.microdnf("-y", "upgrade")
        assert run.returncode == 0, run
        return system.report()


FRONT_ENDS = {"dnf": dnf4, "dnf5": dnf5, "packagekit": packagekit, "microdnf": microdnf}


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    from tests.harness.sandbox import Sandbox
    found = {}
    for via, make in FRONT_ENDS.items():
        tmp_path = tmp_path_factory.mktemp(via)
        found[via] = make(tmp_path, Sandbox(tmp_path / "sandbox"))
    return found


def test_every_front_end_writes_the_same_keys(reports):
    keys = {via: sorted(report) for via, report in reports.items()}
    assert len({tuple(k) for k in keys.values()}) == 1, keys
    assert {"schema", "via", "program", "command", "applied", "applied_time"} <= \
        set(keys["dnf"])


@pytest.mark.parametrize("via", sorted(FRONT_ENDS))
def test_each_report_says_which_front_end_applied_the_crossing(reports, via):
    report = reports[via]
    assert report["schema"] == 2
    assert report["via"] == via
    assert report["decision"] == "warn"
    assert report["applied"] is True and report["applied_time"], report
    assert [(f["from"], f["to"]) for f in report["findings"]] == FINDINGS
    assert report["program"], report
    assert report["command"] and report["command"] != report["program"], report
