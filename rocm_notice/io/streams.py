"""Standard error as a program of ours finds it when a package manager runs it: whatever
it is, writing to it must never fail the program.

The native plugins' helper (libdnf's, libdnf5's) inherits its front end's file
descriptor 2. Under cron or a service unit that may be closed (``2>&-``), unwritable, or a
device that refuses every write (``2>/dev/full``). Worse, once dnf5's fd 2 is closed,
rpm's SQLite takes that slot for a read-only ``/dev/null``, which our program inherits:
Python then has a ``sys.stderr`` whose first write fails, and a helper that dies of it
(or of the failed flush at exit, status 120) gives no answer, which under lock or block
refuses the transaction. Our lines are worth nothing next to that: if standard error
cannot take them, they are dropped.
"""

import fcntl
import io
import os
import sys


def _writable(fd):
    try:
        return fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE in (os.O_WRONLY, os.O_RDWR)
    except OSError:         # closed
        return False


def _to_devnull(fd):
    """Point ``fd`` at /dev/null, open for writing."""
    null = os.open(os.devnull, os.O_WRONLY)
    if null != fd:
        os.dup2(null, fd)
        os.close(null)


class Forgiving(io.TextIOBase):
    """A text stream over another that swallows a failed write: the first failure points
    fd 2 at /dev/null (so nothing left in a buffer fails at exit) and drops the rest."""

    def __init__(self, stream):
        super().__init__()
        self._stream = stream

    @property
    def encoding(self):
        return getattr(self._stream, "encoding", None) or "utf-8"

    def writable(self):
        return True

    def fileno(self):
        return self._stream.fileno()

    def isatty(self):
        try:
            return self._stream.isatty()
        except (OSError, ValueError):
            return False

    def write(self, text):
        try:
            self._stream.write(text)
            self._stream.flush()
        except (OSError, ValueError):
            self._give_up()
        return len(text)

    def flush(self):
        try:
            self._stream.flush()
        except (OSError, ValueError):
            self._give_up()

    def _give_up(self):
        try:
            _to_devnull(self._stream.fileno())
        except (OSError, ValueError):
            pass
        self._stream = open(os.devnull, "w")


def guard_stderr():
    """Make ``sys.stderr`` safe to write whatever fd 2 is (see the module's doc). Call it
    first thing in a program a package manager runs."""
    if not _writable(2):
        _to_devnull(2)
        sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), line_buffering=True)
    elif sys.stderr is None:        # a Python started with fd 2 closed, reopened since
        sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), line_buffering=True)
    if not isinstance(sys.stderr, Forgiving):
        sys.stderr = Forgiving(sys.stderr)
