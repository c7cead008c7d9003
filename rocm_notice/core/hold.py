"""What to exclude so that dnf keeps ROCm on the installed release line.

Runs before depsolving, on the sack a front end hands in. It works out the available ROCm packages of held lines, packages
that would obsolete a held package, and, transitively, upgrade candidates of installed
packages with a requirement that only those packages provide, so that dnf with
``best=True`` keeps the old line instead of failing with "filtered out by exclude
filtering"; the glue then excludes them all in one call. Python looks only at the (few)
ROCm packages and at the upgrade candidates' requirements: hawkey's glob and requires=
filters scan the whole pool (make bench shows the difference).

The sack is duck-typed: nothing here imports dnf or hawkey. Three front ends hand in one:
dnf 4's ``base.sack`` (a hawkey Sack), the libdnf plugin's helper (a hawkey Sack with a
``query()``, ``libdnf_helper``) and the dnf5 adapter (``dnf5_sack.Sack``, over libdnf5).
This module and ``catalog.narrow`` use exactly these, and nothing else, of it:

- ``sack.query()``: a query of every package;
- on a query: ``installed()``, ``available()``, ``upgrades()``; ``filter(name=[names])``,
  ``filter(name__glob=[globs])``, ``filter(pkg=packages or query)``,
  ``filter(obsoletes=query)``, ``filter(provides=requirement)`` (a requirement as the
  package's ``requires`` gave it); ``union(query)``, ``difference(query)``; iteration,
  ``bool()``; each returns a new query and leaves the old one as it was;
- on a package: ``name``, ``epoch``, ``version``, ``release``, ``arch``, ``sourcerpm``,
  ``reponame``, ``provides``, ``requires``, ``obsoletes`` (iterables whose ``str()`` is
  rpm's text of the dependency), hashing and equality (one package, one value).

``tests/unit/test_hold.py`` runs ``plan`` on a real hawkey sack built from a repository.
"""

from rocm_notice.core import analysis, policy
from rocm_notice.catalog import releases
from rocm_notice.catalog import catalog as cat
from rocm_notice import Fields
from rocm_notice.core.records import provided_names
from rocm_notice.core.records import from_package as _record

# Held like EPEL's stack: AMD-repository packages move across release lines too.
STACK = (cat.ROCM, cat.AMD)


class Hold(Fields):
    """What a lock holds back: the installed ``line`` kept, the ``targets`` lines held,
    the setting ``keys`` that asked for it, the held ROCm NEVRAs (``unreadable``: those of
    them whose release line cannot be read) and the ``dependents`` excluded because of
    them."""

    _defaults = {"line": None, "targets": [], "keys": [], "rocm": [], "dependents": [],
                 "unreadable": []}

    @property
    def count(self):
        return len(self.rocm) + len(self.dependents)


def _nevra(pkg):
    return _record(pkg).nevra


def plan(sack, catalog, settings):
    """(``Hold``, hawkey query of what to exclude), or (None, None) if nothing is held.

    Changes nothing: the caller excludes, in one call, once it has everything else it
    needs, so that an error on the way (the dnf glue then fails open) leaves the sack
    untouched rather than half held.
    """
    candidates = catalog.narrow(sack.query().installed(), compat=False, few=True)
    installed = [p for p in candidates if catalog.kind(p.name, p.sourcerpm) in STACK]
    line = analysis.main_line([_record(p) for p in installed], catalog)
    if line is None:
        return None, None   # no ROCm installed: fresh installs are free

    # The available upgrades of installed packages, read once: those built from a ROCm
    # source under a name the data does not list (a new subpackage) are held like the
    # rest; the others are examined for dependents below.
    upgradable = list(sack.query().available().upgrades())
    listed = list(catalog.narrow(sack.query().available(), compat=False))
    seen = set(listed)
    held, targets, keys, unreadable = [], set(), set(), []
    doubt = policy.has_lock(settings)     # what cannot be read is held where a lock is set

    def consider(pkg, release, record):
        if release is None:
            if doubt:
                held.append(pkg)
                unreadable.append(record.nevra)
                keys.update("on_%s" % kind for kind in (releases.MAJOR, releases.MINOR)
                            if settings.action_for(kind) == policy.LOCK)
        elif policy.held(settings, line, release):
            held.append(pkg)
            targets.add(release.line)
            keys.add("on_" + policy.crossing_kind(line, release))

    for pkg in listed + [u for u in upgradable if catalog.built_from(u.sourcerpm)
                         and u not in seen and catalog.kind(u.name, u.sourcerpm) in STACK]:
        if catalog.kind(pkg.name, pkg.sourcerpm) not in STACK:
            continue
        record = _record(pkg)
        release = catalog.release_of(record)
        if release is not None or catalog.unreadable(record):
            consider(pkg, release, record)

    # Whatever would replace an installed stack package takes its place: held unless it
    # belongs to the installed line (a renamed package of another or of no readable line).
    held_ids = {_nevra(p) for p in held}
    for pkg in sack.query().available().filter(obsoletes=candidates.filter(pkg=installed)):
        record = _record(pkg)
        if record.nevra in held_ids:
            continue
        if catalog.kind(pkg.name, pkg.sourcerpm):
            release = catalog.release_of(record)
        else:   # a renamed package: read as ROCm-versioned; below the line is no release
            release = releases.rocm_release(record.version, record.release)
            if release is not None and release.line < line:
                release = None
        if release is None or release.line != line:
            consider(pkg, release, record)
            held_ids.add(record.nevra)
    if not held:
        return None, None

    held_ids = {_nevra(p) for p in held}
    hold = Hold(line, sorted(targets), sorted(keys), sorted(held_ids),
                unreadable=sorted(unreadable))
    excluded = newly = sack.query().filter(pkg=held)
    # What an upgrade of the installed system can take (obsoleters are handled above),
    # each with its requirements (as text, and as hawkey gave them), read once for every
    # round below.
    taken = set(held)
    upgrades = [(pkg, [(str(r), r) for r in pkg.requires])
                for pkg in upgradable if pkg not in taken]
    while newly:
        orphans = _orphans(sack, upgrades, newly, excluded)
        if not orphans:
            break
        hold.dependents.extend(_nevra(p) for p in orphans)
        gone = set(orphans)
        upgrades = [u for u in upgrades if u[0] not in gone]
        newly = sack.query().filter(pkg=orphans)
        excluded = excluded.union(newly)
    hold.dependents.sort()
    return hold, excluded


def _orphans(sack, upgrades, newly, excluded):
    """The upgrades (package, [(requirement text, requirement)]) with a requirement that
    had a provider and now has only ``excluded`` ones (what the hold made unsatisfiable;
    a requirement that nothing provided before is dnf's business, not ours).

    Read in Python: hawkey's own ``requires=`` filter scans every requirement in the
    pool, 24 ms a round over 20,000 packages (50 ms given a query), while the few hundred
    upgrades are read in about 1 ms. Only requirements named by what was ``newly``
    excluded can have lost their last provider (and file requirements, which Provides do
    not list); each distinct one costs two queries, once a round.
    """
    provided = provided_names(newly)
    verdicts = {}
    orphans = []
    for pkg, requirements in upgrades:
        for text, requirement in requirements:
            if text.split(" ", 1)[0] not in provided and not text.startswith("/"):
                continue
            if text not in verdicts:
                providers = sack.query().filter(provides=requirement)
                verdicts[text] = bool(providers) and not providers.difference(excluded)
            if verdicts[text]:
                orphans.append(pkg)
                break
    return orphans
