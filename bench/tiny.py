"""The tiny sandbox of `make bench`: the EPEL 10.1 ROCm stack of tests/e2e/stacks.py.

Beside the 20,000-package corpus, a machine with 11 packages installed (the 9 ROCm
packages of EPEL 10.1, python3-torch, zstd-tools) and a repository of at most 13: here
dnf's own work is small (a whole run takes about 215 ms on 2 cores), so the plugin's fixed cost (loading, configuring)
shows. Built with the test harness's fixture builder (tests/harness/fixtures.py, cached
and content-addressed), installed with real dnf without plugins, and kept under
.cache/bench/tiny-<key> (the key changes when the stack tables do).

Three offers, each a repository: ``crossing`` (EPEL 10.2: ROCm 7.1), ``everyday`` (EPEL
10.1 with ROCm 6.4.3: only patch updates of the installed line) and, for the root without
ROCm (zstd-tools only), ``crossing`` again (its zstd-tools update; no ROCm moves).
"""

import hashlib
import json
import shutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.corpus import CACHE  # noqa: E402
from tests.e2e import stacks  # noqa: E402
from tests.harness.fixtures import build_repo  # noqa: E402
from tests.harness.sandbox import DNF_CONF, Sandbox  # noqa: E402

FORMAT = 1
ROCM_INSTALLED = stacks.ROCM_NAMES + ["python3-torch", "zstd-tools"]
NOROCM_INSTALLED = ["zstd-tools"]


def offers():
    """{offer: [Pkg]}: what each repository holds."""
    return {"base": stacks.epel_10_1(), "crossing": stacks.epel_10_2(),
            "everyday": stacks.epel_10_1("6.4.3")}


def key():
    text = json.dumps([FORMAT, DNF_CONF, ROCM_INSTALLED, NOROCM_INSTALLED,
                       {k: [p.spec() for p in v] for k, v in offers().items()}])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class Tiny:
    """Paths of a built tiny sandbox: roots ``rocm`` and ``norocm``, repos by offer."""

    def __init__(self, path):
        self.path = Path(path)
        info = self.path / "built.json"
        self.info = json.loads(info.read_text()) if info.exists() else {}
        self.repos = {k: Path(v) for k, v in self.info.get("repos", {}).items()}

    def root(self, which):
        return self.path / which / "root"

    def repo_files(self, reposdir, offer):
        reposdir = Path(reposdir)
        reposdir.mkdir(parents=True, exist_ok=True)
        for old in reposdir.glob("*.repo"):
            old.unlink()
        (reposdir / "epel.repo").write_text(
            "[epel]\nname=epel (rocm-epel-notice bench, %s)\nbaseurl=file://%s\ngpgcheck=0\n"
            "enabled=1\n" % (offer, self.repos[offer]))


def build(log=print):
    path = CACHE / ("tiny-%s" % key())
    tiny = Tiny(path)
    if tiny.info.get("complete") and all(p.exists() for p in tiny.repos.values()):
        log("tiny sandbox %s: reused from the cache" % path)
        return tiny
    if path.exists():
        shutil.rmtree(path)
    start = time.monotonic()
    repos = {offer: build_repo(pkgs) for offer, pkgs in offers().items()}
    empty = path / "no-plugins"
    empty.mkdir(parents=True)
    tiny.repos = repos
    for which, names in (("rocm", ROCM_INSTALLED), ("norocm", NOROCM_INSTALLED)):
        sandbox = Sandbox(path / which, plugin_conf=None, pluginpath=[empty])
        tiny.repo_files(sandbox.reposdir, "base")
        run = sandbox.dnf("-y", "install", *names)
        if run.returncode != 0:
            raise RuntimeError("tiny sandbox set-up failed: %s" % str(run)[-4000:])
        for offer in ("crossing", "everyday"):     # warm dnf's caches of every offer
            tiny.repo_files(sandbox.reposdir, offer)
            sandbox.dnf("makecache")
    tiny.info = {"complete": True, "key": key(), "repos": {k: str(v) for k, v in repos.items()},
                 "build_seconds": round(time.monotonic() - start, 1),
                 "available": {k: len(v) for k, v in offers().items()},
                 "installed": {"rocm": len(ROCM_INSTALLED), "norocm": len(NOROCM_INSTALLED)}}
    (path / "built.json").write_text(json.dumps(tiny.info, indent=2))
    log("tiny sandbox: built in %.0f s (%s)" % (tiny.info["build_seconds"], path))
    return tiny


if __name__ == "__main__":
    print(json.dumps(build().info, indent=2))
