"""One engine, one set of words: the same transaction through real dnf 4, libdnf (driven
as PackageKit and microdnf drive it) and dnf5 gives the same notice, the same hold line
and the same refusal, differing only in the command each tells the user to run ('dnf
rocm' on dnf 4 and libdnf systems, 'rocm-epel-notice' on dnf5) and in the two lines that
are about the program itself: whether it asks before applying, and how to go on without
the policy for one run. Shown for a crossing (warn), a hold (lock), a block, and a move
back to an older line (let through under block, saying why)."""

import re

import pytest

from tests.e2e import stacks
from tests.harness.dnf5 import Dnf5Sandbox
from tests.harness.libdnf_c import Libdnf
from tests.harness.sandbox import Sandbox

ALL = stacks.ROCM_NAMES + ["python3-torch", "zstd-tools"]
# The lines that speak of the program, not of ROCm: they may differ.
ABOUT_THE_PROGRAM = ("  To continue: answer y.", "  dnf was told to proceed (-y)",
                     "  To proceed anyway", "  libdnf_driver applies the change now")

CASES = {
    # name: (policy, installed from, offered)
    "crossing": ("[main]\n", stacks.epel_10_1(), stacks.epel_10_2()),
    "hold": ("[main]\non_major = lock\n", stacks.epel_10_1(), stacks.epel_10_2()),
    "block": ("[main]\non_major = block\n", stacks.epel_10_1(), stacks.epel_10_2()),
    "move back": ("[main]\non_minor = block\n", stacks.epel_10_1("6.4.1"),
                  stacks.epel_10_1("6.4.1") + stacks.epoch_revert()),
}


def words(text):
    """Our lines (a refusal's too, without dnf's "Error: "), with dnf5's command name put
    back as dnf's, the sandbox's configuration directory as CONFDIR (each front end has
    its own sandbox), and the lines about the program left out."""
    out = []
    for line in text.splitlines():
        line = line.replace("Error: rocm_notice:", "rocm_notice:")
        line = line.replace("Action calls for stop: rocm_notice:", "rocm_notice:")
        line = line.replace("run: FALSE: rocm_notice:", "rocm_notice:")
        if not (line.startswith("rocm_notice:") or (out and line.startswith("  "))):
            continue
        if line.startswith(ABOUT_THE_PROGRAM):
            continue
        line = line.replace("'rocm-epel-notice ", "'dnf rocm ")
        out.append(re.sub(r"/\S*/(rocm_notice\.(d|conf))", r"CONFDIR/\1", line))
    return out


def names_of(case):
    return ALL if case != "move back" else ["rocm-runtime", "rocm-hip", "rocblas"]


def by_dnf4(tmp_path, case):
    conf, installed, offered = CASES[case]
    box = Sandbox(tmp_path / "dnf4")
    box.write_conf(conf)
    box.use_repos(epel=installed)
    box.install(*names_of(case))
    box.use_repos(epel=offered)
    run = box.dnf("-y", "upgrade")
    return run.stderr


def by_libdnf(tmp_path, case):
    conf, installed, offered = CASES[case]
    box = Sandbox(tmp_path / "libdnf")
    libdnf = Libdnf(box)
    box.use_repos(epel=installed)
    box.install(*names_of(case))
    box.use_repos(epel=offered)
    libdnf.write_conf(conf)
    result = libdnf.run("upgrade-all")
    return result.stderr + "\n" + result.stdout


def by_dnf5(tmp_path, case):
    conf, installed, offered = CASES[case]
    box = Dnf5Sandbox(tmp_path / "dnf5")
    box.use_repos(epel=installed)
    box.install(*names_of(case))
    box.use_repos(epel=offered)
    box.write_conf(conf)
    run = box.dnf5("-y", "upgrade")
    return run.stderr


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_front_end_says_the_same(tmp_path, case):
    said = {"dnf 4": words(by_dnf4(tmp_path, case)),
            "libdnf": words(by_libdnf(tmp_path, case)),
            "dnf5": words(by_dnf5(tmp_path, case))}
    assert said["dnf 4"], said
    # a refusal is printed once by dnf 4 and dnf5, and by libdnf as its error: compare
    # each front end's distinct lines in order
    distinct = {name: list(dict.fromkeys(lines)) for name, lines in said.items()}
    assert distinct["libdnf"] == distinct["dnf 4"], said
    assert distinct["dnf5"] == distinct["dnf 4"], said
