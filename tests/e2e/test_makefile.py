"""The Makefile on a fresh machine: nothing runs before tools/ensure-deps installs it."""

import shutil
import subprocess

from tests.harness.fixtures import CHECKOUT


def test_reading_the_makefile_calls_no_tool_that_ensure_deps_installs(tmp_path):
    """A fresh Debian 12 has no rpm: 'make demo' and 'make check' must not ask it
    anything while make reads the Makefile (the rpm recipe asks it, after ensure-deps)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("sed",):                     # what a fresh machine has, for VERSION
        (bin_dir / tool).symlink_to(shutil.which(tool))
    run = subprocess.run(["/usr/bin/make", "-n", "deps", "demo", "check", "unit", "e2e"],
                         cwd=CHECKOUT, env={"PATH": str(bin_dir), "HOME": str(tmp_path)},
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stderr == "", run.stderr
    assert "sh tools/ensure-deps" in run.stdout
