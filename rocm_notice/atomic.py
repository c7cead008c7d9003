"""Replace a file all or nothing: the one writer behind the report and the lock list.

A temp file in the same directory, flushed and fsynced, given the old file's mode (and
owner, when run as root), renamed over the old one, then the directory fsynced. A crash
or a full disk leaves the old file or the new one, never a torn one. Only a regular file
is ever replaced: renaming over ``/dev/null`` (an admin's way to silence a file) or a
FIFO would swap a device for a plain file, as root.
"""

import os
import stat
import tempfile

NEW_FILE_MODE = 0o644


class WriteError(Exception):
    """A write that did not happen: ``reason`` (the OS's words) and ``stage`` (what we did)."""

    def __init__(self, reason, stage):
        super(WriteError, self).__init__("%s (%s)" % (reason, stage))
        self.reason = reason
        self.stage = stage


def write(path, data, new_mode=NEW_FILE_MODE):
    """Replace ``path`` by ``data`` (bytes); a symlink is followed, so it stays a link."""
    target = os.path.realpath(path)
    directory = os.path.dirname(target)
    temp, stage = None, "looking at the old file"
    try:
        try:
            old = os.stat(target)
        except FileNotFoundError:
            old = None
        if old is not None and not stat.S_ISREG(old.st_mode):
            raise WriteError("not a regular file", "looking at the old file")
        stage = "creating a temporary file in %s" % directory
        handle, temp = tempfile.mkstemp(prefix=".%s." % os.path.basename(target),
                                        suffix=".tmp", dir=directory)
        stage = "writing the new file"
        with os.fdopen(handle, "wb") as output:
            output.write(data)
            output.flush()
            os.fsync(output.fileno())
            if old is not None and os.geteuid() == 0:
                os.fchown(output.fileno(), old.st_uid, old.st_gid)
            os.fchmod(output.fileno(),
                      stat.S_IMODE(old.st_mode) if old is not None else new_mode)
        stage = "replacing the old file"
        os.replace(temp, target)
        temp = None
    except OSError as error:
        raise WriteError(error.strerror or str(error), stage) from None
    finally:
        if temp is not None:
            try:
                os.unlink(temp)
            except OSError:
                pass
    _fsync_directory(directory)


def _fsync_directory(directory):
    # The new file is in place: a directory that cannot be fsynced (some filesystems
    # refuse) is no reason to report a failure that did not happen.
    try:
        descriptor = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
