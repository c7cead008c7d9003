"""Debian roots to test against other package-manager versions: built once, cached, chroot.

A test platform other than the host is a Debian release's own packages in a directory,
built by Debian's ``mmdebstrap`` and entered with plain ``chroot``. Building one costs
25-60 s and network access, so a root is built once per request and kept in the cache.

API (other front ends reuse it: dnf 4.23 in Debian 13, PackageKit, dnf5 in unstable):

``debian_root(suite, packages, aptopts=(), cache=CACHE) -> Path``
    The directory of a Debian ``suite`` root (``mmdebstrap --variant=apt``) with
    ``packages`` installed. Cached under ``cache`` (default ``MACHINE_CACHE/roots``) in a
    directory named by suite and a digest of everything that goes into the build (suite,
    sorted package list, apt options, ``FORMAT``): a different request is a different
    root, the same request is built once. The build happens in a staging directory beside
    it, renamed into place only when complete, under an exclusive lock, so two processes
    asking at once build it once and never see half a root. The installed versions are
    in ``MANIFEST`` inside the root. Raises ``RootError`` with the reason (not root, no
    mmdebstrap, mmdebstrap failed: the tail of its log, and where the full log is).

``run_in_root(root, argv, binds=(), cwd="/", env=None, **subprocess_kwargs)``
    ``subprocess.run(argv)`` inside ``root`` with ``chroot``, in a private mount
    namespace (``unshare --mount``): the root bound onto itself (so that ``unshare -m``
    works inside), /proc, a fresh /tmp (a host temporary directory,
    removed afterwards) and each bind, given as a host path (mounted at the same path) or
    ``(host_path, path_inside)`` or ``(host_path, path_inside, "ro")``. Every mount
    disappears with the namespace when the command ends, fails or is killed; nothing is
    mounted on the host, nothing written outside the root but the binds and the
    temporary /tmp. The environment defaults to a minimal one (PATH, LANG, HOME=/tmp).

``MACHINE_CACHE`` is ``$ROCM_NOTICE_ROOTS_CACHE``, else ``$XDG_CACHE_HOME`` (or ``~/.cache``)
``/rocm-epel-notice-tests``: shared by every checkout on the machine. A cached root is not
refreshed when Debian updates the suite; ``make clean-roots`` (or deleting its directory)
rebuilds it.
"""

import fcntl
import hashlib
import os
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path

# Roots and the builds made in them are kept for every checkout of this machine, as mock
# keeps its chroots: a fresh clone or a worktree reuses them (each is 0.3-1 GB and minutes
# to build). A System lays an overlay over a root; a platform's run in it writes to the
# checkout and a fresh /tmp it binds.
MACHINE_CACHE = Path(os.environ.get("ROCM_NOTICE_ROOTS_CACHE") or Path(
    os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "rocm-epel-notice-tests")
CACHE = MACHINE_CACHE / "roots"
FORMAT = "1"                 # bump when the way roots are built changes
MANIFEST = ".rocm-notice-root"
BUILD_TIMEOUT = 1800
ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
       "LANG": "C.UTF-8", "HOME": "/tmp"}


class RootError(RuntimeError):
    """A root cannot be built or entered; the message says why."""


def root_key(suite, packages, aptopts=()):
    """The cache directory name of a request: suite plus a digest of all its inputs."""
    parts = [FORMAT, suite, ",".join(sorted(set(packages))), "\x00".join(aptopts)]
    return "%s-%s" % (suite, hashlib.sha256("\x01".join(parts).encode()).hexdigest()[:16])


def debian_root(suite, packages, aptopts=(), cache=CACHE):
    """The path of a built Debian ``suite`` root with ``packages`` (see the module doc)."""
    cache = Path(cache)
    name = root_key(suite, packages, aptopts)
    root = cache / name
    if (root / MANIFEST).exists():
        return root
    _preflight()
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / (name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)          # another builder finishes first
        if (root / MANIFEST).exists():
            return root
        for stale in cache.glob(name + ".building-*"):   # left by a killed build
            _remove(stale)
        staging = cache / ("%s.building-%d" % (name, os.getpid()))
        try:
            _build(suite, sorted(set(packages)), aptopts, staging, cache / (name + ".log"))
            if root.exists():                    # incomplete leftover without a manifest
                _remove(root)
            os.rename(staging, root)
        finally:
            if staging.exists():
                _remove(staging)
    return root


def clean(cache=MACHINE_CACHE):
    """Delete every cached root and build (``make clean-roots``)."""
    if Path(cache).exists():
        _remove(cache)


def _remove(path):
    """Delete a root directory, unless something is still mounted inside it (then deleting
    would reach into the mounted file system: say so instead)."""
    prefix = str(Path(path).resolve()) + "/"
    with open("/proc/self/mountinfo") as mountinfo:
        mounted = [line.split()[4] for line in mountinfo
                   if line.split()[4].startswith(prefix)]
    if mounted:
        raise RootError("not deleting %s: still mounted inside it: %s (umount them first)"
                        % (path, ", ".join(mounted)))
    shutil.rmtree(path, ignore_errors=True)


def _preflight():
    if os.geteuid() != 0:
        raise RootError("building and entering a Debian root needs root (mmdebstrap, "
                        "chroot); run the tests as root")
    for tool, package in (("mmdebstrap", "mmdebstrap"), ("unshare", "util-linux"),
                          ("chroot", "coreutils")):
        if not shutil.which(tool):
            raise RootError("%s is not installed: apt-get install %s "
                            "(tools/ensure-deps installs it)" % (tool, package))


def _build(suite, packages, aptopts, staging, log_path):
    # In its own mount namespace: what mmdebstrap mounts inside the root during the build
    # (/proc, /sys, /dev) goes away with it even if it is killed.
    command = ["unshare", "--mount", "--propagation", "private", "--",
               "mmdebstrap", "--mode=root", "--variant=apt",
               "--include=" + ",".join(packages)]
    command += ["--aptopt=%s" % opt for opt in aptopts]
    command += [suite, str(staging)]
    with open(log_path, "w") as log:
        log.write("$ %s\n" % shlex.join(command))
        log.flush()
        try:
            result = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT, timeout=BUILD_TIMEOUT)
            returncode = result.returncode
        except subprocess.TimeoutExpired:
            returncode = "timeout after %d s" % BUILD_TIMEOUT
    if returncode != 0:
        tail = "".join(Path(log_path).read_text(errors="replace").splitlines(True)[-12:])
        raise RootError("mmdebstrap could not build the Debian %s root (exit %s; it needs "
                        "a Debian mirror on the network); last lines of %s:\n%s"
                        % (suite, returncode, log_path, tail))
    versions = subprocess.run(["chroot", str(staging), "dpkg-query", "-W"],
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
    (staging / MANIFEST).write_text("suite %s\npackages %s\naptopts %s\n\n%s"
                                    % (suite, " ".join(packages), " ".join(aptopts),
                                       versions.stdout))


def _bind_spec(bind):
    if isinstance(bind, (str, os.PathLike)):
        return str(bind), str(bind), False
    host, inside = str(bind[0]), str(bind[1])
    return host, inside, len(bind) > 2 and bind[2] == "ro"


def mount_script(root, binds, tmpdir):
    """The shell script that mounts /proc, /tmp and the binds, then runs "$@" with chroot."""
    root = str(root)
    lines = ["set -eu",
             # the root a mount point of its own: tools inside that make a mount namespace
             # (unshare -m) can then change the propagation of their "/"
             "mount --bind %s %s" % (shlex.quote(root), shlex.quote(root)),
             "mount -t proc proc %s" % shlex.quote(root + "/proc"),
             "mount --bind %s %s" % (shlex.quote(str(tmpdir)), shlex.quote(root + "/tmp"))]
    for bind in binds:
        host, inside, readonly = _bind_spec(bind)
        if not os.path.isabs(inside):
            raise ValueError("bind target must be absolute: %r" % inside)
        target = shlex.quote(root + inside)
        kind = "mkdir -p" if os.path.isdir(host) else "touch"
        if kind == "touch":
            lines.append("mkdir -p %s" % shlex.quote(os.path.dirname(root + inside)))
        lines.append("%s %s" % (kind, target))
        lines.append("mount --bind %s %s" % (shlex.quote(host), target))
        if readonly:
            lines.append("mount -o remount,bind,ro %s" % target)
    lines.append('exec chroot %s "$@"' % shlex.quote(root))
    return "\n".join(lines)


def run_in_root(root, argv, binds=(), cwd="/", env=None, **kwargs):
    """``subprocess.run(argv, **kwargs)`` inside ``root`` (see the module doc)."""
    _preflight()
    if not (Path(root) / MANIFEST).exists():
        raise RootError("%s is not a built root (no %s)" % (root, MANIFEST))
    tmpdir = tempfile.mkdtemp(prefix="rocm-notice-root-tmp-")
    os.chmod(tmpdir, 0o1777)
    try:
        command = ["unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c",
                   mount_script(root, binds, tmpdir), "in-root",
                   "/usr/bin/env", "--chdir=%s" % cwd] + [str(a) for a in argv]
        return subprocess.run(command, env=dict(env if env is not None else ENV), **kwargs)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
