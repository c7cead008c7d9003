"""The drop-ins 'dnf rocm' writes: atomic, idempotent, other lines kept byte for byte."""

import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rocm_notice.settings import config, dropins
from rocm_notice.catalog.releases import Line

MARKER = dropins.ALLOW_MARKER


def allow_path(confdir):
    return os.path.join(config.dropin_dir(str(confdir)), dropins.ALLOW_FILE)


def lock_path(confdir):
    return os.path.join(config.dropin_dir(str(confdir)), dropins.LOCK_FILE)


def put(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


def content(path):
    with open(path, "rb") as handle:
        return handle.read()


# -- a new allow file --------------------------------------------------------------------------

def test_first_approval_creates_marker_main_section_and_allow_line():
    text = dropins.with_allowed(None, [Line(7, 1)])
    assert text.splitlines() == [MARKER, "[main]", "allow = 7.1"]
    assert text.endswith("\n")


def test_config_reads_the_approval_from_the_dropin_directory(tmp_path):
    path = put(allow_path(tmp_path), dropins.with_allowed(None, [Line(7, 1)]))
    settings, problems = config.load([str(tmp_path)])
    assert problems == []
    assert settings.allow == (Line(7, 1),)
    assert settings.origin["allow"] == path


def test_approving_the_same_line_twice_changes_nothing():
    once = dropins.with_allowed(None, [Line(7, 1)])
    twice = dropins.with_allowed(once, dropins.approved(once) + [Line(7, 1)])
    assert twice == once


def test_allow_line_is_sorted_and_without_duplicates():
    text = dropins.with_allowed(None, [Line(7, 10), Line(6, 4), Line(7, 2), Line(6, 4)])
    assert "allow = 6.4, 7.2, 7.10\n" in text


def test_approved_reads_back_what_was_written():
    text = dropins.with_allowed(None, [Line(7, 2), Line(7, 1)])
    assert dropins.approved(text) == [Line(7, 1), Line(7, 2)]


def test_approved_of_no_file_is_empty():
    assert dropins.approved(None) == []


# -- an allow file an admin has edited ---------------------------------------------------------

ADMIN_CRLF = (MARKER + "\r\n"
              "# approved by the change board, ticket 1234\r\n"
              "[main]\r\n"
              "; keep majors out unless approved\r\n"
              "on_major = block\r\n"
              "allow = 7.1\r\n"
              "include = site-hip*\r\n"
              "\r\n"
              "[notes]\r\n"
              "owner = hpc-team\r\n")


def test_allow_line_is_replaced_in_place_keeping_crlf_and_every_other_line():
    text = dropins.with_allowed(ADMIN_CRLF, [Line(7, 1), Line(7, 2)])
    assert text == ADMIN_CRLF.replace("allow = 7.1\r\n", "allow = 7.1, 7.2\r\n")


def test_replacing_the_allow_line_changes_only_that_line():
    text = dropins.with_allowed(ADMIN_CRLF, [Line(7, 2)])
    old = ADMIN_CRLF.splitlines(keepends=True)
    new = text.splitlines(keepends=True)
    assert len(new) == len(old)
    changed = [(a, b) for a, b in zip(old, new) if a != b]
    assert changed == [("allow = 7.1\r\n", "allow = 7.2\r\n")]


def test_admin_edited_file_still_loads_without_problems_after_an_edit(tmp_path):
    text = ADMIN_CRLF.replace("[notes]\r\nowner = hpc-team\r\n", "")
    put(allow_path(tmp_path), dropins.with_allowed(text, [Line(7, 1), Line(7, 2)]))
    settings, problems = config.load([str(tmp_path)])
    assert problems == []
    assert settings.allow == (Line(7, 1), Line(7, 2))
    assert settings.on_major == "block"
    assert settings.include == ("site-hip*",)


def test_allow_line_in_another_section_is_not_touched():
    text = MARKER + "\n[other]\nallow = 6.4\n"
    edited = dropins.with_allowed(text, [Line(7, 1)])
    assert edited.startswith(text)
    assert edited == text + "[main]\nallow = 7.1\n"
    assert dropins.approved(text) == []
    assert dropins.approved(edited) == [Line(7, 1)]


def test_allow_line_in_another_section_after_main_is_not_touched():
    text = MARKER + "\n[main]\non_major = block\n\n[other]\nallow = 6.4\n"
    edited = dropins.with_allowed(text, [Line(7, 1)])
    assert edited == (MARKER + "\n[main]\non_major = block\n\nallow = 7.1\n"
                      "[other]\nallow = 6.4\n")
    assert dropins.approved(edited) == [Line(7, 1)]


def test_allow_key_is_found_whatever_its_case_and_delimiter():
    text = MARKER + "\n[main]\nAllow: 6.4\n"
    assert dropins.approved(text) == [Line(6, 4)]
    assert dropins.with_allowed(text, [Line(7, 1)]) == MARKER + "\n[main]\nallow = 7.1\n"


def test_text_without_the_marker_raises_a_one_line_error():
    with pytest.raises(dropins.DropinError) as raised:
        dropins.with_allowed("[main]\nallow = 7.1\n", [Line(7, 2)])
    message = str(raised.value)
    assert dropins.ALLOW_FILE in message
    assert "dnf rocm allow" in message
    assert "\n" not in message


def test_marker_inside_another_line_does_not_count_as_ours():
    with pytest.raises(dropins.DropinError):
        dropins.with_allowed("# copied: " + MARKER + "\n[main]\nallow = 7.1\n", [Line(7, 2)])


def test_file_without_final_newline_keeps_its_last_allow_line_unterminated():
    text = MARKER + "\n[main]\nallow = 7.1"
    assert dropins.with_allowed(text, [Line(7, 2)]) == MARKER + "\n[main]\nallow = 7.2"


def test_file_without_final_newline_gets_the_allow_line_on_a_line_of_its_own():
    text = MARKER + "\n[main]\non_major = lock"
    edited = dropins.with_allowed(text, [Line(7, 1)])
    assert edited == text + "\nallow = 7.1\n"
    assert dropins.approved(edited) == [Line(7, 1)]


def test_file_without_final_newline_or_main_section_gets_one():
    text = MARKER + "\n# nothing approved yet"
    assert dropins.with_allowed(text, [Line(7, 1)]) == text + "\n[main]\nallow = 7.1\n"


def test_lines_added_to_a_crlf_file_without_final_newline_end_in_crlf():
    text = MARKER + "\r\n[main]\r\non_major = lock"
    edited = dropins.with_allowed(text, [Line(7, 1)])
    assert edited == text + "\r\nallow = 7.1\r\n"


def test_approved_reads_an_allow_value_continued_on_the_next_line_as_config_does(tmp_path):
    text = MARKER + "\n[main]\nallow = 6.4\n  7.1\n"
    put(allow_path(tmp_path), text)
    settings, problems = config.load([str(tmp_path)])
    assert problems == []
    assert settings.allow == (Line(6, 4), Line(7, 1))
    assert dropins.approved(text) == list(settings.allow)


def test_rewriting_a_continued_allow_value_replaces_all_of_it(tmp_path):
    text = MARKER + "\n[main]\nallow = 6.4\n  7.1\n"
    put(allow_path(tmp_path), dropins.with_allowed(text, [Line(6, 4)]))
    settings, problems = config.load([str(tmp_path)])
    assert problems == []
    assert settings.allow == (Line(6, 4),)


def test_disallowing_the_last_line_leaves_an_empty_allow_line(tmp_path):
    text = dropins.with_allowed(dropins.with_allowed(None, [Line(7, 1)]), [])
    assert text.splitlines() == [MARKER, "[main]", "allow = "]
    assert dropins.approved(text) == []
    put(allow_path(tmp_path), text)
    settings, problems = config.load([str(tmp_path)])
    assert problems == []
    assert settings.allow == ()


# -- properties ---------------------------------------------------------------------------------

release_lines = st.lists(st.builds(Line, st.integers(0, 9999), st.integers(0, 9999)),
                         max_size=12)


@given(release_lines)
def test_approved_reads_back_the_sorted_distinct_lines(lines):
    assert dropins.approved(dropins.with_allowed(None, lines)) == sorted(set(lines))


@given(release_lines)
def test_writing_the_same_lines_again_is_a_fixed_point(lines):
    text = dropins.with_allowed(None, lines)
    assert dropins.with_allowed(text, lines) == text


@given(release_lines, release_lines)
def test_only_the_allow_line_changes_whatever_the_lines(before, after):
    text = ADMIN_CRLF.replace("allow = 7.1\r\n", "")
    text = dropins.with_allowed(text, before)
    edited = dropins.with_allowed(text, after)
    old = [l for l in text.splitlines(keepends=True) if not l.startswith("allow")]
    new = [l for l in edited.splitlines(keepends=True) if not l.startswith("allow")]
    assert new == old
    assert dropins.approved(edited) == sorted(set(after))


# -- write ---------------------------------------------------------------------------------------

def test_write_creates_the_file_and_says_so(tmp_path):
    path = str(tmp_path / "80-dnf-rocm-allow.conf")
    assert dropins.write(path, "same\n") is True
    assert content(path) == b"same\n"


def test_write_of_unchanged_content_does_not_touch_the_file(tmp_path):
    path = put(str(tmp_path / "80-dnf-rocm-allow.conf"), "same\n")
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    before = os.stat(path)
    assert dropins.write(path, "same\n") is False
    after = os.stat(path)
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_write_of_new_content_replaces_the_file_by_rename(tmp_path):
    path = put(str(tmp_path / "80-dnf-rocm-allow.conf"), "old\n")
    before = os.stat(path)
    assert dropins.write(path, "new\n") is True
    assert content(path) == b"new\n"
    assert os.stat(path).st_ino != before.st_ino
    assert sorted(os.listdir(str(tmp_path))) == ["80-dnf-rocm-allow.conf"]


def test_write_keeps_the_file_mode(tmp_path):
    path = put(str(tmp_path / "80-dnf-rocm-allow.conf"), "old\n")
    os.chmod(path, 0o600)
    dropins.write(path, "new\n")
    assert os.stat(path).st_mode & 0o777 == 0o600


def test_write_into_a_missing_directory_is_a_one_line_error(tmp_path):
    path = str(tmp_path / "missing" / "80-dnf-rocm-allow.conf")
    with pytest.raises(dropins.DropinError) as raised:
        dropins.write(path, "text\n")
    message = str(raised.value)
    assert path in message
    assert "\n" not in message
    assert not os.path.exists(str(tmp_path / "missing"))


def test_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path, monkeypatch):
    path = put(str(tmp_path / "80-dnf-rocm-allow.conf"), "old\n")

    def refuse(*args, **kwargs):
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(dropins.DropinError) as raised:
        dropins.write(path, "new\n")
    monkeypatch.undo()
    assert "Read-only file system" in str(raised.value)
    assert "\n" not in str(raised.value)
    assert content(path) == b"old\n"
    assert os.listdir(str(tmp_path)) == ["80-dnf-rocm-allow.conf"]


def test_write_keeps_bytes_that_are_not_utf8(tmp_path):
    raw = MARKER.encode() + b"\n# caf\xe9\n[main]\nallow = 7.1\n"
    path = put(str(tmp_path / "80-dnf-rocm-allow.conf"), raw)
    text = dropins.read(path)
    assert dropins.write(path, dropins.with_allowed(text, [Line(7, 1), Line(7, 2)])) is True
    assert content(path) == raw.replace(b"allow = 7.1\n", b"allow = 7.1, 7.2\n")


# -- remove and the lock file --------------------------------------------------------------------

def test_remove_deletes_our_lock_file(tmp_path):
    path = put(lock_path(tmp_path), dropins.LOCK_TEXT)
    assert dropins.remove(path, dropins.LOCK_MARKER, "lock") is True
    assert not os.path.exists(path)


def test_remove_of_a_missing_file_returns_false(tmp_path):
    assert dropins.remove(lock_path(tmp_path), dropins.LOCK_MARKER, "lock") is False


def test_remove_refuses_a_file_without_the_marker_and_keeps_it(tmp_path):
    written = b"# held by hand\n[main]\non_major = lock\n"
    path = put(lock_path(tmp_path), written)
    with pytest.raises(dropins.DropinError) as raised:
        dropins.remove(path, dropins.LOCK_MARKER, "lock")
    message = str(raised.value)
    assert path in message
    assert "dnf rocm lock" in message
    assert "\n" not in message
    assert content(path) == written


def test_remove_refuses_a_file_that_only_quotes_the_marker(tmp_path):
    written = ("# was: " + dropins.LOCK_MARKER + "\n[main]\non_major = lock\n").encode()
    path = put(lock_path(tmp_path), written)
    with pytest.raises(dropins.DropinError):
        dropins.remove(path, dropins.LOCK_MARKER, "lock")
    assert content(path) == written


def test_lock_text_holds_both_majors_and_minors_without_problems(tmp_path):
    path = put(lock_path(tmp_path), dropins.LOCK_TEXT)
    settings, problems = config.load([str(tmp_path)])
    assert problems == []
    assert (settings.on_major, settings.on_minor) == ("lock", "lock")
    assert settings.origin["on_major"] == path
    assert dropins.LOCK_MARKER in dropins.LOCK_TEXT.splitlines()


def test_lock_dropin_overrides_the_main_file(tmp_path):
    put(str(tmp_path / "rocm_notice.conf"), "[main]\non_major = warn\non_minor = warn\n")
    put(lock_path(tmp_path), dropins.LOCK_TEXT)
    settings, problems = config.load([str(tmp_path)])
    assert problems == []
    assert (settings.on_major, settings.on_minor) == ("lock", "lock")
