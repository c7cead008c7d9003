"""The ROCm command, written once: ``dnf rocm`` on dnf 4 and ``rocm-epel-notice`` on dnf5.

status, check (exit 0 nothing, 1 warn, 2 held or blocked, 3 could not tell), lock
(``--versionlock``), unlock, allow X.Y, disallow X.Y and scan [PATH ...] (exit 0 none, 1
some, 3 could not tell). A front end reads its package manager into a ``System`` and
parses the options with ``add_arguments``; this module decides, writes and speaks: every
subcommand, message and exit status, with the command's name as the user types it. Both
commands write the same drop-ins (``dropins``), so either undoes the other's.
"""

import json
import os
import sys

from rocm_notice import describe
from rocm_notice.catalog import catalog as cat, known, releases
from rocm_notice.core import analysis, context, gpu, hold, notice, policy, records, report, status
from rocm_notice.fleet import publish
from rocm_notice.io import files
from rocm_notice.scan import scan, scanreport
from rocm_notice.settings import config, dropins, versionlocks

SUBCOMMANDS = ("status", "check", "lock", "unlock", "allow", "disallow", "scan")
WRITES = ("lock", "unlock", "allow", "disallow")
LOOKS = ("check", "scan")         # a failure is "could not tell" (3), not an error (1)
ERROR, UNKNOWN = 1, policy.CHECK_UNKNOWN

MSG_NOT_FOR = "%s does not apply to '%s %s'"
MSG_NO_CONFIG = "the plugin's configuration could not be read; see the lines above"
MSG_NEEDS_LINE = "'%s %s' needs a release line such as 7.1"
MSG_BAD_LINE = "'%s' is not a release line (MAJOR.MINOR, such as 7.1)"
MSG_NO_ROCM = "no ROCm package is installed: there is no release line to hold"
MSG_BUG = "internal error: %s (the command stopped there; '%s status' shows the state)"
MSG_UNRESOLVABLE = "cannot tell what an upgrade would do: %s"
MSG_SCAN_FAILED = "the scan could not run: %s"
MSG_CONFIG_INCOMPLETE = "the policy could not be read in full: %s"
MSG_CONFIG_UNREAD = "the plugin's configuration could not be read"
MSG_RELATIVE_IN_ROOT = ("'%s' is not an absolute path (with --installroot, name paths inside "
                        "the root)")
MSG_LOCKED = "ROCm held at %s by %s (%s)"
MSG_VERSIONLOCKED = "versionlock entries for ROCm %s in %s: %d (%s)"
MSG_LOCK_OVERRIDDEN = ("wrote %s, but ROCm is NOT held at %s: %s (read after it); edit that, "
                       "then run '%s status'")
MSG_LOCK_STRICTER = "  (%s is read after it: a crossing is refused rather than held)"
MSG_UNLOCKED = "removed: %s"
MSG_UNLOCK_PARTLY = "removed %s; but %s"
MSG_STILL_LOCKED = "ROCm is still held by other settings: %s"
MSG_NOTHING_TO_UNLOCK = "nothing to unlock: no file or entries written by '%s lock'"
MSG_ALLOWED = "ROCm %s approved in %s (%s)"
MSG_DISALLOWED = "ROCm %s no longer approved in %s"
MSG_NOT_ALLOWED_HERE = "ROCm %s is not approved by '%s allow'%s; nothing changed"
MSG_APPROVED_ELSEWHERE = " (it is approved in %s: edit that file)"
MSG_STILL_ALLOWED = "ROCm %s removed from %s, but %s is still approved in %s: edit that file"

HELP_SUBCOMMAND = (
    "status (default): installed and available release lines, policy, holds, GPUs; check: "
    "what an upgrade would do to ROCm (exit 0 nothing, 1 warn, 2 held or blocked, 3 "
    "unknown); lock / unlock: hold the installed line; allow / disallow X.Y: approve a "
    "release line; scan [PATH ...]: programs that need a ROCm library the pending upgrade "
    "removes or that is missing (exit 0 none, 1 some, 3 could not tell)")


class Failed(Exception):
    """The command stops with this one line (exit 1)."""


class Unknown(Exception):
    """``check`` or ``scan`` cannot tell (exit 3); ``str()`` says why."""


class System:
    """What a front end reads from its package manager for the command. ``settings`` is
    None when the configuration could not be read (the front end has said why)."""

    name = "dnf rocm"          # the command as the user types it
    prefix = "rocm_notice"     # how the front end's error lines start
    root = "/"
    confdirs = ()
    settings = None
    versionlock = None         # a versionlocks.PluginList or TomlList
    own_errors = ()            # the package manager's errors, left for it to present

    def catalog(self):
        raise NotImplementedError

    def installed(self, details=False):
        """The installed packages the catalog knows, as records (the catalog learns
        every installed source package first); ``details``: with provides."""
        catalog, installed = self.catalog(), self.sack().query().installed()
        catalog.learn(installed)
        return [catalog.classify(records.from_package(pkg, details=details))
                for pkg in catalog.narrow(installed, few=True)
                if catalog.kind(pkg.name, pkg.sourcerpm) is not None]

    def sack(self):
        """The package manager's packages, with hawkey's query interface."""
        raise NotImplementedError

    def available(self):
        """The available ROCm packages, as records."""
        catalog = self.catalog()
        return [records.from_package(pkg) for pkg in catalog.narrow(self.sack().query().available())
                if catalog.kind(pkg.name, pkg.sourcerpm)]

    def hold_plan(self):
        """The hold a lock would apply now (``hold.plan``), shown by status."""
        return hold.plan(self.sack(), self.catalog(), self.settings)[0]

    def upgrade_findings(self):
        """The analysis of what an upgrade of everything would do (None: no ROCm moves);
        raises Unknown (or the package manager's error) when that cannot be told."""
        raise NotImplementedError

    def installed_sonames(self):
        """(every soname an installed package provides, the ROCm packages' ones)."""
        return analysis.installed_sonames(self.sack().query().installed(), self.catalog())

    def reason(self, error):
        """One line for the package manager's own error, or None for anything else (a bug
        of ours)."""
        return None

    def describe(self, error):
        """One line for a bug of ours (a front end adds where it kept the traceback)."""
        return describe(error)

    def say(self, line):
        """An error line on stderr (the front end's logger)."""
        raise NotImplementedError

    def arrow(self):
        """The arrow of check's lines, as standard output can show it."""
        return notice.arrow(sys.stdout)


def add_arguments(parser, versionlock_help):
    """The command's arguments, on the front end's argparse parser."""
    parser.add_argument("subcommand", nargs="?", default="status", choices=SUBCOMMANDS,
                        help=HELP_SUBCOMMAND)
    parser.add_argument("release", nargs="?", metavar="X.Y",
                        help="release line for allow and disallow")
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="scan: trees to scan (default: scan_paths, /usr/local /opt)")
    parser.add_argument("--json", action="store_true",
                        help="status, check and scan: print one JSON object (\"schema\": 1)")
    parser.add_argument("--versionlock", action="store_true", help=versionlock_help)
    parser.add_argument("--save", metavar="FILE",
                        help="check: also write the --json object to FILE (atomically)")
    parser.add_argument("--metrics", metavar="DIR",
                        help="check: also write Prometheus metrics to DIR/rocm_notice.prom "
                             "(node_exporter's textfile collector directory)")
    parser.add_argument("--motd", metavar="FILE",
                        help="check: keep FILE (e.g. /run/motd.d/rocm-epel-notice) as one "
                             "line while a crossing is pending, remove it otherwise")


def misplaced(opts, name):
    """The line that says an option was given to a subcommand it does not apply to, or
    "" when every option fits."""
    for given, meant_for, shown in ((opts.json, ("status", "check", "scan"), "--json"),
                                    (opts.versionlock, ("lock",), "--versionlock"),
                                    (opts.save, ("check",), "--save"),
                                    (opts.metrics, ("check",), "--metrics"),
                                    (opts.motd, ("check",), "--motd"),
                                    (opts.release, ("allow", "disallow", "scan"),
                                     opts.release),
                                    (opts.paths, ("scan",), " ".join(opts.paths))):
        if given and opts.subcommand not in meant_for:
            return MSG_NOT_FOR % (shown, name, opts.subcommand)
    return ""


class Command:
    """One run of the command over ``system`` with the parsed ``opts``."""

    def __init__(self, system, opts):
        self.system = system
        self.opts = opts

    def run(self):
        """The exit status. check and scan answer every failure themselves (3); the
        other subcommands raise Failed with one line (exit 1)."""
        sub = self.opts.subcommand
        if sub in LOOKS:
            return getattr(self, sub)()
        if self.system.settings is None:
            raise Failed(MSG_NO_CONFIG)
        try:
            return getattr(self, sub)() or 0
        except (Failed,) + tuple(self.system.own_errors):
            raise
        except dropins.DropinError as error:
            raise Failed(str(error)) from None
        except versionlocks.ERRORS as error:
            raise Failed(str(error)) from None
        except Exception as error:
            said = self.system.reason(error)
            if said is not None:
                raise Failed(said) from None
            raise Failed(MSG_BUG % (self.system.describe(error), self.system.name)) from None

    # -- what every subcommand uses ---------------------------------------------------

    def show(self, data, text):
        print(json.dumps(data, indent=2, sort_keys=True) if self.opts.json else text)

    def error(self, line):
        self.system.say("%s: %s" % (self.system.prefix, line))

    def line(self):
        if not self.opts.release:
            raise Failed(MSG_NEEDS_LINE % (self.system.name, self.opts.subcommand))
        line = releases.parse_line(self.opts.release)
        if line is None:
            raise Failed(MSG_BAD_LINE % self.opts.release)
        return line

    def dropin(self, name):
        return os.path.join(config.dropin_dir(self.system.confdirs[0]), name)

    def effective(self):
        """The settings as the files say them now (after our write)."""
        return config.load(self.system.confdirs)[0]

    def failure(self, error):
        """Why an evaluation stopped, in one line."""
        if isinstance(error, Unknown):
            return str(error)
        said = self.system.reason(error)
        return said if said is not None else "internal error: %s" % self.system.describe(error)

    def installed_line(self):
        """The installed release line as text: "none" without ROCm, "unknown" when the
        installed packages could not be read."""
        try:
            line = analysis.main_line(self.system.installed(), self.system.catalog())
        except Exception:
            return "unknown"
        return str(line) if line is not None else "none"

    # -- subcommands ------------------------------------------------------------------

    def status(self):
        system, settings = self.system, self.system.settings
        catalog = system.catalog()
        installed = system.installed()
        available = system.available()
        held = system.hold_plan() if policy.has_lock(settings) else None
        listed = system.versionlock.status() if system.versionlock else None
        if listed and listed["problem"]:
            listed["problem"] = "%s: %s" % (system.prefix, listed["problem"])
        last = (report.path_in_root(settings.report, system.root)
                if settings.report and files.exists(settings.report, system.root) else "")
        data = status.build(installed, available, catalog, settings, held, listed,
                            gpu.machine_targets(), known.load(), last)
        self.show(data, status.text(data))
        return 0

    def check(self):
        """Exit 0/1/2 as ``policy.check`` says; 3 for every failure to evaluate (no or
        incomplete configuration, a repository that could not be read, a failed resolve,
        a bug of ours). Under --json, always exactly one object."""
        settings = self.system.settings
        try:
            findings = self.evaluate()
            code, actions = policy.check(findings, settings)
            why = policy.uncertain(findings, settings)
            data = status.check_object(code, actions, why, findings.unknown,
                                       allowed=settings.allow, broken=context.quick_scan(
                                           findings, settings, self.system.root))
            text = status.check_text(code, actions, self.system.arrow(), why, settings.allow)
        except Exception as error:
            reason = self.failure(error)
            self.error(MSG_UNRESOLVABLE % reason)
            data = status.check_object(UNKNOWN, [], reason)
            if self.opts.json:
                self.show(data, "")
            self.publish(UNKNOWN, [], data)
            return UNKNOWN
        self.show(data, text)
        self.publish(code, actions, data)
        return code

    def evaluate(self):
        settings = self.system.settings
        if settings is None:
            raise Unknown(MSG_CONFIG_UNREAD)
        if settings.doubts:       # what could hide a setting: "could not tell"
            raise Unknown(MSG_CONFIG_INCOMPLETE % "; ".join(
                doubt.split(": ", 1)[1] if doubt.startswith("rocm_notice: ") else doubt
                for doubt in settings.doubts))
        return self.system.upgrade_findings() or analysis.Findings()

    def publish(self, code, actions, data):
        """--save, --metrics, --motd: what the daily timer leaves (``fleet.publish``)."""
        opts = self.opts
        if not (opts.save or opts.metrics or opts.motd):
            return
        settings = self.system.settings
        for problem in publish.publish(code, actions, data, self.installed_line(),
                                       settings.allow if settings else (), opts.save,
                                       opts.metrics, opts.motd, self.system.name):
            self.system.say(problem)

    def scan(self):
        """Programs on disk that the pending upgrade breaks, or that miss a ROCm library
        now: exit 0 none, 1 some, 3 could not tell (the scan stopped at its deadline, or
        could not run). When what the upgrade removes cannot be told (no repositories),
        what is missing now is still scanned for."""
        system = self.system
        try:
            if system.settings is None:
                raise Unknown(MSG_CONFIG_UNREAD)
            paths = self.scan_paths()
            try:
                found = system.upgrade_findings()
                pending, problem = (found.lost_sonames if found else []), ""
            except Exception as error:
                pending, problem = [], self.failure(error)
            lost = scan.Lost(pending, *system.installed_sonames())
            result = scan.scan(paths, lost, system.root, system.settings.scan_seconds)
        except Exception as error:   # a bug of ours, a bad path: one line, exit 3
            self.error(MSG_SCAN_FAILED % self.failure(error))
            return UNKNOWN
        self.show(scanreport.to_json(result, lost, problem),
                  "\n".join(scanreport.text(result, lost, problem)))
        return scanreport.exit_status(result, problem)

    def scan_paths(self):
        opts = self.opts
        given = ([opts.release] if opts.release else []) + list(opts.paths)
        if not given:
            return list(self.system.settings.scan_paths)
        if self.system.root != "/":
            relative = [path for path in given if not os.path.isabs(path)]
            if relative:
                raise Unknown(MSG_RELATIVE_IN_ROOT % relative[0])
        return [os.path.abspath(path) for path in given]

    def lock(self):
        system = self.system
        catalog = system.catalog()
        stack = [p for p in system.installed() if catalog.kind_of(p) in (cat.ROCM, cat.AMD)]
        line = analysis.main_line(stack, catalog)
        if line is None:
            raise Failed(MSG_NO_ROCM)
        if self.opts.versionlock:       # checked before anything is written
            system.versionlock.ready()
        path = self.dropin(dropins.LOCK_FILE)
        changed = dropins.write(path, dropins.LOCK_TEXT)
        self.verify_lock(line, path)
        print(MSG_LOCKED % (line, path, "written" if changed else "already in place"))
        if not self.opts.versionlock:
            return 0
        where, count, changed, problems = system.versionlock.hold(
            line, analysis.by_line(stack, catalog)[line])
        print(MSG_VERSIONLOCKED % (line, where, count,
                                   "written" if changed else "already in place"))
        for problem in problems:
            self.error(problem)
        return 0

    def verify_lock(self, line, path):
        """A lock that a later file overrides, or that an approval lets a newer line
        through, is not a lock: say which file wins, and fail."""
        settings = self.effective()
        weaker = ["%s = %s in %s" % (key, getattr(settings, key), settings.origin.get(key, "?"))
                  for key in ("on_major", "on_minor") if getattr(settings, key) == policy.WARN]
        through = ["ROCm %s is approved in %s" % (newer, ", ".join(
                       settings.allowed_in.get(newer, ["?"])))
                   for newer in settings.allow if newer > line]
        if weaker or through:
            raise Failed(MSG_LOCK_OVERRIDDEN % (path, line, "; ".join(weaker + through),
                                                self.system.name))
        stricter = [key for key in ("on_major", "on_minor")
                    if getattr(settings, key) == policy.BLOCK]
        if stricter:
            print(MSG_LOCK_STRICTER % ", ".join("%s = block in %s" % (key, settings.origin[key])
                                                for key in stricter))

    def unlock(self):
        path = self.dropin(dropins.LOCK_FILE)
        text = dropins.read(path)                  # everything checked before any change
        if text is not None and dropins.LOCK_MARKER not in text.splitlines():
            raise dropins.DropinError(dropins.MSG_NOT_OURS % (path, "lock"))
        if self.system.versionlock:
            self.system.versionlock.readable()
        removed = []
        if dropins.remove(path, dropins.LOCK_MARKER, "lock"):
            removed.append(path)
        if self.system.versionlock:
            try:
                listed = self.system.versionlock.release()
            except versionlocks.ERRORS as error:
                raise Failed(MSG_UNLOCK_PARTLY % (", ".join(removed) or "nothing", error))
            if listed:
                removed.append("our entries in %s" % listed)
        print(MSG_UNLOCKED % ", ".join(removed) if removed
              else MSG_NOTHING_TO_UNLOCK % self.system.name)
        settings = self.effective()
        still = ["%s = lock in %s" % (key, settings.origin.get(key, "?"))
                 for key in ("on_major", "on_minor") if getattr(settings, key) == policy.LOCK]
        if still:
            print(MSG_STILL_LOCKED % "; ".join(still))
        return 0

    def allow(self):
        line, path = self.line(), self.dropin(dropins.ALLOW_FILE)
        text = dropins.read(path)
        changed = dropins.write(path, dropins.with_allowed(text, dropins.approved(text) + [line]))
        print(MSG_ALLOWED % (line, path, "written" if changed else "already approved"))
        return 0

    def disallow(self):
        line, path = self.line(), self.dropin(dropins.ALLOW_FILE)
        settings = self.system.settings
        text = dropins.read(path)
        current = dropins.approved(text)
        if line not in current:
            elsewhere = settings.allowed_in.get(line)     # the files that approve it
            hint = MSG_APPROVED_ELSEWHERE % ", ".join(elsewhere) if elsewhere else ""
            print(MSG_NOT_ALLOWED_HERE % (line, self.system.name, hint))
            return 0
        dropins.write(path, dropins.with_allowed(text, [l for l in current if l != line]))
        elsewhere = self.effective().allowed_in.get(line)
        if elsewhere:
            raise Failed(MSG_STILL_ALLOWED % (line, path, line, ", ".join(elsewhere)))
        print(MSG_DISALLOWED % (line, path))
        return 0
