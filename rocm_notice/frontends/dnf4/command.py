"""dnf 4 adapter: the `dnf rocm` command (status, check, lock, unlock, allow, disallow,
scan).

Loaded only when `dnf rocm` runs: the plugin (dnf-plugins/rocm_notice.py) registers a
small class whose instantiation (dnf makes the command object only for the command the
user named, or for `dnf help rocm`) returns this command, bound to the plugin of the run.
It reads dnf's state through the plugin (settings, catalog, findings) and answers with
the core's modules. No core module imports it.
"""

import json
import logging
import os

import dnf
import dnf.cli
import dnf.exceptions

from rocm_notice.core import analysis, context, gpu, hold, policy, records, report, status
from rocm_notice.catalog import catalog as cat, known, releases
from rocm_notice.settings import config, dropins, locklist
from rocm_notice.fleet import publish
from rocm_notice.io import files
from rocm_notice.frontends.dnf4 import decision as dnf4_decision
from rocm_notice.frontends.dnf4.common import arrow, describe, logger, warn

SUBCOMMANDS = ("status", "check", "lock", "unlock", "allow", "disallow", "scan")
WRITES = ("lock", "unlock", "allow", "disallow")

MSG_COMMAND_BUG = "rocm_notice: internal error: %s (the command stopped there; dnf rocm status shows the state)"
MSG_NOT_FOR = "rocm_notice: %s does not apply to 'dnf rocm %s'"
MSG_NO_CONFIG = "rocm_notice: the plugin's configuration could not be read; see the lines above"
MSG_NEEDS_LINE = "rocm_notice: 'dnf rocm %s' needs a release line such as 7.1"
MSG_BAD_LINE = "rocm_notice: '%s' is not a release line (MAJOR.MINOR, such as 7.1)"
MSG_NO_ROCM = "rocm_notice: no ROCm package is installed: there is no release line to hold"
MSG_NO_VERSIONLOCK = ("rocm_notice: --versionlock needs the versionlock plugin's "
                      "versionlock.conf with 'locklist =' in %s")
MSG_UNRESOLVABLE = "rocm_notice: cannot tell what an upgrade would do: %s"
MSG_REPOS_SKIPPED = "repositories that could not be read were skipped: %s"
MSG_CONFIG_INCOMPLETE = "the policy could not be read in full: %s"
MSG_CONFIG_UNREAD = "the plugin's configuration could not be read"
MSG_LOCKED = "ROCm held at %s by %s (%s)"
MSG_VERSIONLOCKED = "versionlock entries for ROCm %s in %s: %d (%s)"
MSG_UNDECODABLE = ("rocm_notice: %s has bytes that are not UTF-8: the versionlock plugin "
                   "cannot read it and applies no lock at all, ours included")
MSG_STRAY = ("rocm_notice: %d marker line(s) of ours in %s belong to no complete block "
             "(edited by hand?): 'dnf rocm unlock' leaves them and what they enclose; "
             "remove them by hand")
MSG_UNLOCKED = "removed: %s"
MSG_UNLOCK_PARTLY = "rocm_notice: removed %s; but %s"
MSG_STILL_LOCKED = "ROCm is still held by other settings: %s"
MSG_LOCK_OVERRIDDEN = ("rocm_notice: wrote %s, but ROCm is NOT held at %s: %s (read after it); "
                       "edit that, then run 'dnf rocm status'")
MSG_LOCK_STRICTER = "  (%s is read after it: a crossing is refused rather than held)"
MSG_STILL_ALLOWED = ("rocm_notice: ROCm %s removed from %s, but %s is still approved in %s: "
                     "edit that file")
MSG_NOTHING_TO_UNLOCK = "nothing to unlock: no file or entries written by 'dnf rocm lock'"
MSG_ALLOWED = "ROCm %s approved in %s (%s)"
MSG_DISALLOWED = "ROCm %s no longer approved in %s"
MSG_NOT_ALLOWED_HERE = ("ROCm %s is not approved by 'dnf rocm allow'%s; nothing changed")
MSG_APPROVED_ELSEWHERE = " (it is approved in %s: edit that file)"
MSG_SCAN_FAILED = "rocm_notice: the scan could not run: %s"
MSG_RELATIVE_IN_ROOT = "'%s' is not an absolute path (with --installroot, name paths inside the root)"


class _Unknown(Exception):
    """`dnf rocm check` cannot tell what an upgrade would do (exit 3); str() says why."""


def bound(registered):
    """The command class for this run: named and bound to its plugin (the RocmNotice
    instance) as the class the plugin registered."""
    return type("RocmCommand", (RocmCommand,), {
        "aliases": registered.aliases, "summary": registered.summary,
        "plugin": registered.plugin})


class RocmCommand(dnf.cli.Command):
    """dnf rocm [status|check|lock|unlock|allow X.Y|disallow X.Y|scan [PATH ...]] [--json]
    [--versionlock] [--save FILE] [--metrics DIR] [--motd FILE]"""

    plugin = None   # aliases, summary and plugin: see bound()

    @staticmethod
    def set_argparser(parser):
        parser.add_argument(
            "subcommand", nargs="?", default="status", choices=SUBCOMMANDS,
            help="status (default): installed and available release lines, policy, holds, "
                 "GPUs; check: what 'dnf upgrade' would do to ROCm (exit 0 nothing, 1 warn, "
                 "2 held or blocked, 3 unknown); lock / unlock: hold the installed line; "
                 "allow / disallow X.Y: approve a release line; scan [PATH ...]: programs "
                 "that need a ROCm library the pending upgrade removes or that is missing "
                 "(exit 0 none, 1 some, 3 could not tell)")
        parser.add_argument("release", nargs="?", metavar="X.Y",
                            help="release line for allow and disallow")
        parser.add_argument("paths", nargs="*", metavar="PATH",
                            help="scan: trees to scan (default: scan_paths, /usr/local /opt)")
        parser.add_argument("--json", action="store_true",
                            help="status, check and scan: print one JSON object (\"schema\": 1)")
        parser.add_argument("--versionlock", action="store_true",
                            help="lock: also write entries into the versionlock plugin's list")
        parser.add_argument("--save", metavar="FILE",
                            help="check: also write the --json object to FILE (atomically)")
        parser.add_argument("--metrics", metavar="DIR",
                            help="check: also write Prometheus metrics to DIR/rocm_notice.prom "
                                 "(node_exporter's textfile collector directory)")
        parser.add_argument("--motd", metavar="FILE",
                            help="check: keep FILE (e.g. /run/motd.d/rocm-epel-notice) as one "
                                 "line while a crossing is pending, remove it otherwise")

    def configure(self):
        opts, sub = self.opts, self.opts.subcommand
        for given, meant_for, shown in ((opts.json, ("status", "check", "scan"), "--json"),
                                        (opts.versionlock, ("lock",), "--versionlock"),
                                        (opts.save, ("check",), "--save"),
                                        (opts.metrics, ("check",), "--metrics"),
                                        (opts.motd, ("check",), "--motd"),
                                        (opts.release, ("allow", "disallow", "scan"),
                                         opts.release),
                                        (opts.paths, ("scan",), " ".join(opts.paths))):
            if given and sub not in meant_for:
                raise dnf.exceptions.Error(MSG_NOT_FOR % (shown, sub))
        self.plugin.in_command = True
        self.plugin.read_settings()     # now, as before: their problems come first
        demands = self.cli.demands
        if self.opts.subcommand in ("check", "scan"):
            pass        # run() loads the sack itself, where a repository error is caught
        elif self.opts.subcommand in ("status", "lock"):
            demands.sack_activation = True
            demands.available_repos = self.opts.subcommand != "lock"
        if self.opts.subcommand in WRITES:
            demands.root_user = True
        if self.opts.json:       # stdout is for the JSON object alone
            self.cli.redirect_logger(stdout=logging.WARNING, stderr=logging.INFO)
            self.cli.redirect_repo_progress()

    def run(self):
        if self.opts.subcommand == "check":
            return self._run_check()     # answers every failure itself: 3, never 1
        if self.opts.subcommand == "scan":
            return self._run_scan()      # likewise
        if self.plugin.settings is None:
            raise dnf.exceptions.Error(MSG_NO_CONFIG)
        try:
            getattr(self, "_run_" + self.opts.subcommand)()
        except (dropins.DropinError, locklist.LockListError) as error:
            raise dnf.exceptions.Error("rocm_notice: %s" % error)
        except dnf.exceptions.Error:
            raise
        except Exception as error:   # a bug of ours: one line, never a traceback
            raise dnf.exceptions.Error(MSG_COMMAND_BUG % describe(error))

    # -- subcommands ------------------------------------------------------------------

    def _print(self, data, text):
        print(json.dumps(data, indent=2, sort_keys=True) if self.opts.json else text)

    def _line(self):
        if not self.opts.release:
            raise dnf.exceptions.Error(MSG_NEEDS_LINE % self.opts.subcommand)
        line = releases.parse_line(self.opts.release)
        if line is None:
            raise dnf.exceptions.Error(MSG_BAD_LINE % self.opts.release)
        return line

    def _dropin(self, name):
        return os.path.join(config.dropin_dir(self.plugin.confdirs[0]), name)

    def _versionlock_status(self):
        """Our entries in the versionlock list, or None; a list we cannot read is one
        line of the status, not a failed command."""
        path = ""
        try:
            path = locklist.configured_path(self.plugin.confdirs)
            if not path:
                return None
            text = locklist.read(path)
        except locklist.LockListError as error:
            return {"list": path, "entries": [], "problem": "rocm_notice: %s" % error}
        stray = locklist.stray_markers(text)
        problem = (MSG_UNDECODABLE % path if locklist.undecodable(text)
                   else MSG_STRAY % (stray, path) if stray else "")
        return {"list": path, "entries": locklist.our_entries(text), "problem": problem}

    def _run_status(self):
        plugin, settings = self.plugin, self.plugin.settings
        catalog = plugin.catalog()
        catalog.learn(self.base.sack.query().installed())   # every installed source, once
        installed = dnf4_decision.Work(plugin).installed_stack(catalog, details=False)
        available = [records.from_package(pkg) for pkg in catalog.narrow(self.base.sack.query().available())
                     if catalog.kind(pkg.name, pkg.sourcerpm)]
        held = (hold.plan(self.base.sack, catalog, settings)[0]    # shown, not applied
                if policy.has_lock(settings) else None)
        listed = self._versionlock_status()
        targets = gpu.machine_targets()
        root = self.base.conf.installroot
        last = (report.path_in_root(settings.report, root)
                if settings.report and files.exists(settings.report, root) else "")
        data = status.build(installed, available, catalog, settings, held, listed, targets,
                            known.load(), last)
        self._print(data, status.text(data))

    def _run_check(self):
        """Exit 0/1/2 as policy.check says; 3 (unknown) for every failure to evaluate:
        no or incomplete configuration, a repository dnf could not read, a failed
        resolve, a bug of ours. Under --json, always exactly one object."""
        try:
            code, actions, findings = self._evaluate()
        except _Unknown as unknown:
            reason = str(unknown)
        except dnf.exceptions.Error as error:
            reason = "%s: %s" % (type(error).__name__, " ".join(str(error).split()))
        except Exception as error:   # a bug of ours is "could not tell" too
            reason = "internal error: %s" % describe(error)
        else:
            why = policy.uncertain(findings, self.plugin.settings)
            data = status.check_object(code, actions, why, findings.unknown,
                                       allowed=self.plugin.settings.allow,
                                       broken=context.quick_scan(findings, self.plugin.settings,
                                                                  self.base.conf.installroot))
            self._print(data, status.check_text(code, actions, arrow(), why,
                                                          self.plugin.settings.allow))
            self.cli.demands.success_exit_status = code
            self._publish(code, actions, data)
            return
        logger.error(MSG_UNRESOLVABLE, reason)
        self.cli.demands.success_exit_status = policy.CHECK_UNKNOWN
        data = status.check_object(policy.CHECK_UNKNOWN, [], reason)
        if self.opts.json:
            self._print(data, "")
        self._publish(policy.CHECK_UNKNOWN, [], data)

    def _publish(self, code, actions, data):
        """--save, --metrics, --motd: what the daily timer leaves (``fleet.publish``)."""
        allowed = self.plugin.settings.allow if self.plugin.settings else ()
        for problem in publish.publish(code, actions, data, self._installed_line(), allowed,
                                       self.opts.save, self.opts.metrics, self.opts.motd):
            logger.error(problem)

    def _installed_line(self):
        """The installed release line as text: "none" without ROCm, "unknown" when the
        installed packages could not be read."""
        try:
            catalog = self.plugin.catalog()
            stack = dnf4_decision.Work(self.plugin).installed_stack(catalog, details=False)
            line = analysis.main_line(stack, catalog)
        except Exception:
            return "unknown"
        return str(line) if line is not None else "none"

    def _evaluate(self):
        settings = self.plugin.settings
        if settings is None:
            raise _Unknown(MSG_CONFIG_UNREAD)
        incomplete = settings.doubts       # what could hide a setting: "could not tell"
        if incomplete:
            raise _Unknown(MSG_CONFIG_INCOMPLETE % "; ".join(
                reason[len("rocm_notice: "):] if reason.startswith("rocm_notice: ") else reason
                for reason in incomplete))
        self._fill_sack()
        self.base.upgrade_all()
        self.base.resolve()
        findings = dnf4_decision.Work(self.plugin).findings() or analysis.Findings()
        return policy.check(findings, settings) + (findings,)

    def _run_scan(self):
        """Exit 0 (nothing found), 1 (programs found that break), 3 (could not tell:
        the scan stopped at its deadline, or could not run). What the pending upgrade
        removes comes from the same analysis as the notice; when that cannot be told
        (no repositories), what is missing now is still scanned for."""
        from rocm_notice.scan import scan, scanreport   # the ELF reader: scan alone
        root = self.base.conf.installroot or "/"
        try:
            settings = self.plugin.settings
            if settings is None:
                raise _Unknown(MSG_CONFIG_UNREAD)
            paths = self._scan_paths(settings, root)
            pending, problem = self._pending_lost()
            lost = scan.Lost(pending, *self._installed_sonames())
            result = scan.scan(paths, lost, root, settings.scan_seconds)
        except Exception as error:   # a bug of ours, a bad path: one line, exit 3
            reason = str(error) if isinstance(error, (_Unknown, dnf.exceptions.Error)) \
                else "internal error: %s" % describe(error)
            logger.error(MSG_SCAN_FAILED, reason)
            self.cli.demands.success_exit_status = policy.CHECK_UNKNOWN
            return
        self._print(scanreport.to_json(result, lost, problem),
                    "\n".join(scanreport.text(result, lost, problem)))
        self.cli.demands.success_exit_status = scanreport.exit_status(result, problem)

    def _scan_paths(self, settings, root):
        given = ([self.opts.release] if self.opts.release else []) + list(self.opts.paths)
        if not given:
            return list(settings.scan_paths)
        if root != "/":
            relative = [path for path in given if not os.path.isabs(path)]
            if relative:
                raise _Unknown(MSG_RELATIVE_IN_ROOT % relative[0])
        return [os.path.abspath(path) for path in given]

    def _pending_lost(self):
        """(sonames the pending upgrade removes, why that could not be told or "")."""
        try:
            self._fill_sack()
            self.base.upgrade_all()
            self.base.resolve()
            findings = dnf4_decision.Work(self.plugin).findings()
            return (findings.lost_sonames if findings else []), ""
        except _Unknown as unknown:
            problem = str(unknown)
        except dnf.exceptions.Error as error:
            problem = "%s: %s" % (type(error).__name__, " ".join(str(error).split()))
        if self.base.sack is None:          # what is installed can still be read
            self.base.fill_sack(load_system_repo=True, load_available_repos=False)
        return [], problem

    def _installed_sonames(self):
        """(every soname an installed package provides, the ROCm packages' ones)."""
        return analysis.installed_sonames(self.base.sack.query().installed(),
                                          self.plugin.catalog())

    def _fill_sack(self):
        """Load the metadata here, not through demands, so that dnf's repository errors
        are ours to answer; a repository dnf skips (skip_if_unavailable) is one too."""
        enabled = [repo.id for repo in self.base.repos.iter_enabled()]
        self.base.fill_sack(load_system_repo="auto", load_available_repos=True)
        skipped = [repoid for repoid in enabled if not self.base.repos[repoid].enabled]
        if skipped:
            raise _Unknown(MSG_REPOS_SKIPPED % ", ".join(skipped))

    def _run_lock(self):
        catalog = self.plugin.catalog()
        catalog.learn(self.base.sack.query().installed())   # new subpackages get entries too
        installed = dnf4_decision.Work(self.plugin).installed_stack(catalog, details=False)
        stack = [p for p in installed if catalog.kind_of(p) in (cat.ROCM, cat.AMD)]
        line = analysis.main_line(stack, catalog)
        if line is None:
            raise dnf.exceptions.Error(MSG_NO_ROCM)
        listpath = None
        if self.opts.versionlock:       # checked before anything is written
            listpath = locklist.configured_path(self.plugin.confdirs)
            if not listpath:
                raise dnf.exceptions.Error(MSG_NO_VERSIONLOCK
                                           % ", ".join(self.plugin.confdirs))
            locklist.read(listpath)
        path = self._dropin(dropins.LOCK_FILE)
        changed = dropins.write(path, dropins.LOCK_TEXT)
        self._verify_lock(line, path)
        print(MSG_LOCKED % (line, path, "written" if changed else "already in place"))
        if not listpath:
            return
        entries = locklist.entries_for({line: analysis.by_line(stack, catalog)[line]})
        note = "ROCm %s held by rocm-epel-notice" % (line,)
        old, new = locklist.update(listpath, lambda text: locklist.add_block(text, entries, note))
        print(MSG_VERSIONLOCKED % (line, listpath, len(entries),
                                   "written" if new != old else "already in place"))
        if locklist.undecodable(new):
            warn(MSG_UNDECODABLE, listpath)

    def _effective(self):
        """The settings as the files now say them (after our write)."""
        settings, _ = config.load(self.plugin.confdirs)
        return settings

    def _verify_lock(self, line, path):
        """A lock that a later file overrides, or that an approval lets a newer line
        through, is not a lock: say which file wins, and fail."""
        settings = self._effective()
        weaker = ["%s = %s in %s" % (key, getattr(settings, key), settings.origin.get(key, "?"))
                  for key in ("on_major", "on_minor") if getattr(settings, key) == policy.WARN]
        through = ["ROCm %s is approved in %s" % (l, ", ".join(settings.allowed_in.get(l, ["?"])))
                   for l in settings.allow if l > line]
        if weaker or through:
            raise dnf.exceptions.Error(MSG_LOCK_OVERRIDDEN % (
                path, line, "; ".join(weaker + through)))
        stricter = [key for key in ("on_major", "on_minor")
                    if getattr(settings, key) == policy.BLOCK]
        if stricter:
            print(MSG_LOCK_STRICTER % ", ".join("%s = block in %s" % (key, settings.origin[key])
                                                for key in stricter))

    def _run_unlock(self):
        path = self._dropin(dropins.LOCK_FILE)
        text = dropins.read(path)                  # everything checked before any change
        if text is not None and dropins.LOCK_MARKER not in text.splitlines():
            raise dropins.DropinError(dropins.MSG_NOT_OURS % (path, "lock"))
        listpath = locklist.configured_path(self.plugin.confdirs)
        if listpath:
            locklist.read(listpath)
        removed = []
        if dropins.remove(path, dropins.LOCK_MARKER, "lock"):
            removed.append(path)
        if listpath and files.exists(listpath):
            try:
                old, new = locklist.update(listpath, locklist.remove_block)
            except locklist.LockListError as error:
                raise dnf.exceptions.Error(MSG_UNLOCK_PARTLY % (
                    ", ".join(removed) or "nothing", error))
            if new != old:
                removed.append("our entries in %s" % listpath)
        print(MSG_UNLOCKED % ", ".join(removed) if removed else MSG_NOTHING_TO_UNLOCK)
        settings = self._effective()
        still = ["%s = lock in %s" % (key, settings.origin.get(key, "?"))
                 for key in ("on_major", "on_minor") if getattr(settings, key) == policy.LOCK]
        if still:
            print(MSG_STILL_LOCKED % "; ".join(still))

    def _run_allow(self):
        line = self._line()
        path = self._dropin(dropins.ALLOW_FILE)
        text = dropins.read(path)
        changed = dropins.write(path, dropins.with_allowed(text, dropins.approved(text) + [line]))
        print(MSG_ALLOWED % (line, path, "written" if changed else "already approved"))

    def _run_disallow(self):
        line = self._line()
        path = self._dropin(dropins.ALLOW_FILE)
        text = dropins.read(path)
        current = dropins.approved(text)
        if line not in current:
            elsewhere = self.plugin.settings.origin.get("allow", "")
            hint = (MSG_APPROVED_ELSEWHERE % elsewhere
                    if line in self.plugin.settings.allow and elsewhere else "")
            print(MSG_NOT_ALLOWED_HERE % (line, hint))
            return
        dropins.write(path, dropins.with_allowed(text, [l for l in current if l != line]))
        elsewhere = self._effective().allowed_in.get(line)
        if elsewhere:
            raise dnf.exceptions.Error(MSG_STILL_ALLOWED % (line, path, line, ", ".join(elsewhere)))
        print(MSG_DISALLOWED % (line, path))
