"""libdnf's C API (DnfContext), driven as PackageKit and microdnf drive it, with our
libdnf plugin loaded: for tests/e2e/test_libdnf*.py.

The plugin is built by ``make`` (build/libdnf-plugin/libdnf-VERSION/rocm_notice.so, one
per libdnf version: the Debian 13 root shares the checkout); the driver
(libdnf_driver.c) is compiled here into .cache/, keyed by its source and libdnf's
version. Both run in a ``Sandbox``: its installroot, repos and HOME (rpm's dbpath); the
plugin's configuration goes where the plugin reads it, ``<root>/etc/dnf/plugins``.
"""

import hashlib
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.harness.fixtures import CHECKOUT

CACHE = CHECKOUT / ".cache" / "libdnf-driver"
DRIVER_SOURCE = Path(__file__).with_name("libdnf_driver.c")
HELPER = CHECKOUT / "native" / "rocm-epel-notice-helper"


def _output(command):
    result = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0:
        raise AssertionError("%s failed (exit %d): %s\n(the libdnf tests need g++, "
                             "pkg-config and libdnf-dev: run 'make check', which installs "
                             "them)" % (" ".join(command), result.returncode,
                                        result.stdout[-2000:]))
    return result.stdout


def plugin():
    """The plugin for this libdnf, (re)built by make when its source changed."""
    version = _output(["pkg-config", "--modversion", "libdnf"]).strip()
    target = CHECKOUT / "build" / "libdnf-plugin" / ("libdnf-" + version) / "rocm_notice.so"
    _output(["make", "-s", "-C", str(CHECKOUT), str(target.relative_to(CHECKOUT))])
    return target


def driver():
    """The compiled driver (cached by source, compiler and libdnf version)."""
    flags = _output(["pkg-config", "--cflags", "--libs", "libdnf"]).split()
    key = hashlib.sha256("\0".join([
        DRIVER_SOURCE.read_text(), _output(["pkg-config", "--modversion", "libdnf"]),
        _output(["cc", "--version"])] + flags).encode()).hexdigest()[:16]
    target = CACHE / key / "libdnf_driver"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".partial")
        _output(["cc", "-O1", "-g", "-Wall", "-o", str(partial), str(DRIVER_SOURCE)]
                + flags + ["-lgobject-2.0"])
        os.replace(partial, target)
    return target


@dataclass
class Result:
    args: list
    returncode: int
    stdout: str
    stderr: str

    @property
    def ok(self):
        return self.returncode == 0 and self.stdout.strip() == "run: TRUE"

    def __str__(self):
        return "libdnf_driver %s -> %d\n--- stdout\n%s--- stderr\n%s" % (
            " ".join(self.args), self.returncode, self.stdout, self.stderr)


class Libdnf:
    """The libdnf front end of one sandbox, with our plugin in its plugins dir."""

    def __init__(self, sandbox, helper=HELPER):
        self.sandbox = sandbox
        self.plugins = sandbox.path / "libdnf-plugins"
        self.plugins.mkdir(exist_ok=True)
        link = self.plugins / "rocm_notice.so"
        if not link.exists():
            link.symlink_to(plugin())
        self.confdir = sandbox.root / "etc" / "dnf" / "plugins"
        (self.confdir / "rocm_notice.d").mkdir(parents=True, exist_ok=True)
        self.cache = sandbox.path / "libdnf-cache"
        self.helper = str(helper)
        self.pythonpath = str(CHECKOUT)
        # The names file the spec installs (ROCM_NOTICE_NAMES points the plugin at it).
        from rocm_notice.frontends.native import names
        self.names = sandbox.path / "libdnf-names"
        self.names.write_text(names.text())

    def write_conf(self, text, name="rocm_notice.conf"):
        (self.confdir / name).write_text(text)

    def write_dropin(self, name, text):
        (self.confdir / "rocm_notice.d" / name).write_text(text)

    def report(self):
        """The JSON report, where the default 'report' key puts it in the installroot."""
        import json
        path = self.sandbox.root / "var" / "lib" / "rocm-epel-notice" / "last.json"
        return json.loads(path.read_text()) if path.exists() else None

    def run(self, *args, env=None, timeout=300):
        command = [str(driver()), str(self.sandbox.root), str(self.sandbox.reposdir),
                   str(self.cache), str(self.plugins)] + list(args)
        environment = dict(self.sandbox.env, ROCM_NOTICE_HELPER=self.helper,
                           ROCM_NOTICE_NAMES=str(self.names), PYTHONPATH=self.pythonpath)
        environment.update(env or {})
        result = subprocess.run(command, env=environment, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                timeout=timeout)
        return Result(list(args), result.returncode, result.stdout, result.stderr)
