"""The project's one reader of the ini syntax (``parse_ini``), for every ini file we read:
rocm_notice.conf and its drop-ins (``settings.config``), versionlock.conf, the release
facts in ``data/releases.ini``, and the drop-ins ``dnf rocm allow`` edits. It keeps what
configparser drops and what we need to be safe and exact: every ``key = value`` in file
order, duplicates included (so a later *invalid* value cannot silently replace an earlier
valid one), and the lines each entry spans (so ``dnf rocm allow`` can rewrite one value
and keep every other byte). The syntax is configparser's as we used it before, and dnf's
for these files: ``[section]`` headers, ``key = value`` or ``key: value``, whole-line
``#`` and ``;`` comments, indented lines continuing a value; a UTF-8 byte order mark at
the start is ignored (dnf's own parser ignores it too).
"""

import re

BOM = "\ufeff"
COMMENTS = ("#", ";")
# A comment after a value: '#' or ';' after a blank, as configparser's
# inline_comment_prefixes reads it ("on_major = block   # until the rebuild").
INLINE_COMMENT = re.compile(r"[ \t][#;]")


def split_comment(value):
    """(value, comment): ``value`` without a comment after it (on any of its lines), and
    that comment ("" when there is none)."""
    kept, comments = [], []
    for line in value.split("\n"):
        found = INLINE_COMMENT.search(line)
        if found:
            comments.append(line[found.start():].strip())
            line = line[:found.start()]
        kept.append(line.strip())
    return "\n".join(kept).strip("\n"), " ".join(comments)


# Plain classes with slots, not namedtuples: this module loads in every dnf transaction,
# and building a namedtuple class costs an eval.


class Entry:
    """One setting: ``key`` lower-cased, ``value`` stripped (continuation lines joined with
    newlines); ``first``/``last`` are the indexes (in ``ini_lines()``) of the lines it spans."""

    __slots__ = ("section", "key", "value", "first", "last")

    def __init__(self, section, key, value, first, last):
        self.section, self.key, self.value, self.first, self.last = \
            section, key, value, first, last

    def __repr__(self):
        return "Entry(%r, %r, %r, %d, %d)" % (self.section, self.key, self.value, self.first,
                                              self.last)


class Parsed:
    """``entries`` in file order, the ``sections`` headers in order (repeats kept; their
    line indexes in ``headers``), and
    ``errors``: (line number from 1, what is wrong, line text) for every line that means
    nothing."""

    __slots__ = ("entries", "sections", "errors", "headers")

    def __init__(self, entries, sections, errors, headers):
        self.entries, self.sections, self.errors, self.headers = \
            entries, sections, errors, headers

    def values(self, section, key):
        return [e.value for e in self.entries if e.section == section and e.key == key]

    def by_section(self):
        """{section: [(key, value), ...]} in file order, every section named (even an
        empty one), repeats merged."""
        found = {name: [] for name in self.sections}
        for entry in self.entries:
            found[entry.section].append((entry.key, entry.value))
        return found


def ini_lines(text):
    """The text's lines with their ends; only ``\\n`` ends a line (as configparser and dnf
    read files), so a stray ``\\r`` or form feed stays inside its line."""
    parts = text.split("\n")
    out = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        out.append(parts[-1])
    return out


def parse_ini(text):
    """Parse ``text`` (a str) into a ``Parsed``; never raises."""
    entries, sections, errors, headers = [], [], [], []
    section, open_entry = None, None
    for index, line in enumerate(text.split("\n")):     # the lines of ini_lines(), ends cut
        line = line.rstrip("\r")
        if index == 0 and line.startswith(BOM):
            line = line[len(BOM):]
        stripped = line.strip()
        if not stripped or stripped.startswith(COMMENTS):
            open_entry = None
            continue
        if open_entry is not None and line[:1] in (" ", "\t"):
            open_entry.value = (open_entry.value + "\n" + stripped).strip("\n")
            open_entry.last = index
            continue
        open_entry = None
        if stripped.startswith("["):
            if stripped.endswith("]") and stripped[1:-1].strip():
                section = stripped[1:-1].strip()
                sections.append(section)
                headers.append(index)
            else:
                errors.append((index + 1, "not a [section] header", stripped))
            continue
        cut, colon = stripped.find("="), stripped.find(":")     # the first of the two
        if colon >= 0 and not 0 <= cut < colon:
            cut = colon
        key = stripped[:cut].strip().lower() if cut > 0 else ""
        if not key or section is None:
            errors.append((index + 1, "outside any [section]" if key else
                           "not 'key = value'", stripped))
            continue
        open_entry = Entry(section, key, stripped[cut + 1:].strip(), index, index)
        entries.append(open_entry)
    return Parsed(entries, sections, errors, headers)
