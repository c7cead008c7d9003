"""The root builder and runner of the test harness (tests/harness/roots.py), which other
test platforms and front ends build on: cached per request, built once under concurrency,
clear failures, and no mount left behind. mmdebstrap is replaced by a stand-in here (a
real build needs the network and a minute; 'make check' does one for the Debian 13 run).
With the end-to-end tests, not the unit tests: it needs root, unshare, mount and chroot,
which the spec's %check (the unit tests, in a build system) has not."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.harness import roots

CHECKOUT = Path(__file__).resolve().parents[2]
FAKE_MMDEBSTRAP = """#!/bin/sh
for arg; do target=$arg; done
echo "$*" >> "$FAKE_LOG"
if [ -n "${FAKE_FAIL:-}" ]; then echo "E: cannot download Release file" >&2; exit 7; fi
sleep 1
mkdir -p "$target/proc" "$target/tmp" "$target/etc"
echo "PRETTY_NAME=fake" > "$target/etc/os-release"
"""


@pytest.fixture
def fake_mmdebstrap(tmp_path, monkeypatch):
    if os.geteuid() != 0:
        pytest.fail("the root builder needs root (mmdebstrap, chroot); run 'make check' as root")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "mmdebstrap").write_text(FAKE_MMDEBSTRAP)
    (bin_dir / "mmdebstrap").chmod(0o755)
    log = tmp_path / "mmdebstrap.log"
    monkeypatch.setenv("PATH", "%s:%s" % (bin_dir, os.environ.get("PATH", "/usr/bin:/bin")))
    monkeypatch.setenv("FAKE_LOG", str(log))
    return log


def test_key_follows_everything_that_is_built_and_not_the_order():
    key = roots.root_key("trixie", ["dnf", "rpm"])
    assert key.startswith("trixie-")
    assert roots.root_key("trixie", ["rpm", "dnf", "rpm"]) == key
    assert roots.root_key("trixie", ["dnf", "rpm", "make"]) != key
    assert roots.root_key("unstable", ["dnf", "rpm"]) != key
    assert roots.root_key("trixie", ["dnf", "rpm"], aptopts=["X \"1\""]) != key


def test_a_root_is_built_once_then_taken_from_the_cache(tmp_path, fake_mmdebstrap):
    first = roots.debian_root("trixie", ["dnf", "rpm"], cache=tmp_path / "cache")
    again = roots.debian_root("trixie", ["rpm", "dnf"], cache=tmp_path / "cache")
    assert first == again and (first / roots.MANIFEST).exists()
    assert "packages dnf rpm" in (first / roots.MANIFEST).read_text()
    built = fake_mmdebstrap.read_text().splitlines()
    assert len(built) == 1 and "--include=dnf,rpm" in built[0] and "trixie" in built[0]
    assert sorted(p.name for p in (tmp_path / "cache").iterdir() if p.is_dir()) == [first.name]


def test_two_processes_asking_at_once_build_it_once(tmp_path, fake_mmdebstrap):
    script = textwrap.dedent("""
        import sys
        sys.path.insert(0, %r)
        from tests.harness import roots
        print(roots.debian_root("trixie", ["dnf"], cache=%r))
    """ % (str(CHECKOUT), str(tmp_path / "cache")))
    both = [subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
            for _ in range(2)]
    paths = [process.communicate(timeout=120)[0].strip() for process in both]
    assert [process.returncode for process in both] == [0, 0]
    assert paths[0] == paths[1] and Path(paths[0], roots.MANIFEST).exists()
    assert len(fake_mmdebstrap.read_text().splitlines()) == 1


def test_a_failed_build_says_why_and_leaves_no_half_root(tmp_path, fake_mmdebstrap, monkeypatch):
    monkeypatch.setenv("FAKE_FAIL", "1")
    with pytest.raises(roots.RootError) as failed:
        roots.debian_root("trixie", ["dnf"], cache=tmp_path / "cache")
    message = str(failed.value)
    assert "mmdebstrap could not build the Debian trixie root (exit 7" in message
    assert "E: cannot download Release file" in message and ".log" in message
    assert [p.name for p in (tmp_path / "cache").iterdir() if p.is_dir()] == []


def test_a_missing_mmdebstrap_is_named_with_the_package_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))          # nothing on it
    with pytest.raises(roots.RootError, match="mmdebstrap is not installed: apt-get install"):
        roots.debian_root("trixie", ["dnf"], cache=tmp_path / "cache")


@pytest.fixture
def usr_root(tmp_path):
    """A root made of the host's /usr (bound read-only), enough to run a shell in."""
    if os.geteuid() != 0:
        pytest.fail("entering a root needs root (unshare, mount, chroot); run as root")
    root = tmp_path / "root"
    for directory in ("proc", "tmp", "usr"):
        (root / directory).mkdir(parents=True)
    for link in ("bin", "sbin", "lib", "lib64"):
        if os.path.islink("/" + link):
            (root / link).symlink_to(os.readlink("/" + link))
    (root / roots.MANIFEST).write_text("suite host-usr\n")
    return root


def _mounts_under(path):
    prefix = str(path.resolve())
    with open("/proc/self/mountinfo") as mountinfo:
        return [line.split()[4] for line in mountinfo if line.split()[4].startswith(prefix)]


def test_a_command_runs_in_the_root_with_its_binds_and_leaves_no_mount(usr_root, tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "in").write_text("from the host\n")
    script = ("cat /work/shared/in; echo out > /work/shared/out; echo t > /tmp/t; "
              "touch /usr/x 2>/dev/null || echo usr is read-only; pwd; exit 3")
    run = roots.run_in_root(usr_root, ["/bin/sh", "-c", script],
                            binds=[("/usr", "/usr", "ro"), (shared, "/work/shared")],
                            cwd="/work", stdout=subprocess.PIPE, text=True)
    assert run.returncode == 3
    assert run.stdout.splitlines() == ["from the host", "usr is read-only", "/work"]
    assert (shared / "out").read_text() == "out\n"
    assert _mounts_under(usr_root) == []
    assert list((usr_root / "tmp").iterdir()) == []          # /tmp was a private one


def test_running_in_a_directory_that_is_not_a_built_root_is_refused(tmp_path):
    with pytest.raises(roots.RootError, match="is not a built root"):
        roots.run_in_root(tmp_path, ["/bin/true"])
