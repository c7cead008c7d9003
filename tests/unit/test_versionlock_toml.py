"""dnf5's versionlock.toml: our entries in and out, the admin's text byte for byte."""

import tomllib

import pytest

from rocm_notice.settings import versionlock_toml as vl
from rocm_notice.core.records import Package
from rocm_notice.catalog.releases import Line

LINE = Line(6, 4)
ADMIN = """version = "1.0"

# keep bash
[[packages]]
name = "bash"   # trailing comment
[[packages.conditions]]
key = "evr"
comparator = "="
value = "0:5.2.15-5.fc39"
"""


def ours():
    return [vl.entry_for(Package("rocblas", "6.4.2", "1.el10_1"), LINE),
            vl.entry_for(Package("hipcc", "19", "1.rocm6.4.2.el10_1", epoch=1), LINE)]


def test_entries_hold_the_line_by_version_or_by_the_version_its_release_names():
    rocblas, hipcc = ours()
    assert rocblas["conditions"] == [("evr", ">=", "0:6.4"), ("evr", "<", "0:6.5")]
    assert hipcc["conditions"] == [("evr", ">=", "1:19"), ("evr", "<", "1:20")]
    assert rocblas["comment"].startswith(vl.MARK)


def test_amd_versions_and_odd_names_get_no_entry():
    assert vl.entry_for(Package("rocblas", "4.4.0.60400", "1"), LINE) is None
    assert vl.entry_for(Package("bad name", "6.4.2", "1"), LINE) is None


@pytest.mark.parametrize("admin", [ADMIN, "", 'version = "1.0"\n', ADMIN.rstrip("\n"),
                                   ADMIN + "\n\n# a comment at the end\n"])
def test_adding_then_removing_gives_the_admins_file_back(admin):
    added = vl.with_entries(admin, ours())
    assert added.startswith(admin)
    parsed = tomllib.loads(added)
    assert [p["name"] for p in parsed["packages"] if vl.ours(p)] == ["rocblas", "hipcc"]
    assert vl.our_entries(added) == ["hipcc", "rocblas"]
    removed = vl.with_entries(added, [])
    if not admin.strip():
        admin = 'version = "1.0"\n'        # we made the file: its header stays
    elif not admin.endswith("\n"):
        admin += "\n"                       # the one byte added: a final newline
    assert removed == admin


def test_entries_the_admin_added_after_ours_stay_with_their_comments():
    later = vl.with_entries(ADMIN, ours()) + '\n# keep zsh\n[[packages]]\nname = "zsh"\n'
    assert vl.with_entries(later, []) == ADMIN + '\n# keep zsh\n[[packages]]\nname = "zsh"\n'


def test_locking_again_replaces_our_entries_only():
    once = vl.with_entries(ADMIN, ours())
    assert vl.with_entries(once, ours()) == once


def test_a_file_that_is_not_toml_is_left_alone():
    with pytest.raises(vl.VersionlockError, match="not valid TOML"):
        vl.with_entries("version = \n[[", ours())


def test_update_creates_no_file_when_there_is_nothing_to_remove(tmp_path):
    path = tmp_path / "versionlock.toml"
    assert vl.update(path, []) == (None, None)
    assert not path.exists()
    vl.update(path, ours())
    vl.update(path, [])
    assert path.read_text() == 'version = "1.0"\n'


def test_another_table_after_ours_survives_unlock():
    """Only [[packages]] tables of ours go: a table of another name that follows one of
    them (a newer dnf5's, or the admin's) stays, byte for byte."""
    locked = vl.with_entries(ADMIN, ours()) + '\n[settings]\nnote = "keep me"\n'
    unlocked = vl.with_entries(locked, [])
    assert unlocked == ADMIN + '\n[settings]\nnote = "keep me"\n'
    assert tomllib.loads(unlocked)["settings"] == {"note": "keep me"}


def test_an_admins_comment_that_merely_starts_with_our_name_is_not_ours():
    pin = ADMIN + '\n[[packages]]\nname = "rocm-smi"\ncomment = "rocm-epel-notice pin by ops"\n'
    assert vl.our_entries(pin) == []
    assert vl.with_entries(vl.with_entries(pin, ours()), []) == pin


def test_ours_in_a_literal_string_is_cut_out_too():
    """dnf5 or an editor may write our comment as a TOML literal string: still ours for
    status, so unlock removes it as well."""
    import re
    literal = re.sub(r'comment = "rocm-epel-notice: [^\n]*', "comment = 'rocm-epel-notice: held'",
                     vl.with_entries(ADMIN, ours()))
    assert "comment = '" in literal and vl.our_entries(literal) == ["hipcc", "rocblas"]
    assert vl.with_entries(literal, []) == ADMIN


def test_an_entry_of_ours_we_cannot_cut_out_is_refused_not_skipped():
    """Written as an inline array (by hand, or by another tool), an entry marked as ours
    has no table to cut out: unlock says so instead of reporting it removed."""
    inline = 'version = "1.0"\npackages = [{name = "rocblas", comment = "rocm-epel-notice: x"}]\n'
    assert vl.our_entries(inline) == ["rocblas"]
    with pytest.raises(vl.VersionlockError, match="cannot cut out"):
        vl.with_entries(inline, [])
