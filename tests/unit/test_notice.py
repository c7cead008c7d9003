"""Findings -> the few lines a user reads before dnf's transaction table."""

import re

import pytest

from rocm_notice.core import analysis, notice
from rocm_notice.io import clean
from rocm_notice.core.analysis import Change, Crossing, Findings
from rocm_notice.catalog.catalog import Catalog
from rocm_notice.settings.config import Settings
from rocm_notice.core.notice import Context
from rocm_notice.core.records import IN, OUT, Item, Package
from rocm_notice.catalog.releases import MAJOR, MINOR, Line, Release

NOTES_71 = "https://rocm.docs.amd.com/en/docs-7.1.0/about/release-notes.html"
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


@pytest.fixture(scope="module")
def catalog():
    return Catalog.load()


def pkg(name, version, release, provides=()):
    return Package(name, version, release, arch="x86_64", provides=tuple(provides))


STACK_64 = [pkg("rocm-hip", "6.4.2", "3.el10_1", ["libamdhip64.so.6()(64bit)"]),
            pkg("rocblas", "6.4.2", "9.el10_1", ["librocblas.so.4()(64bit)"]),
            pkg("hipcc", "19", "17.rocm6.4.2.el10_1")]
STACK_71 = [pkg("rocm-hip", "7.1.1", "1.el10_2", ["libamdhip64.so.7()(64bit)"]),
            pkg("rocblas", "7.1.1", "6.el10_2", ["librocblas.so.5()(64bit)"]),
            pkg("hipcc", "20", "12.rocm7.1.1.el10_2")]


def move(old_stack, new_stack):
    items = []
    for old, new in zip(old_stack, new_stack):
        items += [Item(IN, new), Item(OUT, old)]
    return items


@pytest.fixture
def major(catalog):
    return analysis.analyse(move(STACK_64, STACK_71), STACK_64, catalog)


def text(findings, **context):
    return "\n".join(notice.lines(findings, Context(**context)))


# -- the major crossing ------------------------------------------------------------------------

def test_heading_names_both_lines_and_the_kind(major):
    heading = notice.lines(major, Context())[0]
    assert heading.startswith("rocm_notice:")
    assert "6.4 \u2192 7.1" in heading
    assert "(major)" in heading
    assert "3 packages" in heading


def test_heading_uses_the_adapters_arrow(major):
    assert "6.4 -> 7.1" in notice.lines(major, Context(arrow="->"))[0]


def test_sonames_that_go_away_are_listed(major):
    shown = text(major)
    assert "libamdhip64.so.6" in shown
    assert "librocblas.so.4" in shown
    assert "rebuild" in shown


def _brief(paths, complete=True):
    return {"paths": paths, "count": len(paths), "complete": complete, "scanned": ["/opt"],
            "files": 9, "seconds": 0.1}


def test_programs_built_here_are_named_up_to_three_then_counted(major):
    shown = text(major, broken=_brief(["/usr/local/bin/llama-server", "/opt/app/lib/libfoo.so"]))
    assert ("  Built here against 6.4 and broken by this update: /usr/local/bin/llama-server, "
            "/opt/app/lib/libfoo.so\n") in shown + "\n"
    many = text(major, broken=_brief(["/opt/%d\x1b[2J" % n for n in range(6)]))
    assert "broken by this update: /opt/0[2J, /opt/1[2J, /opt/2[2J (+3 more: dnf rocm scan)" in many
    early = text(major, broken=_brief(["/opt/a"], complete=False))
    assert "/opt/a (the quick look stopped early: dnf rocm scan looks further)" in early
    assert "Built here" not in text(major, broken=_brief([]))
    assert "Built here" not in text(major)


def test_epel_minors_and_releasever_are_shown(major):
    shown = text(major, releasever="10", releasever_minor="1")
    assert "10.1 \u2192 10.2" in shown
    assert "releasever 10.1" in shown


def test_stay_advice_is_a_command_that_works_whatever_the_files_say(major):
    # Not "set on_major = lock in FILE": a later drop-in or an approval would undo that;
    # 'dnf rocm lock' checks every file and says when its hold would not hold.
    shown = text(major, config_path="/etc/dnf/plugins/rocm_notice.conf")
    assert ("  To stay on 6.4: answer N, run 'dnf rocm lock' (patch updates of 6.4 still "
            "install), then run dnf again.") in shown.splitlines()
    assert "on_major = lock" not in shown


def test_stay_advice_under_an_approval_disallows_the_line_first(major):
    approved = Settings(allow=(Line(7, 1),), allowed_in={Line(7, 1): ["/etc/x.conf"]})
    shown = "\n".join(notice.lines(major, Context(), approved))
    assert ("  To stay on 6.4: answer N, run 'dnf rocm disallow 7.1' and 'dnf rocm lock' "
            "(patch updates of 6.4 still install), then run dnf again.") in shown.splitlines()
    assert "  ROCm 7.1 is approved (allow = 7.1 in /etc/x.conf): policy lets it through." \
        in shown.splitlines()
    assert "is approved" not in "\n".join(notice.lines(major, Context(), Settings()))


def test_interactive_wording_asks_for_an_answer(major):
    shown = text(major, assumeyes=False)
    assert "To continue: answer y." in shown
    assert "answer N" in shown
    assert "-y" not in shown


def test_assumeyes_wording_says_the_change_is_applied(major):
    shown = text(major, assumeyes=True)
    assert "(-y)" in shown
    assert "applied now" in shown
    assert "answer y" not in shown
    assert "answer N" not in shown


def test_assumeyes_does_not_promise_that_rerunning_dnf_keeps_the_old_line(major):
    # Under -y the change is applied in this run; afterwards the installed line is 7.1 and
    # 'on_major = lock' would hold 7.1, so "set lock, then run dnf again" cannot keep 6.4.
    shown = text(major, assumeyes=True)
    assert "then run dnf again" not in shown


@pytest.mark.parametrize("assumeyes", [True, False])
def test_a_download_only_run_says_nothing_changes_yet_and_how_to_stay(major, assumeyes):
    """dnf -y upgrade --downloadonly: before, "dnf was told to proceed (-y): the change is
    applied now", and how to hold at the *next* crossing; nothing was applied."""
    shown = text(major, assumeyes=assumeyes, downloadonly=True)
    assert ("  dnf only downloads it (--downloadonly): nothing changes until a later run "
            "installs it.") in shown.splitlines()
    assert "applied now" not in shown and "answer" not in shown
    assert ("  To stay on 6.4: run 'dnf rocm lock' before installing this update (patch "
            "updates of 6.4 still install).") in shown.splitlines()


def test_compat_suggestion_only_when_compat_packages_are_available(major):
    without = text(major)
    assert "dnf install" not in without
    shown = text(major, compat={Line(6, 4): ["rocblas6.4", "rocm-hip6.4"]})
    assert "To keep 6.4 beside 7.1 instead: dnf install rocblas6.4 rocm-hip6.4" in shown


def test_compat_for_another_line_is_not_suggested(major):
    assert "dnf install" not in text(major, compat={Line(7, 0): ["rocblas7.0"]})


def test_release_notes_url_only_when_known(major):
    assert "Release notes" not in text(major)
    assert "http" not in text(major)
    shown = text(major, notes={Line(7, 1): NOTES_71})
    assert "Release notes for ROCm 7.1: " + NOTES_71 in shown


def test_notice_has_no_control_characters(major):
    for line in notice.lines(major, Context()):
        assert not CONTROL.search(line), line


# -- nothing to say ---------------------------------------------------------------------------------

def test_not_notable_findings_give_no_lines():
    assert notice.lines(Findings(), Context()) == []


def test_patch_update_prints_nothing(catalog):
    old = [pkg("rocblas", "7.1.0", "1.el10_2")]
    new = [pkg("rocblas", "7.1.1", "6.el10_2")]
    findings = analysis.analyse(move(old, new), old, catalog)
    assert notice.lines(findings, Context(assumeyes=True)) == []


# -- other findings ----------------------------------------------------------------------------------

def test_minor_crossing_with_lagging_package_names_the_mixed_stack(catalog):
    installed = [pkg("rocm-hip", "7.1.1", "1.el10_2"), pkg("rocblas", "7.1.1", "6.el10_2"),
                 pkg("rocfft", "7.1.1", "2.el10_2")]
    new = [pkg("rocm-hip", "7.2.0", "1.el10_3"), pkg("rocblas", "7.2.0", "1.el10_3")]
    findings = analysis.analyse(move(installed[:2], new), installed, catalog)
    lines = notice.lines(findings, Context())
    assert "7.1 \u2192 7.2 (minor)" in lines[0]
    assert "'dnf rocm lock'" in "\n".join(lines)
    mixed = [line for line in lines if "spans" in line]
    assert len(mixed) == 1
    assert "7.1 (rocfft)" in mixed[0] and "7.2 (rocblas, rocm-hip)" in mixed[0]
    assert any("rocfft" in line and "no newer build" in line for line in lines)


def test_downgrade_heading_says_downgrade_and_gives_no_rebuild_advice(catalog):
    findings = analysis.analyse(move(STACK_71, STACK_64),
                                STACK_71, catalog)
    lines = notice.lines(findings, Context())
    assert "7.1 \u2192 6.4 (major, downgrade)" in lines[0]
    shown = "\n".join(lines)
    assert "rebuild" not in shown
    assert "To stay on" not in shown


@pytest.mark.parametrize("values, says", [
    ({"on_major": "block"}, "on_major = block"),
    ({"on_major": "lock", "on_minor": "block"}, "on_major = lock"),
    ({}, None),                                             # warn: nothing to explain
    ({"on_minor": "block"}, None),                          # this move is a major one
    ({"on_major": "block", "allow": (Line(6, 4),)}, None),  # approved: announced only
])
def test_a_move_back_that_policy_lets_through_says_why(catalog, values, says):
    down = analysis.analyse(move(STACK_71, STACK_64), STACK_71, catalog)
    shown = notice.lines(down, Context(), Settings(**values))
    expected = [line for line in shown if line.startswith("  Not stopped by policy")]
    assert expected == ([] if says is None else [
        "  Not stopped by policy (%s): going back to an older line is recovery, which a "
        "lock or block never holds back or refuses." % says])
    assert shown[0] == notice.lines(down, Context())[0]     # the heading as without policy


def test_an_upgrade_never_says_it_is_recovery(catalog):
    up = analysis.analyse(move(STACK_64, STACK_71), STACK_64, catalog)
    assert "Not stopped" not in "\n".join(notice.lines(up, Context(), Settings(on_major="lock")))


def test_same_epel_crossing_tells_packagers(catalog):
    old = [pkg("rocblas", "7.1.1", "6.el10_2")]
    new = [pkg("rocblas", "7.2.0", "1.el10_2")]
    shown = text(analysis.analyse(move(old, new), old, catalog))
    assert "For packagers" in shown
    assert "rocblas" in shown
    assert "EPEL 10.2" in shown


def test_consumers_are_named(catalog):
    torch = Package("python3-torch", "2.9.0", "1.el10_2",
                    requires=("libamdhip64.so.7()(64bit)",))
    findings = analysis.analyse(move(STACK_64, STACK_71), STACK_64, catalog, lambda: [torch])
    assert "Also moving to ROCm 7.1: python3-torch." in text(findings)


def test_foreign_stack_alone_gets_its_own_heading(catalog):
    amd = Package("hip-runtime-amd", "6.4.43484.60402", "1.el9")
    findings = analysis.analyse([Item(IN, amd)], STACK_71, catalog)
    lines = notice.lines(findings, Context())
    assert lines[0] == "rocm_notice: this transaction mixes ROCm stacks"
    assert any("AMD-repository" in line and "hip-runtime-amd" in line for line in lines)


# -- repository strings are cleaned ------------------------------------------------------------------

@pytest.mark.parametrize("dirty, expected", [
    ("rocblas\x1b[2J", "rocblas[2J"),
    ("roc\x07blas", "rocblas"),
    ("rocblas\r", "rocblas"),
    ("roc\x9bblas", "rocblas"),      # C1 CSI
    ("roc\x7fblas", "rocblas"),
    ("rocblas-7.1.1", "rocblas-7.1.1"),
])
def test_clean_strips_control_characters(dirty, expected):
    assert clean(dirty) == expected


def _crossing_findings(new_names, **extra):
    changes = [Change(None, Package(name, "7.1.1", "1.el10_2"), Release(6, 4), Release(7, 1, 1))
               for name in new_names]
    return Findings(crossings=[Crossing(MAJOR, Line(6, 4), Line(7, 1), changes)], **extra)


def test_package_names_with_control_characters_are_printed_clean():
    evil = "rocblas\x1b[2J\x07\r"
    consumer = Package("python3-torch\x1b]0;pwned\x07", "2.9", "1")
    findings = _crossing_findings(
        [evil], lost_sonames=["libevil.so.1\x1b[2J"], consumers=[consumer],
        foreign=[Package("hip-runtime-amd\r", "6.4.43484.60402", "1")],
        after_lines={Line(6, 4): ["rocfft\x07"], Line(7, 1): [evil]})
    lines = notice.lines(findings, Context(compat={Line(6, 4): ["rocblas6.4\x1b[2J"]},
                                           releasever="10\x07", releasever_minor="2"))
    for line in lines:
        assert not CONTROL.search(line), repr(line)
    shown = "\n".join(lines)
    assert "libevil.so.1[2J" in shown
    assert "python3-torch]0;pwned" in shown


def test_same_epel_names_are_printed_clean():
    old = Package("rocblas\x1b[2J", "7.1.1", "1.el10_2")
    new = Package("rocblas\x1b[2J", "7.2.0", "1.el10_2")
    findings = Findings(crossings=[Crossing(MINOR, Line(7, 1), Line(7, 2), [
        Change(old, new, Release(7, 1, 1), Release(7, 2, 0))])])
    for line in notice.lines(findings, Context()):
        assert not CONTROL.search(line), repr(line)


# -- long lists -----------------------------------------------------------------------------------------

def test_long_list_ends_with_how_many_more():
    assert notice.names(["a", "b", "c", "d", "e", "f", "g", "h"]) == "a, b, c, d, e (+3 more)"


def test_short_list_is_shown_whole():
    assert notice.names(["a", "b", "c", "d", "e"]) == "a, b, c, d, e"


def test_many_lost_sonames_are_shortened_in_the_notice():
    sonames = ["lib%02d.so.1" % n for n in range(12)]
    shown = text(_crossing_findings(["rocblas"], lost_sonames=sonames))
    assert "lib04.so.1 (+7 more)" in shown
    assert "lib05.so.1" not in shown


def test_package_count_in_heading_is_singular_for_one():
    heading = notice.lines(_crossing_findings(["rocblas"]), Context())[0]
    assert "1 package" in heading and "1 packages" not in heading


def test_gpu_notes_are_shown_for_an_upgrade_and_for_a_downgrade(catalog):
    note = "gfx950 is supported from ROCm 7.0: going back to 6.4 leaves it unsupported"
    down = analysis.analyse(move(STACK_71, STACK_64),
                            STACK_71, catalog)
    assert "  This machine's GPU: %s." % note in notice.lines(down, Context(gpu_notes=[note]))
    up = analysis.analyse(move(STACK_64, STACK_71), STACK_64, catalog)
    assert "  This machine's GPU: x." in notice.lines(up, Context(gpu_notes=["x"]))
