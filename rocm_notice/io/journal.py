"""The system log (syslog, or the journal through its syslog socket), for what a program
using the dnf API would otherwise never show anyone.

Under the dnf API (Ansible's dnf module, dnf-automatic, scripts) the plugin's lines reach
only the installroot's dnf.log. The notice, the hold line and the block are also sent
here, one datagram per line, as ``rocm_notice[PID]: ...`` (RFC 3164 without the
timestamp, which the receiver adds: journald and rsyslog both read it so). A log that
is missing or full costs nothing: this is an extra channel, never a reason to fail.

Not ``logging.handlers.SysLogHandler`` nor ``syslog``: both send on a blocking socket (a
full log would stall dnf), ``syslog`` cannot be pointed at the tests' socket and its
``openlog`` ident is the whole process's (dnf's), and ``logging.handlers`` costs about
30 ms to import and prints a traceback when a send fails.
"""

import os
import socket

SOCKET_ENV = "ROCM_NOTICE_SYSLOG_SOCKET"    # another address than /dev/log (for tests)
DEFAULT_SOCKET = "/dev/log"
TAG = "rocm_notice"
FACILITY_USER = 1
WARNING = 4
ERROR = 3
MAX_LINE = 2000         # bytes of text per datagram; a longer line is cut
MAX_BLOCK = 16384       # bytes of one message of several lines (a traceback)


def address():
    return os.environ.get(SOCKET_ENV) or DEFAULT_SOCKET


def datagrams(text, severity=WARNING, pid=None):
    """The datagrams for ``text``: one per non-empty line, prefixed ``<PRI>TAG[PID]: ``."""
    prefix = "<%d>%s[%d]: " % (FACILITY_USER * 8 + severity, TAG,
                               os.getpid() if pid is None else pid)
    lines = [line.strip() for line in str(text).splitlines()]
    if lines and lines[0].startswith(TAG + ": "):
        lines[0] = lines[0][len(TAG) + 2:]      # the tag says who speaks already
    return [(prefix + line).encode("utf-8", "replace")[:MAX_LINE] for line in lines if line]


def block(text, severity=ERROR, pid=None):
    """One datagram for ``text`` whole, its lines kept (a traceback: one log entry, and
    a log whose queue takes few datagrams at a time still takes it)."""
    prefix = "<%d>%s[%d]: " % (FACILITY_USER * 8 + severity, TAG,
                               os.getpid() if pid is None else pid)
    return [(prefix + str(text).strip()).encode("utf-8", "replace")[:MAX_BLOCK]]


def send(text, severity=WARNING, path=None, whole=False):
    """Send ``text`` to the system log, a datagram per line (``whole``: one for all);
    True when every datagram was sent."""
    try:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    except OSError:
        return False
    try:
        sock.setblocking(False)       # a full log never stalls dnf
        sock.connect(path or address())
        for datagram in (block if whole else datagrams)(text, severity):
            sock.send(datagram)
        return True
    except OSError:
        return False
    finally:
        sock.close()
