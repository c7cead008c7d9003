"""The versioned JSON report of the last decision that was not silence.

dnf-automatic drops plugin text from its e-mails, so monitoring learns about a notice,
hold or block from this file. Keys are only ever added, never removed or renamed; a
consumer checks ``schema``.
"""

import json
import os
import re
import time

from rocm_notice import __version__
from rocm_notice.io import files
from rocm_notice.io import clean

SCHEMA = 2        # 2: "applied", "via", "program", "applied_time" added; later "broken_programs"
WARN = "warn"
HOLD = "hold"
BLOCK = "block"

MSG_UNWRITABLE = "rocm_notice: cannot write report %s: %s (transaction not affected)"
REDACTED = "***"

# Option names whose values are secrets (dnf's password, proxy_password, sslclientkey,
# a repo's "REPO.password", ...): "--setopt=KEY=VALUE", "--setopt KEY=VALUE" alike.
_SECRET_KEY = r"[\w.*:-]*(?:password|passwd|passphrase|secret|token|sslclientkey|credential)[\w-]*"
_SECRET_OPTION = r"(?i)(?<![^\s=])(%s)=(\S+)" % _SECRET_KEY
# A URL's "user:password@" part (a --repofrompath or a baseurl given on the command line).
_URL_PASSWORD = r"(?i)(\b[a-z][a-z0-9+.-]*://[^\s/:@]*:)[^\s/@]*@"


_SECRET_WORDS = ("password", "passwd", "passphrase", "secret", "token", "sslclientkey",
                 "credential")


def redact(command):
    """``command`` with the values of credential-like options and URL passwords replaced
    by ``***``: the report is world-readable (0644). Each pattern runs (and is compiled)
    only when the text holds what it needs to match: most commands hold neither. Text
    that is not ASCII always goes through (case-insensitive matching folds some
    non-ASCII letters into ASCII ones, which str.lower does not)."""
    if not command.isascii() or ("=" in command and any(
            word in command.lower() for word in _SECRET_WORDS)):
        command = re.sub(_SECRET_OPTION, r"\1=" + REDACTED, command)
    if "://" in command and "@" in command:
        command = re.sub(_URL_PASSWORD, r"\g<1>" + REDACTED + "@", command)
    return command


def _crossing(crossing):
    return {
        "kind": "crossing",
        "boundary": crossing.kind,
        "from": str(crossing.old_line),
        "to": str(crossing.new_line),
        "downgrade": crossing.downgrade,
        "packages": sorted({clean(c.new.name) for c in crossing.changes}),
        "epel_from": ["10.%d" % m for m in crossing.epel_old],
        "epel_to": ["10.%d" % m for m in crossing.epel_new],
        "same_epel_minor": sorted({clean(c.new.name) for c in crossing.same_epel}),
    }


def _broken(brief):
    """The quick scan's findings (None when no scan ran), file names made printable."""
    if brief is None:
        return None
    return dict(brief, paths=[clean(p) for p in brief["paths"]])


def build(decision, context, command="", findings=None, hold=None, blocked=()):
    """The report as a JSON-ready dict."""
    data = {
        "schema": SCHEMA,
        "tool": "rocm-epel-notice %s" % __version__,
        "time": _now(),
        "command": redact(clean(command).strip()),
        "releasever": clean(context.releasever),
        "releasever_minor": clean(context.releasever_minor),
        "decision": decision,
        "findings": [],
        "lost_sonames": [],
        "consumers": [],
        "after_lines": {},
        "foreign": [],
        "hold": None,
        "blocked": [{"from": str(c.old_line), "to": str(c.new_line), "boundary": c.kind}
                    for c in blocked],
        "broken_programs": _broken(context.broken),
    }
    if findings is not None:
        data["findings"] = [_crossing(c) for c in findings.crossings]
        data["lost_sonames"] = [clean(s) for s in findings.lost_sonames]
        data["consumers"] = sorted({clean(p.name) for p in findings.consumers})
        data["after_lines"] = {str(line): [clean(n) for n in names]
                               for line, names in findings.after_lines.items()}
        data["foreign"] = sorted({clean(p.name) for p in findings.foreign})
    if hold is not None:
        data["hold"] = hold_data(hold)
    return data


def hold_data(hold):
    """A ``hold.Hold`` as JSON: the one shape of "hold" in the report and in ``dnf rocm
    status --json`` (the line kept, the lines held, the keys, the count and the NEVRAs)."""
    return {"line": str(hold.line), "targets": [str(t) for t in hold.targets],
            "keys": list(hold.keys), "count": hold.count,
            "packages": [clean(n) for n in hold.rocm + hold.dependents]}


VIA_COMMAND = "dnf"       # the dnf command line (``command`` holds it)
VIA_API = "api"           # a program using the dnf API: Ansible, dnf-automatic, a script
VIA_DNF5 = "dnf5"         # dnf5, through our libdnf5 plugin
VIA_PACKAGEKIT = "packagekit"   # packagekitd (GNOME Software, Cockpit, pkcon), libdnf or dnf5
VIA_MICRODNF = "microdnf"       # microdnf, via libdnf
VIA_LIBDNF = "libdnf"     # another program on libdnf's C API


def describe_run(data, command, program, via=None):
    """Add what ran: ``via`` (which front end: one of the VIA_ values; for dnf 4 the
    command line, or the dnf API when there is no command line), ``program`` (the
    program's name or path) and ``applied`` (False until the rpm transaction
    completes: see ``applied``). Returns ``data``."""
    data["via"] = via or (VIA_COMMAND if command.strip() else VIA_API)
    data["program"] = clean(program or "").strip()
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


REPORT_LIMIT = 16 << 20     # a report names packages and sonames: far less than this


def _unapplied(path, installroot):
    """The report at ``path`` (inside ``installroot``) when it is one of ours that a
    completed transaction would apply: a hold or a warning not yet applied (a block
    refused its transaction, so none applies it). None otherwise."""
    raw = files.read_bytes(path, installroot or "/", limit=REPORT_LIMIT)
    try:
        data = json.loads(raw.decode("utf-8")) if raw else None
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        return None
    if data.get("applied") is not False or data.get("decision") not in (WARN, HOLD):
        return None
    return data


def holds_unapplied(path, installroot="/"):
    """Whether the report is a hold not yet applied: a transaction that the hold kept
    on the installed line applies it when it completes."""
    try:
        data = _unapplied(path, installroot)
    except files.FileProblem:       # what cannot be read is not ours to apply
        return False
    return data is not None and data["decision"] == HOLD


def mark_applied(path, installroot="/"):
    """After a completed transaction (a front end's transaction hook): the report at
    ``path`` says ``applied`` (see ``_unapplied``). None, or the one-line problem."""
    try:
        data = _unapplied(path, installroot)
    except files.FileProblem as problem:
        return MSG_UNWRITABLE % (problem.path, problem.reason)
    return None if data is None else write(path, applied(data), installroot, system=True)


def _now():
    """Now, in UTC, as ISO 8601 to the second ("2026-12-07T17:50:00+00:00"). With time,
    not datetime: every helper process imports this module, and datetime costs it 1.5 ms."""
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())


def path_in_root(path, installroot):
    """Where the report goes, as the user sees it: inside the installroot, if any."""
    root = installroot or "/"
    return os.path.join(root, path.lstrip("/")) if root != "/" else path


def write(path, data, installroot="/", system=False):
    """Write the report atomically at ``path`` inside ``installroot`` (see ``files``: a
    link in the root never leads out of it).

    Returns None, or the one-line problem to show (the old report is then untouched).
    ``system``: the system's report of a transaction's decision, written by root's runs:
    a user who is not root and may not write it (dnf check-update, under a lock) writes
    none, and nothing is said. A file the user asked for (check --save) says why.
    """
    text = json.dumps(data, indent=2, sort_keys=True) + "\n"
    try:
        files.write(path, text.encode("utf-8"), root=installroot or "/", make_dirs=True,
                    durable=False)
    except files.FileProblem as problem:
        if system and problem.denied and os.geteuid() != 0:
            return None
        return MSG_UNWRITABLE % (problem.path, problem.reason)
    return None
