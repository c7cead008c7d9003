"""The README's install lists are the ones tools/ensure-deps installs."""

import re
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[2]


def ensure_deps_list(variable):
    text = (CHECKOUT / "tools" / "ensure-deps").read_text()
    found = re.search(r'^%s="([^"]*)"' % variable, text, re.M)
    assert found, "tools/ensure-deps has no %s" % variable
    return found.group(1).replace("$EXTRA", "").split()


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
