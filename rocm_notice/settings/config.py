"""Plugin settings from rocm_notice.conf, its drop-ins and ``--setopt``.

We parse the files ourselves (dnf's parser only tells us ``enabled``) so that every
problem can name its file, key and value. A problem never stops dnf and never loosens
the policy: a bad value keeps what came before it (an earlier line of the same file, an
earlier file, or the default).

Files are read in order: ``rocm_notice.conf``, then ``rocm_notice.d/*.conf`` by name,
through ``files`` (regular files only, non-blocking, at most 1 MiB each). Single-valued
keys: the last valid value wins. List keys (``include``, ``exclude``, ``allow``): every
file adds to the list.

Anything we cannot read or parse is a *doubt* (``Settings.doubts``): the view of the
policy may be incomplete. Under ``block`` or ``lock`` the glue then refuses a crossing
rather than guess; under ``warn`` it is one line and dnf goes on.

The ini syntax is read by ``io.ini``.
"""

import os

from rocm_notice import Fields
from rocm_notice.io import files
from rocm_notice.io.ini import parse_ini, split_comment

PLUGIN_NAME = "rocm_notice"
SECTION = "main"
ACTIONS = ("warn", "lock", "block")
BOOLEANS = {"1": True, "yes": True, "true": True, "on": True,
            "0": False, "no": False, "false": False, "off": False}
DEFAULT_REPORT = "/var/lib/rocm-epel-notice/last.json"
DEFAULT_SCAN_PATHS = ("/usr/local", "/opt")
DEFAULT_SCAN_SECONDS = 60.0
DEFAULT_NOTICE_SCAN_SECONDS = 2.0

# Every message starts with the plugin's name, so a user knows who speaks.
MSG_UNREADABLE = "rocm_notice: cannot read %s; using the other files"
MSG_NOT_UTF8 = "rocm_notice: %s is not valid UTF-8 (byte %d); bad bytes replaced"
MSG_SYNTAX = "rocm_notice: %s: %s; the rest of the file is used"
MSG_NO_SECTION = "rocm_notice: %s has no [main] section; file ignored"
MSG_DUPLICATE = "rocm_notice: %s: key '%s' is set twice in [%s]; the last valid value is used"
MSG_DUPLICATE_SECTION = "rocm_notice: %s: section [%s] appears twice; its keys are merged, the last value is used"
MSG_UNKNOWN_SECTION = "rocm_notice: %s: unknown section [%s] ignored (only [main] is read)"
MSG_SECTION_CASE = "rocm_notice: %s: section [%s] read as [main] (write it in lower case)"
MSG_UNKNOWN_KEY = "rocm_notice: %s: unknown key '%s' ignored%s"
MSG_MISSPELT_POLICY = ("rocm_notice: %s: unknown key '%s' (did you mean '%s'?); ROCm "
                       "crossings are refused until it is fixed")
MSG_ENABLED_ELSEWHERE = ("rocm_notice: %s: 'enabled' is read by dnf from %s.conf only; "
                         "ignored here")
MSG_BAD_VALUE = "rocm_notice: %s: %s = %s is not valid (accepted: %s); keeping %s = %s"
# A policy key with a value that is not valid: the admin may have meant lock or block, so
# nothing weaker may stay in force (``Settings.unreadable``; policy refuses crossings).
MSG_BAD_POLICY = ("rocm_notice: %s is not valid (accepted: %s); ROCm crossings are refused "
                  "until it is fixed (keeping %s = %s)")
MSG_INLINE_COMMENT = "rocm_notice: %s: %s = %s: '%s' read as a comment"


# -- the settings ----------------------------------------------------------------------

class Settings(Fields):
    """The merged settings. ``origin`` says which file (or --setopt) set each key,
    ``allowed_in`` which files approve each release line; ``problems`` has one line per
    problem found, ``doubts`` those that could hide a setting (see the module's doc);
    ``unreadable`` maps a policy key (``on_major``, ``on_minor``) whose last setting was
    not valid to where and what it was ("FILE: on_major = lcok")."""

    _defaults = {"enabled": True, "include": (), "exclude": (), "on_major": "warn",
                 "on_minor": "warn", "allow": (), "report": DEFAULT_REPORT, "origin": {},
                 "allowed_in": {}, "problems": [], "doubts": [], "unreadable": {},
                 "scan_paths": DEFAULT_SCAN_PATHS, "scan_seconds": DEFAULT_SCAN_SECONDS,
                 "notice_scan_seconds": DEFAULT_NOTICE_SCAN_SECONDS}

    def action_for(self, kind):
        """The policy action for a boundary kind (releases.MAJOR or MINOR)."""
        return self.on_major if kind == "major" else self.on_minor   # releases.MAJOR

    @property
    def has_lock(self):
        """True when a crossing of some kind is to be held: the sack hook's one question,
        answered here so that a run without a lock never imports the policy module."""
        return "lock" in (self.on_major, self.on_minor)


def _words(value):
    return [word for word in value.replace(",", " ").split() if word]


def _parse_bool(value):
    return BOOLEANS.get(value.strip().lower())


def _parse_action(value):
    value = value.strip().lower()
    return value if value in ACTIONS else None


def _parse_globs(value):
    return tuple(_words(value))


def _parse_lines(value):
    from rocm_notice.catalog import releases   # only a config that approves a line needs it
    lines = [releases.parse_line(word) for word in _words(value)]
    return None if None in lines else tuple(lines)


def _parse_path(value):
    """An absolute path, or "" for ``none`` (no report at all)."""
    value = value.strip()
    if value.lower() == "none":
        return ""
    return value if os.path.isabs(value) else None


def _parse_paths(value):
    """Absolute paths, separated by commas or blanks (a single value: a later file
    replaces the whole list)."""
    paths = tuple(_words(value))
    return paths if paths and all(os.path.isabs(path) for path in paths) else None


def _parse_seconds(value, least=0.0, inclusive=False):
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    fits = least <= seconds if inclusive else least < seconds
    return seconds if fits and seconds <= 86400 else None


def _parse_seconds_or_off(value):
    return _parse_seconds(value, inclusive=True)


# The keys whose invalid value could leave a weaker policy than the admin meant.
POLICY_KEYS = ("on_major", "on_minor")

# key -> (parser, accepted values for messages, list key?)
KEYS = {
    "enabled": (_parse_bool, "1, 0, yes, no, true, false, on, off", False),
    "on_major": (_parse_action, ", ".join(ACTIONS), False),
    "on_minor": (_parse_action, ", ".join(ACTIONS), False),
    "allow": (_parse_lines, "release lines such as 7.1, 7.2", True),
    "include": (_parse_globs, "package names or globs", True),
    "exclude": (_parse_globs, "package names or globs", True),
    "report": (_parse_path, "an absolute path, or none", False),
    "scan_paths": (_parse_paths, "absolute paths", False),
    "scan_seconds": (_parse_seconds, "seconds, more than 0 and at most 86400", False),
    "notice_scan_seconds": (_parse_seconds_or_off, "seconds, at most 86400; 0 = off", False),
}


def main_file(confdir):
    return os.path.join(confdir, PLUGIN_NAME + ".conf")


def dropin_dir(confdir):
    return os.path.join(confdir, PLUGIN_NAME + ".d")


def _inside(path, root):
    """(path as files reads it, root): a host path under ``root`` is read inside it, so a
    link there never leads to the host (an installroot's own /etc/dnf/plugins)."""
    root = str(root or "/").rstrip("/") or "/"
    if root != "/" and (path == root or path.startswith(root + "/")):
        return path[len(root):] or "/", root
    return path, "/"


def config_files(confdirs, problems=None, root="/"):
    """rocm_notice.conf and its drop-ins, in the order they are read. A drop-in
    directory that cannot be listed is a problem (appended to ``problems``)."""
    found = []
    for directory in confdirs:
        found.append(main_file(directory))
        dropins = dropin_dir(directory)
        try:
            names = files.list_names(*_inside(dropins, root)) or []
        except files.FileProblem as problem:
            if problems is not None:
                problems.append(MSG_UNREADABLE % problem)
            names = []
        found.extend(os.path.join(dropins, name) for name in names
                     if name.endswith(".conf") and not name.startswith("."))
    return found


def _read_text(path, problems, root="/"):
    try:
        inside, within = _inside(path, root)
        raw = files.read_bytes(inside, within, limit=files.CONFIG_LIMIT)
    except files.FileProblem as problem:
        problems.append(MSG_UNREADABLE % problem)
        return None
    if raw is None:
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        problems.append(MSG_NOT_UTF8 % (path, error.start))
        return raw.decode("utf-8", errors="replace")


def _parse(text, path, problems):
    """[main]'s (key, value) pairs in file order, keeping every line that parses."""
    parsed = parse_ini(text)
    if not parsed.sections:
        if parsed.entries or parsed.errors:
            problems.append(MSG_NO_SECTION % path)
        return []           # an empty or comment-only file says nothing: fine
    if parsed.errors:
        number, why, line = parsed.errors[0]
        more = len(parsed.errors) - 1
        problems.append(MSG_SYNTAX % (path, "line %d is %s: %s%s" % (
            number, why, line, " (and %d more)" % more if more else "")))
    # [Main] or [MAIN] is what the admin meant by [main]: read, and said (a lock under it
    # would otherwise be ignored with the rest of the file).
    seen = set()
    for section in parsed.sections:
        if section.lower() != SECTION and section not in seen:
            problems.append(MSG_UNKNOWN_SECTION % (path, section))
        elif section.lower() == SECTION and section != SECTION and section not in seen:
            problems.append(_Note(MSG_SECTION_CASE % (path, section)))
        elif section == SECTION and section in seen:
            problems.append(_Note(MSG_DUPLICATE_SECTION % (path, section)))
        seen.add(section)
    if SECTION not in {section.lower() for section in seen}:
        problems.append(MSG_NO_SECTION % path)
        return []
    pairs = [(e.key, e.value) for e in parsed.entries if e.section.lower() == SECTION]
    counted = {}
    for key, _ in pairs:
        counted[key] = counted.get(key, 0) + 1
    for key in sorted(k for k, n in counted.items() if n > 1 and not KEYS.get(k, (0, 0, 1))[2]):
        problems.append(_Note(MSG_DUPLICATE % (path, key, SECTION)))
    return pairs


def _show(value):
    if isinstance(value, tuple):
        return ", ".join(str(v) for v in value) or "(empty)"
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value) if value != "" else "none"


def _apply(settings, source, values, problems, main_file=False):
    for key, raw in values:
        if key == "enabled" and not main_file:     # dnf decides that before we run
            problems.append(_Note(MSG_ENABLED_ELSEWHERE % (source, PLUGIN_NAME)))
            continue
        misspelt = policy_key(key) if key not in KEYS else None
        if misspelt:
            # on-major, "on major", onmajor: the admin meant a policy key. Unless it says
            # warn, it counts as a setting that is not valid (doubt fails closed).
            parsed = _parse_action(split_comment(raw)[0])
            if parsed != "warn":
                settings.unreadable[misspelt] = "%s: %s = %s" % (source, key,
                                                                 raw.strip() or "(empty)")
                problems.append(MSG_MISSPELT_POLICY % (source, key, misspelt))
                continue
        if key not in KEYS:
            import difflib    # only for typos: not worth its import on every run
            close = difflib.get_close_matches(key, KEYS, n=1)
            hint = " (did you mean '%s'?)" % close[0] if close else ""
            problems.append(MSG_UNKNOWN_KEY % (source, key, hint))
            continue
        parse, accepted, is_list = KEYS[key]
        text, comment = split_comment(raw)
        value = parse(text)
        if value is None:
            shown = raw.strip() or "(empty)"
            if key in POLICY_KEYS:
                settings.unreadable[key] = "%s: %s = %s" % (source, key, shown)
                problem = MSG_BAD_POLICY % (settings.unreadable[key], accepted, key,
                                            _show(getattr(settings, key)))
            else:
                problem = MSG_BAD_VALUE % (source, key, shown, accepted, key,
                                           _show(getattr(settings, key)))
            problems.append(problem)
            continue
        if comment:
            problems.append(_Note(MSG_INLINE_COMMENT % (source, key, text, comment)))
        settings.unreadable.pop(key, None)      # the admin's last word on it is readable
        if is_list:
            merged = getattr(settings, key) + tuple(v for v in value
                                                   if v not in getattr(settings, key))
            setattr(settings, key, merged)
            if key == "allow":
                for line in value:
                    settings.allowed_in.setdefault(line, []).append(source)
        else:
            setattr(settings, key, value)
        settings.origin[key] = source


def policy_key(key):
    """The policy key (on_major, on_minor) that ``key`` spells, however: its letters,
    lowered (on-major, On Major, onmajor), as the front ends' fallback reads it; or None."""
    letters = "".join(c for c in key.lower() if "a" <= c <= "z")
    return {"onmajor": "on_major", "onminor": "on_minor"}.get(letters)


def setopt_pairs(by_name):
    """``--setopt=rocm_notice.KEY=VALUE`` as dnf 4 files them ({plugin name as written:
    {key: [value, ...]}}): (key, value) pairs in the order to apply them, each as a line
    of a file is (its own comment; allow, include and exclude add up). Every spelling of
    the name counts ('-' for '_', any case), as --disableplugin takes it. dnf keeps no
    order between spellings: a policy key given under several (however spelt: on_major,
    ON_MAJOR, on-major) ends with the stricter of their last values (doubt fails
    closed)."""
    pairs, last = [], {}
    for name, options in by_name.items():
        if name.replace("-", "_").lower() != PLUGIN_NAME:
            continue
        for key, values in options.items():
            pairs.extend((key, value) for value in values)
            if values and policy_key(key):
                last.setdefault(policy_key(key), []).append(values[-1])
    for key, values in sorted(last.items()):
        if len(values) > 1:         # under several spellings: their order is lost
            pairs.append((key, max(values, key=_strictness)))
    return pairs


def _strictness(value):
    """warn < lock < block < a value that is not valid (it counts as block), read as
    ``_apply`` reads it."""
    action = _parse_action(split_comment(value)[0])
    return ACTIONS.index(action) if action else len(ACTIONS)


class _Note(str):
    """A problem that cannot hide a setting (a key set twice, a section repeated,
    'enabled' outside dnf's file): one line, but no doubt about the policy. Marked where
    it is found, so no file name can make another problem pass for one."""


def load(confdirs, setopts=None, root="/"):
    """(Settings, problems): the merged settings and one line per problem found.
    ``root``: an installroot whose own configuration this is (confdirs under it are read
    inside it)."""
    settings = Settings()
    problems = []
    for path in config_files(confdirs, problems, root):
        is_main = os.path.basename(path) == PLUGIN_NAME + ".conf"
        text = _read_text(path, problems, root)
        if text is not None:
            _apply(settings, path, _parse(text, path, problems), problems, is_main)
    if setopts:     # {key: value}, or (key, value) pairs in the order to apply them
        pairs = setopts.items() if isinstance(setopts, dict) else setopts
        _apply(settings, "--setopt", [(k.lower(), v) for k, v in pairs], problems)
    settings.problems = problems
    settings.doubts = [p for p in problems if not isinstance(p, _Note)]
    return settings, problems
