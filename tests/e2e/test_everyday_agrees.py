"""The everyday shortcut says what the full analysis says, through real dnf.

The plugin answers the commonest ROCm transaction (patch moves inside the installed line)
from the transaction's own items and skips the analysis (``RocmNotice._everyday``).
tests/unit/test_everyday.py proves the rule on records the test makes; this checks the
glue that feeds it (dnf's actions, arches, epochs, obsoletes, install-only packages) on
real transactions near the rule's edges. Each command runs twice with --assumeno on the
same installroot: with the plugin as shipped, and with a copy whose ``_everyday`` always
declines, so that the analysis decides. Both must end alike (exit status, every line on
stderr), under ``block`` for major and minor moves, where a wrong shortcut would let a
crossing through. Each case also says whether the shortcut answered it (the analysis not
loaded), so that a case cannot drift into comparing the analysis with itself.
"""

import pytest

from tests.e2e import stacks
from tests.harness.fixtures import CHECKOUT
from tests.harness.sandbox import dnf_probed

ALL = stacks.ROCM_NAMES + ["python3-torch", "zstd-tools"]
BLOCK = "[main]\non_major = block\non_minor = block\n"
SHORTCUT = "    def _everyday(self, catalog, rocm):\n"


@pytest.fixture
def oracle(tmp_path):
    """A plugin directory holding the shipped plugin with its shortcut turned off."""
    source = (CHECKOUT / "dnf-plugins" / "rocm_notice.py").read_text()
    assert source.count(SHORTCUT) == 1, "RocmNotice._everyday not found: update this test"
    directory = tmp_path / "oracle-plugin"
    directory.mkdir()
    (directory / "rocm_notice.py").write_text(source.replace(
        SHORTCUT, SHORTCUT + "        return False     # the analysis decides\n\n"
        "    def _shipped_everyday(self, catalog, rocm):\n"))
    return directory


def agree(sandbox, oracle, *args, answered):
    """Run ``dnf --assumeno ARGS`` with both plugins; the same ending, and the shortcut
    answered the transaction (or not) as the case says."""
    shipped, loaded = dnf_probed(sandbox, "--assumeno", *args)
    plugins, sandbox.pluginpath = sandbox.pluginpath, [oracle]
    try:
        analysed = sandbox.dnf("--assumeno", *args)
    finally:
        sandbox.pluginpath = plugins
    assert "Traceback" not in shipped.stderr + analysed.stderr, (shipped, analysed)
    assert (shipped.returncode, shipped.stderr) == (analysed.returncode, analysed.stderr), \
        "the shortcut and the analysis disagree:\n%s\n=== with the analysis:\n%s" % (
            shipped, analysed)
    assert "rocm_notice.catalog.catalog" in loaded, (shipped, sorted(loaded))  # it looked
    assert ("rocm_notice.core.analysis" not in loaded) == answered, (shipped, sorted(loaded))
    return shipped


def test_patch_moves_inside_the_line(sandbox, oracle):
    sandbox.write_conf(BLOCK)
    sandbox.use_repos(old=stacks.epel_10_1("6.4.1"))
    sandbox.install(*ALL)
    sandbox.use_repos(old=stacks.epel_10_1("6.4.1"), epel=stacks.epel_10_1("6.4.2"))
    run = agree(sandbox, oracle, "upgrade", answered=True)
    assert "rocm_notice" not in run.stderr, run
    agree(sandbox, oracle, "upgrade", "rocblas", "hipcc", answered=True)
    agree(sandbox, oracle, "reinstall", "rocblas", answered=True)
    agree(sandbox, oracle, "remove", "rocblas-devel", answered=True)
    agree(sandbox, oracle, "upgrade", "zstd-tools", answered=True)   # no ROCm: no analysis
    # Install-only: the new build arrives beside the old one, which stays.
    agree(sandbox, oracle, "--setopt=installonlypkgs=rocblas", "upgrade", "rocblas",
          answered=False)


def test_down_the_line_and_across_it(sandbox, oracle):
    sandbox.write_conf(BLOCK)
    sandbox.use_repos(epel=stacks.epel_10_1("6.4.2"))
    sandbox.install(*ALL)
    sandbox.use_repos(old=stacks.epel_10_1("6.4.1"), epel=stacks.epel_10_1("6.4.2"),
                      next=stacks.epel_10_2())
    agree(sandbox, oracle, "downgrade", "rocblas", answered=True)
    run = agree(sandbox, oracle, "upgrade", answered=False)
    assert "blocked by policy (on_major = block)" in run.stderr, run
    run = agree(sandbox, oracle, "install", "rocm-smi-7.1.1", answered=False)
    assert "blocked by policy (on_major = block)" in run.stderr, run


def test_edges_of_the_pairing(sandbox, oracle):
    """Builds that pair by name but not otherwise, replacements by another name
    (stacks.pairing_edges, which the libdnf and dnf5 tests run too), and packages that
    join the stack. The shortcut answers only the Epoch bump itself."""
    sandbox.write_conf(BLOCK)
    base = stacks.epel_10_1("6.4.1")
    sandbox.use_repos(epel=base)
    sandbox.install("rocm-runtime", "rocm-hip", "rocblas")
    cases = [(offered, ("upgrade",), label == "epoch", says)
             for label, offered, says in stacks.pairing_edges()] + [
        # a package of the stack's source with a name nobody lists, joining
        ([stacks.Pkg("rocblas-extras", "6.4.2", "1.el10_1", source="rocblas")],
         ("install", "rocblas-extras"), False, None),
        # a compat package
        ([stacks.Pkg("rocblas6.4", "6.4.2", "1.el10_1")], ("install", "rocblas6.4"), False,
         None),
    ]
    for offered, command, answered, says in cases:
        sandbox.use_repos(epel=base, extra=offered)
        run = agree(sandbox, oracle, *command, answered=answered)
        assert says is None or says in run.stderr, run
