"""Real PackageKit (packagekitd with its dnf backend) in a Debian 13 root, with our libdnf
plugin installed as the RPM installs it: for tests/e2e/test_packagekit.py.

Debian ships PackageKit without its dnf backend, so it is built here from Debian 13's own
source package (``apt-get source packagekit``: 1.3.1) against Debian 13's libdnf 0.74, as
the shared design notes (section 7) describe: in the Debian 13 test platform's root,
whose package list carries the build dependencies (``platforms.FRONT_END_EXTRAS``), the
one block of ``backends/dnf/meson.build`` that needs libdnf5 removed, optional parts off;
``meson install`` into ``roots.MACHINE_CACHE/packagekit/KEY/tree``, KEY a digest of the
root's name and this recipe (``VERSION`` beside it records the Debian version built):
about a minute, once (``system.cached_build``). Our plugin is built for that root's
libdnf inside it, by the Makefile's rule (``system.libdnf_plugin``).

A ``Session`` is that root run as a live system (``system.System``: an overlay whose upper
layer is a temporary directory, in a mount and PID namespace of its own) with the
PackageKit build and our files (plugin, helper, core, policy, repositories) layered over
it. In there: a private system bus, polkitd (with a rule letting root do PackageKit's
actions: there is no logind session) and ``packagekitd --backend=dnf``, whose stderr (the
journal, on a real system) is captured to a file. packagekitd clears its environment and
sets its libdnf context up once, when it starts, so the policy comes from files and each
case restarts packagekitd after writing them.
"""

from tests.harness import platforms, roots
from tests.harness.fixtures import CHECKOUT
from tests.harness.system import System, SystemSetupError, cached_build, libdnf_plugin

ROOT_PLATFORM = "debian13"     # the Debian 13 test platform's root, PackageKit's deps included
BUILD_CACHE = roots.MACHINE_CACHE / "packagekit"      # beside the root it is built for

# Built as section 7 says; everything optional off, so the build needs only what
# platforms.FRONT_END_EXTRAS adds to the root.
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


class PackageKitError(SystemSetupError):
    """PackageKit cannot be built or run; the message says why."""


def packagekit_root():
    """The cached Debian 13 root, the one the debian13 test platform runs in: its
    package list has PackageKit's build dependencies (platforms.FRONT_END_EXTRAS).
    Built on first use; while 'make check' builds it for that platform, this waits."""
    return platforms.PLATFORMS[ROOT_PLATFORM].prepare()


def packagekit_build(root):
    """The directory of PackageKit's build: ``tree`` (``meson install``), ``VERSION``."""
    return cached_build(root, BUILD_CACHE, "PackageKit", BUILD_SCRIPT,
                        hint="apt-get source needs a Debian mirror")


class Daemon(System):
    """A root run as a live system with a private system bus, polkitd and packagekitd
    (its ``BACKEND``), driven by pkcon: what both PackageKit harnesses share (this one's
    dnf backend, packagekit_dnf5's dnf5 backend). Use as a context manager; ``stop()``
    is safe to call twice."""

    BACKEND = "dnf"

    def started(self):
        """The system bus and polkitd, once the system is mounted."""
        self.start_daemon("dbus", ["dbus-daemon", "--system", "--nofork", "--nopidfile"])
        self.wait_for(lambda: self.path("/run/dbus/system_bus_socket").is_socket(), "dbus")
        self.start_daemon("polkitd", ["/usr/lib/polkit-1/polkitd", "--no-debug"])
        self._wait_for_name("org.freedesktop.PolicyKit1", "polkitd")

    def start_packagekitd(self):
        """(Re)start packagekitd: its backend sets its package manager up (our plugin's
        set-up hook) now."""
        self.stop_daemon("packagekitd")
        self.start_daemon("packagekitd", ["/usr/libexec/packagekitd",
                                          "--backend=%s" % self.BACKEND, "--disable-timer"])
        self._wait_for_name("org.freedesktop.PackageKit", "packagekitd")

    @property
    def daemon(self):
        """The running packagekitd (its nsenter process)."""
        return self.daemons["packagekitd"]

    def daemon_log(self, name="packagekitd"):
        """What a daemon (packagekitd unless named) wrote since it last started."""
        return super().daemon_log(name)

    def _wait_for_name(self, bus_name, name):
        def owned():
            result = self.run(["dbus-send", "--system", "--print-reply",
                               "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus",
                               "org.freedesktop.DBus.NameHasOwner", "string:" + bus_name],
                              timeout=10)
            return "boolean true" in result.output
        self.wait_for(owned, name)

    def pkcon(self, *args, timeout=300):
        """pkcon ARGS: its stdout and stderr as a user sees them (``Run.output``)."""
        run = self.run(["pkcon", "--plain"] + list(args), timeout=timeout, merge=True)
        run.args = ["pkcon"] + list(args)
        return run

    # -- the rpm database ---------------------------------------------------------------

    def reset(self, pkgs):
        """packagekitd stopped, an rpmdb with exactly ``pkgs``, PackageKit's caches and
        our report gone."""
        self.stop_daemon("packagekitd")
        super().reset(pkgs)

    def prepare(self):
        """The bus's directory and polkit's rule (before the system starts)."""
        self.write_file("/etc/polkit-1/rules.d/00-rocm-notice-tests.rules", POLKIT_RULE)
        self.path("/run/dbus").mkdir(parents=True, exist_ok=True)


class Session(Daemon):
    """packagekitd (dnf backend) in the Debian 13 root, with our plugin, helper and core
    installed (see the module doc)."""

    def __init__(self):
        root = packagekit_root()
        self.build = packagekit_build(root)
        plugin = libdnf_plugin(root)
        super().__init__(root, layers=[self.build / "tree"],
                         repo_options="metadata_expire=0\n",
                         caches=["/var/cache/PackageKit"], prefix="rocm-notice-pk-")
        self.install_libdnf_front_end(plugin)
        self.prepare()

    def use_repos(self, **repos):
        """Replace the repositories: ``use_repos(epel=[Pkg, ...])`` (the id ``local``
        means a package file to the dnf backend: never use it)."""
        assert "local" not in repos, "PackageKit's dnf backend reserves the repo id local"
        super().use_repos(**repos)
