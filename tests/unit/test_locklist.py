"""The versionlock list: our marked block, entries that hold a release line, atomic writes."""

import errno
import fnmatch
import io
import os
import stat
import threading
import time

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from rocm_notice.settings import locklist
from rocm_notice.settings.locklist import (MARKER_BEGIN, MARKER_BEGIN_JOINED, MARKER_END, LockListError,
                                  add_block, entries_for, entry_for, our_entries, remove_block)
from rocm_notice.core.records import Package
from rocm_notice.catalog.releases import Line

ENTRIES = ["rocblas-0:6.4.*", "hipcc-0:*-*rocm6.4.*.*"]
FOREIGN = "# Added lock on Mon Jan  5 10:00:00 2026\nfoo-0:1.0-1.el10.*\n!bar-2.0\n"


def versionlock_patterns(text):
    """The patterns dnf-plugins-core's versionlock reads from ``text`` (its _read_locklist).

    It opens the list in text mode (universal newlines), skips lines that start with ``#``
    or are blank, and strips the rest.
    """
    data = text.encode("utf-8", "surrogateescape")
    stream = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", errors="surrogateescape")
    return [line.strip() for line in stream.readlines()
            if not line.startswith("#") and line.strip() != ""]


# -- strategies ---------------------------------------------------------------------------

_FOREIGN_LINES = st.one_of(
    st.sampled_from(["foo-0:1.0-1.el10.*", "!bar-2.0", "# a comment", "", "   ", "garbage ###",
                     "  # indented, a pattern to versionlock", "\ufeffbom-line", "rocblas-6.4.*",
                     "# rocm-epel-notice: something else", "caf\udce9 latin-1 byte",
                     "tab\tinside", "lone\rcr inside"]),
    st.text(max_size=30).map(lambda s: s.replace("\n", "")),
)
_MARKER_LINES = st.sampled_from([MARKER_BEGIN, MARKER_BEGIN_JOINED, MARKER_END])
_EOLS = st.sampled_from(["\n", "\r\n", "\r\n", "\n"])


@st.composite
def list_texts(draw, markers=False):
    line = st.one_of(_FOREIGN_LINES, _MARKER_LINES) if markers else _FOREIGN_LINES
    lines = draw(st.lists(line, max_size=12))
    text = "".join(item + draw(_EOLS) for item in lines)
    ending = draw(st.sampled_from(["", "", "no final newline", "ends in a lone cr\r"]))
    return text + ending


# Lock ("rocblas-0:6.4.*") and exclude ("!foo-1.0") patterns.
ENTRY = st.from_regex(r"!?[A-Za-z0-9_][A-Za-z0-9._+*?:-]{0,24}", fullmatch=True)
ENTRY_LISTS = st.lists(ENTRY, min_size=1, max_size=8)
NOTES = st.one_of(st.just(""), st.text(max_size=40))


def dedup(items):
    return list(dict.fromkeys(items))


# -- the block: properties ------------------------------------------------------------------

@given(list_texts(), ENTRY_LISTS, NOTES)
@example("", ENTRIES, "")
@example("no final newline", ENTRIES, "")
@example("a\r\nb", ENTRIES, "")
@example("ends in cr\r", ENTRIES, "")
@example("\n", ENTRIES, "")
def test_unlock_restores_the_list_byte_for_byte(text, entries, note):
    assert remove_block(add_block(text, entries, note)) == text


@given(list_texts(markers=True), ENTRY_LISTS, NOTES)
def test_unlock_after_lock_equals_unlock_even_with_hand_edited_markers(text, entries, note):
    assert remove_block(add_block(text, entries, note)) == remove_block(text)


@given(list_texts(markers=True), ENTRY_LISTS, NOTES)
def test_lock_twice_changes_nothing(text, entries, note):
    once = add_block(text, entries, note)
    assert add_block(once, entries, note) == once


@given(list_texts(markers=True), ENTRY_LISTS, NOTES)
def test_our_entries_are_exactly_what_lock_wrote(text, entries, note):
    assert our_entries(add_block(text, entries, note)) == dedup(entries)


@given(list_texts(), ENTRY_LISTS, ENTRY_LISTS)
def test_relock_replaces_our_block_and_keeps_one(text, first, second):
    relocked = add_block(add_block(text, first), second)
    assert relocked == add_block(text, second)
    assert our_entries(relocked) == dedup(second)
    assert remove_block(relocked) == text


@given(list_texts(), ENTRY_LISTS, NOTES)
def test_foreign_lines_come_first_byte_for_byte(text, entries, note):
    locked = add_block(text, entries, note)
    prefix = text if text == "" or text.endswith("\n") else text + "\n"
    assert locked.startswith(prefix)
    assert locked[len(prefix):].startswith(MARKER_BEGIN_JOINED if prefix != text
                                            else MARKER_BEGIN)


@given(list_texts(markers=True), ENTRY_LISTS, NOTES)
def test_versionlock_reads_foreign_patterns_plus_ours(text, entries, note):
    before = versionlock_patterns(remove_block(text))
    assert versionlock_patterns(add_block(text, entries, note)) == before + dedup(entries)


@given(list_texts())
def test_a_list_without_our_block_is_left_alone(text):
    assert remove_block(text) == text
    assert our_entries(text) == []


# -- the block: cases -----------------------------------------------------------------------

def test_lock_appends_one_marked_block_after_the_admins_lines():
    assert add_block(FOREIGN, ENTRIES, note="held ROCm 6.4") == FOREIGN + (
        MARKER_BEGIN + "\n# held ROCm 6.4\nrocblas-0:6.4.*\nhipcc-0:*-*rocm6.4.*.*\n"
        + MARKER_END + "\n")


def test_missing_final_newline_is_added_marked_and_taken_back():
    locked = add_block("foo-1.0", ["a-0:6.4.*"])
    assert locked == "foo-1.0\n" + MARKER_BEGIN_JOINED + "\na-0:6.4.*\n" + MARKER_END + "\n"
    assert remove_block(locked) == "foo-1.0"


def test_crlf_list_gets_a_crlf_block_and_keeps_its_own_line_ends():
    text = "# admin\r\nfoo-1.0\r\n"
    locked = add_block(text, ["a-0:6.4.*"])
    assert locked == text + MARKER_BEGIN + "\r\na-0:6.4.*\r\n" + MARKER_END + "\r\n"
    assert our_entries(locked) == ["a-0:6.4.*"]
    assert remove_block(locked) == text


def test_a_list_with_mixed_line_ends_gets_the_line_end_of_its_first_line():
    """One rule for every file we add lines to (files.line_end), as the drop-ins."""
    assert add_block("a\nb\r\n", ["x-0:6.4.*"]).endswith("\nx-0:6.4.*\n" + MARKER_END + "\n")
    crlf_first = add_block("a\r\nb\n", ["x-0:6.4.*"])
    assert crlf_first.endswith("\r\nx-0:6.4.*\r\n" + MARKER_END + "\r\n")
    assert remove_block(crlf_first) == "a\r\nb\n"


def test_an_entry_with_an_invisible_character_is_refused_and_a_note_keeps_none():
    with pytest.raises(ValueError):
        add_block("", ["rocblas\u200b-0:6.4.*"])      # a zero-width space: not on a terminal
    assert "\u202e" not in add_block("", ["a-0:6.4.*"], note="held\u202e 6.4")


def test_block_in_the_middle_is_removed_and_the_rest_kept():
    text = "a\n" + MARKER_BEGIN + "\nx-0:6.4.*\n" + MARKER_END + "\nb\n"
    assert our_entries(text) == ["x-0:6.4.*"]
    assert remove_block(text) == "a\nb\n"


def test_lock_with_no_entries_writes_no_block():
    assert add_block(FOREIGN, []) == FOREIGN
    assert add_block(add_block(FOREIGN, ENTRIES), []) == FOREIGN


def test_duplicate_entries_are_written_once():
    assert our_entries(add_block("", ["a-0:6.4.*", "a-0:6.4.*"])) == ["a-0:6.4.*"]


def test_note_lines_are_comments_not_entries():
    locked = add_block("", ["a-0:6.4.*"], note="line one\nline\ttwo\x1b[31m\r\n\n")
    assert "# line one\n# line two [31m\n" in locked
    assert our_entries(locked) == ["a-0:6.4.*"]
    assert versionlock_patterns(locked) == ["a-0:6.4.*"]


def test_a_note_that_looks_like_our_end_marker_is_refused():
    with pytest.raises(ValueError):
        add_block("", ["a-0:6.4.*"], note=MARKER_END[2:])


@pytest.mark.parametrize("bad", ["", " a", "a b", "#a", "a\nb", "a\rb", "a\x00b", "!", "!#a",
                                 "a\u2028b", None, 7])
def test_an_entry_that_is_not_one_versionlock_pattern_is_refused(bad):
    with pytest.raises(ValueError):
        add_block("", [bad])


def test_a_begin_without_end_is_a_foreign_line_and_counted_as_stray():
    text = "a\n" + MARKER_BEGIN + "\nx-0:6.4.*\n"
    assert remove_block(text) == text
    assert our_entries(text) == []
    assert locklist.stray_markers(text) == 1
    assert locklist.stray_markers(text + MARKER_BEGIN + "\n") == 2
    locked = add_block(text, ["y-0:6.4.*"])
    assert our_entries(locked) == ["y-0:6.4.*"]
    assert remove_block(locked) == text


def test_an_end_without_begin_is_a_foreign_line():
    text = MARKER_END + "\nfoo\n"
    assert remove_block(text) == text
    assert locklist.stray_markers(text) == 1
    assert locklist.stray_markers(add_block("", ENTRIES)) == 0


def test_two_blocks_of_ours_are_both_ours():
    block = MARKER_BEGIN + "\n%s\n" + MARKER_END + "\n"
    text = "a\n" + block % "x-0:6.4.*" + "b\n" + block % "y-0:6.4.*"
    assert our_entries(text) == ["x-0:6.4.*", "y-0:6.4.*"]
    assert remove_block(text) == "a\nb\n"


def test_markers_are_recognised_only_as_whole_lines():
    text = "x " + MARKER_BEGIN + "\nfoo\n" + MARKER_END + " trailing\n"
    assert remove_block(text) == text


def test_undecodable_bytes_are_flagged():
    # One such byte, even in a comment, makes the real versionlock fail and lock nothing.
    assert locklist.undecodable("# caf\udce9\nfoo\n")
    assert not locklist.undecodable("# café\nfoo\n")


def test_a_list_of_100k_lines_is_handled_whole():
    """Correctness on a very large list; its time is a figure of make bench."""
    text = "".join("pkg%d-0:1.%d-1.el10.*\n" % (i, i) for i in range(100_000))
    locked = add_block(text, ENTRIES)
    assert our_entries(locked) == ENTRIES
    assert add_block(locked, ENTRIES) == locked
    assert remove_block(locked) == text
    # The same with our tag in every foreign line: the slow path.
    tagged = text.replace("\n", " # rocm-epel-notice: x\n")
    assert remove_block(add_block(tagged, ENTRIES)) == tagged


# -- entries that hold a release line -------------------------------------------------------

def pkg(name, version, release, epoch=0):
    return Package(name=name, version=version, release=release, epoch=epoch, arch="x86_64")


@pytest.mark.parametrize("package, line, expected", [
    (pkg("rocblas", "6.4.1", "1.el10_1"), "6.4", ["rocblas-0:6.4.*"]),
    (pkg("rocm-hip-devel", "6.4.2", "3.el10_1"), Line(6, 4), ["rocm-hip-devel-0:6.4.*"]),
    (pkg("rocblas", "6.4.1", "1.el10_1", epoch=2), (6, 4), ["rocblas-2:6.4.*"]),
    (pkg("rocblas", "7.11.0", "1.el10_9"), "7.11", ["rocblas-0:7.11.*"]),
    (pkg("rocm-cmake", "6.4", "1.el10_1"), "6.4", ["rocm-cmake-0:6.4.*", "rocm-cmake-0:6.4"]),
    # rocm-compilersupport: Version is the LLVM major, Release carries the ROCm release.
    (pkg("hipcc", "19", "1.rocm6.4.2.el10_1"), "6.4", ["hipcc-0:*-*rocm6.4.*.*"]),
    (pkg("rocm-device-libs", "20", "0.rocm7.2.0^git20260101.abc1234.el10_3"), "7.2",
     ["rocm-device-libs-0:*-*rocm7.2.*.*"]),
    (pkg("hipcc", "19", "1.rocm6.4"), "6.4", ["hipcc-0:*-*rocm6.4.*.*", "hipcc-0:*-*rocm6.4.*"]),
    # AMD's repository: the trailing MMmmpp field.
    (pkg("hip-runtime-amd", "6.4.43484.60402", "1.el9"), "6.4", ["hip-runtime-amd-0:*.604??"]),
    (pkg("rocblas", "4.4.0.60402", "1.el9"), "6.4", ["rocblas-0:*.604??"]),
    # Nothing a glob can hold, or a name that would be a glob itself.
    (pkg("rocm-core", "0^20250101git", "1.el10_1"), "6.4", []),
    (pkg("odd*name", "6.4.1", "1.el10_1"), "6.4", []),
])
def test_entry_holds_the_release_line(package, line, expected):
    assert entry_for(package, line) == expected


@pytest.mark.parametrize("line", ["6", "6.4.1", "x.y", "", None])
def test_a_line_that_is_not_major_minor_is_refused(line):
    with pytest.raises(ValueError):
        entry_for(pkg("rocblas", "6.4.1", "1.el10_1"), line)


def test_entries_for_are_sorted_and_distinct_across_arches():
    packages = [pkg("rocblas", "6.4.1", "1.el10_1"),
                Package("rocblas", "6.4.1", "1.el10_1", arch="i686"),
                pkg("hipcc", "19", "1.rocm6.4.1.el10_1")]
    assert entries_for({"6.4": packages}) == ["hipcc-0:*-*rocm6.4.*.*", "rocblas-0:6.4.*"]


def _versionlock_query_matches(entry, package):
    """Whether versionlock's query for ``entry`` holds ``package``, with the real parser.

    versionlock takes the first of Subject(entry).get_nevra_possibilities(NEVRA, NEVR, NEV,
    NA, NAME) whose query is not empty; the query globs name, version, release and arch
    (fnmatch) and compares the epoch exactly. Returns (matches, names the parse produced).
    """
    hawkey = pytest.importorskip("hawkey")
    forms = [hawkey.FORM_NEVRA, hawkey.FORM_NEVR, hawkey.FORM_NEV, hawkey.FORM_NA,
             hawkey.FORM_NAME]
    possibilities = hawkey.Subject(entry).get_nevra_possibilities(forms=forms)

    def field(pattern, value):
        return pattern in (None, "", "*") or fnmatch.fnmatchcase(value, pattern)

    names = [nevra.name for nevra in possibilities]
    matches = any(field(n.name, package.name) and (n.epoch is None or n.epoch == package.epoch)
                  and field(n.version, package.version) and field(n.release, package.release)
                  and field(n.arch, package.arch) for n in possibilities)
    return matches, names


@pytest.mark.parametrize("installed, patch, next_line", [
    (pkg("rocm-hip-devel", "6.4.1", "1.el10_1"), pkg("rocm-hip-devel", "6.4.3", "2.el10_1"),
     pkg("rocm-hip-devel", "7.1.0", "1.el10_2")),
    (pkg("hipcc-libomp-devel", "19", "1.rocm6.4.1.el10_1"),
     pkg("hipcc-libomp-devel", "19", "0.rocm6.4.3^git20250101.abc.el10_1"),
     pkg("hipcc-libomp-devel", "20", "1.rocm7.1.0.el10_2")),
    (pkg("hip-runtime-amd", "6.4.43483.60401", "1.el9"),
     pkg("hip-runtime-amd", "6.4.43484.60402", "1.el9"),
     pkg("hip-runtime-amd", "7.1.25000.70100", "1.el9")),
])
def test_entries_parse_one_way_in_versionlock_and_hold_only_the_line(installed, patch, next_line):
    for entry in entry_for(installed, "6.4"):
        held, names = _versionlock_query_matches(entry, installed)
        assert names and set(names) == {installed.name}, names   # no shorter name locked
    assert any(_versionlock_query_matches(e, installed)[0] for e in entry_for(installed, "6.4"))
    assert any(_versionlock_query_matches(e, patch)[0] for e in entry_for(installed, "6.4"))
    assert not any(_versionlock_query_matches(e, next_line)[0]
                   for e in entry_for(installed, "6.4"))


def test_short_forms_would_lock_a_shorter_name_which_is_why_we_write_the_epoch():
    # The trap our form avoids: without "E:", "rocm-hip-devel-6.4.*" first parses as name
    # "rocm-hip", version "devel", and versionlock then holds every rocm-hip build.
    _, names = _versionlock_query_matches("rocm-hip-devel-6.4.*",
                                          pkg("rocm-hip-devel", "6.4.1", "1.el10_1"))
    assert "rocm-hip" in names


# -- the file -------------------------------------------------------------------------------

def leftovers(directory):
    return sorted(name for name in os.listdir(directory) if name.endswith(".tmp"))


def assert_one_line(error, *parts):
    message = str(error.value)
    assert "\n" not in message and "\r" not in message
    for part in parts:
        assert part in message


def test_read_of_a_missing_list_is_empty(tmp_path):
    assert locklist.read(tmp_path / "versionlock.list") == ""


def test_odd_bytes_round_trip_through_read_and_write(tmp_path):
    path = tmp_path / "versionlock.list"
    original = b"\xef\xbb\xbf# BOM\r\ncaf\xe9-1.0\r\n\xff\xfe\x00garbage\rno final newline"
    path.write_bytes(original)
    text = locklist.read(path)
    locklist.write_atomic(path, add_block(text, ENTRIES))
    locklist.write_atomic(path, remove_block(locklist.read(path)))
    assert path.read_bytes() == original


def test_read_of_a_directory_is_one_line(tmp_path):
    with pytest.raises(LockListError) as error:
        locklist.read(tmp_path)
    assert_one_line(error, str(tmp_path))


def test_write_keeps_the_old_files_mode(tmp_path):
    path = tmp_path / "versionlock.list"
    path.write_text("old\n")
    os.chmod(path, 0o640)
    locklist.write_atomic(path, "new\n")
    assert path.read_text() == "new\n"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    assert leftovers(tmp_path) == []


def test_write_of_a_new_list_is_world_readable_like_versionlocks(tmp_path):
    path = tmp_path / "versionlock.list"
    locklist.write_atomic(path, "new\n")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644


@pytest.mark.skipif(os.geteuid() != 0, reason="changing a file's owner needs root")
def test_write_as_root_keeps_the_old_files_owner(tmp_path):
    path = tmp_path / "versionlock.list"
    path.write_text("old\n")
    os.chown(path, 4321, 4322)
    locklist.write_atomic(path, "new\n")
    assert (os.stat(path).st_uid, os.stat(path).st_gid) == (4321, 4322)


def test_write_through_a_symlink_keeps_the_link(tmp_path):
    real = tmp_path / "real.list"
    real.write_text("old\n")
    link = tmp_path / "versionlock.list"
    link.symlink_to(real)
    locklist.write_atomic(link, "new\n")
    assert link.is_symlink() and real.read_text() == "new\n"


def test_missing_directory_is_one_clear_line(tmp_path):
    path = tmp_path / "absent" / "versionlock.list"
    with pytest.raises(LockListError) as error:
        locklist.write_atomic(path, "new\n")
    assert_one_line(error, str(path), "No such file or directory")


def test_unwritable_directory_is_one_clear_line_even_for_root(tmp_path):
    # chmod does not stop root: a parent that is a regular file stops everyone.
    parent = tmp_path / "not-a-directory"
    parent.write_text("")
    path = parent / "versionlock.list"
    with pytest.raises(LockListError) as error:
        locklist.write_atomic(path, "new\n")
    assert_one_line(error, str(path), "Not a directory")


@pytest.mark.parametrize("failing", ["replace", "fsync", "fchmod"])
def test_a_full_disk_leaves_the_old_list_and_no_temp_file(tmp_path, monkeypatch, failing):
    path = tmp_path / "versionlock.list"
    path.write_bytes(b"old\r\n")

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(locklist.os, failing, full)
    with pytest.raises(LockListError) as error:
        locklist.write_atomic(path, "new\n")
    assert_one_line(error, str(path), "No space left on device")
    assert path.read_bytes() == b"old\r\n"
    assert leftovers(tmp_path) == []


def test_a_crash_between_write_and_rename_leaves_the_old_list(tmp_path, monkeypatch):
    path = tmp_path / "versionlock.list"
    path.write_bytes(b"old\n")

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(locklist.os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        locklist.write_atomic(path, "new\n")
    assert path.read_bytes() == b"old\n"
    assert leftovers(tmp_path) == []


def test_a_directory_that_cannot_be_fsynced_is_not_a_failure(tmp_path, monkeypatch):
    path = tmp_path / "versionlock.list"
    real_fsync = os.fsync

    def picky(descriptor):
        if stat.S_ISDIR(os.fstat(descriptor).st_mode):
            raise OSError(errno.EINVAL, os.strerror(errno.EINVAL))
        real_fsync(descriptor)

    monkeypatch.setattr(locklist.os, "fsync", picky)
    locklist.write_atomic(path, "new\n")
    assert path.read_text() == "new\n"


def test_update_writes_only_when_something_changes(tmp_path):
    path = tmp_path / "versionlock.list"
    path.write_text(FOREIGN)
    locklist.update(path, lambda text: add_block(text, ENTRIES))
    before = os.stat(path)
    old, new = locklist.update(path, lambda text: add_block(text, ENTRIES))
    assert old == new
    assert os.stat(path).st_ino == before.st_ino       # not rewritten
    locklist.update(path, remove_block)
    assert path.read_text() == FOREIGN


def test_update_in_a_missing_directory_is_one_clear_line(tmp_path):
    path = tmp_path / "absent" / "versionlock.list"
    with pytest.raises(LockListError) as error:
        locklist.update(path, lambda text: text + "x\n")
    assert_one_line(error, str(path))


def test_concurrent_updates_lose_nothing(tmp_path):
    path = tmp_path / "versionlock.list"
    path.write_text(FOREIGN)

    def writer(tag):
        for i in range(15):
            def change(text):
                time.sleep(0.001)                    # widen the read-modify-write window
                return text + "%s-%d\n" % (tag, i)
            locklist.update(path, change)

    threads = [threading.Thread(target=writer, args=(tag,)) for tag in ("a", "b", "c")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    lines = path.read_text().splitlines()
    assert sorted(lines[3:]) == sorted("%s-%d" % (t, i) for t in "abc" for i in range(15))
    assert leftovers(tmp_path) == []
