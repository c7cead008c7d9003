"""rocm_notice: tell dnf users when a transaction moves ROCm to another release line.

This module is only dnf glue: it reads dnf's state into plain records, hands them to the
``rocm_epel_notice`` package (where every decision is made and tested) and turns the
answer back into log messages. A bug in here must never cost the user a traceback or a
changed transaction, so every hook fails open with one line. The `dnf rocm` command lives
in ``rocm_epel_notice.dnf4_command``, loaded only when it runs.

dnf loads this module in every run, `dnf list` and `dnf info` too: the core's modules are
imported inside the functions that need them, so that a run pays only for what it uses
(nothing for a command that only looks, the catalog alone for a transaction without ROCm).
"""

import logging
import sys

import dnf
import dnf.cli          # API users (Ansible, scripts) load plugins before, or without, it
import dnf.transaction

MSG_INTERNAL = "rocm_notice: internal error: %s (transaction not affected)"
MSG_REPORT_BUG = "rocm_notice: internal error: %s (report not written)"
MSG_INTERNAL_HELD = "rocm_notice: internal error: %s (ROCm held by policy all the same)"
# The decisions, at debug level: dnf.log keeps them (as versionlock's), the terminal not.
DEBUG_HELD = "rocm_notice: decision: hold ROCm at %s, not %s (%s); exclude %d: %s"
DEBUG_REFUSED = "rocm_notice: decision: refuse the transaction (%s): %s"
DEBUG_WARNED = "rocm_notice: decision: warn and let through: %s"
DEBUG_UNKNOWN = "rocm_notice: decision: release line unreadable, let through under warn: %s"

_OUT_ACTIONS = set(dnf.transaction.BACKWARD_ACTIONS) | {dnf.transaction.PKG_REINSTALLED}
_IN_ACTIONS = set(dnf.transaction.FORWARD_ACTIONS)


def _warn(message, *args):
    from rocm_epel_notice import dnf4_common    # only runs with something to say load it
    dnf4_common.warn(message, *args)


def _describe(error):
    from rocm_epel_notice import dnf4_common    # likewise
    return dnf4_common.describe(error)


def _debug(message, *args):
    logging.getLogger("dnf.plugin").debug(message, *args)


def _record(pkg, details=False, requires=False):
    from rocm_epel_notice.records import from_package
    return from_package(pkg, details, requires)


def _gpu_notes(findings, facts):
    """What the first upgrade crossing (or, with none, the first downgrade) means for
    this machine's AMD GPUs (if known)."""
    from rocm_epel_notice import dnf4_common, gpu
    first = findings.leading_upgrade or next(iter(findings.crossings), None)
    if first is None:
        return []
    return gpu.support_notes(dnf4_common.gpu_targets(), first.old_line, first.new_line, facts)


class RocmCommand(dnf.cli.Command):
    """`dnf rocm`: what dnf needs to list the command (its name and summary). dnf makes
    a command object only for the command being run (or `dnf help rocm`); then the real
    one, ``rocm_epel_notice.dnf4_command.RocmCommand``, is loaded and made instead, so
    that other dnf runs do not load its 400 lines."""

    aliases = ("rocm",)
    summary = "show, check, hold or approve ROCm release lines (rocm-epel-notice)"
    plugin = None   # the RocmNotice instance of this run, bound when registered

    def __new__(cls, cli):
        # An object of another class: Python then calls no __init__ of this one.
        from rocm_epel_notice import dnf4_command
        return dnf4_command.bound(cls)(cli)


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

    def _split(self, catalog):
        """The transaction's items whose package the catalog knows, as (item, package),
        and the other items: one walk, no object made per other item (the garbage
        collector would then run over dnf's whole heap)."""
        kind = catalog.kind
        rocm, other = [], []
        for tsi in self.base.transaction:
            try:
                pkg = tsi.pkg
            except KeyError:    # a reason change (history.set_reason) has no package
                continue
            if kind(pkg.name, pkg.sourcerpm) is None:
                other.append(tsi)
            else:
                rocm.append((tsi, pkg))
        return rocm, other

    def _everyday(self, catalog, rocm):
        """Patch moves inside the installed line and no foreign package installed
        (catalog.within_line): the commonest ROCm transaction, answered from plain values."""
        moves = []
        for tsi, pkg in rocm:
            action = tsi.action
            if action == dnf.transaction.PKG_OBSOLETED:
                return False    # a replacement by another name: the analysis pairs it
            if action in _IN_ACTIONS or action in _OUT_ACTIONS:
                moves.append((action in _IN_ACTIONS, pkg.name, pkg.arch, pkg.version,
                              pkg.release, pkg.sourcerpm))
        return catalog.within_line(moves) and not self._foreign_installed(catalog)

    def _walk(self, catalog, rocm, other):
        """The ROCm-related items as records, and the incoming packages (hawkey objects)
        split into ROCm-related and others."""
        moving, obsoleted = [], False
        for tsi, pkg in rocm:
            action = tsi.action
            if action in _IN_ACTIONS or action in _OUT_ACTIONS:
                moving.append((action in _IN_ACTIONS, pkg))
                obsoleted = obsoleted or action == dnf.transaction.PKG_OBSOLETED
        incoming_other = [tsi.pkg for tsi in other if tsi.action in _IN_ACTIONS]
        if obsoleted:       # whatever replaces a ROCm package takes its place
            replacing = [pkg for pkg in incoming_other if pkg.obsoletes]
            moving += [(True, pkg) for pkg in replacing]
            incoming_other = [pkg for pkg in incoming_other if not pkg.obsoletes]
        from rocm_epel_notice.records import IN, OUT, Item
        items = [Item(IN if incoming else OUT, catalog.classify(_record(pkg, details=True)))
                 for incoming, pkg in moving]
        return items, [pkg for incoming, pkg in moving if incoming], incoming_other

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
        from rocm_epel_notice import config, dnf4_common, notice
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
            arrow=dnf4_common.arrow(),
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
        _debug(DEBUG_HELD, held.line, ", ".join(str(t) for t in held.targets) or "?",
               ", ".join(held.keys), held.count, notice.names(held.rocm + held.dependents, 20))
        _warn(line)
        self._to_syslog(line)
        if context is not None:
            self._report(report.HOLD, context)

    def installed_stack(self, catalog, details=True):
        """Installed packages the catalog knows (ROCm, compat, AMD), as records."""
        return [catalog.classify(_record(pkg, details=details))
                for pkg in catalog.narrow(self.base.sack.query().installed())
                if catalog.kind(pkg.name, pkg.sourcerpm) is not None]

    def findings(self):
        """Findings for the resolved transaction (None when it has no ROCm package)."""
        catalog = self.catalog()
        rocm, other = self._split(catalog)
        return self._analyse(catalog, *self._walk(catalog, rocm, other)) if rocm else None

    def _analyse(self, catalog, items, incoming_rocm, incoming_other):
        from rocm_epel_notice import analysis
        return analysis.analyse(items, self.installed_stack(catalog), catalog,
                                lambda: self._consumers(incoming_rocm, incoming_other))

    def _foreign_installed(self, catalog):
        """Whether an installed package could be of AMD's stack (catalog.foreign_installed):
        an exact-name query and one glob over Version, not the whole installed stack."""
        from rocm_epel_notice.catalog import AMD_VERSION_GLOB
        installed = self.base.sack.query().installed()
        found = installed.filter(version__glob=AMD_VERSION_GLOB)
        if catalog.amd:
            found = found.union(installed.filter(name=sorted(catalog.amd)))
        return catalog.foreign_installed((pkg.name, pkg.version, pkg.sourcerpm)
                                         for pkg in found)

    def _check_transaction(self):
        catalog = self.catalog()
        rocm, other = self._split(catalog)
        if not rocm:
            return          # no ROCm package in the transaction
        if self._everyday(catalog, rocm):
            return          # patch updates inside the installed line
        from rocm_epel_notice import analysis
        findings = self._analyse(catalog, *self._walk(catalog, rocm, other))
        if findings.silent:
            return          # silent all the same, as the installed stack shows
        from rocm_epel_notice import notice, policy, report
        refused = policy.refusal(findings, self.settings, analysis.main_line_of(findings))
        if refused is not None:
            _debug(DEBUG_REFUSED, refused.reason, _moves(refused.crossings)
                   or notice.names(sorted({p.name for p in refused.packages})))
            context = self._context()
            self._report(report.BLOCK, context, findings, refused.crossings)
            message = notice.refusal_message(refused, context, self.settings, self._hold_failed)
            self._to_syslog(message, error=True)
            raise dnf.exceptions.Error(message)
        if findings.notable:
            _debug(DEBUG_WARNED, _moves(findings.crossings) or "mixed ROCm stacks")
            context = self._context(findings, catalog)
            text = "\n".join(notice.lines(findings, context))
            _warn(text)
            self._to_syslog(text)
            self._report(report.WARN, context, findings)
        if findings.unknown:
            _debug(DEBUG_UNKNOWN, notice.names(sorted({p.name for p in findings.unknown})))
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
            _debug("rocm_notice: system log not written: %s", _describe(failure))

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
                _debug("rocm_notice: scan cache not written: %s", problem)
            return scanreport.brief(result)
        except Exception as error:
            _debug("rocm_notice: quick scan failed: %s", _describe(error))
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
