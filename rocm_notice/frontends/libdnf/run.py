"""libdnf's side of the native helper (PackageKit, microdnf): its program's name and
its packages through hawkey, libdnf's own bindings, over the rpmdb and the cached
metadata the request names (``repos``) -- read only for a lock's hold, at conf and
repos_changed, or when a request lacks what pre_transaction sends."""

import os
import warnings

from rocm_notice.core import report
from rocm_notice.io import files
from rocm_notice.frontends.native import helper

VIA = {"packagekitd": report.VIA_PACKAGEKIT, "microdnf": report.VIA_MICRODNF}
# microdnf leaves a plugin out for one run (PackageKit cannot: the core's PROCEED).
MICRODNF_PROCEED = ("  To proceed anyway, for this one run: microdnf "
                    "--disableplugin=rocm_notice ... (the policy is not read then).")


class Sacks:
    """hawkey sacks over the installroot's rpmdb (and the repositories' cached metadata,
    only when asked: parsing it costs time), in a temporary cache removed at the end."""

    def __init__(self, installroot, repos):
        self.installroot = installroot or "/"
        self.repos = repos
        self._cache = None
        self._made = {}

    def get(self, with_repos):
        if with_repos not in self._made:
            import hawkey   # only when a hold or the analysis needs packages
            import tempfile
            if self._cache is None:
                self._cache = tempfile.mkdtemp(prefix="rocm-notice-")
            sack = _sack_class(hawkey)(cachedir=self._cache, rootdir=self.installroot,
                                       make_cache_dir=True)
            sack.load_system_repo(build_cache=False)
            for spec in self.repos if with_repos else ():
                if not spec.get("primary"):     # repos_changed sends repomd.xml alone
                    spec = dict(spec, **repomd_files(spec.get("repomd")))
                if not spec.get("repomd") or not spec.get("primary"):
                    continue
                # hawkey.Repo warns that it is deprecated (and forces the warning
                # on): recorded, so never shown. It reads the files libdnf reads.
                with warnings.catch_warnings(record=True):
                    repo = hawkey.Repo(str(spec["id"]))
                repo.repomd_fn = spec["repomd"]
                repo.primary_fn = spec["primary"]
                if spec.get("filelists"):
                    repo.filelists_fn = spec["filelists"]
                sack.load_repo(repo, build_cache=False,
                               load_filelists=bool(spec.get("filelists")))
            self._made[with_repos] = sack
        return self._made[with_repos]

    def close(self):
        if self._cache:
            import shutil   # with tempfile above: a run that reads no packages needs neither
            shutil.rmtree(self._cache, ignore_errors=True)


REPOMD_NAMESPACE = "{http://linux.duke.edu/metadata/repo}"


def repomd_files(repomd):
    """{"primary": path, "filelists": path} of the metadata ``repomd`` (a repository's
    repomd.xml in libdnf's cache) names, for a request that sends only repomd.xml: the
    plugin asks libdnf nothing about a repository while libdnf is loading it (its
    progress hook, repos_changed), where a libdnf call of ours on that repository crashed
    microdnf. {} when it cannot be read; a location that leaves the repository's
    directory, or a file not downloaded (filelists, most often), is passed over."""
    if not isinstance(repomd, str) or not repomd:
        return {}
    from xml.etree import ElementTree
    try:
        text = files.read_bytes(repomd)
        tree = ElementTree.fromstring(text) if text else None
    except (files.FileProblem, ElementTree.ParseError):
        return {}
    top = os.path.dirname(os.path.dirname(repomd))
    found = {}
    for data in tree.iter(REPOMD_NAMESPACE + "data") if tree is not None else ():
        kind = data.get("type")
        location = data.find(REPOMD_NAMESPACE + "location")
        href = location.get("href") if location is not None else None
        if kind in ("primary", "filelists") and href and not href.startswith("/") and \
                ".." not in href.split("/") and os.path.isfile(os.path.join(top, href)):
            found[kind] = os.path.join(top, href)
    return found


def _sack_class(hawkey):
    """hawkey.Sack with the ``query()`` dnf's own Sack adds (hold.plan asks for it),
    without importing dnf."""
    class Sack(hawkey.Sack):
        def query(self, flags=0):
            return hawkey.Query(self, flags)
    return Sack


class Run(helper.Run):
    """One request of libdnf's plugin: hawkey sacks over the request's files, and the
    program's name (it applies the change without asking: the notice says so)."""

    def __init__(self, request, outcome):
        super().__init__(request, outcome)
        self.via = VIA.get(self.program, report.VIA_LIBDNF)
        if self.program == "microdnf":      # a container has microdnf, and no dnf
            self.installer = "microdnf"
        self.sacks = Sacks(self.installroot, request.get("repos") or [])

    @property
    def front_end(self):
        return self.program or "libdnf"

    @property
    def proceed(self):
        return MICRODNF_PROCEED if self.program == "microdnf" else super().proceed


def main():
    """The helper's work for this front end (native/rocm-epel-notice-helper runs it)."""
    return helper.main(Run)
