"""The versionlock plugin's list file: our marked block of entries, and atomic edits.

The list (``locklist =`` in ``versionlock.conf``, usually ``/etc/dnf/plugins/versionlock.list``)
is read by dnf-plugins-core's versionlock like this: every line that does not *start* with
``#`` and is not blank is stripped and taken as one pattern; ``!`` in front makes it an
exclude. Text mode with universal newlines, so ``\\n``, ``\\r\\n`` and a lone ``\\r`` all end
a line there.

``dnf rocm lock --versionlock`` adds one block of entries between two marker comments, and
``dnf rocm unlock`` removes exactly that block, so the rest of the file (foreign entries,
comments, CRLF line ends, odd bytes, a missing final newline) comes back byte for byte.
When the file had no final newline, the block has to start with one; the begin marker then
says so (``MARKER_BEGIN_JOINED``) and removing the block removes that newline too.

A begin marker without an end marker (or the reverse) is not a block: it is left alone as a
foreign line, and ``stray_markers`` counts it so ``status`` can say so. ``dnf versionlock
delete`` and ``clear`` rewrite the list without any comments: after them our markers are gone
and the entries are no longer ours to remove.

Entries (see ``entry_for``) hold a ROCm release *line*, not one build, and always carry an
epoch (``rocblas-devel-0:6.4.*``, ``hipcc-0:*-*rocm6.4.*.*``): with the ``E:`` in it a
pattern parses one way only, so versionlock never locks a shorter name by accident
(``rocblas-devel-6.4.*`` also parses as name ``rocblas``, version ``devel``, and then holds
every ``rocblas`` build outside the pattern).

Pure Python: no dnf import. Text is ``str`` decoded with ``surrogateescape`` so any byte
round-trips.
"""

import os
import re

from rocm_notice.catalog.releases import from_amd_version, from_release_field, from_version
from rocm_notice.io import clean
from rocm_notice.io import files
from rocm_notice.io import ini

MARKER_BEGIN = "# rocm-epel-notice: begin (dnf rocm lock; removed by dnf rocm unlock)"
MARKER_BEGIN_JOINED = ("# rocm-epel-notice: begin (dnf rocm lock; removed by dnf rocm unlock;"
                       " added the final newline of the line above)")
MARKER_END = "# rocm-epel-notice: end"
_BEGINS = (MARKER_BEGIN, MARKER_BEGIN_JOINED)
_MARKERS = _BEGINS + (MARKER_END,)
_TAG = "# rocm-epel-notice: "          # cheap test: no tag in the text, no block

CANNOT_READ = "cannot read the versionlock list %s"
CANNOT_WRITE = "cannot write the versionlock list %s"

# An entry is one versionlock pattern: no blanks or control characters inside, not a comment.
_ENTRY = re.compile(r"!?[^\s#!]\S*\Z")
_RPM_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._+-]*\Z")    # no glob or ':' in a name
_UNDECODABLE = re.compile("[\udc80-\udcff]")
_LINE = re.compile(r"(\d{1,4})\.(\d{1,4})\Z")


class LockListError(Exception):
    """Reading or writing the list failed; ``str()`` is one line for the user."""


# -- the block ------------------------------------------------------------------------------

def _scan(text):
    """Our blocks as ``(start, stop, joined, entries)`` and the number of stray markers.

    ``start``/``stop`` are offsets of the begin line and just past the end line (its line
    end included). Lines are split on ``\\n``; a ``\\r`` before it is part of the line end.
    """
    if _TAG not in text:
        return [], 0
    blocks, stray = [], 0
    opened = None                      # (start, joined, entries) of the open begin marker
    offset = 0
    for piece in text.split("\n"):
        start, offset = offset, offset + len(piece) + 1
        line = piece[:-1] if piece.endswith("\r") else piece
        if not line.startswith(_TAG):
            if opened and line.strip() and not line.startswith("#"):
                opened[2].append(line.strip())
            continue
        if line in _BEGINS:
            stray += opened is not None
            opened = (start, line == MARKER_BEGIN_JOINED, [])
        elif line == MARKER_END:
            if opened is None:
                stray += 1
            else:
                blocks.append((opened[0], min(offset, len(text)), opened[1], opened[2]))
                opened = None
    return blocks, stray + (opened is not None)


def _remove_once(text, blocks):
    kept, position = [], 0
    for start, stop, joined, _ in blocks:
        kept.append(text[position:start])
        if joined and kept[-1].endswith("\n"):
            kept[-1] = kept[-1][:-1]
        position = stop
    kept.append(text[position:])
    return "".join(kept)


def _peel(text):
    """Remove our blocks until none is left; returns (text, entries of every block).

    Usually one pass; more only when hand edits nested markers (a begin, our block, an
    end): the outer pair is a block too once the inner one is gone.
    """
    entries = []
    blocks, _ = _scan(text)
    while blocks:
        for block in blocks:
            entries.extend(block[3])
        text = _remove_once(text, blocks)
        blocks, _ = _scan(text)
    return text, entries


def remove_block(text):
    """``text`` without our block(s): the text from before ``add_block``, byte for byte."""
    return _peel(text)[0]


def our_entries(text):
    """The entries inside our block(s), each once, in file order."""
    return list(dict.fromkeys(_peel(text)[1]))


def stray_markers(text):
    """How many of our marker lines are not part of a complete block (hand edits):
    ``dnf rocm status`` names the count, since ``unlock`` leaves such lines alone."""
    return _scan(remove_block(text))[1]


def undecodable(text):
    """True when the list holds bytes that are not UTF-8 (read with surrogateescape).

    The real versionlock plugin reads the list in the locale's encoding; on a UTF-8 system
    one such byte, even in a comment, makes it fail with a traceback and apply no lock at
    all, ours included: worth one line from ``dnf rocm lock`` and ``status``.
    """
    return _UNDECODABLE.search(text) is not None


def add_block(text, entries, note=""):
    """``text`` plus one block holding ``entries`` (replacing any block of ours).

    Everything outside our block is kept byte for byte; applying it twice gives the same
    text, and ``remove_block`` undoes it exactly. No entries: no block. The block uses the
    file's line ends (``files.line_end``: CRLF when its first line ends in CRLF).
    ``note`` becomes comment lines inside the block (``io.clean``: what must not reach
    a file line is made a blank). Raises ValueError for an entry that is not one
    versionlock pattern (or holds such a character).
    """
    entries = list(dict.fromkeys(entries))
    for entry in entries:
        if not isinstance(entry, str) or not _ENTRY.match(entry) or clean(entry) != entry:
            raise ValueError("not a versionlock pattern: %r" % (entry,))
    base = remove_block(text)
    if not entries:
        return base
    comments = ["# " + part for part in (clean(line, " ").strip()
                                         for line in (note or "").splitlines()) if part]
    if any(comment in _MARKERS for comment in comments):
        raise ValueError("a note must not look like a marker: %r" % (note,))
    joined = base != "" and not base.endswith("\n")
    eol = files.line_end(base)
    lines = [MARKER_BEGIN_JOINED if joined else MARKER_BEGIN] + comments + entries + [MARKER_END]
    return base + ("\n" if joined else "") + "".join(line + eol for line in lines)


# -- entries that hold a release line ---------------------------------------------------

def _line_text(line):
    try:
        text = ("%d.%d" % tuple(line)) if isinstance(line, tuple) else str(line).strip()
    except TypeError:
        text = ""
    match = _LINE.match(text)
    if not match:
        raise ValueError("not a ROCm release line (X.Y): %r" % (line,))
    return int(match.group(1)), int(match.group(2))


def entry_for(package, line):
    """The versionlock entries that keep ``package`` on ROCm release ``line``.

    ``package`` has ``name``, ``version``, ``release`` and optionally ``epoch`` (a
    ``records.Package``); ``line`` is ``"6.4"``, ``(6, 4)`` or a ``releases.Line``. The form
    follows where the package carries its ROCm release:

    - a ``rocmX.Y`` marker in Release (rocm-compilersupport, pre-releases):
      ``hipcc-0:*-*rocm6.4.*.*`` (any Version, i.e. any LLVM major; Release contains
      ``rocm6.4.``; any arch);
    - AMD's trailing MMmmpp field: ``rocblas-0:*.604??`` (not ``[0-9]``: versionlock splits
      patterns at every ``-``, even inside brackets);
    - a plain X.Y[.Z] Version: ``rocblas-0:6.4.*`` (plus ``rocblas-0:6.4`` when the Version
      is exactly ``6.4``).

    Pass ROCm packages only (the catalog knows them): a consumer such as python3-torch has
    a plain Version of its own, which this cannot tell from a ROCm one. Returns [] for a
    Version and Release with no ROCm release in a form a glob can hold, or a name that is
    not a plain RPM name.
    """
    major, minor = _line_text(line)
    name, version, release = package.name, package.version or "", package.release or ""
    epoch = int(getattr(package, "epoch", 0) or 0)
    if not _RPM_NAME.match(name or ""):
        return []
    prefix = "%s-%d:" % (name, epoch)
    if from_release_field(release):
        marker = "rocm%d.%d" % (major, minor)
        entries = ["%s*-*%s.*.*" % (prefix, marker)]
        if release.endswith(marker):
            entries.append("%s*-*%s.*" % (prefix, marker))
        return entries
    if from_amd_version(version):
        if minor > 99:
            return []
        return ["%s*.%d%02d??" % (prefix, major, minor)]
    if from_version(version):
        entries = ["%s%d.%d.*" % (prefix, major, minor)]
        if version == "%d.%d" % (major, minor):
            entries.append("%s%d.%d" % (prefix, major, minor))
        return entries
    return []


def entries_for(packages_by_line):
    """Sorted, distinct entries for ``{line: packages}`` (see ``entry_for``).

    Packages that cannot be held by their NEVRA are left out; call ``entry_for`` to learn
    which.
    """
    entries = set()
    for line, packages in packages_by_line.items():
        for package in packages:
            entries.update(entry_for(package, line))
    return sorted(entries)


# -- the file -------------------------------------------------------------------------------

def _one_line(value):
    return clean(value, "?")


def configured_path(confdirs):
    """``locklist =`` from the versionlock plugin's own ``versionlock.conf``, or None.

    A versionlock.conf we cannot read raises LockListError: the list it names is part of
    what the command must show or change.
    """
    for directory in confdirs:
        path = os.path.join(directory, "versionlock.conf")
        try:
            text = files.read_text(path, limit=files.CONFIG_LIMIT)
        except files.FileProblem as problem:
            raise LockListError("cannot read %s" % _one_line(problem)) from None
        found = ini.parse_ini(text or "").values("main", "locklist")
        if found:
            return found[-1].strip() or None
    return None


def read(path):
    """The list's text ("" when the file does not exist); any byte round-trips."""
    try:
        return files.read_text(path, limit=files.LIST_LIMIT) or ""
    except files.FileProblem as problem:
        raise LockListError(CANNOT_READ % _one_line(problem)) from None


def write_atomic(path, text):
    """Replace the file at ``path`` by ``text``, all or nothing (see ``files.write``): a
    symlink is followed, so the link stays a link; on any failure the old file is
    untouched, no temporary file is left, and LockListError says what failed in one line."""
    try:
        data = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError as error:
        raise LockListError(CANNOT_WRITE % _one_line("%s: text cannot be encoded (%s)" % (
            path, error.reason))) from None
    try:
        files.write(path, data)      # a new list gets files.NEW_FILE_MODE, as versionlock's
    except files.FileProblem as problem:
        raise LockListError(CANNOT_WRITE % _one_line(problem)) from None


def update(path, change):
    """Apply ``change(old_text) -> new_text`` to the list; write only when it changed.

    Writers of ours are serialised with an flock on the list's directory, so two
    ``dnf rocm lock`` runs do not lose each other's edits. ``dnf versionlock`` does not take
    this lock (its ``add`` appends in place), so a line it adds while we rewrite can be
    lost; the list stays whole either way. Returns ``(old_text, new_text)``.
    """
    try:
        return files.locked_update(str(path), lambda old: change(old or ""),
                                   limit=files.LIST_LIMIT)
    except files.FileProblem as problem:
        raise LockListError(CANNOT_WRITE % _one_line(problem)) from None
