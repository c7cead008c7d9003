"""One command, written once (``frontends.command``): ``dnf rocm`` on real dnf 4 and
``rocm-epel-notice`` on real dnf5 answer every step of an admin's day with the same lines
and the same exit status, differing only in the command's name and in how an error line
starts (dnf's "rocm_notice:", or "Error: rocm_notice:" when the command fails; the
program's "rocm-epel-notice:"). Paths are each
sandbox's own, so they are compared as CONFDIR and ROOT."""

import json
import re

import pytest

from tests.e2e import stacks
from tests.harness.dnf5 import Dnf5Sandbox
from tests.harness.sandbox import Sandbox

ALL = stacks.ROCM_NAMES + ["python3-torch", "zstd-tools"]

# (what the admin set in rocm_notice.conf, the command's arguments)
DAY = [
    ("[main]\n", ["check"]),
    ("[main]\non_major = block\n", ["check"]),
    ("[main]\non_major = block\n", ["allow", "7.1"]),
    ("[main]\non_major = block\n", ["check", "--json"]),
    ("[main]\non_major = block\n", ["lock"]),            # 7.1 approved: no lock, says why
    ("[main]\non_major = block\n", ["disallow", "7.1"]),
    ("[main]\non_major = block\n", ["lock"]),            # now it holds
    ("[main]\n", ["check"]),
    ("[main]\n", ["unlock"]),
    ("[main]\n", ["unlock"]),
    ("[main]\non_minor = lock\n", ["unlock"]),           # still held by the admin's file
    ("[main]\nallow = 7.1\n", ["disallow", "7.1"]),      # approved elsewhere: where
    ("[main]\n", ["allow", "7"]),                        # not a line: one line, exit 1
    ("[main]\n", ["disallow"]),
    ("[main]\n", ["scan", "--json"]),
    ("[main]\non_major = sometimes\n", ["check"]),       # fail closed: could not tell
    ("[main]\n", ["lock", "--json"]),                    # an option for another: exit 1
]


def words(run, confdir, root):
    """stdout and stderr, with the sandbox's paths and the command's name made common;
    dnf's own progress lines and the time a scan took left out."""
    out = []
    for stream, text in (("out", run.stdout), ("err", run.stderr)):
        for line in text.splitlines():
            if line.startswith("Last metadata expiration") or re.search(r"B/s \| ", line):
                continue
            line = line.replace("\u2192", "->")       # as each one's stderr can show it
            line = re.sub(r"^(Error: rocm_notice|rocm_notice|rocm-epel-notice): ", "PREFIX: ", line)
            line = line.replace("'rocm-epel-notice ", "'dnf rocm ")
            line = line.replace(str(confdir), "CONFDIR").replace(str(root), "ROOT")
            line = re.sub(r'^(\s*"seconds": )[0-9.e-]+', r"\g<1>0", line)   # the scan's time
            out.append((stream, line))
    return out


def through(box, command):
    """The day on ``box`` (a dnf 4 or dnf5 sandbox on ROCm 6.4, 7.1 on offer), each step's
    exit status and words; ``command(box, *args)`` runs the command."""
    box.use_repos(epel=stacks.epel_10_1())
    box.install(*ALL)
    box.use_repos(epel=stacks.epel_10_2())
    said = []
    for conf, args in DAY:
        box.write_conf(conf)
        run = command(box, *args)
        said.append((run.returncode, words(run, box.confdir, box.root)))
    return said


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("same-command")
    return (through(Sandbox(tmp / "dnf4"), lambda box, *args: box.dnf("rocm", *args)),
            through(Dnf5Sandbox(tmp / "dnf5"), Dnf5Sandbox.command))


@pytest.mark.parametrize("step", range(len(DAY)), ids=[" ".join(args) for _, args in DAY])
def test_dnf_rocm_and_rocm_epel_notice_answer_the_same(both, step):
    dnf4, dnf5 = both
    assert dnf5[step] == dnf4[step], DAY[step]


def test_the_day_is_the_one_the_steps_describe(both):
    """The comparison is of real answers: each step says what it was meant to show."""
    said = {" ".join(args) + " | " + conf: lines for (conf, args), (_, lines)
            in zip(DAY, both[1])}
    codes = [code for code, _ in both[1]]
    assert codes == [1, 2, 0, 1, 1, 0, 0, 2, 0, 0, 0, 0, 1, 1, 0, 3, 1], said
    text = lambda index: "\n".join(line for _, line in both[1][index][1])
    assert json.loads(text(3))["crossings"][0]["approved"] is True
    assert "but ROCm is NOT held at 6.4: ROCm 7.1 is approved in CONFDIR/rocm_notice.d/" \
        "80-dnf-rocm-allow.conf" in text(4)
    assert text(6) == "ROCm held at 6.4 by CONFDIR/rocm_notice.d/90-dnf-rocm-lock.conf " \
        "(already in place)"
    assert text(9).startswith("nothing to unlock: no file or entries written by 'dnf rocm lock'")
    assert "ROCm is still held by other settings: on_minor = lock in " \
        "CONFDIR/rocm_notice.conf" in text(10)
    assert "(it is approved in CONFDIR/rocm_notice.conf: edit that file)" in text(11)
    assert "PREFIX: '7' is not a release line" in text(12)
    assert "PREFIX: 'dnf rocm disallow' needs a release line" in text(13)
    assert "on_major = sometimes" in text(15)
    assert text(16) == "PREFIX: --json does not apply to 'dnf rocm lock'"
