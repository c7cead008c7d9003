"""Which packages belong to the ROCm stack, and in what role.

The package set is data (``package_set``: Python literals, no code), kept apart from these
rules: the rocm-packagers-sig's list changes over time, and admins adjust it with
``include``/``exclude`` globs in the config.
A package is recognised by its name (the fast path: hawkey finds listed names by hash)
or by its source package (the packagers' own rule: every binary package built from one
of the SIG's source packages, so a new subpackage is ROCm before anyone lists its name).
"""

import fnmatch
import re

from rocm_notice.catalog import package_set as data

# releases is imported where a ROCm package's release is read: a transaction without
# ROCm (this module classifies every package of every transaction) never needs it.


ROCM = "rocm"        # part of Fedora/EPEL's ROCm stack
COMPAT = "compat"    # a parallel-installable <name>X.Y compat package: never a crossing
AMD = "amd"          # AMD's own repository (a foreign stack beside EPEL's)

DEBUGINFO = "-debuginfo"          # rpm's own, after any subpackage: rocm-llvm-libs-debuginfo
COMPAT_GLOB = "*[0-9].[0-9]*"     # every compat name has X.Y in it

# "rocblas7.2", "rocm-hip7.2-devel": a base name, the line, an optional subpackage suffix.
_COMPAT_NAME = r"^(?P<base>.+?)(?P<major>\d{1,3})\.(?P<minor>\d{1,3})(?P<rest>-.+)?$"
# A per-GPU subpackage segment after the base: rocblas-gfx950-devel, hipblas-gfx1100.
_GFX_SEGMENT = r"-gfx[0-9a-f]{3,5}(?=-|$)"
GFX_GLOB = "*-gfx[0-9a-f][0-9a-f][0-9a-f]*"     # every name with such a segment, and more
_EXCLUDED = False   # memoised "never ROCm" (not-rocm, exclude): a source cannot overrule it
_UNSEEN = object()  # not memoised yet (dict.get: a KeyError raised per new name costs more)


def source_name(sourcerpm):
    """``rocblas-7.1.1-6.el10_2.src.rpm`` -> ``rocblas``; None for None or "" (an
    installed package without one, such as gpg-pubkey) or anything else unreadable.
    Name-version-release: version and release hold no dash, the name may."""
    if not sourcerpm:
        return None
    for suffix in (".src.rpm", ".nosrc.rpm"):
        if sourcerpm.endswith(suffix):
            sourcerpm = sourcerpm[:-len(suffix)]
            break
    parts = sourcerpm.rsplit("-", 2)
    return parts[0] if len(parts) == 3 and parts[0] and parts[1] and parts[2] else None


def foreign(kind, version):
    """The rule for AMD's repository: a package of one of its names (``kind`` AMD), or a
    package the catalog knows in AMD's version format (a trailing MMmmpp field)."""
    from rocm_notice.catalog import releases    # see the imports at the top
    return kind == AMD or (kind is not None and releases.is_amd_version(version))


# AMD's versions carry at least three dots (releases.from_amd_version): a glob over
# Version finds every installed package that could be foreign by its version.
AMD_VERSION_GLOB = "*.*.*.*"


class Catalog:
    """Classifies package names; every answer is memoised (a transaction repeats names)."""

    def __init__(self, rocm, suffixes=(), compilersupport=(), independent=(), amd=(),
                 not_rocm=(), include=(), exclude=(), sources=()):
        self.rocm = frozenset(rocm) | frozenset(compilersupport)   # listed once, in the latter
        self.sources = frozenset(sources)
        # Every name base() finds starts with a base name, and every source RPM of a
        # source the catalog knows (or of a compat one) with a source name: so their
        # first few characters (as many as the shortest name has) tell most packages
        # of a transaction apart with one set lookup.
        head = self._head = min(map(len, self.rocm), default=1)
        self._heads = frozenset([name[:head] for name in self.rocm])
        head = self._source_head = min(map(len, self.sources), default=1)
        self._source_heads = frozenset([name[:head] for name in self.sources])
        self.suffixes = tuple(sorted(suffixes, key=len, reverse=True))
        undashed = [s for s in self.suffixes if s[:1] != "-" or len(s) < 2]
        if undashed:        # base() relies on it; a bad data file must not misclassify
            raise ValueError("subpackage suffix %r does not start with '-'" % undashed[0])
        self._suffix_set = frozenset(self.suffixes)
        self.compilersupport = frozenset(compilersupport)
        self.independent = frozenset(independent) | self.compilersupport
        self.amd = frozenset(amd)
        self.not_rocm = frozenset(not_rocm)
        self.include = tuple(include)
        self.exclude = tuple(exclude)
        self._kinds = {}
        self._bases = {}            # name -> base(name), as within_line reads them
        self._source_kinds = {}     # source name -> ROCM, COMPAT or None
        self._srpm_kinds = {}       # source RPM file name -> the same
        self._by_source = set()     # names seen ROCm only through their source, this run
        self._query_names = {}        # few -> (exact names, globs)

    @classmethod
    def load(cls, include=(), exclude=()):
        """The shipped package set (``package_set``) with the admin's globs."""
        return cls(data.ROCM, data.SUFFIXES, data.COMPILERSUPPORT, data.INDEPENDENT,
                   data.AMD, data.NOT_ROCM, include, exclude, data.SOURCES)

    def query_names(self, few=False):
        """(exact names, globs) that together select every name ``kind()`` may classify.

        For hawkey: an exact-name filter is a hash lookup, while every glob is matched
        against every package (211 globs over 20,000 packages cost 350 ms; exact names
        0.2 ms). So: every base name, with or without one subpackage suffix and then
        with or without ``-debuginfo``, and AMD's names, exactly; compat packages
        (<base>X.Y...) and the admin's include globs as globs. Callers then classify the
        few names found.

        ``few``: for a query of few packages (the installed ones), where one glob costs
        less than the 950 ``-debuginfo`` names it stands for (each name handed to hawkey
        costs about 2,500 instructions; on a crossing of the tiny bench root, 2.4 M of
        the plugin's 30 M; a glob over 2,000 installed packages costs about 0.2 ms).
        Over 20,000 available packages the names stay cheaper.
        """
        found = self._query_names.get(few)
        if found is None:
            debug = ("",) if few else ("", DEBUGINFO)
            stems = [stem + end for stem in ("",) + self.suffixes for end in debug]
            names = list(self.amd) + [base + stem for base in self.rocm for stem in stems]
            globs = sorted(set(self.include)) + (["*" + DEBUGINFO] if few else [])
            found = self._query_names[few] = (names, globs)
        return found

    def narrow(self, query, compat=True, few=False):
        """``query`` (hawkey's Query or one like it: the interface is in ``hold``'s
        docstring) cut down to candidate ROCm names: the listed ones, and those this run
        has already seen built from a ROCm source (hawkey cannot filter on a source name;
        callers classify each candidate with its ``sourcerpm``). ``few``: ``query`` holds
        few packages, such as the installed ones (see ``query_names``)."""
        exact, globs = self.query_names(few)
        if self._by_source:
            exact = exact + sorted(self._by_source)
        found = query.filter(name=exact)
        globs = globs + [COMPAT_GLOB] if compat else globs
        return found.union(query.filter(name__glob=globs)) if globs else found

    def learn(self, query):
        """Classify every package of ``query`` by name and source, so that later
        ``narrow`` calls also find the ones only their source makes ROCm. One pass in
        Python (about 3 ms per 1,000 packages): for ``dnf rocm status``, not for hooks."""
        kind = self.kind
        for pkg in query:
            kind(pkg.name, pkg.sourcerpm)

    def base(self, name):
        """The ROCm base name of ``name``: the base itself, or base + one subpackage
        suffix, either optionally followed by ``-debuginfo`` (the names query_names
        lists)."""
        gfx = "-gfx" in name
        if not gfx and name[:self._head] not in self._heads:
            return None
        if name.endswith(DEBUGINFO) and len(name) > len(DEBUGINFO):
            name = name[:-len(DEBUGINFO)]
        if name in self.rocm:
            return name
        if gfx:      # rocblas-gfx950-devel: as rocblas-devel, once
            plain = re.sub(_GFX_SEGMENT, "", name, count=1)
            if plain != name:
                return None if "-gfx" in plain else self.base(plain)
        # Every suffix starts with "-" (tests/unit/test_data.py): try each "-" in the
        # name, shortest base first, which is the longest suffix first. Two set lookups
        # a dash, where trying every suffix cost ten string comparisons a name.
        cut = name.find("-", 1)
        while cut > 0:
            if name[cut:] in self._suffix_set and name[:cut] in self.rocm:
                return name[:cut]
            cut = name.find("-", cut + 1)
        return None

    def compat_name(self, name, line):
        """The compat package that keeps ``name`` at ``line`` (rocm-hip-devel ->
        rocm-hip6.4-devel)."""
        base = self.base(name)
        return None if base is None else "%s%s%s" % (base, line, name[len(base):])

    def compat_line(self, name):
        """The Line of a compat package (``rocblas7.2`` -> 7.2), or None."""
        match = re.match(_COMPAT_NAME, name) if "." in name else None
        if not match:
            return None
        stem = match.group("base") + (match.group("rest") or "")
        if self.base(stem) is None and not self._included(match.group("base")):
            return None
        from rocm_notice.catalog import releases    # see the imports at the top
        return releases.Line(int(match.group("major")), int(match.group("minor")))

    def _included(self, name):
        return bool(self.include) and any(fnmatch.fnmatchcase(name, g) for g in self.include)

    def kind(self, name, sourcerpm=None):
        """ROCM, COMPAT, AMD or None, by name and then by source package.

        ``sourcerpm``: the package's source RPM file name (hawkey's ``sourcerpm``,
        ``rocblas-7.1.1-6.el10_2.src.rpm``), or None. A compat source
        (``rocm-runtime7.2``) makes any of its packages compat; otherwise the name
        decides, and a name the data does not know is ROCm when its source is one of the
        SIG's. Names excluded by the data or the admin stay excluded.
        """
        found = self._kinds.get(name, _UNSEEN)
        if found is _UNSEEN:
            found = self._kinds[name] = self._classify(name)
        if not sourcerpm or found is _EXCLUDED or found == AMD \
                or sourcerpm[:self._source_head] not in self._source_heads:
            return found or None    # most packages: no source the catalog knows (built_from)
        by_source = self.built_from(sourcerpm)
        if by_source is None:
            return found
        return self._with_source(name, found, by_source)

    def built_from(self, sourcerpm):
        """``source_kind`` of a source RPM file name (memoised): a cheap first test for
        packages whose name the data does not list."""
        if sourcerpm[:self._source_head] not in self._source_heads:
            return None         # most packages: no source the catalog knows starts it
        found = self._srpm_kinds.get(sourcerpm, _UNSEEN)
        if found is _UNSEEN:
            found = self._srpm_kinds[sourcerpm] = self.source_kind(source_name(sourcerpm))
        return found

    def classify(self, package):
        """``package`` (a ``records.Package``) with this catalog's answers filled in,
        once: ``kind`` (``kind_of``), ``base`` (its ROCm base name, or None) and ``rocm``
        (``release_of``). Record makers call it; the analysis reads the answers."""
        if package.classified_by is self:
            return package
        kind = self._kind_of(package)
        package.kind = kind
        package.base = self.base(package.name) if kind is not None else None
        package.rocm = self._release_of(package, kind) if kind is not None else None
        package.classified_by = self
        return package

    def kind_of(self, package):
        """``kind`` of a record (``records.Package``), from its name and its source."""
        return self.classify(package).kind

    def _kind_of(self, package):
        found = self.kind(package.name)
        if not package.source or (found is None and self._kinds[package.name] is _EXCLUDED) \
                or found == AMD:
            return found
        return self._with_source(package.name, found, self.source_kind(package.source))

    def _with_source(self, name, found, by_source):
        if by_source == COMPAT or (found is None and by_source is not None):
            if found is None:
                self._by_source.add(name)
            return by_source
        return found

    def source_kind(self, source):
        """ROCM for one of the SIG's source packages, COMPAT for a compat one
        (``<source>X.Y``), None for any other source name (memoised)."""
        found = self._source_kinds.get(source, _UNSEEN)
        if found is not _UNSEEN:
            return found
        found = None
        if source in self.sources:
            found = ROCM
        elif "." in source:
            match = re.match(_COMPAT_NAME, source)
            if match and not match.group("rest") and match.group("base") in self.sources:
                found = COMPAT
        self._source_kinds[source] = found
        return found

    def _classify(self, name):
        if name in self.not_rocm or (self.exclude and any(
                fnmatch.fnmatchcase(name, g) for g in self.exclude)):
            return _EXCLUDED
        if name in self.amd:
            return AMD
        # base()'s and compat_line()'s own first tests, here: most names of a
        # transaction fail them, and a call costs more than the test.
        if (name[:self._head] in self._heads or "-gfx" in name) and self.base(name) is not None \
                or self.include and self._included(name):
            return ROCM
        if "." in name and self.compat_line(name) is not None:
            return COMPAT
        return None

    def release_of(self, package):
        """The ROCm release of a package record, or None (unknown or not ROCm)."""
        return self.classify(package).rocm

    def _release_of(self, package, kind):
        from rocm_notice.catalog import releases    # see the imports at the top
        if kind == COMPAT:
            line = self.compat_line(package.name) or self._source_line(package.source)
            found = releases.rocm_release(package.version, package.release)
            if line is None:
                return found
            return found if found and found.line == line else releases.Release(*line)
        return releases.rocm_release(package.version, package.release,
                                     self.versioned(package.base, package.source))

    def versioned(self, base, source):
        """Whether a stack package's Version is its ROCm release: not when its base name
        or its source package is versioned on its own ([independent], the compiler-support
        family among them)."""
        return base not in self.independent and source not in self.independent

    def unreadable(self, package):
        """True for a stack package that should carry a ROCm release and does not: a
        versioned name whose Version is not one, or a compiler-support build without the
        ``rocmX.Y`` marker. Packages versioned on their own ([independent]) never are,
        nor builds before any release (Version 0.x)."""
        package = self.classify(package)
        if package.kind not in (ROCM, AMD) or package.rocm is not None:
            return False
        if (package.version or "").startswith("0."):
            return False        # a build before any release (aqlprofile's 0.0^git...)
        return (self.versioned(package.base, package.source)
                or package.base in self.compilersupport
                or package.source in self.compilersupport)

    def _source_line(self, source):
        """The Line of a compat source (``rocm-runtime7.2`` -> 7.2), or None."""
        match = re.match(_COMPAT_NAME, source or "")
        if not match or self.source_kind(source) != COMPAT:
            return None
        from rocm_notice.catalog import releases    # see the imports at the top
        return releases.Line(int(match.group("major")), int(match.group("minor")))

    def is_foreign(self, package):
        """True for packages from AMD's repository (its names, or its version format)."""
        return foreign(self.classify(package).kind, package.version)

    def foreign_installed(self, candidates):
        """True when one of ``candidates`` is a foreign (AMD) stack package. ``candidates``:
        (name, version, source RPM) of the installed packages with one of AMD's names
        (``amd``) or a version matching AMD_VERSION_GLOB, a superset of the installed
        stack's foreign packages (``is_foreign``)."""
        kind = self.kind
        return any(foreign(kind(name, sourcerpm), version)
                   for name, version, sourcerpm in candidates)

    def within_line(self, moves):
        """True for the everyday transaction: every ROCm package it brings replaces the
        one package of its name and arch that leaves, on the same readable release line.

        ``moves``: (incoming, name, arch, version, release, source RPM) of each of the
        transaction's packages that ``kind`` knows (none obsoleted). Both packages of each
        pair must be of EPEL's stack (ROCM; not compat, not in AMD's version format); a
        package that only leaves changes no line. Then ``analysis.analyse`` finds the
        transaction silent whatever the installed stack holds, save an installed foreign
        package (``foreign_installed``; tests/unit/test_everyday.py checks both). Anything
        else (a package joining the stack, a crossing, a compat or AMD package, an
        unreadable release) is False, and the caller runs the analysis. Plain values, no
        records: this answers the commonest ROCm transaction with the least work.
        """
        from rocm_notice.catalog import releases    # see the imports at the top
        leaving, arriving = {}, {}
        kind, rocm_release, bases = self.kind, releases.rocm_release, self._bases
        for incoming, name, arch, version, release, sourcerpm in moves:
            side = arriving if incoming else leaving
            if (name, arch) in side or kind(name, sourcerpm) != ROCM \
                    or version.count(".") >= 3:     # four fields or more: AMD's format?
                return False
            if name not in bases:       # the two builds of a pair share the name
                bases[name] = self.base(name)
            found = rocm_release(version, release,
                                 self.versioned(bases[name], source_name(sourcerpm)))
            line = side[name, arch] = found[:2] if found is not None else None
            if incoming and line is None:
                return False
            paired = (leaving if incoming else arriving).get((name, arch), line)
            if paired != line:      # a pair across lines: a crossing, said at once
                return False
        # Every pair was compared as it met; left: a package arriving with none leaving.
        return arriving.keys() <= leaving.keys()
