"""'dnf rocm status' and 'dnf rocm check': one JSON object ("schema": 1) and its text."""

import json

import pytest

from rocm_notice.core import analysis, report, status
from rocm_notice.settings import config
from rocm_notice.catalog.catalog import Catalog
from rocm_notice.core.hold import Hold
from rocm_notice.core.notice import Context
from rocm_notice.core.records import Package
from rocm_notice.catalog.releases import MAJOR, MINOR, Line, Release


@pytest.fixture(scope="module")
def catalog():
    return Catalog.load()


def pkg(name, version, release, repoid="epel"):
    return Package(name, version, release, arch="x86_64", repoid=repoid)


def settings(**values):
    made = config.Settings()
    for key, value in values.items():
        setattr(made, key, value)
    return made


#                name               version   release
INSTALLED = [pkg("rocm-hip",        "6.4.2",  "3.el10_1", "@System"),
             pkg("rocblas",         "6.4.2",  "9.el10_1", "@System"),
             pkg("hipcc",           "19",     "17.rocm6.4.2.el10_1", "@System"),
             pkg("rocblas6.3",      "6.3.1",  "1.el10_0", "@System"),   # compat: not counted
             pkg("python3-torch",   "2.8.0",  "1.el10_1", "@System")]   # not ROCm

AVAILABLE = [pkg("rocm-hip",        "6.4.3",  "1.el10_2"),
             pkg("rocm-hip",        "7.1.0",  "1.el10_2"),
             pkg("rocm-hip",        "7.1.1",  "1.el10_2"),   # same name: one package
             pkg("rocblas",         "7.1.1",  "6.el10_2"),
             pkg("hipcc",           "20",     "12.rocm7.1.1.el10_2"),
             pkg("rocblas6.4",      "6.4.3",  "1.el10_2"),   # compat: not counted
             pkg("python3-torch",   "2.9.0",  "1.el10_2")]   # not ROCm

POLICY = settings(on_major="block", on_minor="lock", allow=(Line(7, 2),),
                  include=("site-hip*",), exclude=("rocm-examples*",),
                  origin={"on_minor": "/etc/dnf/plugins/rocm_notice.conf",
                          "on_major": "/etc/dnf/plugins/rocm_notice.d/90-site.conf"})


@pytest.fixture
def built(catalog):
    return status.build(INSTALLED, AVAILABLE, catalog, POLICY)


# -- status: the object ----------------------------------------------------------------------------

def test_status_has_schema_one(built):
    assert built["schema"] == 1


def test_installed_lines_count_stack_packages_only(built):
    assert built["installed"] == {"6.4": {"packages": 3, "epel": ["10.1"]}}
    assert built["installed_line"] == "6.4"


def test_available_lines_count_names_and_list_epel_minors(built):
    assert built["available"] == {"6.4": {"packages": 1, "epel": ["10.2"]},
                                  "7.1": {"packages": 3, "epel": ["10.2"]}}


def test_available_lines_list_every_epel_minor_in_order(catalog):
    found = status.lines_of([pkg("rocm-hip", "7.1.1", "1.el10_3"),
                             pkg("rocblas", "7.1.1", "6.el10_2")], catalog)
    assert found == {"7.1": {"packages": 2, "epel": ["10.2", "10.3"]}}


def test_policy_says_which_file_set_each_key(built):
    assert built["policy"] == {
        "on_major": "block", "on_minor": "lock", "allow": ["7.2"],
        "include": ["site-hip*"], "exclude": ["rocm-examples*"],
        "report": config.DEFAULT_REPORT,
        "set_in": {"on_major": "/etc/dnf/plugins/rocm_notice.d/90-site.conf",
                   "on_minor": "/etc/dnf/plugins/rocm_notice.conf"},
        "problems": []}
    assert list(built["policy"]["set_in"]) == ["on_major", "on_minor"]


def test_nothing_held_no_versionlock_no_gpus_by_default(built):
    assert built["hold"] is None
    assert built["versionlock"] is None
    assert built["gpus"] == []
    assert built["gpu_notes"] == []
    assert built["report"] == ""


def test_status_object_is_json(built):
    assert json.loads(json.dumps(built)) == built


def test_no_rocm_installed_has_no_installed_line(catalog):
    built = status.build([pkg("python3-torch", "2.8.0", "1.el10_1")], AVAILABLE, catalog,
                         config.Settings())
    assert built["installed"] == {}
    assert built["installed_line"] is None


def test_hold_is_described_with_its_lines_keys_and_count(catalog):
    """The hold has one shape, in status and in the report (report.hold_data)."""
    hold = Hold(Line(6, 4), [Line(7, 1)], ["on_major"],
                rocm=["hipcc-20-12.rocm7.1.1.el10_2.x86_64", "rocm-hip-7.1.1-1.el10_2.x86_64"],
                dependents=["python3-torch-2.9.0-1.el10_2.x86_64"])
    built = status.build(INSTALLED, AVAILABLE, catalog, POLICY, hold=hold)
    described = {key: built["hold"][key] for key in ("line", "targets", "keys", "count")}
    assert described == {"line": "6.4", "targets": ["7.1"], "keys": ["on_major"], "count": 3}
    json.dumps(built)
    assert "Held: 7.1 at 6.4 (on_major = lock); 3 packages held back" in status.text(built)
    assert built["hold"] == report.build("hold", Context(), hold=hold)["hold"]
    assert built["hold"]["packages"] == hold.rocm + hold.dependents


# -- status: the text --------------------------------------------------------------------------------

def test_text_shows_installed_and_available_lines_with_epel_minors(built):
    shown = status.text(built).splitlines()
    assert shown[:5] == ["Installed ROCm:",
                         "  6.4: 3 packages (EPEL 10.1)",
                         "Available in enabled repositories:",
                         "  6.4: 1 package (EPEL 10.2)",
                         "  7.1: 3 packages (EPEL 10.2)"]


def test_text_shows_the_policy_and_where_it_was_set(built):
    shown = status.text(built).splitlines()
    assert "Policy: on_major = block, on_minor = lock, allow = 7.2" in shown
    assert "  on_major set in /etc/dnf/plugins/rocm_notice.d/90-site.conf" in shown
    assert "  on_minor set in /etc/dnf/plugins/rocm_notice.conf" in shown
    assert "Held: nothing" in shown


def test_text_says_none_for_no_gpus_no_lines_and_no_approvals(catalog):
    shown = status.text(status.build([], [], catalog, config.Settings())).splitlines()
    assert shown[:4] == ["Installed ROCm:", "  none", "Available in enabled repositories:",
                         "  none"]
    assert "Policy: on_major = warn, on_minor = warn, allow = none" in shown
    assert "AMD GPUs: none found" in shown
    assert "Last report: none" in shown


def test_text_lists_gpus_and_what_is_known_of_them(catalog):
    known = {Line(7, 0): {"gpu_added": "gfx950"}}        # between installed 6.4 and 7.1
    built = status.build(INSTALLED, AVAILABLE, catalog, POLICY, gpus=["gfx950", "gfx1100"],
                         known=known, report_path="/var/lib/rocm-epel-notice/last.json")
    assert built["gpu_notes"] == [
        "gfx950 is supported from ROCm 7.0: staying on 6.4 leaves it unsupported"]
    shown = status.text(built).splitlines()
    assert "AMD GPUs: gfx950, gfx1100" in shown
    assert "  gfx950 is supported from ROCm 7.0: staying on 6.4 leaves it unsupported" in shown
    assert "Last report: /var/lib/rocm-epel-notice/last.json" in shown


def test_text_shows_a_versionlock_problem_on_its_own_line(catalog):
    problem = ("the list has bytes that are not UTF-8: the versionlock plugin will fail to "
               "read it")
    lock = {"list": "/etc/dnf/plugins/versionlock.list", "entries": [], "problem": problem}
    built = status.build(INSTALLED, AVAILABLE, catalog, POLICY, versionlock=lock)
    assert built["versionlock"] == lock
    shown = status.text(built).splitlines()
    assert "Versionlock entries of ours in /etc/dnf/plugins/versionlock.list: none" in shown
    assert "  " + problem in shown


def test_text_counts_our_versionlock_entries_without_a_problem_line(catalog):
    lock = {"list": "/etc/dnf/plugins/versionlock.list",
            "entries": ["rocblas-6.4.*", "rocm-hip-6.4.*"], "problem": ""}
    shown = status.text(status.build(INSTALLED, AVAILABLE, catalog, POLICY,
                                     versionlock=lock)).splitlines()
    index = shown.index("Versionlock entries of ours in /etc/dnf/plugins/versionlock.list: 2")
    assert shown[index + 1].startswith("AMD GPUs:")


# -- check ------------------------------------------------------------------------------------------

def crossing(kind, old, new, names):
    made = analysis.Crossing(kind, old, new)
    for name in names:
        old_release, new_release = Release(*old), Release(*new)
        made.changes.append(analysis.Change(
            pkg(name, str(old_release), "1.el10_1", "@System"),
            pkg(name, str(new_release), "1.el10_2"), old_release, new_release))
    return made


def test_check_with_nothing_pending():
    assert status.check_object(0, []) == {"schema": 1, "status": 0, "error": "",
                                          "unknown": [], "crossings": [],
                                          "broken_programs": None}
    assert status.check_text(0, []) == "ROCm: no release line change pending"


@pytest.mark.parametrize("action, code, says", [
    ("warn", 1, "would move (warn)"),
    ("lock", 2, "would be held (lock)"),
    ("block", 2, "would be blocked (block)"),
])
def test_check_of_a_major_crossing_for_each_action(action, code, says):
    up = crossing(MAJOR, Line(6, 4), Line(7, 1), ["rocm-hip", "rocblas"])
    assert status.check_object(code, [(up, action)]) == {
        "schema": 1, "status": code, "error": "", "unknown": [],
        "crossings": [{"from": "6.4", "to": "7.1", "boundary": "major", "downgrade": False,
                       "action": action, "approved": False,
                       "packages": ["rocblas", "rocm-hip"]}],
        "broken_programs": None}
    assert status.check_text(code, [(up, action)]) == \
        "ROCm 6.4 -> 7.1 (major): 2 packages " + says


def test_check_text_one_line_per_crossing_and_singular_package():
    down = crossing(MINOR, Line(7, 1), Line(7, 0), ["rocm-hip"])
    up = crossing(MAJOR, Line(7, 1), Line(8, 0), ["rocblas", "rocm-hip"])
    shown = status.check_text(2, [(down, "warn"), (up, "block")], arrow="\u2192")
    assert shown.splitlines() == [
        "ROCm 7.1 \u2192 7.0 (minor): 1 package would move (warn)",
        "ROCm 7.1 \u2192 8.0 (major): 2 packages would be blocked (block)"]


def test_check_object_tells_an_approved_line_from_a_default_warn():
    up = crossing(MAJOR, Line(6, 4), Line(7, 1), ["rocblas"])
    assert status.check_object(1, [(up, "warn")], allowed=(Line(7, 1),))[
        "crossings"][0]["approved"] is True
    assert status.check_object(1, [(up, "warn")], allowed=(Line(7, 2),))[
        "crossings"][0]["approved"] is False


def test_check_object_marks_downgrades_and_cleans_package_names():
    down = crossing(MINOR, Line(7, 1), Line(7, 0), ["rocm-hip\x1b[2J"])
    found = status.check_object(1, [(down, "warn")])
    assert found["crossings"][0]["downgrade"] is True
    assert found["crossings"][0]["packages"] == ["rocm-hip[2J"]
    json.dumps(found)


def test_check_object_says_why_when_dnf_cannot_resolve():
    found = status.check_object(3, [], "DepsolveError: nothing provides libnowhere.so.1\x1b[2J")
    assert found["status"] == 3 and found["crossings"] == []
    assert found["error"] == "DepsolveError: nothing provides libnowhere.so.1[2J"


def test_check_object_carries_the_quick_scans_files_made_printable():
    up = crossing(MAJOR, Line(6, 4), Line(7, 1), ["rocblas"])
    brief = {"paths": ["/opt/a\x1b[2J", "/usr/local/bin/b"], "count": 2, "complete": True,
             "scanned": ["/opt"], "files": 10, "seconds": 0.1}
    found = status.check_object(1, [(up, "warn")], broken=brief)["broken_programs"]
    assert found == dict(brief, paths=["/opt/a[2J", "/usr/local/bin/b"])


def test_check_text_says_when_a_line_moves_because_it_was_approved():
    up = crossing(MAJOR, Line(6, 4), Line(7, 1), ["rocblas"])
    assert status.check_text(1, [(up, "warn")], allowed=(Line(7, 1),)) == \
        "ROCm 6.4 -> 7.1 (major): 1 package would move (approved: allow = 7.1)"
    assert status.check_text(1, [(up, "warn")], allowed=(Line(7, 2),)) == \
        "ROCm 6.4 -> 7.1 (major): 1 package would move (warn)"
