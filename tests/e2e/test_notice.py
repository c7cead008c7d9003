"""The notice, as users meet it: real dnf, real RPMs, the plugin from this checkout."""

from tests.e2e import stacks
from tests.harness.fixtures import core_with_planted_bug, fake_gpus
from tests.harness.sandbox import dnf_probed

ALL = stacks.ROCM_NAMES + ["python3-torch", "zstd-tools"]


def installed_64(sandbox):
    sandbox.use_repos(epel=stacks.epel_10_1())
    sandbox.install(*ALL)
    return sandbox.installed()


def notice_of(run):
    """Our lines in dnf's stderr."""
    lines = run.stderr.splitlines()
    start = [i for i, line in enumerate(lines) if line.startswith("rocm_notice:")]
    return "\n".join(lines[start[0]:]) if start else ""


def assert_no_trace(run):
    assert "Traceback" not in run.stdout + run.stderr, run
    assert "rocm_notice" not in run.stdout, "plugin output on stdout:\n%s" % run


def test_major_crossing_with_yes_prints_notice_on_stderr_and_upgrades(sandbox):
    installed_64(sandbox)
    sandbox.use_repos(epel=stacks.epel_10_2())
    run = sandbox.dnf("-y", "upgrade")
    assert run.returncode == 0, run
    assert_no_trace(run)
    notice = notice_of(run)
    assert "ROCm 6.4 \u2192 7.1 (major): 9 packages" in notice, run
    assert "libamdhip64.so.6" in notice and "librocblas.so.4" in notice
    assert "rebuild" in notice
    assert "10.1 \u2192 10.2" in notice
    assert "python3-torch" in notice
    assert "run 'dnf rocm lock'" in notice
    assert "dnf install rocblas6.4 rocm-hip6.4" in notice
    assert "docs-7.1.0" in notice
    assert run.stderr.count("rocm_notice: this transaction") == 1
    after = sandbox.installed()
    assert after["rocblas"] == "7.1.1-1.el10_2"
    assert after["hipcc"] == "20-1.rocm7.1.1.el10_2"


def test_assumeno_shows_notice_and_leaves_rpmdb_unchanged(sandbox):
    before = installed_64(sandbox)
    sandbox.use_repos(epel=stacks.epel_10_2())
    run = sandbox.dnf("--assumeno", "upgrade")
    assert run.returncode == 1, run
    assert_no_trace(run)
    assert "ROCm 6.4 \u2192 7.1 (major)" in notice_of(run)
    assert sandbox.installed() == before


def test_notice_comes_before_the_transaction_is_run(sandbox):
    installed_64(sandbox)
    sandbox.use_repos(epel=stacks.epel_10_2())
    run = sandbox.dnf("--assumeno", "upgrade")
    # resolved() runs before dnf prints the table; with --assumeno nothing ran at all.
    assert "Operation aborted" in run.stdout + run.stderr
    assert notice_of(run)


def test_minor_crossing_names_the_lagging_package(sandbox):
    sandbox.use_repos(epel=stacks.epel_10_2())
    sandbox.install(*ALL)
    sandbox.use_repos(epel=stacks.epel_10_3(lagging=("rocm-smi",)))
    run = sandbox.dnf("-y", "upgrade")
    assert run.returncode == 0, run
    assert_no_trace(run)
    notice = notice_of(run)
    assert "ROCm 7.1 \u2192 7.2 (minor): 8 packages" in notice, run
    assert "run 'dnf rocm lock'" in notice
    assert "7.1 (rocm-smi)" in notice
    assert "libamdhip64.so" not in notice      # 7.1 -> 7.2 keeps the sonames
    assert sandbox.installed()["rocm-smi"] == "7.1.1-1.el10_2"
    assert sandbox.installed()["rocblas"] == "7.2.0-1.el10_3"


def test_patch_only_upgrade_is_silent(sandbox):
    sandbox.use_repos(epel=stacks.epel_10_1("6.4.1"))
    sandbox.install(*ALL)
    sandbox.use_repos(epel=stacks.epel_10_1("6.4.2"))
    run = sandbox.dnf("-y", "upgrade")
    assert run.returncode == 0, run
    assert "rocm_notice" not in run.stdout + run.stderr, run
    assert sandbox.installed()["rocblas"] == "6.4.2-1.el10_1"
    assert sandbox.installed()["hipcc"] == "19-1.rocm6.4.2.el10_1"


def test_patch_update_beside_an_installed_amd_package_still_says_the_stacks_mix(sandbox):
    """The everyday shortcut (patch updates inside the line) must not skip the foreign
    check: an AMD-repository package installed beside EPEL's stack is found by its
    version, although no package of AMD's moves."""
    sandbox.use_repos(epel=stacks.epel_10_1("6.4.1"),
                      amd=[stacks.Pkg("hip-runtime-amd", "6.4.43484.60402", "1.el10")])
    sandbox.install("rocm-runtime", "rocblas", "hip-runtime-amd")
    sandbox.use_repos(epel=stacks.epel_10_1("6.4.2"))
    run = sandbox.dnf("-y", "upgrade")
    assert run.returncode == 0, run
    assert_no_trace(run)
    notice = notice_of(run)
    assert notice.startswith("rocm_notice: this transaction mixes ROCm stacks"), run
    assert "hip-runtime-amd" in notice, run
    assert sandbox.installed()["rocblas"] == "6.4.2-1.el10_1"


def test_new_line_package_arriving_beside_patch_updates_is_a_crossing_under_block(sandbox):
    """A 7.1 package of a name not installed, arriving in one transaction with a 6.4
    patch update: judged against the installed line (6.4), so the everyday shortcut
    hands over to the full analysis, and block refuses."""
    sandbox.write_conf("[main]\non_major = block\n")
    sandbox.use_repos(epel=stacks.epel_10_1("6.4.1"))
    sandbox.install("rocm-runtime", "rocblas")
    before = sandbox.installed()
    sandbox.use_repos(epel=stacks.epel_10_1("6.4.2"),
                      next=[stacks.Pkg("rocm-smi", "7.1.1", "1.el10_2")])
    run = sandbox.dnf("-y", "install", "rocblas", "rocm-smi-7.1.1")
    assert run.returncode == 1, run
    assert_no_trace(run)
    assert "blocked by policy (on_major = block)" in run.stderr, run
    assert sandbox.installed() == before
    run = sandbox.dnf("-y", "install", "rocblas")               # the patch alone: silent
    assert run.returncode == 0 and "rocm_notice" not in run.stderr, run
    assert sandbox.installed()["rocblas"] == "6.4.2-1.el10_1"


def test_compilersupport_crossing_is_read_from_release(sandbox):
    sandbox.use_repos(epel=stacks.epel_10_1())
    sandbox.install("hipcc", "rocm-comgr")
    sandbox.use_repos(epel=stacks.epel_10_2())
    run = sandbox.dnf("-y", "upgrade")
    assert run.returncode == 0, run
    assert "ROCm 6.4 \u2192 7.1 (major): 2 packages" in notice_of(run), run


def test_unrelated_upgrade_is_silent(sandbox):
    sandbox.use_repos(epel=stacks.epel_10_1())
    sandbox.install("zstd-tools", "rocblas")
    sandbox.use_repos(epel=stacks.epel_10_1() + [stacks.Pkg("zstd-tools", "1.5.8", "1.el10_1")])
    run = sandbox.dnf("-y", "upgrade")
    assert run.returncode == 0, run
    assert "rocm_notice" not in run.stdout + run.stderr, run
    assert sandbox.installed()["zstd-tools"] == "1.5.8-1.el10_1"


def test_fresh_install_is_silent(sandbox):
    sandbox.use_repos(epel=stacks.epel_10_2())
    run = sandbox.dnf("-y", "install", *ALL)
    assert run.returncode == 0, run
    assert "rocm_notice" not in run.stdout + run.stderr, run


def test_removal_is_silent(sandbox):
    installed_64(sandbox)
    run = sandbox.dnf("-y", "remove", "hipblas")
    assert run.returncode == 0, run
    assert "rocm_notice" not in run.stdout + run.stderr, run
    assert "hipblas" not in sandbox.installed()


def test_quiet_drops_the_notice(sandbox):
    installed_64(sandbox)
    sandbox.use_repos(epel=stacks.epel_10_2())
    run = sandbox.dnf("-q", "-y", "upgrade")
    assert run.returncode == 0, run
    assert "rocm_notice" not in run.stdout + run.stderr, run
    assert sandbox.installed()["rocblas"] == "7.1.1-1.el10_2"


def test_enabled_0_prints_nothing(sandbox):
    sandbox.write_conf("[main]\nenabled = 0\n")
    installed_64(sandbox)
    sandbox.use_repos(epel=stacks.epel_10_2())
    run = sandbox.dnf("-y", "upgrade")
    assert run.returncode == 0, run
    assert "rocm_notice" not in run.stdout + run.stderr, run


def test_a_policy_value_that_is_not_valid_refuses_the_crossing_with_what_to_fix(sandbox):
    # The admin may have meant lock or block: keeping the default warn would be weaker.
    sandbox.write_conf("[main]\nenabled = 1\non_major = sometimes\n")
    before = installed_64(sandbox)
    sandbox.use_repos(epel=stacks.epel_10_2())
    run = sandbox.dnf("-y", "upgrade")
    assert run.returncode == 1, run
    assert_no_trace(run)
    assert sandbox.installed() == before
    conf = str(sandbox.confdir / "rocm_notice.conf")
    problems = [l for l in run.stderr.splitlines() if "sometimes" in l]
    assert problems[0] == (
        "rocm_notice: %s: on_major = sometimes is not valid (accepted: warn, lock, block); "
        "ROCm crossings are refused until it is fixed (keeping on_major = warn)" % conf), run
    assert ("Error: rocm_notice: refused: %s: on_major = sometimes cannot be read as a "
            "policy setting; this transaction would move ROCm 6.4 \u2192 7.1 (major): 9 "
            "packages, and that setting may have meant lock or block, so nothing was "
            "changed." % conf) \
        in run.stderr.splitlines(), run
    assert "  Fix that setting (a comment after a value starts with ' #'), then run dnf " \
        "again." in run.stderr.splitlines(), run


def test_a_misspelt_policy_key_refuses_the_crossing_as_a_value_typo_does(sandbox):
    """on-major = block: before, one line ("unknown key 'on-major' ignored (did you mean
    'on_major'?)"), then the notice, and dnf -y took 7.1 under the block the admin
    meant."""
    sandbox.write_conf("[main]\non-major = block\n")
    before = installed_64(sandbox)
    sandbox.use_repos(epel=stacks.epel_10_2())
    run = sandbox.dnf("-y", "upgrade")
    assert run.returncode == 1, run
    assert_no_trace(run)
    assert sandbox.installed() == before
    conf = str(sandbox.confdir / "rocm_notice.conf")
    assert ("rocm_notice: %s: unknown key 'on-major' (did you mean 'on_major'?); ROCm "
            "crossings are refused until it is fixed" % conf) in run.stderr.splitlines(), run
    assert ("Error: rocm_notice: refused: %s: on-major = block cannot be read as a policy "
            "setting; this transaction would move ROCm 6.4 \u2192 7.1 (major): 9 packages, "
            "and that setting may have meant lock or block, so nothing was changed."
            % conf) in run.stderr.splitlines(), run


def test_a_block_with_a_comment_after_it_blocks_and_the_comment_is_named(sandbox):
    sandbox.write_conf("[main]\non_major = block   # keep 6.4 until the cluster is rebuilt\n")
    before = installed_64(sandbox)
    sandbox.use_repos(epel=stacks.epel_10_2())
    run = sandbox.dnf("-y", "upgrade")
    assert run.returncode == 1, run
    assert sandbox.installed() == before
    conf = str(sandbox.confdir / "rocm_notice.conf")
    assert ("rocm_notice: %s: on_major = block: '# keep 6.4 until the cluster is rebuilt' "
            "read as a comment" % conf) in run.stderr.splitlines(), run
    assert "blocked by policy (on_major = block)" in run.stderr, run


def test_unknown_key_is_named_in_one_line(sandbox):
    sandbox.write_conf("[main]\non_majr = lock\n")
    sandbox.use_repos(epel=stacks.epel_10_1())
    run = sandbox.dnf("-y", "install", "rocblas")
    assert run.returncode == 0, run
    lines = [l for l in run.stderr.splitlines() if "on_majr" in l]
    assert len(lines) == 1 and "did you mean 'on_major'" in lines[0], run


def test_internal_error_is_one_line_and_dnf_completes(sandbox, tmp_path):
    # A copy of the core with a bug planted in the analysis: the plugin must fail open.
    broken = core_with_planted_bug(tmp_path)
    installed_64(sandbox)
    sandbox.use_repos(epel=stacks.epel_10_2())
    sandbox.pythonpath = str(broken)
    run = sandbox.dnf("-y", "upgrade")
    assert run.returncode == 0, run
    assert_no_trace(run)
    errors = [l for l in run.stderr.splitlines() if l.startswith("rocm_notice:")]
    assert errors == ["rocm_notice: internal error: KeyError: 'planted bug' "
                      "(transaction not affected)"], run
    assert sandbox.installed()["rocblas"] == "7.1.1-1.el10_2"



def test_notice_says_what_the_move_means_for_this_machines_gpus(sandbox, tmp_path):
    installed_64(sandbox)
    sandbox.use_repos(epel=stacks.epel_10_2())
    sysfs = fake_gpus(tmp_path / "machine", 90500, 90401)        # gfx950 and gfx941
    run = sandbox.dnf("-y", "upgrade", env={"ROCM_NOTICE_SYSFS_ROOT": str(sysfs)})
    assert run.returncode == 0, run
    notice = notice_of(run)
    assert "gfx950 is supported from ROCm 7.0: staying on 6.4 leaves it unsupported" in notice
    assert "gfx941 is dropped in ROCm 7.0: moving to 7.1 leaves it unsupported" in notice


def test_no_gpu_means_no_gpu_line(sandbox, tmp_path):
    installed_64(sandbox)
    sandbox.use_repos(epel=stacks.epel_10_2())
    run = sandbox.dnf("-y", "upgrade", env={"ROCM_NOTICE_SYSFS_ROOT": str(tmp_path / "none")})
    assert run.returncode == 0, run
    assert "GPU" not in notice_of(run)


def test_going_back_to_64_on_a_gpu_that_needs_70_says_so(sandbox, tmp_path):
    sandbox.use_repos(epel=stacks.epel_10_2())
    sandbox.install(*ALL)
    sandbox.use_repos(epel=stacks.epel_10_1())
    sysfs = fake_gpus(tmp_path / "machine", 90500)                # gfx950
    run = sandbox.dnf("-y", "distro-sync", env={"ROCM_NOTICE_SYSFS_ROOT": str(sysfs)})
    assert run.returncode == 0, run
    notice = notice_of(run)
    assert "7.1 \u2192 6.4 (major, downgrade)" in notice
    assert ("This machine's GPU: gfx950 is supported from ROCm 7.0: going back to 6.4 "
            "leaves it unsupported.") in notice
    assert sandbox.installed()["rocblas"] == "6.4.2-1.el10_1"


# What a run loads of the core: dnf loads the plugin in every run, so what each kind of
# run imports is its fixed cost (bench/ measures it; this keeps the shape from sliding).
def core_loaded(sandbox, *args):
    return dnf_probed(sandbox, *args)[1]


def test_what_each_kind_of_run_loads_of_the_core(sandbox):
    """A command that only looks loads nothing of it; the everyday patch update loads the
    settings, the catalog and the release reader, not the analysis or records; a crossing
    loads the analysis (so the probe sees what it should), not what it does not use."""
    sandbox.use_repos(epel=stacks.epel_10_1("6.4.1"))
    sandbox.install(*ALL)
    sandbox.use_repos(epel=stacks.epel_10_1("6.4.2"))
    assert core_loaded(sandbox, "list", "--installed") == set()
    everyday = core_loaded(sandbox, "--assumeno", "upgrade")
    assert everyday == {"rocm_notice"} | {"rocm_notice." + name for name in (
        "io", "io.files", "io.ini", "settings", "settings.config", "catalog", "catalog.catalog",
        "catalog.package_set", "catalog.releases")}, sorted(everyday)
    sandbox.use_repos(epel=stacks.epel_10_2())
    crossing = core_loaded(sandbox, "--assumeno", "upgrade")
    assert {"rocm_notice.core.analysis", "rocm_notice.core.records",
            "rocm_notice.frontends.dnf4.decision"} <= crossing, sorted(crossing)
    # The system log is the API runs' extra channel (test_api.py), the hold a lock's, and
    # `dnf rocm scan`'s texts the command's: a warned crossing at the terminal loads none.
    assert not {"rocm_notice.io.journal", "rocm_notice.core.hold",
                "rocm_notice.scan.scanreport"} & crossing, sorted(crossing)
    assert "rocm_notice.scan.scan" in crossing        # the quick scan ran all the same


def test_a_download_only_upgrade_says_nothing_changes_yet(sandbox):
    """dnf -y upgrade --downloadonly: before, "dnf was told to proceed (-y): the change is
    applied now"; it only downloads, and the report says not applied."""
    before = installed_64(sandbox)
    sandbox.use_repos(epel=stacks.epel_10_2())
    run = sandbox.dnf("-y", "upgrade", "--downloadonly")
    assert run.returncode == 0, run
    assert_no_trace(run)
    lines = run.stderr.splitlines()
    assert "  dnf only downloads it (--downloadonly): nothing changes until a later run " \
        "installs it." in lines, run
    assert not [line for line in lines if "applied now" in line], run
    assert sandbox.installed() == before
