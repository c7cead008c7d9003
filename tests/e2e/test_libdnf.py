"""The libdnf plugin, driven through libdnf's C API as PackageKit and microdnf drive it.

A DnfContext with the sandbox's install root, repos, cache and our plugin's directory;
setup; the goal (update all, PackageKit's per-package update, or install by name); run.
The same fixture repos, the same policy files and the same messages as the dnf 4 tests.
"""

import shutil
import tempfile
from pathlib import Path

import pytest

from tests.e2e import stacks
from tests.e2e.stacks import Pkg
from tests.harness.fixtures import build_repo, core_with_planted_bug
from tests.harness.libdnf_c import HELPER, Libdnf
from tests.harness.sandbox import Sandbox

ALL = stacks.ROCM_NAMES + ["python3-torch", "zstd-tools"]
ROCM = stacks.ROCM_NAMES + ["python3-torch"]
HOLD_LINE = ("rocm_notice: ROCm held at 6.4 by policy (on_major = lock); 7.1 available, "
             "10 packages held back (patch updates of 6.4 still install); "
             "see 'dnf rocm status'")


def on_64(sandbox, conf, names=ALL, repos=None):
    """ROCm 6.4 installed (by dnf, from EPEL 10.1); EPEL 10.2 offered; ``conf`` in force."""
    libdnf = Libdnf(sandbox)
    sandbox.use_repos(epel=stacks.epel_10_1())
    sandbox.install(*names)
    sandbox.use_repos(epel=repos or stacks.epel_10_2())
    libdnf.write_conf(conf)
    return libdnf, sandbox.installed()


def rocm_of(installed):
    return {n: v for n, v in installed.items() if n in ROCM}


def ours(result):
    """Our lines on stderr."""
    return [l for l in result.stderr.splitlines() if "rocm_notice" in l]


def assert_clean(result):
    """No traceback, and nothing of ours on stdout (the driver prints only its result
    there, which carries libdnf's error)."""
    assert "Traceback" not in result.stdout + result.stderr, result
    assert result.stdout.startswith("run: "), result


# -- nothing to say ---------------------------------------------------------------------

def test_without_rocm_installed_an_upgrade_is_untouched_and_silent(sandbox):
    libdnf, before = on_64(sandbox, "[main]\non_major = block\non_minor = block\n",
                           names=["zstd-tools"])
    result = libdnf.run("upgrade-all")
    assert result.ok, result
    assert result.stderr == "", result
    assert sandbox.installed()["zstd-tools"] == "1.5.7-1.el10_2"
    assert libdnf.report() is None


def test_a_fresh_rocm_install_is_silent_even_under_block(sandbox):
    libdnf, _ = on_64(sandbox, "[main]\non_major = block\non_minor = block\n",
                      names=["zstd-tools"])
    result = libdnf.run("install", "rocm-hip")
    assert result.ok, result
    assert result.stderr == "", result
    assert sandbox.installed()["rocm-hip"] == "7.1.1-1.el10_2"


# -- warn -------------------------------------------------------------------------------

def _logging_helper(tmp_path, first=""):
    """The real helper behind a wrapper that keeps each request in a log, and a line in
    ``starts.log`` for each helper started (``helpers_started``). ``first``: a command
    the first helper's requests go through."""
    log = tmp_path / "hooks.log"
    wrapper = tmp_path / "helper"
    script = "#!/bin/sh\necho started >> '{starts}'\n"
    if first:
        script += ("if [ ! -e '{starts}.first' ]; then\n  touch '{starts}.first'\n"
                   "  {first} | tee -a '{log}' | '{helper}' \"$@\"\n  exit\nfi\n")
    script += "tee -a '{log}' | exec '{helper}' \"$@\"\n"
    wrapper.write_text(script.format(starts=tmp_path / "starts.log", first=first, log=log,
                                     helper=HELPER))
    wrapper.chmod(0o755)
    return wrapper, log


def helpers_started(tmp_path):
    starts = tmp_path / "starts.log"
    return len(starts.read_text().splitlines()) if starts.exists() else 0


def requests(log):
    """The requests in the log, in order (one JSON object a line)."""
    import json
    text, found, decoder = log.read_text() if log.exists() else "", [], json.JSONDecoder()
    while text.strip():
        request, end = decoder.raw_decode(text.strip())
        found.append(request)
        text = text.strip()[end:]
    return found


def _hooks(log):
    return [request["hook"] for request in requests(log)]


@pytest.mark.parametrize("conf, at_setup, names", [
    ("[main]\non_major = warn\n", False, ALL),             # a crossing, warned about
    ("[main]\non_minor = lock\n", True, ["zstd-tools"])])  # (a lock would doubt it)
def test_set_up_runs_no_helper_unless_a_file_says_lock_or_block(sandbox, tmp_path, conf,
                                                                 at_setup, names):
    """A warn system pays for no helper process at set-up (no hold can come of it); the
    configuration's problems are then said by the transaction's gate, once."""
    wrapper, log = _logging_helper(tmp_path)
    libdnf, _ = on_64(sandbox, conf + "scan_seconds = soon\n", names=names)
    libdnf.helper = str(wrapper)
    result = libdnf.run("upgrade-all")
    assert result.ok, result
    assert ("conf" in _hooks(log)) is at_setup, _hooks(log)
    assert "pre_transaction" in _hooks(log)
    said = [l for l in ours(result) if "scan_seconds = soon is not valid" in l]
    assert len(said) == 1, result


def test_a_warn_system_starts_no_helper_for_a_transaction_without_rocm(sandbox, tmp_path):
    """The plugin reads the names file (rocm_notice.frontends.native.names) and asks the
    helper nothing when no package of the transaction may be ROCm's."""
    wrapper, log = _logging_helper(tmp_path)
    libdnf, _ = on_64(sandbox, "[main]\n", names=["zstd-tools"])
    libdnf.helper = str(wrapper)
    result = libdnf.run("upgrade-all")
    assert result.ok, result
    assert _hooks(log) == [] and result.stderr == "", (_hooks(log), result)
    assert sandbox.installed()["zstd-tools"] == "1.5.7-1.el10_2"


NEWTOOL = "rocblas-newtool"     # a name no list has, built from a ROCm source


@pytest.mark.parametrize("why", ["source", "include", "no names file"])
def test_a_warn_system_asks_the_helper_whenever_rocm_may_move(sandbox, tmp_path, why):
    """A package only its source makes ROCm's, the admin's own names (include), or no
    names file to read: the helper is asked, and decides."""
    wrapper, log = _logging_helper(tmp_path)
    libdnf = Libdnf(sandbox)
    libdnf.helper = str(wrapper)
    if why == "source":
        sandbox.use_repos(epel=[Pkg(NEWTOOL, "6.4.2", "1.el10_1", source="rocblas")])
        sandbox.install(NEWTOOL)
        sandbox.use_repos(epel=[Pkg(NEWTOOL, "7.1.1", "1.el10_2", source="rocblas")])
        libdnf.write_conf("[main]\n")
    else:
        sandbox.use_repos(epel=stacks.epel_10_1())
        sandbox.install("zstd-tools")
        sandbox.use_repos(epel=stacks.epel_10_2())
        libdnf.write_conf("[main]\ninclude = site-rocm-*\n" if why == "include" else "[main]\n")
        if why == "no names file":
            libdnf.names.unlink()
    result = libdnf.run("upgrade-all")
    assert result.ok, result
    assert _hooks(log)[:1] == ["pre_transaction"] and "conf" not in _hooks(log), \
        (_hooks(log), result)
    if why == "source":
        assert "moves ROCm 6.4 \u2192 7.1 (major)" in result.stderr, result
    else:
        assert result.stderr == "", result


@pytest.mark.parametrize("conf, every", [("[main]\n", False),
                                         ("[main]\ninclude = site-rocm-*\n", True)])
def test_the_gate_sends_only_the_installed_packages_that_may_be_rocms(sandbox, tmp_path,
                                                                       conf, every):
    """The helper reads only the installed packages the catalog knows by name: the plugin
    sends those the names file knows (a superset), not the whole rpmdb, unless the admin
    names more (include): then every one. Of the transaction's other packages it sends who
    they are and, coming in, the requires that can name a soname (a consumer of the new
    line is found by them). The notice is the same either way."""
    wrapper, log = _logging_helper(tmp_path)
    libdnf, _ = on_64(sandbox, conf)
    libdnf.helper = str(wrapper)
    result = libdnf.run("upgrade-all")
    assert result.ok, result
    gate = [r for r in requests(log) if r["hook"] == "pre_transaction"]
    names = {p["name"] for p in gate[0]["installed"]}
    assert set(stacks.ROCM_NAMES) <= names, names
    assert ("zstd-tools" in names) is every, names
    assert_slim(gate[0]["items"], every)
    assert "moves ROCm 6.4 \u2192 7.1 (major)" in result.stderr, result
    assert "  Also moving to ROCm 7.1: python3-torch." in result.stderr, result


def assert_slim(items, every):
    """ROCm's packages whole; the others (python3-torch, a consumer) slim unless
    ``every``."""
    sent = {(item["name"], item["direction"]): item for item in items}
    assert {"provides", "obsoletes", "requires"} <= set(sent[("rocblas", "in")])
    assert {"provides", "obsoletes"} <= set(sent[("rocblas", "out")])
    torch_in, torch_out = sent[("python3-torch", "in")], sent[("python3-torch", "out")]
    assert ("provides" in torch_in) is every and ("provides" in torch_out) is every, sent
    assert ("obsoletes" in torch_in) is every, torch_in
    assert {"libamdhip64.so.7()(64bit)", "librocblas.so.5()(64bit)"} <= set(
        torch_in["requires"]), torch_in
    if not every:
        assert all(r.startswith("lib") and ".so" in r for r in torch_in["requires"]), torch_in


def test_warn_shows_the_notice_on_stderr_and_the_upgrade_goes_on(sandbox):
    libdnf, _ = on_64(sandbox, "[main]\n")
    result = libdnf.run("upgrade-all")
    assert result.ok, result
    assert_clean(result)
    assert result.stderr.startswith(
        "rocm_notice: this transaction moves ROCm 6.4 \u2192 7.1 (major): 9 packages\n"), result
    assert "  Libraries that go away: libamdhip64.so.6, libhipblas.so.2, librocblas.so.4." \
        in result.stderr
    assert "  Also moving to ROCm 7.1: python3-torch." in result.stderr
    assert "  libdnf_driver applies the change now (it asks nothing after this point)." \
        in result.stderr
    assert "  To keep 6.4 beside 7.1 instead: dnf install rocblas6.4 rocm-hip6.4" \
        in result.stderr
    assert result.stderr.count("rocm_notice:") == 1      # one notice per transaction
    assert sandbox.installed()["rocblas"] == "7.1.1-1.el10_2"
    report = libdnf.report()
    assert report["decision"] == "warn"
    # the whole report, as every front end writes it: the front end's command line, the
    # front end, and applied once rpm has run (before: only dnf 4 wrote these keys)
    assert report["command"].endswith("/libdnf_driver %s %s %s %s upgrade-all" % (
        sandbox.root, sandbox.reposdir, libdnf.cache, libdnf.plugins)), report["command"]
    assert (report["via"], report["program"]) == ("libdnf", "libdnf_driver")
    assert report["applied"] is True and report["applied_time"], report
    assert [(f["from"], f["to"]) for f in report["findings"]] == [("6.4", "7.1")]


def test_a_crossing_runs_one_helper_whose_report_the_transaction_applies(sandbox, tmp_path):
    """The gate's helper wrote the report; it waits, and answers the transaction's
    request too (before: a second helper, a second Python start, once rpm had run)."""
    wrapper, log = _logging_helper(tmp_path)
    libdnf, _ = on_64(sandbox, "[main]\n")
    libdnf.helper = str(wrapper)
    result = libdnf.run("upgrade-all")
    assert result.ok, result
    assert _hooks(log) == ["pre_transaction", "transaction"], _hooks(log)
    assert helpers_started(tmp_path) == 1
    assert libdnf.report()["applied"] is True and sandbox.installed()["rocblas"] == "7.1.1-1.el10_2"


def test_a_gate_helper_that_stopped_waiting_is_replaced_once_rpm_has_run(sandbox, tmp_path):
    """A helper waits for the transaction's request only so long (or it is gone): the
    plugin then runs a new one, and the report still says the transaction was applied.
    Here the first helper's input ends after its first request."""
    wrapper, log = _logging_helper(tmp_path, first="head -n 1")
    libdnf, _ = on_64(sandbox, "[main]\n")
    libdnf.helper = str(wrapper)
    result = libdnf.run("upgrade-all")
    assert result.ok, result
    assert_clean(result)
    assert _hooks(log) == ["pre_transaction", "transaction"], _hooks(log)
    assert helpers_started(tmp_path) == 2
    assert result.stderr.count("rocm_notice:") == 1, result     # no line of a failure
    assert libdnf.report()["applied"] is True, libdnf.report()


def without_hawkey(libdnf, tmp_path):
    """The helper of ``libdnf`` with a ``hawkey`` that cannot be imported."""
    blocked = tmp_path / "no-hawkey"
    blocked.mkdir()
    (blocked / "hawkey.py").write_text("raise ImportError('hawkey imported by the helper')\n")
    libdnf.pythonpath = "%s:%s" % (blocked, libdnf.pythonpath)


@pytest.mark.parametrize("conf", ["[main]\n", "[main]\non_major = block\n"])
def test_at_the_gate_the_helper_reads_libdnfs_packages_not_its_own(sandbox, tmp_path, conf):
    """The notice and the refusal come from what libdnf holds in memory (the installed
    packages, the compat names on offer, sent with the goal): the helper imports no
    package manager and loads no metadata or rpmdb a second time."""
    libdnf, _ = on_64(sandbox, conf)
    without_hawkey(libdnf, tmp_path)
    result = libdnf.run("upgrade-all")
    assert_clean(result)
    said = result.stdout + result.stderr
    assert "internal error" not in said and "hawkey" not in said, result
    if conf == "[main]\n":
        assert result.ok, result
        assert "  Libraries that go away: libamdhip64.so.6, libhipblas.so.2, " \
            "librocblas.so.4." in result.stderr, result
        assert "  To keep 6.4 beside 7.1 instead: dnf install rocblas6.4 rocm-hip6.4" \
            in result.stderr, result
    else:
        assert not result.ok, result
        assert "run: FALSE: rocm_notice: blocked by policy (on_major = block)" in said
        assert sandbox.installed()["rocblas"] == "6.4.2-1.el10_1"


def test_a_patch_update_is_silent(sandbox):
    patch = Pkg("rocm-smi", "6.4.3", "1.el10_1", provides=(stacks.so("librocm_smi64.so.7"),))
    libdnf, _ = on_64(sandbox, "[main]\non_major = block\n",
                      repos=stacks.epel_10_1() + [patch])
    result = libdnf.run("upgrade-all")
    assert result.ok, result
    assert result.stderr == "", result
    assert sandbox.installed()["rocm-smi"] == "6.4.3-1.el10_1"


# -- lock -------------------------------------------------------------------------------

PATCH_64 = Pkg("rocm-smi", "6.4.3", "1.el10_1", provides=(stacks.so("librocm_smi64.so.7"),))


def test_lock_holds_the_line_with_best_while_its_patch_update_installs(sandbox):
    libdnf, before = on_64(sandbox, "[main]\non_major = lock\n",
                           repos=stacks.epel_10_2() + [PATCH_64])
    result = libdnf.run("--best", "upgrade-all")
    assert result.ok, result
    assert_clean(result)
    assert ours(result) == [HOLD_LINE], result
    after = sandbox.installed()
    assert after["rocm-smi"] == "6.4.3-1.el10_1"          # the patch of the held line
    expected = dict(rocm_of(before), **{"rocm-smi": "6.4.3-1.el10_1"})
    assert rocm_of(after) == expected
    assert after["zstd-tools"] == "1.5.7-1.el10_2"        # the rest of the update
    assert libdnf.report()["decision"] == "hold"


def test_lock_holds_when_updated_package_by_package_as_packagekit_does(sandbox):
    libdnf, before = on_64(sandbox, "[main]\non_major = lock\n")
    result = libdnf.run("update-packages")
    assert result.ok, result
    assert ours(result) == [HOLD_LINE], result
    after = sandbox.installed()
    assert rocm_of(after) == rocm_of(before)
    assert after["zstd-tools"] == "1.5.7-1.el10_2"


def test_repositories_that_change_after_set_up_are_held_at_once_not_refused(sandbox):
    """The repositories change after the context was set up (packagekitd runs for hours;
    EPEL 10.2 appears): the hold is worked out again from the new metadata before libdnf
    applies its excludes to the package set it builds, so the line is held on this very
    run. Before: refused ("the repositories changed after the hold was worked out")."""
    libdnf, before = on_64(sandbox, "[main]\non_major = lock\n")
    link = sandbox.path / "epel-now"
    link.symlink_to(build_repo(stacks.epel_10_1()))
    (sandbox.reposdir / "epel.repo").write_text(
        "[epel]\nname=epel\nbaseurl=file://%s\ngpgcheck=0\nenabled=1\n" % link)
    swap = "ln -sfn %s %s" % (build_repo(stacks.epel_10_2()), link)
    result = libdnf.run("--between", swap, "upgrade-all")
    assert result.ok, result
    assert ours(result) == [HOLD_LINE], result       # once, though worked out twice
    after = sandbox.installed()
    assert rocm_of(after) == rocm_of(before)
    assert after["zstd-tools"] == "1.5.7-1.el10_2"
    assert libdnf.report()["decision"] == "hold"
    assert libdnf.report()["applied"] is True


# -- block ------------------------------------------------------------------------------

def test_block_makes_dnf_context_run_fail_with_our_message_and_changes_nothing(sandbox):
    """The guard against libdnf ever turning our refusal into a silent "success"
    (returning TRUE with nothing installed, as a hook returning 0 does)."""
    libdnf, before = on_64(sandbox, "[main]\non_major = block\n")
    result = libdnf.run("upgrade-all")
    assert result.returncode == 1, result
    assert result.stdout.startswith(
        "run: FALSE: rocm_notice: blocked by policy (on_major = block): this transaction "
        "would move ROCm 6.4 \u2192 7.1 (major): 9 packages; nothing was changed.\n"), result
    assert "To approve ROCm 7.1: run 'dnf rocm allow 7.1'" in result.stdout
    assert_clean(result)
    assert sandbox.installed() == before            # zstd-tools included
    assert libdnf.report()["blocked"] == [{"from": "6.4", "to": "7.1", "boundary": "major"}]


def test_block_refuses_packagekit_style_updates_too(sandbox):
    libdnf, before = on_64(sandbox, "[main]\non_major = block\n")
    result = libdnf.run("update-packages")
    assert result.returncode == 1, result
    assert "rocm_notice: blocked by policy (on_major = block)" in result.stdout
    assert sandbox.installed() == before


def test_block_with_the_line_allowed_lets_it_through_with_the_notice(sandbox):
    libdnf, _ = on_64(sandbox, "[main]\non_major = block\n")
    libdnf.write_dropin("80-dnf-rocm-allow.conf", "[main]\nallow = 7.1\n")
    result = libdnf.run("upgrade-all")
    assert result.ok, result
    assert "this transaction moves ROCm 6.4 \u2192 7.1 (major)" in result.stderr
    assert sandbox.installed()["rocblas"] == "7.1.1-1.el10_2"


# -- when the helper fails ----------------------------------------------------------------

def missing(sandbox):
    return Libdnf(sandbox, helper=sandbox.path / "no-such-helper")


def crashing(sandbox):
    script = sandbox.path / "crashing-helper"
    script.write_text("#!/bin/sh\nhead -n 1 >/dev/null\nkill -9 $$\n")
    script.chmod(0o755)
    return Libdnf(sandbox, helper=script)


def test_a_missing_helper_fails_open_under_warn_with_one_line(sandbox):
    _, before = on_64(sandbox, "[main]\n")
    result = missing(sandbox).run("upgrade-all")
    assert result.ok, result
    assert ours(result) == ["rocm_notice: internal error: cannot run %s: No such file or "
                            "directory (transaction not affected)"
                            % (sandbox.path / "no-such-helper")], result
    assert sandbox.installed()["rocblas"] == "7.1.1-1.el10_2"


def test_a_crashing_helper_fails_closed_under_lock(sandbox):
    """Issue 10: a lock either holds or says why it cannot; a helper that never answers
    cannot hold, so the transaction is refused (as the dnf 4 plugin fails closed)."""
    _, before = on_64(sandbox, "[main]\non_major = lock\n")
    result = crashing(sandbox).run("upgrade-all")
    assert result.returncode == 1, result
    assert "was killed by signal 9" in result.stdout, result
    assert "the transaction is blocked because policy says lock or block" in result.stdout
    assert sandbox.installed() == before


def test_a_missing_helper_fails_closed_under_block(sandbox):
    _, before = on_64(sandbox, "[main]\n")
    libdnf = missing(sandbox)
    libdnf.write_dropin("50-site.conf", "[main]\non_minor = block\n")
    result = libdnf.run("upgrade-all")
    assert result.returncode == 1, result
    assert result.stdout.startswith("run: FALSE: rocm_notice: could not evaluate ROCm "
                                    "policy: cannot run "), result
    assert "the transaction is blocked because policy says lock or block" in result.stdout
    # the line at the CONF hook does not promise what the refusal then breaks
    assert ours(result) == ["rocm_notice: internal error: cannot run %s: No such file or "
                            "directory (the ROCm policy says lock or block: the transaction "
                            "will be refused unless this is fixed)"
                            % (sandbox.path / "no-such-helper")], result
    assert sandbox.installed() == before


def test_a_crashing_helper_fails_closed_under_block(sandbox):
    _, before = on_64(sandbox, "[main]\non_major = block\n")
    result = crashing(sandbox).run("upgrade-all")
    assert result.returncode == 1, result
    assert "could not evaluate ROCm policy" in result.stdout, result
    assert sandbox.installed() == before


@pytest.mark.parametrize("where", [("core.analysis", "analyse"), ("settings.config", "load")])
def test_a_bug_in_the_core_fails_open_under_warn_and_closed_under_block(sandbox, tmp_path,
                                                                        where):
    """Also where the bug is in reading the settings (the helper cannot tell the policy:
    the plugin's fallback rule decides; before, the blocked crossing went through)."""
    _, before = on_64(sandbox, "[main]\non_major = block\n")
    libdnf = Libdnf(sandbox)
    libdnf.pythonpath = str(core_with_planted_bug(tmp_path, *where))
    blocked = libdnf.run("upgrade-all")
    assert blocked.returncode == 1, blocked
    assert blocked.stdout.startswith("run: FALSE: rocm_notice: could not evaluate ROCm "
                                     "policy: KeyError: 'planted bug'"), blocked
    assert "dnf --disableplugin" not in blocked.stdout, blocked      # not dnf's way out
    assert "Traceback" not in blocked.stdout + blocked.stderr
    assert sandbox.installed() == before
    libdnf.write_conf("[main]\n")
    warned = libdnf.run("upgrade-all")
    assert warned.ok, warned
    assert ours(warned) == ["rocm_notice: internal error: KeyError: 'planted bug' "
                            "(transaction not affected)"], warned
    assert sandbox.installed()["rocblas"] == "7.1.1-1.el10_2"


def test_a_bug_leaves_one_line_that_says_where_its_traceback_went(sandbox, tmp_path):
    """As on dnf 4 (whose dnf.log keeps it): the traceback goes to the system log, here a
    socket bound for the test (ROCM_NOTICE_SYSLOG_SOCKET), for a bug report; the user's
    terminal, or packagekitd's journal stream, gets one line naming where it went."""
    import socket
    _, before = on_64(sandbox, "[main]\n")
    libdnf = Libdnf(sandbox)
    libdnf.pythonpath = str(core_with_planted_bug(tmp_path))
    directory = Path(tempfile.mkdtemp(prefix="rn-log-", dir="/tmp"))
    reader = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        reader.bind(str(directory / "log"))
        reader.setblocking(False)
        warned = libdnf.run("upgrade-all",
                            env={"ROCM_NOTICE_SYSLOG_SOCKET": str(directory / "log")})
        logged = []
        while True:
            try:
                logged.append(reader.recv(65536).decode("utf-8", "replace"))
            except BlockingIOError:
                break
    finally:
        reader.close()
        shutil.rmtree(directory)
    assert warned.ok, warned
    assert ours(warned) == ["rocm_notice: internal error: KeyError: 'planted bug' (its "
                            "traceback: journalctl -t rocm_notice) (transaction not "
                            "affected)"], warned
    assert "Traceback" not in warned.stdout + warned.stderr
    text = "\n".join(logged)
    assert "traceback of KeyError" in text and "Traceback (most recent call last):" in text
    assert "in analyse" in text, text


def test_the_refusal_reaches_libdnf_as_an_error_not_a_crash(sandbox):
    """libdnf turns only libdnf::Error into a GError; anything else thrown from a hook
    aborts the front end (packagekitd would crash). The driver must exit 1, not die."""
    libdnf, _ = on_64(sandbox, "[main]\non_major = block\n")
    result = libdnf.run("upgrade-all")
    assert result.returncode == 1, result       # not -6 (SIGABRT from std::terminate)
    assert "terminate called" not in result.stderr, result


def test_a_new_subpackage_of_a_rocm_source_is_refused_like_the_rest_under_block(sandbox):
    """Its name is in no list: only its source package (rocblas) makes it ROCm, and the
    plugin hands libdnf's source RPM to the helper."""
    newcomer = Pkg("rocblas-benchmarks", "7.1.1", "1.el10_2", source="rocblas")
    libdnf, before = on_64(sandbox, "[main]\non_major = block\n",
                           repos=stacks.epel_10_2() + [newcomer])
    result = libdnf.run("install", "rocblas-benchmarks")
    assert result.returncode == 1, result
    assert "ROCm 6.4 \u2192 7.1 (major): 1 package" in result.stdout, result
    assert sandbox.installed() == before


def test_libdnf_answers_as_dnf_does_at_the_edges_of_the_pairing(tmp_path):
    """Builds that pair by name but not otherwise, and replacements by another name
    (stacks.pairing_edges): under block, libdnf (as PackageKit drives it) refuses, warns or
    stays silent where dnf does, with the same words. dnf's side runs first, with
    --assumeno, on the same root (test_everyday_agrees.py checks it against the full
    analysis)."""
    block = "[main]\non_major = block\non_minor = block\n"
    for label, offered, says in stacks.pairing_edges():
        sandbox = Sandbox(tmp_path / label)
        sandbox.write_conf(block)
        sandbox.use_repos(epel=stacks.epel_10_1("6.4.1"))
        sandbox.install("rocm-runtime", "rocm-hip", "rocblas")
        before = sandbox.installed()
        sandbox.use_repos(epel=stacks.epel_10_1("6.4.1"), extra=offered)
        by_dnf = sandbox.dnf("--assumeno", "upgrade")
        dnf_says = [line[len("Error: "):] if line.startswith("Error: ") else line
                    for line in by_dnf.stderr.splitlines() if line.startswith(
                        ("rocm_notice:", "Error: rocm_notice:"))]
        libdnf = Libdnf(sandbox)
        libdnf.write_conf(block)
        result = libdnf.run("upgrade-all")
        assert_clean(result)
        refused = result.stdout.startswith("run: FALSE")
        libdnf_says = ([result.stdout.strip()[len("run: FALSE: "):].splitlines()[0]]
                       if refused else [line for line in result.stderr.splitlines()
                                        if line.startswith("rocm_notice:")])
        assert dnf_says == libdnf_says == ([says] if says else []), (label, by_dnf, result)
        assert refused == (says == stacks.REFUSES_71), (label, result)
        assert (sandbox.installed() == before) == refused, (label, result)


@pytest.mark.parametrize("conf", ["[main]\non_minor = block\n", "[main]\non_minor = lock\n"])
def test_an_older_line_with_a_higher_epoch_is_let_through_and_says_why(sandbox, conf):
    """As dnf 4 (test_policy.py), as PackageKit drives libdnf: an Epoch-bumped build of an
    older line is a move back, which neither lock nor block stops; the notice says so."""
    libdnf = Libdnf(sandbox)
    sandbox.use_repos(epel=stacks.epel_10_1("6.4.1"))
    sandbox.install("rocm-runtime", "rocm-hip", "rocblas")
    sandbox.use_repos(epel=stacks.epel_10_1("6.4.1"), extra=stacks.epoch_revert())
    libdnf.write_conf(conf)
    result = libdnf.run("upgrade-all")
    assert result.ok, result
    assert_clean(result)
    assert sandbox.installed()["rocblas"] == "6.3.9-1.el10_1"
    assert ours(result) == [stacks.REVERTED], result
    assert stacks.RECOVERY % conf.split("\n")[1] in result.stderr.splitlines(), result


def test_lock_holds_a_replacement_by_another_name_at_another_line(sandbox):
    """An unknown name at 7.1 obsoleting rocm-hip (stacks.pairing_edges' "other-line"): the
    hold keeps it out, as dnf's does (test_hostile.py); the run succeeds and changes nothing."""
    offered = dict((label, packages) for label, packages, _ in stacks.pairing_edges())
    libdnf = Libdnf(sandbox)
    sandbox.use_repos(epel=stacks.epel_10_1("6.4.1"))
    sandbox.install("rocm-runtime", "rocm-hip", "rocblas")
    before = sandbox.installed()
    sandbox.use_repos(epel=stacks.epel_10_1("6.4.1"), extra=offered["other-line"])
    libdnf.write_conf("[main]\non_major = lock\n")
    result = libdnf.run("upgrade-all")
    assert result.ok, result
    assert_clean(result)
    assert ours(result) == ["rocm_notice: ROCm held at 6.4 by policy (on_major = lock); 7.1 "
                            "available, 1 package held back (patch updates of 6.4 still "
                            "install); see 'dnf rocm status'"], result
    assert sandbox.installed() == before
