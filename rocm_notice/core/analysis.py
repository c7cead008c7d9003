"""Transaction items -> findings: which ROCm packages cross a release line, and what follows.

Input is plain records (see ``records``); output is a ``Findings`` value that the policy
and the report read. Nothing here prints, decides or touches dnf.
"""

import collections
import re
from rocm_notice.catalog import catalog as cat
from rocm_notice.catalog import releases
from rocm_notice import Fields
from rocm_notice.core.records import IN, OUT

# "libamdhip64.so.6()(64bit)", "libamdhip64.so.6(hip_4.2)(64bit)" -> "libamdhip64.so.6"
# A string, compiled (and cached by re) on first use, like the patterns in releases.
_SONAME = r"^(lib[^\s()]*\.so(?:\.[0-9][\w.]*)?)(?:\(|$)"


def soname(dependency):
    """The soname a Provides/Requires string names, or None for anything else."""
    match = re.match(_SONAME, dependency)
    return match.group(1) if match else None


def installed_sonames(installed, catalog):
    """(every soname the ``installed`` packages provide, those the ROCm packages
    provide): what a scan needs to tell a library that is missing now. ``installed``:
    packages with ``name``, ``sourcerpm`` and ``provides`` (dnf's, hawkey's, libdnf5's)."""
    provided, rocm = set(), set()
    for pkg in installed:
        names = {name for dep in pkg.provides for name in [soname(str(dep))] if name}
        provided |= names
        if names and catalog.kind(pkg.name, pkg.sourcerpm) is not None:
            rocm |= names
    return provided, rocm


def sonames(packages, attribute="provides"):
    """The sonames the ``packages`` provide (or, with ``attribute``, require)."""
    return {name for p in packages for dep in getattr(p, attribute)
            for name in [soname(dep)] if name}


class Change(tuple):
    """One ROCm package moving: ``old`` is None when it is newly installed. A tuple with
    named fields written out, as releases.Line: building a namedtuple class costs an
    eval, 1 to 2 ms of every run that analyses a transaction."""

    __slots__ = ()

    def __new__(cls, old, new, old_release, new_release):
        return tuple.__new__(cls, (old, new, old_release, new_release))

    old = property(lambda self: self[0])
    new = property(lambda self: self[1])
    old_release = property(lambda self: self[2])
    new_release = property(lambda self: self[3])

    def __getnewargs__(self):
        return tuple(self)

    def __repr__(self):
        return "Change(old=%r, new=%r, old_release=%r, new_release=%r)" % self


class Crossing(Fields):
    """All changes of a transaction from one release line to another: ``kind`` is
    releases.MAJOR or MINOR, the lines are releases.Line values."""

    _defaults = {"kind": None, "old_line": None, "new_line": None, "changes": []}

    @property
    def downgrade(self):
        return self.new_line < self.old_line

    @property
    def epel_old(self):
        return sorted({m for c in self.changes if c.old
                       for m in [releases.epel_minor(c.old.release)] if m is not None})

    @property
    def epel_new(self):
        return sorted({m for c in self.changes
                       for m in [releases.epel_minor(c.new.release)] if m is not None})

    @property
    def same_epel(self):
        """Changes whose old and new builds carry the same ``.el10_N``: against EPEL's rule."""
        return [c for c in self.changes if c.old is not None
                and releases.epel_minor(c.old.release) is not None
                and releases.epel_minor(c.old.release) == releases.epel_minor(c.new.release)]


class Findings(Fields):
    """What one transaction does to ROCm."""

    _defaults = {
        "crossings": [],
        "installed_lines": {},   # Line -> package count, before
        "after_lines": {},       # Line -> sorted names, after
        "lost_sonames": [],
        "consumers": [],         # non-ROCm packages built for the new line
        "foreign": [],           # AMD-repository packages in the mix
        "unknown": [],           # ROCm changes whose release is unreadable
    }

    @property
    def mixed(self):
        return len(self.after_lines) > 1

    @property
    def leading_upgrade(self):
        """The upgrade crossing the advice is about (the oldest line moving), or None."""
        return next((c for c in self.crossings if not c.downgrade), None)

    @property
    def notable(self):
        """Whether the user must hear about this transaction at all."""
        return bool(self.crossings or self.foreign)

    @property
    def silent(self):
        """Nothing to say and nothing to refuse, whatever the policy (policy.refusal is
        None): no crossing, no foreign package, no package of an unreadable line."""
        return not (self.crossings or self.foreign or self.unknown)


_STACK = (cat.ROCM, cat.AMD)     # the kinds a release line is counted from


def by_line(packages, catalog):
    """{Line: [packages]} for the stack's packages (compat and unknown releases left out)."""
    lines = collections.defaultdict(list)
    classify = catalog.classify
    for package in packages:
        package = classify(package)
        if package.rocm is not None and package.kind in _STACK:
            lines[package.rocm.line].append(package)
    return lines


def _line_counts(packages, catalog):
    return {line: len(found) for line, found in by_line(packages, catalog).items()}


def _main_line(counts):
    """The line most installed packages are on (the higher one on a tie)."""
    if not counts:
        return None
    return max(counts, key=lambda line: (counts[line], line))


def main_line_of(findings):
    """The installed stack's line before the transaction (None when none is known)."""
    return _main_line(findings.installed_lines)


def main_line(packages, catalog):
    """The release line of an installed stack (None when no ROCm package is known)."""
    return _main_line(_line_counts(packages, catalog))


def pair(items, catalog):
    """(old or None, new) for every incoming ROCm package, and for every incoming package
    that obsoletes an outgoing ROCm package (whatever its name: it takes that package's
    place in the stack). An outgoing package that nothing replaces is in no pair.

    Pairs by name (same arch first), then by the new package's Obsoletes.
    """
    tracked = _STACK
    classify = catalog.classify
    outgoing = collections.defaultdict(list)
    for item in items:
        if item.direction == OUT and classify(item.package).kind in tracked:
            outgoing[item.package.name].append(item.package)
    incoming = [i.package for i in items if i.direction == IN and (
        classify(i.package).kind in tracked
        or any(o.split()[0] in outgoing for o in i.package.obsoletes))]

    def take(name, arch):
        candidates = outgoing.get(name)
        if not candidates:
            return None
        for index, package in enumerate(candidates):
            if package.arch == arch:
                return candidates.pop(index)
        return candidates.pop(0)

    pairs = []
    for new in incoming:
        old = take(new.name, new.arch) if new.kind in tracked else None
        if old is None:         # (obsoletes read only then: see records.from_package)
            for obsoleted in new.obsoletes:
                old = take(obsoleted.split()[0], new.arch)
                if old is not None:
                    break
        pairs.append((old, new))
    return pairs


def _incoming_release(catalog, old, new):
    """The ROCm release ``new`` brings, or None when it cannot be told.

    A package outside the catalog that replaces a ROCm package (a renamed one) is read
    as a ROCm-versioned package; a release below the line it replaces is no ROCm release
    of it (``gpu-monitor 2.0`` obsoleting ``rocm-smi 6.4``), so it is unknown.
    """
    if new.kind is not None:
        return new.rocm
    found = releases.rocm_release(new.version, new.release)
    old_release = old.rocm if old is not None else None
    if found is not None and old_release is not None and found.line < old_release.line:
        return None
    return found


def _unreadable(catalog, package):
    """True when ``package`` should carry a ROCm release and none can be read from it."""
    return package.kind is None or catalog.unreadable(package)


def analyse(items, installed, catalog, incoming_requires=tuple):
    """Findings for one transaction.

    ``items``: every transaction item (``records.Item``); ROCm ones, and incoming
    packages that obsolete ROCm ones, carry provides and obsoletes. ``installed``: the
    installed ROCm-related packages (any catalog kind), with provides.
    ``incoming_requires``: called only when something crosses, returns the incoming
    non-ROCm packages with their requires (consumers are found by soname).

    ``unknown`` lists incoming packages whose release line cannot be read although they
    should have one (or that replace a ROCm package), while the line they leave is known:
    policy treats them as a crossing to an unknown line.
    """
    findings = Findings()
    for item in items:          # once each, if the record maker has not (a no-op then)
        catalog.classify(item.package)
    before = _line_counts(installed, catalog)
    findings.installed_lines = dict(before)
    installed_main = _main_line(before)

    pairs = pair(items, catalog)
    findings.crossings, findings.unknown = _moves(pairs, catalog, installed_main)

    leaving = {i.package.nevra for i in items if i.direction == OUT}
    arriving = _arriving(items, pairs)
    after = [p for p in installed if p.nevra not in leaving] + arriving
    findings.after_lines = {line: sorted({p.name for p in found})
                            for line, found in sorted(by_line(after, catalog).items())}

    findings.foreign = _foreign(installed, arriving, after, catalog)
    if not findings.crossings:
        return findings

    outgoing = [i.package for i in items
                if i.direction == OUT and i.package.kind is not None]
    findings.lost_sonames = sorted(sonames(outgoing, "provides") - sonames(after, "provides"))
    new_sonames = sonames(arriving, "provides") - sonames(installed, "provides")
    findings.consumers = sorted(
        (p for p in incoming_requires() if sonames([p], "requires") & new_sonames),
        key=lambda p: p.name)
    return findings


def _moves(pairs, catalog, installed_main):
    """(crossings, unknown) of the pairs. ``installed_main``: the installed stack's line
    (or None), which decides a pair whose answer depends on it: a package joining the
    stack (no old one, or an old one without a readable release) that brings a line.
    Every other pair is decided by its own two packages."""
    groups, unknown = {}, []
    for old, new in pairs:
        new_release = _incoming_release(catalog, old, new)
        old_release = old.rocm if old is not None else None
        if old_release is None:
            if new_release is None:
                # Unknown whatever the stack holds when it should carry a release (with
                # no installed line: only if it replaces something; see analyse).
                if _unreadable(catalog, new) and (old is not None
                                                  or installed_main is not None):
                    unknown.append(new)
                continue
            if installed_main is None:
                if old is not None:
                    unknown.append(new)
                continue
            # A package joining the stack (a fresh install, or one whose old build had no
            # readable release) moves it if it brings a newer line than the stack's.
            # One of an older line is a package that lags a release, as Fedora's often do.
            if new_release.line <= installed_main:
                continue
            old_release = releases.Release(*installed_main)
        if new_release is None:
            if _unreadable(catalog, new):
                unknown.append(new)
            continue
        kind = releases.boundary(old_release, new_release)
        if kind not in (releases.MAJOR, releases.MINOR):
            continue
        key = (kind, old_release.line, new_release.line)
        if key not in groups:
            groups[key] = Crossing(*key)
        groups[key].changes.append(Change(old, new, old_release, new_release))
    return sorted(groups.values(), key=lambda c: (c.old_line, c.new_line)), unknown


def _arriving(items, pairs):
    """Incoming stack packages: ROCm-related ones, and those replacing a ROCm package."""
    replacing = {new.nevra for old, new in pairs if old is not None}
    return [i.package for i in items if i.direction == IN and (
        i.package.kind is not None or i.package.nevra in replacing)]


def _foreign(installed, arriving, after, catalog):
    """AMD-repository packages, when the transaction mixes them with EPEL's ROCm."""
    foreign = [p for p in after if catalog.is_foreign(p)]
    native = [p for p in after if p.kind == cat.ROCM and not catalog.is_foreign(p)]
    touched = any(p.kind in _STACK for p in arriving)
    return sorted(foreign, key=lambda p: p.name) if foreign and native and touched else []
