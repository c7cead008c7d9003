"""Plain records the dnf adapter hands to the core.

The adapter turns hawkey packages and transaction items into these, so the core never
touches a dnf object and unit tests can build the same inputs by hand.
"""

from dataclasses import dataclass

# Directions of a transaction item, seen from the installed system.
IN = "in"    # a package that will be installed (install, upgrade, downgrade, obsolete...)
OUT = "out"  # a package that will leave (upgraded, downgraded, obsoleted, removed)


@dataclass(frozen=True)
class Package:
    """One RPM, identified by its NEVRA, plus the metadata the analysis needs."""

    name: str
    version: str
    release: str
    epoch: int = 0
    arch: str = "noarch"
    repoid: str = ""
    provides: tuple = ()
    requires: tuple = ()
    obsoletes: tuple = ()

    @property
    def evr(self):
        if self.epoch:
            return "%s:%s-%s" % (self.epoch, self.version, self.release)
        return "%s-%s" % (self.version, self.release)

    @property
    def nevra(self):
        return "%s-%s.%s" % (self.name, self.evr, self.arch)


@dataclass(frozen=True)
class Item:
    """A package entering or leaving the system in a transaction.

    ``action`` is dnf's word for it (``upgrade``, ``upgraded``, ``install``, ``remove``,
    ``obsolete``, ``obsoleted``, ``downgrade``, ``downgraded``, ``reinstall``,
    ``reinstalled``); ``direction`` is IN or OUT.
    """

    direction: str
    action: str
    package: Package


def from_package(pkg, details=False, requires=False):
    """A record of any object with hawkey.Package's attributes (duck-typed: no dnf here).

    Dependency lists cost time on big transactions, so they are read only when asked.
    """
    return Package(
        name=pkg.name, epoch=pkg.epoch or 0, version=pkg.version, release=pkg.release,
        arch=pkg.arch, repoid=getattr(pkg, "reponame", "") or "",
        provides=tuple(str(d) for d in pkg.provides) if details else (),
        obsoletes=tuple(str(d) for d in pkg.obsoletes) if details else (),
        requires=tuple(str(d) for d in pkg.requires) if requires else ())
