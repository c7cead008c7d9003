"""The scan over trees of real gcc-built ELF files: what breaks, what still runs, limits."""

import itertools
import json
import os

import pytest

from rocm_notice.io import files
from rocm_notice.scan import scan, scancache, scanreport
from rocm_notice.settings.config import DEFAULT_SCAN_PATHS
from tests.harness import elf

HIP6 = "libamdhip64.so.6"


@pytest.fixture(scope="module")
def built():
    return elf.build()


def paths_of(hits):
    return sorted(hit.path for hit in hits)


def test_before_an_upgrade_names_the_files_it_breaks_and_those_that_still_run(tmp_path, built):
    root = tmp_path / "root"
    elf.lay_out(root, built)
    result = scan.scan(DEFAULT_SCAN_PATHS, scan.Lost(pending=[HIP6]), str(root))
    assert paths_of(result.broken) == [
        "/opt/sys/bin/app-system",          # RUNPATH /usr/lib64: the copy that goes away
        "/opt/venv/lib/python3.12/site-packages/ext.cpython-312-x86_64-linux-gnu.so",
        "/usr/local/bin/app", "/usr/local/lib64/libuser.so"]
    assert {hit.path: hit.found for hit in result.still_run} == {
        "/opt/bundled/bin/app-bundled": {HIP6: "/opt/bundled/lib (RUNPATH)"},
        "/opt/compat/bin/app-compat": {HIP6: elf.COMPAT_DIR + " (RUNPATH)"},
        "/opt/compat/bin/app-rpath": {HIP6: elf.COMPAT_DIR + " (RPATH)"}}
    assert all(hit.lost == {HIP6: scan.UPGRADE} for hit in result.hits)
    assert result.complete and result.unreadable == 1      # the truncated ELF
    assert result.unreadable_examples == ["/opt/broken/app-truncated"]
    assert result.elf == 9 and result.files == 12     # the FIFO is no file to read


def test_without_the_compat_tree_the_runpath_program_is_broken_too(tmp_path, built):
    root = tmp_path / "root"
    elf.lay_out(root, built, compat=False)
    result = scan.scan(["/opt/compat"], scan.Lost(pending=[HIP6]), str(root))
    assert paths_of(result.broken) == ["/opt/compat/bin/app-compat", "/opt/compat/bin/app-rpath"]


def test_a_copy_of_another_class_is_not_a_copy_the_loader_takes(tmp_path, built):
    root = tmp_path / "root"
    elf.lay_out(root, built, compat=False)
    target = root / elf.COMPAT_DIR.lstrip("/") / HIP6
    target.parent.mkdir(parents=True)
    target.write_text("not a library\n" * 10)
    result = scan.scan(["/opt/compat"], scan.Lost(pending=[HIP6]), str(root))
    assert len(result.broken) == 2


def test_after_the_fact_names_files_whose_rocm_library_no_package_provides(tmp_path, built):
    root = tmp_path / "root"
    elf.lay_out(root, built)
    (root / "usr/lib64/libamdhip64.so.6").unlink()           # the upgrade took it
    lost = scan.Lost(provided={"libamdhip64.so.7", "libc.so.6"})
    result = scan.scan(["/usr/local", "/opt/sys"], lost, str(root))
    assert paths_of(result.broken) == ["/opt/sys/bin/app-system", "/usr/local/bin/app",
                                       "/usr/local/lib64/libuser.so"]
    assert result.broken[0].lost == {HIP6: scan.MISSING}
    # a copy left in a system directory (unpackaged) is still found by the loader
    elf.install(built, root, "/usr/lib64/libamdhip64.so.6", "lib6/libamdhip64.so.6")
    result = scan.scan(["/usr/local"], lost, str(root))
    assert result.broken == [] and len(result.still_run) == 2


def test_non_rocm_sonames_are_never_lost():
    lost = scan.Lost(pending=["librocblas.so.4"], provided={"libc.so.6"})
    assert lost.why("libfoo.so.1") is None
    assert lost.why("libc.so.6") is None
    assert lost.why("librocblas.so.4") == scan.UPGRADE
    assert lost.why("libMIOpen.so.1") == scan.MISSING
    assert lost.why("librocblas.so.3") == scan.MISSING      # stem known from pending
    assert scan.Lost(pending=[HIP6]).why("libamdhip64.so.5") is None   # no "after" view


def test_the_deadline_stops_the_walk_and_says_where(tmp_path, built):
    root = tmp_path / "root"
    elf.lay_out(root, built)
    ticks = itertools.count()
    result = scan.scan(DEFAULT_SCAN_PATHS, scan.Lost(pending=[HIP6]), str(root), seconds=5,
                       clock=lambda: next(ticks))
    assert not result.complete and result.stopped_at.startswith("/")
    assert result.files < 12
    assert scanreport.exit_status(result) == (scanreport.FOUND if result.broken
                                              else scanreport.UNKNOWN)
    assert any("Stopped after" in line for line in scanreport.text(result, scan.Lost()))


def test_missing_fifo_and_file_starting_points(tmp_path, built):
    root = tmp_path / "root"
    elf.lay_out(root, built)
    result = scan.scan(["/nowhere", "/opt/notes.txt", "/opt/fifo", "/opt/link-out"],
                       scan.Lost(pending=[HIP6]), str(root))
    # the link leads out of the root: read inside it, it names nothing
    assert result.files == 1 and result.unreadable == 2 and result.complete
    assert result.unreadable_examples == ["/opt/fifo", "/opt/link-out"]
    one = scan.scan(["/usr/local/bin/app", "/opt/compat/bin/app-compat"],
                    scan.Lost(pending=[HIP6]), str(root))
    assert paths_of(one.broken) == ["/usr/local/bin/app"] and len(one.still_run) == 1


def test_a_start_that_is_a_link_is_followed_inside_the_root_only(tmp_path, built):
    root = tmp_path / "root"
    elf.lay_out(root, built)
    os.symlink("/usr/local", root / "srv")           # absolute: read inside the root
    result = scan.scan(["/srv"], scan.Lost(pending=[HIP6]), str(root))
    assert paths_of(result.broken) == ["/srv/bin/app", "/srv/lib64/libuser.so"]


def test_the_cache_answers_for_unchanged_files(tmp_path, built):
    root = tmp_path / "root"
    elf.lay_out(root, built)
    cache = {}
    first = scan.scan(["/usr/local"], scan.Lost(pending=[HIP6]), str(root), cache=cache)
    assert len(cache) == 3
    (root / "usr/local/bin/app").write_bytes(b"\0" * 100)     # changed: read again
    second = scan.scan(["/usr/local"], scan.Lost(pending=[HIP6]), str(root), cache=cache)
    assert len(first.broken) == 2 and paths_of(second.broken) == ["/usr/local/lib64/libuser.so"]


def test_text_and_json_say_the_same(tmp_path, built):
    root = tmp_path / "root"
    elf.lay_out(root, built)
    lost = scan.Lost(pending=[HIP6])
    result = scan.scan(["/usr/local", "/opt/compat"], lost, str(root))
    text = "\n".join(scanreport.text(result, lost))
    assert "Broken by the pending upgrade, which removes libamdhip64.so.6:" in text
    assert "  /usr/local/bin/app: libamdhip64.so.6" in text
    assert "  /opt/compat/bin/app-compat: libamdhip64.so.6 in %s (RUNPATH)" % elf.COMPAT_DIR in text
    data = json.loads(json.dumps(scanreport.to_json(result, lost)))
    assert data["schema"] == 1 and data["status"] == scanreport.FOUND
    assert [b["path"] for b in data["broken"]] == ["/usr/local/bin/app",
                                                   "/usr/local/lib64/libuser.so"]
    assert data["broken"][0]["needs"] == {HIP6: "upgrade"}
    assert data["pending_lost_sonames"] == [HIP6]
    empty = scan.scan(["/opt/bundled"], lost, str(root))
    assert scanreport.exit_status(empty) == scanreport.OK
    assert scanreport.exit_status(empty, "no repositories") == scanreport.UNKNOWN


def test_quick_scan_caches_by_path_size_and_mtime_inside_the_root(tmp_path, built):
    root = tmp_path / "root"
    elf.lay_out(root, built)
    result, problem = scan.quick([HIP6], ["/usr/local"], 5, str(root))
    assert problem == "" and len(result.broken) == 2
    saved = root / scancache.PATH.lstrip("/")
    assert saved.is_file() and not (tmp_path / scancache.PATH.lstrip("/")).exists()
    entries = json.loads(saved.read_text())["files"]
    assert sorted(entries) == ["/usr/local/bin/app", "/usr/local/bin/app7",
                               "/usr/local/lib64/libuser.so"]
    # same size and mtime: the cached answer stands (the file is not read again) ...
    app = root / "usr/local/bin/app"
    info = app.stat()
    app.write_bytes((built / "app7").read_bytes()[:info.st_size].ljust(info.st_size, b"\0"))
    os.utime(app, ns=(info.st_atime_ns, info.st_mtime_ns))
    again, _ = scan.quick([HIP6], ["/usr/local"], 5, str(root))
    assert "/usr/local/bin/app" in paths_of(again.broken)
    # ... a new mtime: read again
    os.utime(app, ns=(info.st_atime_ns, info.st_mtime_ns + 10**9))
    third, _ = scan.quick([HIP6], ["/usr/local"], 5, str(root))
    assert "/usr/local/bin/app" not in paths_of(third.broken)


@pytest.mark.parametrize("content", [b"", b"{", b"[]", b'{"format": 99, "files": {}}',
                                     b'{"format": 1, "files": {"/x": [1, 2, "e"]}}',
                                     b"\xff\xfe"])
def test_a_bad_cache_is_an_empty_cache(tmp_path, built, content):
    root = tmp_path / "root"
    elf.lay_out(root, built)
    files.write(scancache.PATH, content, str(root), make_dirs=True)
    result, problem = scan.quick([HIP6], ["/usr/local"], 5, str(root))
    assert len(result.broken) == 2 and problem == ""


def test_a_cache_that_cannot_be_written_is_one_quiet_problem(tmp_path, built):
    root = tmp_path / "root"
    elf.lay_out(root, built)
    (root / "var").mkdir()
    (root / "var/cache").write_text("a file where a directory should be")
    result, problem = scan.quick([HIP6], ["/usr/local"], 5, str(root))
    assert len(result.broken) == 2 and "scan-cache.json" in problem


def test_brief_is_what_the_notice_and_report_carry(tmp_path, built):
    root = tmp_path / "root"
    elf.lay_out(root, built)
    result = scan.scan(DEFAULT_SCAN_PATHS, scan.Lost(pending=[HIP6]), str(root))
    brief = scan.brief(result)
    assert brief["count"] == 4 and brief["paths"][0] == "/usr/local/bin/app"
    assert brief["complete"] is True and brief["scanned"] == ["/usr/local", "/opt"]


def test_hostile_file_names_reach_the_terminal_clean(tmp_path, built):
    root = tmp_path / "root"
    elf.lay_out(root, built)
    hostile = os.path.join(str(root), "usr/local/bin").encode() + b"/evil\x1b[2J\xff"
    with open(hostile, "wb") as out:
        out.write((built / "app").read_bytes())
    lost = scan.Lost(pending=[HIP6])
    result = scan.scan(["/usr/local"], lost, str(root))
    text = "\n".join(scanreport.text(result, lost))
    assert "  /usr/local/bin/evil[2J: libamdhip64.so.6" in text
    text.encode("utf-8")                                 # no lone surrogate left to print
    assert "\x1b" not in text
    dumped = json.dumps(scanreport.to_json(result, lost))
    assert dumped.isascii() and "/usr/local/bin/evil\\u001b[2J\\udcff" in dumped


def _as_nobody():
    """Run the child as nobody, so that a mode of 0 keeps it out (root reads anything)."""
    os.setgroups([])
    os.setgid(65534)
    os.setuid(65534)


def test_unreadable_files_and_directories_are_skipped_and_counted(built):
    """Run as an unprivileged user (root reads everything), in a child process."""
    import shutil
    import subprocess
    import sys
    import tempfile
    base = tempfile.mkdtemp(prefix="rocm-notice-scan-")
    try:
        os.chmod(base, 0o755)
        root = os.path.join(base, "root")
        elf.lay_out(__import__("pathlib").Path(root), built)
        os.chmod(os.path.join(root, "usr/local/bin/app"), 0)
        private = os.path.join(root, "opt/private")
        os.mkdir(private)
        shutil.copyfile(str(built / "app"), os.path.join(private, "app"))
        os.chmod(private, 0)
        # the package under test (the checkout's, or a buildroot's), where nobody reads it
        package = os.path.join(base, "lib")
        shutil.copytree(os.path.dirname(os.path.dirname(scan.__file__)),
                        os.path.join(package, "rocm_notice"))
        code = ("import json, sys; sys.path.insert(0, %r); from rocm_notice.scan import scan; "
                "r = scan.scan(['/usr/local', '/opt'], scan.Lost(pending=[%r]), %r); "
                "print(json.dumps([r.unreadable, r.unreadable_examples, "
                "[h.path for h in r.broken], r.complete]))"
                % (package, HIP6, root))
        run = subprocess.run([sys.executable, "-c", code],
                             preexec_fn=_as_nobody if os.geteuid() == 0 else None,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert run.returncode == 0, run.stderr
        unreadable, examples, broken, complete = json.loads(run.stdout)
    finally:
        for directory, _, _ in os.walk(base):
            os.chmod(directory, 0o755)
        shutil.rmtree(base)
    assert complete and unreadable == 3
    assert examples == ["/usr/local/bin/app", "/opt/broken/app-truncated", "/opt/private"]
    assert "/usr/local/lib64/libuser.so" in broken and "/usr/local/bin/app" not in broken
