"""Real dnf5 (Debian unstable's, 5.4.x) in a cached root, with our actions file loaded.

The root is ``roots.debian_root`` with dnf5, its actions and Python plugin loader and
the libdnf5 Python bindings (the shared design notes, section 8), built on first use (about a minute) and cached.
A ``Dnf5Sandbox`` is a host directory bound into that root at the same path: dnf5 runs
there with ``--installroot`` on it, the same fixture repositories (``build_repo``, bound
read-only) and the policy files inside the installroot, where the adapter reads them.
Our actions file is bound over the root's ``/etc/dnf/libdnf5-plugins/actions.d`` (the
actions plugin reads it from there, whatever the installroot), its program path pointed
at the checkout. Nothing is written outside the sandbox but the root's temporary /tmp.

A ``Dnf5System`` is the other way dnf5 meets us: on the unstable root's own system, no
``--installroot`` (``system.System``: the root under an overlay whose upper layer is a
temporary directory, in a mount and PID namespace of its own), with our files where the
RPM puts them: the actions file in /etc/dnf/libdnf5-plugins/actions.d, its program in
/usr/libexec/rocm-epel-notice, the core in the root's dist-packages; the policy in
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
from tests.harness.system import System

PACKAGES = ["dnf5", "python3-libdnf5", "python3-libdnf5-python-plugins-loader", "rpm",
            "createrepo-c"]
# The mirror's unstable Release file can be past its Valid-Until date (the shared design notes, section 8).
APTOPTS = ('Acquire::Check-Valid-Until "false"',)
ACTIONS = CHECKOUT / "dnf5-plugin" / "rocm_notice.actions"
PROGRAM = CHECKOUT / "dnf5-plugin" / "rocm-epel-notice-dnf5"
COMMAND = CHECKOUT / "dnf5-plugin" / "rocm-epel-notice"
INSTALLED_PROGRAM = "/usr/libexec/rocm-epel-notice/rocm-epel-notice-dnf5"
DNF_CONF = "[main]\ngpgcheck=0\nbest=True\nmetadata_expire=0\ninstall_weak_deps=False\n"
DEFAULT_PLUGIN_CONF = "[main]\nenabled = 1\n"
INSTALLED_ACTIONS = "/etc/dnf/libdnf5-plugins/actions.d/rocm_notice.actions"
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


class Dnf5Sandbox:
    """One installroot driven by the root's dnf5, with its repos and our policy files."""

    def __init__(self, path, plugin_conf=DEFAULT_PLUGIN_CONF, pythonpath=CHECKOUT,
                 actions=True):
        self.path = Path(path).resolve()
        self.root = self.path / "root"
        self.reposdir = self.path / "repos.d"
        self.confdir = self.root / "etc" / "dnf" / "plugins"
        self.actions = self.path / "actions.d"
        for directory in (self.root, self.reposdir, self.confdir / "rocm_notice.d",
                          self.actions):
            directory.mkdir(parents=True, exist_ok=True)
        (self.path / "dnf.conf").write_text(DNF_CONF)
        self.pythonpath = str(pythonpath)
        self.binds = []          # more (host, inside[, "ro"]) binds, for a test's own needs
        if actions:      # the shipped file, its program taken from the checkout
            (self.actions / "rocm_notice.actions").write_text(ACTIONS.read_text().replace(
                INSTALLED_PROGRAM, "/usr/bin/python3 %s" % PROGRAM))
        if plugin_conf is not None:
            self.write_conf(plugin_conf)
        self.rootfs = dnf5_root()

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
        binds = [str(self.path), (str(CHECKOUT), str(CHECKOUT), "ro"),
                 (str(self.actions), "/etc/dnf/libdnf5-plugins/actions.d")]
        cache = Path(CACHE).resolve()
        if not cache.is_relative_to(CHECKOUT):
            binds.append((str(cache), str(cache), "ro"))
        if not Path(self.pythonpath).resolve().is_relative_to(self.path):
            binds.append((self.pythonpath, self.pythonpath, "ro"))
        return binds + self.binds

    def run(self, argv, stdin=None, merge=False, timeout=300):
        env = dict(roots.ENV, PYTHONPATH=self.pythonpath)
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
        self.install(PROGRAM, INSTALLED_PROGRAM, 0o755)
        self.install(ACTIONS, INSTALLED_ACTIONS, 0o644)
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
