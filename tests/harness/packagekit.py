"""Real PackageKit (packagekitd with its dnf backend) in a Debian 13 root, with our libdnf
plugin installed as the RPM installs it: for tests/e2e/test_packagekit.py.

Debian ships PackageKit without its dnf backend, so it is built here from Debian 13's own
source package (``apt-get source packagekit``: 1.3.1) against Debian 13's libdnf 0.74, as
the shared design notes (section 7) describe: in the Debian 13 test platform's root,
whose package list carries the build dependencies (``platforms.PACKAGEKIT_EXTRAS``), the
one block of ``backends/dnf/meson.build`` that needs libdnf5 removed, optional parts off;
``meson install`` into ``.cache/packagekit/KEY/tree``, KEY a digest of the root's name
and this recipe (``VERSION`` beside it records the Debian version built): about a minute,
once. Our plugin is built for that root's libdnf inside it, by the Makefile's rule.

A ``Session`` runs the daemons: the root, with the PackageKit build and our files
(plugin, helper, core, policy, repositories) layered over it by an overlay mount whose
upper layer is a temporary directory, so the cached root and build are never written;
in a mount and PID namespace of its own (``unshare --pid --fork --kill-child``): killing
its first process ends every daemon in it, and every mount disappears with it. In there:
a private system bus, polkitd (with a rule letting root do PackageKit's actions: there
is no logind session) and ``packagekitd --backend=dnf``, whose stderr (the journal, on a
real system) is captured to a file. Commands (``pkcon``, ``rpm``) enter the namespaces
with ``nsenter`` and ``chroot``. packagekitd clears its environment and sets its libdnf
context up once, when it starts, so the policy comes from files and each case restarts
packagekitd after writing them.
"""

import hashlib
import os
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tests.harness import platforms, roots
from tests.harness.fixtures import CACHE, CHECKOUT, build_repo, build_rpm

ROOT_PLATFORM = "debian13"     # the Debian 13 test platform's root, PackageKit's deps included
BUILD_CACHE = CHECKOUT / ".cache" / "packagekit"
BUILD_TIMEOUT = 1800
WAIT = 60                  # seconds for a daemon to appear on the bus
ENV = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
       "LANG=C.UTF-8", "HOME=/root"]

# Built as section 7 says; everything optional off, so the build needs only what
# platforms.PACKAGEKIT_EXTRAS adds to the root.
BUILD_SCRIPT = r"""
set -eu
# apt's lists and caches under /tmp/build (bound from the host, like /tmp/out): nothing
# is written in the cached root
cd /tmp/build
mkdir -p parts lists/partial cache/archives/partial
sed -n 's/^deb /deb-src /p' /etc/apt/sources.list > src.list
set -- -o Dir::Etc::SourceList=/tmp/build/src.list \
    -o Dir::Etc::SourceParts=/tmp/build/parts \
    -o Dir::State::Lists=/tmp/build/lists -o Dir::Cache=/tmp/build/cache
apt-get -q "$@" update
apt-get -q "$@" source packagekit
cd packagekit-*/
dpkg-parsechangelog -S Version > /tmp/out/VERSION
python3 - backends/dnf/meson.build <<'EOF'
import re, sys
path = sys.argv[1]
text = open(path).read()
# the libdnf5 plugin (notify_packagekit.cpp) and what only it needs
text = re.sub(r"^(dnf5_dep|libdnf5_version|sdbus_cpp_dep|sdbus_cpp_version) = .*\n", "",
              text, flags=re.M)
start = text.index("add_languages('cpp'")
end = text.index("shared_module(\n  'pk_backend_dnf'")
text = text[:start] + text[end:]
if "dnf5" in text or "sdbus" in text:
    sys.exit("backends/dnf/meson.build still needs libdnf5 after the edit")
open(path, "w").write(text)
EOF
meson setup _b --prefix=/usr --sysconfdir=/etc --localstatedir=/var \
    --libdir=lib/x86_64-linux-gnu -Dpackaging_backend=dnf -Dsystemd=false \
    -Doffline_update=false -Dgobject_introspection=false -Dman_pages=false \
    -Dbash_completion=false -Dbash_command_not_found=false -Dgstreamer_plugin=false \
    -Dgtk_module=false -Dcron=false -Dpython_backend=false -Ddaemon_tests=false
ninja -C _b -j 2
DESTDIR=/tmp/out/tree meson install -C _b --no-rebuild
"""

POLKIT_RULE = """// rocm-epel-notice tests: root may use PackageKit without a logind session
polkit.addRule(function(action, subject) {
    if (action.id.indexOf("org.freedesktop.packagekit.") == 0 && subject.user == "root")
        return polkit.Result.YES;
});
"""
LIBDNF_PLUGINS = "/usr/lib/x86_64-linux-gnu/libdnf/plugins"      # libdnf's built-in dir
HELPER = "/usr/libexec/rocm-epel-notice/rocm-epel-notice-libdnf"    # compiled into the plugin
SITE = "/usr/lib/python3/dist-packages"


class PackageKitError(RuntimeError):
    """PackageKit cannot be built or run; the message says why."""


def packagekit_root():
    """The cached Debian 13 root, the one the debian13 test platform runs in: its
    package list has PackageKit's build dependencies (platforms.PACKAGEKIT_EXTRAS).
    Built on first use; while 'make check' builds it for that platform, this waits."""
    return platforms.PLATFORMS[ROOT_PLATFORM].prepare()


def packagekit_build(root):
    """The directory of PackageKit's ``meson install`` tree (built on first use)."""
    key = hashlib.sha256((root.name + "\0" + BUILD_SCRIPT).encode()).hexdigest()[:16]
    target = BUILD_CACHE / key
    if (target / "VERSION").exists():
        return target
    BUILD_CACHE.mkdir(parents=True, exist_ok=True)
    log_path = BUILD_CACHE / (key + ".log")
    staging = Path(tempfile.mkdtemp(prefix=key + ".building-", dir=BUILD_CACHE))
    work = Path(tempfile.mkdtemp(prefix="rocm-notice-pk-build-"))
    try:
        with open(log_path, "w") as log:
            try:
                code = roots.run_in_root(
                    root, ["/bin/sh", "-c", BUILD_SCRIPT],
                    binds=[(str(work), "/tmp/build"), (str(staging), "/tmp/out")],
                    stdin=subprocess.DEVNULL, stdout=log,
                    stderr=subprocess.STDOUT, timeout=BUILD_TIMEOUT).returncode
            except subprocess.TimeoutExpired:
                code = "timeout after %d s" % BUILD_TIMEOUT
        if code != 0:
            tail = "".join(log_path.read_text(errors="replace").splitlines(True)[-15:])
            raise PackageKitError("building PackageKit in the Debian 13 root failed (exit "
                                  "%s; apt-get source needs a Debian mirror); last lines "
                                  "of %s:\n%s" % (code, log_path, tail))
        if target.exists():
            shutil.rmtree(target)
        os.rename(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)
    return target


def plugin(root):
    """Our plugin, built for the root's libdnf by the Makefile's rule, inside the root
    (as ``make libdnf-plugin`` does on that platform): the path under build/."""
    version = _checked(roots.run_in_root(root, ["pkg-config", "--modversion", "libdnf"],
                                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                         text=True, timeout=60)).strip()
    target = "build/libdnf-plugin/libdnf-%s/rocm_notice.so" % version
    _checked(roots.run_in_root(root, ["make", "-s", "-C", str(CHECKOUT), target],
                               binds=[str(CHECKOUT)], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, timeout=600))
    return CHECKOUT / target


def _checked(result):
    if result.returncode != 0:
        raise PackageKitError("%s failed (exit %d): %s" % (
            " ".join(map(str, result.args[-3:])), result.returncode, result.stdout[-2000:]))
    return result.stdout


@dataclass
class Run:
    args: list
    returncode: int
    output: str        # pkcon's stdout and stderr, as a user sees them

    def __str__(self):
        return "pkcon %s -> %d\n%s" % (" ".join(self.args), self.returncode, self.output)


class Session:
    """packagekitd in the Debian 13 root, with our plugin, helper and core installed
    (see the module doc). Use as a context manager; ``stop()`` is safe to call twice."""

    def __init__(self):
        self.root = packagekitd_root = packagekit_root()
        self.build = packagekit_build(packagekitd_root)
        self.plugin = plugin(packagekitd_root)
        self.dir = Path(tempfile.mkdtemp(prefix="rocm-notice-pk-"))
        self.upper, self.work, self.merged = (self.dir / n for n in ("upper", "work", "merged"))
        for directory in (self.upper, self.work, self.merged):
            directory.mkdir()
        self.logs = self.dir / "logs"
        self.logs.mkdir()
        self.holder = self.pid = None
        self.daemons = {}
        self._install_ours()

    # -- what the RPM and the admin put in place ------------------------------------

    def _install_ours(self):
        upper = self.upper
        plugins = upper / LIBDNF_PLUGINS.lstrip("/")
        plugins.mkdir(parents=True)
        shutil.copy2(self.plugin, plugins / "rocm_notice.so")
        helper = upper / HELPER.lstrip("/")
        helper.parent.mkdir(parents=True)
        shutil.copy2(CHECKOUT / "libdnf-plugin" / "rocm-epel-notice-libdnf", helper)
        shutil.copytree(CHECKOUT / "rocm_epel_notice",
                        upper / SITE.lstrip("/") / "rocm_epel_notice",
                        ignore=shutil.ignore_patterns("__pycache__"))
        rules = upper / "etc" / "polkit-1" / "rules.d"
        rules.mkdir(parents=True)
        (rules / "00-rocm-notice-tests.rules").write_text(POLKIT_RULE)
        for directory in ("etc/dnf/plugins/rocm_notice.d", "etc/yum.repos.d", "run/dbus"):
            (upper / directory).mkdir(parents=True, exist_ok=True)

    def path(self, inside):
        """The host path of a file inside the root. Once the overlay is mounted, through
        the namespace's view of it (``/proc/PID/root``): overlayfs does not see changes
        made behind its back in its upper layer (a replaced file keeps its old content)."""
        if self.pid is None:
            return self.upper / inside.lstrip("/")
        return Path("/proc/%d/root%s" % (self.pid, self.merged)) / inside.lstrip("/")

    def write_conf(self, text):
        confdir = self.path("/etc/dnf/plugins")
        (confdir / "rocm_notice.conf").write_text(text)
        for dropin in (confdir / "rocm_notice.d").iterdir():
            dropin.unlink()

    def write_dropin(self, name, text):
        self.path("/etc/dnf/plugins/rocm_notice.d/" + name).write_text(text)

    def use_repos(self, **repos):
        """Replace the repositories: ``use_repos(epel=[Pkg, ...])`` (the id ``local``
        means a package file to the dnf backend: never use it)."""
        reposdir = self.path("/etc/yum.repos.d")
        for old in reposdir.glob("*.repo"):
            old.unlink()
        for repoid, pkgs in repos.items():
            assert repoid != "local", "PackageKit's dnf backend reserves the repo id local"
            (reposdir / ("%s.repo" % repoid)).write_text(
                "[%s]\nname=%s (test)\nbaseurl=file://%s\ngpgcheck=0\nenabled=1\n"
                "metadata_expire=0\n" % (repoid, repoid, Path(build_repo(pkgs)).resolve()))

    def report(self):
        import json
        path = self.path("/var/lib/rocm-epel-notice/last.json")
        return json.loads(path.read_text()) if path.exists() else None

    def clear_report(self):
        self.path("/var/lib/rocm-epel-notice/last.json").unlink(missing_ok=True)

    # -- the namespaces and the daemons ------------------------------------------------

    def start(self):
        """Mount and start everything; on any failure, undo it all and raise."""
        try:
            return self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self):
        lowers = "%s:%s" % (self.build / "tree", self.root)
        cache = Path(CACHE).resolve()
        cache.mkdir(parents=True, exist_ok=True)
        merged = shlex.quote(str(self.merged))
        script = "\n".join([
            "set -eu",
            "mount -t overlay overlay -o %s %s" % (shlex.quote(
                "lowerdir=%s,upperdir=%s,workdir=%s" % (lowers, self.upper, self.work)),
                merged),
            "mount -t proc proc %s/proc" % merged,
            "mount -t tmpfs tmpfs %s/tmp" % merged,
            "mkdir -p %s%s" % (merged, shlex.quote(str(cache))),
            "mount --bind %s %s%s" % (shlex.quote(str(cache)), merged, shlex.quote(str(cache))),
            "mount -o remount,bind,ro %s%s" % (merged, shlex.quote(str(cache))),
            "echo ready",
            "exec sleep 86400"])
        self.holder = subprocess.Popen(
            ["unshare", "--mount", "--propagation", "private", "--pid", "--fork",
             "--kill-child", "--", "/bin/sh", "-c", script],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, start_new_session=True)
        line = _readline(self.holder.stdout, WAIT)
        if line.strip() != "ready":
            rest = "" if self.holder.poll() is None else self.holder.stdout.read()
            raise PackageKitError("cannot set the PackageKit root up: %s%s" % (line, rest))
        self.pid = _children(self.holder.pid)[0]      # the PID namespace's first process
        self._daemon("dbus", ["dbus-daemon", "--system", "--nofork", "--nopidfile"])
        self._wait_for(lambda: self.path("/run/dbus/system_bus_socket").is_socket(), "dbus")
        self._daemon("polkitd", ["/usr/lib/polkit-1/polkitd", "--no-debug"])
        self._wait_for_name("org.freedesktop.PolicyKit1", "polkitd")
        return self

    def start_packagekitd(self):
        """(Re)start packagekitd: it sets its libdnf context up (our CONF hook) now."""
        self.stop_daemon("packagekitd")
        self._daemon("packagekitd", ["/usr/libexec/packagekitd", "--backend=dnf",
                                     "--disable-timer"])
        self._wait_for_name("org.freedesktop.PackageKit", "packagekitd")

    @property
    def daemon(self):
        """The running packagekitd (its nsenter process)."""
        return self.daemons["packagekitd"]

    def daemon_log(self, name="packagekitd"):
        path = self.logs / (name + ".log")
        return path.read_text(errors="replace") if path.exists() else ""

    def _enter(self, argv):
        return ["nsenter", "--target", str(self.pid), "--mount", "--pid", "--",
                "chroot", str(self.merged), "/usr/bin/env", "-i"] + ENV + list(argv)

    def _daemon(self, name, argv):
        """Start ``name``; its log file starts afresh with it."""
        with open(self.logs / (name + ".log"), "w") as log:
            self.daemons[name] = subprocess.Popen(
                self._enter(argv), stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True)

    def stop_daemon(self, name, timeout=20):
        """Stop a daemon: SIGTERM to it (nsenter's child), which nsenter reaps before it
        exits itself; after ``timeout`` seconds, SIGKILL to the whole group."""
        process = self.daemons.pop(name, None)
        if process is None or process.poll() is not None:
            return
        for pid in _children(process.pid) or [process.pid]:
            _signal(pid, signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            _signal(-process.pid, signal.SIGKILL)
            _wait(process, 10)

    def _wait_for(self, ready, name):
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            if ready():
                return
            process = self.daemons.get(name)
            if process is not None and process.poll() is not None:
                break
            time.sleep(0.1)
        raise PackageKitError("%s did not start (within %d s); its log:\n%s"
                              % (name, WAIT, self.daemon_log(name)[-3000:]))

    def _wait_for_name(self, bus_name, name):
        def owned():
            result = self.run(["dbus-send", "--system", "--print-reply",
                               "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus",
                               "org.freedesktop.DBus.NameHasOwner", "string:" + bus_name],
                              timeout=10)
            return "boolean true" in result.output
        self._wait_for(owned, name)

    def run(self, argv, timeout=300):
        """A command inside the root: (returncode, stdout+stderr)."""
        try:
            result = subprocess.run(self._enter(argv), stdin=subprocess.DEVNULL,
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                    text=True, timeout=timeout, start_new_session=True)
        except subprocess.TimeoutExpired as expired:
            return Run(list(argv), "timeout after %d s" % timeout,
                       (expired.output or b"").decode(errors="replace")
                       if isinstance(expired.output, bytes) else (expired.output or ""))
        return Run(list(argv), result.returncode, result.stdout)

    def pkcon(self, *args, timeout=300):
        run = self.run(["pkcon", "--plain"] + list(args), timeout=timeout)
        run.args = list(args)
        return run

    # -- the rpm database -------------------------------------------------------------

    def installed(self):
        """{name: "version-release"} from the root's rpmdb."""
        run = self.run(["rpm", "-qa", "--qf", "%{NAME} %{VERSION}-%{RELEASE}\\n"], timeout=60)
        if run.returncode != 0:
            raise PackageKitError("rpm -qa failed: %s" % run.output)
        return dict(line.split(" ", 1) for line in run.output.splitlines() if line)

    def reset(self, pkgs):
        """packagekitd stopped, an rpmdb with exactly ``pkgs`` (installed by rpm from
        their fixture RPMs), PackageKit's caches and our report gone."""
        self.stop_daemon("packagekitd")
        files = [str(Path(build_rpm(pkg)).resolve()) for pkg in pkgs]
        script = ("rm -rf /var/lib/rpm /var/cache/PackageKit /var/lib/rocm-epel-notice && "
                  "rpm --initdb && { [ $# -eq 0 ] || rpm -i --nosignature \"$@\"; }")
        run = self.run(["/bin/sh", "-c", script, "reset"] + files, timeout=120)
        if run.returncode != 0:
            raise PackageKitError("resetting the rpmdb failed: %s" % run.output)

    def stop(self):
        """Stop the daemons, then end the namespaces: SIGKILL to the PID namespace's first
        process ends every process in it (the kernel kills and reaps them), and unshare,
        its parent, exits; the mounts go with the mount namespace."""
        for name in list(self.daemons):
            self.stop_daemon(name)
        if self.holder is not None:
            if self.pid is not None:
                _signal(self.pid, signal.SIGKILL)
            if not _wait(self.holder, 20):
                _signal(-self.holder.pid, signal.SIGKILL)
                _wait(self.holder, 10)
            self.holder.stdout.close()
            self.holder = self.pid = None
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def _children(pid):
    try:
        return [int(child) for child in
                Path("/proc/%d/task/%d/children" % (pid, pid)).read_text().split()]
    except OSError:
        return []


def _signal(pid, sig):
    """``os.kill``, or ``os.killpg`` for a negative pid; gone already is fine."""
    try:
        if pid < 0:
            os.killpg(-pid, sig)
        else:
            os.kill(pid, sig)
    except ProcessLookupError:
        pass


def _wait(process, timeout):
    """True if ``process`` ended within ``timeout`` seconds."""
    try:
        process.wait(timeout)
        return True
    except subprocess.TimeoutExpired:
        return False


def _readline(stream, timeout):
    """One line from a pipe, or "" after ``timeout`` seconds."""
    import selectors
    with selectors.DefaultSelector() as selector:
        selector.register(stream, selectors.EVENT_READ)
        if not selector.select(timeout):
            return ""
    return stream.readline()
