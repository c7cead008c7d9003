"""A cached Debian root run as a live system, with our files installed as the RPMs
install them: what the harnesses of front ends that need a whole system share
(PackageKit's daemons, tests/harness/packagekit.py; microdnf, tests/harness/microdnf.py;
dnf5 without ``--installroot``, tests/harness/dnf5.py).

A ``System`` is an overlay mount: its lower layers are builds made for the root (a
PackageKit or microdnf ``meson install`` tree, cached by ``cached_build``) over the
cached root itself; its upper layer is a temporary directory, so neither the cached root
nor a build is ever written. Our files go into the upper layer where the RPMs put them
(``install_core``, ``install_libdnf_front_end``, ``install``), the policy where the admin
writes it (/etc/dnf/plugins/rocm_notice.conf and rocm_notice.d/), the repositories in
/etc/yum.repos.d: as ``file://`` URLs, or served over HTTP from this process (``http``),
so that metadata is downloaded into the front end's cache as from a real mirror (a
``file://`` repository is read in place: its cache is never cold).

``start()`` mounts it all in a mount and PID namespace of its own (``unshare --mount
--pid --fork --kill-child``): /proc, a fresh /tmp, the fixture cache read-only at its own
path (``file://`` repositories and the RPMs ``reset`` installs); /dev/null, /dev/zero and
/dev/full made if the root lacks them. Commands enter with ``nsenter`` and ``chroot``
and an environment of their own (``env -i``); daemons likewise, their output captured to
a file. ``stop()`` kills the namespace's first process: every process in it dies, every
mount goes with it, and the temporary directory is removed.
"""

import hashlib
import http.server
import json
import os
import selectors
import shlex
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from tests.harness import roots
from tests.harness.fixtures import CACHE, CHECKOUT, CORE_PACKAGE, build_repo, build_rpm

# Where the RPMs put our files (Debian's multiarch paths: the roots are Debian's).
LIBDNF_PLUGINS = "/usr/lib/x86_64-linux-gnu/libdnf/plugins"      # libdnf's built-in dir
HELPER = "/usr/libexec/rocm-epel-notice/rocm-epel-notice-helper"  # compiled in
NAMES = "/usr/share/rocm-epel-notice/names"                 # compiled in
SITE = "/usr/lib/python3/dist-packages"
CONFDIR = "/etc/dnf/plugins"
REPOSDIR = "/etc/yum.repos.d"
REPORT = "/var/lib/rocm-epel-notice/last.json"
ENV = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
       "LANG=C.UTF-8", "HOME=/root"]
WAIT = 60                  # seconds for the namespace, or a daemon, to be ready
DEVICES = {"null": (1, 3), "zero": (1, 5), "full": (1, 7)}
BUILD_TIMEOUT = 1800


class SystemSetupError(RuntimeError):
    """A system (or a build for it) cannot be set up or run; the message says why."""


@dataclass
class Run:
    args: list
    returncode: object     # the exit status, or "timeout after N s"
    stdout: str            # with ``merge``: stdout and stderr in the order they came
    stderr: str = ""
    merged: bool = False

    @property
    def output(self):
        """Everything the command printed (stdout, then stderr unless merged)."""
        return self.stdout + self.stderr

    def __str__(self):
        head = "%s -> %s\n" % (" ".join(map(str, self.args)), self.returncode)
        if self.merged:
            return head + self.stdout
        return head + "--- stdout\n%s--- stderr\n%s" % (self.stdout, self.stderr)


# -- builds for a root, and our libdnf plugin ------------------------------------------

def cached_build(root, cache, what, script, key_parts=(), binds=(), hint=""):
    """The directory of a build made once in ``root`` by ``script`` (run by /bin/sh), then
    cached as ``cache/KEY``, KEY a digest of the root's name, ``key_parts`` and the
    script. The script has a scratch directory at /tmp/build and puts what it makes in
    /tmp/out (the cached directory); ``binds`` as ``roots.run_in_root`` takes them. A
    failure raises ``SystemSetupError`` with the tail of the build's log (``hint`` says
    what the build needs)."""
    digest = hashlib.sha256()
    for part in (root.name,) + tuple(key_parts) + (script,):
        digest.update(part.encode() + b"\0")
    key = digest.hexdigest()[:16]
    target = Path(cache) / key
    if target.is_dir():
        return target
    Path(cache).mkdir(parents=True, exist_ok=True)
    log_path = Path(cache) / (key + ".log")
    staging = Path(tempfile.mkdtemp(prefix=key + ".building-", dir=cache))
    work = Path(tempfile.mkdtemp(prefix="rocm-notice-build-"))
    try:
        with open(log_path, "w") as log:
            try:
                code = roots.run_in_root(
                    root, ["/bin/sh", "-c", script],
                    binds=[(str(work), "/tmp/build"), (str(staging), "/tmp/out")] + list(binds),
                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                    timeout=BUILD_TIMEOUT).returncode
            except subprocess.TimeoutExpired:
                code = "timeout after %d s" % BUILD_TIMEOUT
        if code != 0:
            tail = "".join(log_path.read_text(errors="replace").splitlines(True)[-15:])
            raise SystemSetupError("building %s in %s failed (exit %s%s); last lines of "
                                   "%s:\n%s" % (what, root, code, hint and "; " + hint,
                                                log_path, tail))
        try:
            os.rename(staging, target)
        except OSError:          # built meanwhile by another run: theirs is as good
            if not target.is_dir():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)
    return target


def libdnf_plugin(root):
    """Our libdnf plugin, built for the root's libdnf (``plugin_built_in``)."""
    return plugin_built_in(root, "libdnf", "libdnf-plugin")


def plugin_built_in(root, library, directory):
    """A plugin of ours for the root's ``library`` (libdnf, libdnf5), built by the
    Makefile's rule inside the root (as ``make libdnf-plugin`` or ``make dnf5-plugin``
    does on that platform; make rebuilds it only when its source changed): its path
    under build/``directory``/."""
    version = _checked(roots.run_in_root(root, ["pkg-config", "--modversion", library],
                                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                         text=True, timeout=60)).strip()
    target = "build/%s/%s-%s/rocm_notice.so" % (directory, library, version)
    _checked(roots.run_in_root(root, ["make", "-s", "-C", str(CHECKOUT), target],
                               binds=[str(CHECKOUT)], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, timeout=600))
    return CHECKOUT / target


def _checked(result):
    if result.returncode != 0:
        raise SystemSetupError("%s failed (exit %d): %s" % (
            " ".join(map(str, result.args[-3:])), result.returncode, result.stdout[-2000:]))
    return result.stdout


# -- repositories over HTTP ---------------------------------------------------------------

class RepoServer:
    """The fixture cache served over HTTP on 127.0.0.1 (a free port), by a thread of this
    process: the namespaces share the host's network. ``requests`` lists the paths asked
    for, in order."""

    def __init__(self, directory):
        self.directory = Path(directory).resolve()
        self.requests = []
        server = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, directory=str(server.directory), **kwargs)

            def do_GET(self):
                server.requests.append(self.path)
                super().do_GET()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path):
        return "http://127.0.0.1:%d/%s/" % (self.httpd.server_address[1],
                                           Path(path).resolve().relative_to(self.directory))

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(10)


# -- the system --------------------------------------------------------------------------

class System:
    """A cached root run as a live system with our files (see the module doc). Use as a
    context manager; ``stop()`` is safe to call twice.

    ``layers``: lower directories laid over the root (first is top-most);
    ``repo_options``: lines added to every repository's section; ``http``: serve the
    repositories over HTTP; ``caches``: what ``reset`` deletes besides the rpmdb and our
    report (the front end's caches and logs, as paths inside)."""

    def __init__(self, root, layers=(), repo_options="", http=False, caches=(),
                 prefix="rocm-notice-system-"):
        self.root = Path(root)
        self.layers = [Path(layer) for layer in layers]
        self.repo_options, self.caches = repo_options, list(caches)
        self.server = RepoServer(CACHE) if http else None
        self.dir = Path(tempfile.mkdtemp(prefix=prefix))
        self.upper, self.work, self.merged = (self.dir / n for n in ("upper", "work", "merged"))
        for directory in (self.upper, self.work, self.merged):
            directory.mkdir()
        self.logs = self.dir / "logs"
        self.logs.mkdir()
        self.holder = self.pid = None
        self.daemons = {}
        for directory in (CONFDIR + "/rocm_notice.d", REPOSDIR):
            self.path(directory).mkdir(parents=True, exist_ok=True)

    # -- what the RPMs and the admin put in place ----------------------------------------

    def path(self, inside):
        """The host path of a file inside the system. Once it is mounted, through the
        namespace's view of it (``/proc/PID/root``): overlayfs does not see changes made
        behind its back in its upper layer (a replaced file keeps its old content)."""
        if self.pid is None:
            return self.upper / inside.lstrip("/")
        return Path("/proc/%d/root%s" % (self.pid, self.merged)) / inside.lstrip("/")

    def install(self, source, inside, mode=None):
        """Copy a file (or a directory tree, without __pycache__) to ``inside``."""
        target = self.path(inside)
        target.parent.mkdir(parents=True, exist_ok=True)
        if Path(source).is_dir():
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target)
        if mode is not None:
            os.chmod(target, mode)
        return target

    def write_file(self, inside, text, mode=None):
        target = self.path(inside)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        if mode is not None:
            os.chmod(target, mode)
        return target

    def install_core(self):
        """The core package, where the RPM puts it (the root's Python finds it there)."""
        self.install(CHECKOUT / CORE_PACKAGE, SITE + "/" + CORE_PACKAGE)

    def install_libdnf_front_end(self, plugin):
        """What the main package, rocm-epel-notice, installs: the plugin (``plugin``, built for
        the root's libdnf) in libdnf's built-in plugin directory, the helper, the core."""
        self.install(plugin, LIBDNF_PLUGINS + "/rocm_notice.so", 0o755)
        from rocm_notice.frontends.native import names     # as the spec's %build writes it
        self.install_helper(names.text())
        self.install_core()

    def install_helper(self, names_text):
        """What both native plugins run and read: the helper, and the names file
        (``names_text``)."""
        self.install(CHECKOUT / "native" / "rocm-epel-notice-helper", HELPER, 0o755)
        target = self.path(NAMES)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(names_text)

    def write_conf(self, text):
        """The policy: rocm_notice.conf, and no drop-ins."""
        confdir = self.path(CONFDIR)
        (confdir / "rocm_notice.conf").write_text(text)
        for dropin in (confdir / "rocm_notice.d").iterdir():
            dropin.unlink()

    def write_dropin(self, name, text):
        self.path(CONFDIR + "/rocm_notice.d/" + name).write_text(text)

    def use_repos(self, **repos):
        """Replace the repositories: ``use_repos(epel=[Pkg, ...])``."""
        reposdir = self.path(REPOSDIR)
        for old in reposdir.glob("*.repo"):
            old.unlink()
        for repoid, pkgs in repos.items():
            repo = Path(build_repo(pkgs)).resolve()
            url = self.server.url(repo) if self.server else "file://%s" % repo
            (reposdir / ("%s.repo" % repoid)).write_text(
                "[%s]\nname=%s (test)\nbaseurl=%s\ngpgcheck=0\nenabled=1\n%s"
                % (repoid, repoid, url, self.repo_options))

    def report(self):
        path = self.path(REPORT)
        return json.loads(path.read_text()) if path.exists() else None

    def clear_report(self):
        self.path(REPORT).unlink(missing_ok=True)

    # -- the namespaces --------------------------------------------------------------------

    def start(self):
        """Mount everything and start what the system runs (``started``); on any
        failure, undo it all and raise."""
        try:
            self._mount()
            self.started()
            return self
        except BaseException:
            self.stop()
            raise

    def started(self):
        """Called once the system is mounted: what a subclass starts in it."""

    def _mount(self):
        lowers = ":".join(str(layer) for layer in self.layers + [self.root])
        cache = Path(CACHE).resolve()
        cache.mkdir(parents=True, exist_ok=True)
        merged = shlex.quote(str(self.merged))
        lines = [
            "set -eu",
            "mount -t overlay overlay -o %s %s" % (shlex.quote(
                "lowerdir=%s,upperdir=%s,workdir=%s" % (lowers, self.upper, self.work)),
                merged),
            "mount -t proc proc %s/proc" % merged,
            "mount -t tmpfs tmpfs %s/tmp" % merged,
            "mkdir -p %s%s" % (merged, shlex.quote(str(cache))),
            "mount --bind %s %s%s" % (shlex.quote(str(cache)), merged, shlex.quote(str(cache))),
            "mount -o remount,bind,ro %s%s" % (merged, shlex.quote(str(cache)))]
        for name, (major, minor) in DEVICES.items():
            device = "%s/dev/%s" % (merged, name)
            lines.append("[ -c %s ] || { rm -f %s; mknod -m 666 %s c %d %d; }"
                         % (device, device, device, major, minor))
        lines += ["echo ready", "exec sleep 86400"]
        self.holder = subprocess.Popen(
            ["unshare", "--mount", "--propagation", "private", "--pid", "--fork",
             "--kill-child", "--", "/bin/sh", "-c", "\n".join(lines)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, start_new_session=True)
        line = _readline(self.holder.stdout, WAIT)
        if line.strip() != "ready":
            rest = "" if self.holder.poll() is None else self.holder.stdout.read()
            raise SystemSetupError("cannot set the system up on %s: %s%s"
                                   % (self.root, line, rest))
        self.pid = _children(self.holder.pid)[0]      # the PID namespace's first process

    def _enter(self, argv):
        return ["nsenter", "--target", str(self.pid), "--mount", "--pid", "--",
                "chroot", str(self.merged), "/usr/bin/env", "-i"] + ENV + list(argv)

    def run(self, argv, timeout=300, merge=False, stdin=None):
        """A command inside the system: a ``Run``. ``merge``: its stderr into its stdout
        (the order a user sees); ``stdin``: text for its standard input (else none)."""
        try:
            result = subprocess.run(
                self._enter(argv), input=stdin if stdin is not None else "",
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT if merge else subprocess.PIPE,
                text=True, timeout=timeout, start_new_session=True)
        except subprocess.TimeoutExpired as expired:
            return Run(list(argv), "timeout after %d s" % timeout, _text(expired.output),
                       _text(expired.stderr), merge)
        return Run(list(argv), result.returncode, result.stdout, result.stderr or "", merge)

    def shell(self, script, *args, **kwargs):
        """``/bin/sh -c script sh args...`` inside the system (``run``'s keywords)."""
        return self.run(["/bin/sh", "-c", script, "sh"] + list(args), **kwargs)

    # -- daemons ------------------------------------------------------------------------------

    def start_daemon(self, name, argv):
        """Start ``name`` in the background; its log file starts afresh with it."""
        with open(self.logs / (name + ".log"), "w") as log:
            self.daemons[name] = subprocess.Popen(
                self._enter(argv), stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True)

    def daemon_log(self, name):
        path = self.logs / (name + ".log")
        return path.read_text(errors="replace") if path.exists() else ""

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

    def wait_for(self, ready, name):
        """Wait until ``ready()`` (polled), while daemon ``name`` runs: at most WAIT s."""
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            if ready():
                return
            process = self.daemons.get(name)
            if process is not None and process.poll() is not None:
                break
            time.sleep(0.1)
        raise SystemSetupError("%s did not start (within %d s); its log:\n%s"
                               % (name, WAIT, self.daemon_log(name)[-3000:]))

    # -- the rpm database -------------------------------------------------------------------

    def installed(self):
        """{name: "version-release"} from the system's rpmdb."""
        return dict(line.split(" ", 1) for line in
                    self._rpm_query("%{NAME} %{VERSION}-%{RELEASE}\\n").splitlines() if line)

    def rpmdb(self):
        """Every installed package's NEVRA and installation transaction, sorted: equal
        before and after a command only if it changed nothing."""
        return sorted(self._rpm_query("%{NEVRA} %{INSTALLTID}\\n").splitlines())

    def _rpm_query(self, queryformat):
        run = self.run(["rpm", "-qa", "--qf", queryformat], timeout=60)
        if run.returncode != 0:
            raise SystemSetupError("rpm -qa failed:\n%s" % run)
        return run.stdout

    def reset(self, pkgs):
        """An rpmdb with exactly ``pkgs`` (installed by rpm from their fixture RPMs); the
        front end's caches (``caches``) and our report gone."""
        files = [str(Path(build_rpm(pkg)).resolve()) for pkg in pkgs]
        forget = " ".join(shlex.quote(path) for path in
                          self.caches + [os.path.dirname(REPORT)])
        script = ('rm -rf "$(rpm --eval %%_dbpath)" %s && rpm --initdb && '
                  '{ [ $# -eq 0 ] || rpm -i --nosignature "$@"; }' % forget)
        run = self.shell(script, *files, timeout=120, merge=True)
        if run.returncode != 0:
            raise SystemSetupError("resetting the rpmdb failed: %s" % run)

    # -- the end --------------------------------------------------------------------------------

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
        if self.server is not None:
            self.server.close()
            self.server = None
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def _text(output):
    if isinstance(output, bytes):
        return output.decode(errors="replace")
    return output or ""


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
    with selectors.DefaultSelector() as selector:
        selector.register(stream, selectors.EVENT_READ)
        if not selector.select(timeout):
            return ""
    return stream.readline()
