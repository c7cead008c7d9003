"""The JSON report writer: atomic, versioned, and never more than one line of trouble."""

import errno
import json
import os

from hypothesis import given, settings
from hypothesis import strategies as st

from rocm_notice.core import notice, report


def context():
    return notice.Context(releasever="10", releasever_minor="2")


def test_report_has_schema_and_every_key_even_when_empty():
    data = report.build("hold", context(), "dnf upgrade")
    assert data["schema"] == report.SCHEMA == 2
    for key in ("tool", "time", "command", "releasever", "releasever_minor", "decision",
                "findings", "lost_sonames", "consumers", "after_lines", "foreign", "hold",
                "blocked"):
        assert key in data
    assert data["releasever_minor"] == "2"


def test_a_command_line_run_is_named_and_not_yet_applied():
    data = report.describe_run(report.build("warn", context(), "dnf -y upgrade"),
                               "dnf -y upgrade", "/usr/bin/dnf")
    assert (data["via"], data["program"], data["command"]) == ("dnf", "/usr/bin/dnf",
                                                               "dnf -y upgrade")
    assert data["applied"] is False and data["applied_time"] is None


def test_an_api_run_names_its_program():
    data = report.describe_run(report.build("hold", context(), ""), "",
                               "/root/.ansible/tmp/AnsiballZ_dnf.py\x1b[31m")
    assert data["via"] == "api" and data["command"] == ""
    assert data["program"] == "/root/.ansible/tmp/AnsiballZ_dnf.py[31m"   # no escape


def test_applied_keeps_every_key_and_stamps_the_time():
    data = report.describe_run(report.build("warn", context(), "dnf upgrade"),
                               "dnf upgrade", "/usr/bin/dnf")
    done = report.applied(data)
    assert done["applied"] is True and done["applied_time"].endswith("+00:00")
    assert set(done) == set(data) and data["applied"] is False    # the original untouched


def test_write_then_read_back(tmp_path):
    path = tmp_path / "sub" / "last.json"
    assert report.write(str(path), {"schema": 1}) is None
    assert json.loads(path.read_text()) == {"schema": 1}
    assert oct(path.stat().st_mode & 0o777) == "0o644"


def test_crash_before_rename_keeps_the_old_report_and_no_temp_file(tmp_path, monkeypatch):
    path = tmp_path / "last.json"
    path.write_text('{"schema": 1, "old": true}\n')

    def crash(*args, **kwargs):
        raise OSError(errno.EIO, "simulated crash")
    monkeypatch.setattr(os, "replace", crash)
    problem = report.write(str(path), {"schema": 1, "new": True})
    assert problem.startswith("rocm_notice: cannot write report %s" % path)
    assert "\n" not in problem
    assert json.loads(path.read_text()) == {"schema": 1, "old": True}
    assert sorted(os.listdir(tmp_path)) == ["last.json"]


def test_full_disk_is_one_line(tmp_path, monkeypatch):
    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(os, "fsync", full)
    problem = report.write(str(tmp_path / "last.json"), {"schema": 1})
    assert "No space left on device" in problem
    assert os.listdir(tmp_path) == []


def test_report_inside_installroot():
    assert report.path_in_root("/var/lib/x/last.json", "/mnt/root") == "/mnt/root/var/lib/x/last.json"
    assert report.path_in_root("/var/lib/x/last.json", "/") == "/var/lib/x/last.json"


def test_repository_strings_are_cleaned_in_the_report():
    data = report.build("warn", notice.Context(releasever="10\x1b[2J"), "dnf \x07upgrade")
    assert data["releasever"] == "10[2J" and data["command"] == "dnf upgrade"


def test_a_path_that_is_not_a_regular_file_is_left_alone(tmp_path):
    """report = /dev/null must not swap the device for a plain file (we run as root)."""
    fifo = tmp_path / "null"
    os.mkfifo(str(fifo))
    problem = report.write(str(fifo), {"schema": 1})
    assert problem == ("rocm_notice: cannot write report %s: not a regular file "
                       "(transaction not affected)" % fifo)
    assert os.path.exists(str(fifo)) and not os.path.isfile(str(fifo))
    assert sorted(os.listdir(tmp_path)) == ["null"]


def test_a_symlink_to_a_regular_file_is_followed_and_stays_a_link(tmp_path):
    target = tmp_path / "real.json"
    target.write_text("{}\n")
    link = tmp_path / "last.json"
    link.symlink_to(target)
    assert report.write(str(link), {"schema": 1}) is None
    assert link.is_symlink() and json.loads(target.read_text()) == {"schema": 1}


def _redact_always(command):
    """redact as it was before its guards: both patterns on every text."""
    import re
    command = re.sub(report._SECRET_OPTION, r"\1=" + report.REDACTED, command)
    return re.sub(report._URL_PASSWORD, r"\g<1>" + report.REDACTED + "@", command)


def test_redact_hides_credentials_in_options_and_urls():
    assert report.redact("dnf --setopt=proxy_password=hunter2 --setopt=x.Token=abc upgrade") \
        == "dnf --setopt=proxy_password=*** --setopt=x.Token=*** upgrade"
    assert report.redact("dnf --repofrompath=r,https://me:pw@host/repo upgrade") \
        == "dnf --repofrompath=r,https://me:***@host/repo upgrade"
    # Case-insensitive matching folds the long s (U+017F) into "s"; str.lower does not.
    assert report.redact("dnf --setopt=PA\u017f\u017fWORD=x") == "dnf --setopt=PA\u017f\u017fWORD=***"


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.one_of(st.sampled_from(list("pasword=:/@ _-.ktenSPK\u017f\u212ax")),
                                  st.characters()), max_size=60))
def test_redact_with_its_guards_equals_both_patterns_on_every_text(command):
    assert report.redact(command) == _redact_always(command)
