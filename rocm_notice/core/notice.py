"""Findings -> the short notice a user reads before dnf's transaction table.

One notice per transaction: a heading that names the release lines, then only the lines
that apply. Every string that came from a repository passes through ``clean()``.
"""

from rocm_notice.catalog import releases
from rocm_notice.core import policy
from rocm_notice import Fields
from rocm_notice.io import clean

SHOWN = 5   # names listed before "(+N more)"
# The command our texts tell the user to run: dnf 4's; dnf5's front end names its own
# (``Context.command_name``).
DNF_COMMAND = "dnf rocm"


HEADING = "rocm_notice: this transaction moves ROCm %s"
HEADING_FOREIGN = "rocm_notice: this transaction mixes ROCm stacks"
CROSSING = "%s %s %s (%s%s): %s"
EPEL = "  EPEL: packages built for %s %s %s (dist tags); this system: %s."
RECOVERY = ("  Not stopped by policy (%s): going back to an older line is recovery, which a "
            "lock or block never holds back or refuses.")
SONAMES = "  Libraries that go away: %s."
REBUILD = "  Programs built against ROCm %s will not run with %s: rebuild them after this update."
GPU = "  This machine's GPU: %s."
CONSUMERS = "  Also moving to ROCm %s: %s."
MIXED = "  Afterwards installed ROCm spans %s: a mixed stack is unsupported."
MIXED_LAG = "  (%s: no newer build in the enabled repositories yet, or held back)"
SAME_EPEL = ("  For packagers: %s changes ROCm line inside EPEL %s (same dist tag), against "
             "EPEL's rule that ROCm changes only between EPEL minors; please report it.")
FOREIGN = ("  AMD-repository packages sit beside EPEL's ROCm (%s): mixing the two stacks is "
           "unsupported; keep one of them.")
CONTINUE_ASK = "  To continue: answer y."
CONTINUE_YES = "  dnf was told to proceed (-y): the change is applied now."
CONTINUE_NOW = "  %s applies the change now (it asks nothing after this point)."
CONTINUE_DOWNLOAD = ("  dnf only downloads it (--downloadonly): nothing changes until a "
                     "later run installs it.")
# How to stay: the commands check the files they write against every other file (a later
# drop-in, an approval) and say so when the hold would not hold, so this works whatever
# the configuration says; a line approved by 'allow' is let through until disallowed.
STAY = "  To stay on %s: answer N, run %s (patch updates of %s still install), then run dnf again."
STAY_NEXT = "  To hold ROCm on its installed line at the next crossing: run %s."
# An update's advisory (tools/check-catalog --update-note) is read before any prompt.
STAY_BEFORE = ("  To stay on %s: run %s before installing this update (patch updates of %s "
               "still install).")
STAY_LOCK = "'%s lock'"
STAY_DISALLOW = "'%s disallow %s' and '%s lock'"
APPROVED = "  ROCm %s is approved (allow = %s in %s): policy lets it through."
COMPAT = "  To keep %s beside %s instead: %s install %s"
NOTES = "  Release notes for ROCm %s: %s"
BROKEN_HERE = "  Built here against %s and broken by this update: %s%s"
BROKEN_MORE = " (+%d more: %s scan)"
BROKEN_EARLY = " (the quick look stopped early: %s scan looks further)"
BROKEN_SHOWN = 3


def arrow(stream):
    """'\u2192' where ``stream`` (a front end's stderr) can show it, '->' elsewhere."""
    try:
        "\u2192".encode(getattr(stream, "encoding", None) or "ascii")
        return "\u2192"
    except (LookupError, UnicodeEncodeError):
        return "->"


def names(items, shown=SHOWN):
    items = [clean(i) for i in items]
    more = len(items) - shown
    listed = ", ".join(items[:shown])
    return listed + (" (+%d more)" % more if more > 0 else "")


def _count(n, word="package"):
    return "%d %s%s" % (n, word, "" if n == 1 else "s")


class Context(Fields):
    """What the adapter knows about this run, beyond the findings: ``notes`` maps a Line
    to its release notes URL, ``compat`` an old Line to the compat packages offered,
    ``gpu_notes`` says what the move means for this machine's GPUs; ``front_end``
    names a program that applies the change without a prompt (PackageKit, microdnf);
    ``broken`` is the quick scan's ``scan.brief`` (None when none ran); ``via`` and
    ``program`` say which front end and program ran, for the report; ``command_name``
    is the command the texts tell the user to run; ``advisory``: the lines are an
    update's advisory, read before any transaction; ``missed_why`` why this front end's
    hold can miss a crossing (said when it refuses one); ``unheld`` why no hold applies
    in this run at all (dnf5: its destdir, disable_excludes), said by a lock's refusal
    and a block's; ``proceed`` how to go on despite a refusal on this front end
    (default: dnf's); ``installer`` the program that installs a compat package here
    (microdnf in a container, which has no dnf); ``downloadonly``: this run only
    downloads the transaction (--downloadonly), a later one installs it."""

    _defaults = {"config_path": "/etc/dnf/plugins/rocm_notice.conf",
                 "dropin_dir": "/etc/dnf/plugins/rocm_notice.d", "assumeyes": False,
                 "releasever": "", "releasever_minor": "", "arrow": "\u2192",
                 "notes": {}, "compat": {}, "gpu_notes": [], "front_end": "",
                 "broken": None, "via": "", "program": "", "command_name": DNF_COMMAND,
                 "missed_why": "", "unheld": "", "proceed": "", "advisory": False,
                 "installer": "dnf", "downloadonly": False}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.proceed = self.proceed or PROCEED


def _system(context):
    if context.releasever and context.releasever_minor and "." not in context.releasever:
        return "releasever %s.%s" % (clean(context.releasever), clean(context.releasever_minor))
    if context.releasever:
        return "releasever %s" % clean(context.releasever)
    return "releasever unknown"


def _epel(minors):
    return "/".join("10.%d" % m for m in minors) or "?"


def lines(findings, context, settings=None):
    """The notice as a list of lines ([] when nothing is worth saying). With the
    ``settings``, a move back to an older line that policy lets through says why."""
    if not findings.notable:
        return []
    out = []
    arrow = context.arrow
    parts = []
    for crossing in findings.crossings:
        direction = ", downgrade" if crossing.downgrade else ""
        parts.append(CROSSING % (crossing.old_line, arrow, crossing.new_line, crossing.kind,
                                 direction, _count(len(crossing.changes))))
    out.append(HEADING % "; ".join(parts) if parts else HEADING_FOREIGN)

    for crossing in findings.crossings:
        if crossing.epel_old or crossing.epel_new:
            out.append(EPEL % (_epel(crossing.epel_old), arrow, _epel(crossing.epel_new),
                               _system(context)))
    if settings is not None:
        for line in sorted({c.new_line for c in findings.crossings if not c.downgrade
                            and c.new_line in settings.allow}):
            out.append(APPROVED % (line, line, ", ".join(
                clean(f) for f in settings.allowed_in.get(line, ["?"]))))
        back = policy.let_back(findings, settings)
        if back:
            out.append(RECOVERY % ", ".join(sorted({"on_%s = %s" % (
                c.kind, settings.action_for(c.kind)) for c in back})))
    if findings.lost_sonames:
        out.append(SONAMES % names(findings.lost_sonames))
    first = findings.leading_upgrade
    if first:
        out.append(REBUILD % (first.old_line, first.new_line))
        found = context.broken
        if found and found["count"]:
            more = found["count"] - BROKEN_SHOWN
            name = context.command_name
            tail = BROKEN_MORE % (more, name) if more > 0 else ""
            out.append(BROKEN_HERE % (first.old_line, ", ".join(
                clean(p) for p in found["paths"][:BROKEN_SHOWN]),
                tail + ("" if found["complete"] else BROKEN_EARLY % name)))
    out.extend(GPU % note for note in context.gpu_notes)   # of the upgrade, or a downgrade
    if findings.consumers and first:
        out.append(CONSUMERS % (first.new_line, names(p.name for p in findings.consumers)))
    if findings.mixed and findings.crossings:
        spans = ["%s (%s)" % (line, names(pkgs, 3) if len(pkgs) <= 3 else _count(len(pkgs)))
                 for line, pkgs in findings.after_lines.items()]
        out.append(MIXED % (" and " if len(spans) == 2 else ", ").join(spans))
        targets = {c.new_line for c in findings.crossings}
        behind = sorted({name for line, pkgs in findings.after_lines.items()
                         if line not in targets for name in pkgs})
        if behind:
            out.append(MIXED_LAG % names(behind))
    for crossing in findings.crossings:
        same = crossing.same_epel
        if same:
            minor = releases.epel_minor(same[0].new.release)
            out.append(SAME_EPEL % (names(sorted({c.new.name for c in same})), "10.%d" % minor))
    if findings.foreign:
        out.append(FOREIGN % names(sorted({p.name for p in findings.foreign})))

    if first:
        if context.front_end:
            out.append(CONTINUE_NOW % clean(context.front_end))
        elif context.downloadonly:
            out.append(CONTINUE_DOWNLOAD)
        else:
            out.append(CONTINUE_YES if context.assumeyes else CONTINUE_ASK)
        approved = settings is not None and first.new_line in settings.allow
        name = context.command_name
        if context.assumeyes and not context.downloadonly:    # applied in this run: a
            out.append(STAY_NEXT % (STAY_LOCK % name))          # lock now holds the next
        else:
            stay = STAY_BEFORE if context.advisory or context.downloadonly else STAY
            out.append(stay % (first.old_line, STAY_DISALLOW % (name, first.new_line, name)
                               if approved else STAY_LOCK % name, first.old_line))
        compat = context.compat.get(first.old_line)
        if compat:
            out.append(COMPAT % (first.old_line, first.new_line, clean(context.installer),
                                 " ".join(clean(c) for c in compat)))
        url = context.notes.get(first.new_line)
        if url:
            out.append(NOTES % (first.new_line, url))
    return out


HOLD = ("rocm_notice: ROCm held at %s by policy (%s); %s available, %s held back%s "
        "(patch updates of %s still install); see '%s status'")
HOLD_UNREADABLE = " (%d whose release line cannot be read)"
BLOCK = "rocm_notice: blocked by policy (%s): this transaction would move ROCm %s; nothing was changed."
BLOCK_ALLOW = ("  To approve ROCm %s: run '%s allow %s' (or add 'allow = %s' under "
               "[main] in a file in %s, for example %s), then run dnf again.")
BLOCK_LOCK = "  To stay on %s and still take the other updates: run %s instead."
BLOCK_UNHELD = "  (A lock would hold nothing in this run: %s.)"
FAIL_CLOSED_WHY = ("rocm_notice: could not evaluate ROCm policy: %s; the transaction is "
                   "blocked because policy says %s.")
FAIL_CLOSED = FAIL_CLOSED_WHY + " To proceed anyway: dnf --disableplugin=rocm_notice ..."
PROCEED = ("  To proceed anyway, for this one run: dnf --disableplugin=rocm_notice ... "
           "(rocm_notice.py's file name).")
ESCAPED = ("rocm_notice: policy holds ROCm at %s (%s), but this transaction would still move "
           "it: %s; nothing was changed.")
ESCAPED_WHY = ("  Excludes cannot hold back packages given as files on the command line, "
               "nor any the hold could not exclude%s.")
ESCAPED_ALLOW = "  To take ROCm %s: run '%s allow %s', then run dnf again."
UNKNOWN = ("rocm_notice: cannot tell which ROCm release line %s would bring (installed: %s); "
           "policy says %s, so nothing was changed.")
UNKNOWN_HOW = ("  If that build is one you accept, add its name to 'exclude =' in a file in %s "
               "(it is then not treated as ROCm), or run dnf once without the plugin.")
UNKNOWN_WARN = ("rocm_notice: cannot tell which ROCm release line %s would bring; "
                "policy warn lets it through")
DOUBT = ("rocm_notice: the ROCm policy could not be read completely (%s); this transaction "
         "would move ROCm %s and policy says %s elsewhere, so nothing was changed.")
DOUBT_HOW = "  Fix or remove that file (see the lines above), then run dnf again."
POLICY_DOUBT = ("rocm_notice: refused: %s cannot be read as a policy setting; this "
                "transaction would move ROCm %s, and that setting may have meant lock or "
                "block, so nothing was changed.")
POLICY_DOUBT_HOW = ("  Fix that setting (a comment after a value starts with ' #'), then "
                    "run dnf again.")


def keys_for(settings, wanted):
    """The policy settings that say one of ``wanted``, or that are not valid (they count
    as block: ``policy.strictest``)."""
    said = ["on_%s = %s" % (kind, settings.action_for(kind))
            for kind in (releases.MAJOR, releases.MINOR)
            if settings.action_for(kind) in wanted and "on_" + kind not in settings.unreadable]
    said += ["%s (not valid)" % where for where in settings.unreadable.values()]
    return ", ".join(said) or "block"


def _package(record):
    return "%s %s" % (clean(record.name), clean(record.evr))


def refusal_message(refused, context, settings, why=""):
    """The error that stops a transaction (see ``policy.refusal``): what, why, and how
    to proceed, self-contained for a dnf-automatic log. ``why`` names a hold that failed
    (else the front end's ``context.missed_why``)."""
    arrow = context.arrow
    if refused.reason == policy.BLOCK:
        return block_message(refused.crossings, context)
    moves = "; ".join(CROSSING % (c.old_line, arrow, c.new_line, c.kind, "",
                                  _count(len(c.changes))) for c in refused.crossings)
    if refused.reason == policy.HOLD:
        why = why or context.unheld or context.missed_why
        out = [ESCAPED % (refused.line, keys_for(settings, ("lock",)), moves),
               ESCAPED_WHY % ("" if not why else " (%s)" % why)]
        for target in sorted({c.new_line for c in refused.crossings}):
            out.append(ESCAPED_ALLOW % (target, context.command_name, target))
        return "\n".join(out + [context.proceed])
    if refused.reason == policy.UNKNOWN:
        shown = names(sorted({_package(p) for p in refused.packages}), 3)
        return "\n".join([UNKNOWN % (shown, refused.line or "unknown",
                                      keys_for(settings, ("lock", "block"))),
                          UNKNOWN_HOW % context.dropin_dir, context.proceed])
    if settings.unreadable:
        return "\n".join([POLICY_DOUBT % ("; ".join(settings.unreadable.values()), moves),
                          POLICY_DOUBT_HOW, context.proceed])
    return "\n".join([DOUBT % (refused.doubts[0], moves, keys_for(settings, ("lock", "block"))),
                      DOUBT_HOW, context.proceed])


def unknown_line(findings):
    """Under warn: the one line about packages whose release line cannot be read."""
    return UNKNOWN_WARN % names(sorted({p.name for p in findings.unknown}), 3)


def hold_line(hold, command_name=DNF_COMMAND):
    """The one line that reports an active hold on every run."""
    unreadable = len(hold.unreadable)
    return HOLD % (hold.line, ", ".join("%s = lock" % key for key in hold.keys),
                   ", ".join([str(t) for t in hold.targets] + (["unknown lines"] if unreadable
                                                                else [])),
                   _count(hold.count), HOLD_UNREADABLE % unreadable if unreadable else "",
                   hold.line, command_name)


def block_message(crossings, context):
    """A self-contained refusal: it must read well in a dnf-automatic log, with no tty."""
    moves = "; ".join(CROSSING % (c.old_line, context.arrow, c.new_line, c.kind, "",
                                  _count(len(c.changes))) for c in crossings)
    keys = ", ".join(sorted({"on_%s = block" % c.kind for c in crossings}))
    out = [BLOCK % (keys, moves)]
    dropin = context.dropin_dir.rstrip("/") + "/allow.conf"
    for target in sorted({c.new_line for c in crossings}):
        out.append(BLOCK_ALLOW % (target, context.command_name, target, target,
                                  context.dropin_dir, dropin))
    first = crossings[0]
    out.append(BLOCK_LOCK % (first.old_line, STAY_LOCK % context.command_name))
    if context.unheld:
        out.append(BLOCK_UNHELD % context.unheld)
    return "\n".join(out)
