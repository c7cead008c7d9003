"""rocm_notice: tell dnf users when a transaction moves ROCm to another release line.

This module is only dnf glue: it reads dnf's state into plain records, hands them to the
``rocm_notice`` package (where every decision is made and tested) and turns the answer
back into log messages. A bug in here must never cost the user a traceback or a changed
transaction, so every hook fails open with one line.
"""

import logging
import os
import sys

import dnf
import dnf.transaction

logger = logging.getLogger("dnf.plugin")

MSG_INTERNAL = "rocm_notice: internal error: %s (transaction not affected)"
MSG_REPORT_BUG = "rocm_notice: internal error: %s (report not written)"
# Where the GPUs are read from: the machine's sysfs, not the installroot's.
SYSFS_ROOT_ENV = "ROCM_NOTICE_SYSFS_ROOT"

_OUT_ACTIONS = set(dnf.transaction.BACKWARD_ACTIONS) | {dnf.transaction.PKG_REINSTALLED}
_IN_ACTIONS = set(dnf.transaction.FORWARD_ACTIONS)


def _describe(error):
    text = str(error).strip().splitlines()
    return "%s: %s" % (type(error).__name__, text[0]) if text else type(error).__name__


def _record(pkg, details=False, requires=False):
    from rocm_notice.records import from_package
    return from_package(pkg, details, requires)


def _gpu_notes(findings, facts):
    """What the first upgrade crossing (or, with none, the first downgrade) means for
    this machine's AMD GPUs (if known)."""
    from rocm_notice import gpu
    first = findings.leading_upgrade or next(iter(findings.crossings), None)
    if first is None:
        return []
    targets = gpu.read_targets(os.environ.get(SYSFS_ROOT_ENV) or "/")
    return gpu.support_notes(targets, first.old_line, first.new_line, facts)


def _arrow():
    """'→' where stderr can show it, '->' elsewhere."""
    try:
        "\u2192".encode(sys.stderr.encoding or "ascii")
        return "\u2192"
    except (LookupError, UnicodeEncodeError):
        return "->"


class RocmNotice(dnf.Plugin):
    """Warn before dnf moves ROCm across a major or minor release."""

    name = "rocm_notice"

    def __init__(self, base, cli):
        super(RocmNotice, self).__init__(base, cli)
        self.settings = None
        self._catalog = None
        self._held = None
        self.in_command = False     # set by `dnf rocm`: our hooks then stay out of its way
        if cli is not None:         # registered here, so that enabled = 0 disables it too
            cli.register_command(type("RocmCommand", (RocmCommand,), {"plugin": self}))

    # -- hooks: guard clauses, then one call into the core --------------------------

    def config(self):
        try:
            self._load_config()
        except Exception as error:  # never a traceback in the user's dnf run
            logger.warning(MSG_INTERNAL, _describe(error))

    def sack(self):
        if self.settings is None or self.in_command or not self._resolving():
            return
        from rocm_notice import policy
        if not policy.has_lock(self.settings):
            return
        try:
            self._hold()
        except dnf.exceptions.Error:
            raise
        except Exception as error:  # a failed hold leaves the transaction as dnf sees it
            logger.warning(MSG_INTERNAL, _describe(error))

    def resolved(self):
        # No "not self.base.transaction" guard: dnf builds every item to answer it, and
        # the walk below costs nothing on an empty transaction.
        if self.settings is None or self.in_command:
            return
        try:
            self._check_transaction()
        except dnf.exceptions.Error:
            raise
        except Exception as error:
            from rocm_notice import notice, policy
            if policy.has_block(self.settings):   # the admin chose safety: fail closed
                raise dnf.exceptions.Error(notice.FAIL_CLOSED % _describe(error))
            logger.warning(MSG_INTERNAL, _describe(error))

    # -- helpers -------------------------------------------------------------------

    def _setopts(self):
        """``--setopt=rocm_notice.KEY=VALUE``: dnf 4 files these under repo options."""
        opts = getattr(getattr(self.cli, "command", None), "opts", None)
        ours = (getattr(opts, "repo_setopts", None) or {}).get(self.name, {})
        return {key: values[-1] for key, values in ours.items() if values}

    def _load_config(self):
        from rocm_notice import config
        self.confdirs = list(self.base.conf.pluginconfpath)
        self.settings, problems = config.load(self.confdirs, self._setopts())
        for problem in problems:
            logger.warning(problem)

    def catalog(self):
        if self._catalog is None:
            from rocm_notice.catalog import Catalog
            self._catalog = Catalog.load(self.settings.include, self.settings.exclude)
        return self._catalog

    def _walk(self, catalog):
        """One walk of the transaction: its ROCm-related items as records, and the
        incoming packages (hawkey objects) split into ROCm-related and others."""
        kind = catalog.kind
        rocm, incoming_other = [], []
        for tsi in self.base.transaction:
            action = tsi.action
            incoming = action in _IN_ACTIONS
            if not incoming and action not in _OUT_ACTIONS:
                continue
            pkg = tsi.pkg
            if kind(pkg.name) is not None:
                rocm.append((incoming, tsi.action_name, pkg))
            elif incoming:
                incoming_other.append(pkg)
        if not rocm:        # the common case: the records module is not even imported
            return [], [], incoming_other
        from rocm_notice.records import IN, OUT, Item
        items = [Item(IN if incoming else OUT, action_name, _record(pkg, details=True))
                 for incoming, action_name, pkg in rocm]
        return items, [pkg for incoming, _, pkg in rocm if incoming], incoming_other

    def _consumers(self, incoming_rocm, incoming_other):
        """Incoming packages of others with a requirement named by what the incoming ROCm
        packages provide (the core then checks the sonames). Read here in Python: hawkey's
        requires= filter scans the whole pool, 24 ms over 20,000 packages."""
        from rocm_notice.records import provided_names
        provided = provided_names(incoming_rocm)
        found = []
        for pkg in incoming_other:
            if any(str(dep).split(" ", 1)[0] in provided for dep in pkg.requires):
                found.append(_record(pkg, requires=True))
        return found

    def _resolving(self):
        """Holds apply where dnf resolves (upgrade, install, distro-sync, dnf-automatic,
        API users), not to list or repoquery, which should show what exists."""
        return self.cli is None or bool(getattr(self.cli.demands, "resolving", False))

    def _context(self, findings=None, catalog=None):
        from rocm_notice import config, notice
        facts, notes = {}, {}
        if findings:                     # a hold or a block needs no release facts
            from rocm_notice import known
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
            gpu_notes=_gpu_notes(findings, facts) if findings else [])

    def _hold(self):
        from rocm_notice import hold, notice
        held, excluded = hold.plan(self.base.sack, self.catalog(), self.settings)
        if held is None:
            return
        line, context = notice.hold_line(held), self._context()
        self.base.sack.add_excludes(excluded)     # the one change, once all else is ready
        self._held = held
        logger.warning(line)
        self._report("hold", context)

    def installed_stack(self, catalog, details=True):
        """Installed packages the catalog knows (ROCm, compat, AMD), as records."""
        return [_record(pkg, details=details)
                for pkg in catalog.narrow(self.base.sack.query().installed())
                if catalog.kind(pkg.name) is not None]

    def findings(self):
        """Findings for the resolved transaction (None when it has no ROCm package)."""
        catalog = self.catalog()
        items, incoming_rocm, incoming_other = self._walk(catalog)
        if not items:
            return None
        from rocm_notice import analysis
        return analysis.analyse(items, self.installed_stack(catalog), catalog,
                                lambda: self._consumers(incoming_rocm, incoming_other))

    def _check_transaction(self):
        findings = self.findings()
        if findings is None or not findings.notable:
            return
        from rocm_notice import notice, policy
        catalog = self.catalog()
        blocked = policy.blocked(findings, self.settings)
        if blocked:
            context = self._context()
            self._report("block", context, findings, blocked)
            raise dnf.exceptions.Error(notice.block_message(blocked, context))
        context = self._context(findings, catalog)
        logger.warning("\n".join(notice.lines(findings, context)))
        self._report("warn", context, findings)

    def _report(self, decision, context, findings=None, blocked=()):
        """Record the decision for monitoring; a failure to write costs one line, and so
        does a bug in here: the decision itself (a hold made, a block to raise) stands."""
        if not self.settings.report:        # report = none
            return
        try:
            from rocm_notice import report
            data = report.build(decision, context, getattr(self.cli, "cmdstring", "") or "",
                                findings, self._held, blocked)
            problem = report.write(report.path_in_root(self.settings.report,
                                                       self.base.conf.installroot), data)
        except Exception as error:
            problem = MSG_REPORT_BUG % _describe(error)
        if problem:
            logger.warning(problem)

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

SUBCOMMANDS = ("status", "check", "lock", "unlock", "allow", "disallow")
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
MSG_LOCKED = "ROCm held at %s by %s (%s)"
MSG_VERSIONLOCKED = "versionlock entries for ROCm %s in %s: %d (%s)"
MSG_UNDECODABLE = ("rocm_notice: %s has bytes that are not UTF-8: the versionlock plugin "
                   "cannot read it and applies no lock at all, ours included")
MSG_UNLOCKED = "removed: %s"
MSG_NOTHING_TO_UNLOCK = "nothing to unlock: no file or entries written by 'dnf rocm lock'"
MSG_ALLOWED = "ROCm %s approved in %s (%s)"
MSG_DISALLOWED = "ROCm %s no longer approved in %s"
MSG_NOT_ALLOWED_HERE = ("ROCm %s is not approved by 'dnf rocm allow'%s; nothing changed")
MSG_APPROVED_ELSEWHERE = " (it is approved in %s: edit that file)"


class RocmCommand(dnf.cli.Command):
    """dnf rocm [status|check|lock|unlock|allow X.Y|disallow X.Y] [--json] [--versionlock]"""

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
                 "allow / disallow X.Y: approve a release line")
        parser.add_argument("release", nargs="?", metavar="X.Y",
                            help="release line for allow and disallow")
        parser.add_argument("--json", action="store_true",
                            help="status and check: print one JSON object (\"schema\": 1)")
        parser.add_argument("--versionlock", action="store_true",
                            help="lock: also write entries into the versionlock plugin's list")

    def configure(self):
        opts, sub = self.opts, self.opts.subcommand
        for given, meant_for, shown in ((opts.json, ("status", "check"), "--json"),
                                        (opts.versionlock, ("lock",), "--versionlock"),
                                        (opts.release, ("allow", "disallow"), opts.release)):
            if given and sub not in meant_for:
                raise dnf.exceptions.Error(MSG_NOT_FOR % (shown, sub))
        self.plugin.in_command = True
        demands = self.cli.demands
        if self.opts.subcommand in ("status", "check", "lock"):
            demands.sack_activation = True
            demands.available_repos = self.opts.subcommand != "lock"
        if self.opts.subcommand in WRITES:
            demands.root_user = True
        if self.opts.json:       # stdout is for the JSON object alone
            self.cli.redirect_logger(stdout=logging.WARNING, stderr=logging.INFO)
            self.cli.redirect_repo_progress()

    def run(self):
        if self.plugin.settings is None:
            raise dnf.exceptions.Error(MSG_NO_CONFIG)
        from rocm_notice import dropins, locklist
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
        from rocm_notice import releases
        if not self.opts.release:
            raise dnf.exceptions.Error(MSG_NEEDS_LINE % self.opts.subcommand)
        line = releases.parse_line(self.opts.release)
        if line is None:
            raise dnf.exceptions.Error(MSG_BAD_LINE % self.opts.release)
        return line

    def _dropin(self, name):
        from rocm_notice import config
        return os.path.join(config.dropin_dir(self.plugin.confdirs[0]), name)

    def _run_status(self):
        from rocm_notice import gpu, hold, known, locklist, policy, report, status
        plugin, settings = self.plugin, self.plugin.settings
        catalog = plugin.catalog()
        installed = plugin.installed_stack(catalog, details=False)
        available = [_record(pkg) for pkg in catalog.narrow(self.base.sack.query().available())
                     if catalog.kind(pkg.name)]
        held = (hold.plan(self.base.sack, catalog, settings)[0]    # shown, not applied
                if policy.has_lock(settings) else None)
        listed = None
        path = locklist.configured_path(plugin.confdirs)
        if path:
            text = locklist.read(path)
            problem = MSG_UNDECODABLE % path if locklist.undecodable(text) else ""
            listed = {"list": path, "entries": locklist.our_entries(text), "problem": problem}
        targets = gpu.read_targets(os.environ.get(SYSFS_ROOT_ENV) or "/")
        last = (report.path_in_root(settings.report, self.base.conf.installroot)
                if settings.report else "")
        data = status.build(installed, available, catalog, settings, held, listed, targets,
                            known.load(), last if last and os.path.exists(last) else "")
        self._print(data, status.text(data))

    def _run_check(self):
        from rocm_notice import policy, status
        try:
            self.base.upgrade_all()
            self.base.resolve()
        except dnf.exceptions.Error as error:
            logger.error(MSG_UNRESOLVABLE, _describe(error))
            self.cli.demands.success_exit_status = policy.CHECK_UNKNOWN
            if self.opts.json:
                whole = "%s: %s" % (type(error).__name__, " ".join(str(error).split()))
                self._print(status.check_object(policy.CHECK_UNKNOWN, [], whole), "")
            return
        from rocm_notice.analysis import Findings
        findings = self.plugin.findings() or Findings()
        code, actions = policy.check(findings, self.plugin.settings)
        self._print(status.check_object(code, actions),
                    status.check_text(code, actions, _arrow()))
        self.cli.demands.success_exit_status = code

    def _run_lock(self):
        from rocm_notice import analysis, catalog as cat, dropins, locklist
        catalog = self.plugin.catalog()
        stack = [p for p in self.plugin.installed_stack(catalog, details=False)
                 if catalog.kind(p.name) in (cat.ROCM, cat.AMD)]
        line = analysis.main_line(stack, catalog)
        if line is None:
            raise dnf.exceptions.Error(MSG_NO_ROCM)
        listpath = None
        if self.opts.versionlock:       # checked before anything is written
            listpath = locklist.configured_path(self.plugin.confdirs)
            if not listpath:
                raise dnf.exceptions.Error(MSG_NO_VERSIONLOCK
                                           % ", ".join(self.plugin.confdirs))
        path = self._dropin(dropins.LOCK_FILE)
        changed = dropins.write(path, dropins.LOCK_TEXT)
        print(MSG_LOCKED % (line, path, "written" if changed else "already in place"))
        if not listpath:
            return
        entries = locklist.entries_for({line: analysis.by_line(stack, catalog)[line]})
        note = "ROCm %s held by rocm-epel-notice" % (line,)
        old, new = locklist.update(listpath, lambda text: locklist.add_block(text, entries, note))
        print(MSG_VERSIONLOCKED % (line, listpath, len(entries),
                                   "written" if new != old else "already in place"))
        if locklist.undecodable(new):
            logger.warning(MSG_UNDECODABLE, listpath)

    def _run_unlock(self):
        from rocm_notice import dropins, locklist
        removed = []
        path = self._dropin(dropins.LOCK_FILE)
        if dropins.remove(path, dropins.LOCK_MARKER, "lock"):
            removed.append(path)
        listpath = locklist.configured_path(self.plugin.confdirs)
        if listpath and os.path.exists(listpath):
            old, new = locklist.update(listpath, locklist.remove_block)
            if new != old:
                removed.append("our entries in %s" % listpath)
        print(MSG_UNLOCKED % ", ".join(removed) if removed else MSG_NOTHING_TO_UNLOCK)

    def _run_allow(self):
        from rocm_notice import dropins
        line = self._line()
        path = self._dropin(dropins.ALLOW_FILE)
        text = dropins.read(path)
        changed = dropins.write(path, dropins.with_allowed(text, dropins.approved(text) + [line]))
        print(MSG_ALLOWED % (line, path, "written" if changed else "already approved"))

    def _run_disallow(self):
        from rocm_notice import dropins
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
        print(MSG_DISALLOWED % (line, path))
