"""Plain records the dnf adapter hands to the core.

The adapter turns hawkey packages and transaction items into these, so the core never
touches a dnf object and unit tests can build the same inputs by hand.
"""

# Directions of a transaction item, seen from the installed system.
IN = "in"    # a package that will be installed (install, upgrade, downgrade, obsolete...)
OUT = "out"  # a package that will leave (upgraded, downgraded, obsoleted, removed)

# A Package's data, in the order of its positional arguments.
_DATA = ("name", "version", "release", "epoch", "arch", "repoid", "provides", "requires",
         "obsoletes", "source")


class Fields:
    """A mutable record with defaults: what a dataclass gives, without its cost.

    This package loads in every dnf run; creating a dataclass costs about 0.6 ms, and a
    crossing used seven. Subclasses list their fields in order in ``_defaults``; a list,
    dict or set default is fresh for every instance.
    """

    _defaults = {}

    def __init__(self, *args, **kwargs):
        names = list(self._defaults)
        if len(args) > len(names):
            raise TypeError("%s takes at most %d arguments" % (type(self).__name__, len(names)))
        values = dict(zip(names, args))
        for key in kwargs:
            if key not in self._defaults or key in values:
                raise TypeError("%s: unexpected or repeated argument %r"
                                % (type(self).__name__, key))
        values.update(kwargs)
        for name, default in self._defaults.items():
            if name in values:
                setattr(self, name, values[name])
            else:
                mutable = isinstance(default, (list, dict, set))
                setattr(self, name, type(default)() if mutable else default)

    def __eq__(self, other):
        return type(self) is type(other) and vars(self) == vars(other)

    __hash__ = None

    def __repr__(self):
        return "%s(%s)" % (type(self).__name__,
                           ", ".join("%s=%r" % (n, getattr(self, n)) for n in self._defaults))


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

    __slots__ = _DATA + ("kind", "base", "rocm", "classified_by")

    def __init__(self, name, version, release, epoch=0, arch="noarch", repoid="",
                 provides=(), requires=(), obsoletes=(), source=None):
        self.name, self.version, self.release, self.epoch = name, version, release, epoch
        self.arch, self.repoid, self.source = arch, repoid, source
        self.provides, self.requires, self.obsoletes = provides, requires, obsoletes
        self.classified_by = None       # the Catalog whose answers kind, base, rocm are

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

    Dependency lists cost time on big transactions, so they are read only when asked.
    """
    return Package(
        name=pkg.name, epoch=pkg.epoch or 0, version=pkg.version, release=pkg.release,
        arch=pkg.arch, repoid=getattr(pkg, "reponame", "") or "",
        source=source_name(getattr(pkg, "sourcerpm", None)),
        provides=tuple(str(d) for d in pkg.provides) if details else (),
        obsoletes=tuple(str(d) for d in pkg.obsoletes) if details else (),
        requires=tuple(str(d) for d in pkg.requires) if requires else ())


def provided_names(pkgs):
    """The names of everything ``pkgs`` (hawkey-like) provide: ``rocm-hip = 7.1.1-1``
    gives ``rocm-hip``, a soname gives itself. Used to read only requirements that could
    be about these packages."""
    return {str(dep).split(" ", 1)[0] for pkg in pkgs for dep in pkg.provides}


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
