"""The ROCm release and the EPEL minor of a package, from its version and release alone.

Repository ids and ``releasever`` change under a machine's feet; the packages' own NEVRAs
do not. Everything here is a pure function of strings and never raises: a
string we cannot read yields ``None`` ("unknown"), which callers treat as "not a crossing".
"""

import re

# Line and Release are tuples with named fields, written out rather than made with
# collections.namedtuple (or typing.NamedTuple): this module loads in every dnf run that
# meets ROCm, and building a namedtuple class costs an eval (importing typing, more).


class Line(tuple):
    """A ROCm release line (major.minor): the unit of compatibility. Compares as a tuple."""

    __slots__ = ()

    def __new__(cls, major, minor):
        return tuple.__new__(cls, (major, minor))

    major = property(lambda self: self[0])
    minor = property(lambda self: self[1])

    def __getnewargs__(self):
        return tuple(self)

    def __repr__(self):
        return "Line(major=%r, minor=%r)" % self

    def __str__(self):
        return "%d.%d" % self


class Release(tuple):
    """A ROCm release; compares as an integer tuple (7.11 > 7.2, 10.0 > 7.14)."""

    __slots__ = ()

    def __new__(cls, major, minor, patch=0):
        return tuple.__new__(cls, (major, minor, patch))

    major = property(lambda self: self[0])
    minor = property(lambda self: self[1])
    patch = property(lambda self: self[2])

    def __getnewargs__(self):
        return tuple(self)

    def __repr__(self):
        return "Release(major=%r, minor=%r, patch=%r)" % self

    @property
    def line(self):
        return Line(self[0], self[1])

    def __str__(self):
        return "%d.%d.%d" % self


MAJOR = "major"
MINOR = "minor"
PATCH = "patch"
SAME = "same"

# Field widths are bounded so that a huge number reads as "unknown", not as ROCm 99999.
# ASCII digits only: "\d" would read "٧.١" (Arabic-Indic) or "７.１" (fullwidth) as 7.1,
# an approval a grep for "7.1" never finds.
_FIELD = r"([0-9]{1,4})"
# The line is the first two fields; what follows a separator (a fourth field, Fedora's
# "~rc1" pre-release and "^git..." snapshot markers, "+fix1", "_1") never hides it.
_PLAIN_VERSION = r"^%s\.%s(?:\.%s)?(?=$|[.~^+_])" % (_FIELD, _FIELD, _FIELD)
# rocm-compilersupport and pre-release builds carry the release inside Release:
# "12.rocm7.1.1.el10_2", "0.rocm7.2.0^git20260101.abc1234.el10_3".
_MARKER = r"(?:^|[.^~+_-])rocm%s\.%s(?:\.%s)?(?!\.?\d)" % (_FIELD, _FIELD, _FIELD)
# AMD's repository appends the release as MMmmpp to a version of three fields or more:
# "6.4.43484.60402" and "6.4.2.60402" are ROCm 6.4.2 ("7.1.99999" is not AMD's).
_AMD_VERSION = r"^[0-9]{1,6}(?:\.[0-9]{1,6}){2,3}\.([0-9]{5,6})$"
_EPEL_MINOR = r"\.el10_([0-9]{1,3})(?![0-9])"
_LINE = r"^[ \t]*%s\.%s[ \t]*$" % (_FIELD, _FIELD)       # a release line in config
# Patterns stay strings: re compiles (and caches) each on first use, so a dnf run that
# meets no ROCm package never pays for compiling them. _PLAIN_VERSION, _MARKER,
# _EPEL_MINOR and _LINE are the specification of from_version, from_release_field,
# epel_minor and parse_line, which read them by hand (see _fields).


def _release(major, minor, patch):
    return Release(int(major), int(minor), int(patch or 0))


def from_release_field(release):
    """The ``rocmX.Y[.Z]`` marker inside an RPM Release, or None (``_MARKER``, searched)."""
    if "rocm" not in (release or ""):      # most releases
        return None
    at = release.find("rocm")
    while at >= 0:
        if at == 0 or release[at - 1] in ".^~+_-":
            found = _fields(release, at + len("rocm"), _marker_may_end)
            if found:
                return _release(*found)
        at = release.find("rocm", at + 1)
    return None


def from_version(version):
    """A plain ``X.Y[.Z]`` RPM Version read as a ROCm release, or None. Anything after
    a separator is ignored: ``7.1.1~rc1``, ``7.1.1^git2026.abc``, ``7.1.1.1``, ``7.1.1+fix1``
    and ``7.1.1_1`` are all 7.1.1 (the line is what compatibility hangs on). Memoised: the
    packages of a stack share a few Versions (a Release is an immutable tuple)."""
    found = _VERSIONS.get(version, _VERSIONS)
    if found is _VERSIONS:
        found = _from_version(version)
        if len(_VERSIONS) < _VERSIONS_KEPT:     # a repository of endless distinct
            _VERSIONS[version] = found          # Versions cannot grow it without end
    return found


_VERSIONS = {}      # Version -> from_version's answer, this process
_VERSIONS_KEPT = 1 << 16


def _from_version(version):
    found = _fields(version or "", 0, _version_may_end)
    if not found or found[0] == "0" * len(found[0]):    # no ROCm release is 0.x
        return None
    return _release(*found)


# _PLAIN_VERSION and _MARKER, read by hand: every run that meets ROCm reads versions,
# and compiling the two patterns cost more than the rest of an everyday run's analysis.
# tests/unit/test_releases.py checks that both readers agree with the patterns.
_DIGITS = frozenset("0123456789")


def _digits_end(text, at):
    """Where the run of ASCII digits that starts at ``at`` ends."""
    size = len(text)
    while at < size and text[at] in _DIGITS:
        at += 1
    return at


def _fields(text, at, may_end):
    """(X, Y, Z or None) as strings, the ``X.Y[.Z]`` fields of 1 to 4 ASCII digits that
    start at ``at``, or None; ``may_end(text, index)`` is the pattern's lookahead after
    them. A field is all of its digits or nothing (a shorter field would leave a digit
    that neither a dot nor the lookahead accepts), and a third field that the lookahead
    refuses is read as none, as the patterns' backtracking does."""
    first = _digits_end(text, at)
    if not 1 <= first - at <= 4 or text[first:first + 1] != ".":
        return None
    second = _digits_end(text, first + 1)
    if not 1 <= second - first - 1 <= 4:
        return None
    if text[second:second + 1] == ".":
        third = _digits_end(text, second + 1)
        if 1 <= third - second - 1 <= 4 and may_end(text, third):
            return text[at:first], text[first + 1:second], text[second + 1:third]
    if may_end(text, second):
        return text[at:first], text[first + 1:second], None
    return None


def _version_may_end(text, at):
    """``(?=$|[.~^+_])``: the end (or a last newline, as ``$`` allows) or a separator."""
    return at == len(text) or text[at] in ".~^+_" or (at == len(text) - 1 and text[at] == "\n")


def _marker_may_end(text, at):
    """``(?!\\.?\\d)``: no digit (any Unicode decimal digit, as ``\\d``), nor a dot and one."""
    following = text[at:at + 1]
    if following == ".":
        following = text[at + 1:at + 2]
    return not (following and following.isdecimal())


def from_amd_version(version):
    """ROCm release encoded in the trailing MMmmpp field of AMD's versions, or None."""
    if (version or "").count(".") < 3:     # EPEL's X.Y.Z: not AMD's, no pattern needed
        return None
    match = re.match(_AMD_VERSION, version)
    if not match:
        return None
    code = int(match.group(1))
    release = Release(code // 10000, code // 100 % 100, code % 100)
    return release if release.major >= 1 else None


def is_amd_version(version):
    """True for versions only AMD's repository uses (a trailing MMmmpp field)."""
    return from_amd_version(version) is not None


def rocm_release(version, release, versioned=True):
    """The ROCm release a package belongs to, or None when it cannot be told.

    Read in order: a ``rocmX.Y.Z`` marker in Release, AMD's trailing MMmmpp field, the
    plain Version. ``versioned`` is False for packages whose Version is their own (the
    LLVM major of rocm-compilersupport, for instance): then Version alone never counts.
    """
    found = from_release_field(release) or from_amd_version(version)
    if found or not versioned:
        return found
    return from_version(version)


def epel_minor(release):
    """N of the ``.el10_N`` dist tag, or None (context only: unrebuilt packages keep theirs)."""
    at = (release or "").find(".el10_")
    while at >= 0:          # _EPEL_MINOR, searched, read by hand (as _fields)
        start = at + len(".el10_")
        end = _digits_end(release, start)
        if 1 <= end - start <= 3:
            return int(release[start:end])
        at = release.find(".el10_", at + 1)
    return None


def boundary(old, new):
    """How far apart two releases are: MAJOR, MINOR, PATCH or SAME."""
    if old.major != new.major:
        return MAJOR
    if old.minor != new.minor:
        return MINOR
    if old.patch != new.patch:
        return PATCH
    return SAME


def _line_may_end(text, at):
    """``[ \t]*$``: only blanks to the end (or to a last newline, as ``$`` allows)."""
    rest = text[at:-1] if text.endswith("\n") else text[at:]
    return not rest.strip(" \t")


def parse_line(text):
    """``"7.1"`` -> Line(7, 1); None for anything else (used for config and commands)."""
    text = text or ""       # _LINE, read by hand (_fields; a third field is no line)
    found = _fields(text, len(text) - len(text.lstrip(" \t")), _line_may_end)
    if not found or found[2] is not None:
        return None
    return Line(int(found[0]), int(found[1]))
