"""Plain records the dnf adapter hands to the core.

The adapter turns hawkey packages and transaction items into these, so the core never
touches a dnf object and unit tests can build the same inputs by hand.
"""

# Directions of a transaction item, seen from the installed system.
IN = "in"    # a package that will be installed (install, upgrade, downgrade, obsolete...)
OUT = "out"  # a package that will leave (upgraded, downgraded, obsoleted, removed)

from rocm_notice.catalog.catalog import source_name

# A Package's data, in the order of its positional arguments.
_DATA = ("name", "version", "release", "epoch", "arch", "repoid", "provides", "requires",
         "obsoletes", "source")


class Package:
    """One RPM, identified by its NEVRA, plus the metadata the analysis needs.

    ``source``: the name of the source package it was built from (``rocclr`` for
    rocm-hip; debuginfo packages share it), or None when unknown.

    A plain class with slots rather than a namedtuple (building a namedtuple class costs
    an eval in every run that loads this module), with what the catalog says about it
    beside the data: ``kind``, ``base`` (its ROCm base name) and ``rocm`` (its ROCm
    release), filled once by ``Catalog.classify`` where the record is made, read by the
    analysis. Equality and hashing look at the data only.
    """

    __slots__ = ("name", "version", "release", "epoch", "arch", "repoid", "source",
                 "_provides", "_requires", "_obsoletes", "_read_from",
                 "kind", "base", "rocm", "classified_by")

    def __init__(self, name, version, release, epoch=0, arch="noarch", repoid="",
                 provides=(), requires=(), obsoletes=(), source=None):
        self.name, self.version, self.release, self.epoch = name, version, release, epoch
        self.arch, self.repoid, self.source = arch, repoid, source
        self._provides, self._requires, self._obsoletes = provides, requires, obsoletes
        self._read_from = None          # see from_package: dependencies read on first use
        self.classified_by = None       # the Catalog whose answers kind, base, rocm are

    def _dependencies(self, slot, attribute):
        found = getattr(self, slot)
        if found is None:
            found = tuple(str(dep) for dep in getattr(self._read_from, attribute))
            setattr(self, slot, found)
        return found

    @property
    def provides(self):
        return self._dependencies("_provides", "provides")

    @property
    def requires(self):
        return self._dependencies("_requires", "requires")

    @property
    def obsoletes(self):
        return self._dependencies("_obsoletes", "obsoletes")

    def _data(self):
        return tuple(getattr(self, field) for field in _DATA)

    def __eq__(self, other):
        return type(other) is Package and self._data() == other._data()

    def __hash__(self):
        return hash(self._data())

    def __repr__(self):
        return "Package(%s)" % ", ".join("%s=%r" % (field, getattr(self, field))
                                         for field in _DATA)

    def _replace(self, **changes):
        """A new, unclassified record with ``changes`` (as namedtuple's ``_replace``)."""
        data = dict(zip(_DATA, self._data()))
        data.update(changes)
        return Package(**data)

    @property
    def evr(self):
        if self.epoch:
            return "%s:%s-%s" % (self.epoch, self.version, self.release)
        return "%s-%s" % (self.version, self.release)

    @property
    def nevra(self):
        return "%s-%s.%s" % (self.name, self.evr, self.arch)


class Item:
    """A package entering (``direction`` IN) or leaving (OUT) the system in a
    transaction."""

    __slots__ = ("direction", "package")

    def __init__(self, direction, package):
        self.direction, self.package = direction, package

    def __eq__(self, other):
        return (type(other) is Item and self.direction == other.direction
                and self.package == other.package)

    def __hash__(self):
        return hash((self.direction, self.package))

    def __repr__(self):
        return "Item(%r, %r)" % (self.direction, self.package)


def from_package(pkg, details=False, requires=False):
    """A record of any object with hawkey.Package's attributes (duck-typed: no dnf here).

    Dependency lists cost time (a string per dependency): ``details`` (provides and
    obsoletes) and ``requires`` say which the record has, and each is read from ``pkg``
    when first used, so a transaction the analysis finds nothing in reads none (the
    package object must outlive the record's use, as hawkey's do within a run).
    """
    record = Package(pkg.name, pkg.version, pkg.release, pkg.epoch or 0, pkg.arch,
                     getattr(pkg, "reponame", "") or "",
                     source=source_name(getattr(pkg, "sourcerpm", None)))
    if details or requires:
        record._read_from = pkg
        if details:
            record._provides = record._obsoletes = None
        if requires:
            record._requires = None
    return record


def provided_names(pkgs):
    """The names of everything ``pkgs`` (hawkey-like) provide: ``rocm-hip = 7.1.1-1``
    gives ``rocm-hip``, a soname gives itself. Used to read only requirements that could
    be about these packages."""
    return {str(dep).split(" ", 1)[0] for pkg in pkgs for dep in pkg.provides}
