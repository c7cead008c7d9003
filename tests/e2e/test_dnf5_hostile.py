"""Issue 10's classes against the dnf5 front end (real dnf5 5.4 in the Debian unstable
root): a closed standard error, and the plugin's own reading of the configuration when
the helper cannot load the core (a careless syntax, a FIFO where a drop-in should be)."""

import json
import os
import time

import pytest

from tests.e2e import stacks
from tests.e2e.test_dnf5 import ALL, FAIL_CLOSED, ROCM, assert_clean, on_64, ours, refused
from tests.e2e.test_libdnf_hostile import BAD_ANSWERS, LINGERING
from tests.harness.dnf5 import COMMAND, Dnf5Sandbox

CLOSE_STDERR = ["/bin/sh", "-c", 'exec 2>&-; exec "$@"', "sh"]


def dnf5_args(sandbox, *args):
    return ["dnf5", "--installroot=%s" % sandbox.root, "--config=%s" % (sandbox.path / "dnf.conf"),
            "--setopt=reposdir=%s" % sandbox.reposdir, "--releasever=10"] + list(args)


def rocm_of(installed):
    return {n: v for n, v in installed.items() if n in ROCM}


def test_a_closed_stderr_changes_neither_a_lock_nor_a_warned_upgrade(tmp_path):
    """dnf5 ... 2>&- (a cron job): the helper then has no standard error, and our lines go
    nowhere. (Before, with dnf5's actions plugin, Python's print(file=None) wrote them to
    stdout, the plugin's JSON channel, and dnf5 stopped every such upgrade, under warn
    too.)"""
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


def test_a_helper_that_cannot_load_reads_lock_and_block_as_the_core_does(tmp_path):
    """The plugin's fallback when the helper cannot import rocm_notice: 'On_Major: Block',
    which the core enforces, refuses (as it did for dnf5's actions program, whose first
    fallback saw only lower-case 'key = value' lines), and a FIFO drop-in is passed over,
    never waited on."""
    empty = tmp_path / "no-core"
    empty.mkdir()
    dnf5 = Dnf5Sandbox(tmp_path / "dnf5", pythonpath=empty)
    dnf5.use_repos(epel=stacks.epel_10_1())
    dnf5.install(*ALL)
    before = dnf5.installed()
    dnf5.use_repos(epel=stacks.epel_10_2())
    dnf5.write_conf("[main]\nOn_Major: Block\n")
    os.mkfifo(str(dnf5.confdir / "rocm_notice.d" / "00-pipe.conf"))
    run = dnf5.run(dnf5_args(dnf5, "-y", "upgrade"), timeout=120)
    assert refused(run), run
    assert_clean(run)
    assert FAIL_CLOSED % ("%s failed (exit 2)" % dnf5.helper, dnf5.confdir / "rocm_notice.conf") \
        in run.stderr.splitlines(), run
    assert dnf5.installed() == before


def fake_helper(sandbox, name, script):
    """A helper of ``script`` (sh) in the sandbox, which the root binds; it reads the
    request first."""
    path = sandbox.path / name
    path.write_text("#!/bin/sh\nhead -n 1 >/dev/null\n" + script)
    path.chmod(0o755)
    sandbox.helper = str(path)


def test_a_bad_answer_is_refused_under_block_and_one_line_under_warn(tmp_path):
    """The libdnf5 plugin reads the helper's answer as the libdnf plugin does (the client
    they share, native/helper_client.hpp): none of these is acted on, nothing of them is
    printed; under block the transaction is refused, under warn one line."""
    dnf5 = Dnf5Sandbox(tmp_path / "dnf5")
    before = on_64(dnf5, "[main]\non_major = block\n")
    for name, (script, problem) in sorted(BAD_ANSWERS.items()):
        fake_helper(dnf5, name.replace(" ", "-"), script)
        run = dnf5.dnf5("-y", "upgrade")
        assert refused(run), (name, run)
        assert FAIL_CLOSED % (problem, dnf5.confdir / "rocm_notice.conf") in \
            run.stderr.splitlines(), (name, run)
        assert len(run.stderr) < 10000, name           # nothing of the answer printed
        assert dnf5.installed() == before, name
    dnf5.write_conf("[main]\n")
    fake_helper(dnf5, "huge", BAD_ANSWERS["huge"][0])
    run = dnf5.dnf5("-y", "upgrade")
    assert run.returncode == 0, run
    assert ours(run) == ["rocm_notice: internal error: the helper's answer is larger than "
                         "16 MiB (transaction not affected)"], run
    assert dnf5.installed()["rocblas"] == "7.1.1-1.el10_2"


@pytest.mark.parametrize("conf, fail_closed", [("[main]\non_major = block\n", 1),
                                               ("[main]\n", 0)])
def test_a_helper_that_never_exits_does_not_hang_dnf5(tmp_path, conf, fail_closed):
    """It answers in full, closes its end and stays: dnf5 waits no longer than the
    helper's deadline (ROCM_NOTICE_HELPER_TIMEOUT here), then kills it; under block the
    transaction is refused, under warn it goes on with one line."""
    dnf5 = Dnf5Sandbox(tmp_path / "dnf5")
    before = on_64(dnf5, conf)
    fake_helper(dnf5, "lingering", LINGERING % fail_closed)
    dnf5.env["ROCM_NOTICE_HELPER_TIMEOUT"] = "2"
    start = time.monotonic()
    run = dnf5.dnf5("-y", "upgrade")
    assert time.monotonic() - start < 30, run
    problem = "the helper took longer than 2 s"
    if fail_closed:
        assert refused(run), run
        assert FAIL_CLOSED % (problem, dnf5.confdir / "rocm_notice.conf") in \
            run.stderr.splitlines(), run
        assert dnf5.installed() == before
    else:
        assert run.returncode == 0, run
        assert ours(run) == ["rocm_notice: internal error: %s (transaction not affected)"
                             % problem], run
        assert dnf5.installed()["rocblas"] == "7.1.1-1.el10_2"


@pytest.mark.parametrize("policy", ["lock", "block"])
def test_an_install_root_whose_path_is_not_utf8_keeps_the_policy(tmp_path, policy):
    """A byte that is not UTF-8 in the install root's path (a directory named in Latin-1):
    the helper read the request as UTF-8 with that byte replaced, looked for the
    configuration under a path that does not exist and answered warn, so a lock and a
    block let the crossing through. Now a block refuses; a lock cannot work out its hold
    (libdnf5's Python bindings take UTF-8 paths only), says so, and refuses the
    crossing."""
    from tests.e2e.test_dnf5 import PATCH_64
    dnf5 = Dnf5Sandbox(tmp_path / "dnf5")
    before = on_64(dnf5, "[main]\non_major = %s\n" % policy,
                   repos=stacks.epel_10_2() + [PATCH_64])
    latin1 = os.fsdecode(os.fsencode(str(dnf5.path)) + b"/root-\xe9")
    os.symlink("root", latin1)
    run = dnf5.run(["dnf5", "--installroot=%s" % latin1,
                    "--config=%s" % (dnf5.path / "dnf.conf"),
                    "--setopt=reposdir=%s" % dnf5.reposdir, "--releasever=10", "-y", "upgrade"])
    assert "cannot read" not in run.stderr, run
    after = dnf5.installed()
    assert rocm_of(after)["rocblas"] == "6.4.2-1.el10_1", run
    if policy == "block":
        assert refused(run), run
        assert "rocm_notice: blocked by policy (on_major = block)" in run.stderr, run
        assert after == before
    else:
        assert refused(run), run
        assert "libdnf5's Python bindings cannot open the install root" in run.stderr, run
        assert "rocm_notice: policy holds ROCm at 6.4 (on_major = lock), but this " \
            "transaction would still move it" in run.stderr, run
        assert after == before
    assert "Traceback" not in run.stdout + run.stderr, run


def test_a_lock_written_with_a_no_break_space_holds(tmp_path):
    """'on_major\\u00a0= lock', pasted from a web page: the core reads a lock, the plugin's
    quick reading of the files did not, so it asked for no hold at set-up and the gate
    refused the whole upgrade (the patch and everything else too) with a false reason.
    The quick reading now errs towards a lock, and the hold is worked out."""
    from tests.e2e.test_dnf5 import HOLD_LINE, PATCH_64
    dnf5 = Dnf5Sandbox(tmp_path / "dnf5")
    before = on_64(dnf5, "[main]\non_major\u00a0= lock\n", repos=stacks.epel_10_2() + [PATCH_64])
    run = dnf5.dnf5("-y", "upgrade")
    assert run.returncode == 0, run
    assert ours(run) == [HOLD_LINE], run
    after = dnf5.installed()
    assert rocm_of(after) == dict(rocm_of(before), **{"rocm-smi": "6.4.3-1.el10_1"})
    assert after["zstd-tools"] == "1.5.7-1.el10_2"
