"""Demo: real dnf upgrades a sandboxed EPEL 10.1 ROCm 6.4 stack to EPEL 10.2 (ROCm 7.1).

Builds fake RPM repositories with rpmbuild/createrepo_c, installs the 10.1 stack into an
installroot under a temporary directory, then runs ``dnf upgrade`` against 10.2 with the
plugin loaded from this checkout, answering "y" at dnf's prompt. Nothing on the host
changes.
"""

import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.e2e import stacks  # noqa: E402
from tests.harness.sandbox import Sandbox  # noqa: E402

PACKAGES = stacks.ROCM_NAMES + ["python3-torch", "zstd-tools"]


def show(title):
    print("\n\033[1m== %s\033[0m" % title if sys.stdout.isatty() else "\n== %s" % title,
          flush=True)


def versions(sandbox):
    have = sandbox.installed()
    return "  " + "  ".join("%s-%s" % (n, have[n]) for n in ("rocblas", "rocm-hip", "hipcc"))


def main():
    with tempfile.TemporaryDirectory(prefix="rocm-notice-demo-") as tmp:
        sandbox = Sandbox(Path(tmp))
        show("EPEL 10.1 (ROCm 6.4) installed in a sandbox installroot")
        sandbox.use_repos(epel=stacks.epel_10_1())
        sandbox.install(*PACKAGES)
        print(versions(sandbox))

        show("The EPEL redirect moves to 10.2 (ROCm 7.1); the user runs: dnf upgrade")
        sandbox.use_repos(epel=stacks.epel_10_2())
        command = sandbox.dnf_args("upgrade")
        print("$ dnf upgrade        (answering y at the prompt)", flush=True)
        done = subprocess.run(command, env=sandbox.run_env(), input="y\n", text=True)

        show("After the upgrade (dnf exit status %d)" % done.returncode)
        print(versions(sandbox))
        return done.returncode


if __name__ == "__main__":
    sys.exit(main())
