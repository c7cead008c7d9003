"""The real EPEL 10.1 -> 10.2 -> 10.3 ROCm packages through real dnf (tests/e2e/real_epel.py).

Real names, source packages, NEVRAs and sonames: the 6.4 -> 7.1 soname moves, rocm-devel
6.4.1 beside its 6.4.2 stack, builds carried into 10.3 with their .el10_2 tag, the
compilersupport family's LLVM Versions (19, 20, 22), aqlprofile's 0.0^git build, and
packages built from real ROCm source packages under names no list has (new subpackages):
warned about, held under lock, counted under block, shown by 'dnf rocm status'.
"""

import json

from tests.e2e import real_epel as real

REPORT = ("var", "lib", "rocm-epel-notice", "last.json")
NEW_64 = real.new_subpackages(real.EPEL_10_1, real.NEW_NAMES)
NEW_71 = real.new_subpackages(real.EPEL_10_2, real.NEW_NAMES)
NEW = sorted(real.NEW_NAMES.values())
ROCM_64 = real.ROCM_10_1 + NEW            # 20 real packages + 3 new subpackages
ARROW = "\u2192"


def on_10_1(sandbox, conf="[main]\n"):
    """The EPEL 10.1 stack installed, new subpackages included; EPEL 10.2 enabled."""
    sandbox.write_conf(conf)
    sandbox.use_repos(epel=real.EPEL_10_1 + NEW_64)
    sandbox.install(*real.INSTALLED_10_1 + NEW)
    before = sandbox.installed()
    sandbox.use_repos(epel=real.EPEL_10_2 + NEW_71)
    return before


def ours(run):
    return [l for l in run.stderr.splitlines() if l.startswith("rocm_notice")]


def report_of(sandbox):
    return json.loads(sandbox.root.joinpath(*REPORT).read_text())


def assert_clean(run):
    assert "Traceback" not in run.stdout + run.stderr, run
    assert "rocm_notice" not in run.stdout, run


def test_real_6_4_to_7_1_names_every_real_soname_move_and_every_package(sandbox):
    on_10_1(sandbox)
    run = sandbox.dnf("-y", "upgrade")
    assert run.returncode == 0, run
    assert_clean(run)
    heading = "rocm_notice: this transaction moves ROCm 6.4 %s 7.1 (major): %d packages" % (
        ARROW, len(ROCM_64))
    assert ours(run)[0] == heading, run
    assert "EPEL: packages built for 10.1 %s 10.2" % ARROW in run.stderr
    assert "Also moving to ROCm 7.1: python3-torch." in run.stderr
    assert "dnf install rocblas6.4 rocm-hip6.4" in run.stderr
    report = report_of(sandbox)
    assert report["lost_sonames"] == real.LOST_AT_7_1
    (crossing,) = report["findings"]
    assert sorted(crossing["packages"]) == sorted(ROCM_64)   # the new subpackages included
    assert crossing["epel_from"] == ["10.1"] and crossing["epel_to"] == ["10.2"]
    after = sandbox.installed()
    assert after["rocm-hip"] == "7.1.1-2.el10_2"
    assert after["hipcc"] == "20-12.rocm7.1.1.el10_2"
    assert after["rocm-devel"] == "7.1.0-2.el10_2"
    assert after["aqlprofile"] == "7.1.0-1.el10_2"
    assert after["hip-samples"] == "7.1.1-2.el10_2"
    assert after["rocm-llvm-newtool"] == "20-12.rocm7.1.1.el10_2"
    assert "hipcc-libomp-devel" not in after            # a stale build is not pulled in


def test_rocm_devel_6_4_1_beside_its_6_4_2_stack_is_one_line(sandbox):
    on_10_1(sandbox)
    run = sandbox.dnf("-q", "rocm", "status", "--json")
    assert run.returncode == 0, run
    status = json.loads(run.stdout)
    # aqlprofile's 0.0^git build has no release: the other 22 are on 6.4.
    assert status["installed"] == {"6.4": {"packages": len(ROCM_64) - 1, "epel": ["10.1"]}}
    assert status["installed_line"] == "6.4"
    ready = {p.name for p in real.EPEL_10_2 + NEW_71} - {"python3-torch", "rocblas6.4",
                                                        "rocm-hip6.4"}
    assert status["available"]["7.1"] == {"packages": len(ready), "epel": ["10.2"]}
    assert list(status["available"]) == ["7.1"]    # 6.4 is left only as compat packages
    text = sandbox.dnf("rocm", "status")
    assert "6.4: %d packages (EPEL 10.1)" % (len(ROCM_64) - 1) in text.stdout, text


def test_lock_holds_the_real_stack_with_its_new_subpackages_and_aqlprofile(sandbox):
    before = on_10_1(sandbox, "[main]\non_major = lock\n")
    run = sandbox.dnf("-y", "upgrade")
    assert run.returncode == 0, run
    assert_clean(run)
    assert "filtered out by exclude filtering" not in run.stdout + run.stderr
    after = sandbox.installed()
    assert {n: after[n] for n in ROCM_64 + ["python3-torch"]} == \
        {n: before[n] for n in ROCM_64 + ["python3-torch"]}
    hold = report_of(sandbox)["hold"]
    held = {nevra.rsplit("-", 2)[0] for nevra in hold["packages"]}
    assert set(NEW) | {"aqlprofile", "rocm-devel", "hipcc", "python3-torch",
                       "composable_kernel-devel", "rocdbgapi-devel"} <= held
    assert not held & {"rocblas6.4", "rocm-hip6.4"}          # compat: never held
    assert "ROCm held at 6.4 by policy (on_major = lock); 7.1 available, %d packages " \
        "held back" % hold["count"] in run.stderr


def test_block_counts_every_package_the_real_stack_would_move(sandbox):
    before = on_10_1(sandbox, "[main]\non_major = block\n")
    run = sandbox.dnf("-y", "upgrade")
    assert run.returncode == 1, run
    assert_clean(run)
    assert ("would move ROCm 6.4 %s 7.1 (major): %d packages; nothing was changed"
            % (ARROW, len(ROCM_64))) in run.stderr, run
    assert sandbox.installed() == before


def test_compat_6_4_beside_7_1_is_not_blocked(sandbox):
    on_10_1(sandbox, "[main]\non_major = block\n")
    run = sandbox.dnf("-y", "install", "rocblas6.4", "rocm-hip6.4")
    assert run.returncode == 0, run
    assert ours(run) == [], run


def test_real_7_1_to_7_2_with_carried_builds_and_llvm_versions(sandbox):
    sandbox.use_repos(epel=real.EPEL_10_2)
    stack = real.INSTALLED_10_1 + ["composable_kernel-devel", "rocdbgapi-devel"]
    sandbox.install(*stack)
    sandbox.use_repos(epel=real.EPEL_10_3)
    run = sandbox.dnf("-y", "upgrade")
    assert run.returncode == 0, run
    assert_clean(run)
    report = report_of(sandbox)
    (crossing,) = report["findings"]
    assert (crossing["boundary"], crossing["from"], crossing["to"]) == ("minor", "7.1", "7.2")
    moved = set(crossing["packages"])
    # The compilersupport family: LLVM 20 -> 22, ROCm 7.1.1 -> 7.2.1 read from Release.
    assert {"hipcc", "rocm-comgr", "rocm-comgr-devel", "rocm-device-libs"} <= moved
    assert {"rocm-hip", "rocblas", "hipblas", "rocm-devel", "aqlprofile"} <= moved
    # Carried into 10.3 with their 10.2 build: they do not move, and the stack is mixed.
    assert not moved & {"rocm-runtime", "hipsparse", "composable_kernel-devel"}
    assert crossing["epel_to"] == ["10.3"]
    assert "rocm-runtime" in report["after_lines"]["7.1"]
    assert "rocm-hip" in report["after_lines"]["7.2"]
    assert "a mixed stack is unsupported" in run.stderr
    after = sandbox.installed()
    assert after["rocm-runtime"] == "7.1.1-5.el10_2"
    assert after["hipcc"] == "22-12.rocm7.2.1.el10_3"
    assert after["rocm-devel"] == "7.2.0-4.el10_3"        # noarch -> x86_64
    assert after["rocm-rdc"] == "7.2.0-2.el10_3"          # pulled in by rocm-devel 7.2.0-4
