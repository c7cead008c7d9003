"""The drop-ins that ``dnf rocm`` writes in ``rocm_notice.d/``, and nothing else.

Each file carries a marker comment naming the command that owns it, so ``unlock`` and
``disallow`` touch only what the command wrote. Edits keep every other line byte for
byte (an admin may comment on our file), are idempotent, and go through ``atomic``.
"""

import os
import re

from rocm_notice import atomic, config, releases

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
MSG_CANNOT_WRITE = "cannot write %s: %s"

_ALLOW_LINE = re.compile(r"^[ \t]*allow[ \t]*[=:]", re.IGNORECASE)
_SECTION = re.compile(r"^[ \t]*\[([^\]]*)\]")


class DropinError(Exception):
    """A drop-in that could not be changed; the message is one line for the user."""


def read(path):
    """The file's text, or None when it does not exist."""
    try:
        with open(path, "rb") as handle:
            return handle.read().decode("utf-8", "surrogateescape")
    except FileNotFoundError:
        return None
    except OSError as error:
        raise DropinError(MSG_CANNOT_WRITE % (path, error.strerror or error)) from None


def write(path, text):
    """Write ``text`` atomically; no write at all when the file already says it."""
    if read(path) == text:
        return False
    try:
        atomic.write(path, text.encode("utf-8", "surrogateescape"))
    except atomic.WriteError as error:
        raise DropinError(MSG_CANNOT_WRITE % (path, error)) from None
    return True


def remove(path, marker, command):
    """Delete our file; False when there is none; DropinError when it is not ours."""
    text = read(path)
    if text is None:
        return False
    if marker not in text.splitlines():
        raise DropinError(MSG_NOT_OURS % (path, command))
    try:
        os.unlink(path)
    except OSError as error:
        raise DropinError(MSG_CANNOT_WRITE % (path, error.strerror or error)) from None
    return True


# -- the allow file: one "allow =" line under [main], the rest untouched --------------------

def _lines(text):
    return text.splitlines(keepends=True)


def _eol(text):
    """The file's line end, from its first line (a last line may have none)."""
    first = text.find("\n")
    return "\r\n" if first > 0 and text[first - 1] == "\r" else "\n"


def _continues(line):
    """An indented, non-blank line continues the previous value (as configparser reads)."""
    return line[:1] in (" ", "\t") and line.strip() != ""


def approved(text):
    """The lines the allow file approves (its ``allow =`` line in [main])."""
    section, value = None, None
    for line in _lines(text or ""):
        if value is not None:
            if not _continues(line):
                break
            value += " " + line
            continue
        heading = _SECTION.match(line)
        if heading:
            section = heading.group(1).strip()
        elif section == config.SECTION and _ALLOW_LINE.match(line):
            value = line.split("=", 1)[1] if "=" in line else line.split(":", 1)[1]
    return [found for found in (releases.parse_line(word) for word in
                                (value or "").replace(",", " ").split()) if found]


def with_allowed(text, lines):
    """``text`` (None: no file yet) with its ``allow =`` line saying exactly ``lines``."""
    if text is None:
        text = ALLOW_MARKER + "\n[main]\n"
    if ALLOW_MARKER not in text.splitlines():
        raise DropinError(MSG_NOT_OURS % (ALLOW_FILE, "allow"))
    eol = _eol(text)
    wanted = "allow = %s%s" % (", ".join(str(l) for l in sorted(set(lines))), eol)
    out, section, done, replacing = [], None, False, False
    for line in _lines(text):
        if replacing and _continues(line):
            continue            # the old value's continuation lines go with it
        replacing = False
        heading = _SECTION.match(line)
        if heading:
            if section == config.SECTION and not done:
                out.append(wanted)
                done = True
            section = heading.group(1).strip()
        elif section == config.SECTION and _ALLOW_LINE.match(line) and not done:
            line_eol = "\r\n" if line.endswith("\r\n") else ("\n" if line.endswith("\n") else "")
            out.append(wanted[:-len(eol)] + line_eol)
            done = replacing = True
            continue
        out.append(line)
    if not done:
        if section != config.SECTION:
            if out and not out[-1].endswith("\n"):
                out.append(eol)
            out.append("[main]" + eol)
        elif out and not out[-1].endswith("\n"):
            out.append(eol)
        out.append(wanted)
    return "".join(out)
