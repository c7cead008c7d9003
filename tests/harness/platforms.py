"""Run the test suite on every test platform: the host's dnf, and Debian 13's in a root.

EL10 runs dnf 4.20, libdnf 0.73, rpm 4.19 and Python 3.12. The host (Debian 12) has dnf
4.14, libdnf 0.69, rpm 4.18 and Python 3.11; a Debian 13 root (``roots.debian_root``)
has dnf 4.23, libdnf 0.74, rpm 4.20 and Python 3.13, on either side of EL10. ``make
check`` runs the whole suite (unit and end-to-end) on both and fails if either fails; the
summary at the end names each platform and its result. The host's run is shown as it
goes; the root is built (once, then cached) and its run made at the same time, on the
other core (the runs are mostly one dnf process at a time), and its output is shown when
the host's is done. The root the host's dnf5 tests need is built at the start too
(``_prebuild_dnf5_root``), rather than when they come.

usage: python3 -m tests.harness.platforms [--platform NAME]... [PYTEST ARGS...]
NAME: host, debian13 (default: all). PYTEST ARGS default to ``tests``.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from tests.harness import roots

CHECKOUT = Path(__file__).resolve().parents[2]
PYTHON = "/usr/bin/python3"
PYTEST = ["-m", "pytest", "-q", "-ra", "-p", "no:cacheprovider"]
# The front ends that are built in the Debian 13 root from source, and what they need
# there: PackageKit's build dependencies (dnf backend: the shared design notes, section
# 7), the daemons it needs (dbus, polkitd) and what our helper imports there
# (tests/harness/packagekit.py); microdnf's (libpeas, libsmartcols, help2man for its man
# page; meson, ninja, libdnf-dev and glib as PackageKit: tests/harness/microdnf.py). The
# tests build and run them in the Debian 13 root, so the root carries them too: one root
# to build, not three.
FRONT_END_EXTRAS = ["dbus", "dbus-daemon", "dpkg-dev", "gcc", "gettext", "help2man",
                    "itstool", "libappstream-dev", "libpeas-dev", "libpolkit-gobject-1-dev",
                    "libsmartcols-dev", "libsqlite3-dev", "libsystemd-dev", "meson",
                    "ninja-build", "polkitd", "python3"]
# Besides what tools/ensure-deps installs: make and git, which 'make rpm' (test_payload)
# uses, and mount, for the test that mounts a full or read-only report directory.
ROOT_EXTRAS = ["make", "git", "mount"] + FRONT_END_EXTRAS
# Tests whose package manager is not the platform's dnf 4 but one of their own in a root
# of its own (dnf5 in Debian unstable, tests/harness/dnf5.py; PackageKit and microdnf
# built in the Debian 13 root, tests/harness/packagekit.py and microdnf.py): they run
# once, from the host, and never again inside another platform's root. A file is left
# out whole; a node id (file::test) is deselected.
# Ansible's dnf module (a playbook run a test, ansible-core in a venv per Python) runs on
# the Debian 13 platform only when that platform runs too: its dnf 4.23 is the nearest to
# EL10's, and test_api.py drives the dnf API itself on both platforms. Run alone, the
# host runs them. So do the packages' upgrade to the next release and the build that
# must fail (test_payload: two more rpm builds, most of a minute and a half on the
# host's path); the host still builds the packages once and installs and runs them.
NEAREST_ONLY = ["tests/e2e/test_ansible.py",
                "tests/e2e/test_payload.py::test_scriptlets_run_with_a_shell_and_enable_nothing",
                "tests/e2e/test_payload.py::"
                "test_upgrading_the_package_keeps_a_locally_modified_config",
                "tests/e2e/test_payload.py::"
                "test_a_data_file_missing_from_the_package_fails_the_build"]
HOST_ONLY = ["tests/e2e/test_dnf5.py", "tests/e2e/test_dnf5_command.py",
             "tests/e2e/test_dnf5_hostile.py",
             "tests/e2e/test_microdnf.py",
             "tests/e2e/test_packagekit.py", "tests/e2e/test_packagekit_dnf5.py",
             "tests/e2e/test_report_front_ends.py",
             "tests/e2e/test_same_words.py", "tests/e2e/test_same_command.py",
             "tests/e2e/test_payload.py::"
             "test_dnf5_installs_the_dnf5_front_end_where_dnf5_reads_it_and_it_runs",
             "tests/e2e/test_payload.py::"
             "test_where_libdnf5_is_the_spec_builds_the_dnf5_front_end_too"]


def ensure_deps_list(variable):
    """A package list of tools/ensure-deps (``DEBIAN_PKGS``, ``FEDORA_PKGS``), without
    the optional extras."""
    text = (CHECKOUT / "tools" / "ensure-deps").read_text()
    found = re.search(r'^%s="([^"]*)"' % variable, text, re.M)
    if not found:
        raise ValueError("tools/ensure-deps has no %s" % variable)
    return found.group(1).replace("$EXTRA", "").split()


class Host:
    name, title = "host", "this machine"

    def prepare(self):
        return None

    def run(self, pytest_args, output=None, skip=()):
        ignored = [("--deselect=%s" if "::" in path else "--ignore=%s") % path
                   for path in skip]
        return subprocess.run([PYTHON] + PYTEST + ignored + pytest_args, cwd=CHECKOUT,
                              stdout=output, stderr=output and subprocess.STDOUT).returncode


class DebianRoot:
    """A Debian release in a cached root, with the same packages ensure-deps installs."""

    def __init__(self, name, suite, title):
        self.name, self.suite, self.title = name, suite, title
        self.packages = ensure_deps_list("DEBIAN_PKGS") + ROOT_EXTRAS
        self.root = None

    def prepare(self):
        self.root = roots.debian_root(self.suite, self.packages)
        return self.root

    def binds(self):
        """The checkout at its own path, and what tests reach outside it: the git
        directory of a worktree (read-only; 'make rpm' lists files with git) and a shared
        fixture cache."""
        binds = [str(CHECKOUT)]
        common = shutil.which("git") and subprocess.run(
            ["git", "rev-parse", "--path-format=absolute", "--git-common-dir"], cwd=CHECKOUT,
            text=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout.strip()
        if common and not Path(common).is_relative_to(CHECKOUT):
            binds.append((common, common, "ro"))
        shared = os.environ.get("ROCM_NOTICE_FIXTURE_CACHE")
        if shared:
            Path(shared).mkdir(parents=True, exist_ok=True)
            if not Path(shared).resolve().is_relative_to(CHECKOUT):
                binds.append(str(Path(shared).resolve()))
        return binds

    def run(self, pytest_args, output=None):
        env = dict(roots.ENV)
        if os.environ.get("ROCM_NOTICE_FIXTURE_CACHE"):
            env["ROCM_NOTICE_FIXTURE_CACHE"] = str(
                Path(os.environ["ROCM_NOTICE_FIXTURE_CACHE"]).resolve())
        root = self.root or self.prepare()
        # What the packages do not bring: the tests' PyPI venv, for this root's Python,
        # from wheels the host downloads (the root may not reach PyPI as the host does).
        env["ROCM_NOTICE_WHEELS"] = self.wheels(root, output)
        skip_here = [("--deselect=%s" if "::" in path else "--ignore=%s") % path
                     for path in HOST_ONLY]
        for step in (["sh", "tools/ensure-deps"], [PYTHON] + PYTEST + skip_here + pytest_args):
            code = roots.run_in_root(root, step, binds=self.binds(), cwd=str(CHECKOUT),
                                     env=env, stdout=output,
                                     stderr=output and subprocess.STDOUT).returncode
            if code:
                return code
        return 0


    def wheels(self, root, output=None):
        """A directory of the wheels of tests/requirements-venv.txt for this root's Python
        (downloaded here, with the host's pip and its configuration; cached by the list)."""
        version = roots.run_in_root(
            root, [PYTHON, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            stdout=subprocess.PIPE, text=True).stdout.strip()
        requirements = CHECKOUT / "tests" / "requirements-venv.txt"
        target = CHECKOUT / ".cache" / ("wheels-" + version)
        stamp = target / "requirements.txt"
        if not (stamp.exists() and stamp.read_text() == requirements.read_text()):
            shutil.rmtree(target, ignore_errors=True)
            machine = os.uname().machine
            subprocess.run(
                [PYTHON, "-m", "pip", "download", "-q", "--disable-pip-version-check",
                 "--only-binary=:all:", "--implementation", "cp", "--python-version", version,
                 "--platform", "manylinux2014_" + machine,
                 "--platform", "manylinux_2_17_" + machine,
                 "--platform", "manylinux_2_28_" + machine, "--platform", "any",
                 "-d", str(target), "-r", str(requirements)],
                stdout=output, stderr=output and subprocess.STDOUT, check=True)
            shutil.copyfile(requirements, stamp)
        return str(target)


PLATFORMS = {"host": Host(),
             "debian13": DebianRoot("debian13", "trixie", "Debian 13 root (trixie)")}


class Background(threading.Thread):
    """One platform's whole run (building its root first, if need be) into a log file,
    while another platform's tests run in the foreground."""

    def __init__(self, platform, pytest_args):
        super().__init__(daemon=True)
        self.platform, self.pytest_args = platform, pytest_args
        self.log = tempfile.TemporaryFile("w+")
        self.outcome = None

    def run(self):
        try:
            self.platform.prepare()
            self.outcome = _outcome(self.platform.run(self.pytest_args, output=self.log))
        except roots.RootError as error:
            self.log.write("cannot test on %s: %s\n" % (self.platform.title, error))
            self.outcome = "FAILED: no run (see above)"
        except Exception as error:          # say it, rather than lose it in a thread
            self.log.write("cannot test on %s: %r\n" % (self.platform.title, error))
            self.outcome = "FAILED: no run (see above)"
        finally:
            self.log.flush()

    def follow(self):
        """Print the log so far, then what comes, until the run is over."""
        position = 0
        while True:
            done = not self.is_alive()
            with open("/proc/self/fd/%d" % self.log.fileno()) as reader:
                reader.seek(position)
                text = reader.read()
                position = reader.tell()
            sys.stdout.write(text)
            sys.stdout.flush()
            if done:
                return self.outcome
            time.sleep(0.5)


def _prebuild_dnf5_root():
    """The root the host's dnf5 tests need (Debian unstable), our libdnf5 plugin and
    PackageKit (dnf5 backend) built in it, at the start beside the runs (in a thread):
    on a machine without them, the host's run then finds them built, or waits on the
    root's lock (``roots.debian_root``), instead of stopping a minute to build it when
    test_dnf5 comes. A failure here is the test's to report: it meets the same error."""
    try:
        from tests.harness import dnf5, packagekit_dnf5
        dnf5.dnf5_root()
        dnf5.plugin()
        packagekit_dnf5.packagekit_build(dnf5.dnf5_root())
    except Exception:       # the dnf5 tests meet the same error, and say it
        pass


def _wants_dnf5(pytest_args):
    return any(arg.rstrip("/") in ("tests", "tests/e2e") or "test_dnf5" in arg
               for arg in pytest_args)


def _outcome(returncode):
    return "passed" if returncode == 0 else "FAILED (pytest exit %s)" % returncode


def _banner(text):
    print("\n==== %s ====" % text, flush=True)


def main(argv):
    chosen, pytest_args = [], []
    while argv:
        arg = argv.pop(0)
        if arg == "--platform" and argv:
            chosen.append(argv.pop(0))
        else:
            pytest_args.append(arg)
    unknown = [name for name in chosen if name not in PLATFORMS]
    if unknown:
        print("unknown platform %s; known: %s" % (", ".join(unknown), ", ".join(PLATFORMS)),
              file=sys.stderr)
        return 2
    platforms = [PLATFORMS[name] for name in (chosen or list(PLATFORMS))]
    pytest_args = pytest_args or ["tests"]
    first, others = platforms[0], [Background(p, pytest_args) for p in platforms[1:]]
    for background in others:
        background.start()
    if PLATFORMS["host"] in platforms and _wants_dnf5(pytest_args):
        threading.Thread(target=_prebuild_dnf5_root, daemon=True).start()
    _banner("tests on %s%s" % (first.title, " (%s at the same time, shown after)" % ", ".join(
        b.platform.title for b in others) if others else ""))
    nearest = PLATFORMS["debian13"]
    skip = {"skip": NEAREST_ONLY} if first is PLATFORMS["host"] and nearest in platforms else {}
    try:
        results = [(first, _outcome(first.run(pytest_args, **skip)))]
    except roots.RootError as error:
        print("cannot test on %s: %s" % (first.title, error), flush=True)
        results = [(first, "FAILED: no run (see above)")]
    for background in others:
        _banner("tests on %s" % background.platform.title)
        results.append((background.platform, background.follow()))
    _banner("summary")
    for platform, outcome in results:
        print("  %-26s %s" % (platform.title + ":", outcome))
    return 0 if all(outcome == "passed" for _, outcome in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
