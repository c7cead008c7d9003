"""One decision engine for every front end: records in, a ``Decision`` out.

A front end (the dnf 4 plugin; the helper of the libdnf and libdnf5 plugins: see
``core.run`` for it) reads its package manager's state into plain records and
calls ``hold`` before depsolving and ``transaction`` after it. What comes back says
everything the front end must do: the lines to show, the error to raise, the packages to
exclude and the report to write. Nothing here imports dnf or hawkey, prints or writes;
the sack handed to ``hold`` is duck-typed (the interface is in ``hold``'s docstring).
"""

from rocm_notice.core import analysis, notice, policy, report
from rocm_notice import Fields, describe
from rocm_notice.core.records import IN

WARN = report.WARN
HOLD = report.HOLD
BLOCK = report.BLOCK

MSG_INTERNAL = "rocm_notice: internal error: %s (transaction not affected)"
MSG_REPORT_BUG = "rocm_notice: internal error: %s (report not written)"
MSG_INTERNAL_HELD = "rocm_notice: internal error: %s (ROCm held by policy all the same)"


class Decision(Fields):
    """What a front end does now. ``kind``: None (silence), WARN, HOLD or BLOCK;
    ``lines``: messages for the user, each a warning (may span lines); ``error``: the
    refusal to raise ("" for none); ``hold``/``excluded``: the ``hold.Hold`` and the
    sack's exclude set (a hawkey query) when packages are held; ``report``: the JSON
    report to write, or None."""

    _defaults = {"kind": None, "lines": [], "error": "", "hold": None, "excluded": None,
                 "report": None}


def split(items, catalog):
    """(ROCm-related items, incoming packages of others): a front end may hand in every
    item of a transaction; only these two parts matter to the analysis."""
    kind = catalog.kind_of
    rocm = [i for i in items if kind(i.package) is not None or (
        i.direction == IN and i.package.obsoletes)]      # a replacement takes its place
    others = [i.package for i in items if i.direction == IN and kind(i.package) is None
              and not i.package.obsoletes]
    return rocm, others


def findings(items, installed, catalog, incoming_other=()):
    """Findings for a resolved transaction, or None when no ROCm package is in it.

    ``items``: ``records.Item`` (ROCm ones with provides and obsoletes); ``installed``:
    installed packages the catalog knows, with provides; ``incoming_other``: incoming
    packages of others, with requires (read for consumers only when something crosses).
    """
    rocm, others = split(items, catalog)
    if not rocm:
        return None
    extra = list(incoming_other) + others
    return analysis.analyse(rocm, installed, catalog, lambda: extra)


def hold(sack, catalog, settings, context, command=""):
    """The lock's hold before depsolving (a HOLD decision, or silence). ``sack()`` gives
    the sack, called only when policy locks something (loading one costs time)."""
    if not policy.has_lock(settings):
        return Decision()
    from rocm_notice.core import hold as holds   # a lock's room: only where policy locks
    held, excluded = holds.plan(sack(), catalog, settings)
    if held is None:
        return Decision()
    try:
        lines = [notice.hold_line(held, context.command_name)]
    except Exception as error:      # a bug in the words must not lift the lock
        lines = [MSG_INTERNAL_HELD % describe(error)]
    data, problems = _report(settings, HOLD, context, command, hold=held)
    return Decision(kind=HOLD, lines=lines + problems, hold=held, excluded=excluded,
                    report=data)


def missed(found, settings):
    """Upgrade crossings past the installed line that policy locks: a hold that did not
    hold (``policy.escaped``)."""
    return policy.escaped(found, analysis.main_line_of(found), settings)


def transaction(found, settings, context_for, command="", held=None):
    """The decision for a resolved transaction. ``context_for(findings or None)`` gives
    the ``notice.Context`` (called once, with the findings only for a warning: the
    compat packages and GPU notes cost queries). ``held``: the hold this run made before
    depsolving (a front end in one process with it), for the report."""
    if found is None:
        return Decision()
    refused = policy.refusal(found, settings, analysis.main_line_of(found))
    if refused is not None:     # the same gate as the dnf 4 plugin's (see policy.refusal)
        context = context_for(None)
        error = notice.refusal_message(refused, context, settings)
        data, problems = _report(settings, BLOCK, context, command, found, refused.crossings,
                                 held)
        return Decision(kind=BLOCK, lines=problems, error=error, report=data)
    unknown = [notice.unknown_line(found)] if found.unknown else []
    if not found.notable:
        return Decision(lines=unknown)
    context = context_for(found)
    shown = "\n".join(notice.lines(found, context, settings))
    data, problems = _report(settings, WARN, context, command, found, hold=held)
    return Decision(kind=WARN, lines=[shown] + unknown + problems, report=data)


def failed(error, settings, proceed=""):
    """A bug or a broken part on the way: one line and the transaction goes on, except
    under a block or lock policy, where it is refused (the admin chose safety).
    ``proceed``: the front end's line on how to go on (dnf's, in one line, by default)."""
    strictest = policy.strictest(settings) if settings is not None else policy.WARN
    if strictest != policy.WARN:
        keys = notice.keys_for(settings, (strictest,))
        if proceed:
            return Decision(kind=BLOCK, error="\n".join([notice.FAIL_CLOSED_WHY % (error, keys),
                                                         proceed]))
        return Decision(kind=BLOCK, error=notice.FAIL_CLOSED % (error, keys))
    return Decision(lines=[MSG_INTERNAL % error])


def _report(settings, decision, context, command, found=None, blocked=(), hold=None):
    """(the whole report or None, [one line about a bug in it]): with what ran
    (``context.via`` and ``program``: every front end writes the same keys). The report
    is for monitoring: a bug here costs one line, never the decision."""
    if not settings.report:      # report = none
        return None, []
    try:
        data = report.build(decision, context, command, found, hold, blocked)
        return report.describe_run(data, command, context.program, context.via), []
    except Exception as error:
        return None, [MSG_REPORT_BUG % describe(error)]

