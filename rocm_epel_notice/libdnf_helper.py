"""The helper behind the libdnf plugin (PackageKit, microdnf): one request, one answer.

The C plugin (libdnf-plugin/rocm_notice.cpp) runs this program at two libdnf hooks and
does what the answer says; every decision is the engine's, as in the dnf 4 plugin. The
protocol (version 1) is documented in libdnf-plugin/PROTOCOL.md:

- request, on stdin: one JSON object -- ``protocol``, ``hook`` ("conf" or
  "pre_transaction"), ``installroot``, ``confdir``, ``releasever``, ``program``,
  ``repos`` (``id``, ``repomd``, ``primary``, ``filelists``: the cached metadata files
  libdnf reads), ``items`` (pre_transaction: the goal's packages, see ``_item``);
- answer, on stdout: lines ``KEY<TAB>VALUE``, first ``rocm-notice-libdnf<TAB>1``, last
  ``end``; keys ``fail_closed`` (0/1), ``message``, ``exclude`` (the whole set of
  excludepkgs patterns to keep), ``refuse`` (the error to raise, one line each).

A failure anywhere is one line, and under a block policy a refusal (``engine.failed``);
never a traceback.
"""

import json
import os
import shutil
import sys
import tempfile

from rocm_epel_notice import describe as _describe

PROTOCOL = 1
MAGIC = "rocm-notice-libdnf"
# conf: the context is set up (before any sack is loaded); repos_changed: the
# repositories' metadata on disk changed since the hold was worked out, before libdnf
# applies excludes to the package set it is building; pre_transaction: the goal, before
# rpm runs; transaction: rpm has run (the report is applied).
HOOKS = ("conf", "repos_changed", "pre_transaction", "transaction")
HOLD_HOOKS = ("conf", "repos_changed")
MAX_REQUEST = 256 * 1024 * 1024     # a goal of 10,000 packages with provides: ~20 MB
SYSFS_ROOT_ENV = "ROCM_NOTICE_SYSFS_ROOT"

MSG_BAD_REQUEST = "bad request from the libdnf plugin: %s"
MSG_REPORT_BUG = "rocm_notice: internal error: %s (report not written)"
CMDLINE_LIMIT = 64 * 1024


def front_end_command():
    """The command line of the program that ran us (packagekitd, microdnf, dnf5: our
    parent), as the report's ``command``; "" when it cannot be read."""
    try:
        with open("/proc/%d/cmdline" % os.getppid(), "rb") as source:
            raw = source.read(CMDLINE_LIMIT)
    except OSError:
        return ""
    return " ".join(arg.decode("utf-8", "replace") for arg in raw.split(b"\0") if arg)


class RequestError(Exception):
    pass


class Answer:
    """The lines the plugin reads back (values on one line, control characters gone)."""

    def __init__(self):
        self.fail_closed = None
        self.messages = []
        self.excludes = None        # None: leave the plugin's excludes as they are
        self.refuse = ""
        self.report_written = False     # the plugin then asks again once rpm has run
        self.holds = False      # a lock is in force: the plugin watches the metadata

    def text(self):
        from rocm_epel_notice.notice import clean
        out = ["%s\t%d" % (MAGIC, PROTOCOL)]
        if self.fail_closed is not None:
            out.append("fail_closed\t%d" % bool(self.fail_closed))
        for message in self.messages:
            out.extend("message\t%s" % clean(line) for line in message.split("\n"))
        if self.excludes is not None:
            out.append("excludes\t%d" % len(self.excludes))
            out.extend("exclude\t%s" % clean(pattern) for pattern in self.excludes)
        if self.refuse:
            out.extend("refuse\t%s" % clean(line) for line in self.refuse.split("\n"))
        if self.report_written:
            out.append("report_written\t1")
        if self.holds:
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
        raise RequestError(MSG_BAD_REQUEST % _describe(error))
    if not isinstance(request, dict) or request.get("protocol") != PROTOCOL:
        raise RequestError(MSG_BAD_REQUEST % "not protocol %d" % PROTOCOL)
    if request.get("hook") not in HOOKS:
        raise RequestError(MSG_BAD_REQUEST % "unknown hook %r" % (request.get("hook"),))
    return request


def _item(data):
    """A goal package: direction ("in"/"out"), name, epoch, version, release, arch,
    repoid, sourcerpm, provides, requires, obsoletes (the plugin also sends ``action``,
    for the log; the analysis reads the direction)."""
    from rocm_epel_notice.catalog import source_name
    from rocm_epel_notice.records import Item, Package
    package = Package(
        name=str(data["name"]), version=str(data["version"]), release=str(data["release"]),
        epoch=int(data.get("epoch") or 0), arch=str(data.get("arch", "")),
        repoid=str(data.get("repoid", "")),
        source=source_name(str(data.get("sourcerpm") or "")),
        provides=tuple(str(d) for d in data.get("provides", ())),
        requires=tuple(str(d) for d in data.get("requires", ())),
        obsoletes=tuple(str(d) for d in data.get("obsoletes", ())))
    if data.get("direction") not in ("in", "out"):
        raise RequestError(MSG_BAD_REQUEST % "item direction %r" % (data.get("direction"),))
    return Item(data["direction"], package)


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
            import warnings
            import hawkey
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
            shutil.rmtree(self._cache, ignore_errors=True)


def _sack_class(hawkey):
    """hawkey.Sack with the ``query()`` dnf's own Sack adds (hold.plan asks for it),
    without importing dnf."""
    class Sack(hawkey.Sack):
        def query(self, flags=0):
            return hawkey.Query(self, flags)
    return Sack


class Run:
    """One request worked through: settings, catalog, sacks, and the answer."""

    def __init__(self, request, answer):
        from rocm_epel_notice import config
        self.request = request
        self.answer = answer
        self.confdir = str(request.get("confdir") or "/etc/dnf/plugins")
        self.installroot = str(request.get("installroot") or "/")
        self.settings, problems = config.load([self.confdir], root=self.installroot)
        if request["hook"] == "conf":       # once per context: not again per transaction
            answer.messages.extend(problems)
        from rocm_epel_notice import policy
        answer.fail_closed = (policy.strictest(self.settings) != policy.WARN
                              and self.settings.enabled)
        answer.holds = policy.has_lock(self.settings) and self.settings.enabled
        self.sacks = Sacks(self.installroot, request.get("repos") or [])
        self._catalog = None

    @property
    def catalog(self):
        if self._catalog is None:
            from rocm_epel_notice.catalog import Catalog
            self._catalog = Catalog.load(self.settings.include, self.settings.exclude)
        return self._catalog

    @property
    def command(self):
        return front_end_command() or str(self.request.get("program") or "")

    @property
    def via(self):
        from rocm_epel_notice import report
        return {"packagekitd": report.VIA_PACKAGEKIT,
                "microdnf": report.VIA_MICRODNF}.get(self.request.get("program"),
                                                     report.VIA_LIBDNF)

    def context(self, found=None):
        from rocm_epel_notice import config, known, notice
        facts, notes = {}, {}
        if found:
            facts = known.load()
            notes = known.notes_urls(facts)
        return notice.Context(
            config_path=config.main_file(self.confdir),
            dropin_dir=config.dropin_dir(self.confdir),
            assumeyes=True,      # no prompt comes after these hooks: it is applied now
            front_end=str(self.request.get("program") or "libdnf"),
            releasever=str(self.request.get("releasever") or ""),
            arrow=notice.arrow(sys.stderr), notes=notes,
            via=self.via, program=str(self.request.get("program") or ""),
            compat=self._compat(found) if found else {},
            gpu_notes=self._gpu_notes(found, facts) if found else [])

    def _gpu_notes(self, found, facts):
        from rocm_epel_notice import gpu
        first = found.leading_upgrade or next(iter(found.crossings), None)
        if first is None:
            return []
        targets = gpu.read_targets(os.environ.get(SYSFS_ROOT_ENV) or "/")
        return gpu.support_notes(targets, first.old_line, first.new_line, facts)

    def _compat(self, found):
        offered = {}
        catalog = self.catalog
        for crossing in found.crossings:
            wanted = {catalog.compat_name(c.old.name, crossing.old_line)
                      for c in crossing.changes if c.old is not None}
            wanted.discard(None)
            if wanted:
                query = self.sacks.get(True).query().available().filter(name=sorted(wanted))
                names = sorted({p.name for p in query})
                if names:
                    offered.setdefault(crossing.old_line, names)
        return offered

    def installed(self):
        from rocm_epel_notice.records import from_package
        catalog = self.catalog
        return [from_package(p, details=True)
                for p in catalog.narrow(self.sacks.get(False).query().installed())
                if catalog.kind(p.name) is not None]

    def hold(self):
        """The hold as excludepkgs patterns (exact NEVRAs, so nothing else matches)."""
        from rocm_epel_notice import engine
        from rocm_epel_notice.records import from_package
        decision = engine.hold(lambda: self.sacks.get(True), self.catalog, self.settings,
                               self.context(), self.command)
        excluded = decision.excluded or []
        self.answer.excludes = sorted({from_package(p).nevra for p in excluded})
        return decision

    def items(self):
        """The goal's packages as ``records.Item`` (the dnf5 adapter reads its own)."""
        return [_item(i) for i in self.request.get("items") or ()]

    def decide(self):
        from rocm_epel_notice import engine
        if self.request["hook"] == "transaction":
            self.mark_applied()
            return None
        if not self.settings.enabled:
            self.answer.excludes = []
            return None
        if self.request["hook"] in HOLD_HOOKS:
            return self.hold()
        from rocm_epel_notice import policy
        if not policy.has_lock(self.settings):
            self.answer.excludes = []   # a lock lifted since set-up: hold nothing more
        items = self.items()
        rocm, _ = engine.split(items, self.catalog)     # the rpmdb is read only for ROCm
        found = engine.findings(items, self.installed() if rocm else [], self.catalog)
        decision = engine.transaction(found, self.settings, self.context, self.command)
        if decision.kind == engine.BLOCK and engine.missed(found, self.settings):
            self.hold()             # so that the next attempt holds what slipped past
        elif decision.report is None and policy.has_lock(self.settings) and \
                self.settings.report:     # the hold's report: this transaction applies it
            from rocm_epel_notice import report
            self.answer.report_written = report.holds_unapplied(self.settings.report,
                                                                self.installroot)
        return decision

    def write_report(self, decision):
        from rocm_epel_notice import report
        if decision is None or decision.report is None or not self.settings.report:
            return
        try:
            problem = report.write(self.settings.report, decision.report, self.installroot)
        except Exception as error:
            problem = MSG_REPORT_BUG % _describe(error)
        if problem:
            self.answer.messages.append(problem)
        else:
            self.answer.report_written = True

    def mark_applied(self):
        """The transaction that this front end's last report described has run: the
        report says so (``applied``), as dnf 4's does after its transaction hook."""
        from rocm_epel_notice import report
        if not self.settings.report:
            return
        try:
            problem = report.mark_applied(self.settings.report, self.installroot)
        except Exception as error:
            problem = MSG_REPORT_BUG % _describe(error)
        if problem:
            self.answer.messages.append(problem)


def answer(request_stream):
    """The answer (an ``Answer``) to the request read from ``request_stream``."""
    from rocm_epel_notice import engine
    reply = Answer()
    run = None
    try:
        run = Run(read_request(request_stream), reply)
        decision = run.decide()
        if decision is not None:
            reply.messages.extend(decision.lines)
            reply.refuse = decision.error
            run.write_report(decision)
    except Exception as error:      # one line; under block, a refusal
        failed = engine.failed(_describe(error), run.settings if run else None)
        reply.messages.extend(failed.lines)
        reply.refuse = failed.error
    finally:
        if run is not None:
            run.sacks.close()
    return reply


def main():
    reply = answer(sys.stdin.buffer)
    try:
        sys.stdout.write(reply.text())
        sys.stdout.flush()
    except OSError:         # the plugin is gone (killed, timed out): nobody to tell
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
