"""dnf 4 adapter: the plugin's work once a transaction moves ROCm otherwise than the
everyday way, and its hold at sack time: records of dnf's packages, the analysis, the
decision, its lines, the report and the system log.

Here, not in dnf-plugins/rocm_notice.py, which dnf loads in every run (``dnf list`` too):
the plugin keeps its hooks and the everyday answer, and loads this module only when a
run has more to do (as ``dnf4_command`` for `dnf rocm`). Functions of the plugin
instance (``plugin``: its base, cli, settings, catalog and what this run decided).
"""

import logging
import sys

import dnf
import dnf.exceptions

from rocm_notice.core import analysis, context, engine, notice, report
from rocm_notice.core.records import IN, OUT, Item, from_package, provided_names
from rocm_notice.frontends.dnf4 import common as dnf4_common
from rocm_notice.frontends.dnf4.common import describe, warn
from rocm_notice.io import journal

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


def applied(plugin):
    """The rpm transaction completed: the report this run wrote says so."""
    try:
        problem = report.write(plugin.settings.report, report.applied(plugin.written),
                               plugin.base.conf.installroot)
    except Exception as error:
        problem = engine.MSG_REPORT_BUG % describe(error)
    if problem:
        warn(problem)


def walk(plugin, catalog, rocm, other):
    """The ROCm-related items as records, and the incoming packages (hawkey objects)
    split into ROCm-related and others."""
    moving, obsoleted = [], False
    for tsi, pkg in rocm:
        action = tsi.action
        if action in plugin.IN_ACTIONS or action in plugin.OUT_ACTIONS:
            moving.append((action in plugin.IN_ACTIONS, pkg))
            obsoleted = obsoleted or action == dnf.transaction.PKG_OBSOLETED
    incoming_other = [tsi.pkg for tsi in other if tsi.action in plugin.IN_ACTIONS]
    if obsoleted:       # whatever replaces a ROCm package takes its place
        replacing = [pkg for pkg in incoming_other if pkg.obsoletes]
        moving += [(True, pkg) for pkg in replacing]
        incoming_other = [pkg for pkg in incoming_other if not pkg.obsoletes]
    items = [Item(IN if incoming else OUT, catalog.classify(record(pkg, details=True)))
             for incoming, pkg in moving]
    return items, [pkg for incoming, pkg in moving if incoming], incoming_other


def consumers(plugin, incoming_rocm, incoming_other):
    """Incoming packages of others with a requirement named by what the incoming ROCm
    packages provide (the core then checks the sonames). Read here in Python: hawkey's
    requires= filter scans the whole pool, 24 ms over 20,000 packages."""
    provided = provided_names(incoming_rocm)
    found = []
    for pkg in incoming_other:
        if any(str(dep).split(" ", 1)[0] in provided for dep in pkg.requires):
            found.append(record(pkg, requires=True))
    return found


def context_of(plugin, findings=None, catalog=None):
    """What the lines and the report say about this run (``core.context``, as for every
    front end); release facts, compat offers, GPU notes and the quick scan only for
    findings to warn about."""
    conf = plugin.base.conf
    return context.build(
        plugin.confdirs[0] if plugin.confdirs else "", plugin.settings,
        catalog or plugin.catalog(), conf.installroot or "/", findings,
        lambda: plugin.base.sack, assumeyes=bool(conf.assumeyes),
        releasever=getattr(conf, "releasever", "") or "",
        releasever_minor=(getattr(conf, "releasever_minor", None)  # RHEL 10, 4.23
                          or conf.substitutions.get("releasever_minor") or ""),
        arrow=dnf4_common.arrow(), via=report_via(plugin),
        program=(getattr(sys, "argv", None) or [""])[0], missed_why=plugin.hold_failed)


def report_via(plugin):
    return report.VIA_API if via_api(plugin) else report.VIA_COMMAND


def command_of(plugin):
    return getattr(plugin.cli, "cmdstring", "") or ""


def make_hold(plugin):
    """Hold ROCm on the installed line (``engine.hold``): the excludes, the line, the
    report. A bug in the words holds all the same (the engine says so in the line)."""
    try:
        about = context_of(plugin)
    except Exception as error:
        about = notice.Context(missed_why=describe(error))
    decision = engine.hold(lambda: plugin.base.sack, plugin.catalog(), plugin.settings,
                           about, command_of(plugin))
    if decision.hold is None:
        return
    held = decision.hold
    plugin.base.sack.add_excludes(decision.excluded)   # the one change, once worked out
    plugin.held = held
    debug(DEBUG_HELD, held.line, ", ".join(str(t) for t in held.targets) or "?",
          ", ".join(held.keys), held.count, notice.names(held.rocm + held.dependents, 20))
    for line in decision.lines:
        warn(line)
        to_syslog(plugin, line)
    write_report(plugin, decision.report)


def installed_stack(plugin, catalog, details=True):
    """Installed packages the catalog knows (ROCm, compat, AMD), as records."""
    return [catalog.classify(record(pkg, details=details))
            for pkg in catalog.narrow(plugin.base.sack.query().installed())
            if catalog.kind(pkg.name, pkg.sourcerpm) is not None]


def findings_of(plugin):
    """Findings for the resolved transaction (None when it has no ROCm package)."""
    catalog = plugin.catalog()
    rocm, other = plugin.split(catalog)
    return analyse(plugin, catalog, *walk(plugin, catalog, rocm, other)) if rocm else None


def analyse(plugin, catalog, items, incoming_rocm, incoming_other):
    """analysis.analyse over the walked items and the installed stack."""
    return analysis.analyse(items, installed_stack(plugin, catalog), catalog,
                            lambda: consumers(plugin, incoming_rocm, incoming_other))


def decide(plugin, catalog, rocm, other):
    """A transaction that moves ROCm otherwise than the everyday way (the plugin's
    _everyday): the engine's decision (silence, a refusal, or the notice), carried out."""
    findings = analyse(plugin, catalog, *walk(plugin, catalog, rocm, other))
    if findings.silent:
        return          # silent all the same, as the installed stack shows
    decision = engine.transaction(
        findings, plugin.settings, lambda found: context_of(plugin, found, catalog),
        command_of(plugin), held=plugin.held)
    if decision.error:
        debug(DEBUG_REFUSED, decision.kind, moves(findings.crossings)
              or notice.names(sorted({p.name for p in findings.unknown})))
        write_report(plugin, decision.report)
        for line in decision.lines:
            warn(line)
        to_syslog(plugin, decision.error, error=True)
        raise dnf.exceptions.Error(decision.error)
    if decision.kind == engine.WARN:
        debug(DEBUG_WARNED, moves(findings.crossings) or "mixed ROCm stacks")
        write_report(plugin, decision.report)
    for line in decision.lines:
        warn(line)
        to_syslog(plugin, line)


def via_api(plugin):
    """No dnf command line: Ansible's dnf module, dnf-automatic, a script."""
    return not getattr(plugin.cli, "cmdstring", "")


def to_syslog(plugin, text, error=False):
    """Under the dnf API our lines would reach only dnf.log: send them to the system
    log too. Never raises: this is an extra channel."""
    if not via_api(plugin):
        return
    try:
        journal.send(text, journal.ERROR if error else journal.WARNING)
    except Exception as failure:
        debug("rocm_notice: system log not written: %s", describe(failure))


def write_report(plugin, data):
    """Record the decision for monitoring; a failure to write costs one line, and so
    does a bug in here: the decision itself (a hold made, a block to raise) stands."""
    if data is None:        # report = none
        return
    try:
        problem = report.write(plugin.settings.report, data, plugin.base.conf.installroot)
        plugin.written = None if problem else data
    except Exception as error:
        problem = engine.MSG_REPORT_BUG % describe(error)
    if problem:
        warn(problem)
