"""The shipped data: the package set (``package_set``) and the release facts
(``data/releases.ini``): they read, and their sections agree with each other."""

import ast
import collections
import configparser
import re

import pytest

from rocm_notice.catalog import catalog, known, package_set, releases

SECTIONS = {"rocm": package_set.ROCM, "suffixes": package_set.SUFFIXES,
            "compilersupport": package_set.COMPILERSUPPORT,
            "independent": package_set.INDEPENDENT, "amd": package_set.AMD,
            "not-rocm": package_set.NOT_ROCM, "sources": package_set.SOURCES}

GFX = re.compile(r"^gfx[0-9]{2,4}[0-9a-f]?$")


def read_ini(path):
    """Python's configparser over a data file (bare names allowed, case kept): the oracle
    that the shipped reader (ini.py) must agree with."""
    parser = configparser.ConfigParser(
        allow_no_value=True, delimiters=("=",), comment_prefixes=("#",),
        inline_comment_prefixes=None, interpolation=None, strict=False)
    parser.optionxform = str
    with open(path, encoding="utf-8") as data:
        parser.read_file(data)
    return parser


@pytest.fixture(scope="module")
def lines():
    return read_ini(known.DATA_FILE)


def names(section):
    return set(SECTIONS[section])


def test_the_package_set_is_data_only():
    """Tuples of strings, a docstring, nothing else: no code runs when it loads, and a
    packager's patch to it cannot change how names are judged."""
    with open(package_set.__file__, encoding="utf-8") as source:
        tree = ast.parse(source.read())
    body = tree.body
    assert isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
    assigned = {}
    for node in body[1:]:
        assert isinstance(node, ast.Assign) and len(node.targets) == 1, ast.dump(node)
        assert isinstance(node.value, ast.Tuple), node.targets[0].id
        assert all(isinstance(e, ast.Constant) and isinstance(e.value, str)
                   for e in node.value.elts), node.targets[0].id
        assigned[node.targets[0].id] = node.value
    assert sorted(assigned) == sorted(s.upper().replace("-", "_") for s in SECTIONS)


def test_the_package_set_has_every_section():
    assert len(names("rocm")) > 40
    assert names("suffixes") and names("amd") and names("not-rocm")


def test_no_name_is_listed_twice_in_one_section():
    counts = collections.Counter((section, name) for section, listed in SECTIONS.items()
                                 for name in listed)
    assert [key for key, count in counts.items() if count > 1] == []


def test_independent_names_are_also_rocm_names():
    assert names("independent") - names("rocm") == set()


def test_compilersupport_names_are_listed_once_and_are_rocm():
    assert names("compilersupport") & names("rocm") == set()
    shipped = catalog.Catalog.load()
    assert [n for n in sorted(names("compilersupport")) if shipped.kind(n) != catalog.ROCM] == []


def test_every_release_fact_is_read_by_the_plugin(lines):
    """releases.ini holds only what the plugin reads (notes, GPU changes)."""
    assert {key for section in lines.sections() for key in lines[section]} == {
        "notes", "gpu_added", "gpu_dropped"}


def test_no_name_is_both_rocm_and_amd():
    assert names("rocm") & names("amd") == set()


def test_amd_names_are_classified_as_amd():
    shipped = catalog.Catalog.load()
    wrong = [n for n in sorted(shipped.amd) if shipped.kind(n) != catalog.AMD]
    assert wrong == []


def test_no_rocm_name_is_excluded_by_not_rocm():
    assert names("rocm") & names("not-rocm") == set()


def test_suffixes_start_with_a_dash():
    assert all(s.startswith("-") and len(s) > 1 for s in names("suffixes"))


def test_names_are_bare_rpm_names():
    allowed = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")
    for section in ("rocm", "compilersupport", "independent", "amd", "not-rocm", "sources"):
        bad = [n for n in names(section) if not allowed.match(n)]
        assert bad == [], section


def test_releases_file_parses_and_every_section_is_a_release_line(lines):
    assert lines.sections()
    assert [s for s in lines.sections() if releases.parse_line(s) is None] == []
    assert len(known.load()) == len(lines.sections())


def test_every_notes_url_is_https(lines):
    for section in lines.sections():
        url = lines[section].get("notes", "")
        if url:
            assert url.startswith("https://"), section
            assert " " not in url, section


def test_known_notes_urls_cover_the_epel_lines():
    urls = known.notes_urls(known.load())
    for line in (releases.Line(6, 4), releases.Line(7, 1), releases.Line(7, 2)):
        assert urls[line].startswith("https://")


def test_gpu_targets_look_like_gfx_names(lines):
    for section in lines.sections():
        for key in ("gpu_added", "gpu_dropped"):
            bad = [t for t in lines[section].get(key, "").split() if not GFX.match(t)]
            assert bad == [], (section, key)


def test_missing_releases_file_means_nothing_known(tmp_path):
    assert known.load(str(tmp_path / "absent.ini")) == {}


def test_the_release_facts_reader_agrees_with_configparser(lines):
    expected = {releases.parse_line(s): {k: (v or "").strip() for k, v in lines[s].items()}
                for s in lines.sections() if releases.parse_line(s)}
    assert known.load() == expected
    assert known.load()[releases.Line(7, 0)]["gpu_dropped"] == "gfx940 gfx941"


def test_no_source_package_looks_like_a_compat_one():
    """<source>X.Y is a compat source by pattern: no listed source may match it."""
    shipped = catalog.Catalog.load()
    assert [s for s in names("sources") if shipped.compat_line(s)] == []
    assert len(names("sources")) >= 60


def test_known_facts_read_as_configparser_reads_the_file(lines):
    """known.load reads releases.ini with the project's ini reader: the same facts as
    configparser finds in it."""
    expected = {releases.parse_line(section): {key: (value or "").strip() for key, value
                                               in lines[section].items()}
                for section in lines.sections()}
    assert known.load() == expected
    assert all(facts for facts in expected.values())
