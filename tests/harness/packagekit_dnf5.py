"""Real PackageKit with its dnf5 backend (packagekitd --backend=dnf5) in a Debian unstable
root, with our dnf5 front end installed as the RPM installs it: for
tests/e2e/test_packagekit_dnf5.py.

PackageKit's dnf5 backend (PackageKit 1.4, upstream's successor of the dnf backend, which
it no longer builds) creates a libdnf5 ``Base`` when it starts and again after every
transaction, and ``Base::setup`` loads libdnf5's plugins: ours among them, inside the
long-running packagekitd. Debian ships PackageKit with its apt backend, so this builds it
from Debian unstable's own source package (``apt-get source packagekit``) against the
root's libdnf5: the dnf5 backend only (its rpm plugin that notifies packagekitd of other
programs' transactions needs sdbus-c++ and is left out), optional parts off, ``meson
install`` into ``roots.MACHINE_CACHE/packagekit-dnf5/KEY/tree`` (``system.cached_build``:
about a minute, once).

The root is the dnf5 tests' (``dnf5.dnf5_root``), whose package list carries what
PackageKit needs to build and run. A ``Session`` runs it as a live system
(``system.System``) with a private system bus, polkitd and packagekitd, whose stderr (the
journal, on a real system) is captured.
"""

from tests.harness import dnf5, roots
from tests.harness.packagekit import Daemon
from tests.harness.system import cached_build

BUILD_CACHE = roots.MACHINE_CACHE / "packagekit-dnf5"

BUILD_SCRIPT = r"""
set -eu
cd /tmp/build
mkdir -p parts lists/partial cache/archives/partial
sed -n 's/^deb /deb-src /p' /etc/apt/sources.list > src.list
set -- -o Dir::Etc::SourceList=/tmp/build/src.list \
    -o Dir::Etc::SourceParts=/tmp/build/parts \
    -o Dir::State::Lists=/tmp/build/lists -o Dir::Cache=/tmp/build/cache \
    -o Acquire::Check-Valid-Until=false
apt-get -q "$@" update
apt-get -q "$@" source packagekit
cd packagekit-*/
dpkg-parsechangelog -S Version > /tmp/out/VERSION
test -f backends/dnf5/meson.build || { echo "no dnf5 backend in this PackageKit"; exit 1; }
python3 - backends/dnf5/meson.build <<'EOF'
import sys
path = sys.argv[1]
text = open(path).read()
# the rpm plugin that tells packagekitd of other programs' transactions (sdbus-c++)
start = text.index("# Build rpm plugin for notifying PackageKit")
text = text[:start]
if "sdbus" in text or "notify_packagekit" in text:
    sys.exit("backends/dnf5/meson.build still builds the rpm plugin after the edit")
open(path, "w").write(text)
EOF
meson setup _b --prefix=/usr --sysconfdir=/etc --localstatedir=/var \
    --libdir=lib/x86_64-linux-gnu -Dpackaging_backend=dnf5 -Ddnf_vendor=fedora \
    -Dsystemd=false -Doffline_update=false -Dgobject_introspection=false \
    -Dman_pages=false -Dbash_completion=false -Dbash_command_not_found=false \
    -Dgstreamer_plugin=false -Dgtk_module=false -Dcron=false -Ddaemon_tests=false \
    -Dlegacy_tools=true
ninja -C _b -j 2
DESTDIR=/tmp/out/tree meson install -C _b --no-rebuild
"""


def packagekit_root():
    """The cached Debian unstable root of the dnf5 tests (built on first use)."""
    return dnf5.dnf5_root()


def packagekit_build(root):
    """The directory of PackageKit's build: ``tree`` (``meson install``), ``VERSION``."""
    return cached_build(root, BUILD_CACHE, "PackageKit (dnf5 backend)", BUILD_SCRIPT,
                        hint="apt-get source needs a Debian mirror")


class Session(Daemon):
    """packagekitd (dnf5 backend) in the unstable root, with our dnf5 front end, helper
    and core installed where the RPMs put them. A context manager."""

    BACKEND = "dnf5"

    def __init__(self):
        root = packagekit_root()
        self.build = packagekit_build(root)
        super().__init__(root, layers=[self.build / "tree"], repo_options="metadata_expire=0\n",
                         caches=["/var/cache/PackageKit"], prefix="rocm-notice-pk5-")
        self.install_core()
        self.install(dnf5.plugin_path(), dnf5.INSTALLED_PLUGIN, 0o755)
        self.install(dnf5.PLUGIN_CONF, dnf5.INSTALLED_PLUGIN_CONF, 0o644)
        self.install_helper(dnf5.names_text())
        self.write_file("/etc/dnf/dnf.conf", dnf5.DNF_CONF)
        self.write_file("/etc/dnf/libdnf5-plugins/local.conf", dnf5.LOCAL_PLUGIN_OFF)
        # The backend reads the distribution's version for $releasever from os-release
        self.write_file("/etc/os-release", 'NAME="EPEL test"\nID=rhel\nVERSION_ID=10\n')
        self.prepare()
