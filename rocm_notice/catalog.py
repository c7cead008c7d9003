"""Which packages belong to the ROCm stack, and in what role.

The package set is data (``data/packages.ini``), not code: the rocm-packagers-sig's list
changes over time, and admins adjust it with ``include``/``exclude`` globs in the config.
"""

import configparser
import fnmatch
import os
import re

from rocm_notice import releases

ROCM = "rocm"        # part of Fedora/EPEL's ROCm stack
COMPAT = "compat"    # a parallel-installable <name>X.Y compat package: never a crossing
AMD = "amd"          # AMD's own repository (a foreign stack beside EPEL's)

DATA_FILE = os.path.join(os.path.dirname(__file__), "data", "packages.ini")

# "rocblas7.2", "rocm-hip7.2-devel": a base name, the line, an optional subpackage suffix.
_COMPAT_NAME = re.compile(r"^(?P<base>.+?)(?P<major>\d{1,3})\.(?P<minor>\d{1,3})(?P<rest>-.+)?$")


def read_ini(path):
    """A configparser over a data file whose sections list bare names (case kept)."""
    parser = configparser.ConfigParser(
        allow_no_value=True, delimiters=("=",), comment_prefixes=("#",),
        inline_comment_prefixes=None, interpolation=None, strict=False)
    parser.optionxform = str
    with open(path, encoding="utf-8") as data:
        parser.read_file(data)
    return parser


class Catalog:
    """Classifies package names; every answer is memoised (a transaction repeats names)."""

    def __init__(self, rocm, suffixes=(), compilersupport=(), independent=(), amd=(),
                 not_rocm=(), include=(), exclude=()):
        self.rocm = frozenset(rocm)
        self.suffixes = tuple(sorted(suffixes, key=len, reverse=True))
        self.compilersupport = frozenset(compilersupport)
        self.independent = frozenset(independent) | self.compilersupport
        self.amd = frozenset(amd)
        self.not_rocm = frozenset(not_rocm)
        self.include = tuple(include)
        self.exclude = tuple(exclude)
        self._kinds = {}

    @classmethod
    def load(cls, include=(), exclude=(), path=DATA_FILE):
        data = read_ini(path)

        def names(section):
            return list(data[section]) if data.has_section(section) else []

        return cls(names("rocm"), names("suffixes"), names("compilersupport"),
                   names("independent"), names("amd"), names("not-rocm"),
                   include, exclude)

    def name_globs(self):
        """Globs matching every name ``kind()`` may classify, so hawkey can narrow a query
        before Python classifies the few names left: base names and their subpackages,
        compat packages (<base>X.Y...), AMD's names and the admin's include globs."""
        stems = set(self.rocm) | set(self.include)
        return sorted(stems | {s + "-*" for s in self.rocm} | {s + "[0-9]*" for s in stems}
                      | set(self.amd))

    def base(self, name):
        """The ROCm base name ``name`` is a subpackage of, or None."""
        while name not in self.rocm:
            for suffix in self.suffixes:
                if name.endswith(suffix) and len(name) > len(suffix):
                    name = name[:-len(suffix)]
                    break
            else:
                return None
        return name

    def compat_name(self, name, line):
        """The compat package that keeps ``name`` at ``line`` (rocm-hip-devel -> rocm-hip6.4-devel)."""
        base = self.base(name)
        return None if base is None else "%s%s%s" % (base, line, name[len(base):])

    def compat_line(self, name):
        """The Line of a compat package (``rocblas7.2`` -> 7.2), or None."""
        match = _COMPAT_NAME.match(name)
        if not match:
            return None
        stem = match.group("base") + (match.group("rest") or "")
        if self.base(stem) is None and not self._included(match.group("base")):
            return None
        return releases.Line(int(match.group("major")), int(match.group("minor")))

    def _included(self, name):
        return any(fnmatch.fnmatchcase(name, glob) for glob in self.include)

    def kind(self, name):
        """ROCM, COMPAT, AMD or None."""
        try:
            return self._kinds[name]
        except KeyError:
            found = self._kinds[name] = self._classify(name)
            return found

    def _classify(self, name):
        if name in self.not_rocm or any(fnmatch.fnmatchcase(name, g) for g in self.exclude):
            return None
        if name in self.amd:
            return AMD
        if self.base(name) is not None or self._included(name):
            return ROCM
        if self.compat_line(name) is not None:
            return COMPAT
        return None

    def release_of(self, package):
        """The ROCm release of a package record, or None (unknown or not ROCm)."""
        kind = self.kind(package.name)
        if kind is None:
            return None
        if kind == COMPAT:
            line = self.compat_line(package.name)
            found = releases.rocm_release(package.version, package.release)
            return found if found and found.line == line else releases.Release(*line)
        versioned = self.base(package.name) not in self.independent
        return releases.rocm_release(package.version, package.release, versioned)

    def is_foreign(self, package):
        """True for packages from AMD's repository (its names, or its version format)."""
        kind = self.kind(package.name)
        return kind == AMD or (kind is not None and releases.is_amd_version(package.version))
