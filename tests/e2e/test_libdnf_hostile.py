"""Issue 10's classes against the libdnf plugin: a helper that misbehaves, a careless
configuration read by the plugin's own fallback, a closed standard error.

Driven through libdnf's C API (tests/harness/libdnf_driver.c) as PackageKit and microdnf
drive it. The C++ side must never hang or crash: under warn one line and the transaction
goes on; under lock or block it is refused, saying why.
"""

import os
import subprocess
import time

import pytest

from tests.e2e.test_libdnf import on_64, ours, rocm_of
from tests.harness import libdnf_c
from tests.harness.libdnf_c import Libdnf
from tests.unit.test_fallback_rule import RULE_TABLE

BLOCK = "[main]\non_major = block\n"
FAIL_CLOSED = "the transaction is blocked because policy says lock or block"
TIMEOUT = {"ROCM_NOTICE_HELPER_TIMEOUT": "2"}


def fake_helper(sandbox, name, script):
    path = sandbox.path / name
    path.write_text("#!/bin/sh\nhead -n 1 >/dev/null\n" + script)
    path.chmod(0o755)
    return Libdnf(sandbox, helper=path)


def missing(sandbox):
    return Libdnf(sandbox, helper=sandbox.path / "no-such-helper")


# -- a helper that misbehaves ----------------------------------------------------------------

# Each answers nothing the plugin may act on.
BAD_ANSWERS = {
    "another protocol": ("printf 'rocm-notice-libdnf\\t2\\nend\\n'\n",
                         "the helper did not answer (protocol 1)"),
    "garbage": ("head -c 100000 /dev/urandom\n", "the helper did not answer (protocol 1)"),
    "no end": ("printf 'rocm-notice-libdnf\\t1\\nfail_closed\\t1\\n'\n",
               "the helper's answer was cut off"),
    # Before: kept whole in memory (a helper that never stops grows it until the front
    # end runs out of memory, and then the refusal under block was lost too).
    "huge": ("printf 'rocm-notice-libdnf\\t1\\n'\nyes 'message\tx' | head -n 3000000\n"
             "printf 'end\\n'\n", "the helper's answer is larger than 16 MiB"),
}


def test_a_bad_answer_is_refused_under_block_and_one_line_under_warn(sandbox):
    _, before = on_64(sandbox, BLOCK)
    for name, (script, problem) in sorted(BAD_ANSWERS.items()):
        result = fake_helper(sandbox, name.replace(" ", "-"), script).run("upgrade-all")
        assert result.returncode == 1, (name, result)
        assert result.stdout.startswith("run: FALSE: rocm_notice: could not evaluate ROCm "
                                        "policy: %s; %s" % (problem, FAIL_CLOSED)), (name, result)
        assert len(result.stderr) < 10000, name         # nothing of the answer printed
        assert sandbox.installed() == before, name
    Libdnf(sandbox).write_conf("[main]\n")
    result = fake_helper(sandbox, "huge", BAD_ANSWERS["huge"][0]).run("upgrade-all")
    assert result.ok, result
    assert ours(result) == ["rocm_notice: internal error: the helper's answer is larger than "
                            "16 MiB (transaction not affected)"], result
    assert sandbox.installed()["rocblas"] == "7.1.1-1.el10_2"


# Answers in full, closes its end, and stays (before: the front end waited for it forever).
LINGERING = ("printf 'rocm-notice-libdnf\\t1\\nfail_closed\\t%d\\nend\\n'\n"
             "exec >&- <&- 2>&-\nexec sleep 600\n")


@pytest.mark.parametrize("conf, fail_closed", [(BLOCK, 1), ("[main]\n", 0)])
def test_a_helper_that_never_exits_does_not_hang_the_front_end(sandbox, conf, fail_closed):
    _, before = on_64(sandbox, conf)
    libdnf = fake_helper(sandbox, "lingering", LINGERING % fail_closed)
    start = time.monotonic()
    result = libdnf.run("upgrade-all", env=TIMEOUT, timeout=60)
    assert time.monotonic() - start < 30, result
    problem = "the helper took longer than 2 s"
    if fail_closed:
        assert result.returncode == 1, result
        assert result.stdout.startswith("run: FALSE: rocm_notice: could not evaluate ROCm "
                                        "policy: %s; %s" % (problem, FAIL_CLOSED)), result
        assert sandbox.installed() == before
    else:
        assert result.ok, result
        assert ours(result) == ["rocm_notice: internal error: %s (transaction not affected)"
                                % problem], result
        assert sandbox.installed()["rocblas"] == "7.1.1-1.el10_2"


# At the gate, says it waits for the transaction's request, and then never answers it
# (at set-up, answers and exits).
WAITS_FOREVER = ("#!/bin/sh\nrequest=$(head -n 1)\n"
                 "printf 'rocm-notice-libdnf\\t1\\nfail_closed\\t%d\\n'\n"
                 "case \"$request\" in *'\"hook\":\"pre_transaction\"'*)\n"
                 "  printf 'report_written\\t1\\nwaits\\t1\\nend\\n'\n  exec sleep 600;;\n"
                 "esac\nprintf 'end\\n'\n")


@pytest.mark.parametrize("conf, fail_closed", [(BLOCK, 1), ("[main]\n", 0)])
def test_a_gate_helper_that_never_answers_the_transaction_does_not_hang_it(sandbox, conf,
                                                                           fail_closed):
    """The gate's helper that waits (native/PROTOCOL.md) is asked once rpm has run, under
    the same deadline as any helper: killed then, one line, and the transaction (done by
    then) stands, whatever the policy: nothing is left to refuse."""
    on_64(sandbox, conf)
    script = sandbox.path / "waits-forever"
    script.write_text(WAITS_FOREVER % fail_closed)
    script.chmod(0o755)
    libdnf = Libdnf(sandbox, helper=script)
    start = time.monotonic()
    result = libdnf.run("upgrade-all", env=TIMEOUT, timeout=60)
    assert time.monotonic() - start < 30, result
    assert result.ok, result
    assert ours(result) == ["rocm_notice: internal error: the helper took longer than 2 s "
                            "(transaction not affected)"], result
    assert sandbox.installed()["rocblas"] == "7.1.1-1.el10_2"


# -- the plugin's own reading of the configuration, when the helper never answers ---------

@pytest.mark.parametrize("text, closed", RULE_TABLE)
def test_the_fallback_reads_the_policy_by_the_one_rule_of_every_front_end(sandbox, text,
                                                                          closed):
    """The table of tests/unit/test_fallback_rule.py, where the Python fallbacks and the
    core's reader agree on it. Before: only 'key = value' was seen, then only lock or
    block, so a helper that could not run let the transaction through a policy the helper
    itself enforces (a comment after 'block', a value that is not valid)."""
    libdnf, before = on_64(sandbox, "[main]\n")
    libdnf.write_dropin("50-site.conf", text)
    result = missing(sandbox).run("upgrade-all")
    if not closed:
        assert result.ok, result
        assert len(ours(result)) == 1 and "cannot run" in ours(result)[0], result
        assert sandbox.installed()["rocblas"] == "7.1.1-1.el10_2"
        return
    assert result.returncode == 1, result
    assert "could not evaluate ROCm policy: cannot run " in result.stdout, result
    assert FAIL_CLOSED in result.stdout
    assert sandbox.installed() == before
    if "on_major" in text.lower():  # the helper reads it so too: it holds or refuses
        libdnf.run("upgrade-all")       # (this crossing is a major one)
        assert rocm_of(sandbox.installed()) == rocm_of(before)


def test_a_fifo_among_the_dropins_does_not_hang_the_fallback(sandbox):
    """Before: the plugin opened it to look for 'block' and waited for a writer forever
    (unless a file it read first said block)."""
    libdnf, _ = on_64(sandbox, "[main]\n")
    os.mkfifo(str(libdnf.confdir / "rocm_notice.d" / "00-pipe.conf"))
    result = missing(sandbox).run("upgrade-all", timeout=60)
    assert result.ok, result
    assert len(ours(result)) == 1 and "cannot run" in ours(result)[0], result
    assert sandbox.installed()["rocblas"] == "7.1.1-1.el10_2"


# -- standard error closed ---------------------------------------------------------------------

def run_with_stderr_closed(libdnf, *args):
    command = [str(libdnf_c.driver()), str(libdnf.sandbox.root), str(libdnf.sandbox.reposdir),
               str(libdnf.cache), str(libdnf.plugins)] + list(args)
    environment = dict(libdnf.sandbox.env, ROCM_NOTICE_HELPER=libdnf.helper,
                       ROCM_NOTICE_NAMES=str(libdnf.names),
                       PYTHONPATH=libdnf.pythonpath)
    return subprocess.run(["/bin/sh", "-c", 'exec 2>&-; exec "$@"', "sh"] + command,
                          env=environment, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          text=True, timeout=300)


def test_a_closed_stderr_changes_neither_a_lock_nor_a_block(sandbox):
    """microdnf ... 2>&-: before, the helper failed after answering (Python has no
    sys.stderr then), so a lock refused the whole transaction instead of holding, and a
    block said 'could not evaluate' instead of why."""
    libdnf, before = on_64(sandbox, "[main]\non_major = lock\n")
    held = run_with_stderr_closed(libdnf, "upgrade-all")
    assert held.stdout == "run: TRUE\n", held.stdout
    after = sandbox.installed()
    assert rocm_of(after) == rocm_of(before)
    assert after["zstd-tools"] == "1.5.7-1.el10_2"
    assert libdnf.report()["decision"] == "hold"
    libdnf.write_conf(BLOCK)
    blocked = run_with_stderr_closed(libdnf, "upgrade-all")
    assert blocked.returncode == 1, blocked.stdout
    assert blocked.stdout.startswith("run: FALSE: rocm_notice: blocked by policy (on_major = "
                                     "block)"), blocked.stdout
    assert rocm_of(sandbox.installed()) == rocm_of(before)


def test_a_helper_failing_at_the_gate_keeps_to_its_last_word_on_unchanged_files(sandbox):
    """rocm_notice.conf says lock, a later drop-in warn: the policy is warn, as the helper
    said at set-up. It then fails at the gate. The files are as they were when it said
    so, so the transaction goes on with one line (the fallback's coarse rule, which sees
    the lock line, is for files the helper never read: it refused here)."""
    from tests.harness.fixtures import CHECKOUT
    libdnf, before = on_64(sandbox, "[main]\non_major = lock\n")
    libdnf.write_dropin("90-site.conf", "[main]\non_major = warn\n")
    wrapper = sandbox.path / "fails-at-the-gate"
    wrapper.write_text('#!/bin/sh\nread -r request\ncase "$request" in\n'
                       '  *\'"hook":"pre_transaction"\'*) exit 3;;\nesac\n'
                       'printf \'%%s\\n\' "$request" | exec %s "$@"\n'
                       % (CHECKOUT / "native" / "rocm-epel-notice-helper"))
    wrapper.chmod(0o755)
    result = Libdnf(sandbox, helper=wrapper).run("upgrade-all")
    assert result.ok, result
    assert [line for line in ours(result) if "internal error" in line] == [
        "rocm_notice: internal error: %s failed (exit 3) (transaction not affected)"
        % wrapper], result
    assert sandbox.installed()["rocblas"] == "7.1.1-1.el10_2"


def test_a_block_written_while_the_helper_answers_is_not_taken_for_its_word(sandbox):
    """The helper answers warn at set-up while the admin writes a block; then it fails at
    the gate. Its word was about the files before the block: the plugin stamps the files
    before asking, sees the change and reads them (before: it stamped them after the
    answer, kept "warn", and let the crossing through)."""
    from tests.harness.fixtures import CHECKOUT
    libdnf, before = on_64(sandbox, "[main]\non_major = lock\n")
    libdnf.write_dropin("90-site.conf", "[main]\non_major = warn\n")
    dropin = libdnf.confdir / "rocm_notice.d" / "90-site.conf"
    wrapper = sandbox.path / "block-written-meanwhile"
    wrapper.write_text('#!/bin/sh\nread -r request\ncase "$request" in\n'
                       '  *\'"hook":"pre_transaction"\'*) exit 3;;\nesac\n'
                       'answer=$(printf \'%%s\\n\' "$request" | %s "$@")\n'
                       'printf \'[main]\\non_major = block\\n\' > %s\n'
                       'printf \'%%s\\n\' "$answer"\n'
                       % (CHECKOUT / "native" / "rocm-epel-notice-helper", dropin))
    wrapper.chmod(0o755)
    result = Libdnf(sandbox, helper=wrapper).run("upgrade-all")
    assert result.returncode == 1, result
    assert "could not evaluate ROCm policy" in result.stdout, result
    assert sandbox.installed() == before
