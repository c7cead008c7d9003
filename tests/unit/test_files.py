"""files: the one way to read and write: inside the root, regular files only, bounded."""

import os
import stat

import pytest

from rocm_notice.io import files
from rocm_notice.io.files import FileProblem


@pytest.fixture
def root(tmp_path):
    made = tmp_path / "root"
    (made / "etc").mkdir(parents=True)
    (made / "etc" / "ok.conf").write_text("[main]\n")
    return made


@pytest.fixture
def host(tmp_path):
    """A host directory with a file a hostile link might aim at."""
    made = tmp_path / "host"
    made.mkdir()
    (made / "secret").write_text("host secret\n")
    return made


def test_a_file_inside_the_root_is_read(root):
    assert files.read_bytes("/etc/ok.conf", root) == b"[main]\n"


def test_nothing_at_the_name_reads_as_none(root):
    assert files.read_bytes("/etc/missing.conf", root) is None
    assert files.read_bytes("/no/such/dir/file", root) is None


@pytest.mark.parametrize("target", ["ABSOLUTE", "../../../../../../../../HOST"])
def test_a_link_is_followed_inside_the_root_never_out_of_it(root, host, target):
    link = root / "etc" / "link.conf"
    link.symlink_to(target.replace("ABSOLUTE", str(host / "secret"))
                    .replace("HOST", str(host / "secret")))
    with pytest.raises(FileProblem) as raised:
        files.read_bytes("/etc/link.conf", root)
    assert "which does not exist inside %s" % root in str(raised.value)
    # The same target, present inside the root, is what the link means there.
    inside = root / str(host / "secret").lstrip("/")
    inside.parent.mkdir(parents=True)
    inside.write_text("the root's own\n")
    assert files.read_bytes("/etc/link.conf", root) == b"the root's own\n"


def test_a_write_through_a_link_stays_inside_the_root(root, host):
    (root / "var" / "lib").mkdir(parents=True)
    (root / "var" / "lib" / "report").symlink_to(str(host))
    files.write("/var/lib/report/secret", b"ours\n", root, make_dirs=True)
    assert (host / "secret").read_text() == "host secret\n"
    assert (root / str(host / "secret").lstrip("/")).read_text() == "ours\n"


def test_dot_dot_stops_at_the_root(root):
    assert files.read_bytes("/../../../etc/ok.conf", root) == b"[main]\n"


@pytest.mark.parametrize("make, says", [
    (lambda p: os.mkfifo(str(p)), "a FIFO, not a regular file"),
    (lambda p: p.mkdir(), "a directory, not a regular file"),
    (lambda p: p.symlink_to(p.name), "too many levels of symbolic links"),
    (lambda p: p.symlink_to("/nonexistent/x"), "which does not exist"),
])
def test_what_is_not_a_regular_file_is_one_line_and_never_waited_on(tmp_path, make, says):
    path = tmp_path / "odd.conf"
    make(path)
    with pytest.raises(FileProblem) as raised:
        files.read_bytes(str(path))
    assert says in str(raised.value) and str(path) in str(raised.value)
    assert "\n" not in str(raised.value)


def test_on_the_host_the_kernel_looks_the_file_up_in_one_open(tmp_path, monkeypatch):
    """Every dnf transaction reads the configuration: on the host, one open() rather than
    a stat and an open per component; the walk only explains a failure."""
    (tmp_path / "plugins" / "rocm_notice.d").mkdir(parents=True)
    (tmp_path / "plugins" / "rocm_notice.conf").write_text("[main]\n")
    (tmp_path / "plugins" / "rocm_notice.d" / "a.conf").write_text("")
    (tmp_path / "link.conf").symlink_to(tmp_path / "plugins" / "rocm_notice.conf")

    def no_walk(*args, **kwargs):
        raise AssertionError("walked %r" % (args,))
    monkeypatch.setattr(files, "_resolve", no_walk)
    assert files.read_bytes(str(tmp_path / "plugins" / "rocm_notice.conf")) == b"[main]\n"
    assert files.read_bytes(str(tmp_path / "link.conf")) == b"[main]\n"
    assert files.list_names(str(tmp_path / "plugins" / "rocm_notice.d")) == ["a.conf"]
    with pytest.raises(AssertionError):     # a failure is explained by the walk
        files.read_bytes(str(tmp_path / "missing.conf"))
    with pytest.raises(AssertionError):     # and an installroot is always walked
        files.read_bytes("/plugins/rocm_notice.conf", tmp_path)


def test_a_relative_path_is_named_in_full_in_a_problem(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    os.mkfifo("odd.conf")
    with pytest.raises(FileProblem) as raised:
        files.read_bytes("odd.conf")
    assert str(raised.value) == "%s: a FIFO, not a regular file" % (tmp_path / "odd.conf")


def test_a_device_is_refused(tmp_path):
    with pytest.raises(FileProblem) as raised:
        files.read_bytes("/dev/zero")
    assert "a character device, not a regular file" in str(raised.value)


def test_a_file_over_the_limit_is_refused(tmp_path):
    path = tmp_path / "huge.conf"
    with open(str(path), "wb") as handle:
        handle.truncate(files.CONFIG_LIMIT + 1)          # sparse: costs no disk
    with pytest.raises(FileProblem) as raised:
        files.read_bytes(str(path))
    assert "larger than 1 MiB" in str(raised.value)
    assert files.read_bytes(str(path), limit=files.CONFIG_LIMIT + 1) is not None


def test_a_relative_path_outside_an_installroot_is_taken_from_the_working_directory(
        tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    files.write("relative.json", b"{}\n")
    assert (tmp_path / "relative.json").read_bytes() == b"{}\n"
    assert files.read_bytes("relative.json") == b"{}\n"


def test_write_keeps_the_mode_and_replaces_only_regular_files(tmp_path):
    path = tmp_path / "list"
    path.write_text("old\n")
    os.chmod(str(path), 0o600)
    files.write(str(path), b"new\n")
    assert path.read_text() == "new\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    fifo = tmp_path / "fifo"
    os.mkfifo(str(fifo))
    with pytest.raises(FileProblem) as raised:
        files.write(str(fifo), b"x")
    assert raised.value.reason == "not a regular file"
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fifo", "list"]   # no temp file


def test_list_names_says_why_a_directory_cannot_be_listed(tmp_path):
    assert files.list_names(str(tmp_path / "absent")) is None
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "b.conf").write_text("")
    (tmp_path / "d" / "a.conf").write_text("")
    assert files.list_names(str(tmp_path / "d")) == ["a.conf", "b.conf"]
    (tmp_path / "f").write_text("")
    with pytest.raises(FileProblem):
        files.list_names(str(tmp_path / "f"))


def test_remove_deletes_the_link_not_its_target(tmp_path):
    target = tmp_path / "target"
    target.write_text("kept\n")
    link = tmp_path / "link"
    link.symlink_to(target)
    assert files.remove(str(link)) is True
    assert not os.path.lexists(str(link)) and target.read_text() == "kept\n"
    assert files.remove(str(link)) is False


@pytest.mark.parametrize("durable", [True, False])
def test_a_write_fsyncs_the_new_file_always_and_its_directory_when_durable(
        tmp_path, monkeypatch, durable):
    """Never torn (the data is on disk before the rename), and for what the admin wrote
    (durable) the rename too; what the program writes again at each run skips that."""
    synced = []
    real = os.fsync

    def recording(fd):
        synced.append("dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file")
        return real(fd)

    monkeypatch.setattr(os, "fsync", recording)
    files.write(str(tmp_path / "report.json"), b"{}\n", durable=durable)
    assert synced == (["file", "dir"] if durable else ["file"])
    assert (tmp_path / "report.json").read_bytes() == b"{}\n"


def test_the_report_skips_the_directory_fsync_and_a_drop_in_does_not(tmp_path, monkeypatch):
    from rocm_notice.core import report
    from rocm_notice.settings import dropins
    synced = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(
        stat.S_ISDIR(os.fstat(fd).st_mode)), real(fd))[1])
    assert report.write(str(tmp_path / "last.json"), {"decision": "warn"}) is None
    assert synced == [False]
    synced.clear()
    dropins.write(str(tmp_path / "90-dnf-rocm-lock.conf"), dropins.LOCK_TEXT)
    assert synced == [False, True]
