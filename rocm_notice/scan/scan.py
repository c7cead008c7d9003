"""Which programs on disk a ROCm crossing breaks: a bounded walk, a loader's decision.

The people who install EPEL's ROCm build their own code against it (llama.cpp, PyTorch
extensions, HPC codes under /opt and /usr/local). After 6.4 -> 7.1 every ELF file whose
DT_NEEDED names ``libamdhip64.so.6`` fails to start. This module names them.

``Lost`` says why a soname is a problem: the pending upgrade removes it (``UPGRADE``, the
sonames the analysis calls "Libraries that go away"), or no installed package provides
it any more (``MISSING``, after the fact). ``scan`` walks the given trees inside a root
and, for each ELF file that needs a lost soname, asks what the dynamic loader would ask:
does the file's DT_RUNPATH (or DT_RPATH when it has no RUNPATH), with ``$ORIGIN`` and
``$LIB`` expanded, lead to a usable copy (an ELF file of the same class and machine)?
Then the file still runs (a compat tree under /usr/lib64/rocm/rocm-X.Y, a bundled copy)
and is said to, rather than listed as broken. A copy in a system library directory does
not count for ``UPGRADE``: that is the packaged copy the upgrade takes away.

The walk never executes anything, never follows a symbolic link (a link to a file in
the tree names a file the walk meets anyway; a loop is harmless), stays on the
filesystem of each starting directory, skips and counts what it cannot read, and stops
at a deadline, saying how far it got.
"""

import os
import stat
import time

from rocm_notice.scan import elfscan, scancache
from rocm_notice.io import files
from rocm_notice.settings.config import DEFAULT_SCAN_SECONDS
from rocm_notice import Fields

UPGRADE = "upgrade"          # the pending upgrade removes the soname
MISSING = "missing"          # no installed package provides it now

MAX_DEPTH = 64               # directories deeper than this are skipped (and counted)
EXAMPLES = 5                 # unreadable paths kept as examples
SYSTEM_DIRS = ("/lib64", "/usr/lib64", "/lib", "/usr/lib")   # the loader's defaults

# Library names of EPEL's ROCm stack, for sonames no installed package names any more
# (after everything of an old line is gone). The installed ROCm packages' own sonames
# are added to these at run time; see Lost.
KNOWN_STEMS = frozenset(
    "lib%s.so" % name for name in (
        "amdhip64", "hiprtc", "hsa-runtime64", "hsakmt", "amd_comgr", "rocm_smi64",
        "amd_smi", "rocm-core", "rocblas", "hipblas", "hipblaslt", "rocsolver", "hipsolver",
        "rocsparse", "hipsparse", "hipsparselt", "rocfft", "hipfft", "rocrand", "hiprand",
        "MIOpen", "rccl", "migraphx", "rocalution", "roctx64", "roctracer64",
        "rocprofiler-sdk", "rocdecode", "rocjpeg", "hipdnn", "omp", "rocm_bandwidth_test"))


def stem(soname):
    """``libamdhip64.so.6`` -> ``libamdhip64.so`` (the name without its version)."""
    head, found, _ = soname.partition(".so")
    return head + ".so" if found else soname


class Lost:
    """Why a soname is lost, or None: ``pending`` are the sonames the upgrade removes;
    with ``provided`` (every soname installed packages provide) given, a soname of a
    ROCm library (``rocm``: the ROCm packages' sonames, or their stems) that nothing
    provides is MISSING."""

    def __init__(self, pending=(), provided=None, rocm=()):
        self.pending = frozenset(pending)
        self.provided = None if provided is None else frozenset(provided)
        self.stems = KNOWN_STEMS | {stem(s) for s in rocm} | {stem(s) for s in self.pending}

    def why(self, soname):
        if soname in self.pending:
            return UPGRADE
        if self.provided is not None and soname not in self.provided \
                and stem(soname) in self.stems:
            return MISSING
        return None

    def __bool__(self):
        return bool(self.pending) or self.provided is not None


class Hit(Fields):
    """One ELF file that needs lost sonames: ``lost`` {soname: UPGRADE or MISSING},
    ``found`` {soname: where the loader would find it instead} (only those found)."""

    _defaults = {"path": "", "lost": {}, "found": {}}

    @property
    def broken(self):
        return any(name not in self.found for name in self.lost)


class Result(Fields):
    """A scan: what it looked at and what it found (``complete`` False when it stopped
    at its deadline after ``stopped_at``)."""

    _defaults = {"paths": [], "root": "/", "files": 0, "elf": 0, "unreadable": 0,
                 "unreadable_examples": [], "skipped": 0, "complete": True,
                 "stopped_at": "", "seconds": 0.0, "hits": []}

    @property
    def broken(self):
        return [hit for hit in self.hits if hit.broken]

    @property
    def still_run(self):
        return [hit for hit in self.hits if not hit.broken]


def quick(lost_sonames, paths, seconds, root="/"):
    """The notice's scan: the files the pending upgrade breaks, read through the cache
    under /var/cache so that the next run costs a walk. (Result, cache problem or "")."""
    cache = scancache.load(root)
    result = scan(paths, Lost(pending=lost_sonames), root, seconds, cache=cache)
    return result, scancache.save(cache, result.complete, root)


BRIEF_LIMIT = 100       # paths a report or `check --json` carries at most


def brief(result):
    """What the notice, the report and `dnf rocm check --json` carry of a quick scan."""
    broken = [hit.path for hit in result.broken]
    return {"paths": broken[:BRIEF_LIMIT], "count": len(broken), "complete": result.complete,
            "scanned": list(result.paths), "files": result.files, "seconds": result.seconds}


def scan(paths, lost, root="/", seconds=DEFAULT_SCAN_SECONDS, clock=time.monotonic, cache=None):
    """Walk ``paths`` (absolute, read inside ``root``) for ELF files that need a lost
    soname. ``cache``: an optional mapping (path, size, mtime_ns) -> Dynamic."""
    started = clock()
    result = Result(paths=list(paths), root=str(root or "/"))
    walker = _Walker(result, lost, result.root, started + seconds, clock, cache)
    for path in paths:
        if not walker.top(path):
            break
    result.seconds = round(clock() - started, 3)
    return result


class _Stop(Exception):
    """The deadline passed."""


class _Walker:
    def __init__(self, result, lost, root, deadline, clock, cache):
        self.result, self.lost, self.root = result, lost, root
        self.deadline, self.clock, self.cache = deadline, clock, cache

    def _unreadable(self, path):
        self.result.unreadable += 1
        if len(self.result.unreadable_examples) < EXAMPLES:
            self.result.unreadable_examples.append(path)

    def top(self, path):
        """Walk one starting directory (or read one starting file); False once the
        deadline has passed."""
        shown = os.path.normpath("/" + path.lstrip("/"))
        try:
            fd = files.open_dir(path, self.root)
        except files.FileProblem:
            self._one_file(path, shown)
            return True
        if fd is None:
            return True
        try:
            self._directory(fd, shown, os.fstat(fd).st_dev, 0)
        except _Stop:
            return False
        except OSError:
            self._unreadable(path)
        finally:
            os.close(fd)
        return True

    def _directory(self, fd, shown, device, depth):
        try:
            with os.scandir(fd) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError:
            self._unreadable(shown)
            return
        subdirs = []
        prefix = shown.rstrip("/") + "/"
        for entry in entries:
            path = prefix + entry.name
            if self.clock() > self.deadline:
                self.result.complete, self.result.stopped_at = False, path
                raise _Stop()
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                self._unreadable(path)
                continue
            if info.st_dev != device:
                self.result.skipped += 1           # another filesystem: not crossed
            elif stat.S_ISDIR(info.st_mode):
                subdirs.append((entry.name, path))
            elif stat.S_ISREG(info.st_mode):
                self._file(fd, entry.name, path, info)
        for name, path in subdirs:
            if depth >= MAX_DEPTH:
                self.result.skipped += 1
                continue
            try:
                child = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
                                | os.O_CLOEXEC, dir_fd=fd)
            except OSError:
                self._unreadable(path)
                continue
            try:
                self._directory(child, path, device, depth + 1)
            finally:
                os.close(child)

    def _one_file(self, path, shown):
        """A starting point that is not a directory: a regular file is read as the walk
        reads one; anything else is unreadable."""
        fd = files.open_file(path, self.root)
        if fd is None:
            self._unreadable(shown)
            return
        try:
            info = os.fstat(fd)
            self._file(None, None, shown, info, lambda: elfscan.read_fd(fd, info.st_size))
        except OSError:
            self._unreadable(shown)
        finally:
            os.close(fd)

    def _file(self, dir_fd, name, path, info, reader=None):
        self.result.files += 1
        if info.st_size < 52:                     # smaller than any ELF header
            return
        key = (path, info.st_size, info.st_mtime_ns)
        dynamic = self.cache.get(key) if self.cache is not None else None
        if dynamic is None:
            dynamic = reader() if reader else elfscan.read(name, dir_fd=dir_fd)
            if self.cache is not None and dynamic.kind != elfscan.UNREADABLE:
                self.cache[key] = dynamic
        if dynamic.kind == elfscan.UNREADABLE:
            self._unreadable(path)
            return
        if dynamic.kind != elfscan.ELF:
            return
        self.result.elf += 1
        lost = {soname: why for soname in dynamic.needed
                for why in [self.lost.why(soname)] if why}
        if lost:
            found = {soname: where for soname, why in lost.items()
                     for where in [find_library(soname, why, dynamic, path, self.root)]
                     if where}
            self.result.hits.append(Hit(path, lost, found))


def search_dirs(dynamic, path):
    """[(directory, "RUNPATH" or "RPATH")] where the loader looks first for the needs of
    the file at ``path``, in its order; entries it could not use are left out."""
    if dynamic.runpath is not None:
        value, label = dynamic.runpath, "RUNPATH"
    elif dynamic.rpath is not None:
        value, label = dynamic.rpath, "RPATH"
    else:
        return []
    origin = os.path.dirname(path)
    lib = "lib64" if dynamic.bits == 64 else "lib"
    found = []
    for entry in value.split(":"):
        for token, meaning in (("${ORIGIN}", origin), ("$ORIGIN", origin),
                               ("${LIB}", lib), ("$LIB", lib)):
            entry = entry.replace(token, meaning)
        if entry.startswith("/") and "$" not in entry:     # $PLATFORM, relative: not ours
            found.append((os.path.normpath(entry), label))
    return found


def find_library(soname, why, dynamic, path, root="/"):
    """Where the loader would find ``soname`` for the file at ``path`` other than in the
    copy that is lost ("DIR (RUNPATH)"), or ""."""
    places = search_dirs(dynamic, path)
    if why == MISSING:       # nothing packaged provides it: a copy anywhere will do
        lib = SYSTEM_DIRS[:2] if dynamic.bits == 64 else SYSTEM_DIRS[2:]
        places += [(directory, "system directory") for directory in lib]
    for directory, label in places:
        if why == UPGRADE and directory in SYSTEM_DIRS:
            continue
        if _usable(os.path.join(directory, soname), dynamic, root):
            return "%s (%s)" % (directory, label)
    return ""


def _usable(path, wanted, root):
    """An ELF shared object at ``path`` that the loader would take for ``wanted``."""
    fd = files.open_file(path, root)
    if fd is None:
        return False
    try:
        found = elfscan.read_fd(fd)
    finally:
        os.close(fd)
    return (found.kind == elfscan.ELF and found.bits == wanted.bits
            and found.machine == wanted.machine)
