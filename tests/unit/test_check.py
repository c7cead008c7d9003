"""'dnf rocm check' exit statuses: 0 nothing crosses, 1 warned, 2 held or blocked."""

import pytest

from rocm_notice.core import analysis, policy
from rocm_notice.settings import config
from rocm_notice.catalog.catalog import Catalog
from rocm_notice.core.records import IN, OUT, Item, Package
from rocm_notice.catalog.releases import MAJOR, MINOR, Line, Release


def settings(**values):
    made = config.Settings()
    for key, value in values.items():
        setattr(made, key, value)
    return made


def pkg(name, version, release, repoid="epel"):
    return Package(name, version, release, arch="x86_64", repoid=repoid)


def crossing(kind, old, new, names=("rocm-hip", "rocblas")):
    made = analysis.Crossing(kind, old, new)
    for name in names:
        made.changes.append(analysis.Change(
            pkg(name, "%d.%d.0" % old, "1.el10_1", "@System"),
            pkg(name, "%d.%d.0" % new, "1.el10_2"), Release(*old), Release(*new)))
    return made


def check(*crossings, **values):
    return policy.check(analysis.Findings(crossings=list(crossings)), settings(**values))


MAJOR_UP = crossing(MAJOR, Line(6, 4), Line(7, 1))
MINOR_UP = crossing(MINOR, Line(7, 1), Line(7, 2))
MAJOR_DOWN = crossing(MAJOR, Line(7, 1), Line(6, 4))


def test_exit_statuses_are_nagios_style():
    assert (policy.CHECK_NOTHING, policy.CHECK_WARN, policy.CHECK_HELD,
            policy.CHECK_UNKNOWN) == (0, 1, 2, 3)


def test_nothing_crossing_exits_0():
    assert check(on_major="block", on_minor="block") == (0, [])


def test_warned_crossing_exits_1():
    assert check(MAJOR_UP) == (1, [(MAJOR_UP, "warn")])


def test_locked_crossing_exits_2():
    assert check(MAJOR_UP, on_major="lock") == (2, [(MAJOR_UP, "lock")])


def test_blocked_crossing_exits_2():
    assert check(MINOR_UP, on_minor="block") == (2, [(MINOR_UP, "block")])


def test_policy_of_the_other_boundary_kind_does_not_apply():
    assert check(MAJOR_UP, on_minor="block") == (1, [(MAJOR_UP, "warn")])
    assert check(MINOR_UP, on_major="lock") == (1, [(MINOR_UP, "warn")])


def test_approved_target_line_is_only_warned_and_exits_1():
    assert check(MAJOR_UP, on_major="block", allow=(Line(7, 1),)) == (1, [(MAJOR_UP, "warn")])


def test_approval_of_another_line_does_not_lift_the_block():
    assert check(MAJOR_UP, on_major="block", allow=(Line(7, 2),)) == (2, [(MAJOR_UP, "block")])


@pytest.mark.parametrize("chosen", ["lock", "block"])
def test_downgrade_is_never_held_and_exits_1(chosen):
    assert check(MAJOR_DOWN, on_major=chosen, on_minor=chosen) == (1, [(MAJOR_DOWN, "warn")])


def test_one_blocked_crossing_among_warned_ones_exits_2():
    code, actions = check(MAJOR_DOWN, MAJOR_UP, MINOR_UP, on_minor="block")
    assert code == 2
    assert actions == [(MAJOR_DOWN, "warn"), (MAJOR_UP, "warn"), (MINOR_UP, "block")]


def test_every_crossing_warned_exits_1():
    code, actions = check(MAJOR_UP, MINOR_UP, on_major="block", allow=(Line(7, 1),))
    assert code == 1
    assert [chosen for _, chosen in actions] == ["warn", "warn"]


# -- from a transaction, through the analysis ---------------------------------------------------

def test_major_upgrade_of_an_installed_stack_blocked_by_policy_exits_2():
    catalog = Catalog.load()
    installed = [pkg("rocm-hip", "6.4.2", "3.el10_1", "@System"),
                 pkg("rocblas", "6.4.2", "9.el10_1", "@System")]
    newer = [pkg("rocm-hip", "7.1.1", "1.el10_2"), pkg("rocblas", "7.1.1", "6.el10_2")]
    items = [item for old, new in zip(installed, newer)
             for item in (Item(IN, new), Item(OUT, old))]
    findings = analysis.analyse(items, installed, catalog, incoming_requires=lambda: [])
    code, actions = policy.check(findings, settings(on_major="block"))
    assert code == 2
    [(found, chosen)] = actions
    assert (found.old_line, found.new_line, chosen) == (Line(6, 4), Line(7, 1), "block")
    assert policy.check(findings, settings())[0] == 1


def test_patch_update_of_an_installed_stack_exits_0():
    catalog = Catalog.load()
    old = pkg("rocm-hip", "6.4.2", "3.el10_1", "@System")
    new = pkg("rocm-hip", "6.4.3", "1.el10_1")
    findings = analysis.analyse([Item(IN, new), Item(OUT, old)], [old],
                                catalog)
    assert policy.check(findings, settings(on_major="block", on_minor="block")) == (0, [])
