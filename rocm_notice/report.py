"""The versioned JSON report of the last decision that was not silence.

dnf-automatic drops plugin text from its e-mails, so monitoring learns about a notice,
hold or block from this file. Keys are only ever added, never removed or renamed; a
consumer checks ``schema``.
"""

import datetime
import json
import os

from rocm_notice import __version__, atomic, notice

SCHEMA = 2        # 2: "applied", "via", "program", "applied_time" added
WARN = "warn"
HOLD = "hold"
BLOCK = "block"

MSG_UNWRITABLE = "rocm_notice: cannot write report %s: %s (transaction not affected)"


def _crossing(crossing):
    return {
        "kind": "crossing",
        "boundary": crossing.kind,
        "from": str(crossing.old_line),
        "to": str(crossing.new_line),
        "downgrade": crossing.downgrade,
        "packages": sorted({notice.clean(c.new.name) for c in crossing.changes}),
        "epel_from": ["10.%d" % m for m in crossing.epel_old],
        "epel_to": ["10.%d" % m for m in crossing.epel_new],
        "same_epel_minor": sorted({notice.clean(c.new.name) for c in crossing.same_epel}),
    }


def build(decision, context, command="", findings=None, hold=None, blocked=()):
    """The report as a JSON-ready dict."""
    data = {
        "schema": SCHEMA,
        "tool": "rocm-epel-notice %s" % __version__,
        "time": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": notice.clean(command).strip(),
        "releasever": notice.clean(context.releasever),
        "releasever_minor": notice.clean(context.releasever_minor),
        "decision": decision,
        "findings": [],
        "lost_sonames": [],
        "consumers": [],
        "after_lines": {},
        "foreign": [],
        "hold": None,
        "blocked": [{"from": str(c.old_line), "to": str(c.new_line), "boundary": c.kind}
                    for c in blocked],
    }
    if findings is not None:
        data["findings"] = [_crossing(c) for c in findings.crossings]
        data["lost_sonames"] = [notice.clean(s) for s in findings.lost_sonames]
        data["consumers"] = sorted({notice.clean(p.name) for p in findings.consumers})
        data["after_lines"] = {str(line): [notice.clean(n) for n in names]
                               for line, names in findings.after_lines.items()}
        data["foreign"] = sorted({notice.clean(p.name) for p in findings.foreign})
    if hold is not None:
        data["hold"] = {"line": str(hold.line), "targets": [str(t) for t in hold.targets],
                        "keys": list(hold.keys), "count": hold.count,
                        "packages": [notice.clean(n) for n in hold.rocm + hold.dependents]}
    return data


VIA_COMMAND = "dnf"       # the dnf command line (``command`` holds it)
VIA_API = "api"           # a program using the dnf API: Ansible, dnf-automatic, a script


def describe_run(data, command, program):
    """Add what ran: ``via`` (the dnf command line, or the dnf API when there is no
    command line), ``program`` (sys.argv[0]) and ``applied`` (False until the rpm
    transaction completes: see ``applied``). Returns ``data``."""
    data["via"] = VIA_COMMAND if command.strip() else VIA_API
    data["program"] = notice.clean(program or "").strip()
    data["applied"] = False
    data["applied_time"] = None
    return data


def applied(data):
    """The report once the transaction it describes was applied (dnf's ``transaction``
    hook: after a successful rpm transaction, never after N, --assumeno, a test or check
    run, or a block)."""
    done = dict(data, applied=True)
    done["applied_time"] = _now()
    return done


def _now():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def path_in_root(path, installroot):
    """Where the report goes: inside the installroot when dnf runs with one."""
    root = installroot or "/"
    return os.path.join(root, path.lstrip("/")) if root != "/" else path


def write(path, data):
    """Write the report atomically (see ``atomic``).

    Returns None, or the one-line problem to show (the old report is then untouched).
    """
    text = json.dumps(data, indent=2, sort_keys=True) + "\n"
    try:
        os.makedirs(os.path.dirname(path) or ".", mode=0o755, exist_ok=True)
        atomic.write(path, text.encode("utf-8"))
    except OSError as error:
        return MSG_UNWRITABLE % (path, error.strerror or error)
    except atomic.WriteError as error:
        return MSG_UNWRITABLE % (path, error.reason)
    return None
