"""dnf 4 adapter: the plugin's work once a transaction moves ROCm otherwise than the
everyday way, and its hold at sack time: records of dnf's packages, the analysis, the
engine's decision carried out (its lines, the refusal, the report, the system log).

Here, not in dnf-plugins/rocm_notice.py, which dnf loads in every run (``dnf list`` too):
the plugin keeps its hooks and the everyday answer, and loads this module only when a
run has more to do (as ``command`` for `dnf rocm`). A ``Work`` is one run's: it reads
the plugin (its base, cli, settings, catalog) and keeps what the run decided on it
(``held``, ``written``), which later hooks of the same run read.
"""

import logging
import sys

import dnf
import dnf.exceptions

from rocm_notice.core import analysis, context, engine, notice, report
from rocm_notice.core.records import IN, OUT, Item, from_package, provided_names
from rocm_notice.frontends.dnf4 import common as dnf4_common
from rocm_notice.frontends.dnf4.common import describe, warn

# The decisions, at debug level: dnf.log keeps them (as versionlock's), the terminal not.
DEBUG_HELD = "rocm_notice: decision: hold ROCm at %s, not %s (%s); exclude %d: %s"
DEBUG_REFUSED = "rocm_notice: decision: refuse the transaction (%s): %s"
DEBUG_WARNED = "rocm_notice: decision: warn and let through: %s"


def debug(message, *args):
    logging.getLogger("dnf.plugin").debug(message, *args)


def record(pkg, details=False, requires=False):
    return from_package(pkg, details, requires)


def moves(crossings):
    return "; ".join("%s -> %s (%s, %d packages)" % (c.old_line, c.new_line, c.kind,
                                                      len(c.changes)) for c in crossings)


class Work:
    """The plugin's work in one dnf run (``plugin``: the RocmNotice instance)."""

    def __init__(self, plugin):
        self.plugin = plugin
        self.base = plugin.base

    # -- who ran us ---------------------------------------------------------------------

    @property
    def command(self):
        return getattr(self.plugin.cli, "cmdstring", "") or ""

    @property
    def via_api(self):
        """No dnf command line: Ansible's dnf module, dnf-automatic, a script."""
        return not self.command

    def context(self, findings=None, catalog=None):
        """What the lines and the report say about this run (``core.context``, as for
        every front end); release facts, compat offers, GPU notes and the quick scan only
        for findings to warn about."""
        conf = self.base.conf
        plugin = self.plugin
        return context.build(
            plugin.confdirs[0] if plugin.confdirs else "", plugin.settings,
            catalog or plugin.catalog(), conf.installroot or "/", findings,
            context.offered_by(lambda: self.base.sack), assumeyes=bool(conf.assumeyes),
            downloadonly=bool(getattr(conf, "downloadonly", False)),
            releasever=getattr(conf, "releasever", "") or "",
            releasever_minor=(getattr(conf, "releasever_minor", None)  # RHEL 10, 4.23
                              or conf.substitutions.get("releasever_minor") or ""),
            arrow=dnf4_common.arrow(),
            via=report.VIA_API if self.via_api else report.VIA_COMMAND,
            program=(getattr(sys, "argv", None) or [""])[0], missed_why=plugin.hold_failed)

    # -- dnf's packages as records --------------------------------------------------------

    def walk(self, catalog, rocm, other):
        """The ROCm-related items as records, and the incoming packages (hawkey objects)
        split into ROCm-related and others."""
        into, out_of = self.plugin.IN_ACTIONS, self.plugin.OUT_ACTIONS
        moving, obsoleted = [], False
        for tsi, pkg in rocm:
            action = tsi.action
            if action in into or action in out_of:
                moving.append((action in into, pkg))
                obsoleted = obsoleted or action == dnf.transaction.PKG_OBSOLETED
        incoming_other = [tsi.pkg for tsi in other if tsi.action in into]
        if obsoleted:       # whatever replaces a ROCm package takes its place
            replacing = [pkg for pkg in incoming_other if pkg.obsoletes]
            moving += [(True, pkg) for pkg in replacing]
            incoming_other = [pkg for pkg in incoming_other if not pkg.obsoletes]
        items = [Item(IN if incoming else OUT, catalog.classify(record(pkg, details=True)))
                 for incoming, pkg in moving]
        return items, [pkg for incoming, pkg in moving if incoming], incoming_other

    @staticmethod
    def consumers(incoming_rocm, incoming_other):
        """Incoming packages of others with a requirement named by what the incoming ROCm
        packages provide (the core then checks the sonames). Read here in Python: hawkey's
        requires= filter scans the whole pool, 24 ms over 20,000 packages."""
        provided = provided_names(incoming_rocm)
        return [record(pkg, requires=True) for pkg in incoming_other
                if any(str(dep).split(" ", 1)[0] in provided for dep in pkg.requires)]

    def installed_stack(self, catalog, details=True):
        """Installed packages the catalog knows (ROCm, compat, AMD), as records."""
        return [catalog.classify(record(pkg, details=details))
                for pkg in catalog.narrow(self.base.sack.query().installed(), few=True)
                if catalog.kind(pkg.name, pkg.sourcerpm) is not None]

    def analyse(self, catalog, items, incoming_rocm, incoming_other):
        """analysis.analyse over the walked items and the installed stack."""
        return analysis.analyse(items, self.installed_stack(catalog), catalog,
                                lambda: self.consumers(incoming_rocm, incoming_other))

    def findings(self):
        """Findings for the resolved transaction (None when it has no ROCm package)."""
        catalog = self.plugin.catalog()
        rocm, other = self.plugin.split(catalog)
        return self.analyse(catalog, *self.walk(catalog, rocm, other)) if rocm else None

    # -- the engine's decisions, carried out ------------------------------------------------

    def make_hold(self):
        """Hold ROCm on the installed line (``engine.hold``): the excludes, the line, the
        report. A bug in the words holds all the same (the engine says so in the line)."""
        plugin = self.plugin
        try:
            about = self.context()
        except Exception as error:
            about = notice.Context(missed_why=describe(error))
        decision = engine.hold(lambda: self.base.sack, plugin.catalog(), plugin.settings,
                               about, self.command)
        if decision.hold is None:
            return
        held = decision.hold
        self.base.sack.add_excludes(decision.excluded)  # the one change, once worked out
        plugin.held = held
        debug(DEBUG_HELD, held.line, ", ".join(str(t) for t in held.targets) or "?",
              ", ".join(held.keys), held.count, notice.names(held.rocm + held.dependents, 20))
        self.say(decision.lines)
        self.write_report(decision.report)

    def decide(self, catalog, rocm, other):
        """A transaction that moves ROCm otherwise than the everyday way (the plugin's
        _everyday): the engine's decision (silence, a refusal, or the notice), carried
        out."""
        findings = self.analyse(catalog, *self.walk(catalog, rocm, other))
        if findings.silent:
            return          # silent all the same, as the installed stack shows
        decision = engine.transaction(
            findings, self.plugin.settings, lambda found: self.context(found, catalog),
            self.command, held=self.plugin.held)
        if decision.error:
            debug(DEBUG_REFUSED, decision.kind, moves(findings.crossings)
                  or notice.names(sorted({p.name for p in findings.unknown})))
            self.write_report(decision.report)
            dnf4_common.say(logging.WARNING, decision.lines)
            self.to_syslog(decision.error, error=True)
            raise dnf.exceptions.Error(decision.error)
        if decision.kind == engine.WARN:
            debug(DEBUG_WARNED, moves(findings.crossings) or "mixed ROCm stacks")
            self.write_report(decision.report)
        self.say(decision.lines)

    def applied(self):
        """The rpm transaction completed: the report this run wrote says so."""
        plugin = self.plugin
        try:
            problem = report.write(plugin.settings.report, report.applied(plugin.written),
                                   self.base.conf.installroot, system=True)
        except Exception as error:
            problem = engine.MSG_REPORT_BUG % describe(error)
        if problem:
            warn(problem)

    # -- where it goes ----------------------------------------------------------------------

    def say(self, lines):
        dnf4_common.say(logging.WARNING, lines)
        for line in lines:
            self.to_syslog(line)

    def to_syslog(self, text, error=False):
        """Under the dnf API our lines would reach only dnf.log: send them to the system
        log too. Never raises: this is an extra channel."""
        if not self.via_api:
            return
        try:
            # Here: a run from the command line (the terminal has the lines) never loads it.
            from rocm_notice.io import journal
            journal.send(text, journal.ERROR if error else journal.WARNING)
        except Exception as failure:
            debug("rocm_notice: system log not written: %s", describe(failure))

    def write_report(self, data):
        """Record the decision for monitoring; a failure to write costs one line, and so
        does a bug in here: the decision itself (a hold made, a block to raise) stands."""
        if data is None:        # report = none
            return
        try:
            problem = report.write(self.plugin.settings.report, data,
                                   self.base.conf.installroot, system=True)
            self.plugin.written = None if problem else data
        except Exception as error:
            problem = engine.MSG_REPORT_BUG % describe(error)
        if problem:
            warn(problem)
