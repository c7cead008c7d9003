"""Run the test suite on every test platform: the host's dnf, and Debian 13's in a root.

EL10 runs dnf 4.20, libdnf 0.73, rpm 4.19 and Python 3.12. The host (Debian 12) has dnf
4.14, libdnf 0.69, rpm 4.18 and Python 3.11; a Debian 13 root (``roots.debian_root``)
has dnf 4.23, libdnf 0.74, rpm 4.20 and Python 3.13, on either side of EL10. ``make
check`` runs the whole suite (unit and end-to-end) on both, one after the other, and fails
if either fails; the summary at the end names each platform and its result. The root is
built (once, then cached) in the background while the host's run goes on.

usage: python3 -m tests.harness.platforms [--platform NAME]... [PYTEST ARGS...]
NAME: host, debian13 (default: all). PYTEST ARGS default to ``tests``.
"""

import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

from tests.harness import roots

CHECKOUT = Path(__file__).resolve().parents[2]
PYTHON = "/usr/bin/python3"
PYTEST = ["-m", "pytest", "-q", "-ra", "-p", "no:cacheprovider"]
# Besides what tools/ensure-deps installs: make and git, which 'make rpm' (test_payload)
# uses, and mount, for the test that mounts a full or read-only report directory.
ROOT_EXTRAS = ["make", "git", "mount"]


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

    def run(self, pytest_args):
        return subprocess.run([PYTHON] + PYTEST + pytest_args, cwd=CHECKOUT).returncode


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

    def run(self, pytest_args):
        env = dict(roots.ENV)
        if os.environ.get("ROCM_NOTICE_FIXTURE_CACHE"):
            env["ROCM_NOTICE_FIXTURE_CACHE"] = str(
                Path(os.environ["ROCM_NOTICE_FIXTURE_CACHE"]).resolve())
        return roots.run_in_root(self.root or self.prepare(), [PYTHON] + PYTEST + pytest_args,
                                 binds=self.binds(), cwd=str(CHECKOUT), env=env).returncode


PLATFORMS = {"host": Host(),
             "debian13": DebianRoot("debian13", "trixie", "Debian 13 root (trixie)")}


class Background(threading.Thread):
    """Builds a root while another platform's tests run."""

    def __init__(self, platform):
        super().__init__(daemon=True)
        self.platform, self.error = platform, None

    def run(self):
        try:
            self.platform.prepare()
        except roots.RootError as error:
            self.error = error


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
    builds = {}
    for platform in platforms[1:]:
        builds[platform.name] = Background(platform)
        builds[platform.name].start()
    results = []
    for platform in platforms:
        _banner("tests on %s" % platform.title)
        build = builds.get(platform.name)
        if build:
            build.join()
        if build and build.error:
            print("cannot test on %s: %s" % (platform.title, build.error), flush=True)
            results.append((platform, "FAILED: its root could not be built (see above)"))
            continue
        try:
            returncode = platform.run(pytest_args)
        except roots.RootError as error:
            print("cannot test on %s: %s" % (platform.title, error), flush=True)
            returncode = "no run"
        results.append((platform, "passed" if returncode == 0
                        else "FAILED (pytest exit %s)" % returncode))
    _banner("summary")
    for platform, outcome in results:
        print("  %-26s %s" % (platform.title + ":", outcome))
    return 0 if all(outcome == "passed" for _, outcome in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
