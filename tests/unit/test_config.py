"""rocm_notice.conf, its drop-ins and --setopt: every problem is one line, never a weaker policy."""

import os

import pytest

from rocm_notice.settings import config
from rocm_notice.catalog.releases import Line


def write(directory, name, text):
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return str(path)


def main_file(tmp_path, text):
    return write(tmp_path, "rocm_notice.conf", text)


def drop_in(tmp_path, name, text):
    return write(tmp_path, os.path.join("rocm_notice.d", name), text)


def load(tmp_path, setopts=None):
    return config.load([str(tmp_path)], setopts)


# -- defaults ---------------------------------------------------------------------------------

def test_no_files_gives_the_defaults_and_no_problems(tmp_path):
    settings, problems = load(tmp_path)
    assert problems == []
    assert settings.enabled is True
    assert (settings.on_major, settings.on_minor) == ("warn", "warn")
    assert (settings.allow, settings.include, settings.exclude) == ((), (), ())
    assert settings.report == config.DEFAULT_REPORT
    assert settings.origin == {}


def test_main_section_with_only_enabled_keeps_the_defaults(tmp_path):
    main_file(tmp_path, "[main]\nenabled = 1\n")
    settings, problems = load(tmp_path)
    assert problems == []
    assert settings.enabled is True
    assert settings.on_major == "warn"


# -- every key ---------------------------------------------------------------------------------

def test_every_key_is_parsed(tmp_path):
    path = main_file(tmp_path, "\n".join([
        "[main]",
        "enabled = no",
        "on_major = block",
        "on_minor = lock",
        "allow = 7.1, 7.2",
        "include = site-rocm-* my-hip",
        "exclude = rocm-examples*",
        "report = /srv/rocm/report.json",
        ""]))
    settings, problems = load(tmp_path)
    assert problems == []
    assert settings.enabled is False
    assert settings.on_major == "block"
    assert settings.on_minor == "lock"
    assert settings.allow == (Line(7, 1), Line(7, 2))
    assert settings.include == ("site-rocm-*", "my-hip")
    assert settings.exclude == ("rocm-examples*",)
    assert settings.report == "/srv/rocm/report.json"
    assert settings.origin["on_major"] == path


@pytest.mark.parametrize("word, expected", [
    ("1", True), ("yes", True), ("True", True), ("on", True),
    ("0", False), ("no", False), ("FALSE", False), ("off", False)])
def test_enabled_accepts_usual_boolean_words(tmp_path, word, expected):
    main_file(tmp_path, "[main]\nenabled = %s\n" % word)
    settings, problems = load(tmp_path)
    assert problems == []
    assert settings.enabled is expected


def test_keys_and_actions_are_case_insensitive(tmp_path):
    main_file(tmp_path, "[main]\nOn_Major = BLOCK\n")
    settings, problems = load(tmp_path)
    assert problems == []
    assert settings.on_major == "block"


def test_action_for_each_boundary_kind(tmp_path):
    main_file(tmp_path, "[main]\non_major = block\non_minor = lock\n")
    settings, _ = load(tmp_path)
    assert settings.action_for("major") == "block"
    assert settings.action_for("minor") == "lock"


def test_list_value_may_span_continuation_lines(tmp_path):
    main_file(tmp_path, "[main]\ninclude = one\n  two, three\n")
    settings, problems = load(tmp_path)
    assert problems == []
    assert settings.include == ("one", "two", "three")


# -- bad values: one line, the earlier value kept ---------------------------------------------

def test_bad_value_is_one_line_naming_file_key_value_and_accepted_values(tmp_path):
    path = main_file(tmp_path, "[main]\non_major = blok\n")
    settings, problems = load(tmp_path)
    assert len(problems) == 1
    line = problems[0]
    assert path in line
    assert "on_major" in line
    assert "blok" in line
    assert "warn, lock, block" in line
    assert "\n" not in line
    assert settings.on_major == "warn"


def test_bad_value_in_drop_in_keeps_the_main_files_stricter_value(tmp_path):
    main_file(tmp_path, "[main]\non_major = block\n")
    bad = drop_in(tmp_path, "50-site.conf", "[main]\non_major = blok\n")
    settings, problems = load(tmp_path)
    assert settings.on_major == "block"
    assert len(problems) == 1
    assert bad in problems[0]
    assert "keeping on_major = block" in problems[0]


@pytest.mark.parametrize("key, value", [
    ("enabled", "maybe"),
    ("on_minor", "stop"),
    ("on_minor", ""),
    ("allow", "7.1, seven"),
    ("allow", "7"),
    ("report", "relative/report.json"),
    ("scan_paths", "/opt home"),
    ("scan_paths", ""),
    ("scan_seconds", "0"),
    ("scan_seconds", "soon"),
])
def test_each_bad_value_is_reported_and_ignored(tmp_path, key, value):
    main_file(tmp_path, "[main]\n%s = %s\n" % (key, value))
    settings, problems = load(tmp_path)
    defaults = config.Settings()
    assert len(problems) == 1
    assert key in problems[0]
    assert getattr(settings, key) == getattr(defaults, key)
    assert key not in settings.origin


def test_bad_allow_value_does_not_drop_earlier_approvals(tmp_path):
    main_file(tmp_path, "[main]\nallow = 7.1\n")
    drop_in(tmp_path, "10-more.conf", "[main]\nallow = 7.2 eight\n")
    settings, problems = load(tmp_path)
    assert settings.allow == (Line(7, 1),)
    assert len(problems) == 1


# -- unknown and duplicate keys ------------------------------------------------------------------

def test_unknown_key_is_one_line_with_a_did_you_mean(tmp_path):
    path = main_file(tmp_path, "[main]\non_majr = block\n")
    settings, problems = load(tmp_path)
    assert len(problems) == 1
    assert path in problems[0]
    assert "on_majr" in problems[0]
    assert "did you mean 'on_major'" in problems[0]
    assert settings.on_major == "warn"


def test_unknown_key_without_a_close_match_has_no_suggestion(tmp_path):
    main_file(tmp_path, "[main]\nfrobnicate = 1\n")
    _, problems = load(tmp_path)
    assert len(problems) == 1
    assert "frobnicate" in problems[0]
    assert "did you mean" not in problems[0]


def test_duplicate_key_is_one_line_and_the_last_value_is_used(tmp_path):
    path = main_file(tmp_path, "[main]\non_major = lock\non_major = block\n")
    settings, problems = load(tmp_path)
    assert len(problems) == 1
    assert path in problems[0]
    assert "on_major" in problems[0]
    assert settings.on_major == "block"


def test_duplicate_main_section_names_the_section_not_an_empty_key(tmp_path):
    main_file(tmp_path, "[main]\non_major = lock\n[main]\non_minor = block\n")
    settings, problems = load(tmp_path)
    assert len(problems) == 1
    assert "[main]" in problems[0]
    assert "key ''" not in problems[0]
    assert (settings.on_major, settings.on_minor) == ("lock", "block")


# -- broken files ----------------------------------------------------------------------------------

def test_non_utf8_bytes_are_one_line_and_the_rest_is_used(tmp_path):
    path = main_file(tmp_path, b"[main]\n# caf\xe9\non_major = block\n")
    settings, problems = load(tmp_path)
    assert len(problems) == 1
    assert path in problems[0]
    assert "UTF-8" in problems[0]
    assert settings.on_major == "block"


def test_missing_main_section_is_reported_and_the_file_ignored(tmp_path):
    path = main_file(tmp_path, "on_major = block\n")
    settings, problems = load(tmp_path)
    assert len(problems) == 1
    assert path in problems[0]
    assert "[main]" in problems[0]
    assert settings.on_major == "warn"


def test_other_section_without_main_is_reported(tmp_path):
    path = main_file(tmp_path, "[rocm]\non_major = block\n")
    settings, problems = load(tmp_path)
    assert problems
    assert all(path in line for line in problems)
    assert any("[main]" in line for line in problems)
    assert settings.on_major == "warn"


@pytest.mark.parametrize("section", ["Main", "MAIN"])
def test_main_in_another_case_is_read_as_main_and_said(tmp_path, section):
    """[Main]: before, "unknown section [Main] ignored" and "has no [main] section; file
    ignored", and the lock under it was not applied (warn, so the crossing went through
    on every front end)."""
    path = drop_in(tmp_path, "50-site.conf", "[%s]\non_major = lock\n" % section)
    settings, problems = load(tmp_path)
    assert settings.on_major == "lock"
    assert problems == ["rocm_notice: %s: section [%s] read as [main] (write it in lower "
                        "case)" % (path, section)]
    assert settings.doubts == []          # no doubt: every key of the file was read


@pytest.mark.parametrize("key", ["on-major", "onmajor", "On Major"])
def test_a_misspelt_policy_key_is_doubt_that_counts_as_block(tmp_path, key):
    """on-major = block: before, "unknown key 'on-major' ignored (did you mean
    'on_major'?)" and the policy stayed warn, so the crossing went through; a value typo
    (on_major = blokc) was refused on. A misspelt policy key is refused on the same way."""
    from rocm_notice.core import policy
    path = drop_in(tmp_path, "50-site.conf", "[main]\n%s = block\n" % key)
    settings, problems = load(tmp_path)
    assert problems == ["rocm_notice: %s: unknown key '%s' (did you mean 'on_major'?); ROCm "
                        "crossings are refused until it is fixed" % (path, key.lower())]
    assert settings.unreadable == {"on_major": "%s: %s = block" % (path, key.lower())}
    assert policy.strictest(settings) == policy.BLOCK


def test_a_misspelt_policy_key_that_says_warn_is_only_named(tmp_path):
    drop_in(tmp_path, "50-site.conf", "[main]\non-major = warn\n")
    settings, problems = load(tmp_path)
    assert settings.unreadable == {} and settings.on_major == "warn"
    assert len(problems) == 1 and "unknown key 'on-major'" in problems[0]


def test_syntax_error_line_is_reported_and_the_rest_of_the_file_is_used(tmp_path):
    path = main_file(tmp_path, "[main]\non_major = block\nthis line is not a key\n"
                               "on_minor = lock\n")
    settings, problems = load(tmp_path)
    assert len(problems) == 1
    assert path in problems[0]
    assert "\n" not in problems[0]
    assert (settings.on_major, settings.on_minor) == ("block", "lock")


def test_syntax_error_line_says_which_line_is_wrong(tmp_path):
    main_file(tmp_path, "[main]\non_major = block\nthis line is not a key\n")
    _, problems = load(tmp_path)
    assert len(problems) == 1
    assert "line 3" in problems[0] or "this line is not a key" in problems[0]


@pytest.mark.parametrize("text", ["", "# managed by config management\n"])
def test_empty_or_comment_only_drop_in_is_not_a_problem(tmp_path, text):
    main_file(tmp_path, "[main]\non_major = lock\n")
    drop_in(tmp_path, "50-site.conf", text)
    settings, problems = load(tmp_path)
    assert problems == []
    assert settings.on_major == "lock"


def test_directory_where_the_main_file_should_be_is_one_line(tmp_path):
    (tmp_path / "rocm_notice.conf").mkdir()
    drop_in(tmp_path, "10-site.conf", "[main]\non_major = lock\n")
    settings, problems = load(tmp_path)
    assert len(problems) == 1
    assert "rocm_notice.conf" in problems[0]
    assert "directory" in problems[0]
    assert settings.on_major == "lock"


def test_directory_named_like_a_drop_in_is_one_line_and_others_are_used(tmp_path):
    main_file(tmp_path, "[main]\non_major = lock\n")
    (tmp_path / "rocm_notice.d" / "10-broken.conf").mkdir(parents=True)
    drop_in(tmp_path, "20-site.conf", "[main]\non_minor = block\n")
    settings, problems = load(tmp_path)
    assert len(problems) == 1
    assert "10-broken.conf" in problems[0]
    assert (settings.on_major, settings.on_minor) == ("lock", "block")


def test_unreadable_drop_in_symlink_loop_is_one_line(tmp_path):
    # Works as root too (unlike chmod 000): opening a symlink loop always fails.
    main_file(tmp_path, "[main]\non_major = lock\n")
    (tmp_path / "rocm_notice.d").mkdir()
    loop = tmp_path / "rocm_notice.d" / "10-loop.conf"
    os.symlink(loop.name, str(loop))
    settings, problems = load(tmp_path)
    assert len(problems) == 1
    assert "10-loop.conf" in problems[0]
    assert "cannot read" in problems[0]
    assert settings.on_major == "lock"


# -- layering ----------------------------------------------------------------------------------------

def test_drop_ins_are_read_in_name_order_and_the_last_wins(tmp_path):
    main_file(tmp_path, "[main]\non_major = warn\n")
    drop_in(tmp_path, "20-b.conf", "[main]\non_major = block\n")
    first = drop_in(tmp_path, "10-a.conf", "[main]\non_major = lock\non_minor = lock\n")
    last = drop_in(tmp_path, "30-c.conf", "[main]\non_major = block\n")
    settings, problems = load(tmp_path)
    assert problems == []
    assert settings.on_major == "block"
    assert settings.origin["on_major"] == last
    assert settings.origin["on_minor"] == first


def test_only_conf_files_are_drop_ins(tmp_path):
    drop_in(tmp_path, "10-a.conf.rpmsave", "[main]\non_major = block\n")
    drop_in(tmp_path, "README", "not a config file\n")
    settings, problems = load(tmp_path)
    assert problems == []
    assert settings.on_major == "warn"


def test_config_files_lists_main_file_then_sorted_drop_ins(tmp_path):
    drop_in(tmp_path, "b.conf", "[main]\n")
    drop_in(tmp_path, "a.conf", "[main]\n")
    assert config.config_files([str(tmp_path)]) == [
        str(tmp_path / "rocm_notice.conf"),
        str(tmp_path / "rocm_notice.d" / "a.conf"),
        str(tmp_path / "rocm_notice.d" / "b.conf")]


@pytest.mark.parametrize("key", ["allow", "include", "exclude"])
def test_list_keys_add_up_across_files(tmp_path, key):
    first, second = ("7.1", "7.2") if key == "allow" else ("one*", "two*")
    main_file(tmp_path, "[main]\n%s = %s\n" % (key, first))
    drop_in(tmp_path, "10-more.conf", "[main]\n%s = %s, %s\n" % (key, second, first))
    settings, problems = load(tmp_path)
    assert problems == []
    expected = (Line(7, 1), Line(7, 2)) if key == "allow" else ("one*", "two*")
    assert getattr(settings, key) == expected


def test_setopt_wins_over_files(tmp_path):
    main_file(tmp_path, "[main]\non_major = block\n")
    drop_in(tmp_path, "10-site.conf", "[main]\non_major = lock\n")
    settings, problems = load(tmp_path, {"on_major": "warn"})
    assert problems == []
    assert settings.on_major == "warn"
    assert settings.origin["on_major"] == "--setopt"


def test_setopt_list_key_adds_to_files(tmp_path):
    main_file(tmp_path, "[main]\nallow = 7.1\n")
    settings, _ = load(tmp_path, {"allow": "7.2"})
    assert settings.allow == (Line(7, 1), Line(7, 2))


def test_bad_setopt_value_is_one_line_and_the_file_value_kept(tmp_path):
    main_file(tmp_path, "[main]\non_major = block\n")
    settings, problems = load(tmp_path, {"on_major": "blok"})
    assert settings.on_major == "block"
    assert len(problems) == 1
    assert "--setopt" in problems[0]
    assert "blok" in problems[0]


def test_unknown_setopt_key_is_one_line(tmp_path):
    _, problems = load(tmp_path, {"on_mior": "lock"})
    assert len(problems) == 1
    assert "did you mean 'on_minor'" in problems[0]


def test_several_directories_are_read_in_order(tmp_path):
    first, second = tmp_path / "etc", tmp_path / "site"
    main_file(first, "[main]\non_major = lock\n")
    main_file(second, "[main]\non_major = block\n")
    settings, _ = config.load([str(first), str(second)])
    assert settings.on_major == "block"


def test_enabled_outside_the_main_file_is_named_and_ignored(tmp_path):
    main_file(tmp_path, "[main]\nenabled = 1\n")
    drop_in(tmp_path, "50-off.conf", "[main]\nenabled = 0\n")
    settings, problems = load(tmp_path, {"enabled": "0"})
    assert settings.enabled is True
    assert len(problems) == 2
    assert all("'enabled' is read by dnf from rocm_notice.conf only; ignored here" in p
               for p in problems)
    assert "50-off.conf" in problems[0] and "--setopt" in problems[1]


@pytest.mark.parametrize("value", ["none", "None", " NONE "])
def test_report_none_turns_the_report_off(tmp_path, value):
    main_file(tmp_path, "[main]\nreport = %s\n" % value)
    settings, problems = load(tmp_path)
    assert problems == [] and settings.report == ""


def test_a_bad_report_value_after_none_says_it_keeps_none(tmp_path):
    main_file(tmp_path, "[main]\nreport = none\n")
    drop_in(tmp_path, "10-x.conf", "[main]\nreport = here.json\n")
    settings, problems = load(tmp_path)
    assert settings.report == ""
    assert problems[0].endswith("(accepted: an absolute path, or none); keeping report = none")


def test_an_installroots_own_configuration_is_read_inside_it(tmp_path):
    """A link that a package ships in the root's /etc/dnf/plugins is followed inside the
    root: a host file never becomes our configuration (nor its lines our messages)."""
    root = tmp_path / "root"
    host = tmp_path / "host.conf"
    host.write_text("[main]\non_major = block\nhost secret line\n")
    confdir = root / "etc" / "dnf" / "plugins"
    (confdir / "rocm_notice.d").mkdir(parents=True)
    (confdir / "rocm_notice.conf").write_text("[main]\non_major = lock\n")
    (confdir / "rocm_notice.d" / "50-link.conf").symlink_to(str(host))
    settings, problems = config.load([str(confdir)], root=str(root))
    assert settings.on_major == "lock"
    assert len(problems) == 1 and "which does not exist inside %s" % root in problems[0]
    assert "host secret" not in problems[0]
    # Without the root, the same directory read on the host follows the link.
    settings, _ = config.load([str(confdir)])
    assert settings.on_major == "block"

def test_scan_paths_is_replaced_as_a_whole_by_a_later_file(tmp_path):
    main_file(tmp_path, "[main]\nscan_paths = /opt, /usr/local /srv\nscan_seconds = 2.5\n")
    settings, problems = load(tmp_path)
    assert problems == [] and settings.scan_paths == ("/opt", "/usr/local", "/srv")
    assert settings.scan_seconds == 2.5
    drop_in(tmp_path, "10-site.conf", "[main]\nscan_paths = /home/alice\n")
    settings, _ = load(tmp_path)
    assert settings.scan_paths == ("/home/alice",)
    assert config.Settings().scan_paths == ("/usr/local", "/opt")


def test_a_file_name_cannot_make_an_unreadable_file_pass_for_a_harmless_note(tmp_path):
    """Doubts are marked where they are found, not recognised by their wording: a drop-in
    named like a harmless message is still a file we could not read."""
    main_file(tmp_path, "[main]\non_major = block\n")
    odd = tmp_path / "rocm_notice.d" / "is set twice in.conf"
    odd.parent.mkdir(exist_ok=True)
    odd.mkdir()
    settings, problems = load(tmp_path)
    assert len(problems) == 1 and "cannot read" in problems[0]
    assert settings.doubts == problems
    duplicate = tmp_path / "rocm_notice.d" / "50-dup.conf"
    duplicate.write_text("[main]\non_minor = warn\non_minor = warn\n")
    settings, problems = load(tmp_path)
    assert len(problems) == 2
    assert settings.doubts == [p for p in problems if "cannot read" in p]


# -- a comment after a value; a policy value that is not valid ---------------------------

@pytest.mark.parametrize("line, key, value", [
    ("on_major = block   # keep 6.4 until the cluster is rebuilt", "on_major", "block"),
    ("on_minor = lock ; ticket 42", "on_minor", "lock"),
    ("on_major=warn\t# minors only", "on_major", "warn"),
    ("allow = 7.1 # approved in CHG-1", "allow", (Line(7, 1),)),
    ("report = none # monitoring reads syslog", "report", ""),
])
def test_a_valid_value_followed_by_a_comment_is_read_and_the_comment_named(tmp_path, line,
                                                                             key, value):
    path = main_file(tmp_path, "[main]\n%s\n" % line)
    settings, problems = load(tmp_path)
    assert getattr(settings, key) == value
    assert settings.doubts == [] and settings.unreadable == {}
    comment = line[line.index(" #" if " #" in line else ("\t#" if "\t#" in line else " ;")):]
    assert problems == ["rocm_notice: %s: %s = %s: '%s' read as a comment"
                        % (path, key, "7.1" if key == "allow" else (value or "none"),
                           comment.strip())]


def test_a_hash_inside_a_word_is_not_a_comment(tmp_path):
    main_file(tmp_path, "[main]\ninclude = rocm#x\n")
    settings, problems = load(tmp_path)
    assert settings.include == ("rocm#x",) and problems == []


@pytest.mark.parametrize("value", ["blokc", "lock block", "", "block!", "1", "yes"])
def test_a_policy_value_that_is_not_valid_is_doubt_that_counts_as_block(tmp_path, value):
    path = main_file(tmp_path, "[main]\non_minor = %s\n" % value)
    settings, problems = load(tmp_path)
    where = "%s: on_minor = %s" % (path, value or "(empty)")
    assert settings.unreadable == {"on_minor": where}
    assert settings.doubts == problems == [
        "rocm_notice: %s is not valid (accepted: warn, lock, block); ROCm crossings are "
        "refused until it is fixed (keeping on_minor = warn)" % where]


def test_a_later_valid_policy_value_settles_an_earlier_invalid_one(tmp_path):
    main_file(tmp_path, "[main]\non_major = blokc\n")
    drop_in(tmp_path, "50-site.conf", "[main]\non_major = warn\n")
    settings, _ = load(tmp_path)
    assert settings.on_major == "warn" and settings.unreadable == {}


def test_a_later_invalid_policy_value_unsettles_an_earlier_valid_one(tmp_path):
    main_file(tmp_path, "[main]\non_major = warn\n")
    drop_in(tmp_path, "50-site.conf", "[main]\non_major = blok\n")
    settings, _ = load(tmp_path)
    assert list(settings.unreadable) == ["on_major"]
