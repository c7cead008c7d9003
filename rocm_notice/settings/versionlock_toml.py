"""dnf5's lock list, ``/etc/dnf/versionlock.toml``: our entries in, our entries out.

dnf5 (man dnf5-versionlock) reads ``version = "1.0"`` and ``[[packages]]`` tables, each a
``name`` (a glob), an optional ``comment`` and ``[[packages.conditions]]`` (``key`` epoch,
evr or arch; ``comparator``; ``value``), and keeps only the packages some entry of their
name allows. ``rocm-epel-notice lock --versionlock`` adds one entry per installed ROCm
package of the held line, each marked by its ``comment`` (``dnf5 versionlock add`` keeps
comments when it rewrites the file, while TOML ``#`` comments do not survive it);
``rocm-epel-notice unlock`` removes exactly the marked tables. Everything else in the file --
the admin's entries, their ``#`` comments, their layout -- stays byte for byte: ours are
appended as text and cut out as text (a file without a final newline gets one), and the
result is parsed back to check that the admin's entries came through unchanged before
anything is written.

Entries hold a release *line*: ``evr >= E:X.Y`` and ``evr < E:X.(Y+1)`` for a package
versioned with ROCm; for one whose Version is its own and whose Release names the line
(rocm-compilersupport: ``19-1.rocm6.4.2``), its installed Version's first number:
``evr >= E:19`` and ``evr < E:20``. AMD's MMmmpp versions get no entry (no range of evr
holds them); the drop-in's hold still covers them.
"""

import re
import tomllib

from rocm_notice.io import files
from rocm_notice.catalog.releases import from_amd_version, from_release_field, from_version

PATH = "/etc/dnf/versionlock.toml"
MARK = "rocm-epel-notice"
COMMENT = (MARK + ": ROCm %s held by 'rocm-epel-notice lock'; 'rocm-epel-notice unlock' "
           "removes it")
HEADER = 'version = "1.0"\n'
# A line that opens a table ("[x]", "[[x]]"); "[[packages.conditions]]" belongs to the
# "[[packages]]" table above it.
_HEADER = re.compile(r"^\s*\[")
_PACKAGES = re.compile(r"^\s*\[\[\s*packages\s*\]\]\s*(#.*)?$")
_CONDITIONS = re.compile(r"^\s*\[\[\s*packages\s*\.\s*conditions\s*\]\]\s*(#.*)?$")
_NAME = re.compile(r"^[A-Za-z0-9._+-]+$")


class VersionlockError(Exception):
    """The file cannot be read, parsed or written; the message is one line."""


def _quote(text):
    return '"%s"' % str(text).replace("\\", "\\\\").replace('"', '\\"')


def entry_for(package, line):
    """{name, comment, conditions: [(key, comparator, value)]} holding ``package`` on
    ``line`` (a ``releases.Line``), or None when no evr range can (see the module doc)."""
    if not _NAME.match(package.name or ""):
        return None
    epoch = int(getattr(package, "epoch", 0) or 0)
    if from_release_field(package.release or ""):
        first = re.match(r"\d+", package.version or "")
        if not first:
            return None
        low, high = first.group(0), str(int(first.group(0)) + 1)
    elif from_amd_version(package.version) or not from_version(package.version):
        return None
    else:
        low, high = "%d.%d" % tuple(line), "%d.%d" % (line[0], line[1] + 1)
    return {"name": package.name, "comment": COMMENT % (line,),
            "conditions": [("evr", ">=", "%d:%s" % (epoch, low)),
                           ("evr", "<", "%d:%s" % (epoch, high))]}


def render(entries):
    out = []
    for entry in entries:
        out += ["", "[[packages]]", "name = %s" % _quote(entry["name"]),
                "comment = %s" % _quote(entry["comment"])]
        for key, comparator, value in entry["conditions"]:
            out += ["[[packages.conditions]]", "key = %s" % _quote(key),
                    "comparator = %s" % _quote(comparator), "value = %s" % _quote(value)]
    return "\n".join(out) + "\n" if out else ""


def _parse(text):
    try:
        data = tomllib.loads(text) if text.strip() else {}
    except tomllib.TOMLDecodeError as error:
        raise VersionlockError("%s is not valid TOML (%s): left alone" % (PATH, error)) \
            from None
    packages = data.get("packages", [])
    if not isinstance(packages, list):
        raise VersionlockError("%s: 'packages' is not a list of tables: left alone" % PATH)
    return data, packages


def ours(entry):
    """Ours: the comment we write starts with "rocm-epel-notice:" (one rule for status,
    unlock and the check after every change; an admin's "rocm-epel-notice pin" is not)."""
    return isinstance(entry, dict) and str(entry.get("comment", "")).startswith(MARK + ":")


def our_entries(text):
    """Our entries in ``text`` (the names), for status."""
    return sorted(p.get("name", "") for p in _parse(text)[1] if ours(p))


def _chunks(lines):
    """(start, end, is_packages) for the text before the first table and each table; a
    ``[[packages]]`` table runs over its ``[[packages.conditions]]``."""
    starts = [i for i, l in enumerate(lines)
              if _HEADER.match(l) and not _CONDITIONS.match(l)] + [len(lines)]
    chunks = [(0, starts[0], False)]
    for start, end in zip(starts, starts[1:]):
        chunks.append((start, end, bool(_PACKAGES.match(lines[start]))))
    return chunks


def _table_is_ours(table):
    """Whether one ``[[packages]]`` table, read alone as TOML, is one of ours (a table that
    does not read alone is not: the check in with_entries then refuses the change)."""
    try:
        return any(ours(p) for p in tomllib.loads("".join(table)).get("packages", []))
    except (tomllib.TOMLDecodeError, AttributeError, TypeError):
        return False


def remove_ours(text):
    """``text`` without our ``[[packages]]`` tables; every other byte kept, other tables
    (whatever their name) too."""
    lines = text.splitlines(True)
    keep = []
    for start, end, is_packages in _chunks(lines):
        table = lines[start:end]
        if not (is_packages and _table_is_ours(table)):
            keep += table
            continue
        last = max(i for i, l in enumerate(table) if l.strip() and not l.lstrip().startswith("#"))
        if keep and keep[-1].strip() == "" and start > 0:
            keep.pop()          # the blank line render() put before it
        keep += table[last + 1:]    # comments that belong to the next table
    return "".join(keep)


def _others(data, packages):
    """What is not ours in a parsed file (the ``version`` key aside: we add it)."""
    rest = {key: value for key, value in data.items() if key not in ("packages", "version")}
    return rest, [p for p in packages if not ours(p)]


def with_entries(text, entries):
    """``text`` with our entries replaced by ``entries``, checked by parsing it back."""
    before = _parse(text)
    new = remove_ours(text)
    if not new.strip():
        new = HEADER
    elif "version" not in _parse(new)[0]:
        new = HEADER + new
    if entries:
        new = new + ("" if new.endswith("\n") else "\n") + render(entries).lstrip("\n")
    data, after = _parse(new)
    if _others(data, after) != _others(*before):
        raise VersionlockError("%s: could not change our entries without touching the "
                               "others: left alone" % PATH)
    if sorted(p.get("name", "") for p in after if ours(p)) != sorted(e["name"] for e in entries):
        raise VersionlockError("%s: an entry marked as ours is written in a way we cannot "
                               "cut out: left alone; edit it by hand" % PATH)
    return new


def read(path=PATH):
    try:
        return files.read_text(path, limit=files.LIST_LIMIT) or ""
    except files.FileProblem as problem:
        raise VersionlockError("cannot read %s" % problem) from None


def update(path, entries):
    """Write ``entries`` as ours (``[]``: remove ours) atomically; (old, new) text."""
    def change(old):
        if not entries and (old is None or not our_entries(old)):
            return old          # nothing of ours: no file made, none rewritten
        return with_entries(old or "", entries)
    try:
        return files.locked_update(str(path), change, limit=files.LIST_LIMIT)
    except files.FileProblem as problem:
        raise VersionlockError("cannot write %s" % problem) from None
