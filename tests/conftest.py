"""Shared fixtures: a real-dnf sandbox per test, or a clear failure when dnf is missing."""

import os
import shutil
import sys
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[1]
# Last, so that an installed rocm_notice named by PYTHONPATH (the buildroot, in the
# spec's %check) is the one under test; 'tests' itself is found here.
if str(CHECKOUT) not in sys.path:
    sys.path.append(str(CHECKOUT))

REQUIRED = {"/usr/bin/dnf": "dnf", "rpmbuild": "rpm", "createrepo_c": "createrepo-c"}


def _missing_tools():
    return [tool for tool in REQUIRED
            if not (os.access(tool, os.X_OK) if tool.startswith("/") else shutil.which(tool))]


@pytest.fixture
def sandbox(tmp_path):
    """A fresh installroot with the plugin loaded from this checkout."""
    missing = _missing_tools()
    if missing:
        pytest.fail("end-to-end tests need real dnf and rpm tools; missing: %s "
                    "(run 'make check', which installs them)" % ", ".join(missing))
    from tests.harness.sandbox import Sandbox
    return Sandbox(tmp_path / "sandbox")


def _platform():
    """What these tests ran on: the OS and the versions of the parts under test."""
    import platform
    parts = []
    try:
        parts.append(Path("/etc/os-release").read_text().split('PRETTY_NAME="', 1)[1]
                     .split('"', 1)[0])
    except (OSError, IndexError):
        parts.append(platform.platform())
    for label, module, attribute in (("dnf", "dnf.const", "VERSION"),
                                     ("libdnf", "hawkey", "VERSION"),
                                     ("rpm", "rpm", "__version__")):
        try:
            version = getattr(__import__(module, fromlist=["_"]), attribute)
        except (ImportError, AttributeError):
            version = "missing"
        parts.append("%s %s" % (label, version))
    parts.append("Python %s" % platform.python_version())
    return ", ".join(parts)


def pytest_terminal_summary(terminalreporter):
    """Name the platform next to the result: 'make check' runs the suite on several."""
    terminalreporter.write_line("platform: %s" % _platform())


def pytest_configure(config):
    """SWIG's bindings (libdnf, rpm) warn at import under Python 3.13; not ours to fix."""
    config.addinivalue_line(
        "filterwarnings", "ignore:builtin type .* has no __module__ attribute:DeprecationWarning")
