"""What the last scan read from each file, so that the notice's next scan costs a walk.

Kept under ``/var/cache`` (inside the installroot) as one JSON file, keyed by the path
as the scan shows it, valid while the file's size and mtime (ns) are unchanged. A cache
that is missing, unreadable, corrupt or of another format is an empty cache; one that
cannot be written is no cache: neither is ever an error. Entries of files the scan did
not meet again are dropped (unless the scan stopped early, when they are kept).
"""

import json

from rocm_notice.scan import elfscan
from rocm_notice.io import files

PATH = "/var/cache/rocm-epel-notice/scan-cache.json"
FORMAT = 1
LIMIT = 64 << 20


def _entry(size, mtime, dynamic):
    if dynamic.kind != elfscan.ELF:
        return [size, mtime, "n"]
    return [size, mtime, "e", dynamic.bits, dynamic.machine, list(dynamic.needed),
            dynamic.rpath, dynamic.runpath]


_NOT_ELF = elfscan.Dynamic(elfscan.NOT_ELF)      # one answer, shared (read only)


def _dynamic(entry):
    if entry[2] == "n":
        return _NOT_ELF
    _, _, _, bits, machine, needed, rpath, runpath = entry
    return elfscan.Dynamic(elfscan.ELF, bits=bits, machine=machine, needed=needed,
                           rpath=rpath, runpath=runpath)


class Cache:
    """The mapping the scan asks: ``get((path, size, mtime_ns))`` and ``[key] = Dynamic``."""

    def __init__(self, entries=None):
        self.old = entries or {}
        self.used = {}

    def get(self, key):
        path, size, mtime = key
        entry = self.old.get(path)
        if not entry or entry[0] != size or entry[1] != mtime:
            return None
        try:
            found = _dynamic(entry)
        except (TypeError, ValueError):
            return None
        self.used[path] = entry
        return found

    def __setitem__(self, key, dynamic):
        path, size, mtime = key
        self.used[path] = _entry(size, mtime, dynamic)

    def __len__(self):
        return len(self.used)


def load(root="/", path=PATH):
    try:
        raw = files.read_bytes(path, root, LIMIT)
        data = json.loads(raw.decode("utf-8")) if raw else None
    except (files.FileProblem, ValueError):
        data = None
    if not isinstance(data, dict) or data.get("format") != FORMAT \
            or not isinstance(data.get("files"), dict):
        return Cache()
    return Cache({path: entry for path, entry in data["files"].items()
                  if isinstance(entry, list) and len(entry) in (3, 8)})


def save(cache, complete, root="/", path=PATH):
    """Write what this scan used (and, after an incomplete one, the rest); "" or the
    one-line problem (which callers log at debug level: a cache is never an error)."""
    entries = dict(cache.used)
    if not complete:
        for key, entry in cache.old.items():
            entries.setdefault(key, entry)
    if entries == cache.old:
        return ""
    text = json.dumps({"format": FORMAT, "files": entries}, separators=(",", ":"))
    try:
        files.write(path, text.encode("utf-8", "surrogateescape"), root=root, make_dirs=True,
                    durable=False)
    except files.FileProblem as problem:
        return str(problem)
    return ""
