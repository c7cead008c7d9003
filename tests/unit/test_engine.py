"""The decision engine every front end shares, and the libdnf helper's protocol."""

import json
import os
import shutil
import signal
import subprocess
import time

from rocm_notice.settings import config
from tests.harness.fixtures import CHECKOUT
from rocm_notice.core import engine, notice, run
from rocm_notice.core.notice import Context
from rocm_notice.frontends.libdnf import run as libdnf_run
from rocm_notice.frontends.native import helper as native_helper
from rocm_notice.catalog.catalog import Catalog
from rocm_notice.core.records import IN, OUT, Item, Package

CATALOG = Catalog.load()


def settings(**values):
    made = config.Settings()
    for key, value in values.items():
        setattr(made, key, value)
    return made


def upgrade(name, old, new, old_release="1.el10_1", new_release="1.el10_2"):
    return [Item(OUT, Package(name, old, old_release)),
            Item(IN, Package(name, new, new_release))]


def installed():
    return [Package("rocblas", "6.4.2", "1.el10_1"), Package("rocm-hip", "6.4.2", "1.el10_1")]


def major_move():
    items = upgrade("rocblas", "6.4.2", "7.1.1") + upgrade("rocm-hip", "6.4.2", "7.1.1")
    return engine.findings(items, installed(), CATALOG)


def context(found=None):
    return notice.Context(arrow="->", front_end="microdnf" if found else "")


def test_a_transaction_without_rocm_has_no_findings_and_no_decision():
    items = upgrade("zstd-tools", "1.5.6", "1.5.7")
    assert engine.findings(items, installed(), CATALOG) is None
    assert engine.transaction(None, settings(on_major="block"), context) == engine.Decision()


def test_warn_gives_the_notice_and_a_warn_report():
    decision = engine.transaction(major_move(), settings(), context, "microdnf (libdnf)")
    assert decision.kind == engine.WARN and decision.error == ""
    assert decision.lines[0].startswith("rocm_notice: this transaction moves ROCm 6.4 -> 7.1")
    assert "  microdnf applies the change now (it asks nothing after this point)." \
        in decision.lines[0].splitlines()
    assert decision.report["decision"] == "warn"
    assert decision.report["command"] == "microdnf (libdnf)"


def test_block_gives_the_block_message_as_the_error():
    chosen = settings(on_major="block")
    decision = engine.transaction(major_move(), chosen, context)
    assert decision.kind == engine.BLOCK and decision.lines == []
    blocked = [c for c in major_move().crossings]
    assert decision.error == notice.block_message(blocked, context())
    assert decision.report["blocked"] == [{"from": "6.4", "to": "7.1", "boundary": "major"}]


def test_a_crossing_into_a_locked_line_is_refused_after_depsolving():
    decision = engine.transaction(major_move(), settings(on_major="lock"), context)
    assert decision.kind == engine.BLOCK
    assert decision.error.startswith(
        "rocm_notice: policy holds ROCm at 6.4 (on_major = lock), but this transaction would "
        "still move it: 6.4 -> 7.1 (major): ")
    # the front end's reason, one text on every front end
    why = engine.transaction(major_move(), settings(on_major="lock"),
                             lambda found: Context(arrow="->", missed_why="a reason"))
    assert "  Excludes cannot hold back packages given as files on the command line, nor " \
        "any the hold could not exclude (a reason)." in why.error.splitlines()
    assert "  To take ROCm 7.1: run 'dnf rocm allow 7.1', then run dnf again." \
        in decision.error.splitlines()


def test_an_approved_line_is_announced_under_block_and_lock():
    for action in ("block", "lock"):
        chosen = settings(on_major=action, allow=(major_move().crossings[0].new_line,))
        assert engine.transaction(major_move(), chosen, context).kind == engine.WARN


def test_a_move_back_to_an_older_line_is_let_through_and_says_why_under_lock_and_block():
    back = engine.findings(upgrade("rocblas", "7.1.1", "6.4.2", "1.el10_2", "1.el10_1"),
                           [Package("rocblas", "7.1.1", "1.el10_2")], CATALOG)
    for action in ("block", "lock"):
        decision = engine.transaction(back, settings(on_major=action), context)
        assert decision.kind == engine.WARN and decision.error == ""
        assert ("  Not stopped by policy (on_major = %s): going back to an older line is "
                "recovery, which a lock or block never holds back or refuses." % action) \
            in decision.lines[0].splitlines()
    assert "Not stopped" not in engine.transaction(back, settings(), context).lines[0]


def test_report_none_means_no_report_data():
    decision = engine.transaction(major_move(), settings(report=""), context)
    assert decision.kind == engine.WARN and decision.report is None


def test_hold_without_a_lock_policy_never_loads_a_sack():
    def no_sack():
        raise AssertionError("a sack was loaded")
    assert engine.hold(no_sack, CATALOG, settings(on_major="block"), context()) \
        == engine.Decision()


def test_a_failure_is_one_line_under_warn_and_a_refusal_under_lock_and_block():
    assert engine.failed("KeyError: x", settings()).lines == [
        "rocm_notice: internal error: KeyError: x (transaction not affected)"]
    for key, action in (("on_major", "lock"), ("on_minor", "block")):
        refused = engine.failed("KeyError: x", settings(**{key: action}))
        assert refused.kind == engine.BLOCK
        assert refused.error == notice.FAIL_CLOSED % ("KeyError: x", "%s = %s" % (key, action))
    assert engine.failed("no settings", None).error == ""


# -- the helper's protocol ----------------------------------------------------------------

def ask(request, raw=None):
    data = raw if raw is not None else json.dumps(request).encode()
    return native_helper.answer_text(native_helper.answer(data, libdnf_run.Run)[1]).splitlines()


def test_an_answer_is_framed_and_its_values_are_single_clean_lines():
    reply = run.Outcome(fail_closed=True, messages=["first\nsecond\x1b[31m"],
                        excludes=["rocblas-7.1.1-1.el10_2.noarch"], refuse="no\nway")
    assert native_helper.answer_text(reply).splitlines() == [
        "rocm-notice-libdnf\t1", "fail_closed\t1", "message\tfirst", "message\tsecond[31m",
        "excludes\t1", "exclude\trocblas-7.1.1-1.el10_2.noarch", "refuse\tno", "refuse\tway",
        "end"]


def test_a_bad_request_is_failed_and_no_policy_claim():
    """Nothing is known of the policy: the answer says only why (``failed``), and the
    plugin does as when no answer came (its fallback rule decides)."""
    for raw in (b"not json", b'{"protocol": 2, "hook": "conf"}',
                b'{"protocol": 1, "hook": "later"}', b"[]"):
        lines = ask(None, raw)
        assert lines[0] == "rocm-notice-libdnf\t1" and lines[-1] == "end"
        assert len(lines) == 3 and lines[1].startswith("failed\tbad request"), lines


def test_settings_that_cannot_be_read_are_failed_not_a_decision(tmp_path, monkeypatch):
    """A bug in the settings' reader: no policy to go by, so no message that claims the
    transaction is not affected: ``failed``, and the plugin's fallback rule decides
    (before: one line, '(transaction not affected)', and a blocked crossing went through)."""
    from rocm_notice.settings import config

    def broken(*args, **kwargs):
        raise KeyError("planted bug")
    monkeypatch.setattr(config, "load", broken)
    (tmp_path / "rocm_notice.conf").write_text("[main]\non_major = block\n")
    for hook in ("conf", "pre_transaction"):
        lines = ask({"protocol": 1, "hook": hook, "confdir": str(tmp_path), "items": []})
        assert lines[0] == "rocm-notice-libdnf\t1" and lines[-1] == "end", lines
        assert len(lines) == 3 and lines[1].startswith("failed\tKeyError: 'planted bug'"), lines


def test_conf_reports_the_policy_and_config_problems_and_clears_excludes(tmp_path):
    (tmp_path / "rocm_notice.conf").write_text("[main]\non_major = block\non_minr = lock\n")
    lines = ask({"protocol": 1, "hook": "conf", "confdir": str(tmp_path),
                 "installroot": str(tmp_path / "root")})
    assert lines[1] == "fail_closed\t1"
    assert any("unknown key 'on_minr' ignored (did you mean 'on_minor'?)" in l for l in lines)
    assert lines[-2:] == ["excludes\t0", "end"]


def test_pre_transaction_blocks_from_the_goal_records_alone(tmp_path):
    (tmp_path / "rocm_notice.conf").write_text("[main]\non_major = block\nreport = none\n")
    items = [{"direction": item.direction, "action": "upgrade" if item.direction == "in" else "upgraded", "name": item.package.name,
              "version": item.package.version, "release": item.package.release,
              "epoch": 0, "arch": "noarch", "provides": [], "obsoletes": []}
             for item in upgrade("rocblas", "6.4.2", "7.1.1")]
    lines = ask({"protocol": 1, "hook": "pre_transaction", "confdir": str(tmp_path),
                 "installroot": str(tmp_path / "no-root"), "items": items})
    refusal = [l.split("\t", 1)[1] for l in lines if l.startswith("refuse\t")]
    assert refusal[0].startswith("rocm_notice: blocked by policy (on_major = block): this "
                                 "transaction would move ROCm 6.4"), lines
    assert "excludes\t0" in lines      # no lock (any more): the plugin holds nothing


def test_enabled_0_makes_the_helper_say_nothing(tmp_path):
    (tmp_path / "rocm_notice.conf").write_text("[main]\nenabled = 0\non_major = block\n")
    lines = ask({"protocol": 1, "hook": "pre_transaction", "confdir": str(tmp_path),
                 "items": []})
    assert lines == ["rocm-notice-libdnf\t1", "fail_closed\t0", "excludes\t0", "end"]


def test_requests_are_lines_and_the_last_may_end_at_the_end_of_input():
    """The plugin ends each request with a newline; after the last it closes its end, and
    a request ended there without a newline is whole too (native/PROTOCOL.md)."""
    reading, writing = os.pipe()
    os.write(writing, b'{"hook": "pre_transaction"}\n{"hook": "transaction"}')
    os.close(writing)
    requests = native_helper.Requests(reading)
    assert requests.next() == b'{"hook": "pre_transaction"}'
    assert requests.next(wait=1) == b'{"hook": "transaction"}'
    assert requests.next(wait=1) == b""
    os.close(reading)


def test_a_helper_waits_for_the_next_request_no_longer_than_it_was_told():
    reading, writing = os.pipe()
    os.write(writing, b'{"hook": "pre_transaction"}\n')
    requests = native_helper.Requests(reading)
    assert requests.next() == b'{"hook": "pre_transaction"}'
    start = time.monotonic()
    assert requests.next(wait=0.2) == b""           # nothing came: the wait is over
    assert 0.15 < time.monotonic() - start < 5
    os.close(writing)
    os.close(reading)


def test_a_request_larger_than_the_limit_is_one_line_of_error(monkeypatch):
    monkeypatch.setattr(native_helper, "MAX_REQUEST", 1000)
    reading, writing = os.pipe()
    os.write(writing, b"x" * 5000)
    os.close(writing)
    hook, reply = native_helper.answer(native_helper.Requests(reading).next(),
                                       libdnf_run.Run)
    assert hook is None and reply.messages == []
    assert "larger than 1000 bytes" in reply.failed, reply.failed
    os.close(reading)


# -- the helper program, as a plugin runs it ---------------------------------------------

CROSSING = [{"direction": item.direction, "action": "upgrade", "name": item.package.name,
             "version": item.package.version, "release": item.package.release, "epoch": 0,
             "arch": "noarch", "provides": [], "obsoletes": [], "requires": []}
            for item in upgrade("rocblas", "6.4.2", "7.1.1")]


class HelperProcess:
    """native/rocm-epel-notice-helper libdnf over pipes, with the core at ``site``."""

    def __init__(self, site):
        self.process = subprocess.Popen(
            [str(CHECKOUT / "native" / "rocm-epel-notice-helper"), "libdnf"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=dict(os.environ, PYTHONPATH=str(site)))

    def ask(self, request, last=False):
        """Send one request (a line); the answer's lines, up to ``end`` (or the end)."""
        self.process.stdin.write(json.dumps(request).encode() + b"\n")
        self.process.stdin.flush()
        if last:
            self.process.stdin.close()
        lines = []
        while not lines or lines[-1] != "end":
            line = self.process.stdout.readline().decode()
            if not line:
                break
            lines.append(line.rstrip("\n"))
        return lines

    def finish(self):
        if not self.process.stdin.closed:
            self.process.stdin.close()
        rest = self.process.stdout.read()
        return self.process.wait(30), rest, self.process.stderr.read().decode()


def crossing_requests(tmp_path):
    (tmp_path / "rocm_notice.conf").write_text("[main]\n")
    root = tmp_path / "root"
    root.mkdir()
    common = {"protocol": 1, "confdir": str(tmp_path), "installroot": str(root),
              "program": "microdnf"}
    gate = dict(common, hook="pre_transaction", items=CROSSING, installed=[],
                compat_available=[])
    return gate, dict(common, hook="transaction"), root / "var/lib/rocm-epel-notice/last.json"


def test_the_gates_helper_answers_the_transaction_and_ignores_ctrl_c(tmp_path):
    """A gate's answer that wrote a report says ``waits``: the same process marks it
    applied once rpm has run. Ctrl-C on the front end's terminal reaches the helper too
    (its process group), and before that printed a KeyboardInterrupt traceback."""
    gate, transaction, report_path = crossing_requests(tmp_path)
    helper = HelperProcess(CHECKOUT)
    time.sleep(1)                               # started: reading its first request
    os.kill(helper.process.pid, signal.SIGINT)
    answer = helper.ask(gate)
    assert "waits\t1" in answer and "report_written\t1" in answer, answer
    assert json.loads(report_path.read_text())["applied"] is False
    os.kill(helper.process.pid, signal.SIGINT)  # while it waits
    assert helper.ask(transaction, last=True)[-1] == "end"
    code, rest, stderr = helper.finish()
    assert (code, rest, stderr) == (0, b"", "")
    assert json.loads(report_path.read_text())["applied"] is True


def test_a_helper_whose_package_was_upgraded_meanwhile_leaves_the_answer_to_a_new_one(
        tmp_path):
    """The transaction upgraded rocm-epel-notice itself: the old process would import
    the new code into the old. It ends without an answer; the plugin then runs a new
    helper (tests/e2e/test_libdnf.py: a helper that stopped waiting)."""
    site = tmp_path / "site"
    shutil.copytree(CHECKOUT / "rocm_notice", site / "rocm_notice",
                    ignore=shutil.ignore_patterns("__pycache__"))
    gate, transaction, report_path = crossing_requests(tmp_path)
    helper = HelperProcess(site)
    assert "waits\t1" in helper.ask(gate)
    init = site / "rocm_notice" / "__init__.py"
    (site / "new").write_bytes(init.read_bytes())
    os.replace(site / "new", init)              # as rpm writes a package's files anew
    assert helper.ask(transaction, last=True) == []
    assert helper.finish()[0] == 0
    assert json.loads(report_path.read_text())["applied"] is False


def test_the_helper_keeps_the_installed_packages_that_a_rocm_source_makes_rocms():
    """An unlisted name built from a ROCm source is ROCm's, as dnf 4's front end reads
    its installed stack (before: the helper kept only the names the catalog lists, and
    dropped what the plugin sent it for its source)."""
    sent = [{"name": name, "version": "6.4.2", "release": "1.el10_1", "arch": "x86_64",
             "sourcerpm": source} for name, source in (
                 ("rocblas-newtool", "rocblas-6.4.2-1.el10_1.src.rpm"),
                 ("rocblas", "rocblas-6.4.2-1.el10_1.src.rpm"),
                 ("zstd-tools", "zstd-1.5.6-1.el10_1.src.rpm"))]
    request = {"protocol": 1, "hook": "pre_transaction", "installed": sent}
    kept = native_helper.Run(request, run.Outcome()).installed()
    assert sorted(p.name for p in kept) == ["rocblas", "rocblas-newtool"]
