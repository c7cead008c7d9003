"""tools/check-catalog, run for real (/usr/bin/python3, dnf's own API) against RPM
repositories built from the real EPEL 10.1, 10.2 and 10.3 tables (tests/e2e/real_epel.py)
and from invented future ones: an EPEL 10.4 with ROCm 8.0, and its updates with a package
of a new ROCm source package, a subpackage of a known source nobody listed, and a
rocm-compilersupport build whose Release marker changed shape.

--write runs only on a copy of the data, never on this checkout's.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from rocm_notice.catalog import known
from rocm_notice.packagers import catalog_check as check_data
from rocm_notice.catalog.releases import Line
from rocm_notice.core import notice
from tests.e2e import real_epel as real
from tests.e2e.real_epel import exact, pkg, so
from tests.harness.fixtures import build_repo

CHECKOUT = Path(__file__).resolve().parents[2]
TOOL = CHECKOUT / "tools" / "check-catalog"
DATA = CHECKOUT / "rocm_notice" / "catalog"
DATA_FILES = ("package_set.py", "data/releases.ini")
ARROW = "\u2192"

# -- invented: EPEL 10.4 with ROCm 8.0 (sonames .so.7 -> .so.8, LLVM 23) ------------------

CS_80 = "23-1.rocm8.0.0.el10_4"
EPEL_10_4 = [
    pkg("rocm-runtime", "rocm-runtime", "8.0.0-1.el10_4", [so("libhsa-runtime64.so.1")]),
    pkg("rocm-hip", "rocclr", "8.0.0-1.el10_4", [so("libamdhip64.so.8"), so("libhiprtc.so.8")],
        [so("libamd_comgr.so.4"), so("libhsa-runtime64.so.1")]),
    pkg("rocm-hip-devel", "rocclr", "8.0.0-1.el10_4", ["hip-devel"],
        [exact("rocm-hip", "8.0.0-1.el10_4"), "hipcc"]),
    pkg("rocm-comgr", "rocm-compilersupport", CS_80, [so("libamd_comgr.so.4")]),
    pkg("rocm-device-libs", "rocm-compilersupport", CS_80),
    pkg("hipcc", "rocm-compilersupport", CS_80, [], [exact("rocm-comgr", CS_80)]),
    pkg("rocblas", "rocblas", "8.0.0-1.el10_4", [so("librocblas.so.6")], [so("libamdhip64.so.8")]),
    pkg("hipblas", "hipblas", "8.0.0-1.el10_4", [so("libhipblas.so.4")],
        [so("librocblas.so.6"), so("libamdhip64.so.8")]),
    pkg("rocm-devel", "rocm", "8.0.0-1.el10_4", [], ["rocm-hip-devel"]),
]

# -- invented: what EPEL 10.4's updates might bring ---------------------------------------

NEW_SOURCE = pkg("hiptensor", "hiptensor", "8.0.0-1.el10_4", [so("libhiptensor.so.1")],
                 [so("libamdhip64.so.8")])
NOBODY_LISTED = pkg("rocblas-benchmarks", "rocblas", "8.0.0-1.el10_4", [],
                    [so("librocblas.so.6")])
# The rocmX.Y.Z marker gains an underscore: "rocm_8.0.0" reads as no release at all.
MARKER_CHANGED = pkg("hipcc", "rocm-compilersupport", "23-2.rocm_8.0.0.el10_4")
UPDATES_10_4 = [NEW_SOURCE, NOBODY_LISTED, MARKER_CHANGED]


@pytest.fixture(scope="module")
def repos():
    return {"10.1": build_repo(real.EPEL_10_1), "10.2": build_repo(real.EPEL_10_2),
            "10.3": build_repo(real.EPEL_10_3), "10.4": build_repo(EPEL_10_4),
            "10.4-updates": build_repo(UPDATES_10_4)}


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return tmp_path_factory.mktemp("home")


def tool(home, *args):
    env = dict(os.environ, HOME=str(home), LC_ALL="C.UTF-8")
    return subprocess.run(["/usr/bin/python3", str(TOOL)] + [str(a) for a in args], env=env,
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=300)


def check(home, repos, *names, extra=()):
    args = [a for name in names for a in ("--repo", repos[name])]
    return tool(home, *args, *extra)


def findings(run):
    assert "Traceback" not in run.stderr, run.stderr
    return [json.loads(line) for line in run.stdout.splitlines()]


def of_kind(found, kind):
    return [f for f in found if f["kind"] == kind]


def data_copy(tmp_path):
    copy = tmp_path / "catalog"
    for name in DATA_FILES:
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(DATA / name, copy / name)
    return copy


# -- the real EPEL 10.1 - 10.3 -----------------------------------------------------------------

@pytest.fixture(scope="module")
def real_json(home, repos):
    run = check(home, repos, "10.1", "10.2", "10.3", extra=["--json"])
    found = findings(run)
    assert of_kind(found, "soname-change"), run        # the packages were read
    return run, found


def test_real_epel_has_no_unknown_package(real_json):
    assert of_kind(real_json[1], "unknown-package") == []


def test_real_epel_has_no_unreadable_release(real_json):
    assert of_kind(real_json[1], "unreadable-release") == []


def test_real_epel_with_real_sources_new_subpackages_has_exactly_those_unknown(home):
    """The subpackages of real source packages that tests/e2e/real_epel.py invents (the
    ones the plugin recognises by source only) are the unknown packages, and no other."""
    new = real.new_subpackages(real.EPEL_10_2, real.NEW_NAMES)
    run = tool(home, "--repo", build_repo(real.EPEL_10_2 + new), "--json")
    assert run.returncode == 1, run
    unknown = {f["name"]: f["list"] for f in of_kind(findings(run), "unknown-package")}
    assert unknown == {"rocblas-benchmarks": "ROCM", "hip-samples": "ROCM",
                       "rocm-llvm-newtool": "COMPILERSUPPORT"}


def test_real_epel_needs_no_attention(home, repos, real_json):
    run, found = real_json
    assert run.returncode == 0, run
    assert {f["severity"] for f in found} == {"info"}
    text = check(home, repos, "10.1", "10.2", "10.3")
    assert text.returncode == 0, text
    assert text.stdout.splitlines()[-1].startswith("check-catalog: nothing needs attention")


def test_real_6_4_to_7_1_soname_change_is_what_the_notice_reports(home, repos, real_json):
    (change,) = [f for f in of_kind(real_json[1], "soname-change") if f["from"] == "6.4"]
    assert change["to"] == "7.1"
    assert change["gone"] == real.LOST_AT_7_1
    assert {"libamdhip64.so.7", "librocblas.so.5"} <= set(change["new"])
    text = check(home, repos, "10.1", "10.2", "10.3").stdout
    assert "soname-change: ROCm 6.4 %s 7.1, as the notice reports it: libraries that go " \
        "away: libamd_smi.so.25, libamdhip64.so.6" % ARROW in text


def test_names_no_repository_carries_are_candidates_to_retire_said_honestly(home, repos,
                                                                             real_json):
    names = {(f["list"], f["name"]) for f in of_kind(real_json[1], "not-carried")}
    assert ("SOURCES", "hsakmt") in names          # retired in 2025
    assert ("ROCM", "rocm-rdc") not in names       # EPEL 10.3 carries it
    assert ("ROCM", "rocblas") not in names
    text = check(home, repos, "10.1", "10.2", "10.3").stdout
    line = next(l for l in text.splitlines() if l.startswith("not-carried:") and "SOURCES" in l)
    assert "hsakmt" in line and "in no given repository" in line
    assert "whether none has for a year, this tool cannot tell" in line


# -- invented futures ----------------------------------------------------------------------

def test_epel_10_4_brings_rocm_8_0_as_a_line_without_facts(home, repos):
    run = check(home, repos, "10.3", "10.4", extra=["--json"])
    assert run.returncode == 1, run
    (line,) = of_kind(findings(run), "line-without-facts")
    assert (line["line"], line["missing"], line["severity"]) == ("8.0", ["section"], "attention")
    text = check(home, repos, "10.3", "10.4").stdout
    assert "line-without-facts: ROCm 8.0 is on offer" in text
    assert "releases.ini has no [8.0] section" in text


def test_epel_10_4_soname_change_from_7_2_to_8_0(home, repos):
    found = findings(check(home, repos, "10.3", "10.4", extra=["--json"]))
    (change,) = [f for f in of_kind(found, "soname-change") if f["to"] == "8.0"]
    assert change["from"] == "7.2"
    assert {"libamdhip64.so.7", "librocblas.so.5", "libhipblas.so.3"} <= set(change["gone"])
    assert "libhsa-runtime64.so.1" not in change["gone"]       # the same in both lines
    assert {"libamdhip64.so.8", "librocblas.so.6"} <= set(change["new"])


@pytest.fixture(scope="module")
def future(home, repos):
    text = check(home, repos, "10.4", "10.4-updates")
    run = check(home, repos, "10.4", "10.4-updates", extra=["--json"])
    return text, run, findings(run)


def test_subpackage_nobody_listed_is_an_unknown_package(future):
    text, run, found = future
    assert run.returncode == 1, run
    (unknown,) = of_kind(found, "unknown-package")
    assert (unknown["name"], unknown["source"], unknown["list"]) == \
        ("rocblas-benchmarks", "rocblas", "ROCM")
    assert "unknown-package: rocblas-benchmarks (%s" % NOBODY_LISTED.nevra in text.stdout


def test_package_of_a_new_rocm_source_is_reported(future):
    text, run, found = future
    (new,) = of_kind(found, "unknown-source")
    assert (new["source"], new["names"], new["lines"]) == ("hiptensor", ["hiptensor"], ["8.0"])
    assert new["requires"] == ["libamdhip64.so.8"]
    assert "unknown-source: source package hiptensor (hiptensor, in " in text.stdout


def test_changed_release_marker_would_fail_closed_under_lock_or_block(future):
    text, run, found = future
    (unreadable,) = of_kind(found, "unreadable-release")
    assert unreadable["nevra"] == MARKER_CHANGED.nevra
    assert (unreadable["severity"], unreadable["field"]) == ("critical", "Release")
    line = next(l for l in text.stdout.splitlines() if l.startswith("unreadable-release:"))
    assert MARKER_CHANGED.nevra in line
    assert "would fail closed under lock/block" in line
    assert "would fail closed under lock/block" in unreadable["summary"]


def test_the_findings_that_need_attention_come_first_and_are_counted(future):
    text, run, found = future
    assert text.returncode == 1
    kinds = [f["kind"] for f in found]
    assert kinds[0] == "unreadable-release"
    attention = [f for f in found if f["severity"] != "info"]
    assert text.stdout.splitlines()[-1].startswith(
        "check-catalog: %d findings need attention" % len(attention))


# -- --write, on a copy of the data ----------------------------------------------------------

@pytest.fixture(scope="module")
def written(home, repos, tmp_path_factory):
    copy = data_copy(tmp_path_factory.mktemp("data"))
    tree = {name: (DATA / name).read_bytes() for name in DATA_FILES}
    run = check(home, repos, "10.3", "10.4", "10.4-updates",
                extra=["--write", "--data-dir", copy])
    return run, copy, tree


def _inserted(before, after):
    """The lines ``after`` adds to ``before``, if it keeps every line of ``before`` in order
    (else None)."""
    old, new, added = before.splitlines(), after.splitlines(), []
    at = 0
    for line in new:
        if at < len(old) and line == old[at]:
            at += 1
        else:
            added.append(line)
    return added if at == len(old) else None


def test_write_lists_the_subpackage_in_rocm_keeping_every_other_line(written):
    run, copy, tree = written
    assert run.returncode == 1, run
    before = tree["package_set.py"].decode()
    after = (copy / "package_set.py").read_text()
    added = _inserted(before, after)
    assert added is not None, "a line of package_set.py was lost or changed"
    *comment, name = added
    assert name == '    "rocblas-benchmarks",'
    assert all(line.startswith("    # ") for line in comment)
    assert " ".join(line[6:] for line in comment).startswith(
        "rocblas-benchmarks: built from rocblas (%s in " % NOBODY_LISTED.nevra)
    rocm_block = after.split("\nROCM = (", 1)[1].split("\n)\n", 1)[0]
    assert name in rocm_block                      # inside ROCM, not after it
    lists = check_data.literal_lists(after)        # a new source is a judgement, not written
    assert not [name for name, names in lists.items() if "hiptensor" in names]
    assert "added rocblas-benchmarks to ROCM in %s" % (copy / "package_set.py") in run.stdout


def test_write_adds_the_new_line_section_with_its_notes_address(written):
    run, copy, tree = written
    before = tree["data/releases.ini"].decode()
    after = (copy / "data" / "releases.ini").read_text()
    assert after.startswith(before)                # every comment and source kept
    section = after[len(before):]
    assert "\n[8.0]\n" in section
    assert "notes = https://rocm.docs.amd.com/en/docs-8.0.0/about/release-notes.html" in section
    assert "\ngpu_added =\ngpu_dropped =\n" in section
    assert known.load(str(copy / "data" / "releases.ini"))[Line(8, 0)]["notes"].endswith(
        "docs-8.0.0/about/release-notes.html")
    assert "added [8.0] to %s" % (copy / "data" / "releases.ini") in run.stdout


def test_write_never_touches_the_checkout_data(written):
    run, copy, tree = written
    assert {name: (DATA / name).read_bytes() for name in DATA_FILES} == tree


def test_after_write_the_fixed_findings_are_gone_and_the_rest_remain(home, repos, written):
    run, copy, tree = written
    again = findings(check(home, repos, "10.3", "10.4", "10.4-updates",
                           extra=["--json", "--data-dir", copy]))
    kinds = {f["kind"] for f in again}
    assert "unknown-package" not in kinds and "line-without-facts" not in kinds
    assert {"unreadable-release", "unknown-source"} <= kinds


# -- the update note for Bodhi ----------------------------------------------------------------

@pytest.fixture(scope="module")
def note(home, repos):
    run = tool(home, "--update-note", repos["10.1"], repos["10.2"])
    assert run.returncode == 0 and "Traceback" not in run.stderr, run
    return run.stdout


def test_update_note_names_the_move_6_4_to_7_1(note):
    assert note.startswith("This update moves ROCm 6.4 %s 7.1 (major): " % ARROW)


def test_update_note_names_the_sonames_that_go_away(note):
    assert (notice.SONAMES % ", ".join(real.LOST_AT_7_1)).strip() in note.splitlines()


def test_update_note_says_how_to_stay_on_6_4(note):
    stay = notice.STAY_BEFORE % ("6.4", notice.STAY_LOCK % notice.DNF_COMMAND, "6.4")
    assert stay.strip() in note.splitlines()


def test_update_note_gives_the_release_notes_address(note):
    url = known.notes_urls(known.load())[Line(7, 1)]
    assert (notice.NOTES % ("7.1", url)).strip() in note.splitlines()


def test_update_note_leaves_out_what_only_a_prompt_or_a_machine_has(note):
    assert notice.CONTINUE_ASK.strip() not in note and "releasever" not in note
    assert "rocm_notice:" not in note


def test_update_note_without_a_crossing_is_empty_and_says_so(home, repos):
    run = tool(home, "--update-note", repos["10.2"], repos["10.2"])
    assert (run.returncode, run.stdout) == (0, "")
    assert "moves no ROCm release line" in run.stderr


# -- the system's repositories, bad input ------------------------------------------------------

def test_system_reads_the_enabled_repositories_of_an_installroot(home, repos, tmp_path):
    root = tmp_path / "root"
    (root / "etc" / "yum.repos.d").mkdir(parents=True)
    (root / "etc" / "yum.repos.d" / "epel.repo").write_text(
        "[epel-10.1]\nname=EPEL $releasever.1\nbaseurl=file://%s\ngpgcheck=0\n\n"
        "[epel-10.2]\nname=EPEL $releasever.2\nbaseurl=file://%s\ngpgcheck=0\n\n"
        "[epel-gone]\nname=disabled\nbaseurl=file://%s/nowhere\nenabled=0\n"
        % (repos["10.1"], repos["10.2"], tmp_path))
    before = sorted(str(p.relative_to(root)) for p in root.rglob("*"))
    run = tool(home, "--system", "--installroot", root, "--releasever", "10", "--json")
    assert run.returncode == 0, run
    found = findings(run)
    (change,) = of_kind(found, "soname-change")
    assert (change["from"], change["to"]) == ("6.4", "7.1")
    assert sorted(str(p.relative_to(root)) for p in root.rglob("*")) == before   # read only


@pytest.mark.parametrize("args, says", [
    ([], "give one of --repo"),
    (["--repo", "/nonexistent/repo"], "/nonexistent/repo: no such directory"),
    (["--repo", "file:///nonexistent/repo"], "cannot read repository file:///nonexistent/repo"),
    (["--installroot", "/", "--repo", "."], "--installroot applies only with --system"),
    (["--repo", ".", "--data-dir", "/nonexistent/data"], "/nonexistent/data"),
    (["--update-note", "."], "--update-note: expected 2 arguments"),
    (["--update-note", ".", ".", "--write"], "--write does not apply to --update-note"),
    (["--repo", ".", "--system"], "give one of --repo"),
])
def test_bad_input_exits_2_with_one_line(home, args, says):
    run = tool(home, *args)
    assert run.returncode == 2, run
    assert run.stdout == "" and "Traceback" not in run.stderr
    (line,) = run.stderr.splitlines()
    assert line.startswith("check-catalog: ") and says in line
