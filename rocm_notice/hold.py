"""What to exclude so that dnf keeps ROCm on the installed release line.

Runs before depsolving, on the hawkey sack the dnf glue hands in (duck-typed: nothing is
imported from dnf here). It excludes available ROCm packages of held lines, packages
that would obsolete a held package, and, transitively, available packages with a
requirement that only excluded packages provide, so that dnf with ``best=True`` keeps
the old line instead of failing with "filtered out by exclude filtering".
Everything is hawkey queries; Python only looks at the (few) ROCm packages and at the
packages that require what was just excluded.
"""

from dataclasses import dataclass, field

from rocm_notice import analysis, policy
from rocm_notice import catalog as cat
from rocm_notice.records import from_package as _record

# Held like EPEL's stack: AMD-repository packages move across release lines too.
STACK = (cat.ROCM, cat.AMD)


@dataclass
class Hold:
    line: object                                  # the installed line kept
    targets: list = field(default_factory=list)   # lines held back
    keys: list = field(default_factory=list)      # setting keys that asked for it
    rocm: list = field(default_factory=list)      # NEVRAs of held ROCm packages
    dependents: list = field(default_factory=list)  # NEVRAs excluded because of them

    @property
    def count(self):
        return len(self.rocm) + len(self.dependents)


def _nevra(pkg):
    return _record(pkg).nevra


def apply(sack, catalog, settings, ignore_excludes):
    """Exclude what the lock holds back and return a ``Hold`` (None if nothing held).

    ``ignore_excludes`` is hawkey.IGNORE_EXCLUDES, passed in to keep hawkey out of here.
    """
    globs = catalog.name_globs()
    installed = [p for p in sack.query().installed().filter(name__glob=globs)
                 if catalog.kind(p.name) in STACK]
    line = analysis.main_line([_record(p) for p in installed], catalog)
    if line is None:
        return None        # no ROCm installed: fresh installs are free

    held, targets, keys = [], set(), set()
    for pkg in sack.query().available().filter(name__glob=globs):
        if catalog.kind(pkg.name) not in STACK:
            continue
        release = catalog.release_of(_record(pkg))
        if policy.held(settings, line, release):
            held.append(pkg)
            targets.add(release.line)
            keys.add("on_" + policy.crossing_kind(line, release))
    if not held:
        return None

    # Packages that would replace a held installed package, unless they belong to its line.
    held_ids = {_nevra(p) for p in held}
    for pkg in sack.query().available().filter(obsoletes=sack.query().installed()
                                               .filter(pkg=installed)):
        release = catalog.release_of(_record(pkg)) if catalog.kind(pkg.name) else None
        if _nevra(pkg) not in held_ids and (release is None or release.line != line):
            held.append(pkg)
            held_ids.add(_nevra(pkg))

    hold = Hold(line, sorted(targets), sorted(keys), sorted(held_ids))
    newly = sack.query().filter(pkg=held)
    while newly:
        sack.add_excludes(newly)
        orphans = [pkg for pkg in sack.query().available().filter(requires=newly)
                   if _needs_excluded(sack, pkg, ignore_excludes)]
        hold.dependents.extend(_nevra(p) for p in orphans)
        newly = sack.query().filter(pkg=orphans) if orphans else None
    hold.dependents.sort()
    return hold


def _needs_excluded(sack, pkg, ignore_excludes):
    """True when one of ``pkg``'s requirements is provided only by excluded packages."""
    for requirement in pkg.requires:
        if str(requirement).startswith("rpmlib("):
            continue
        if not sack.query().filter(provides=requirement) and \
                sack.query(flags=ignore_excludes).filter(provides=requirement):
            return True
    return False
