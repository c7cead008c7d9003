"""CONTRIBUTING.md's install lists are the ones tools/ensure-deps installs (and the Debian
13 test root gets); the README is one an admin reads in five minutes."""

import re
from pathlib import Path

from tests.harness.platforms import ensure_deps_list

CHECKOUT = Path(__file__).resolve().parents[2]


def readme_list(opening):
    """The words of the README's first `OPENING ...` span (line breaks folded)."""
    text = " ".join((CHECKOUT / "CONTRIBUTING.md").read_text().split())
    found = re.search(r"`(%s [^`]*)`" % re.escape(opening), text)
    assert found, "CONTRIBUTING.md has no `%s ...` list" % opening
    return found.group(1).split()


def test_readme_debian_list_is_what_ensure_deps_installs():
    assert readme_list("apt-get install dnf") == ["apt-get", "install"] + ensure_deps_list(
        "DEBIAN_PKGS")


def test_readme_fedora_list_is_what_ensure_deps_installs():
    assert readme_list("dnf python3-dnf python3-hawkey") == ensure_deps_list("FEDORA_PKGS")


def test_the_readme_is_short_and_names_every_configuration_key():
    from rocm_notice.settings import config
    text = (CHECKOUT / "README.md").read_text()
    assert len(text.splitlines()) < 250
    for key in config.KEYS:
        assert "| `%s` |" % key in text, key
