"""Real microdnf (3.10.1, what EL10 ships) in the Debian 13 root, with our libdnf plugin
installed as the RPM installs it: for tests/e2e/test_microdnf.py.

Debian ships no microdnf. Its release source is kept beside the checkout, in the shared
directory (``../shared/third-party/microdnf-3.10.1.tar.gz``, whose README says where it
comes from); it is built in the Debian 13 test platform's root, whose package list
carries its build dependencies (``platforms.FRONT_END_EXTRAS``), with meson and ninja
against that root's libdnf 0.74, and ``meson install``-ed into
``roots.MACHINE_CACHE/microdnf/KEY/tree``, KEY a digest of the root's name, the tarball
and this recipe (``system.cached_build``): seconds, once. Our plugin is built for that root's
libdnf inside it, by the Makefile's rule (``system.libdnf_plugin``).

microdnf takes ``--installroot`` only together with ``--noplugins`` (and its own config,
cachedir and reposdir), so no libdnf plugin ever runs in an installroot: it is tested as
a container build meets it, on the root's own system. A ``Microdnf`` is that root run as
a live system (``system.System``) with the microdnf build and our files layered over it;
``microdnf`` runs inside with ``chroot``. What it uses there, as on EL10:

- libdnf plugins from libdnf's built-in directory (/usr/lib/x86_64-linux-gnu/libdnf/
  plugins here, /usr/lib64/libdnf/plugins on EL10): microdnf sets no plugin directory;
- /etc/dnf/dnf.conf (EL10's, written here: ``best=True``) and /etc/yum.repos.d;
- its own cache, /var/cache/yum (``metadata``, ``solv``, ``lock``: set in microdnf's
  dnf-main.c, not libdnf's default), where downloaded metadata is kept for as long as
  ``metadata_expire`` allows (microdnf's own cache age is unlimited). The repositories
  are served over HTTP (``system.RepoServer``), as a mirror serves them: a ``file://``
  repository is read in place and never downloaded, so its cache would never be cold.
  ``reset`` deletes the cache: the next run is a first run on a cold cache.

Policy: /etc/dnf/plugins/rocm_notice.conf and rocm_notice.d/; our report:
/var/lib/rocm-epel-notice/last.json.
"""

import hashlib
import shutil

from tests.harness import platforms, roots
from tests.harness.fixtures import CHECKOUT
from tests.harness.system import System, SystemSetupError, cached_build, libdnf_plugin

ROOT_PLATFORM = "debian13"     # the Debian 13 test platform's root, microdnf's deps included
# The shared directory sits beside the checkout (../shared), in CI as here.
SOURCE = CHECKOUT.parent / "shared" / "third-party" / "microdnf-3.10.1.tar.gz"
BUILD_CACHE = roots.MACHINE_CACHE / "microdnf"      # beside the root it is built for
CACHEDIR = "/var/cache/yum"            # microdnf's (dnf-main.c), for every repository
# EL10's /etc/dnf/dnf.conf (the Debian root's says best=False)
DNF_CONF = """[main]
gpgcheck=1
installonly_limit=3
clean_requirements_on_remove=True
best=True
skip_if_unavailable=False
"""

BUILD_SCRIPT = r"""
set -eu
cd /tmp/build
tar -xzf /tmp/source/microdnf.tar.gz
cd microdnf-*/
echo "${PWD##*/}" > /tmp/out/VERSION
meson setup _b --prefix=/usr --sysconfdir=/etc --localstatedir=/var \
    --libdir=lib/x86_64-linux-gnu
ninja -C _b -j 2
DESTDIR=/tmp/out/tree meson install -C _b --no-rebuild
"""


class MicrodnfError(SystemSetupError):
    """microdnf cannot be built or run; the message says why."""


def microdnf_root():
    """The cached Debian 13 root, the one the debian13 test platform runs in (its
    package list has microdnf's build dependencies). Built on first use."""
    return platforms.PLATFORMS[ROOT_PLATFORM].prepare()


def microdnf_build(root):
    """The directory of microdnf's build: ``tree`` (``meson install``), ``VERSION``."""
    if not SOURCE.is_file():
        raise MicrodnfError("the microdnf source is not where the tests take it from: %s "
                            "(the shared directory beside the checkout, ../shared; see its "
                            "third-party/README.md)" % SOURCE)
    digest = hashlib.sha256(SOURCE.read_bytes()).hexdigest()
    return cached_build(root, BUILD_CACHE, "microdnf", BUILD_SCRIPT, key_parts=[digest],
                        binds=[(str(SOURCE), "/tmp/source/microdnf.tar.gz", "ro")],
                        hint="its build dependencies are in platforms.FRONT_END_EXTRAS")


class Microdnf(System):
    """microdnf on the Debian 13 root's own system, our libdnf plugin installed (see the
    module doc). Use as a context manager; ``stop()`` is safe to call twice."""

    def __init__(self):
        root = microdnf_root()
        self.build = microdnf_build(root)
        plugin = libdnf_plugin(root)
        super().__init__(root, layers=[self.build / "tree"], http=True, caches=[CACHEDIR],
                         prefix="rocm-notice-microdnf-")
        self.install_libdnf_front_end(plugin)
        self.write_file("/etc/dnf/dnf.conf", DNF_CONF)

    def microdnf(self, *args, stdin=None, merge=False, timeout=300):
        """microdnf ARGS inside the system: a ``system.Run`` (stdout and stderr apart,
        unless ``merge``)."""
        return self.run(["microdnf"] + list(args), stdin=stdin, merge=merge, timeout=timeout)

    def cache_is_cold(self):
        """True if no repository's metadata is in microdnf's cache."""
        metadata = self.path(CACHEDIR + "/metadata")
        return not (metadata.is_dir() and any(metadata.iterdir()))

    def forget_cache(self):
        """microdnf's cache deleted: its next run is a first run."""
        shutil.rmtree(self.path(CACHEDIR), ignore_errors=True)

    @property
    def downloads(self):
        """The paths the repositories' server was asked for, in order (``clear()`` it)."""
        return self.server.requests
