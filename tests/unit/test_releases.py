"""The ROCm release and the EPEL minor of a package, read from its NEVRA alone."""

import pytest
import rpm
from hypothesis import example, given, settings
from hypothesis import strategies as st

from rocm_notice.catalog import releases
from rocm_notice.catalog.releases import MAJOR, MINOR, PATCH, SAME, Line, Release


# -- plain versions: Version is the ROCm release ------------------------------------

@pytest.mark.parametrize("version, release, expected", [
    ("7.1.1", "6.el10_2", Release(7, 1, 1)),       # rocblas-7.1.1-6.el10_2
    ("6.4.2", "9.el10_1", Release(6, 4, 2)),
    ("7.2", "1.el10_3", Release(7, 2, 0)),         # a missing patch field reads as .0
    ("10.0.0", "1.el10_5", Release(10, 0, 0)),
    ("7.11.3", "1.el10_9", Release(7, 11, 3)),
])
def test_plain_version_is_the_rocm_release(version, release, expected):
    assert releases.rocm_release(version, release) == expected


def test_release_line_is_major_and_minor():
    found = releases.rocm_release("7.1.1", "6.el10_2")
    assert found.line == Line(7, 1)
    assert str(found.line) == "7.1"
    assert str(found) == "7.1.1"


# -- rocm-compilersupport and pre-releases: the release is in Release --------------

def test_compilersupport_release_marker_gives_the_rocm_release():
    # hipcc-20-12.rocm7.1.1.el10_2: Version 20 is the LLVM major, not ROCm 20.
    assert releases.rocm_release("20", "12.rocm7.1.1.el10_2", versioned=False) == Release(7, 1, 1)


def test_prerelease_marker_with_git_snapshot_gives_the_rocm_release():
    assert releases.rocm_release("22", "0.rocm7.2.0^git20260101.abc1234.el10_3",
                                 versioned=False) == Release(7, 2, 0)


def test_release_marker_wins_over_a_plain_version():
    assert releases.rocm_release("19", "3.rocm6.4.2.el10_1") == Release(6, 4, 2)


def test_release_marker_without_patch_reads_as_dot_zero():
    assert releases.from_release_field("5.rocm7.1.el10_2") == Release(7, 1, 0)


def test_llvm_major_alone_is_unknown_for_unversioned_packages():
    # hipcc-20-1.el10_2: no rocm marker, and Version is not a ROCm release.
    assert releases.rocm_release("20", "1.el10_2", versioned=False) is None


def test_unversioned_package_ignores_a_plain_looking_version():
    assert releases.rocm_release("7.1.1", "1.el10_2", versioned=False) is None


def test_word_containing_rocm_is_not_a_marker():
    # "xrocm7.1" is not the rocmX.Y marker: the marker starts the field or follows a separator.
    assert releases.from_release_field("1.xrocm7.1.1.el10_2") is None


# -- AMD's repository: trailing MMmmpp field ----------------------------------------

@pytest.mark.parametrize("version", ["6.4.43484.60402", "6.4.2.60402"])
def test_amd_version_trailing_field_gives_the_rocm_release(version):
    assert releases.rocm_release(version, "1.el10") == Release(6, 4, 2)


def test_amd_version_is_recognised_as_amd_and_fedora_version_is_not():
    assert releases.is_amd_version("6.4.43484.60402")
    assert releases.is_amd_version("1.0.0.60102")       # hsa-amd-aqlprofile -> ROCm 6.1.2
    assert releases.from_amd_version("1.0.0.60102") == Release(6, 1, 2)
    assert not releases.is_amd_version("7.1.1")
    assert not releases.is_amd_version("20")


def test_amd_six_digit_field_reads_a_two_digit_major():
    assert releases.from_amd_version("10.0.12345.100001") == Release(10, 0, 1)


# -- unknowns: never an exception, always None ----------------------------------------

@pytest.mark.parametrize("version, expected", [
    ("6.4.2~rc1", Release(6, 4, 2)),                  # Fedora's pre-release marker
    ("7.1.1^git20260101.abc1234", Release(7, 1, 1)),  # Fedora's snapshot marker
    ("7.1.1.1", Release(7, 1, 1)),
    ("7.1.1+fix1", Release(7, 1, 1)),
    ("7.1.1_1", Release(7, 1, 1)),
    ("7.1~rc1", Release(7, 1, 0)),
    ("7.2^git20260101.abc1234", Release(7, 2, 0)),
])
def test_trailing_parts_never_hide_the_release_line(version, expected):
    """Issue 10: these hid a 6.4 -> 7.1 crossing from notice, hold and block alike."""
    assert releases.rocm_release(version, "1.el10_2") == expected


@pytest.mark.parametrize("version", ["٧.١.١", "７.１.１", "7.١.1"])
def test_only_ascii_digits_make_a_release(version):
    assert releases.rocm_release(version, "1.el10_2") is None


@pytest.mark.parametrize("version, release", [
    ("git20250101.abc1234", "1.el10_2"),
    ("", ""),
    (None, None),
    ("7", "1.el10_2"),
    ("7.1rc1", "1.el10_2"),
    ("0.0.0.00000", "1"),                                 # AMD pattern, but ROCm 0.0.0
    ("0.0^git20250526.eebb229", "1.el10_1"),              # no ROCm release is 0.x
])
def test_unreadable_version_is_unknown(version, release):
    assert releases.rocm_release(version, release) is None


@pytest.mark.parametrize("version", [
    "99999.1.0",
    "7.99999.0",
    "12345678901234567890.1.1",
])
def test_huge_numbers_are_unknown(version):
    assert releases.rocm_release(version, "1.el10_2") is None


def test_huge_patch_in_release_marker_is_unknown():
    # rocm7.1.99999: the patch field is out of range; it must not be read as 7.1.0.
    assert releases.rocm_release("20", "1.rocm7.1.99999.el10_2", versioned=False) is None


def test_huge_numbers_in_release_marker_are_unknown():
    assert releases.rocm_release("20", "1.rocm99999.1.0.el10_2", versioned=False) is None


def test_llvm_major_without_marker_is_unknown():
    assert releases.rocm_release("20", "", versioned=False) is None


# -- ordering: integer tuples ----------------------------------------------------------

def test_minor_eleven_is_newer_than_minor_two():
    assert Release(7, 11, 0) > Release(7, 2, 0)
    assert Line(7, 11) > Line(7, 2)


def test_renumbered_ten_zero_is_newer_than_seven_fourteen():
    assert Release(10, 0, 0) > Release(7, 14, 0)
    assert releases.rocm_release("10.0.0", "1") > releases.rocm_release("7.14.0", "1")


def test_patch_orders_within_a_line():
    assert Release(7, 1, 1) > Release(7, 1, 0)


# -- boundary ---------------------------------------------------------------------------

@pytest.mark.parametrize("old, new, expected", [
    (Release(6, 4, 2), Release(7, 1, 1), MAJOR),
    (Release(7, 14, 0), Release(10, 0, 0), MAJOR),
    (Release(7, 1, 1), Release(6, 4, 2), MAJOR),      # a downgrade crosses too
    (Release(7, 1, 1), Release(7, 2, 0), MINOR),
    (Release(7, 1, 0), Release(7, 1, 1), PATCH),
    (Release(7, 1, 1), Release(7, 1, 1), SAME),
])
def test_boundary_between_two_releases(old, new, expected):
    assert releases.boundary(old, new) == expected


def test_patch_update_is_not_a_crossing():
    assert releases.boundary(Release(7, 1, 0), Release(7, 1, 1)) not in (MAJOR, MINOR)


# -- EPEL minor from the dist tag ---------------------------------------------------------

@pytest.mark.parametrize("release, expected", [
    ("1.el10_2", 2),
    ("1.el10_12.1", 12),
    ("12.rocm7.1.1.el10_2", 2),
    ("1.el10", None),
    ("1.el9", None),
    ("1.el9_4", None),
    ("1.fc43", None),
    ("", None),
    (None, None),
])
def test_epel_minor_from_dist_tag(release, expected):
    assert releases.epel_minor(release) == expected


# -- parse_line (config values, command arguments) --------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("7.1", Line(7, 1)),
    (" 7.2 ", Line(7, 2)),
    ("10.0", Line(10, 0)),
    ("7", None),
    ("7.1.1", None),
    ("seven", None),
    ("7.x", None),
    ("", None),
    (None, None),
    ("99999.1", None),
    ("٧.١", None),              # Arabic-Indic digits: not an approval of 7.1
    ("７.１", None),              # fullwidth digits
    ("7.1\u00a0", None),        # a no-break space is not a blank
])
def test_parse_line(text, expected):
    assert releases.parse_line(text) == expected


# -- properties -----------------------------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(st.one_of(st.none(), st.text()), st.one_of(st.none(), st.text()), st.booleans())
def test_parser_never_raises_on_arbitrary_text(version, release, versioned):
    found = releases.rocm_release(version, release, versioned)
    assert found is None or isinstance(found, Release)
    minor = releases.epel_minor(release)
    assert minor is None or isinstance(minor, int)
    line = releases.parse_line(version)
    assert line is None or isinstance(line, Line)


_FIELD = st.integers(min_value=0, max_value=9999)
_MAJOR = st.integers(min_value=1, max_value=9999)      # no ROCm release is 0.x


def _sign(number):
    return (number > 0) - (number < 0)


@settings(max_examples=300, deadline=None)
@given(st.tuples(_MAJOR, _FIELD, _FIELD), st.tuples(_MAJOR, _FIELD, _FIELD))
@example((7, 11, 0), (7, 2, 0))
@example((10, 0, 0), (7, 14, 0))
@example((7, 1, 1), (7, 1, 1))
def test_release_order_agrees_with_rpm_for_numeric_versions(first, second):
    v1 = "%d.%d.%d" % first
    v2 = "%d.%d.%d" % second
    r1 = releases.rocm_release(v1, "1")
    r2 = releases.rocm_release(v2, "1")
    assert r1 is not None and r2 is not None
    ours = (r1 > r2) - (r1 < r2)
    assert ours == _sign(rpm.labelCompare(("0", v1, "1"), ("0", v2, "1")))


# -- the hand-written readers agree with the patterns they replace --------------------

def _by_pattern(pattern, text, search=False):
    import re
    match = (re.search if search else re.match)(pattern, text)
    return match.groups() if match else None


# Each reader against its pattern: the @example lines pin the edges found so far; 500
# random texts a run (3000 cost 28 s of the unit suite's 44, and %check runs it too).
AGREEMENT = settings(max_examples=500, deadline=None)

_VERSIONISH = st.text(alphabet=st.one_of(st.sampled_from(list("0123456789.~^+_-\nrocmx")),
                                         st.characters()), max_size=24)


@AGREEMENT
@given(_VERSIONISH)
@example("7.1.12345")
@example("7.1.1\n")
@example("7.1.1\n\n")
@example("7.1.x")
@example("7.1.1-1")
@example("12345.1")
@example("7.12345")
def test_plain_version_reader_agrees_with_its_pattern(text):
    expected = _by_pattern(releases._PLAIN_VERSION, text)
    assert releases._fields(text, 0, releases._version_may_end) == expected


@AGREEMENT
@given(st.builds("".join, st.lists(st.one_of(st.sampled_from(["rocm", ".", "-", "_", "^", "~",
                                                              "+", "7", "1", "12345", "\u0667",
                                                              "el10_2", "x", "\n"]),
                                             st.characters()), max_size=12)))
@example("12.rocm7.1.1.el10_2")
@example("1.rocm7.1.1.\u0667")
@example("1.rocm7.1\u0667.rocm6.4")
@example("xrocm7.1.1.rocm6.4.2")
@example("rocm7.1.12345")
def test_release_marker_reader_agrees_with_its_pattern(text):
    expected = _by_pattern(releases._MARKER, text, search=True)
    found = releases.from_release_field(text)
    assert (found is None) == (expected is None)
    if found is not None:
        assert found == releases._release(*expected)


@AGREEMENT
@given(st.builds("".join, st.lists(st.one_of(st.sampled_from([".el10_", "1", "2345", "x", ".",
                                                              "\u0667"]),
                                             st.characters()), max_size=10)))
@example("1.el10_1234.el10_2")
def test_epel_minor_reader_agrees_with_its_pattern(text):
    expected = _by_pattern(releases._EPEL_MINOR, text, search=True)
    assert releases.epel_minor(text) == (int(expected[0]) if expected else None)


@AGREEMENT
@given(st.text(alphabet=st.one_of(st.sampled_from(list("0123456789. \t\n")), st.characters()),
               max_size=14))
@example(" 7.1 \n")
@example("7.1\n\n")
@example("7.1\n ")
@example("12345.1")
def test_line_reader_agrees_with_its_pattern(text):
    expected = _by_pattern(releases._LINE, text)
    assert releases.parse_line(text) == (Line(*map(int, expected)) if expected else None)


def test_from_version_memo_is_bounded_and_answers_alike_past_its_bound(monkeypatch):
    """A repository of endless distinct Versions cannot grow the memo without end; past
    the bound the answers are computed, and the same."""
    monkeypatch.setattr(releases, "_VERSIONS", {})
    monkeypatch.setattr(releases, "_VERSIONS_KEPT", 3)
    answers = [releases.from_version("7.%d.1" % minor) for minor in range(6)]
    assert len(releases._VERSIONS) == 3
    assert answers == [releases.Release(7, minor, 1) for minor in range(6)]
    assert releases.from_version("7.5.1") == releases.Release(7, 5, 1)   # not memoised
