"""The command written once (``frontends.command``) over a System of plain records: what
both ``dnf rocm`` and ``rocm-epel-notice`` answer when evaluation fails, whatever fails."""

import argparse
import json

import pytest

from rocm_notice.catalog.catalog import Catalog
from rocm_notice.core import analysis, policy
from rocm_notice.frontends import command
from rocm_notice.settings import config


class Plain(command.System):
    """A system with nothing installed and an upgrade whose findings are ``found``
    (an exception: raised)."""

    name, prefix = "dnf rocm", "rocm_notice"

    def __init__(self, confdir, found=None):
        self.confdirs = [str(confdir)]
        self.settings = config.load(self.confdirs)[0]
        self.found = found
        self.said = []

    def catalog(self):
        return Catalog.load()

    def installed(self):
        return []

    def upgrade_findings(self):
        if isinstance(self.found, Exception):
            raise self.found
        return self.found

    def say(self, line):
        self.said.append(line)


def opts(*argv):
    parser = argparse.ArgumentParser()
    command.add_arguments(parser, "")
    return parser.parse_args(list(argv))


def run(system, *argv):
    return command.Command(system, opts(*argv)).run()


@pytest.mark.parametrize("failure, reason", [
    (command.Unknown("the upgrade does not resolve: x"), "the upgrade does not resolve: x"),
    (KeyError("planted"), "internal error: KeyError: 'planted'")])
def test_check_that_cannot_evaluate_answers_3_with_one_object(tmp_path, capsys, failure,
                                                              reason):
    system = Plain(tmp_path, failure)
    assert run(system, "check", "--json") == command.UNKNOWN
    data = json.loads(capsys.readouterr().out)
    assert (data["status"], data["error"]) == (3, reason)
    assert system.said == ["rocm_notice: cannot tell what an upgrade would do: " + reason]


def test_a_bug_after_the_evaluation_is_could_not_tell_too(tmp_path, capsys, monkeypatch):
    def broken(*args):
        raise KeyError("policy bug")
    monkeypatch.setattr(policy, "check", broken)
    system = Plain(tmp_path, analysis.Findings())
    assert run(system, "check", "--json") == command.UNKNOWN
    assert json.loads(capsys.readouterr().out)["error"] == \
        "internal error: KeyError: 'policy bug'"


def test_check_with_nothing_pending_answers_0(tmp_path, capsys):
    assert run(Plain(tmp_path, None), "check") == 0
    assert capsys.readouterr().out == "ROCm: no release line change pending\n"


def test_an_option_for_another_subcommand_is_named_with_the_command(tmp_path):
    assert command.misplaced(opts("lock", "--json"), "rocm-epel-notice") == \
        "--json does not apply to 'rocm-epel-notice lock'"
    assert command.misplaced(opts("scan", "/opt"), "dnf rocm") == ""


@pytest.mark.parametrize("argv, said", [
    (("lock",), command.MSG_NO_ROCM),
    (("allow", "7"), "'7' is not a release line (MAJOR.MINOR, such as 7.1)"),
    (("disallow",), "'dnf rocm disallow' needs a release line such as 7.1")])
def test_what_cannot_be_done_is_one_line(tmp_path, argv, said):
    with pytest.raises(command.Failed) as failed:
        run(Plain(tmp_path), *argv)
    assert str(failed.value) == said
