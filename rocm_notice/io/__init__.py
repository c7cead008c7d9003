"""Reading and writing on the system, safely: files (bounded, non-blocking, inside an
installroot), the system log, a standard error that cannot fail a program; and ``clean``,
for text from outside (repository metadata, file names, settings) made safe to show.

``clean`` is here rather than in a module of its own: nearly every run that shows a line
loads this package, and a module costs an import (about 0.1 ms)."""

import unicodedata

# Unicode categories a repository string never keeps: controls (C0, DEL, C1: terminal
# escapes), format characters (bidirectional overrides such as U+202E, zero-width ones),
# surrogates, private use and unassigned code points, and line/paragraph separators.
_DROPPED = frozenset(("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"))


def clean(text, replacement=""):
    """``text`` safe to print or to write as one line of a file: every character that
    must not reach a terminal or split a line (a control or format character, a line
    separator: the categories in ``_DROPPED``) removed, or put as ``replacement``. The one
    such filter: for repository strings, paths in messages, versionlock entries and notes."""
    text = str(text)
    if text.isascii() and text.isprintable():     # nearly every package name: no walk
        return text
    return "".join(replacement if unicodedata.category(c) in _DROPPED else c for c in text)
