"""What ``dnf rocm check`` found, as Prometheus metrics for node_exporter's textfile
collector: the ecosystem's own format, so a fleet's dashboards and alerts need no glue.

The file (``rocm_notice.prom``) is replaced atomically, as the collector requires: it
must never read a half-written file. When the check could not tell (status 3) the
crossing metrics are left out rather than guessed: absent means unknown.
"""

import os

from rocm_notice.io import files
from rocm_notice.core import policy

FILE_NAME = "rocm_notice.prom"
MSG_UNWRITABLE = "rocm_notice: cannot write metrics %s: %s"

_HELP = {
    "rocm_notice_check_status": "Exit status of the last 'dnf rocm check': 0 nothing "
                                "pending, 1 warn, 2 held or blocked, 3 unknown.",
    "rocm_notice_check_success": "1 when the last check could tell what an upgrade "
                                 "would do to ROCm, 0 when it could not (status 3).",
    "rocm_notice_check_timestamp_seconds": "When the last check ran (Unix time).",
    "rocm_notice_crossing_pending": "1 while 'dnf upgrade' would move ROCm to another "
                                    "release line, or is blocked from doing so.",
    "rocm_notice_blocked": "1 when the pending crossing is refused by on_major/on_minor "
                           "= block until its line is approved.",
    "rocm_notice_held": "1 when a lock holds ROCm on the installed line.",
    "rocm_notice_crossing_info": "One series per crossing an upgrade would meet.",
    "rocm_notice_installed_line_info": "The installed ROCm release line (none without "
                                       "ROCm, unknown when unreadable).",
}


def _label(value):
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _series(name, value, labels=None):
    shown = ""
    if labels:
        shown = "{%s}" % ",".join('%s="%s"' % (k, _label(v)) for k, v in labels)
    return "%s%s %s" % (name, shown, value)


def text(code, actions, installed_line, now, allowed=()):
    """The textfile for one check: ``code`` and ``actions`` as ``policy.check`` gives
    them, ``installed_line`` (text: "6.4", "none" or "unknown"), ``now`` (Unix time)."""
    known = code != policy.CHECK_UNKNOWN
    upgrades = [(c, action) for c, action in actions if not c.downgrade]
    chosen = {action for _, action in upgrades}
    families = [
        ("rocm_notice_check_status", [_series("rocm_notice_check_status", code)]),
        ("rocm_notice_check_success", [_series("rocm_notice_check_success", int(known))]),
        ("rocm_notice_check_timestamp_seconds",
         [_series("rocm_notice_check_timestamp_seconds", "%d" % now)]),
        ("rocm_notice_installed_line_info",
         [_series("rocm_notice_installed_line_info", 1,
                  [("line", installed_line)])]),
    ]
    if known:
        families += [
            ("rocm_notice_crossing_pending",
             [_series("rocm_notice_crossing_pending",
                      int(bool(chosen & {policy.WARN, policy.BLOCK})))]),
            ("rocm_notice_blocked",
             [_series("rocm_notice_blocked", int(policy.BLOCK in chosen))]),
            ("rocm_notice_held", [_series("rocm_notice_held", int(policy.LOCK in chosen))]),
            ("rocm_notice_crossing_info",
             [_series("rocm_notice_crossing_info", 1,
                      [("from", c.old_line), ("to", c.new_line), ("boundary", c.kind),
                       ("action", action), ("downgrade", str(c.downgrade).lower()),
                       ("approved", str(c.new_line in allowed).lower())])
              for c, action in actions]),
        ]
    out = []
    for name, series in families:
        out += ["# HELP %s %s" % (name, _HELP[name]), "# TYPE %s gauge" % name] + series
    return "\n".join(out) + "\n"


def write(directory, content):
    """Replace ``directory``/rocm_notice.prom; None, or the one-line problem. The
    directory is the collector's: it is not created here."""
    path = os.path.join(directory, FILE_NAME)
    if not os.path.isdir(directory):
        return MSG_UNWRITABLE % (path, "no such directory")
    try:
        files.write(path, content.encode("utf-8"), durable=False)
    except files.FileProblem as problem:
        return MSG_UNWRITABLE % (path, problem.reason)
    return None
