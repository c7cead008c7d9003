"""The drop-ins that ``dnf rocm`` writes in ``rocm_notice.d/``, and nothing else.

Each file carries a marker comment naming the command that owns it, so ``unlock`` and
``disallow`` touch only what the command wrote. Edits keep every other line byte for
byte (an admin may comment on our file), are idempotent, and go through ``files``.
"""

from rocm_notice.io import ini
from rocm_notice.settings import config
from rocm_notice.io import files
from rocm_notice.catalog import releases

LOCK_FILE = "90-dnf-rocm-lock.conf"
ALLOW_FILE = "80-dnf-rocm-allow.conf"
LOCK_MARKER = "# Written by 'dnf rocm lock'; 'dnf rocm unlock' removes this file."
ALLOW_MARKER = "# Written by 'dnf rocm allow'; 'dnf rocm disallow' edits this file."

LOCK_TEXT = LOCK_MARKER + """
# Holds ROCm on the installed release line: newer major and minor lines are held back,
# patch updates of the installed line still install.
[main]
on_major = lock
on_minor = lock
"""

MSG_NOT_OURS = ("%s was not written by 'dnf rocm %s' (no marker line); left alone: "
                "edit it by hand")
MSG_CANNOT_READ = "cannot read %s"
MSG_CANNOT_WRITE = "cannot write %s"


class DropinError(Exception):
    """A drop-in that could not be changed; the message is one line for the user."""


def read(path):
    """The file's text, or None when it does not exist."""
    try:
        return files.read_text(path, limit=files.CONFIG_LIMIT)
    except files.FileProblem as problem:
        raise DropinError(MSG_CANNOT_READ % problem) from None


def write(path, text):
    """Write ``text`` atomically; no write at all when the file already says it."""
    if read(path) == text:
        return False
    try:
        files.write(path, text.encode("utf-8", "surrogateescape"))
    except files.FileProblem as problem:
        raise DropinError(MSG_CANNOT_WRITE % problem) from None
    return True


def remove(path, marker, command):
    """Delete our file; False when there is none; DropinError when it is not ours."""
    text = read(path)
    if text is None:
        return False
    if marker not in text.splitlines():
        raise DropinError(MSG_NOT_OURS % (path, command))
    try:
        return files.remove(path)
    except files.FileProblem as problem:
        raise DropinError(MSG_CANNOT_WRITE % problem) from None


# -- the allow file: one "allow =" line under [main], the rest untouched --------------------

def _allow_entries(parsed):
    return [e for e in parsed.entries if e.section == config.SECTION and e.key == "allow"]


def approved(text):
    """The lines the allow file approves (every ``allow =`` in [main], as config reads it)."""
    words = " ".join(e.value for e in _allow_entries(ini.parse_ini(text or "")))
    return [found for found in (releases.parse_line(word) for word in
                                words.replace(",", " ").split()) if found]


def with_allowed(text, lines):
    """``text`` (None: no file yet) with one ``allow =`` line in [main] saying exactly
    ``lines``; every other line is kept byte for byte."""
    if text is None:
        text = ALLOW_MARKER + "\n[main]\n"
    if ALLOW_MARKER not in text.splitlines():
        raise DropinError(MSG_NOT_OURS % (ALLOW_FILE, "allow"))
    eol = files.line_end(text)
    wanted = "allow = %s" % ", ".join(str(l) for l in sorted(set(lines)))
    rows = ini.ini_lines(text)
    parsed = ini.parse_ini(text)
    allows = _allow_entries(parsed)
    if allows:
        # The first allow entry (with its continuation lines) becomes the wanted line,
        # keeping its line end; any later one in [main] goes.
        dropped = {i for e in allows for i in range(e.first, e.last + 1)}
        last = rows[allows[0].last]
        ending = last[len(last.rstrip("\r\n")):]
        out = []
        for index, row in enumerate(rows):
            if index == allows[0].first:
                out.append(wanted + ending)
            if index not in dropped:
                out.append(row)
        return "".join(out)
    mains = [i for i, name in zip(parsed.headers, parsed.sections) if name == config.SECTION]
    if not mains:
        if rows and not rows[-1].endswith("\n"):
            rows[-1] += eol
        return "".join(rows) + "[main]" + eol + wanted + eol
    after = [i for i in parsed.headers if i > mains[0]]
    at = after[0] if after else len(rows)
    before = rows[:at]
    if before and not before[-1].endswith("\n"):
        before[-1] += eol
    return "".join(before) + wanted + eol + "".join(rows[at:])
