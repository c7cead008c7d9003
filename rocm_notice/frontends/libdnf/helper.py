"""The helper behind the libdnf plugin (PackageKit, microdnf): one request, one answer.

The C++ plugin (libdnf-plugin/rocm_notice.cpp) runs this program at libdnf's hooks and
does what the answer says; every decision is the engine's (``core.run``), as for every
front end. The protocol (version 1) is documented in libdnf-plugin/PROTOCOL.md:

- request, on stdin: one JSON object -- ``protocol``, ``hook`` (``core.run.HOOKS``),
  ``installroot``, ``confdir``, ``releasever``, ``program``, ``repos`` (``id``,
  ``repomd``, ``primary``, ``filelists``: the cached metadata files libdnf reads),
  ``items``, ``installed`` and ``compat_available`` (pre_transaction: the goal's
  packages, see ``_item``; libdnf's installed packages; the compat names it offers);
- answer, on stdout: lines ``KEY<TAB>VALUE``, first ``rocm-notice-libdnf<TAB>1``, last
  ``end`` (``Answer``).

Here: the protocol, and what only libdnf's side can read: its packages, as the request
sends them (at pre_transaction, everything the analysis and the notice read), or
through hawkey (libdnf's own bindings) over the rpmdb and the cached metadata the
request names (a lock's hold, at conf and repos_changed).
"""

import json
import sys
import warnings

from rocm_notice import describe
from rocm_notice.catalog.catalog import source_name
from rocm_notice.core import engine, report, run
from rocm_notice.io import clean
from rocm_notice.core.records import Item, Package

PROTOCOL = 1
MAGIC = "rocm-notice-libdnf"
MAX_REQUEST = 256 * 1024 * 1024     # a goal of 10,000 packages with provides: ~20 MB
MSG_BAD_REQUEST = "bad request from the libdnf plugin: %s"
VIA = {"packagekitd": report.VIA_PACKAGEKIT, "microdnf": report.VIA_MICRODNF}


class RequestError(Exception):
    pass


def answer_text(outcome):
    """The lines the plugin reads back (values on one line, control characters gone)."""
    out = ["%s\t%d" % (MAGIC, PROTOCOL)]
    if outcome.fail_closed is not None:
        out.append("fail_closed\t%d" % bool(outcome.fail_closed))
    for message in outcome.messages:
        out.extend("message\t%s" % clean(line) for line in message.split("\n"))
    if outcome.excludes is not None:
        out.append("excludes\t%d" % len(outcome.excludes))
        out.extend("exclude\t%s" % clean(pattern) for pattern in outcome.excludes)
    if outcome.refuse:
        out.extend("refuse\t%s" % clean(line) for line in outcome.refuse.split("\n"))
    if outcome.report_written:
        out.append("report_written\t1")
    if outcome.holds:
        out.append("holds\t1")
    out.append("end")
    return "\n".join(out) + "\n"


def read_request(stream):
    raw = stream.read(MAX_REQUEST + 1)
    if len(raw) > MAX_REQUEST:
        raise RequestError(MSG_BAD_REQUEST % "larger than %d bytes" % MAX_REQUEST)
    try:
        request = json.loads(raw.decode("utf-8", errors="replace"))
    except ValueError as error:
        raise RequestError(MSG_BAD_REQUEST % describe(error))
    if not isinstance(request, dict) or request.get("protocol") != PROTOCOL:
        raise RequestError(MSG_BAD_REQUEST % "not protocol %d" % PROTOCOL)
    if request.get("hook") not in run.HOOKS:
        raise RequestError(MSG_BAD_REQUEST % "unknown hook %r" % (request.get("hook"),))
    return request


def _package(data):
    """A package of libdnf's: name, epoch, version, release, arch, repoid, sourcerpm,
    provides, obsoletes and (incoming items) requires."""
    return Package(
        name=str(data["name"]), version=str(data["version"]), release=str(data["release"]),
        epoch=int(data.get("epoch") or 0), arch=str(data.get("arch", "")),
        repoid=str(data.get("repoid", "")),
        source=source_name(str(data.get("sourcerpm") or "")),
        provides=tuple(str(d) for d in data.get("provides", ())),
        requires=tuple(str(d) for d in data.get("requires", ())),
        obsoletes=tuple(str(d) for d in data.get("obsoletes", ())))


def _item(data):
    """A goal package (``_package``) and its direction ("in"/"out"; the plugin also
    sends ``action``, for the log; the analysis reads the direction)."""
    if data.get("direction") not in ("in", "out"):
        raise RequestError(MSG_BAD_REQUEST % "item direction %r" % (data.get("direction"),))
    return Item(data["direction"], _package(data))


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


def _sack_class(hawkey):
    """hawkey.Sack with the ``query()`` dnf's own Sack adds (hold.plan asks for it),
    without importing dnf."""
    class Sack(hawkey.Sack):
        def query(self, flags=0):
            return hawkey.Query(self, flags)
    return Sack


class Run(run.Run):
    """One request: libdnf's packages (hawkey sacks over the request's files), its
    program's name, and the goal's items as the plugin sent them."""

    def __init__(self, request, outcome):
        super().__init__(request["hook"], outcome, str(request.get("installroot") or "/"),
                         str(request.get("confdir") or ""),
                         str(request.get("releasever") or ""),
                         str(request.get("program") or ""),
                         conf_asked=request.get("conf_asked") is not False)
        self.request = request
        self.via = VIA.get(self.program, report.VIA_LIBDNF)
        self.sacks = Sacks(self.installroot, request.get("repos") or [])

    @property
    def front_end(self):
        return self.program or "libdnf"

    def items(self):
        return [_item(i) for i in self.request.get("items") or ()]

    def installed(self):
        """At pre_transaction the plugin sends libdnf's installed packages: no rpmdb is
        read here (nor hawkey imported)."""
        if "installed" not in self.request:
            return super().installed()
        kind = self.catalog.kind
        return [_package(p) for p in self.request["installed"]
                if kind(str(p["name"])) is not None]

    def offered(self, names):
        """Likewise the names of the compat packages libdnf's repositories offer."""
        if "compat_available" not in self.request:
            return super().offered(names)
        return set(names) & {str(name) for name in self.request["compat_available"]}


def answer(request_stream):
    """The ``core.run.Outcome`` for the request read from ``request_stream``."""
    try:
        request = read_request(request_stream)
    except RequestError as error:       # one line: nothing is known of the policy yet
        return run.Outcome(messages=[engine.MSG_INTERNAL % error])
    return run.outcome(request["hook"], lambda outcome: Run(request, outcome))


def main():
    reply = answer(sys.stdin.buffer)
    try:
        sys.stdout.write(answer_text(reply))
        sys.stdout.flush()
    except OSError:         # the plugin is gone (killed, timed out): nobody to tell
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
