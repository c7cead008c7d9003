"""Textfile metrics and the login-banner line of 'dnf rocm check' (the real Prometheus
parser reads them in tests/e2e/test_fleet.py)."""

from rocm_notice.core import analysis, policy
from rocm_notice.fleet import metrics, motd
from rocm_notice.catalog.releases import MAJOR, MINOR, Line


UP = analysis.Crossing(MAJOR, Line(6, 4), Line(7, 1))
DOWN = analysis.Crossing(MINOR, Line(7, 1), Line(7, 0))      # a downgrade


def series(text):
    return [line for line in text.splitlines() if not line.startswith("#")]


def test_every_series_has_help_and_type_and_the_file_ends_with_a_newline():
    text = metrics.text(1, [(UP, "warn")], "6.4", 1700000000)
    names = {line.split("{")[0].split(" ")[0] for line in series(text)}
    for name in names:
        assert "# HELP %s " % name in text and "# TYPE %s gauge" % name in text
    assert text.endswith("\n")


def test_held_is_not_pending_and_a_block_is():
    held = series(metrics.text(2, [(UP, "lock")], "6.4", 0))
    assert "rocm_notice_held 1" in held and "rocm_notice_crossing_pending 0" in held
    blocked = series(metrics.text(2, [(UP, "block")], "6.4", 0))
    assert "rocm_notice_blocked 1" in blocked and "rocm_notice_crossing_pending 1" in blocked


def test_a_downgrade_is_listed_but_never_pending():
    shown = series(metrics.text(1, [(DOWN, "warn")], "7.1", 0))
    assert "rocm_notice_crossing_pending 0" in shown
    assert any('downgrade="true"' in line for line in shown)


def test_unknown_leaves_out_what_it_could_not_tell():
    shown = "\n".join(series(metrics.text(3, [], "unknown", 0)))
    assert "rocm_notice_check_success 0" in shown
    assert "pending" not in shown and "held" not in shown and "blocked" not in shown


def test_label_values_are_escaped():
    assert metrics._series("x", 1, [("line", 'a"b\\c\nd')]) == 'x{line="a\\"b\\\\c\\nd"} 1'


def test_a_missing_directory_is_one_line(tmp_path):
    problem = metrics.write(str(tmp_path / "nowhere"), "x 1\n")
    assert problem.startswith("rocm_notice: cannot write metrics ") and "\n" not in problem


def test_motd_lines_only_for_a_move_or_a_block():
    assert motd.lines([(UP, "lock"), (DOWN, "warn")]) == []
    assert motd.lines([(UP, "warn")])[0].startswith("ROCm 6.4 -> 7.1 (major) is pending:")
    assert "pending approval" in motd.lines([(UP, "block")])[0]


def test_motd_file_written_then_removed_and_kept_when_unknown(tmp_path):
    path = tmp_path / "motd.d" / "rocm-epel-notice"
    assert motd.update(str(path), 1, [(UP, "warn")]) is None and path.exists()
    assert motd.update(str(path), policy.CHECK_UNKNOWN, []) is None and path.exists()
    assert motd.update(str(path), 0, []) is None and not path.exists()
    assert motd.update(str(path), 0, []) is None          # nothing to remove: fine
