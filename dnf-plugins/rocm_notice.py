"""rocm_notice: tell dnf users when a transaction moves ROCm to another release line.

This module is only dnf glue: it reads dnf's state into plain records, hands them to the
``rocm_notice`` package (where every decision is made and tested) and turns the answer
back into log messages. A bug in here must never cost the user a traceback or a changed
transaction, so every hook fails open with one line.
"""

import logging
import os
import signal
import sys
import threading

import dnf
import dnf.cli          # API users (Ansible, scripts) load plugins before, or without, it
import dnf.transaction

logger = logging.getLogger("dnf.plugin")

MSG_INTERNAL = "rocm_notice: internal error: %s (transaction not affected)"
MSG_REPORT_BUG = "rocm_notice: internal error: %s (report not written)"
MSG_INTERNAL_HELD = "rocm_notice: internal error: %s (ROCm held by policy all the same)"
# The decisions, at debug level: dnf.log keeps them (as versionlock's), the terminal not.
DEBUG_HELD = "rocm_notice: decision: hold ROCm at %s, not %s (%s); exclude %d: %s"
DEBUG_REFUSED = "rocm_notice: decision: refuse the transaction (%s): %s"
DEBUG_WARNED = "rocm_notice: decision: warn and let through: %s"
DEBUG_UNKNOWN = "rocm_notice: decision: release line unreadable, let through under warn: %s"
# Where the GPUs are read from: the machine's sysfs, not the installroot's.
SYSFS_ROOT_ENV = "ROCM_NOTICE_SYSFS_ROOT"

_OUT_ACTIONS = set(dnf.transaction.BACKWARD_ACTIONS) | {dnf.transaction.PKG_REINSTALLED}
_IN_ACTIONS = set(dnf.transaction.FORWARD_ACTIONS)


def _stderr_gone():
    """True when standard error is a pipe whose reader has gone (poll says POLLERR)."""
    try:
        import select
        poller = select.poll()
        poller.register(sys.stderr.fileno(), select.POLLOUT)
        return any(events & (select.POLLERR | select.POLLHUP) for _, events in poller.poll(0))
    except (AttributeError, OSError, ValueError):
        return False


def _say(level, message, *args):
    """Log one of our lines. A reader of stderr that has gone away (a dead logger, a
    closed journal stream) must not kill dnf: dnf restores SIGPIPE's default action, so
    the write would end the process mid-run, and a failed write left in the stream's
    buffer would end it at dnf's next write. So the line then goes to dnf.log only (at
    debug level, which dnf does not show), and while we write SIGPIPE is ignored."""
    if _stderr_gone():
        logger.debug(message, *args)
        return
    if threading.current_thread() is not threading.main_thread():
        logger.log(level, message, *args)
        return
    previous = signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    try:
        logger.log(level, message, *args)
    finally:
        signal.signal(signal.SIGPIPE, previous)


def _warn(message, *args):
    _say(logging.WARNING, message, *args)


def _describe(error):
    """One line for the user about ``error``; its traceback goes to dnf.log at debug level
    (never to the terminal), so a bug report can carry more than that one line."""
    logger.debug("rocm_notice: traceback of %s", type(error).__name__, exc_info=error)
    text = str(error).strip().splitlines()
    return "%s: %s" % (type(error).__name__, text[0]) if text else type(error).__name__


def _record(pkg, details=False, requires=False):
    from rocm_epel_notice.records import from_package
    return from_package(pkg, details, requires)


def _gpu_notes(findings, facts):
    """What the first upgrade crossing (or, with none, the first downgrade) means for
    this machine's AMD GPUs (if known)."""
    from rocm_epel_notice import gpu
    first = findings.leading_upgrade or next(iter(findings.crossings), None)
    if first is None:
        return []
    targets = gpu.read_targets(os.environ.get(SYSFS_ROOT_ENV) or "/")
    return gpu.support_notes(targets, first.old_line, first.new_line, facts)


def _arrow():
    from rocm_epel_notice import notice
    return notice.arrow(sys.stderr)


def _moves(crossings):
    return "; ".join("%s -> %s (%s, %d packages)" % (c.old_line, c.new_line, c.kind,
                                                      len(c.changes)) for c in crossings)


class RocmNotice(dnf.Plugin):
    """Warn before dnf moves ROCm across a major or minor release."""

    name = "rocm_notice"

    def __init__(self, base, cli):
        super(RocmNotice, self).__init__(base, cli)
        self._settings = None
        self._settings_read = False
        self.confdirs = []
        self._catalog = None
        self._held = None
        self._hold_failed = ""
        self._written = None        # the report this run wrote (its data)
        self.in_command = False     # set by `dnf rocm`: our hooks then stay out of its way
        if cli is not None:         # registered here, so that enabled = 0 disables it too
            cli.register_command(type("RocmCommand", (RocmCommand,), {"plugin": self}))

    # -- hooks: guard clauses, then one call into the core --------------------------

    def config(self):
        """Nothing to do yet: the files are read when a hook first needs them (see
        ``settings``), so a command that only looks (list, info, repoquery) pays nothing."""

    @property
    def settings(self):
        return self.read_settings()

    def read_settings(self):
        """The settings, read on first use, once per run: their problems are reported then,
        once. None when reading them failed (a bug: one line, and our hooks stay out)."""
        if not self._settings_read:
            self._settings_read = True
            try:
                self._load_config()
            except Exception as error:  # never a traceback in the user's dnf run
                _warn(MSG_INTERNAL, _describe(error))
        return self._settings

    def sack(self):
        if self.in_command or not self._resolving() or self.settings is None:
            return
        if not self.settings.has_lock:
            return
        try:
            self._hold()
        except dnf.exceptions.Error:
            raise
        except Exception as error:  # nothing is excluded; resolved() refuses what crosses
            self._hold_failed = _describe(error)
            _warn(MSG_INTERNAL, self._hold_failed)

    def resolved(self):
        # No "not self.base.transaction" guard: dnf builds every item to answer it, and
        # the walk below costs nothing on an empty transaction.
        if self.in_command or self.settings is None:
            return
        try:
            self._check_transaction()
        except dnf.exceptions.Error:
            raise
        except Exception as error:
            from rocm_epel_notice import notice, policy
            strictest = policy.strictest(self.settings)
            if strictest != policy.WARN:       # the admin chose safety: fail closed
                raise dnf.exceptions.Error(notice.FAIL_CLOSED % (
                    _describe(error), notice.keys_for(self.settings, (strictest,))))
            _warn(MSG_INTERNAL, _describe(error))

    def transaction(self):
        """The rpm transaction completed: the report says so (``applied``)."""
        if self._written is None or self.in_command:
            return
        try:
            from rocm_epel_notice import report
            problem = report.write(self.settings.report, report.applied(self._written),
                                   self.base.conf.installroot)
        except Exception as error:
            problem = MSG_REPORT_BUG % _describe(error)
        if problem:
            _warn(problem)

    # -- helpers -------------------------------------------------------------------

    def _setopts(self):
        """``--setopt=rocm_notice.KEY=VALUE``: dnf 4 files these under repo options."""
        opts = getattr(getattr(self.cli, "command", None), "opts", None)
        ours = (getattr(opts, "repo_setopts", None) or {}).get(self.name, {})
        return {key: values[-1] for key, values in ours.items() if values}

    def _load_config(self):
        from rocm_epel_notice import config
        self.confdirs = list(self.base.conf.pluginconfpath)
        self._settings, problems = config.load(self.confdirs, self._setopts())
        for problem in problems:
            _warn(problem)

    def catalog(self):
        if self._catalog is None:
            from rocm_epel_notice.catalog import Catalog
            self._catalog = Catalog.load(self.settings.include, self.settings.exclude)
        return self._catalog

    def _walk(self, catalog):
        """One walk of the transaction: its ROCm-related items as records, and the
        incoming packages (hawkey objects) split into ROCm-related and others."""
        kind = catalog.kind
        rocm, incoming_other, obsoleted = [], [], False
        for tsi in self.base.transaction:
            action = tsi.action
            incoming = action in _IN_ACTIONS
            if not incoming and action not in _OUT_ACTIONS:
                continue
            pkg = tsi.pkg
            if kind(pkg.name, pkg.sourcerpm) is not None:
                rocm.append((incoming, tsi.action_name, pkg))
                obsoleted = obsoleted or action == dnf.transaction.PKG_OBSOLETED
            elif incoming:
                incoming_other.append(pkg)
        if not rocm:        # the common case: no record is even made
            return [], [], incoming_other
        if obsoleted:       # whatever replaces a ROCm package takes its place
            replacing = [pkg for pkg in incoming_other if pkg.obsoletes]
            rocm += [(True, "obsolete", pkg) for pkg in replacing]
            incoming_other = [pkg for pkg in incoming_other if not pkg.obsoletes]
        from rocm_epel_notice.records import IN, OUT, Item
        items = [Item(IN if incoming else OUT, action_name, _record(pkg, details=True))
                 for incoming, action_name, pkg in rocm]
        return items, [pkg for incoming, _, pkg in rocm if incoming], incoming_other

    def _consumers(self, incoming_rocm, incoming_other):
        """Incoming packages of others with a requirement named by what the incoming ROCm
        packages provide (the core then checks the sonames). Read here in Python: hawkey's
        requires= filter scans the whole pool, 24 ms over 20,000 packages."""
        from rocm_epel_notice.records import provided_names
        provided = provided_names(incoming_rocm)
        found = []
        for pkg in incoming_other:
            if any(str(dep).split(" ", 1)[0] in provided for dep in pkg.requires):
                found.append(_record(pkg, requires=True))
        return found

    def _resolving(self):
        """Holds apply where dnf resolves (upgrade, install, distro-sync, dnf-automatic,
        API users) and where a command asks for plugins' filters (check-update), not to
        list or repoquery, which should show what exists. As versionlock decides."""
        if self.cli is None:
            return True
        filtering = getattr(self.cli.demands, "plugin_filtering_enabled", None)
        if filtering is None:
            filtering = getattr(self.cli.demands, "resolving", False)
        return bool(filtering)

    def _context(self, findings=None, catalog=None):
        from rocm_epel_notice import config, notice
        facts, notes = {}, {}
        if findings:                     # a hold or a block needs no release facts
            from rocm_epel_notice import known
            facts = known.load()
            notes = known.notes_urls(facts)
        confdir = self.confdirs[0] if self.confdirs else ""
        return notice.Context(
            config_path=config.main_file(confdir) if confdir else "",
            dropin_dir=config.dropin_dir(confdir) if confdir else "",
            assumeyes=bool(self.base.conf.assumeyes),
            releasever=getattr(self.base.conf, "releasever", "") or "",
            releasever_minor=(getattr(self.base.conf, "releasever_minor", None)  # RHEL 10, 4.23
                              or self.base.conf.substitutions.get("releasever_minor") or ""),
            arrow=_arrow(),
            notes=notes,
            compat=self._available_compat(findings, catalog) if findings else {},
            gpu_notes=_gpu_notes(findings, facts) if findings else [],
            broken=self.quick_scan(findings) if findings else None)

    def _hold(self):
        from rocm_epel_notice import hold, notice, report
        held, excluded = hold.plan(self.base.sack, self.catalog(), self.settings)
        if held is None:
            return
        try:                # a bug in the message must not lift a lock: hold all the same
            line, context = notice.hold_line(held), self._context()
        except Exception as error:
            line, context = MSG_INTERNAL_HELD % _describe(error), None
        self.base.sack.add_excludes(excluded)     # the one change, once it is all worked out
        self._held = held
        logger.debug(DEBUG_HELD, held.line, ", ".join(str(t) for t in held.targets) or "?",
                     ", ".join(held.keys), held.count,
                     notice.names(held.rocm + held.dependents, 20))
        _warn(line)
        self._to_syslog(line)
        if context is not None:
            self._report(report.HOLD, context)

    def installed_stack(self, catalog, details=True):
        """Installed packages the catalog knows (ROCm, compat, AMD), as records."""
        return [_record(pkg, details=details)
                for pkg in catalog.narrow(self.base.sack.query().installed())
                if catalog.kind(pkg.name, pkg.sourcerpm) is not None]

    def findings(self):
        """Findings for the resolved transaction (None when it has no ROCm package)."""
        catalog = self.catalog()
        items, incoming_rocm, incoming_other = self._walk(catalog)
        if not items:
            return None
        from rocm_epel_notice import analysis
        return analysis.analyse(items, self.installed_stack(catalog), catalog,
                                lambda: self._consumers(incoming_rocm, incoming_other))

    def _check_transaction(self):
        findings = self.findings()
        if findings is None:
            return
        from rocm_epel_notice import analysis, policy
        catalog = self.catalog()
        line = analysis.main_line_of(findings)
        refused = policy.refusal(findings, self.settings, line)
        if refused is None and not findings.notable and not findings.unknown:
            return          # the everyday case: patch updates inside the installed line
        from rocm_epel_notice import notice, report
        if refused is not None:
            logger.debug(DEBUG_REFUSED, refused.reason, _moves(refused.crossings)
                         or notice.names(sorted({p.name for p in refused.packages})))
            context = self._context()
            self._report(report.BLOCK, context, findings, refused.crossings)
            message = notice.refusal_message(refused, context, self.settings, self._hold_failed)
            self._to_syslog(message, error=True)
            raise dnf.exceptions.Error(message)
        if findings.notable:
            logger.debug(DEBUG_WARNED, _moves(findings.crossings) or "mixed ROCm stacks")
            context = self._context(findings, catalog)
            text = "\n".join(notice.lines(findings, context))
            _warn(text)
            self._to_syslog(text)
            self._report(report.WARN, context, findings)
        if findings.unknown:
            logger.debug(DEBUG_UNKNOWN, notice.names(sorted({p.name for p in findings.unknown})))
            text = notice.unknown_line(findings)
            _warn(text)
            self._to_syslog(text)

    def _via_api(self):
        """No dnf command line: Ansible's dnf module, dnf-automatic, a script."""
        return not getattr(self.cli, "cmdstring", "")

    def _to_syslog(self, text, error=False):
        """Under the dnf API our lines would reach only dnf.log: send them to the system
        log too. Never raises: this is an extra channel."""
        if not self._via_api():
            return
        try:
            from rocm_epel_notice import journal
            journal.send(text, journal.ERROR if error else journal.WARNING)
        except Exception as failure:
            logger.debug("rocm_notice: system log not written: %s", _describe(failure))

    def _report(self, decision, context, findings=None, blocked=()):
        """Record the decision for monitoring; a failure to write costs one line, and so
        does a bug in here: the decision itself (a hold made, a block to raise) stands."""
        if not self.settings.report:        # report = none
            return
        try:
            from rocm_epel_notice import report
            command = getattr(self.cli, "cmdstring", "") or ""
            data = report.build(decision, context, command, findings, self._held, blocked)
            report.describe_run(data, command, (getattr(sys, "argv", None) or [""])[0])
            problem = report.write(self.settings.report, data, self.base.conf.installroot)
            self._written = None if problem else data
        except Exception as error:
            problem = MSG_REPORT_BUG % _describe(error)
        if problem:
            _warn(problem)

    def quick_scan(self, findings):
        """The programs on disk the upgrade breaks, as far as a scan of scan_paths finds
        them within notice_scan_seconds (scanreport.brief), or None: no upgrade crossing
        that removes a soname, the scan turned off, or a failure (never the user's)."""
        seconds = self.settings.notice_scan_seconds
        if not (findings.lost_sonames and findings.leading_upgrade and seconds > 0):
            return None
        try:
            from rocm_epel_notice import scan, scanreport
            result, problem = scan.quick(findings.lost_sonames, self.settings.scan_paths,
                                         seconds, self.base.conf.installroot or "/")
            if problem:
                logger.debug("rocm_notice: scan cache not written: %s", problem)
            return scanreport.brief(result)
        except Exception as error:
            logger.debug("rocm_notice: quick scan failed: %s", _describe(error))
            return None

    def _available_compat(self, findings, catalog):
        """{old line: compat package names the enabled repos offer for what moves}."""
        offered = {}
        for crossing in findings.crossings:
            wanted = {catalog.compat_name(c.old.name, crossing.old_line)
                      for c in crossing.changes if c.old is not None}
            wanted.discard(None)
            if wanted:
                found = self.base.sack.query().available().filter(name=sorted(wanted))
                names = sorted({pkg.name for pkg in found})
                if names:
                    offered.setdefault(crossing.old_line, names)
        return offered


# -- `dnf rocm`: the command ------------------------------------------------------------

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


class RocmCommand(dnf.cli.Command):
    """dnf rocm [status|check|lock|unlock|allow X.Y|disallow X.Y|scan [PATH ...]] [--json]
    [--versionlock] [--save FILE] [--metrics DIR] [--motd FILE]"""

    aliases = ("rocm",)
    summary = "show, check, hold or approve ROCm release lines (rocm-epel-notice)"
    plugin = None   # the RocmNotice instance of this run, bound when registered

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
        from rocm_epel_notice import dropins, locklist
        try:
            getattr(self, "_run_" + self.opts.subcommand)()
        except (dropins.DropinError, locklist.LockListError) as error:
            raise dnf.exceptions.Error("rocm_notice: %s" % error)
        except dnf.exceptions.Error:
            raise
        except Exception as error:   # a bug of ours: one line, never a traceback
            raise dnf.exceptions.Error(MSG_COMMAND_BUG % _describe(error))

    # -- subcommands ------------------------------------------------------------------

    def _print(self, data, text):
        import json
        print(json.dumps(data, indent=2, sort_keys=True) if self.opts.json else text)

    def _line(self):
        from rocm_epel_notice import releases
        if not self.opts.release:
            raise dnf.exceptions.Error(MSG_NEEDS_LINE % self.opts.subcommand)
        line = releases.parse_line(self.opts.release)
        if line is None:
            raise dnf.exceptions.Error(MSG_BAD_LINE % self.opts.release)
        return line

    def _dropin(self, name):
        from rocm_epel_notice import config
        return os.path.join(config.dropin_dir(self.plugin.confdirs[0]), name)

    def _versionlock_status(self):
        """Our entries in the versionlock list, or None; a list we cannot read is one
        line of the status, not a failed command."""
        from rocm_epel_notice import locklist
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
        from rocm_epel_notice import files, gpu, hold, known, policy, report, status
        plugin, settings = self.plugin, self.plugin.settings
        catalog = plugin.catalog()
        catalog.learn(self.base.sack.query().installed())   # every installed source, once
        installed = plugin.installed_stack(catalog, details=False)
        available = [_record(pkg) for pkg in catalog.narrow(self.base.sack.query().available())
                     if catalog.kind(pkg.name, pkg.sourcerpm)]
        held = (hold.plan(self.base.sack, catalog, settings)[0]    # shown, not applied
                if policy.has_lock(settings) else None)
        listed = self._versionlock_status()
        targets = gpu.read_targets(os.environ.get(SYSFS_ROOT_ENV) or "/")
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
        from rocm_epel_notice import policy, status
        try:
            code, actions, findings = self._evaluate()
        except _Unknown as unknown:
            reason = str(unknown)
        except dnf.exceptions.Error as error:
            reason = "%s: %s" % (type(error).__name__, " ".join(str(error).split()))
        except Exception as error:   # a bug of ours is "could not tell" too
            reason = "internal error: %s" % _describe(error)
        else:
            why = policy.uncertain(findings, self.plugin.settings)
            data = status.check_object(code, actions, why, findings.unknown,
                                       allowed=self.plugin.settings.allow,
                                       broken=self.plugin.quick_scan(findings))
            self._print(data, status.check_text(code, actions, _arrow(), why))
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
        """--save, --metrics, --motd (what the daily timer leaves for monitoring and the
        login banner): each a file written atomically; a failure costs one line and
        leaves the exit status as the check found it."""
        import time
        from rocm_epel_notice import metrics, motd, report
        problems = []
        try:
            if self.opts.save:
                problems.append(report.write(self.opts.save, data))
            if self.opts.metrics:
                allowed = self.plugin.settings.allow if self.plugin.settings else ()
                problems.append(metrics.write(self.opts.metrics, metrics.text(
                    code, actions, self._installed_line(), time.time(), allowed)))
            if self.opts.motd:
                problems.append(motd.update(self.opts.motd, code, actions))
        except Exception as error:   # a bug of ours: one line, the answer stands
            problems.append(MSG_COMMAND_BUG % _describe(error))
        for problem in problems:
            if problem:
                logger.error(problem)

    def _installed_line(self):
        """The installed release line as text: "none" without ROCm, "unknown" when the
        installed packages could not be read."""
        from rocm_epel_notice import analysis
        try:
            catalog = self.plugin.catalog()
            line = analysis.main_line(self.plugin.installed_stack(catalog, details=False),
                                      catalog)
        except Exception:
            return "unknown"
        return str(line) if line is not None else "none"

    def _evaluate(self):
        from rocm_epel_notice import policy
        from rocm_epel_notice.analysis import Findings
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
        findings = self.plugin.findings() or Findings()
        return policy.check(findings, settings) + (findings,)

    def _run_scan(self):
        """Exit 0 (nothing found), 1 (programs found that break), 3 (could not tell:
        the scan stopped at its deadline, or could not run). What the pending upgrade
        removes comes from the same analysis as the notice; when that cannot be told
        (no repositories), what is missing now is still scanned for."""
        from rocm_epel_notice import policy, scan, scanreport
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
                else "internal error: %s" % _describe(error)
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
            findings = self.plugin.findings()
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
        from rocm_epel_notice import analysis
        catalog = self.plugin.catalog()
        provided, rocm = set(), set()
        for pkg in self.base.sack.query().installed():
            names = {name for dep in pkg.provides for name in [analysis.soname(str(dep))]
                     if name}
            provided |= names
            if names and catalog.kind(pkg.name, pkg.sourcerpm) is not None:
                rocm |= names
        from rocm_epel_notice.scan import stem
        return provided, {stem(name) for name in rocm}

    def _fill_sack(self):
        """Load the metadata here, not through demands, so that dnf's repository errors
        are ours to answer; a repository dnf skips (skip_if_unavailable) is one too."""
        enabled = [repo.id for repo in self.base.repos.iter_enabled()]
        self.base.fill_sack(load_system_repo="auto", load_available_repos=True)
        skipped = [repoid for repoid in enabled if not self.base.repos[repoid].enabled]
        if skipped:
            raise _Unknown(MSG_REPOS_SKIPPED % ", ".join(skipped))

    def _run_lock(self):
        from rocm_epel_notice import analysis, catalog as cat, dropins, locklist
        catalog = self.plugin.catalog()
        catalog.learn(self.base.sack.query().installed())   # new subpackages get entries too
        stack = [p for p in self.plugin.installed_stack(catalog, details=False)
                 if catalog.kind_of(p) in (cat.ROCM, cat.AMD)]
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
            _warn(MSG_UNDECODABLE, listpath)

    def _effective(self):
        """The settings as the files now say them (after our write)."""
        from rocm_epel_notice import config
        settings, _ = config.load(self.plugin.confdirs)
        return settings

    def _verify_lock(self, line, path):
        """A lock that a later file overrides, or that an approval lets a newer line
        through, is not a lock: say which file wins, and fail."""
        from rocm_epel_notice import policy
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
        from rocm_epel_notice import dropins, files, locklist, policy
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
        from rocm_epel_notice import dropins
        line = self._line()
        path = self._dropin(dropins.ALLOW_FILE)
        text = dropins.read(path)
        changed = dropins.write(path, dropins.with_allowed(text, dropins.approved(text) + [line]))
        print(MSG_ALLOWED % (line, path, "written" if changed else "already approved"))

    def _run_disallow(self):
        from rocm_epel_notice import dropins
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
