"""The README's install lists are the ones tools/ensure-deps installs (and the Debian 13
test root gets)."""

import re
from pathlib import Path

from tests.harness.platforms import ensure_deps_list

CHECKOUT = Path(__file__).resolve().parents[2]


def readme_list(opening):
    """The words of the README's first `OPENING ...` span (line breaks folded)."""
    text = " ".join((CHECKOUT / "README.md").read_text().split())
    found = re.search(r"`(%s [^`]*)`" % re.escape(opening), text)
    assert found, "README has no `%s ...` list" % opening
    return found.group(1).split()


def test_readme_debian_list_is_what_ensure_deps_installs():
    assert readme_list("apt-get install dnf") == ["apt-get", "install"] + ensure_deps_list(
        "DEBIAN_PKGS")


def test_readme_fedora_list_is_what_ensure_deps_installs():
    assert readme_list("dnf python3-dnf python3-hawkey") == ensure_deps_list("FEDORA_PKGS")
