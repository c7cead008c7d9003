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

from rocm_epel_notice.dnf4_common import describe, warn

MSG_REPORT_BUG = "rocm_notice: internal error: %s (report not written)"
MSG_INTERNAL_HELD = "rocm_notice: internal error: %s (ROCm held by policy all the same)"
# The decisions, at debug level: dnf.log keeps them (as versionlock's), the terminal not.
DEBUG_HELD = "rocm_notice: decision: hold ROCm at %s, not %s (%s); exclude %d: %s"
DEBUG_REFUSED = "rocm_notice: decision: refuse the transaction (%s): %s"
DEBUG_WARNED = "rocm_notice: decision: warn and let through: %s"
DEBUG_UNKNOWN = "rocm_notice: decision: release line unreadable, let through under warn: %s"

def debug(message, *args):
    logging.getLogger("dnf.plugin").debug(message, *args)


def record(pkg, details=False, requires=False):
    from rocm_epel_notice.records import from_package
    return from_package(pkg, details, requires)


def gpu_notes(findings, facts):
    """What the first upgrade crossing (or, with none, the first downgrade) means for
    this machine's AMD GPUs (if known)."""
    from rocm_epel_notice import dnf4_common, gpu
    first = findings.leading_upgrade or next(iter(findings.crossings), None)
    if first is None:
        return []
    return gpu.support_notes(dnf4_common.gpu_targets(), first.old_line, first.new_line, facts)


def moves(crossings):
    return "; ".join("%s -> %s (%s, %d packages)" % (c.old_line, c.new_line, c.kind,
                                                      len(c.changes)) for c in crossings)


def applied(plugin):
    """The rpm transaction completed: the report this run wrote says so."""
    try:
        from rocm_epel_notice import report
        problem = report.write(plugin.settings.report, report.applied(plugin.written),
                               plugin.base.conf.installroot)
    except Exception as error:
        problem = MSG_REPORT_BUG % describe(error)
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
    from rocm_epel_notice.records import IN, OUT, Item
    items = [Item(IN if incoming else OUT, catalog.classify(record(pkg, details=True)))
             for incoming, pkg in moving]
    return items, [pkg for incoming, pkg in moving if incoming], incoming_other


def consumers(plugin, incoming_rocm, incoming_other):
    """Incoming packages of others with a requirement named by what the incoming ROCm
    packages provide (the core then checks the sonames). Read here in Python: hawkey's
    requires= filter scans the whole pool, 24 ms over 20,000 packages."""
    from rocm_epel_notice.records import provided_names
    provided = provided_names(incoming_rocm)
    found = []
    for pkg in incoming_other:
        if any(str(dep).split(" ", 1)[0] in provided for dep in pkg.requires):
            found.append(record(pkg, requires=True))
    return found


def context_of(plugin, findings=None, catalog=None):
    """What the lines and the report say about this run (notice.Context); release facts,
    compat offers, GPU notes and the quick scan only for findings to warn about."""
    from rocm_epel_notice import config, dnf4_common, notice
    facts, notes = {}, {}
    if findings:                     # a hold or a block needs no release facts
        from rocm_epel_notice import known
        facts = known.load()
        notes = known.notes_urls(facts)
    confdir = plugin.confdirs[0] if plugin.confdirs else ""
    return notice.Context(
        config_path=config.main_file(confdir) if confdir else "",
        dropin_dir=config.dropin_dir(confdir) if confdir else "",
        assumeyes=bool(plugin.base.conf.assumeyes),
        releasever=getattr(plugin.base.conf, "releasever", "") or "",
        releasever_minor=(getattr(plugin.base.conf, "releasever_minor", None)  # RHEL 10, 4.23
                          or plugin.base.conf.substitutions.get("releasever_minor") or ""),
        arrow=dnf4_common.arrow(),
        notes=notes,
        compat=available_compat(plugin, findings, catalog) if findings else {},
        gpu_notes=gpu_notes(findings, facts) if findings else [],
        broken=quick_scan(plugin, findings) if findings else None)


def make_hold(plugin):
    """Hold ROCm on the installed line (hold.plan): the excludes, the line, the report."""
    from rocm_epel_notice import hold, notice, report
    held, excluded = hold.plan(plugin.base.sack, plugin.catalog(), plugin.settings)
    if held is None:
        return
    try:                # a bug in the message must not lift a lock: hold all the same
        line, context = notice.hold_line(held), context_of(plugin)
    except Exception as error:
        line, context = MSG_INTERNAL_HELD % describe(error), None
    plugin.base.sack.add_excludes(excluded)     # the one change, once it is all worked out
    plugin.held = held
    debug(DEBUG_HELD, held.line, ", ".join(str(t) for t in held.targets) or "?",
          ", ".join(held.keys), held.count, notice.names(held.rocm + held.dependents, 20))
    warn(line)
    to_syslog(plugin, line)
    if context is not None:
        write_report(plugin, report.HOLD, context)


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
    from rocm_epel_notice import analysis
    return analysis.analyse(items, installed_stack(plugin, catalog), catalog,
                            lambda: consumers(plugin, incoming_rocm, incoming_other))


def decide(plugin, catalog, rocm, other):
    """A transaction that moves ROCm otherwise than the everyday way (the plugin's
    _everyday): the analysis, then silence, a refusal, or the notice."""
    from rocm_epel_notice import analysis
    findings = analyse(plugin, catalog, *walk(plugin, catalog, rocm, other))
    if findings.silent:
        return          # silent all the same, as the installed stack shows
    from rocm_epel_notice import notice, policy, report
    refused = policy.refusal(findings, plugin.settings, analysis.main_line_of(findings))
    if refused is not None:
        debug(DEBUG_REFUSED, refused.reason, moves(refused.crossings)
              or notice.names(sorted({p.name for p in refused.packages})))
        context = context_of(plugin)
        write_report(plugin, report.BLOCK, context, findings, refused.crossings)
        message = notice.refusal_message(refused, context, plugin.settings, plugin.hold_failed)
        to_syslog(plugin, message, error=True)
        raise dnf.exceptions.Error(message)
    if findings.notable:
        debug(DEBUG_WARNED, moves(findings.crossings) or "mixed ROCm stacks")
        context = context_of(plugin, findings, catalog)
        text = "\n".join(notice.lines(findings, context, plugin.settings))
        warn(text)
        to_syslog(plugin, text)
        write_report(plugin, report.WARN, context, findings)
    if findings.unknown:
        debug(DEBUG_UNKNOWN, notice.names(sorted({p.name for p in findings.unknown})))
        text = notice.unknown_line(findings)
        warn(text)
        to_syslog(plugin, text)


def via_api(plugin):
    """No dnf command line: Ansible's dnf module, dnf-automatic, a script."""
    return not getattr(plugin.cli, "cmdstring", "")


def to_syslog(plugin, text, error=False):
    """Under the dnf API our lines would reach only dnf.log: send them to the system
    log too. Never raises: this is an extra channel."""
    if not via_api(plugin):
        return
    try:
        from rocm_epel_notice import journal
        journal.send(text, journal.ERROR if error else journal.WARNING)
    except Exception as failure:
        debug("rocm_notice: system log not written: %s", describe(failure))


def write_report(plugin, decision, context, findings=None, blocked=()):
    """Record the decision for monitoring; a failure to write costs one line, and so
    does a bug in here: the decision itself (a hold made, a block to raise) stands."""
    if not plugin.settings.report:        # report = none
        return
    try:
        from rocm_epel_notice import report
        command = getattr(plugin.cli, "cmdstring", "") or ""
        data = report.build(decision, context, command, findings, plugin.held, blocked)
        report.describe_run(data, command, (getattr(sys, "argv", None) or [""])[0])
        problem = report.write(plugin.settings.report, data, plugin.base.conf.installroot)
        plugin.written = None if problem else data
    except Exception as error:
        problem = MSG_REPORT_BUG % describe(error)
    if problem:
        warn(problem)


def quick_scan(plugin, findings):
    """The programs on disk the upgrade breaks, as far as a scan of scan_paths finds
    them within notice_scan_seconds (scanreport.brief), or None: no upgrade crossing
    that removes a soname, the scan turned off, or a failure (never the user's)."""
    seconds = plugin.settings.notice_scan_seconds
    if not (findings.lost_sonames and findings.leading_upgrade and seconds > 0):
        return None
    try:
        from rocm_epel_notice import scan, scanreport
        result, problem = scan.quick(findings.lost_sonames, plugin.settings.scan_paths,
                                     seconds, plugin.base.conf.installroot or "/")
        if problem:
            debug("rocm_notice: scan cache not written: %s", problem)
        return scanreport.brief(result)
    except Exception as error:
        debug("rocm_notice: quick scan failed: %s", describe(error))
        return None


def available_compat(plugin, findings, catalog):
    """{old line: compat package names the enabled repos offer for what moves}."""
    offered = {}
    for crossing in findings.crossings:
        wanted = {catalog.compat_name(c.old.name, crossing.old_line)
                  for c in crossing.changes if c.old is not None}
        wanted.discard(None)
        if wanted:
            found = plugin.base.sack.query().available().filter(name=sorted(wanted))
            names = sorted({pkg.name for pkg in found})
            if names:
                offered.setdefault(crossing.old_line, names)
    return offered
