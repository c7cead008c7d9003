"""A hawkey-like sack over libdnf5, so dnf5's front end reuses ``hold.plan`` unchanged.

Two readers need one: ``rocm-epel-notice`` (``dnf rocm`` on dnf5, ``command``), which
reads the system itself, and a lock's hold (``plugin``), which needs to know what only the
newer line's packages can satisfy; the plugin sends the helper the transaction's
packages, not the whole package set. It opens a second, read-only libdnf5 ``Base`` on the
same installroot, configuration file, repository directories and cache as dnf5.
``Query`` and ``Package`` below give that sack the few methods of hawkey's the core uses
(``query().installed().available().upgrades()``, ``filter(name=, name__glob=, pkg=,
obsoletes=, provides=)``, ``union``, ``difference``), so the hold and the analysis run as
they do under dnf 4. ``libdnf5`` is imported when a sack is opened.
"""


class Package:
    """One libdnf5 package with hawkey's attribute names (what ``records`` reads)."""

    __slots__ = ("_pkg", "_id")

    def __init__(self, pkg):
        self._pkg = pkg
        self._id = pkg.get_id().id

    name = property(lambda self: self._pkg.get_name())
    version = property(lambda self: self._pkg.get_version())
    release = property(lambda self: self._pkg.get_release())
    arch = property(lambda self: self._pkg.get_arch())
    reponame = property(lambda self: self._pkg.get_repo_id())
    sourcerpm = property(lambda self: self._pkg.get_sourcerpm())
    provides = property(lambda self: list(self._pkg.get_provides()))
    requires = property(lambda self: list(self._pkg.get_requires()))
    obsoletes = property(lambda self: list(self._pkg.get_obsoletes()))

    @property
    def epoch(self):
        return int(self._pkg.get_epoch() or 0)

    def __eq__(self, other):
        return isinstance(other, Package) and other._id == self._id

    def __hash__(self):
        return self._id

    def __repr__(self):
        return "<dnf5 package %s>" % self._pkg.get_nevra()


class Query:
    """An immutable view of a libdnf5 ``PackageQuery``: every method returns a new one."""

    def __init__(self, sack, query):
        self._sack = sack
        self._query = query

    def _copy(self):
        import libdnf5
        return libdnf5.rpm.PackageQuery(self._query)

    def _derived(self, change):
        query = self._copy()
        change(query)
        return Query(self._sack, query)

    def installed(self):
        return self._derived(lambda q: q.filter_installed())

    def available(self):
        return self._derived(lambda q: q.filter_available())

    def upgrades(self):
        return self._derived(lambda q: q.filter_upgrades())

    def filter(self, **kwargs):
        import libdnf5
        query = self._copy()
        for key, value in kwargs.items():
            if key in ("name", "name__glob"):
                names = [value] if isinstance(value, str) else list(value)
                comparison = (libdnf5.common.QueryCmp_GLOB if key == "name__glob"
                              else libdnf5.common.QueryCmp_EQ)
                query.filter_name(libdnf5.common.VectorString(names), comparison)
            elif key == "pkg":
                query.intersection(self._sack.package_set(value))
            elif key == "obsoletes":
                query.filter_obsoletes(self._sack.package_set(value))
            elif key == "provides":
                deps = libdnf5.rpm.ReldepList(self._sack.base)
                for dep in (value if isinstance(value, (list, tuple)) else [value]):
                    deps.add(dep) if isinstance(dep, libdnf5.rpm.Reldep) \
                        else deps.add_reldep(str(dep))
                query.filter_provides(deps)
            else:
                raise TypeError("dnf5 sack: unsupported filter %r" % key)
        return Query(self._sack, query)

    def union(self, other):
        return self._derived(lambda q: q.update(other._query))

    def difference(self, other):
        return self._derived(lambda q: q.difference(other._query))

    def __iter__(self):
        return (Package(p) for p in self._query)

    def __len__(self):
        return self._query.size()

    def __bool__(self):
        return not self._query.empty()


class PathNotUtf8(ValueError):
    """libdnf5's Python bindings take text paths as UTF-8 only: a path with another byte
    (dnf5 takes any) cannot be given to them, so no second sack is opened on it."""


def _utf8(path, what):
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        raise PathNotUtf8("libdnf5's Python bindings cannot open %s %r: it is not UTF-8"
                          % (what, str(path).encode("utf-8", "surrogateescape"))) from None
    return path


class Sack:
    """A read-only libdnf5 Base over the running dnf5's system (see the module doc)."""

    def __init__(self, installroot, config_file, reposdirs, cachedir, variables,
                 cacheonly=False, repos=None, use_host_config=False, repos_from_paths=None,
                 repo_urls=None):
        """``cacheonly``: read the metadata dnf5 has cached, download none (the plugin
        asks once dnf5 has loaded its repositories); ``repos``: the ids of the
        repositories to enable, every other one disabled (None: as configured);
        ``use_host_config``: dnf5's option of that name; ``repos_from_paths``: {id: [base
        URL, ...]} of the repositories no file defines (--repofrompath, those libdnf5
        plugins make), made with their base URLs, so that dnf5's cache of them is found.
        Anything else dnf5 set for them is not known here: one that cannot be read from
        that cache is skipped (its packages are not held; the gate still refuses a
        crossing to them), not a reason to hold nothing. ``repo_urls``: {id: {"baseurl":
        [...], "metalink": ..., "mirrorlist": ...}} of repositories whose file dnf5's
        command line overrode (--setopt=ID.baseurl=...): their cache is under those."""
        import libdnf5
        _utf8(installroot or "/", "the install root")
        _utf8(config_file, "the configuration file")
        _utf8(cachedir, "the cache directory")
        for reposdir in reposdirs or ():
            _utf8(reposdir, "the repository directory")
        self.base = libdnf5.base.Base()
        conf = self.base.get_config()
        conf.get_installroot_option().set(installroot or "/")
        if use_host_config:
            conf.get_use_host_config_option().set(True)
        if config_file:
            conf.get_config_file_path_option().set(config_file)
        self.base.load_config()
        # No plugins: ours would run the helper again, and again.
        conf.get_plugins_option().set(False)
        if cacheonly:
            conf.get_cacheonly_option().set("metadata")
        if reposdirs:
            conf.get_reposdir_option().set(libdnf5.common.VectorString(list(reposdirs)))
        if cachedir:
            conf.get_cachedir_option().set(cachedir)
            conf.get_system_cachedir_option().set(cachedir)
        for name, value in variables.items():
            self.base.get_vars().set(name, value)
        self.base.setup()
        sack = self.base.get_repo_sack()
        sack.create_repos_from_system_configuration()
        known = {repo.get_id() for repo in libdnf5.repo.RepoQuery(self.base)}
        for repo in libdnf5.repo.RepoQuery(self.base):
            urls = (repo_urls or {}).get(repo.get_id())
            if urls:
                config = repo.get_config()
                config.get_baseurl_option().set(libdnf5.common.VectorString(urls["baseurl"]))
                config.get_metalink_option().set(urls["metalink"])
                config.get_mirrorlist_option().set(urls["mirrorlist"])
        for repoid, urls in (repos_from_paths or {}).items():
            if repoid in known:
                continue
            repo = sack.create_repo(repoid)
            config = repo.get_config()
            config.get_name_option().set(repoid)
            config.get_baseurl_option().set(libdnf5.common.VectorString(urls))
            config.get_skip_if_unavailable_option().set(True)
        if repos is not None:       # as dnf5 has them now: --enablerepo, --disablerepo...
            wanted = set(repos)
            for repo in libdnf5.repo.RepoQuery(self.base):
                if repo.get_id() in wanted:
                    repo.enable()
                else:
                    repo.disable()
        sack.load_repos()
        # What is offered, not what dnf5's versionlock.toml lets through: a hold worked
        # out behind it would miss the consumers of what it hides.
        self.base.get_rpm_package_sack().clear_versionlock_excludes()

    def query(self):
        import libdnf5
        return Query(self, libdnf5.rpm.PackageQuery(self.base))

    def package_set(self, packages):
        """A libdnf5 PackageSet of ``packages`` (a Query or Package objects)."""
        import libdnf5
        if isinstance(packages, Query):
            return libdnf5.rpm.PackageSet(packages._query)
        found = libdnf5.rpm.PackageSet(self.base)
        for pkg in packages:
            found.add(pkg._pkg)
        return found

    def find(self, nevra, installed, repoid=""):
        """The package of ``nevra`` (installed, or available from ``repoid``), or None."""
        import libdnf5
        query = self.query().installed() if installed else self.query().available()
        found = query._copy()
        found.filter_nevra(libdnf5.common.VectorString([nevra]))
        if repoid and not installed:
            found.filter_repo_id(libdnf5.common.VectorString([repoid]))
        return next((Package(p) for p in found), None)
