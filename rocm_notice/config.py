"""Plugin settings from rocm_notice.conf, its drop-ins and ``--setopt``.

We parse the files ourselves (dnf's parser only tells us ``enabled``) so that every
problem can name its file, key and value. A problem never stops dnf and never loosens
the policy: a bad value keeps what the earlier files (or the default) said.

Files are read in order: ``rocm_notice.conf``, then ``rocm_notice.d/*.conf`` by name.
Single-valued keys: the last file wins. List keys (``include``, ``exclude``, ``allow``):
every file adds to the list.
"""

import configparser
import glob
import os
from rocm_notice import releases
from rocm_notice.records import Fields

PLUGIN_NAME = "rocm_notice"
SECTION = "main"
ACTIONS = ("warn", "lock", "block")
BOOLEANS = {"1": True, "yes": True, "true": True, "on": True,
            "0": False, "no": False, "false": False, "off": False}
DEFAULT_REPORT = "/var/lib/rocm-epel-notice/last.json"

# Every message starts with the plugin's name, so a user knows who speaks.
MSG_UNREADABLE = "rocm_notice: cannot read %s: %s; using the other files"
MSG_NOT_UTF8 = "rocm_notice: %s is not valid UTF-8 (byte %d); bad bytes replaced"
MSG_SYNTAX = "rocm_notice: %s: %s; the rest of the file is used"
MSG_NO_SECTION = "rocm_notice: %s has no [main] section; file ignored"
MSG_DUPLICATE = "rocm_notice: %s: key '%s' is set twice in [%s]; the last value is used"
MSG_DUPLICATE_SECTION = "rocm_notice: %s: section [%s] appears twice; its keys are merged, the last value is used"
MSG_UNKNOWN_SECTION = "rocm_notice: %s: unknown section [%s] ignored (only [main] is read)"
MSG_UNKNOWN_KEY = "rocm_notice: %s: unknown key '%s' ignored%s"
MSG_ENABLED_ELSEWHERE = ("rocm_notice: %s: 'enabled' is read by dnf from %s.conf only; "
                         "ignored here")
MSG_BAD_VALUE = "rocm_notice: %s: %s = %s is not valid (accepted: %s); keeping %s = %s"


class Settings(Fields):
    """The merged settings; ``origin`` says which file (or --setopt) set each key."""

    _defaults = {"enabled": True, "include": (), "exclude": (), "on_major": "warn",
                 "on_minor": "warn", "allow": (), "report": DEFAULT_REPORT, "origin": {}}

    def action_for(self, kind):
        """The policy action for a boundary kind (releases.MAJOR or MINOR)."""
        return self.on_major if kind == releases.MAJOR else self.on_minor


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
    lines = [releases.parse_line(word) for word in _words(value)]
    return None if None in lines else tuple(lines)


def _parse_path(value):
    """An absolute path, or "" for ``none`` (no report at all)."""
    value = value.strip()
    if value.lower() == "none":
        return ""
    return value if os.path.isabs(value) else None


# key -> (parser, accepted values for messages, list key?)
KEYS = {
    "enabled": (_parse_bool, "1, 0, yes, no, true, false, on, off", False),
    "on_major": (_parse_action, ", ".join(ACTIONS), False),
    "on_minor": (_parse_action, ", ".join(ACTIONS), False),
    "allow": (_parse_lines, "release lines such as 7.1, 7.2", True),
    "include": (_parse_globs, "package names or globs", True),
    "exclude": (_parse_globs, "package names or globs", True),
    "report": (_parse_path, "an absolute path, or none", False),
}


def main_file(confdir):
    return os.path.join(confdir, PLUGIN_NAME + ".conf")


def dropin_dir(confdir):
    return os.path.join(confdir, PLUGIN_NAME + ".d")


def config_files(confdirs):
    """rocm_notice.conf and its drop-ins, in the order they are read."""
    files = []
    for directory in confdirs:
        files.append(main_file(directory))
        files.extend(sorted(glob.glob(os.path.join(dropin_dir(directory), "*.conf"))))
    return files


def _read_text(path, problems):
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except FileNotFoundError:
        return None
    except OSError as error:
        problems.append(MSG_UNREADABLE % (path, error.strerror or error))
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        problems.append(MSG_NOT_UTF8 % (path, error.start))
        return raw.decode("utf-8", errors="replace")


def _parse(text, path, problems):
    """A dict of [main]'s keys, keeping every line that parses."""
    def parser(strict):
        made = configparser.ConfigParser(
            strict=strict, interpolation=None, default_section="\x00none",
            comment_prefixes=("#", ";"), inline_comment_prefixes=None)
        made.optionxform = str.lower
        return made

    parsed = parser(strict=True)
    try:
        parsed.read_string(text, source=path)
    except (configparser.DuplicateOptionError, configparser.DuplicateSectionError) as error:
        if isinstance(error, configparser.DuplicateOptionError):
            problems.append(MSG_DUPLICATE % (path, error.option, error.section))
        else:
            problems.append(MSG_DUPLICATE_SECTION % (path, error.section))
        parsed = parser(strict=False)
        try:
            parsed.read_string(text, source=path)
        except configparser.Error as again:
            problems.append(MSG_SYNTAX % (path, _first_line(again)))
    except configparser.MissingSectionHeaderError:
        problems.append(MSG_NO_SECTION % path)
        return {}
    except configparser.Error as error:
        problems.append(MSG_SYNTAX % (path, _first_line(error)))
    for section in parsed.sections():
        if section != SECTION:
            problems.append(MSG_UNKNOWN_SECTION % (path, section))
    if not parsed.has_section(SECTION):
        if not parsed.sections() and not _has_content(text):
            return {}          # an empty or comment-only file says nothing: fine
        problems.append(MSG_NO_SECTION % path)
        return {}
    return dict(parsed.items(SECTION))


def _has_content(text):
    return any(line.strip() and not line.lstrip().startswith(("#", ";"))
               for line in text.splitlines())


def _first_line(error):
    """One line for a parse error: the first offending line, with its number."""
    if isinstance(error, configparser.ParsingError) and error.errors:
        number, line = error.errors[0]
        more = len(error.errors) - 1
        return "line %d is not 'key = value': %s%s" % (
            number, line.strip(), " (and %d more)" % more if more else "")
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _show(value):
    if isinstance(value, tuple):
        return ", ".join(str(v) for v in value) or "(empty)"
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value) if value != "" else "none"


def _apply(settings, source, values, problems, main_file=False):
    for key, raw in values.items():
        if key == "enabled" and not main_file:     # dnf decides that before we run
            problems.append(MSG_ENABLED_ELSEWHERE % (source, PLUGIN_NAME))
            continue
        if key not in KEYS:
            import difflib    # only for typos: not worth its import on every run
            close = difflib.get_close_matches(key, KEYS, n=1)
            hint = " (did you mean '%s'?)" % close[0] if close else ""
            problems.append(MSG_UNKNOWN_KEY % (source, key, hint))
            continue
        parse, accepted, is_list = KEYS[key]
        value = parse(raw)
        if value is None:
            problems.append(MSG_BAD_VALUE % (source, key, raw.strip() or "(empty)", accepted,
                                             key, _show(getattr(settings, key))))
            continue
        if is_list:
            merged = getattr(settings, key) + tuple(v for v in value
                                                   if v not in getattr(settings, key))
            setattr(settings, key, merged)
        else:
            setattr(settings, key, value)
        settings.origin[key] = source


def load(confdirs, setopts=None):
    """(Settings, problems): the merged settings and one line per problem found."""
    settings = Settings()
    problems = []
    for path in config_files(confdirs):
        is_main = os.path.basename(path) == PLUGIN_NAME + ".conf"
        if os.path.isdir(path):
            problems.append(MSG_UNREADABLE % (path, "is a directory"))
            continue
        text = _read_text(path, problems)
        if text is not None:
            _apply(settings, path, _parse(text, path, problems), problems, is_main)
    if setopts:
        _apply(settings, "--setopt", {k.lower(): v for k, v in setopts.items()}, problems)
    return settings, problems
