"""A scan's result -> the text of ``dnf rocm scan``, its JSON object and its exit status.

Kept apart from the walk so that the command, the notice and the report say the same
things from the same values. File names are anyone's: the text passes every one through
``io.clean`` (no terminal escapes, no undecodable bytes); JSON escapes them itself.
"""

from rocm_notice.scan import scan as sc
from rocm_notice.io import clean

SCHEMA = 1

OK, FOUND, UNKNOWN = 0, 1, 3      # exit statuses of `dnf rocm scan`

MSG_BROKEN_UPGRADE = "Broken by the pending upgrade, which removes %s:"
MSG_BROKEN_NOW = "Broken now (no installed package provides %s):"
MSG_STILL_RUN = "Still run (they find the library elsewhere):"
MSG_NONE = "No program found that needs a ROCm library %s."
MSG_SUMMARY = "Scanned %s%s: %d files, %d ELF, %d unreadable%s, %.1f s."
MSG_STOPPED = ("Stopped after %.0f s (scan_seconds) at %s: what comes after it was not "
               "scanned.")
MSG_PENDING_UNKNOWN = "What the pending upgrade removes could not be told: %s"
MSG_NO_PENDING = "the pending upgrade removes none"


def _needs(hit, why):
    return sorted(name for name, reason in hit.lost.items()
                  if reason == why and name not in hit.found)


def exit_status(result, pending_problem=""):
    """0: complete, nothing broken; 1: broken files found; 3: nothing found but the scan
    is incomplete (deadline) or the pending upgrade could not be evaluated."""
    if result.broken:
        return FOUND
    if not result.complete or pending_problem:
        return UNKNOWN
    return OK


def to_json(result, lost, pending_problem=""):
    """The --json object (``"schema": 1``; keys are only ever added)."""
    def broken(hit):
        return {"path": hit.path, "needs": {n: hit.lost[n] for n in sorted(hit.lost)
                                            if n not in hit.found}}

    def runs(hit):
        return {"path": hit.path, "found": dict(sorted(hit.found.items()))}

    return {
        "schema": SCHEMA,
        "status": exit_status(result, pending_problem),
        "root": result.root,
        "paths": list(result.paths),
        "complete": result.complete,
        "stopped_at": result.stopped_at or None,
        "files": result.files,
        "elf": result.elf,
        "unreadable": result.unreadable,
        "unreadable_examples": list(result.unreadable_examples),
        "skipped": result.skipped,
        "seconds": result.seconds,
        "pending_lost_sonames": sorted(lost.pending),
        "pending_problem": pending_problem or None,
        "broken": [broken(hit) for hit in result.broken],
        "still_run": [runs(hit) for hit in result.still_run],
    }


def text(result, lost, pending_problem=""):
    """The lines `dnf rocm scan` prints."""
    lines = []
    for why, heading in ((sc.UPGRADE, MSG_BROKEN_UPGRADE), (sc.MISSING, MSG_BROKEN_NOW)):
        hits = [(hit, _needs(hit, why)) for hit in result.broken]
        hits = [(hit, needs) for hit, needs in hits if needs]
        if hits:
            names = sorted({name for _, needs in hits for name in needs})
            lines.append(heading % clean(", ".join(names)))
            lines += ["  %s: %s" % (clean(hit.path), clean(", ".join(needs)))
                      for hit, needs in hits]
    if result.still_run:
        lines.append(MSG_STILL_RUN)
        lines += ["  %s: %s" % (clean(hit.path), clean("; ".join(
            "%s in %s" % item for item in sorted(hit.found.items()))))
                  for hit in result.still_run]
    if not result.broken:
        what = ("that the pending upgrade removes or that is missing" if lost.pending
                else "that is missing (%s)" % (MSG_NO_PENDING if not pending_problem
                                               else "pending upgrade unknown"))
        lines.append(MSG_NONE % what)
    if pending_problem:
        lines.append(MSG_PENDING_UNKNOWN % clean(pending_problem))
    where = "" if result.root in ("", "/") else " inside %s" % result.root
    skipped = ", %d skipped (other filesystems, too deep)" % result.skipped \
        if result.skipped else ""
    lines.append(MSG_SUMMARY % (clean(", ".join(result.paths)), clean(where), result.files, result.elf,
                                result.unreadable, skipped, result.seconds))
    if result.unreadable_examples:
        lines.append("  unreadable: %s%s" % (clean(", ".join(result.unreadable_examples)),
                                             ", ..." if result.unreadable > len(
                                                 result.unreadable_examples) else ""))
    if not result.complete:
        lines.append(MSG_STOPPED % (result.seconds, clean(result.stopped_at)))
    return lines
