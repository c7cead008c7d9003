"""Tests that bring their own package manager in a root of their own (dnf5's Debian
unstable root, PackageKit in the Debian 13 root) run from the host only: inside the
Debian 13 platform root they would try to build roots within a root."""
import re
from pathlib import Path

from tests.harness import platforms

E2E = Path(__file__).resolve().parents[1] / "e2e"
# "from tests.harness.dnf5 import ..." or "from tests.harness import dnf5, ..."
OWN_ROOT = (r"from tests\.harness(\.(dnf5|packagekit|microdnf|system)\b"
            r"| import [^\n]*\b(dnf5|packagekit|microdnf|system)\b)")
AT_TOP = re.compile("^" + OWN_ROOT, re.M)
ANYWHERE = re.compile(OWN_ROOT)
TEST = re.compile(r"^def (test_\w+)\(", re.M)


def needing_the_host(path):
    """The file itself (its module imports such a harness), or those of its tests that
    import one in their body."""
    source = path.read_text()
    relative = "tests/e2e/%s" % path.name
    if AT_TOP.search(source):
        return [relative]
    bodies = re.split(r"^def ", source, flags=re.M)[1:]
    return ["%s::%s" % (relative, body.split("(", 1)[0]) for body in bodies
            if TEST.match("def " + body) and ANYWHERE.search(body)]


def test_every_test_of_a_root_of_its_own_runs_from_the_host_only():
    missing = [entry for path in sorted(E2E.glob("test_*.py"))
               for entry in needing_the_host(path)
               if entry not in platforms.HOST_ONLY
               and entry.split("::")[0] not in platforms.HOST_ONLY]
    assert not missing, "add to tests/harness/platforms.py HOST_ONLY: %s" % missing


def test_the_check_finds_both_kinds():
    """The rule above would pass vacuously if it found nothing: it finds the dnf5 files
    and the one payload test that runs dnf5."""
    found = [entry for path in sorted(E2E.glob("test_*.py")) for entry in needing_the_host(path)]
    assert "tests/e2e/test_dnf5.py" in found and "tests/e2e/test_packagekit.py" in found
    assert any(entry.startswith("tests/e2e/test_payload.py::test_dnf5_") for entry in found)


def test_ansible_runs_on_the_nearest_platform_only_when_both_run(monkeypatch, capsys):
    """platforms.NEAREST_ONLY: left out of the host's run when the Debian 13 root runs
    too, run by the host when it runs alone."""
    asked = []
    monkeypatch.setattr(platforms.Host, "run",
                        lambda self, args, output=None, skip=(): asked.append(list(skip)) or 0)
    monkeypatch.setattr(platforms.DebianRoot, "prepare", lambda self: None)
    monkeypatch.setattr(platforms.DebianRoot, "run", lambda self, args, output=None: 0)
    monkeypatch.setattr(platforms, "_prebuild_dnf5_root", lambda: None)   # no real root
    assert platforms.main(["tests"]) == 0
    assert platforms.main(["--platform", "host", "tests"]) == 0
    assert asked == [platforms.NEAREST_ONLY, []]
    for entry in platforms.NEAREST_ONLY:
        path, _, test = entry.partition("::")
        assert (E2E.parent.parent / path).is_file(), entry
        assert not test or re.search(r"^def %s\(" % test, (E2E.parent.parent / path).read_text(),
                                     re.M), entry


def test_the_dnf5_root_is_built_at_the_start_only_for_runs_with_the_dnf5_tests():
    """make check (``tests``) and ``tests/e2e`` include them, as does a dnf5 test file;
    a run of the unit tests, or of other files, builds no dnf5 root it will not use."""
    assert platforms._wants_dnf5(["tests"]) and platforms._wants_dnf5(["tests/e2e/"])
    assert platforms._wants_dnf5(["-x", "tests/e2e/test_dnf5_command.py"])
    assert not platforms._wants_dnf5(["tests/unit"])
    assert not platforms._wants_dnf5(["tests/e2e/test_notice.py", "-k", "crossing"])
