"""Site policy: what happens to a crossing of each boundary kind (warn, lock or block).

Pure functions of the settings and release values, shared by the hold (before
depsolving) and the block (after it), so both read the policy the same way.
"""

from rocm_notice.catalog import releases
from rocm_notice import Fields

WARN = "warn"
LOCK = "lock"
BLOCK = "block"


def action(settings, kind, target):
    """The action for moving into line ``target`` across a ``kind`` boundary.

    An approved target line (``allow``) is never held or blocked, only announced.
    """
    if kind not in (releases.MAJOR, releases.MINOR):
        return WARN
    chosen = settings.action_for(kind)
    return WARN if target in settings.allow else chosen


def crossing_kind(line, release):
    """MAJOR or MINOR when ``release`` is on a newer line than ``line``, else None."""
    if release is None or release.line <= line:
        return None
    return releases.boundary(releases.Release(*line), release)


def held(settings, line, release):
    """Whether a lock on ``line`` keeps out a package of ``release`` (newer lines only:
    older ones are recovery, which a lock never stops)."""
    kind = crossing_kind(line, release)
    return kind is not None and action(settings, kind, release.line) == LOCK


def blocked(findings, settings):
    """The crossings that policy refuses: upgrades (not downgrades) into unapproved lines."""
    return [c for c in findings.crossings
            if not c.downgrade and action(settings, c.kind, c.new_line) == BLOCK]


def let_back(findings, settings):
    """The moves to an older line that a lock or block would have stopped had they been
    upgrades: let through as recovery (a downgrade, distro-sync, history undo, or a
    rebuild with a higher Epoch that ``dnf upgrade`` takes), and said so in the notice."""
    return [c for c in findings.crossings
            if c.downgrade and action(settings, c.kind, c.new_line) in (LOCK, BLOCK)]


def strictest(settings):
    """The strictest action the settings name for any boundary kind. A policy key whose
    value is not valid counts as block: the admin may have meant it (doubt fails closed)."""
    if settings.unreadable:
        return BLOCK
    chosen = (settings.on_major, settings.on_minor)
    return BLOCK if BLOCK in chosen else (LOCK if LOCK in chosen else WARN)


def escaped(findings, line, settings):
    """Upgrade crossings that a lock on ``line`` should have held and did not (packages
    given as files on the command line, which excludes never hold, or a hold that failed).
    """
    if line is None:
        return []
    return [c for c in findings.crossings if not c.downgrade and c.new_line > line
            and held(settings, line, releases.Release(*c.new_line))]


class Refusal(Fields):
    """Why a resolved transaction must not run: ``reason`` is BLOCK (an unapproved
    crossing), HOLD (a crossing a lock did not hold), UNKNOWN (a ROCm package of a line
    that cannot be read) or DOUBT (the policy could not be read completely); the
    ``crossings`` or ``packages`` concerned, and the ``doubts``."""

    _defaults = {"reason": None, "crossings": [], "packages": [], "doubts": [], "line": None}


HOLD = "hold"
UNKNOWN = "unknown"
DOUBT = "doubt"


def refusal(findings, settings, installed_line):
    """The Refusal for a resolved transaction, or None when it may run.

    Where the admin chose block or lock anywhere, doubt fails closed: a package whose
    release line cannot be read, or a crossing seen while part of the configuration
    could not be read, is refused rather than guessed about.
    """
    refused = blocked(findings, settings)
    if refused:
        return Refusal(BLOCK, crossings=refused)
    missed = escaped(findings, installed_line, settings)
    if missed:
        return Refusal(HOLD, crossings=missed, line=installed_line)
    if strictest(settings) == WARN:
        return None
    if findings.unknown:
        return Refusal(UNKNOWN, packages=list(findings.unknown), line=installed_line)
    moving = [c for c in findings.crossings if not c.downgrade]
    if moving and settings.doubts:
        return Refusal(DOUBT, crossings=moving, doubts=list(settings.doubts))
    return None


def has_lock(settings):
    return settings.has_lock


# `dnf rocm check` exit statuses (Nagios-style: OK, WARNING, CRITICAL, UNKNOWN).
CHECK_NOTHING = 0
CHECK_WARN = 1
CHECK_HELD = 2
CHECK_UNKNOWN = 3


def check(findings, settings):
    """(exit status, [(crossing, action)]) for what an upgrade would do to ROCm.

    Status 3 (unknown) whenever the answer rests on doubt: part of the configuration
    could not be read (a monitoring user who cannot read a 0600 drop-in must not report
    "warn" where root's answer is "blocked"), or, under warn, a ROCm package of a line
    that cannot be read is on offer (under lock or block it would be held or refused: 2).
    ``uncertain()`` says why.
    """
    actions = [(c, WARN if c.downgrade else action(settings, c.kind, c.new_line))
               for c in findings.crossings]
    if settings.doubts:
        return CHECK_UNKNOWN, actions
    if any(chosen in (LOCK, BLOCK) for _, chosen in actions):
        return CHECK_HELD, actions
    if findings.unknown:
        return (CHECK_UNKNOWN if strictest(settings) == WARN else CHECK_HELD), actions
    return (CHECK_WARN if actions else CHECK_NOTHING), actions


def uncertain(findings, settings):
    """Why ``check`` cannot give a sure answer, in one line ("" when it can)."""
    if settings.doubts:
        more = len(settings.doubts) - 1
        return "the policy could not be read completely: %s%s" % (
            settings.doubts[0], " (and %d more)" % more if more else "")
    if findings.unknown and strictest(settings) == WARN:
        return "the ROCm release line of %s cannot be read" % ", ".join(
            sorted({p.name for p in findings.unknown}))
    return ""
