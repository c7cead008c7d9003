"""Site policy: what happens to a crossing of each boundary kind (warn, lock or block).

Pure functions of the settings and release values, shared by the hold (before
depsolving) and the block (after it), so both read the policy the same way.
"""

from rocm_notice import releases

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


def has_block(settings):
    return BLOCK in (settings.on_major, settings.on_minor)


def has_lock(settings):
    return LOCK in (settings.on_major, settings.on_minor)


# `dnf rocm check` exit statuses (Nagios-style: OK, WARNING, CRITICAL, UNKNOWN).
CHECK_NOTHING = 0
CHECK_WARN = 1
CHECK_HELD = 2
CHECK_UNKNOWN = 3


def check(findings, settings):
    """(exit status, [(crossing, action)]) for what an upgrade would do to ROCm."""
    actions = [(c, WARN if c.downgrade else action(settings, c.kind, c.new_line))
               for c in findings.crossings]
    if any(chosen in (LOCK, BLOCK) for _, chosen in actions):
        return CHECK_HELD, actions
    return (CHECK_WARN if actions else CHECK_NOTHING), actions
