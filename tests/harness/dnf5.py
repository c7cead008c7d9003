"""Real dnf5 (Debian unstable's, 5.4.x) in a cached root, with our libdnf5 plugin loaded.

The root is ``roots.debian_root`` with dnf5, the libdnf5 Python bindings and what builds
our plugin against its libdnf5 (the shared design notes, section 8), built on first use
(about a minute) and cached; ``plugin()`` builds the plugin there with the Makefile's
rule (build/dnf5-plugin/libdnf5-VERSION/rocm_notice.so).
A ``Dnf5Sandbox`` is a host directory bound into that root at the same path: dnf5 runs
there with ``--installroot`` on it, the same fixture repositories (``build_repo``, bound
read-only) and the policy files inside the installroot, where the plugin reads them.
dnf5 loads our plugin alone, from the sandbox's own plugin directories (``pluginpath``,
``pluginconfpath`` in its dnf.conf); the plugin runs the checkout's helper
(``ROCM_NOTICE_HELPER``) with the names file written for the sandbox
(``ROCM_NOTICE_NAMES``). Nothing is written outside the sandbox but the root's /tmp.

A ``Dnf5System`` is the other way dnf5 meets us: on the unstable root's own system, no
``--installroot`` (``system.System``: the root under an overlay whose upper layer is a
temporary directory, in a mount and PID namespace of its own), with our files where the
RPM puts them: the plugin in libdnf5's plugin directory and its configuration in
/etc/dnf/libdnf5-plugins, the helper in /usr/libexec/rocm-epel-notice, the names file in
/usr/share/rocm-epel-notice, the core in the root's dist-packages; the policy in
/etc/dnf/plugins, the repositories in /etc/yum.repos.d, ``DNF_CONF`` as
/etc/dnf/dnf.conf. There standard error can be closed or full for dnf5 and what it runs
(``dnf5(..., stderr="closed")``), which an installroot hides: with fd 2 closed, rpm's
SQLite opens the rpmdb and takes fd 2 for it first.
"""

import subprocess
from pathlib import Path

from tests.harness import roots
from tests.harness.fixtures import CACHE, CHECKOUT, build_repo
from tests.harness.sandbox import Run
from tests.harness.system import System, plugin_built_in

# dnf5 and the libdnf5 bindings (the helper's second sack for a lock's hold, and
# rocm-epel-notice), rpm and createrepo-c for the tests; g++, make, pkgconf and
# libdnf5-dev build our plugin against the root's libdnf5 (``plugin()``); then what make
# rpm needs besides (``make_rpm``: the dnf5 package is built only here); last, what
# PackageKit's dnf5 backend needs to build and run (tests/harness/packagekit_dnf5.py):
# one unstable root to build, not two.
PACKAGES = ["dnf5", "python3-libdnf5", "rpm", "createrepo-c", "g++", "make", "pkgconf",
            "libdnf5-dev", "librpm-dev", "libdnf-dev", "libglib2.0-dev", "librepo-dev",
            "python3-setuptools", "python3-pip", "python3-wheel", "python3-docutils",
            "dbus", "dbus-daemon", "polkitd", "libpolkit-gobject-1-dev", "libsqlite3-dev",
            "libsystemd-dev", "libappstream-dev", "libjansson-dev", "meson", "ninja-build",
            "gettext", "itstool", "help2man", "dpkg-dev"]
# The mirror's unstable Release file can be past its Valid-Until date (the shared design notes, section 8).
APTOPTS = ('Acquire::Check-Valid-Until "false"',)
PLUGIN_CONF = CHECKOUT / "dnf5-plugin" / "rocm_notice.conf"
HELPER = CHECKOUT / "native" / "rocm-epel-notice-helper"
COMMAND = CHECKOUT / "dnf5-plugin" / "rocm-epel-notice"
# Where the RPM puts them (Debian's libdnf5 plugin directory stands for Fedora's
# /usr/lib64/libdnf5/plugins).
INSTALLED_PLUGIN = "/usr/lib/x86_64-linux-gnu/libdnf5/plugins/rocm_notice.so"
INSTALLED_PLUGIN_CONF = "/etc/dnf/libdnf5-plugins/rocm_notice.conf"
DNF_CONF = "[main]\ngpgcheck=0\nbest=True\nmetadata_expire=0\ninstall_weak_deps=False\n"
DEFAULT_PLUGIN_CONF = "[main]\nenabled = 1\n"
DNF5_LOG = "/var/log/dnf5.log"
# The root's "local" libdnf5 plugin (Debian enables it "host-only": on the system itself,
# not in an installroot) copies every installed RPM into a repository of its own and runs
# createrepo after each transaction: time spent on nothing of ours. Off.
LOCAL_PLUGIN_OFF = "[main]\nname = local\nenabled = 0\n"
# How ``Dnf5System.dnf5`` runs dnf5 with standard error other than a pipe: the shell
# inside the system does the redirection.
STDERR = {"closed": "2>&-", "full": "2>/dev/full"}


def dnf5_root():
    """The cached Debian unstable root with dnf5 (built here on first use)."""
    return roots.debian_root("unstable", PACKAGES, aptopts=APTOPTS)


def plugin():
    """Our libdnf5 plugin, built for the root's libdnf5 inside the root
    (``system.plugin_built_in``: make dnf5-plugin's rule)."""
    return plugin_built_in(dnf5_root(), "libdnf5", "dnf5-plugin")


def make_rpm(top):
    """make rpm (without %check) in the root, where libdnf5 is, so that the spec builds
    the dnf5 package too: from the tarball already in ``top``/SOURCES (git runs on the
    host). The CompletedProcess (stdout and stderr together)."""
    home = Path(top) / "home"
    home.mkdir(parents=True, exist_ok=True)
    return roots.run_in_root(
        dnf5_root(), ["make", "-s", "-C", str(CHECKOUT), "-o", "deps-packages", "-o",
                      "tarball", "rpm", "RPMTOP=%s" % top, "RPMFLAGS=--nocheck"],
        binds=[(str(CHECKOUT), str(CHECKOUT), "ro"), str(top)],
        env=dict(roots.ENV, HOME=str(home)), stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=900)


_built = []


def plugin_path():
    """``plugin()``, built once per test run."""
    if not _built:
        _built.append(plugin())
    return _built[0]


def names_text():
    """The names file, as the spec's %build writes it."""
    from rocm_notice.frontends.native import names
    return names.text()


class Dnf5Sandbox:
    """One installroot driven by the root's dnf5, with its repos and our policy files.
    ``plugin``: load our plugin (False: dnf5 with no plugin at all)."""

    def __init__(self, path, plugin_conf=DEFAULT_PLUGIN_CONF, pythonpath=CHECKOUT,
                 plugin=True):
        self.path = Path(path).resolve()
        self.root = self.path / "root"
        self.reposdir = self.path / "repos.d"
        self.confdir = self.root / "etc" / "dnf" / "plugins"
        self.plugins = self.path / "plugins"            # dnf5's pluginpath
        self.plugins_conf = self.path / "plugins.d"     # ... and pluginconfpath
        for directory in (self.root, self.reposdir, self.confdir / "rocm_notice.d",
                          self.plugins, self.plugins_conf):
            directory.mkdir(parents=True, exist_ok=True)
        (self.path / "dnf.conf").write_text(DNF_CONF + "pluginpath=%s\npluginconfpath=%s\n"
                                            % (self.plugins, self.plugins_conf))
        self.pythonpath = str(pythonpath)
        self.binds = []          # more (host, inside[, "ro"]) binds, for a test's own needs
        self.helper = str(HELPER)
        self.env = {}            # more environment for dnf5 (ROCM_NOTICE_HELPER_TIMEOUT)
        self.names = self.path / "names"
        self.names.write_text(names_text())
        self.rootfs = dnf5_root()
        if plugin:
            (self.plugins / "rocm_notice.so").symlink_to(plugin_path())
            (self.plugins_conf / "rocm_notice.conf").write_text(PLUGIN_CONF.read_text())
        if plugin_conf is not None:
            self.write_conf(plugin_conf)

    def write_conf(self, text, name="rocm_notice.conf"):
        (self.confdir / name).write_text(text)

    def write_dropin(self, name, text):
        (self.confdir / "rocm_notice.d" / name).write_text(text)

    def use_repos(self, **repos):
        """Replace the enabled repositories: ``use_repos(epel=[Pkg, ...])``."""
        for old in self.reposdir.glob("*.repo"):
            old.unlink()
        for repoid, pkgs in repos.items():
            path = pkgs if isinstance(pkgs, Path) else build_repo(pkgs)
            (self.reposdir / ("%s.repo" % repoid)).write_text(
                "[%s]\nname=%s (test)\nbaseurl=file://%s\ngpgcheck=0\nenabled=1\n"
                % (repoid, repoid, Path(path).resolve()))

    def _binds(self):
        binds = [str(self.path), (str(CHECKOUT), str(CHECKOUT), "ro")]
        cache = Path(CACHE).resolve()
        if not cache.is_relative_to(CHECKOUT):
            binds.append((str(cache), str(cache), "ro"))
        if not Path(self.pythonpath).resolve().is_relative_to(self.path):
            binds.append((self.pythonpath, self.pythonpath, "ro"))
        return binds + self.binds

    def run(self, argv, stdin=None, merge=False, timeout=300):
        env = dict(roots.ENV, PYTHONPATH=self.pythonpath, **self.env)
        if self.helper:         # None: the plugin's own (where the package installs it)
            env["ROCM_NOTICE_HELPER"] = self.helper
        if self.names:
            env["ROCM_NOTICE_NAMES"] = str(self.names)
        result = roots.run_in_root(
            self.rootfs, argv, binds=self._binds(), env=env, input=stdin or "",
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT if merge else subprocess.PIPE,
            text=True, timeout=timeout)
        return Run(list(argv), result.returncode, result.stdout, result.stderr or "")

    def dnf5(self, *args, stdin=None, merge=False):
        """dnf5 ARGS in the sandbox; ``merge``: stderr into stdout, to see the order."""
        return self.run(["dnf5", "--installroot=%s" % self.root,
                         "--config=%s" % (self.path / "dnf.conf"),
                         "--setopt=reposdir=%s" % self.reposdir, "--releasever=10"]
                        + list(args), stdin=stdin, merge=merge)

    def command(self, *args):
        """Our ``rocm-epel-notice`` command (dnf 4's ``dnf rocm``) on the sandbox."""
        return self.run(["/usr/bin/python3", str(COMMAND),
                         "--installroot=%s" % self.root, "--config=%s" % (self.path / "dnf.conf"),
                         "--reposdir=%s" % self.reposdir, "--releasever=10"] + list(args))

    def installed(self):
        """{name: "version-release"} from the installroot's rpmdb (read by the root's rpm)."""
        run = self.run(["rpm", "--root", str(self.root), "-qa",
                        "--qf", "%{NAME} %{VERSION}-%{RELEASE}\\n"])
        if run.returncode != 0:
            raise AssertionError("rpm -qa failed:\n%s" % run)
        return dict(line.split(" ", 1) for line in run.stdout.splitlines() if line)

    def install(self, *names):
        run = self.dnf5("-y", "install", *names)
        if run.returncode != 0:
            raise AssertionError("set-up install failed:\n%s" % run)
        return run


class Dnf5System(System):
    """dnf5 on the unstable root's own system, our dnf5 front end installed (see the
    module doc). Use as a context manager; ``stop()`` is safe to call twice."""

    def __init__(self):
        super().__init__(dnf5_root(), caches=["/var/cache/libdnf5", DNF5_LOG],
                         prefix="rocm-notice-dnf5-")
        self.install_core()
        self.install(plugin_path(), INSTALLED_PLUGIN, 0o755)
        self.install(PLUGIN_CONF, INSTALLED_PLUGIN_CONF, 0o644)
        self.install_helper(names_text())
        self.write_file("/etc/dnf/dnf.conf", DNF_CONF)
        self.write_file("/etc/dnf/libdnf5-plugins/local.conf", LOCAL_PLUGIN_OFF)

    def dnf5(self, *args, stderr=None, timeout=300):
        """dnf5 ARGS inside the system. ``stderr``: None (a pipe, captured), "closed"
        (``2>&-``) or "full" (``2>/dev/full``): then nothing is captured from it."""
        if stderr is None:
            return self.run(["dnf5"] + list(args), timeout=timeout)
        run = self.shell('exec dnf5 "$@" %s' % STDERR[stderr], *args, timeout=timeout)
        run.args = ["dnf5"] + list(args) + [STDERR[stderr]]
        return run

    def log(self):
        """dnf5's own log (/var/log/dnf5.log) since the last ``reset``."""
        path = self.path(DNF5_LOG)
        return path.read_text(errors="replace") if path.exists() else ""
