"""The ROCm release and the EPEL minor of a package, from its version and release alone.

Repository ids and ``releasever`` change under a machine's feet; the packages' own NEVRAs
do not. Everything here is a pure function of strings and never raises: a
string we cannot read yields ``None`` ("unknown"), which callers treat as "not a crossing".
"""

import re
from collections import namedtuple

# collections.namedtuple rather than typing.NamedTuple: this module loads in every dnf
# run, and importing typing alone costs more than the rest of the plugin's start.


class Line(namedtuple("Line", "major minor")):
    """A ROCm release line (major.minor): the unit of compatibility."""

    __slots__ = ()

    def __str__(self):
        return "%d.%d" % self


class Release(namedtuple("Release", "major minor patch", defaults=(0,))):
    """A ROCm release; compares as an integer tuple (7.11 > 7.2, 10.0 > 7.14)."""

    __slots__ = ()

    @property
    def line(self):
        return Line(self.major, self.minor)

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
# Patterns stay strings: re compiles (and caches) each on first use, so a dnf run that
# meets no ROCm package never pays for compiling them.


def _release(major, minor, patch):
    return Release(int(major), int(minor), int(patch or 0))


def from_release_field(release):
    """The ``rocmX.Y[.Z]`` marker inside an RPM Release, or None."""
    if "rocm" not in (release or ""):      # most releases: no pattern to compile or run
        return None
    match = re.search(_MARKER, release)
    return _release(*match.groups()) if match else None


def from_version(version):
    """A plain ``X.Y[.Z]`` RPM Version read as a ROCm release, or None. Anything after
    a separator is ignored: ``7.1.1~rc1``, ``7.1.1^git2026.abc``, ``7.1.1.1``, ``7.1.1+fix1``
    and ``7.1.1_1`` are all 7.1.1 (the line is what compatibility hangs on)."""
    match = re.match(_PLAIN_VERSION, version or "")
    if not match or match.group(1) == "0" * len(match.group(1)):    # no ROCm release is 0.x
        return None
    return _release(*match.groups())


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
    if ".el10_" not in (release or ""):
        return None
    match = re.search(_EPEL_MINOR, release)
    return int(match.group(1)) if match else None


def boundary(old, new):
    """How far apart two releases are: MAJOR, MINOR, PATCH or SAME."""
    if old.major != new.major:
        return MAJOR
    if old.minor != new.minor:
        return MINOR
    if old.patch != new.patch:
        return PATCH
    return SAME


def parse_line(text):
    """``"7.1"`` -> Line(7, 1); None for anything else (used for config and commands)."""
    match = re.match(r"^[ \t]*%s\.%s[ \t]*$" % (_FIELD, _FIELD), text or "")
    return Line(int(match.group(1)), int(match.group(2))) if match else None
