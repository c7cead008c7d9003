"""The libdnf plugin's names file: what may make a transaction ROCm's, written out from the
catalog when the plugin is built (``make libdnf-plugin``, the spec's %build).

Before it starts its helper at the transaction's gate, the plugin (C++, no Python) looks
at the goal's packages: when none has a name, a source package or a version below, the
transaction moves no ROCm and, on a system whose policy is warn everywhere, nothing is
started at all (a Python process costs a transaction about 45 ms). It is a superset: the
helper, which reads the catalog itself, still decides. Lines, ``#`` for comments:

    name NAME             a name the catalog classifies (``Catalog.query_names``)
    name-glob GLOB        names the catalog classifies by pattern (compat packages,
                          per-GPU subpackages); also matched against the source's name
    source NAME           one of the SIG's source packages (any package built from one)
    version-glob GLOB     AMD's repository's versions (``AMD_VERSION_GLOB``)

    python3 -m rocm_notice.frontends.native.names > build/native/names
"""

import sys

from rocm_notice.catalog.catalog import AMD_VERSION_GLOB, COMPAT_GLOB, GFX_GLOB, Catalog

HEADER = ("# rocm-epel-notice: what may make a transaction ROCm's, for the libdnf plugin "
          "(written by rocm_notice.frontends.native.names; do not edit)")


def lines(catalog=None):
    """The file's lines for ``catalog`` (the shipped data's, without an admin's include)."""
    catalog = catalog or Catalog.load()
    exact, globs = catalog.query_names()
    return ([HEADER] + ["name %s" % name for name in sorted(set(exact))]
            + ["name-glob %s" % glob for glob in sorted(set(globs) | {COMPAT_GLOB, GFX_GLOB})]
            + ["source %s" % source for source in sorted(catalog.sources)]
            + ["version-glob %s" % AMD_VERSION_GLOB])


def text(catalog=None):
    """The whole file, as the plugins' build writes it."""
    return "\n".join(lines(catalog)) + "\n"


def main():
    sys.stdout.write(text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
