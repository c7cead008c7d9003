"""``rocm-epel-notice``: what ``dnf rocm`` gives on dnf 4, on a dnf5 system.

dnf5 has no Python command plugins for dnf 4's ``dnf rocm``, so this is a program of its
own over the same core: status (``--json``), check (exit 0 nothing, 1 warn, 2 held or
blocked, 3 unknown; ``--json``), lock (``--versionlock``: also dnf5's
``/etc/dnf/versionlock.toml``), unlock, allow X.Y and disallow X.Y. It writes the same
drop-ins as ``dnf rocm`` (``dropins``), so either command undoes the other's; it reads
the system through a read-only libdnf5 sack (``dnf5_sack``). Errors are one line on
stderr and exit 1 (check: 3), never a traceback.
"""

import argparse
import json
import os
import sys

from rocm_notice import describe as _describe

SUBCOMMANDS = ("status", "check", "lock", "unlock", "allow", "disallow", "scan")
COMMAND_NAME = "rocm-epel-notice"
CONFDIR = "etc/dnf/plugins"
VERSIONLOCK = "etc/dnf/versionlock.toml"

MSG_ERROR = "rocm-epel-notice: %s"
MSG_NOT_FOR = "%s does not apply to 'rocm-epel-notice %s'"
MSG_NEEDS_LINE = "'rocm-epel-notice %s' needs a release line such as 7.1"
MSG_BAD_LINE = "'%s' is not a release line (MAJOR.MINOR, such as 7.1)"
MSG_NO_ROCM = "no ROCm package is installed: there is no release line to hold"
MSG_LOCKED = "ROCm held at %s by %s (%s)"
MSG_VERSIONLOCKED = "versionlock entries for ROCm %s in %s: %d (%s)"
MSG_LOCK_OVERRIDDEN = ("wrote %s, but ROCm is NOT held at %s: %s (read after it); edit "
                       "that, then run 'rocm-epel-notice status'")
MSG_UNLOCKED = "removed: %s"
MSG_NOTHING_TO_UNLOCK = "nothing to unlock: no file or entries written by 'rocm-epel-notice lock'"
MSG_ALLOWED = "ROCm %s approved in %s (%s)"
MSG_DISALLOWED = "ROCm %s no longer approved in %s"
MSG_NOT_ALLOWED_HERE = "ROCm %s is not approved by 'rocm-epel-notice allow'; nothing changed"
MSG_UNRESOLVABLE = "cannot tell what an upgrade would do: %s"
MSG_RELATIVE_IN_ROOT = ("'%s' is not an absolute path (with --installroot, name paths "
                        "inside the root)")
MSG_BUG = ("internal error: %s (the command stopped there; 'rocm-epel-notice status' shows "
           "the state)")


class Failure(Exception):
    """One line for the user; the command exits 1."""


def parse(argv):
    parser = argparse.ArgumentParser(
        prog="rocm-epel-notice", description="show, check, hold or approve ROCm release lines "
        "on a dnf5 system (rocm-epel-notice; 'dnf rocm' on dnf 4)")
    parser.add_argument("subcommand", nargs="?", default="status", choices=SUBCOMMANDS)
    parser.add_argument("release", nargs="?", metavar="X.Y")
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="scan: trees to scan (default: scan_paths, /usr/local /opt)")
    parser.add_argument("--json", action="store_true", help="status and check: one JSON object")
    parser.add_argument("--save", metavar="FILE",
                        help="check: also write the --json object to FILE (atomically)")
    parser.add_argument("--metrics", metavar="DIR",
                        help="check: also write Prometheus metrics to DIR/rocm_notice.prom")
    parser.add_argument("--motd", metavar="FILE",
                        help="check: keep FILE as one line while a crossing is pending")
    parser.add_argument("--versionlock", action="store_true",
                        help="lock: also write entries into dnf5's versionlock.toml")
    parser.add_argument("--installroot", default="/")
    parser.add_argument("--config", default="", help="dnf5's configuration file")
    parser.add_argument("--reposdir", action="append", default=[])
    parser.add_argument("--releasever", default="")
    opts = parser.parse_args(argv)
    for given, meant_for, shown in ((opts.json, ("status", "check", "scan"), "--json"),
                                    (opts.save, ("check",), "--save"),
                                    (opts.metrics, ("check",), "--metrics"),
                                    (opts.motd, ("check",), "--motd"),
                                    (opts.versionlock, ("lock",), "--versionlock"),
                                    (opts.release, ("allow", "disallow", "scan"),
                                     opts.release)):
        if given and opts.subcommand not in meant_for:
            parser.error(MSG_NOT_FOR % (shown, opts.subcommand))
    return opts


class Command:
    def __init__(self, opts):
        from rocm_notice.catalog import catalog
        from rocm_notice.settings import config
        self.opts = opts
        self.root = opts.installroot or "/"
        self.confdir = os.path.join(self.root, CONFDIR)
        self.settings, problems = config.load([self.confdir])
        for problem in problems:
            print(problem, file=sys.stderr)
        self.catalog = catalog.Catalog.load(self.settings.include, self.settings.exclude)
        self._sack = None

    @property
    def sack(self):
        if self._sack is None:
            from rocm_notice.frontends.dnf5.sack import Sack
            variables = {"releasever": self.opts.releasever} if self.opts.releasever else {}
            self._sack = Sack(self.root, self.opts.config, self.opts.reposdir, "", variables)
        return self._sack

    def installed(self, details=False):
        from rocm_notice.core.records import from_package
        self.catalog.learn(self.sack.query().installed())
        return [from_package(p, details=details)
                for p in self.catalog.narrow(self.sack.query().installed())
                if self.catalog.kind(p.name, p.sourcerpm) is not None]

    def dropin(self, name):
        from rocm_notice.settings import config
        return os.path.join(config.dropin_dir(self.confdir), name)

    def versionlock_path(self):
        return os.path.join(self.root, VERSIONLOCK)

    def line(self):
        from rocm_notice.catalog import releases
        if not self.opts.release:
            raise Failure(MSG_NEEDS_LINE % self.opts.subcommand)
        line = releases.parse_line(self.opts.release)
        if line is None:
            raise Failure(MSG_BAD_LINE % self.opts.release)
        return line

    def show(self, data, text):
        print(json.dumps(data, indent=2, sort_keys=True) if self.opts.json else text)

    # -- subcommands ------------------------------------------------------------------

    def status(self):
        from rocm_notice.core import gpu, hold, policy, status
        from rocm_notice.catalog import known
        from rocm_notice.settings import versionlock_toml
        from rocm_notice.core.records import from_package
        available = [from_package(p) for p in
                     self.catalog.narrow(self.sack.query().available())
                     if self.catalog.kind(p.name, p.sourcerpm)]
        held = (hold.plan(self.sack, self.catalog, self.settings)[0]
                if policy.has_lock(self.settings) else None)
        path = self.versionlock_path()
        listed = {"list": path, "entries": [], "problem": ""}
        try:
            listed["entries"] = versionlock_toml.our_entries(versionlock_toml.read(path))
        except versionlock_toml.VersionlockError as error:
            listed["problem"] = "rocm-epel-notice: %s" % error
        data = status.build(self.installed(), available, self.catalog, self.settings, held,
                            listed, gpu.machine_targets(), known.load())
        self.show(data, status.text(data))
        return 0

    def check(self):
        from rocm_notice.core import analysis, engine, policy, status
        try:
            if self.settings.doubts:
                raise Failure("the policy could not be read in full: %s"
                              % "; ".join(self.settings.doubts))
            items = self._upgrade_items()
            found = engine.findings(items, self.installed(details=True), self.catalog) \
                or analysis.Findings()
        except Exception as error:
            reason = str(error) if isinstance(error, Failure) else _describe(error)
            print(MSG_ERROR % (MSG_UNRESOLVABLE % reason), file=sys.stderr)
            data = status.check_object(policy.CHECK_UNKNOWN, [], reason)
            if self.opts.json:
                self.show(data, "")
            self.publish(policy.CHECK_UNKNOWN, [], data)
            return policy.CHECK_UNKNOWN
        code, actions = policy.check(found, self.settings)
        why = policy.uncertain(found, self.settings)
        data = status.check_object(code, actions, why, found.unknown, allowed=self.settings.allow)
        self.show(data, status.check_text(code, actions, "->", why, self.settings.allow))
        self.publish(code, actions, data)
        return code

    def publish(self, code, actions, data):
        """--save, --metrics, --motd (``fleet.publish``, as 'dnf rocm check' does)."""
        from rocm_notice.core import analysis
        from rocm_notice.fleet import publish
        try:
            line = analysis.main_line(self.installed(), self.catalog)
            installed = str(line) if line is not None else "none"
        except Exception:
            installed = "unknown"
        for problem in publish.publish(code, actions, data, installed, self.settings.allow,
                                       self.opts.save, self.opts.metrics, self.opts.motd,
                                       COMMAND_NAME):
            print(problem, file=sys.stderr)

    def scan(self):
        """Programs on disk that the pending upgrade breaks, or that miss a ROCm library
        now (as 'dnf rocm scan'): exit 0 none, 1 some, 3 could not tell."""
        from rocm_notice.core import analysis, engine
        from rocm_notice.scan import scan, scanreport
        given = ([self.opts.release] if self.opts.release else []) + list(self.opts.paths)
        if self.root != "/" and any(not os.path.isabs(p) for p in given):
            raise Failure(MSG_RELATIVE_IN_ROOT % next(p for p in given
                                                       if not os.path.isabs(p)))
        paths = [os.path.abspath(p) for p in given] or list(self.settings.scan_paths)
        try:
            found = engine.findings(self._upgrade_items(), self.installed(details=True),
                                    self.catalog)
            pending, problem = (found.lost_sonames if found else []), ""
        except Exception as error:      # what is missing now is still scanned for
            pending = []
            problem = str(error) if isinstance(error, Failure) else _describe(error)
        lost = scan.Lost(pending, *analysis.installed_sonames(self.sack.query().installed(),
                                                              self.catalog))
        result = scan.scan(paths, lost, self.root, self.settings.scan_seconds)
        self.show(scanreport.to_json(result, lost, problem),
                  "\n".join(scanreport.text(result, lost, problem)))
        return scanreport.exit_status(result, problem)

    def _upgrade_items(self):
        """What 'dnf5 upgrade' would do, as records (libdnf5's own goal, no hold)."""
        import libdnf5
        from rocm_notice.frontends.dnf5.sack import Package
        from rocm_notice.core.records import IN, OUT, Item, from_package
        base = self.sack.base
        goal = libdnf5.base.Goal(base)
        goal.add_rpm_upgrade()
        transaction = goal.resolve()
        if transaction.get_problems() != libdnf5.base.GoalProblem_NO_PROBLEM:
            raise Failure("the upgrade does not resolve: %s" % " ".join(
                " ".join(transaction.get_resolve_logs_as_strings()).split()))
        items = []
        for item in transaction.get_transaction_packages():
            incoming = libdnf5.transaction.transaction_item_action_is_inbound(
                item.get_action())
            record = from_package(Package(item.get_package()), details=True,
                                  requires=incoming)
            items.append(Item(IN if incoming else OUT, record))
        return items

    def lock(self):
        from rocm_notice.core import analysis, policy
        from rocm_notice.catalog import catalog as cat
        from rocm_notice.settings import config, dropins
        from rocm_notice.settings import versionlock_toml
        stack = [p for p in self.installed() if self.catalog.kind_of(p) in (cat.ROCM, cat.AMD)]
        line = analysis.main_line(stack, self.catalog)
        if line is None:
            raise Failure(MSG_NO_ROCM)
        path = self.dropin(dropins.LOCK_FILE)
        changed = dropins.write(path, dropins.LOCK_TEXT)
        settings, _ = config.load([self.confdir])
        weaker = ["%s = %s in %s" % (k, getattr(settings, k), settings.origin.get(k, "?"))
                  for k in ("on_major", "on_minor") if getattr(settings, k) == policy.WARN]
        if weaker:
            raise Failure(MSG_LOCK_OVERRIDDEN % (path, line, "; ".join(weaker)))
        print(MSG_LOCKED % (line, path, "written" if changed else "already in place"))
        if self.opts.versionlock:
            members = analysis.by_line(stack, self.catalog)[line]
            entries = [e for e in (versionlock_toml.entry_for(p, line) for p in
                                   sorted(members, key=lambda p: p.name)) if e]
            listpath = self.versionlock_path()
            old, new = versionlock_toml.update(listpath, entries)
            print(MSG_VERSIONLOCKED % (line, listpath, len(entries),
                                       "written" if new != old else "already in place"))
        return 0

    def unlock(self):
        from rocm_notice.settings import dropins, versionlock_toml
        removed = []
        path = self.dropin(dropins.LOCK_FILE)
        if dropins.remove(path, dropins.LOCK_MARKER, "lock"):
            removed.append(path)
        listpath = self.versionlock_path()
        old, new = versionlock_toml.update(listpath, [])
        if new != old:
            removed.append("our entries in %s" % listpath)
        print(MSG_UNLOCKED % ", ".join(removed) if removed else MSG_NOTHING_TO_UNLOCK)
        return 0

    def allow(self):
        from rocm_notice.settings import dropins
        line, path = self.line(), self.dropin(dropins.ALLOW_FILE)
        text = dropins.read(path)
        changed = dropins.write(path, dropins.with_allowed(text, dropins.approved(text) + [line]))
        print(MSG_ALLOWED % (line, path, "written" if changed else "already approved"))
        return 0

    def disallow(self):
        from rocm_notice.settings import dropins
        line, path = self.line(), self.dropin(dropins.ALLOW_FILE)
        text = dropins.read(path)
        current = dropins.approved(text)
        if line not in current:
            print(MSG_NOT_ALLOWED_HERE % line)
            return 0
        dropins.write(path, dropins.with_allowed(text, [l for l in current if l != line]))
        print(MSG_DISALLOWED % (line, path))
        return 0


def main(argv=None):
    opts = parse(sys.argv[1:] if argv is None else argv)
    from rocm_notice.settings import dropins, versionlock_toml
    try:
        command = Command(opts)
        return getattr(command, opts.subcommand)()
    except (Failure, dropins.DropinError, versionlock_toml.VersionlockError) as error:
        print(MSG_ERROR % error, file=sys.stderr)
    except Exception as error:       # a bug of ours: one line, never a traceback
        print(MSG_ERROR % (MSG_BUG % _describe(error)), file=sys.stderr)
    return 3 if opts.subcommand in ("check", "scan") else 1


if __name__ == "__main__":
    sys.exit(main())
