"""Issue 10: the policy holds under hostile and careless input, against real dnf.

Each test is one class of input that, before the fix, switched the policy off without a
word, let a repository write on the host, or hung dnf; variants of each, not only the
example the issue gives. Where the admin chose block or lock, doubt fails closed with a
message that says how to proceed; under warn, one line and dnf goes on.
"""

import json
import os
import shutil
import stat
import subprocess

import pytest

from tests.e2e import stacks
from tests.e2e.stacks import Pkg, so
from tests.harness.fixtures import build_repo, build_rpm, fake_gpus, forge_repo
from tests.harness.sandbox import Sandbox, with_versionlock

ALL = stacks.ROCM_NAMES + ["python3-torch", "zstd-tools"]
REPORT = "var/lib/rocm-epel-notice/last.json"
BLOCK = "[main]\non_major = block\n"
LOCK = "[main]\non_major = lock\n"


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """An installroot with EPEL 10.1's ROCm 6.4 stack, installed once and copied per test."""
    box = Sandbox(tmp_path_factory.mktemp("template") / "sandbox")
    box.use_repos(epel=stacks.epel_10_1())
    box.install(*ALL)
    return box


def on_64(template, tmp_path, conf="[main]\n", offered=None, path="sandbox"):
    """A fresh copy of the 6.4 installroot, plugin config ``conf``, ``offered`` packages
    (default: EPEL 10.2) in the enabled repository."""
    box = Sandbox(tmp_path / path, plugin_conf=conf)
    subprocess.run(["cp", "-a", str(template.root) + "/.", str(box.root)], check=True)
    box.use_repos(epel=stacks.epel_10_2() if offered is None else offered)
    return box


def ours(run):
    return [line for line in run.stderr.splitlines() if line.startswith("rocm_notice:")]


def assert_clean(run):
    assert "Traceback" not in run.stdout + run.stderr, run
    assert "rocm_notice" not in run.stdout, run


def assert_unchanged(box, before):
    assert box.installed() == before


def with_64_versions(**versions):
    """EPEL 10.2's stack with some packages' Versions replaced (name -> version)."""
    return [Pkg(p.name, versions.get(p.name, p.version), p.release, provides=p.provides,
                requires=tuple(r for r in p.requires if not r.startswith(tuple(versions))),
                obsoletes=p.obsoletes)
            for p in stacks.epel_10_2()]


# -- 1. the report never escapes the installroot -------------------------------------------

PROBE = "/tmp/rocm-epel-notice-escape-probe"   # fixed: it is inside the built RPM


@pytest.fixture
def host_probe():
    """A host directory with a 0600 file where a hostile package points its links."""
    shutil.rmtree(PROBE, ignore_errors=True)
    os.makedirs(PROBE)
    secret = os.path.join(PROBE, "last.json")
    with open(secret, "w") as handle:
        handle.write("host secret\n")
    os.chmod(secret, 0o600)
    yield secret
    shutil.rmtree(PROBE, ignore_errors=True)


@pytest.mark.parametrize("link, target, written", [
    ("/var/lib/rocm-epel-notice", PROBE, True),                   # the report directory
    ("/var/lib/rocm-epel-notice", "../../../../../../../.." + PROBE, True),   # climbing out
    # The report itself: inside the root the link leads nowhere, so nothing is written.
    ("/var/lib/rocm-epel-notice/last.json", PROBE + "/last.json", False),
])
def test_a_package_that_links_the_report_path_to_the_host_writes_nothing_there(
        template, tmp_path, host_probe, link, target, written):
    evil = Pkg("evil-data", "1.0", "1.el10_1", symlinks=((link, target),))
    box = on_64(template, tmp_path, offered=stacks.epel_10_1() + [evil])
    box.install("evil-data")
    box.use_repos(epel=stacks.epel_10_2() + [evil])
    run = box.dnf("-y", "upgrade")
    assert run.returncode == 0, run
    assert_clean(run)
    with open(host_probe) as handle:
        assert handle.read() == "host secret\n"
    assert stat.S_IMODE(os.stat(host_probe).st_mode) == 0o600
    assert os.listdir(PROBE) == ["last.json"]            # no temporary file either
    # The link is followed inside the root, as rpm itself would.
    inside = box.root / PROBE.lstrip("/") / "last.json"
    if written:
        assert json.loads(inside.read_text())["decision"] == "warn"
    else:
        assert not inside.exists()
        assert ("rocm_notice: cannot write report %s: a symbolic link to %s, which does not "
                "exist inside %s (transaction not affected)" % (
                    box.root / REPORT, target, box.root)) in ours(run), run


# -- 2. a UTF-8 byte order mark -----------------------------------------------------------

@pytest.mark.parametrize("where", ["main file", "drop-in"])
def test_a_byte_order_mark_does_not_hide_a_block(template, tmp_path, where):
    box = on_64(template, tmp_path)
    before = box.installed()
    text = "\ufeff" + BLOCK
    if where == "main file":
        box.write_conf(text)
    else:
        box.write_dropin("50-site.conf", text)
    for args in (("-y", "upgrade"), ("-q", "-y", "upgrade")):
        run = box.dnf(*args)
        assert run.returncode == 1, run
        assert "blocked by policy (on_major = block)" in run.stderr, run
    assert_unchanged(box, before)
    status = box.dnf("rocm", "status")
    assert "Policy: on_major = block" in status.stdout, status


# -- 3. a duplicate key whose last value is invalid ------------------------------------------

@pytest.mark.parametrize("text", [
    "[main]\non_major = block\non_major = blok\n",
    "[main]\non_major = block\n[main]\non_major = nope\n",
    "[main]\non_major = block\non_major =\n",
])
def test_an_invalid_later_value_never_replaces_a_valid_one(template, tmp_path, text):
    box = on_64(template, tmp_path, text)
    before = box.installed()
    run = box.dnf("-y", "upgrade")
    assert run.returncode == 1, run
    assert "blocked by policy (on_major = block)" in run.stderr, run
    assert any("keeping on_major = block" in line for line in ours(run)), run
    assert_unchanged(box, before)


# -- 4. pre-release and snapshot versions; a line that cannot be read ------------------------

ODD = {"rocm-hip": "7.1.1~rc1", "rocblas": "7.1.1^git20260101.abc1234", "hipblas": "7.1.1.1",
       "rocm-runtime": "7.1.1+fix1", "rocm-smi": "7.1.1_1"}


def test_pre_release_versions_of_the_new_line_are_blocked(template, tmp_path):
    box = on_64(template, tmp_path, BLOCK, offered=with_64_versions(**ODD))
    before = box.installed()
    run = box.dnf("-y", "upgrade")
    assert run.returncode == 1, run
    assert "ROCm 6.4 \u2192 7.1 (major): 9 packages" in run.stderr, run
    assert_unchanged(box, before)
    check = box.dnf("rocm", "check", "--json")
    assert check.returncode == 2, check
    assert json.loads(check.stdout)["crossings"][0]["to"] == "7.1"


def test_pre_release_versions_of_the_new_line_are_held(template, tmp_path):
    box = on_64(template, tmp_path, LOCK, offered=with_64_versions(**ODD))
    before = box.installed()
    run = box.dnf("-y", "upgrade")
    assert run.returncode == 0, run
    assert_clean(run)
    after = box.installed()
    assert {n: after[n] for n in ODD} == {n: before[n] for n in ODD}
    assert "ROCm held at 6.4 by policy (on_major = lock); 7.1 available" in run.stderr


# rocblas offered as "7.one.1", a build of the line this Version cannot tell.
UNREADABLE = [Pkg("rocblas", "7.one.1", "1.el10_2", provides=(so("librocblas.so.4"),),
                  requires=(so("libamdhip64.so.6"),)),
              Pkg("rocblas-devel", "7.one.1", "1.el10_2", requires=("rocblas = 7.one.1-1.el10_2",))]


@pytest.mark.parametrize("conf, code", [(BLOCK, 1), (LOCK, 0)])
def test_a_line_that_cannot_be_read_fails_closed(template, tmp_path, conf, code):
    """Under block it is refused, under lock held back."""
    box = on_64(template, tmp_path, conf, offered=UNREADABLE)
    before = box.installed()
    run = box.dnf("-y", "upgrade")
    assert run.returncode == code, run
    assert_clean(run)
    assert_unchanged(box, before)
    if code:
        assert ("cannot tell which ROCm release line rocblas 7.one.1-1.el10_2, rocblas-devel "
                "7.one.1-1.el10_2 would bring (installed: 6.4)") in run.stderr, run
        assert "--disableplugin=rocm_notice" in run.stderr
    else:
        assert "(2 whose release line cannot be read)" in run.stderr, run


def test_a_line_that_cannot_be_read_is_one_line_under_warn(template, tmp_path):
    box = on_64(template, tmp_path, "[main]\n", offered=UNREADABLE)
    run = box.dnf("-y", "upgrade")
    assert run.returncode == 0, run
    assert ours(run) == ["rocm_notice: cannot tell which ROCm release line rocblas, "
                         "rocblas-devel would bring; policy warn lets it through"], run
    assert box.installed()["rocblas"] == "7.one.1-1.el10_2"


# -- 5. a renamed package that obsoletes a ROCm package ------------------------------------

# rocm-smi: nothing else in the stack requires it, so dnf takes the replacement.
RENAMED = {
    "new name": Pkg("hip-smi-tools", "7.1.1", "1.el10_2", obsoletes=("rocm-smi < 7",),
                    provides=(so("librocm_smi64.so.8"),)),
    "compat-style name": Pkg("rocm-smi7.1", "7.1.1", "1.el10_2", obsoletes=("rocm-smi < 7",),
                             provides=(so("librocm_smi64.so.8"),)),
}


@pytest.mark.parametrize("case", sorted(RENAMED))
def test_an_obsoleting_package_is_blocked_like_the_package_it_replaces(template, tmp_path,
                                                                         case):
    box = on_64(template, tmp_path, BLOCK, offered=stacks.epel_10_1() + [RENAMED[case]])
    before = box.installed()
    run = box.dnf("-y", "upgrade")
    assert run.returncode == 1, run
    assert "ROCm 6.4 \u2192 7.1 (major): 1 package" in run.stderr, run
    assert_unchanged(box, before)


@pytest.mark.parametrize("case", sorted(RENAMED))
def test_an_obsoleting_package_is_held_like_the_package_it_replaces(template, tmp_path, case):
    box = on_64(template, tmp_path, LOCK, offered=stacks.epel_10_1() + [RENAMED[case]])
    before = box.installed()
    run = box.dnf("-y", "upgrade")
    assert run.returncode == 0, run
    assert_clean(run)
    after = box.installed()
    assert after["rocm-smi"] == before["rocm-smi"] and RENAMED[case].name not in after
    assert "ROCm held at 6.4 by policy (on_major = lock); 7.1 available" in run.stderr, run


# -- 6, 7, 11. configuration files we cannot read: named, bounded, never a hang ------------

def _dangling(path):
    path.symlink_to("/nonexistent/rocm-notice/site.conf")


def _dev_zero(path):
    path.symlink_to("/dev/zero")


def _huge(path):
    with open(str(path), "w") as handle:
        handle.write("[main]\n" + "# padding\n" * 200000)


def _fifo(path):
    os.mkfifo(str(path))


BROKEN = {"dangling symlink": (_dangling, "which does not exist"),
          "/dev/zero": (_dev_zero, "a character device, not a regular file"),
          "huge file": (_huge, "larger than 1 MiB"),
          "FIFO": (_fifo, "a FIFO, not a regular file")}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_an_unreadable_dropin_is_named_in_one_line_and_dnf_goes_on_under_warn(
        template, tmp_path, case):
    make, says = BROKEN[case]
    box = on_64(template, tmp_path)
    make(box.confdir / "rocm_notice.d" / "50-site.conf")
    run = box.dnf("-y", "upgrade", timeout=120)
    assert run.returncode == 0, run
    assert_clean(run)
    problems = [line for line in ours(run) if "50-site.conf" in line]
    assert len(problems) == 1 and says in problems[0], run
    assert box.installed()["rocblas"] == "7.1.1-1.el10_2"


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_an_unreadable_dropin_keeps_the_rest_of_the_configuration(template, tmp_path, case):
    """A valid block in the main file still blocks (before: MemoryError dropped it)."""
    make, says = BROKEN[case]
    box = on_64(template, tmp_path, BLOCK)
    before = box.installed()
    make(box.confdir / "rocm_notice.d" / "50-site.conf")
    run = box.dnf("-y", "upgrade", timeout=120)
    assert run.returncode == 1, run
    assert "blocked by policy (on_major = block)" in run.stderr, run
    assert any("50-site.conf" in line and says in line for line in ours(run)), run
    assert_unchanged(box, before)


@pytest.mark.parametrize("conf", [LOCK, "[main]\non_major = block\n"])
def test_under_doubt_a_crossing_the_readable_policy_lets_through_is_refused(template, tmp_path,
                                                                           conf):
    """The fail-closed rule: on_minor is warn in the files we can read, but a drop-in we
    cannot read could have said otherwise, and the admin chose lock or block elsewhere."""
    box = on_64(template, tmp_path, conf, offered=stacks.epel_10_1("6.5.0"))
    before = box.installed()
    _dangling(box.confdir / "rocm_notice.d" / "60-minor.conf")
    run = box.dnf("-y", "upgrade")
    assert run.returncode == 1, run
    assert_clean(run)
    assert ("the ROCm policy could not be read completely (rocm_notice: cannot read %s"
            % (box.confdir / "rocm_notice.d" / "60-minor.conf")) in run.stderr, run
    assert "would move ROCm 6.4 \u2192 6.5 (minor): 9 packages" in run.stderr
    assert "--disableplugin=rocm_notice" in run.stderr
    assert_unchanged(box, before)


def test_a_fifo_dropin_does_not_hang_commands_that_only_look(template, tmp_path):
    box = on_64(template, tmp_path)
    _fifo(box.confdir / "rocm_notice.d" / "50-site.conf")
    run = box.dnf("list", "--installed", "rocblas", timeout=60)
    assert run.returncode == 0, run
    assert "rocblas" in run.stdout


def test_a_fifo_in_sysfs_does_not_hang_a_warned_upgrade(template, tmp_path):
    box = on_64(template, tmp_path)
    sysfs = fake_gpus(tmp_path / "sysfs", 90010)
    node = sysfs / "sys/class/kfd/kfd/topology/nodes/1/properties"
    node.unlink()
    os.mkfifo(str(node))
    run = box.dnf("-y", "upgrade", env={"ROCM_NOTICE_SYSFS_ROOT": str(sysfs)}, timeout=60)
    assert run.returncode == 0, run
    assert "this transaction moves ROCm 6.4" in run.stderr


@pytest.mark.parametrize("args", [("rocm", "status"), ("rocm", "lock", "--versionlock"),
                                  ("rocm", "unlock")])
def test_a_fifo_as_versionlock_list_hangs_no_command(template, tmp_path, args):
    box = on_64(template, tmp_path)
    locklist = with_versionlock(box, tmp_path)
    locklist.unlink()
    os.mkfifo(str(locklist))
    run = box.dnf(*args, timeout=60)
    assert "a FIFO, not a regular file" in run.stdout + run.stderr, run
    assert "Traceback" not in run.stdout + run.stderr, run
    assert stat.S_ISFIFO(os.stat(str(locklist)).st_mode)
    assert not (box.confdir / "rocm_notice.d" / "90-dnf-rocm-lock.conf").exists()


# -- 8. RPM files on the command line under lock -------------------------------------------

def test_rpm_files_on_the_command_line_cannot_slip_past_a_lock(template, tmp_path):
    box = on_64(template, tmp_path, LOCK, offered=stacks.epel_10_1())
    before = box.installed()
    files = [str(build_rpm(p)) for p in stacks.epel_10_2()
             if p.name in stacks.ROCM_NAMES + ["python3-torch"]]
    run = box.dnf("-y", "upgrade", *files)
    assert run.returncode == 1, run
    assert_clean(run)
    assert ("Error: rocm_notice: policy holds ROCm at 6.4 (on_major = lock), but this "
            "transaction would still move it") in run.stderr, run
    assert "packages given as files on the command line" in run.stderr
    assert "dnf rocm allow 7.1" in run.stderr
    assert "set 'on_major = lock'" not in run.stderr       # no advice to set what is set
    assert_unchanged(box, before)


# -- 9. monitoring that cannot read the whole policy ----------------------------------------

@pytest.fixture
def shared_box(template):
    """An installroot another user can enter (pytest's tmp_path is root's alone)."""
    import tempfile
    path = tempfile.mkdtemp(prefix="rocm-notice-hostile-")
    os.chmod(path, 0o755)
    try:
        from pathlib import Path
        yield on_64(template, Path(path), BLOCK)
    finally:
        shutil.rmtree(path)


NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


def as_nobody(box, *args):
    tmp = box.root / "var" / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    os.chmod(str(tmp), 0o1777)
    readable = box.path / "epel-10.2"         # a copy that nobody can read
    if not readable.exists():
        shutil.copytree(str(build_repo(stacks.epel_10_2())), str(readable))
        for directory in [readable] + [p for p in readable.rglob("*") if p.is_dir()]:
            os.chmod(str(directory), 0o755)
        box.use_repos(epel=readable)
    return subprocess.run(NOBODY + box.dnf_args(*args), env=box.run_env(),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=300)


@pytest.mark.parametrize("hidden", ["drop-in", "drop-in directory"])
def test_check_by_a_user_who_cannot_read_the_policy_is_unknown(shared_box, hidden):
    box = shared_box
    dropin = box.confdir / "rocm_notice.d" / "50-site.conf"
    dropin.write_text("[main]\non_minor = block\n")
    os.chmod(str(box.confdir), 0o755)
    os.chmod(str(dropin if hidden == "drop-in" else dropin.parent), 0o600 if hidden == "drop-in"
             else 0o700)
    os.chmod(str(box.confdir / "rocm_notice.conf"), 0o644)
    run = as_nobody(box, "rocm", "check", "--json")
    assert run.returncode == 3, run
    found = json.loads(run.stdout)
    assert found["status"] == 3
    assert "Permission denied" in found["error"], found
    text = as_nobody(box, "rocm", "check")
    assert text.returncode == 3, text
    assert ("rocm_notice: cannot tell what an upgrade would do: the policy could not be read "
            "in full: cannot read") in text.stderr, text


# -- 10. commands that report what is true ----------------------------------------------

def test_lock_overridden_by_a_later_dropin_says_so_and_fails(template, tmp_path):
    box = on_64(template, tmp_path)
    box.write_dropin("99-site.conf", "[main]\non_major = warn\n")
    run = box.dnf("rocm", "lock")
    assert run.returncode == 1, run
    assert "ROCm is NOT held at 6.4: on_major = warn in %s" % (
        box.confdir / "rocm_notice.d" / "99-site.conf") in run.stderr, run
    assert "ROCm held" not in run.stdout


def test_lock_with_a_newer_line_approved_says_so_and_fails(template, tmp_path):
    box = on_64(template, tmp_path, "[main]\nallow = 7.1\n")
    run = box.dnf("rocm", "lock")
    assert run.returncode == 1, run
    assert "ROCm 7.1 is approved in %s" % (box.confdir / "rocm_notice.conf") in run.stderr, run


def test_disallow_while_another_file_still_approves_says_so_and_fails(template, tmp_path):
    box = on_64(template, tmp_path, BLOCK)
    assert box.dnf("rocm", "allow", "7.1").returncode == 0
    box.write_dropin("50-site.conf", "[main]\nallow = 7.1\n")
    run = box.dnf("rocm", "disallow", "7.1")
    assert run.returncode == 1, run
    assert "7.1 is still approved in %s" % (box.confdir / "rocm_notice.d" / "50-site.conf") \
        in run.stderr, run


# -- 12. a change to several files checks everything first ----------------------------------

def test_unlock_with_a_versionlock_list_that_is_a_directory_changes_nothing(template,
                                                                            tmp_path):
    box = on_64(template, tmp_path)
    locklist = with_versionlock(box, tmp_path)
    assert box.dnf("rocm", "lock").returncode == 0
    locklist.unlink()
    locklist.mkdir()
    run = box.dnf("rocm", "unlock")
    assert run.returncode == 1, run
    assert "a directory, not a regular file" in run.stderr, run
    assert (box.confdir / "rocm_notice.d" / "90-dnf-rocm-lock.conf").exists()
    status = box.dnf("rocm", "status")
    assert status.returncode == 0, status
    assert "a directory, not a regular file" in status.stdout, status


# -- 13. a reader of stderr that has gone away ---------------------------------------------

def with_stderr_closed(box, *args):
    """dnf ARGS with standard error a pipe whose reader has gone."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run(box.dnf_args(*args), env=box.run_env(),
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=write_end, timeout=300)
    finally:
        os.close(write_end)


@pytest.mark.parametrize("conf", ["[main]\n", LOCK])
def test_a_closed_stderr_pipe_does_not_change_the_outcome(template, tmp_path, conf):
    """Compared with dnf without the plugin, run the same way (dnf 4.23 itself writes to
    standard error during the transaction check, and dies of it; dnf 4.14 does not)."""
    box = on_64(template, tmp_path, conf)
    alone = on_64(template, tmp_path, conf, path="without-plugin")
    run = with_stderr_closed(box, "-y", "upgrade")
    baseline = with_stderr_closed(alone, "--disableplugin=rocm_notice", "-y", "upgrade")
    assert run.returncode == baseline.returncode, (run.stdout, baseline.stdout)
    if conf == LOCK and run.returncode == 0:
        assert box.installed()["rocblas"] == "6.4.2-1.el10_1"
        assert box.installed()["zstd-tools"] == "1.5.7-1.el10_2"
    else:
        assert box.installed() == alone.installed()


# -- 14. Unicode --------------------------------------------------------------------------

@pytest.mark.parametrize("character", ["\u202e", "\u200b", "\u2066", "\u2028"])
def test_format_characters_from_a_repository_never_reach_the_terminal(template, tmp_path,
                                                                       character):
    consumer = Pkg("torchxx", "2.7.1", "1.el10_2", obsoletes=("python3-torch < 2.6",),
                   requires=(so("libamdhip64.so.7"), so("librocblas.so.5")))
    offered = [p for p in stacks.epel_10_2() if p.name != "python3-torch"] + [consumer]
    ref = "&#x%x;" % ord(character)
    box = on_64(template, tmp_path, offered=forge_repo(offered, {
        ">torchxx<": ">torch%sxx<" % ref, "name=\"torchxx\"": "name=\"torch%sxx\"" % ref}))
    run = box.dnf("--assumeno", "upgrade")
    assert character not in run.stderr, run
    assert "Also moving to ROCm 7.1: torchxx." in run.stderr, run
    report = json.loads((box.root / REPORT).read_text())
    assert report["consumers"] == ["torchxx"]


@pytest.mark.parametrize("line", ["\u0667.\u0661", "\uff17.\uff11", "7.\u0661"])
def test_release_lines_in_other_scripts_approve_nothing(template, tmp_path, line):
    box = on_64(template, tmp_path, BLOCK + "allow = %s\n" % line)
    before = box.installed()
    run = box.dnf("-y", "upgrade")
    assert run.returncode == 1, run
    assert "blocked by policy (on_major = block)" in run.stderr
    assert any("allow = %s is not valid" % line in l for l in ours(run)), run
    command = box.dnf("rocm", "allow", line)
    assert command.returncode == 1, command
    assert "is not a release line" in command.stderr
    assert not (box.confdir / "rocm_notice.d" / "80-dnf-rocm-allow.conf").exists()
    assert_unchanged(box, before)


# -- 15. credentials never reach the world-readable report --------------------------------

def test_credentials_on_the_command_line_are_redacted_in_the_report(template, tmp_path):
    box = on_64(template, tmp_path)
    run = box.dnf("--setopt=proxy_password=hunter2", "--setopt=epel.password=s3cret",
                  "--setopt=sslclientkey=/root/secret.pem", "-y", "upgrade")
    assert run.returncode == 0, run
    text = (box.root / REPORT).read_text()
    for secret in ("hunter2", "s3cret", "/root/secret.pem"):
        assert secret not in text
    command = json.loads(text)["command"]
    assert "--setopt=proxy_password=***" in command and "upgrade" in command, command
