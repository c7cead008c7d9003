"""What tools/check-catalog finds (``rocm_notice.packagers.catalog_check``), with plain records: the
shipped data against tables of offered packages; --write's text changes; the update note
as the engine's notice cut to "this update"."""

import re

import pytest

from rocm_notice.catalog import known
from rocm_notice.packagers import catalog_check as check
from rocm_notice.catalog.releases import Line
from rocm_notice.core import notice
from rocm_notice.core.records import Package

REPO = "https://example.test/epel/10.4"
URL_71 = "https://rocm.docs.amd.com/en/docs-7.1.0/about/release-notes.html"


def so(name):
    return "%s()(64bit)" % name


CS = "rocm-compilersupport"


def offer(name, evr, source, provides=(), requires=(), repo=REPO, arch="x86_64"):
    version, release = evr.rsplit("-", 1)
    return check.Offered(Package(name, version, release, 0, arch, repo,
                                 provides=tuple(provides), requires=tuple(requires),
                                 source=source),
                         "%s-%s.src.rpm" % (source, evr), 1796606814)


def compare(a, b):
    """A stand-in for rpm's labelCompare, enough for these tables (numeric fields)."""
    def key(evr):
        epoch, version, release = evr
        return (int(epoch), [int(f) for f in re.findall(r"[0-9]+", version)],
                [int(f) for f in re.findall(r"[0-9]+", release)])
    return (key(a) > key(b)) - (key(a) < key(b))


@pytest.fixture(scope="module")
def data():
    return check.Data()


# 6.4 -> 7.1, shaped like the real EPEL 10.1 and 10.2 (tests/e2e/real_epel.py)
OLD = [
    offer("rocm-hip", "6.4.2-1.el10_1", "rocclr",
          [so("libamdhip64.so.6"), so("libhiprtc.so.6")]),
    offer("rocblas", "6.4.2-7.el10_1", "rocblas", [so("librocblas.so.4")],
          [so("libamdhip64.so.6")]),
    offer("hipblas", "6.4.2-2.el10_1", "hipblas", [so("libhipblas.so.2")]),
    offer("hipsparse", "6.4.2-2.el10_1", "hipsparse", [so("libhipsparse.so.1")]),
    offer("amdsmi", "6.4.2-2.el10_1", "amdsmi", [so("libamd_smi.so.25")]),
    offer("rocm-comgr", "19-15.rocm6.4.2.el10_1", CS, [so("libamd_comgr.so.3")]),
    offer("python3-torch", "2.8.0-4.el10_1", "python-torch", [], [so("libamdhip64.so.6")]),
]
NEW = [
    offer("rocm-hip", "7.1.1-2.el10_2", "rocclr",
          [so("libamdhip64.so.7"), so("libhiprtc.so.7")]),
    offer("rocblas", "7.1.1-6.el10_2", "rocblas", [so("librocblas.so.5")],
          [so("libamdhip64.so.7")]),
    offer("hipblas", "7.1.0-5.el10_2", "hipblas", [so("libhipblas.so.3")]),
    offer("hipsparse", "7.1.1-4.el10_2", "hipsparse", [so("libhipsparse.so.4")]),
    offer("amdsmi", "7.1.0-2.el10_2", "amdsmi", [so("libamd_smi.so.26")]),
    offer("rocm-comgr", "20-12.rocm7.1.1.el10_2", CS, [so("libamd_comgr.so.3")]),
    offer("python3-torch", "2.9.1-1.el10_2", "python-torch", [], [so("libamdhip64.so.7")]),
    offer("rocblas6.4", "6.4.2-1.el10_2", "rocblas6.4", [so("librocblas.so.4")]),
]
LOST = ["libamd_smi.so.25", "libamdhip64.so.6", "libhipblas.so.2", "libhiprtc.so.6",
        "libhipsparse.so.1", "librocblas.so.4"]


def kinds(found):
    return [f.kind for f in found]


# -- unreadable releases: the fail-closed risk ------------------------------------------------

def test_a_compilersupport_marker_of_a_new_shape_would_fail_closed(data):
    (found,) = check.unreadable([offer("hipcc", "23-2.rocm_8.0.0.el10_4", "rocm-compilersupport")],
                                data.catalog)
    assert (found.kind, found.severity, found.data["field"]) == (
        check.UNREADABLE, check.CRITICAL, "Release")
    assert "would fail closed under lock/block" in found.summary


def test_the_marker_as_it_is_today_reads(data):
    assert check.unreadable([offer("hipcc", "23-1.rocm8.0.0.el10_4", "rocm-compilersupport")],
                            data.catalog) == []


def test_a_versioned_package_whose_version_is_no_release_is_unreadable(data):
    (found,) = check.unreadable([offer("rocblas", "git20270101-1.el10_4", "rocblas")],
                                data.catalog)
    assert found.data["field"] == "Version"


def test_a_build_before_any_release_and_a_consumer_are_not_unreadable(data):
    offers = [offer("aqlprofile", "0.0^git20250526.eebb229-3.el10_1", "aqlprofile"),
              offer("python3-torch", "2.9.1-1.el10_2", "python-torch")]
    assert check.unreadable(offers, data.catalog) == []


def test_a_build_carried_by_two_repositories_is_one_finding(data):
    offers = [offer("hipcc", "23-2.rocm_8.0.0.el10_4", "rocm-compilersupport", repo=r)
              for r in ("a", "b")]
    (found,) = check.unreadable(offers, data.catalog)
    assert found.data["repos"] == ["a", "b"]


# -- unknown packages and sources --------------------------------------------------------------

def test_subpackages_of_a_known_source_are_unknown_and_their_base_is_the_fix(data):
    offers = [offer(n, "8.0.0-1.el10_4", s) for n, s in (
        ("rocblas-benchmarks", "rocblas"), ("rocblas-benchmarks-debuginfo", "rocblas"),
        ("hip-samples", "rocclr"), ("hip-samples-devel", "rocclr"),
        ("rocblas-devel", "rocblas"), ("rocblas8.0", "rocblas8.0"))]
    found = check.unknown_packages(offers, data)
    assert [f.data["name"] for f in found] == ["hip-samples", "hip-samples-devel",
                                              "rocblas-benchmarks", "rocblas-benchmarks-debuginfo"]
    assert sorted((f.fix[0], f.fix[1]) for f in found if f.fix) == [
        ("ROCM", "hip-samples"), ("ROCM", "rocblas-benchmarks")]


def test_a_debuginfo_package_alone_gives_its_base_name(data):
    (found,) = check.unknown_packages([offer("rocblas-tool-debuginfo", "8.0.0-1.el10_4",
                                             "rocblas")], data)
    assert found.fix[:2] == ("ROCM", "rocblas-tool")


def test_a_new_compilersupport_subpackage_goes_to_compilersupport(data):
    (found,) = check.unknown_packages([offer("rocm-llvm-newtool", "23-1.rocm8.0.0.el10_4",
                                             "rocm-compilersupport")], data)
    assert found.fix[:2] == ("COMPILERSUPPORT", "rocm-llvm-newtool")


def test_a_new_source_versioned_with_the_line_it_requires_is_reported(data):
    offers = [offer("rocm-hip", "8.0.0-1.el10_4", "rocclr", [so("libamdhip64.so.8")]),
              offer("hiptensor", "8.0.0-1.el10_4", "hiptensor", [], [so("libamdhip64.so.8")])]
    (found,) = check.unknown_sources(offers, data.catalog)
    assert (found.data["source"], found.data["names"], found.data["lines"],
            found.data["requires"]) == ("hiptensor", ["hiptensor"], ["8.0"], ["libamdhip64.so.8"])
    assert found.fix is None


def test_listed_names_built_from_an_unlisted_source_are_one_finding_for_the_source(data):
    offers = [offer("rocm-hip", "8.0.0-1.el10_4", "hip"),
              offer("rocm-hip-devel", "8.0.0-1.el10_4", "hip"),
              offer("rocblas", "8.0.0-1.el10_4", "rocblas")]
    (found,) = check.unknown_sources(offers, data.catalog)
    assert (found.data["source"], found.data["names"]) == ("hip", ["rocm-hip", "rocm-hip-devel"])
    assert "builds names the data lists as ROCm (rocm-hip, rocm-hip-devel)" in found.summary


def test_a_consumer_versioned_on_its_own_is_no_new_source(data):
    offers = NEW + [offer("gpu-tool", "7.1.0-1.el10_2", "gpu-tool")]    # requires nothing
    assert check.unknown_sources(offers, data.catalog) == []


# -- release lines and their facts -------------------------------------------------------------

def test_a_line_on_offer_without_a_section_is_found_with_its_fix(data):
    offers = NEW + [offer("rocblas", "8.0.0-1.el10_4", "rocblas")]
    (found,) = check.without_facts(offers, data)
    assert found.data == {"line": "8.0", "missing": ["section"], "repos": [REPO]}
    assert found.fix[0] == Line(8, 0)


def test_a_section_without_notes_is_found_without_a_fix(data):
    data = check.Data()         # a copy of its own, changed below
    data.facts[Line(7, 1)] = {"gpu_added": "", "gpu_dropped": ""}
    (found,) = check.without_facts(NEW, data)
    assert (found.data["missing"], found.fix) == (["notes"], None)


def test_the_sonames_that_go_away_are_the_analysis_lost_sonames(data):
    (found,) = check.soname_changes(OLD + NEW, data.catalog, compare)
    assert (found.data["from"], found.data["to"]) == ("6.4", "7.1")
    assert found.data["gone"] == LOST
    assert "libamd_comgr.so.3" not in found.data["gone"] + found.data["new"]
    assert "libamdhip64.so.7" in found.data["new"]
    crossing = check.crossing(check.lines_on_offer(OLD, data.catalog)[Line(6, 4)],
                              check.lines_on_offer(NEW, data.catalog)[Line(7, 1)],
                              data.catalog, compare)
    assert found.data["gone"] == crossing.lost_sonames


def test_names_no_repository_carries_are_candidates_to_retire(data):
    found = check.not_carried(OLD + NEW, data)
    named = {(f.data["list"], f.data["name"]) for f in found}
    assert ("ROCM", "hsakmt") in named and ("SOURCES", "hsakmt") in named
    assert ("ROCM", "rocblas") not in named and ("SOURCES", "rocclr") not in named
    assert ("ROCM", "rocm-hip") not in named
    assert all(f.severity == check.INFO for f in found)
    assert "not in any given repository" in found[0].summary


def test_needing_attention_comes_first_and_info_never_counts(data):
    offers = NEW + [offer("hipcc", "23-2.rocm_8.0.0.el10_4", "rocm-compilersupport")]
    found = check.check(offers, data, compare)
    assert kinds(found)[0] == check.UNREADABLE and check.needs_attention(found)
    assert not check.needs_attention(check.check(OLD + NEW, data, compare))


def test_json_has_the_stable_keys_and_text_groups_not_carried(data):
    found = check.check(OLD + NEW, data, compare)
    for finding in found:
        assert {"schema", "kind", "severity", "summary"} <= set(finding.to_json())
        assert finding.to_json()["kind"] in check.KINDS
    text = check.text(found)
    grouped = [line for line in text if line.startswith("not-carried:")]
    assert len(grouped) == len({f.data["list"] for f in found if f.kind == check.NOT_CARRIED})


# -- --write ---------------------------------------------------------------------------------

PACKAGE_SET = '''"""Docstring."""

ROCM = (
    # a comment
    "rocblas",
    # trailing comment
)

COMPILERSUPPORT = (
    "hipcc",
)
''' + "".join("\n%s = ()\n" % name for name in check.LISTS if name not in check.NAMED)


def test_with_names_adds_each_name_as_the_list_last_element_keeping_every_line():
    additions = [("ROCM", "rocblas-benchmarks", offer("rocblas-benchmarks", "8.0.0-1", "rocblas")),
                 ("COMPILERSUPPORT", "rocm-llvm-newtool",
                  offer("rocm-llvm-newtool", "23-1.rocm8.0.0", "rocm-compilersupport"))]
    text = check.with_names(PACKAGE_SET, additions, "2027-01-01")
    lists = check.literal_lists(text)
    assert lists["ROCM"] == ("rocblas", "rocblas-benchmarks")
    assert lists["COMPILERSUPPORT"] == ("hipcc", "rocm-llvm-newtool")
    before = PACKAGE_SET.splitlines()
    assert [l for l in text.splitlines() if l in before] == before      # every line kept
    added = [l for l in text.splitlines() if l not in before]
    assert [l for l in added if not l.startswith("    # ")] == [
        '    "rocblas-benchmarks",', '    "rocm-llvm-newtool",']
    assert max(len(l) for l in added) <= check.WIDTH
    assert text.index("rocblas-benchmarks\",") < text.index("# trailing comment")
    assert "(rocblas-benchmarks-8.0.0-1.x86_64 in %s) [tools/check-catalog, 2027-01-01]" % REPO \
        in " ".join(l.strip().lstrip("# ") for l in added)


def test_with_names_keeps_windows_line_ends():
    text = check.with_names(PACKAGE_SET.replace("\n", "\r\n"), [
        ("ROCM", "rocblas-x", offer("rocblas-x", "8.0.0-1", "rocblas"))], "2027-01-01")
    assert "\n" not in text.replace("\r\n", "")


def test_with_sections_appends_the_line_with_its_notes_address():
    text = check.with_sections("[7.1]\nnotes = x", [(Line(8, 0), NEW[0])], "2027-01-01")
    assert text.startswith("[7.1]\nnotes = x\n")
    assert "\n[8.0]\n" in text
    assert "notes = https://rocm.docs.amd.com/en/docs-8.0.0/about/release-notes.html\n" in text
    assert text.endswith("gpu_added =\ngpu_dropped =\n")


def test_write_changes_a_copy_of_the_data_and_says_what(tmp_path, data):
    (tmp_path / "data").mkdir()
    (tmp_path / "package_set.py").write_text(open(data.package_set).read())
    (tmp_path / "data" / "releases.ini").write_text(open(data.releases).read())
    copy = check.Data(str(tmp_path))
    offers = NEW + [offer("rocblas-benchmarks", "8.0.0-1.el10_4", "rocblas")]
    first = check.check(offers, copy, compare)
    assert {check.UNKNOWN_PACKAGE, check.NO_FACTS} <= set(kinds(first))
    said = check.write(first, copy, "2027-01-01")
    assert said == ["added rocblas-benchmarks to ROCM in %s" % copy.package_set,
                    check.MSG_WROTE_LINE % (Line(8, 0), copy.releases)]
    again = check.Data(str(tmp_path))
    assert "rocblas-benchmarks" in again.lists["ROCM"]
    assert again.facts[Line(8, 0)]["notes"] == check.NOTES_PATTERN % (8, 0)
    assert not {check.UNKNOWN_PACKAGE, check.NO_FACTS} & set(kinds(check.check(offers, again,
                                                                              compare)))


@pytest.mark.parametrize("text, says", [
    ("ROCM = (\n", "line"),
    ('ROCM = ("a",)\n', "no SUFFIXES"),
    ('ROCM = ("a" + "b",)\n', "ROCM is not a tuple of literals"),
])
def test_data_that_cannot_be_read_is_one_line(tmp_path, text, says):
    (tmp_path / "package_set.py").write_text(text)
    with pytest.raises(check.DataError, match=re.escape(says)):
        check.Data(str(tmp_path))


def test_missing_data_files_are_named(tmp_path, data):
    with pytest.raises(check.DataError, match="package_set.py: no such file"):
        check.Data(str(tmp_path))
    (tmp_path / "package_set.py").write_text(open(data.package_set).read())
    with pytest.raises(check.DataError, match="releases.ini: no such file"):
        check.Data(str(tmp_path))


# -- the update note ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def crossing(data):
    return check.crossing(OLD, NEW, data.catalog, compare)


@pytest.fixture(scope="module")
def engine_lines(crossing, data):
    return notice.lines(crossing, check.note_context(crossing, data, NEW))


@pytest.fixture(scope="module")
def note(crossing, data):
    return check.update_note(crossing, check.note_context(crossing, data, NEW))


def test_the_note_heading_is_the_engine_heading_for_this_update(note, engine_lines):
    assert engine_lines[0].startswith("rocm_notice: this transaction moves ROCm 6.4 \u2192 7.1")
    assert note[0] == "This update" + engine_lines[0][len("rocm_notice: this transaction"):]


def test_the_note_names_every_soname_that_goes_away(note):
    assert notice.SONAMES.strip() % ", ".join(LOST) in note


def test_the_note_says_how_to_stay_as_the_engine_does(note):
    assert (notice.STAY_BEFORE % ("6.4", notice.STAY_LOCK % "dnf rocm", "6.4")).strip() in note


def test_the_note_offers_the_compat_packages_and_the_release_notes(note, data):
    assert (notice.COMPAT % ("6.4", "7.1", "dnf", "rocblas6.4")).strip() in note
    assert known.notes_urls(data.facts)[Line(7, 1)] == URL_71
    assert (notice.NOTES % ("7.1", URL_71)).strip() in note


def test_the_note_leaves_out_the_prompt_and_the_machine(note, engine_lines):
    assert notice.CONTINUE_ASK in engine_lines
    assert not [l for l in note if "answer y" in l or "releasever" in l or "this system" in l]
    assert "EPEL: packages built for 10.1 \u2192 10.2 (dist tags)." in note


def test_every_other_note_line_is_an_engine_line(note, engine_lines):
    cut = {note[0]} | {l for l in note if l.startswith(("EPEL:", "Libraries that go away:"))}
    assert {l for l in note if l not in cut} <= {l.strip() for l in engine_lines}


def test_no_crossing_gives_no_note(data):
    found = check.crossing(NEW, NEW, data.catalog, compare)      # nothing newer: no move
    assert found is None
    assert check.update_note(found, check.note_context(found, data, NEW)) == []
