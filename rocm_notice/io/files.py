"""The one way we read and the one way we write files: bounded, non-blocking, inside a root.

Everything the plugin touches goes through here: its configuration and drop-ins, the
versionlock list, sysfs, the report. A path is resolved one component at a time from a
directory descriptor of ``root`` (an installroot, or ``/``), the way rpm resolves paths
inside a chroot: a symbolic link is read and followed *inside* the root, an absolute
target restarts at the root and ``..`` never climbs above it. So a package that ships
``/var/lib/rocm-epel-notice`` as a link to a host path cannot make a run with
``--installroot`` write on the host.

Reading takes regular files only, opened with ``O_NONBLOCK`` (a FIFO where a file should
be never hangs dnf) and read up to a size limit (``/dev/zero`` or a huge file costs one
line, not the machine's memory). Writing replaces a regular file all or nothing: a
temporary file in the same directory, fsynced, renamed over the old one; a crash or a
full disk leaves the old file or the new one, never a torn one. For what the admin wrote
(drop-ins, lock lists) the directory is fsynced too, so the new file is the one that
survives a crash; what the program writes again at each run (the report, metrics, the
banner, the scan cache) skips that second fsync (``durable=False``, about 0.8 ms of a
crossing's run on ext4): after a crash it may be the one before (or, the first time,
none), still never torn.

On the host (``root`` is ``/``) that walk is the kernel's own lookup, so a reader first
asks the kernel for the file in one ``open``, and walks only when that fails, to say why
(or that nothing is there): every dnf transaction reads the configuration this way.

Every failure is a ``FileProblem`` whose ``str()`` is one line naming the path.
"""

import errno
import fcntl
import os
import stat

NEW_FILE_MODE = 0o644
CONFIG_LIMIT = 1 << 20            # a configuration file, a drop-in: 1 MiB
LIST_LIMIT = 64 << 20             # the versionlock list (100,000 entries are ~5 MiB)
SYSFS_LIMIT = 1 << 16             # one sysfs attribute
MAX_LINKS = 40                    # as the kernel's own limit on links in one lookup

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_READ_FLAGS = os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NOCTTY
_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket"))


class FileProblem(Exception):
    """A file we could not read or write: ``path``, the ``reason`` in words, the
    ``stage`` of a write that failed (what we were doing), whether it was simply
    ``missing`` (nothing at that name) or ``denied`` (the user may not)."""

    def __init__(self, path, reason, missing=False, stage="", denied=False):
        super(FileProblem, self).__init__(
            "%s: %s%s" % (path, reason, " (%s)" % stage if stage else ""))
        self.path = str(path)
        self.reason = reason
        self.missing = missing
        self.stage = stage
        self.denied = denied


def _denied(error):
    return error.errno in (errno.EACCES, errno.EPERM)


def _kind(mode):
    return next((words for test, words in _KINDS if test(mode)), "not a regular file")


def _reason(error):
    return error.strerror or str(error)


def _size(limit):
    return "%d MiB" % (limit >> 20) if limit >= 1 << 20 else "%d KiB" % (limit >> 10)


class _Resolved:
    """An open descriptor of the directory that holds ``name`` (``name`` itself is not a
    symbolic link when this is made, or does not exist); close it when done."""

    def __init__(self, dir_fd, name, shown):
        self.dir_fd, self.name, self.shown = dir_fd, name, shown

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        os.close(self.dir_fd)


def _components(path):
    return [part for part in str(path).split("/") if part and part != "."]


def _shown(path, root):
    """The path as the user knows it: on the host, inside the root."""
    root = str(root or "/")
    return str(path) if root == "/" else os.path.join(root, str(path).lstrip("/"))


def _walked(path, root):
    """The path ``_resolve`` walks: on the host, a relative path (given on a command line)
    taken from the working directory."""
    if str(root or "/") == "/" and not str(path).startswith("/"):
        return os.path.abspath(str(path))
    return path


def _dangling(target, root):
    where = "" if str(root or "/") == "/" else " inside %s" % root
    return "a symbolic link to %s, which does not exist%s" % (target, where)


def _resolve(path, root, make_dirs=False, follow_last=True):
    """Walk ``path`` (read as inside ``root``) to its last component; see the module's
    docstring for the rules. ``follow_last=False`` stops at a last component that is a
    link (to remove the link itself). Raises FileProblem."""
    path = _walked(path, root)
    shown = _shown(path, root)
    try:
        stack = [os.open(str(root or "/"), os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)]
    except OSError as error:
        raise FileProblem(shown, "cannot open the root %s: %s" % (root, _reason(error)))
    pending = _components(path)
    links, through_last_link, target = 0, False, ""
    try:
        while pending:
            part = pending.pop(0)
            if part == "..":
                if len(stack) > 1:
                    os.close(stack.pop())
                continue
            try:
                info = os.stat(part, dir_fd=stack[-1], follow_symlinks=False)
            except FileNotFoundError:
                info = None
            if info is not None and stat.S_ISLNK(info.st_mode) and (pending or follow_last):
                links += 1
                if links > MAX_LINKS:
                    raise FileProblem(shown, "too many levels of symbolic links")
                target = os.readlink(part, dir_fd=stack[-1])
                through_last_link = through_last_link or not pending
                if target.startswith("/"):
                    while len(stack) > 1:
                        os.close(stack.pop())
                pending[:0] = _components(target)
                continue
            if not pending:
                if info is None and through_last_link:
                    raise FileProblem(shown, _dangling(target, root))
                return _Resolved(stack.pop(), part, shown)
            if info is None:
                if through_last_link:
                    raise FileProblem(shown, _dangling(target, root))
                if not make_dirs:
                    raise FileProblem(shown, "No such file or directory", missing=True)
                try:
                    os.mkdir(part, 0o755, dir_fd=stack[-1])
                except FileExistsError:
                    pass
            stack.append(os.open(part, _DIR_FLAGS, dir_fd=stack[-1]))
        raise FileProblem(shown, "names a directory, not a file")
    except OSError as error:
        raise FileProblem(shown, _reason(error), missing=error.errno == errno.ENOENT,
                          denied=_denied(error)) from None
    finally:
        for descriptor in stack:
            os.close(descriptor)


def _open_on_host(path, root, flags):
    """A descriptor of ``path`` opened by the kernel's own lookup (links followed), when
    ``root`` is the host's ``/``, where that lookup is ``_resolve``'s walk; None anywhere
    else or when it fails (the caller then walks, and says why)."""
    if str(root or "/") != "/" or not _components(path):
        return None
    try:
        return os.open(path, flags & ~os.O_NOFOLLOW)
    except OSError:
        return None


def read_bytes(path, root="/", limit=CONFIG_LIMIT):
    """The bytes of the regular file ``path``; None when nothing is at that name."""
    descriptor = _open_on_host(path, root, _READ_FLAGS)
    if descriptor is not None:
        return _read_open(descriptor, _shown(_walked(path, root), root), limit)
    try:
        resolved = _resolve(path, root)
    except FileProblem as problem:
        if problem.missing:
            return None
        raise
    with resolved:
        try:
            descriptor = os.open(resolved.name, _READ_FLAGS, dir_fd=resolved.dir_fd)
        except FileNotFoundError:
            return None
        except OSError as error:
            raise FileProblem(resolved.shown, _reason(error)) from None
    return _read_open(descriptor, resolved.shown, limit)


def _read_open(descriptor, shown, limit):
    """The bytes of the open ``descriptor`` (closed here), a regular file of at most
    ``limit`` bytes."""
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise FileProblem(shown, "%s, not a regular file" % _kind(info.st_mode))
        if info.st_size > limit:
            raise FileProblem(shown, "larger than %s" % _size(limit))
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(descriptor, min(1 << 16, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise FileProblem(shown, "larger than %s" % _size(limit))
        return b"".join(chunks)
    except OSError as error:
        raise FileProblem(shown, _reason(error)) from None
    finally:
        os.close(descriptor)


def read_text(path, root="/", limit=CONFIG_LIMIT):
    """The file's text (any byte round-trips through ``surrogateescape``), or None."""
    data = read_bytes(path, root, limit)
    return None if data is None else data.decode("utf-8", "surrogateescape")


def line_end(text):
    """The line end to use for lines added to ``text``: the one its first line ends with
    (``"\r\n"`` or ``"\n"``), ``"\n"`` when it has no line end at all. The first line,
    because a last line may have none, and an admin's editor sets the style from the top."""
    first = text.find("\n")
    return "\r\n" if first > 0 and text[first - 1] == "\r" else "\n"


def list_names(directory, root="/"):
    """Sorted names in ``directory`` (None when it does not exist); FileProblem when it
    cannot be listed (a drop-in directory we cannot read is a file we cannot read)."""
    descriptor = open_dir(directory, root)
    if descriptor is None:
        return None
    try:
        return sorted(os.listdir(descriptor))
    except OSError as error:
        raise FileProblem(_shown(directory, root), _reason(error)) from None
    finally:
        os.close(descriptor)


def open_dir(path, root="/"):
    """A directory descriptor of ``path`` (links followed inside the root) for a reader
    that walks from it with ``dir_fd`` (the scan); None when nothing is there. The caller
    closes it. FileProblem when it is not a directory or cannot be opened."""
    if not _components(path):
        try:
            return os.open(str(root or "/"), _DIR_FLAGS & ~os.O_NOFOLLOW)
        except OSError as error:
            raise FileProblem(_shown(path, root), _reason(error)) from None
    descriptor = _open_on_host(path, root, _DIR_FLAGS)
    if descriptor is not None:
        return descriptor
    try:
        with _resolve(path, root) as resolved:
            return os.open(resolved.name, _DIR_FLAGS, dir_fd=resolved.dir_fd)
    except FileProblem as problem:
        if problem.missing:
            return None
        raise
    except FileNotFoundError:
        return None
    except OSError as error:
        raise FileProblem(_shown(path, root), _reason(error)) from None


def open_file(path, root="/"):
    """A read-only, non-blocking descriptor of the regular file ``path`` (links followed
    inside the root), or None when there is none. The caller closes it; no FileProblem:
    this answers "is a usable file there", as the dynamic loader asks it."""
    try:
        with _resolve(path, root) as resolved:
            descriptor = os.open(resolved.name, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW
                                 | os.O_CLOEXEC | os.O_NOCTTY, dir_fd=resolved.dir_fd)
    except (FileProblem, OSError):
        return None
    try:
        if stat.S_ISREG(os.fstat(descriptor).st_mode):
            return descriptor
    except OSError:
        pass
    os.close(descriptor)
    return None


def exists(path, root="/"):
    """True when something is at ``path`` (links followed inside the root)."""
    try:
        with _resolve(path, root) as resolved:
            os.stat(resolved.name, dir_fd=resolved.dir_fd, follow_symlinks=False)
            return True
    except (FileProblem, OSError):
        return False


def write(path, data, root="/", new_mode=NEW_FILE_MODE, make_dirs=False, durable=True):
    """Replace the regular file ``path`` by ``data`` (bytes), all or nothing.

    The old file's mode (and owner, as root) is kept; a new file gets ``new_mode``. A
    symbolic link is followed inside the root, so the link stays a link. Anything at
    ``path`` that is not a regular file (``/dev/null``, a FIFO) is never replaced.
    ``durable``: the replacement itself survives a crash (see the module's doc).
    """
    with _resolve(path, root, make_dirs=make_dirs) as resolved:
        _replace(resolved, data, new_mode, durable)


def _replace(resolved, data, new_mode, durable=True):
    dir_fd, name, shown = resolved.dir_fd, resolved.name, resolved.shown
    temp, stage = None, "looking at the old file"
    try:
        try:
            old = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        except FileNotFoundError:
            old = None
        if old is not None and not stat.S_ISREG(old.st_mode):
            raise FileProblem(shown, "not a regular file")
        stage = "creating a temporary file"
        temp = ".%s.%s.tmp" % (name, os.urandom(6).hex())
        descriptor = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
                             | os.O_CLOEXEC, 0o600, dir_fd=dir_fd)
        stage = "writing the new file"
        with os.fdopen(descriptor, "wb") as output:
            output.write(data)
            output.flush()
            os.fsync(output.fileno())
            if old is not None and os.geteuid() == 0:
                os.fchown(output.fileno(), old.st_uid, old.st_gid)
            os.fchmod(output.fileno(), stat.S_IMODE(old.st_mode) if old is not None else new_mode)
        stage = "replacing the old file"
        os.replace(temp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        temp = None
    except OSError as error:
        raise FileProblem(shown, _reason(error), stage=stage, denied=_denied(error)) from None
    finally:
        if temp is not None:
            try:
                os.unlink(temp, dir_fd=dir_fd)
            except OSError:
                pass
    if not durable:
        return
    try:            # the new file is in place: a directory some filesystem will not
        os.fsync(dir_fd)    # fsync is no reason to report a failure that did not happen
    except OSError:
        pass


def remove(path, root="/"):
    """Delete ``path`` (the link itself, if it is one); False when nothing was there."""
    try:
        with _resolve(path, root, follow_last=False) as resolved:
            os.unlink(resolved.name, dir_fd=resolved.dir_fd)
            return True
    except FileProblem as problem:
        if problem.missing:
            return False
        raise
    except FileNotFoundError:
        return False
    except OSError as error:
        raise FileProblem(_shown(path, root), _reason(error)) from None


def locked_update(path, change, root="/", limit=LIST_LIMIT):
    """Apply ``change(old text or None) -> new text`` to ``path`` under an flock on its
    directory (writers of ours serialised), writing only when the text changed.
    Returns (old, new)."""
    with _resolve(path, root) as resolved:
        try:
            fcntl.flock(resolved.dir_fd, fcntl.LOCK_EX)
        except OSError as error:
            if error.errno not in (errno.ENOLCK, errno.EOPNOTSUPP, errno.EINVAL):
                raise FileProblem(resolved.shown, "%s (locking its directory)" % _reason(error)) from None
        old = read_text(path, root, limit)
        new = change(old)
        if new != old:
            _replace(resolved, new.encode("utf-8", "surrogateescape"), NEW_FILE_MODE)
        return old, new
