"""The helper behind the native plugins (libdnf's: PackageKit, microdnf; libdnf5's: dnf5):
one request, one answer (and a gate's helper answers the transaction's request too).

A C++ plugin (libdnf-plugin/, dnf5-plugin/) runs this program at its package manager's
hooks and does what the answer says; every decision is the engine's (``core.run``), as
for every front end. The protocol (version 1) is documented in native/PROTOCOL.md:

- request, on stdin: one JSON object a line (``Requests``) -- ``protocol``, ``hook``
  (``core.run.HOOKS``), ``installroot``, ``confdir``, ``releasever``, ``program``, where
  the front end's metadata is (``repos`` for libdnf, ``base`` for dnf5), and at
  pre_transaction ``items``, ``installed`` and ``compat_available`` (the goal's packages,
  see ``_item``; the installed packages; the compat names on offer);
- answer, on stdout: lines ``KEY<TAB>VALUE``, first ``rocm-notice-libdnf<TAB>1``, last
  ``end`` (``answer_text``).

Here: the protocol, and the packages as the request sends them (at pre_transaction,
everything the analysis and the notice read). What only one package manager's side can
read (a lock's hold: its rpmdb and metadata, through its own bindings) and what it calls
itself is its room's ``Run`` (``frontends/libdnf/run.py``, ``frontends/dnf5/plugin.py``),
which the program (native/rocm-epel-notice-helper FRONT_END) hands to ``main``.
"""

import json
import os
import select
import sys

import rocm_notice
from rocm_notice import describe
from rocm_notice.catalog.catalog import source_name
from rocm_notice.core import run
from rocm_notice.io import clean
from rocm_notice.core.records import Item, Package

PROTOCOL = 1
MAGIC = "rocm-notice-libdnf"
MAX_REQUEST = 256 * 1024 * 1024     # a goal of 10,000 packages with provides: ~20 MB
MSG_BAD_REQUEST = "bad request from the plugin: %s"
# How long a gate's helper waits for the transaction's request: past the prompt, the
# download and rpm's run of most transactions (after that, the plugin runs a new helper).
WAIT_SECONDS = 900


class RequestError(Exception):
    pass


def answer_text(outcome, waits=False):
    """The lines the plugin reads back (values on one line, control characters gone);
    ``waits``: this process answers the next request too (``main``)."""
    out = ["%s\t%d" % (MAGIC, PROTOCOL)]
    if outcome.failed:
        return "\n".join(out + ["failed\t%s" % clean(outcome.failed), "end"]) + "\n"
    if outcome.fail_closed is not None:
        out.append("fail_closed\t%d" % bool(outcome.fail_closed))
    for message in outcome.messages:
        out.extend("message\t%s" % clean(line) for line in message.split("\n"))
    if outcome.excludes is not None:
        out.append("excludes\t%d" % len(outcome.excludes))
        out.extend("exclude\t%s" % clean(pattern) for pattern in outcome.excludes)
    if outcome.refuse:
        out.extend("refuse\t%s" % clean(line) for line in outcome.refuse.split("\n"))
    if outcome.report_written:
        out.append("report_written\t1")
    if outcome.holds:
        out.append("holds\t1")
    if waits:
        out.append("waits\t1")
    out.append("end")
    return "\n".join(out) + "\n"


class Requests:
    """The requests on the plugin's socket (standard input), one a line: the plugin sends
    a newline after each (and closes its end after the last; a request that ends there
    without a newline is whole too)."""

    def __init__(self, fd=0):
        self.fd = fd
        self.rest = b""
        self.ended = False

    def next(self, wait=None):
        """The next request's bytes (``b""`` for none: the plugin closed its end), waiting
        at most ``wait`` seconds for it to start (None: as long as it takes)."""
        chunks, size = [self.rest], len(self.rest)
        while b"\n" not in chunks[-1] and not self.ended and size <= MAX_REQUEST:
            if wait is not None and size == 0 and \
                    not select.select([self.fd], [], [], wait)[0]:
                return b""
            chunk = os.read(self.fd, 1 << 20)
            self.ended = not chunk
            chunks.append(chunk)
            size += len(chunk)
        line, _, self.rest = b"".join(chunks).partition(b"\n")
        return line


def read_request(raw):
    if len(raw) > MAX_REQUEST:
        raise RequestError(MSG_BAD_REQUEST % "larger than %d bytes" % MAX_REQUEST)
    try:
        # A byte that is not UTF-8 (in an install root's path, say) comes back the same
        # when the text is used as a path: reading another path would lose the policy.
        request = json.loads(raw.decode("utf-8", errors="surrogateescape"))
    except ValueError as error:
        raise RequestError(MSG_BAD_REQUEST % describe(error))
    if not isinstance(request, dict) or request.get("protocol") != PROTOCOL:
        raise RequestError(MSG_BAD_REQUEST % "not protocol %d" % PROTOCOL)
    if request.get("hook") not in run.HOOKS:
        raise RequestError(MSG_BAD_REQUEST % "unknown hook %r" % (request.get("hook"),))
    return request


def _package(data):
    """A package as the plugin sends it: name, epoch, version, release, arch, repoid,
    sourcerpm, provides, obsoletes and (incoming items) requires."""
    return Package(
        name=str(data["name"]), version=str(data["version"]), release=str(data["release"]),
        epoch=int(data.get("epoch") or 0), arch=str(data.get("arch", "")),
        repoid=str(data.get("repoid", "")),
        source=source_name(str(data.get("sourcerpm") or "")),
        provides=tuple(str(d) for d in data.get("provides", ())),
        requires=tuple(str(d) for d in data.get("requires", ())),
        obsoletes=tuple(str(d) for d in data.get("obsoletes", ())))


def _item(data):
    """A goal package (``_package``) and its direction ("in"/"out"; the plugin also
    sends ``action``, for the log; the analysis reads the direction)."""
    if data.get("direction") not in ("in", "out"):
        raise RequestError(MSG_BAD_REQUEST % "item direction %r" % (data.get("direction"),))
    return Item(data["direction"], _package(data))


class Run(run.Run):
    """One request: the goal's items, the installed packages and the compat names on
    offer, as the plugin sent them (at pre_transaction: no rpmdb, metadata or package
    manager's bindings are read here). A front end's room adds what only it reads."""

    def __init__(self, request, outcome):
        super().__init__(request["hook"], outcome, str(request.get("installroot") or "/"),
                         str(request.get("confdir") or ""),
                         str(request.get("releasever") or ""),
                         str(request.get("program") or ""),
                         conf_asked=request.get("conf_asked") is not False)
        self.request = request

    def items(self):
        return [_item(i) for i in self.request.get("items") or ()]

    def installed(self):
        """At pre_transaction the plugin sends the installed packages: no rpmdb is read
        here (nor the package manager's bindings imported)."""
        if "installed" not in self.request:
            return super().installed()
        kind = self.catalog.kind
        return [_package(p) for p in self.request["installed"]
                if kind(str(p["name"]), str(p.get("sourcerpm") or "")) is not None]

    def offered(self, names):
        """Likewise the names of the compat packages the repositories offer."""
        if "compat_available" not in self.request:
            return super().offered(names)
        return set(names) & {str(name) for name in self.request["compat_available"]}


def code_stamp():
    """Where the core's code on disk stands (its package's ``__init__.py``: rpm writes
    every file of an upgraded package anew), or None."""
    try:
        info = os.stat(rocm_notice.__file__)
    except (OSError, TypeError):
        return None
    return info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns


def answer(raw, front_end_run):
    """The hook asked about and the ``core.run.Outcome`` for the request ``raw`` (its
    bytes), worked through by ``front_end_run`` (a ``Run`` subclass of the front end's
    room)."""
    try:
        request = read_request(raw)
    except RequestError as error:       # nothing is known of the policy yet
        return None, run.Outcome(failed=str(error))
    hook = request["hook"]
    return hook, run.outcome(hook, lambda outcome: front_end_run(request, outcome))


def main(front_end_run):
    """Requests from stdin, their answers on stdout: the exit status.

    One request, one answer; except that a gate's answer whose report the transaction
    applies says ``waits``, and this process waits (``WAIT_SECONDS`` at most) for the
    transaction's request, so that the plugin starts no second helper once rpm has run.
    Its end of the socket closed, or the wait over, it exits (the plugin then runs a new
    helper, should the request still come)."""
    requests = Requests()
    code = code_stamp()
    hook, reply = answer(requests.next(), front_end_run)
    waits = hook == run.PRE_TRANSACTION and bool(reply.report_written) and not reply.refuse
    try:
        sys.stdout.write(answer_text(reply, waits))
        sys.stdout.flush()
        if not waits:
            return 0
        raw = requests.next(wait=WAIT_SECONDS)
        # The transaction upgraded this package: the new code answers (a new helper: the
        # plugin runs one when this one ends without an answer), not this process, which
        # would import the rest of the new code into the old.
        if raw and code_stamp() == code:
            sys.stdout.write(answer_text(answer(raw, front_end_run)[1]))
            sys.stdout.flush()
    except OSError:         # the plugin is gone (killed, timed out): nobody to tell
        return 1
    return 0
