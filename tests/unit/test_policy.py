"""Policy as one table: boundary kind x setting x allow -> action."""

import pytest

from rocm_notice.core import analysis, policy
from rocm_notice.settings import config
from rocm_notice.catalog import releases
from rocm_notice.catalog.releases import Line, Release


def settings(**values):
    made = config.Settings()
    for key, value in values.items():
        setattr(made, key, value)
    return made


@pytest.mark.parametrize("on_major, on_minor, kind, target, expected", [
    ("warn", "warn", releases.MAJOR, Line(7, 1), "warn"),
    ("lock", "warn", releases.MAJOR, Line(7, 1), "lock"),
    ("lock", "warn", releases.MINOR, Line(7, 2), "warn"),
    ("warn", "block", releases.MINOR, Line(7, 2), "block"),
    ("block", "block", releases.PATCH, Line(7, 1), "warn"),   # patches are never held
])
def test_action_per_boundary_kind(on_major, on_minor, kind, target, expected):
    assert policy.action(settings(on_major=on_major, on_minor=on_minor), kind, target) == expected


def test_an_approved_line_is_only_announced():
    chosen = settings(on_major="block", allow=(Line(7, 1),))
    assert policy.action(chosen, releases.MAJOR, Line(7, 1)) == "warn"
    assert policy.action(chosen, releases.MAJOR, Line(8, 0)) == "block"


def test_lock_holds_newer_lines_only():
    chosen = settings(on_major="lock", on_minor="lock")
    assert policy.held(chosen, Line(6, 4), Release(7, 1, 1))
    assert policy.held(chosen, Line(6, 4), Release(6, 5, 0))
    assert not policy.held(chosen, Line(6, 4), Release(6, 4, 3))   # patch of the line
    assert not policy.held(chosen, Line(6, 4), Release(6, 3, 0))   # older: recovery
    assert not policy.held(chosen, Line(6, 4), None)               # unknown


def test_renumbering_is_a_major_crossing():
    assert policy.crossing_kind(Line(7, 14), Release(10, 0, 0)) == releases.MAJOR


def test_downgrades_are_never_blocked():
    down = analysis.Crossing(releases.MAJOR, Line(7, 1), Line(6, 4))
    up = analysis.Crossing(releases.MAJOR, Line(6, 4), Line(7, 1))
    findings = analysis.Findings(crossings=[down, up])
    assert policy.blocked(findings, settings(on_major="block")) == [up]


@pytest.mark.parametrize("on_major, on_minor", [("warn", "warn"), ("lock", "lock"),
                                                ("block", "block"), ("lock", "block")])
def test_silent_findings_are_never_refused_so_the_glue_may_stop_there(on_major, on_minor):
    from rocm_notice.core.records import Package
    chosen = settings(on_major=on_major, on_minor=on_minor, doubts=["a drop-in unread"])
    foreign = analysis.Findings(foreign=[Package("hip-runtime-amd", "6.4.43484.60402", "1")])
    for findings in (analysis.Findings(), foreign):
        assert findings.silent == (not findings.foreign)
        assert policy.refusal(findings, chosen, Line(6, 4)) is None
    unknown = analysis.Findings(unknown=[Package("rocblas", "git1", "1")])
    assert not unknown.silent
    if (on_major, on_minor) != ("warn", "warn"):
        assert policy.refusal(unknown, chosen, Line(6, 4)) is not None


def test_a_policy_value_that_is_not_valid_refuses_a_crossing_even_where_the_rest_is_warn():
    from rocm_notice.core import notice
    from rocm_notice.core.analysis import Change
    from rocm_notice.core.records import Package
    where = "/etc/dnf/plugins/rocm_notice.conf: on_major = blokc"
    chosen = settings(unreadable={"on_major": where}, doubts=["rocm_notice: %s ..." % where])
    up = analysis.Crossing(releases.MAJOR, Line(6, 4), Line(7, 1), changes=[
        Change(Package("rocblas", "6.4.2", "1.el10_1"), Package("rocblas", "7.1.1", "1.el10_2"),
               Release(6, 4, 2), Release(7, 1, 1))])
    refused = policy.refusal(analysis.Findings(crossings=[up]), chosen, Line(6, 4))
    assert refused.reason == policy.DOUBT
    assert policy.strictest(chosen) == policy.BLOCK      # a bug on the way fails closed too
    message = notice.refusal_message(refused, notice.Context(arrow="->"), chosen)
    assert message.splitlines()[:2] == [
        "rocm_notice: refused: %s cannot be read as a policy setting; this transaction "
        "would move ROCm 6.4 -> 7.1 (major): 1 package, and that setting may have meant "
        "lock or block, so nothing was changed." % where,
        "  Fix that setting (a comment after a value starts with ' #'), then run dnf again."]
    # approved lines and moves back stay what they are
    assert policy.refusal(analysis.Findings(crossings=[up]), settings(
        unreadable={"on_major": where}, doubts=["x"], allow=(Line(7, 1),)), Line(6, 4)) \
        .reason == policy.DOUBT
    down = analysis.Crossing(releases.MAJOR, Line(7, 1), Line(6, 4))
    assert policy.refusal(analysis.Findings(crossings=[down]), chosen, Line(7, 1)) is None
