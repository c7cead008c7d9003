"""What ``dnf rocm status`` and ``dnf rocm check`` show: one dict (the ``--json`` object,
``"schema": 1``, keys only ever added) and its text for people.
"""

from rocm_notice.core import analysis, gpu, report
from rocm_notice.catalog import releases
from rocm_notice.io import clean

SCHEMA = 1


def lines_of(packages, catalog):
    """{"6.4": {"packages": n, "epel": ["10.1"]}} for the stack packages given."""
    found = {}
    for line, members in sorted(analysis.by_line(packages, catalog).items()):
        minors = sorted({m for p in members for m in [releases.epel_minor(p.release)]
                         if m is not None})
        found[str(line)] = {"packages": len({p.name for p in members}),
                            "epel": ["10.%d" % m for m in minors]}
    return found


def build(installed, available, catalog, settings, hold=None, versionlock=None,
          gpus=(), known=None, report_path=""):
    """The status object. ``versionlock``: None (no versionlock.conf) or
    {"list": path, "entries": [...], "problem": "" or one line}. ``known``: per-line
    facts (``known.load()``), for what the newest available line means for ``gpus``."""
    line = analysis.main_line(installed, catalog)
    offered = lines_of(available, catalog)
    newest = max((releases.parse_line(l) for l in offered), default=None)
    gpu_notes = (gpu.support_notes(gpus, line, newest, known or {})
                 if line and newest and newest > line else [])
    return {
        "schema": SCHEMA,
        "installed": lines_of(installed, catalog),
        "installed_line": str(line) if line else None,
        "available": offered,
        "policy": {
            "on_major": settings.on_major,
            "on_minor": settings.on_minor,
            "allow": [str(line) for line in settings.allow],
            "include": list(settings.include),
            "exclude": list(settings.exclude),
            "report": settings.report,
            "set_in": dict(sorted(settings.origin.items())),
            "problems": list(settings.doubts),
        },
        "hold": None if hold is None else report.hold_data(hold),
        "versionlock": versionlock,
        "gpus": list(gpus),
        "gpu_notes": list(gpu_notes),
        "report": report_path,
    }


def _lines_text(found):
    return ["  %s: %d package%s%s" % (line, info["packages"],
                                      "" if info["packages"] == 1 else "s",
                                      " (EPEL %s)" % ", ".join(info["epel"]) if info["epel"] else "")
            for line, info in found.items()] or ["  none"]


def text(status):
    """``dnf rocm status`` for people."""
    policy = status["policy"]
    out = ["Installed ROCm:"] + _lines_text(status["installed"])
    out += ["Available in enabled repositories:"] + _lines_text(status["available"])
    out.append("Policy: on_major = %s, on_minor = %s, allow = %s"
               % (policy["on_major"], policy["on_minor"], ", ".join(policy["allow"]) or "none"))
    for key, source in policy["set_in"].items():
        out.append("  %s set in %s" % (key, clean(source)))
    for problem in policy.get("problems", []):
        out.append("  not read completely: %s" % clean(problem))
    hold = status["hold"]
    if hold:
        out.append("Held: %s at %s (%s); %d package%s held back" % (
            ", ".join(hold["targets"]), hold["line"], ", ".join(k + " = lock" for k in hold["keys"]),
            hold["count"], "" if hold["count"] == 1 else "s"))
    else:
        out.append("Held: nothing")
    lock = status["versionlock"]
    if lock is not None:
        out.append("Versionlock entries of ours in %s: %s" % (
            clean(lock["list"]), len(lock["entries"]) or "none"))
        if lock.get("problem"):
            out.append("  " + lock["problem"])
    out.append("AMD GPUs: %s" % (", ".join(status["gpus"]) or "none found"))
    out += ["  " + note for note in status["gpu_notes"]]
    if not policy["report"]:
        out.append("Last report: none written (report = none)")
    else:
        out.append("Last report: %s" % (clean(status["report"]) or "none"))
    return "\n".join(out)


def check_object(code, actions, error="", unknown=(), allowed=(), broken=None):
    """The ``dnf rocm check --json`` object (``error`` says why, with status 3;
    ``unknown`` names incoming ROCm packages whose release line cannot be read;
    ``approved``: the target line is in ``allowed``, so "warn" was chosen, not defaulted;
    ``broken``: the quick scan's ``scan.brief``, None when none ran)."""
    return {
        "schema": SCHEMA,
        "status": code,
        "error": clean(error),
        "unknown": sorted({clean(p.name) for p in unknown}),
        "crossings": [{"from": str(c.old_line), "to": str(c.new_line), "boundary": c.kind,
                       "downgrade": c.downgrade, "action": action,
                       "approved": c.new_line in allowed,
                       "packages": sorted({clean(x.new.name) for x in c.changes})}
                      for c, action in actions],
        "broken_programs": None if broken is None else dict(
            broken, paths=[clean(p) for p in broken["paths"]]),
    }


WOULD = {"warn": "move (warn)", "lock": "be held (lock)", "block": "be blocked (block)"}
WOULD_APPROVED = "move (approved: allow = %s)"


def check_text(code, actions, arrow="->", why="", allowed=()):
    """``dnf rocm check`` for people; a crossing into an ``allowed`` line says that it
    moves because it was approved, not because policy is warn."""
    out = ["ROCm: cannot tell: %s" % clean(why)] if why else []
    if not actions:
        return "\n".join(out or ["ROCm: no release line change pending"])
    return "\n".join(out + ["ROCm %s %s %s (%s): %d package%s would %s" % (
        c.old_line, arrow, c.new_line, c.kind, len(c.changes),
        "" if len(c.changes) == 1 else "s",
        WOULD_APPROVED % (c.new_line,) if c.new_line in allowed and not c.downgrade
        else WOULD[action])
        for c, action in actions])
