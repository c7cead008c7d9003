"""Issue 10's classes against the dnf5 front end (real dnf5 5.4 in the Debian unstable
root): a closed standard error, and the front door's own reading of the configuration
when the core cannot load (a careless syntax, a FIFO where a drop-in should be)."""

import json
import os

from tests.e2e import stacks
from tests.e2e.test_dnf5 import ALL, ROCM, STOP, assert_clean, on_64
from tests.harness.dnf5 import COMMAND, Dnf5Sandbox

CLOSE_STDERR = ["/bin/sh", "-c", 'exec 2>&-; exec "$@"', "sh"]


def dnf5_args(sandbox, *args):
    return ["dnf5", "--installroot=%s" % sandbox.root, "--config=%s" % (sandbox.path / "dnf.conf"),
            "--setopt=reposdir=%s" % sandbox.reposdir, "--releasever=10"] + list(args)


def rocm_of(installed):
    return {n: v for n, v in installed.items() if n in ROCM}


def test_a_closed_stderr_changes_neither_a_lock_nor_a_warned_upgrade(tmp_path):
    """dnf5 ... 2>&- (a cron job): Python then has no sys.stderr, and print(file=None)
    writes to stdout, the actions plugin's JSON channel. Before: the hold line and the
    notice arrived there as garbage and dnf5 stopped every such upgrade, under warn too."""
    dnf5 = Dnf5Sandbox(tmp_path / "dnf5")
    before = on_64(dnf5, "[main]\non_major = lock\n")
    held = dnf5.run(CLOSE_STDERR + dnf5_args(dnf5, "-y", "upgrade"))
    assert held.returncode == 0, held
    after = dnf5.installed()
    assert rocm_of(after) == rocm_of(before)
    assert after["zstd-tools"] == "1.5.7-1.el10_2"
    # a doubt: a line about it, status 3 (not a policy key: that would refuse the crossing)
    dnf5.write_conf("[main]\nreport = not-absolute\n")
    check = ["/usr/bin/python3", str(COMMAND), "--installroot=%s" % dnf5.root,
             "--config=%s" % (dnf5.path / "dnf.conf"), "--reposdir=%s" % dnf5.reposdir,
             "--releasever=10", "check", "--json"]
    seen = dnf5.run(check)
    assert "not-absolute" in seen.stderr, seen
    unseen = dnf5.run(CLOSE_STDERR + check)
    assert (unseen.returncode, unseen.stdout) == (seen.returncode, seen.stdout), unseen
    assert json.loads(unseen.stdout)["status"] == 3, unseen    # the JSON object alone
    warned = dnf5.run(CLOSE_STDERR + dnf5_args(dnf5, "-y", "upgrade"))
    assert warned.returncode == 0, warned
    assert dnf5.installed()["rocblas"] == "7.1.1-1.el10_2"


def test_an_adapter_that_cannot_load_reads_lock_and_block_as_the_core_does(tmp_path):
    """The front door's fallback when rocm_notice cannot be imported. Before: it saw
    only lower-case 'key = value' lines (so 'On_Major: Block', which the core enforces,
    let the transaction through), and it opened a FIFO drop-in and waited forever."""
    empty = tmp_path / "no-core"
    empty.mkdir()
    dnf5 = Dnf5Sandbox(tmp_path / "dnf5", pythonpath=empty)
    dnf5.use_repos(epel=stacks.epel_10_1())
    dnf5.install(*ALL)
    before = dnf5.installed()
    dnf5.use_repos(epel=stacks.epel_10_2())
    dnf5.write_conf("[main]\nOn_Major: Block\n")
    os.mkfifo(str(dnf5.confdir / "rocm_notice.d" / "00-pipe.conf"))
    refused = dnf5.run(dnf5_args(dnf5, "-y", "upgrade"), timeout=120)
    assert refused.returncode == 1, refused
    assert_clean(refused)
    assert STOP + "rocm_notice: refused: the ROCm policy (%s) says lock or block" % (
        dnf5.confdir / "rocm_notice.conf") in refused.stderr, refused
    assert dnf5.installed() == before
