"""Real ``/usr/bin/dnf`` in an ``--installroot``, with our plugin loaded from the checkout.

Everything a run writes stays inside the sandbox directory: the installroot (rpmdb, dnf's
cache, logs), repo files, the plugin configuration, and a HOME whose ``.rpmmacros`` gives
the Fedora rpmdb location (Debian's rpm would otherwise use ``~/.rpmdb``). ``pluginpath``
is always set, so the host's own dnf plugins never load.
"""

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.harness.fixtures import CHECKOUT, build_repo, rpm_env

DNF = "/usr/bin/dnf"
DBPATH = "/usr/lib/sysimage/rpm"
DNF_CONF = """[main]
gpgcheck=0
best=True
installonly_limit=3
clean_requirements_on_remove=True
install_weak_deps=False
metadata_expire=0
"""
DEFAULT_PLUGIN_CONF = "[main]\nenabled = 1\n"


@dataclass
class Run:
    args: list
    returncode: int
    stdout: str
    stderr: str

    def __str__(self):
        return "dnf %s -> %d\n--- stdout\n%s--- stderr\n%s" % (
            " ".join(self.args), self.returncode, self.stdout, self.stderr)


class Sandbox:
    """One installroot with its repos and plugin configuration."""

    def __init__(self, path, plugin_conf=DEFAULT_PLUGIN_CONF, releasever="10",
                 pluginpath=CHECKOUT / "dnf-plugins", pythonpath=CHECKOUT):
        self.path = Path(path)
        self.root = self.path / "root"
        self.reposdir = self.path / "repos.d"
        self.confdir = self.path / "pluginconf"
        self.home = self.path / "home"
        for directory in (self.root, self.reposdir, self.confdir / "rocm_notice.d"):
            directory.mkdir(parents=True, exist_ok=True)
        (self.path / "dnf.conf").write_text(DNF_CONF)
        self.releasever = releasever
        self.pluginpath = [Path(p) for p in (pluginpath if isinstance(pluginpath, (list, tuple))
                                             else [pluginpath])]
        self.pythonpath = str(pythonpath)
        self.env = rpm_env(self.home)
        self.syslog_socket = self.path / "syslog.sock"
        if plugin_conf is not None:
            self.write_conf(plugin_conf)

    # -- configuration ------------------------------------------------------------

    def write_conf(self, text, name="rocm_notice.conf"):
        (self.confdir / name).write_text(text)

    def write_dropin(self, name, text):
        (self.confdir / "rocm_notice.d" / name).write_text(text)

    def use_repos(self, **repos):
        """Replace the enabled repositories: ``use_repos(epel=[Pkg, ...], other=[...])``;
        a value may also be the path of a ready repository (see ``forge_repo``)."""
        for old in self.reposdir.glob("*.repo"):
            old.unlink()
        for repoid, pkgs in repos.items():
            path = pkgs if isinstance(pkgs, Path) else build_repo(pkgs)
            (self.reposdir / ("%s.repo" % repoid)).write_text(
                "[%s]\nname=%s (test)\nbaseurl=file://%s\ngpgcheck=0\nenabled=1\n"
                % (repoid, repoid, path))

    # -- running ------------------------------------------------------------------

    def dnf_args(self, *args):
        return [DNF, "-c", str(self.path / "dnf.conf"), "--installroot", str(self.root),
                "--releasever", self.releasever,
                "--setopt=reposdir=%s" % self.reposdir,
                "--setopt=pluginpath=%s" % ",".join(str(p) for p in self.pluginpath),
                "--setopt=pluginconfpath=%s" % self.confdir] + list(args)

    def run_env(self, extra=None):
        # The system log the plugin writes to under the dnf API: the sandbox's own
        # socket (nothing listens unless a test binds it), never the host's /dev/log.
        env = dict(self.env, PYTHONPATH=self.pythonpath,
                   ROCM_NOTICE_SYSLOG_SOCKET=str(self.syslog_socket))
        env.update(extra or {})
        return env

    def dnf(self, *args, env=None, timeout=300):
        command = self.dnf_args(*args)
        result = subprocess.run(command, env=self.run_env(env), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                timeout=timeout)
        return Run(list(args), result.returncode, result.stdout, result.stderr)

    def installed(self):
        """{name: "version-release"} from the sandbox's rpmdb."""
        result = subprocess.run(
            ["rpm", "--root", str(self.root), "--dbpath", DBPATH, "-qa",
             "--qf", "%{NAME} %{VERSION}-%{RELEASE}\\n"],
            env=self.env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, check=True)
        return dict(line.split(" ", 1) for line in result.stdout.splitlines() if line)

    def install(self, *names):
        """Install ``names`` from the current repos with the plugin running; must succeed."""
        run = self.dnf("-y", "install", *names)
        if run.returncode != 0:
            raise AssertionError("set-up install failed:\n%s" % run)
        return run


AUTOMATIC_CONF = """[commands]
upgrade_type = default
random_sleep = 0
network_online_timeout = 0
download_updates = yes
apply_updates = yes

[emitters]
emit_via = stdio

[base]
reposdir = {reposdir}
pluginpath = {pluginpath}
pluginconfpath = {confdir}
gpgcheck = 0
best = True
"""


def run_automatic(sandbox, timeout=300):
    """The real dnf-automatic, applying updates in ``sandbox`` (see run_automatic.py)."""
    conf = sandbox.path / "automatic.conf"
    conf.write_text(AUTOMATIC_CONF.format(
        reposdir=sandbox.reposdir, confdir=sandbox.confdir,
        pluginpath=",".join(str(p) for p in sandbox.pluginpath)))
    script = Path(__file__).with_name("run_automatic.py")
    result = subprocess.run(
        ["/usr/bin/python3", str(script), str(sandbox.path / "dnf.conf"), str(sandbox.root),
         sandbox.releasever, str(conf)], env=sandbox.run_env(), stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout)
    return Run(["dnf-automatic", str(conf)], result.returncode, result.stdout, result.stderr)


def run_api(sandbox, *flags, timeout=300):
    """A plain dnf API program (no ``dnf.cli``) upgrading ``sandbox`` (see run_api.py)."""
    script = Path(__file__).with_name("run_api.py")
    result = subprocess.run(
        ["/usr/bin/python3", str(script), str(sandbox.path / "dnf.conf"), str(sandbox.root),
         sandbox.releasever, str(sandbox.reposdir),
         ",".join(str(p) for p in sandbox.pluginpath), str(sandbox.confdir)] + list(flags),
        env=sandbox.run_env(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, timeout=timeout)
    return Run(["run_api.py"] + list(flags), result.returncode, result.stdout, result.stderr)


LOADED_PROBE = """import atexit, sys
atexit.register(lambda: sys.stderr.write("LOADED %s\\n" % " ".join(sorted(
    name for name in sys.modules if name.startswith("rocm_notice")))))
from dnf.cli import main
main.user_main(sys.argv[1:], exit_code=True)
"""


def dnf_probed(sandbox, *args, timeout=300):
    """``sandbox.dnf(*args)`` as /usr/bin/dnf runs it, and which of our core modules the
    run loaded: (Run without the probe's line, set of module names)."""
    argv = ["/usr/bin/python3", "-c", LOADED_PROBE] + sandbox.dnf_args(*args)[1:]
    result = subprocess.run(argv, env=sandbox.run_env(), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            timeout=timeout)
    lines = result.stderr.splitlines(keepends=True)
    found = [line for line in lines if line.startswith("LOADED")]
    if len(found) != 1:
        raise AssertionError("the probe printed no module list:\n%s" % result.stderr[-3000:])
    stderr = "".join(line for line in lines if not line.startswith("LOADED"))
    return (Run(list(args), result.returncode, result.stdout, stderr),
            set(found[0].split()[1:]))


def dnf_log(sandbox):
    """The installroot's dnf.log (where dnf's logging goes under the API), or ""."""
    path = sandbox.root / "var" / "log" / "dnf.log"
    return path.read_text(errors="replace") if path.exists() else ""


VERSIONLOCK = "/usr/lib/python3/dist-packages/dnf-plugins/versionlock.py"


def with_versionlock(sandbox, tmp_path):
    """The real versionlock plugin (Debian's dnf-plugins-core) loaded beside ours."""
    if not os.path.exists(VERSIONLOCK):
        raise AssertionError("versionlock plugin missing at %s "
                             "(dnf-plugins-core; run 'make check')" % VERSIONLOCK)
    plugins = tmp_path / "versionlock-plugin"
    plugins.mkdir()
    (plugins / "versionlock.py").symlink_to(VERSIONLOCK)
    sandbox.pluginpath.append(plugins)
    locklist = sandbox.path / "versionlock.list"
    locklist.write_text("")            # as its package ships it: versionlock needs the file
    (sandbox.confdir / "versionlock.conf").write_text(
        "[main]\nenabled = 1\nlocklist = %s\n" % locklist)
    return locklist
