"""The man page dnf4-rocm(8): it builds and renders without warnings, and it documents
what the code has (every config key, subcommand, option, check status and report key),
so docs and code cannot drift apart silently.

Needs rst2man (python3-docutils) and groff (groff-base); a missing
tool fails the test with what to install, it never skips.
"""

import argparse
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from rocm_notice.settings import config
from rocm_notice.core import notice, policy, report
from rocm_notice.frontends import command

CHECKOUT = Path(__file__).resolve().parents[2]
SOURCE = CHECKOUT / "doc" / "dnf4-rocm.8.rst"
PYTHON = "/usr/bin/python3"

SECTIONS = ("NAME", "SYNOPSIS", "DESCRIPTION", "CONFIGURATION", "POLICIES", "COMMANDS",
            "EXIT STATUS", "FILES", "REPORT", "ENVIRONMENT", "LIMITS", "EXAMPLES",
            "SEE ALSO")

ENV = dict(os.environ, LC_ALL="C.UTF-8", LANG="C.UTF-8")


def _run(command):
    return subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, env=ENV, timeout=120)


def _rst2man():
    """The command that turns reStructuredText into a man page, or a failure saying what
    to install."""
    found = shutil.which("rst2man")
    if found:
        return [found]
    probe = None
    if os.access(PYTHON, os.X_OK):
        probe = _run([PYTHON, "-m", "docutils", "--writer=manpage", "--version"])
    if probe is not None and probe.returncode == 0:
        return [PYTHON, "-m", "docutils", "--writer=manpage"]
    pytest.fail("building the man page needs rst2man: install python3-docutils "
                "(apt-get install python3-docutils, or dnf install python3-docutils)")


def _groff():
    found = shutil.which("groff")
    if not found:
        pytest.fail("rendering the man page needs groff: install groff-base "
                    "(apt-get install groff-base, or dnf install groff-base)")
    return found


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """(rst2man's result, path of the built page)."""
    page = tmp_path_factory.mktemp("man") / "dnf4-rocm.8"
    result = _run(_rst2man() + ["--halt=warning", str(SOURCE), str(page)])
    return result, page


@pytest.fixture(scope="module")
def roff(built):
    result, page = built
    assert result.returncode == 0 and page.exists(), (
        "rst2man failed on %s:\n%s" % (SOURCE, result.stderr))
    return page.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def rst():
    return SOURCE.read_text(encoding="utf-8")


def _section(text, name):
    """The body of one top-level section of the reStructuredText source."""
    heading = re.search(r"^%s\n=+\n" % re.escape(name), text, re.M)
    assert heading, "the man page has no %s section" % name
    following = re.search(r"^[A-Z][A-Z ]+\n=+\n", text[heading.end():], re.M)
    return text[heading.end():heading.end() + following.start() if following else None]


def _subcommands():
    """The command's subcommands (``frontends.command``: both front ends' command)."""
    return list(command.SUBCOMMANDS)


def _options():
    """The command's long options, as its argument parser has them."""
    parser = argparse.ArgumentParser()
    command.add_arguments(parser, "")
    return [option for action in parser._actions for option in action.option_strings
            if option.startswith("--") and option != "--help"]


# -- building and rendering -------------------------------------------------------------

def test_rst2man_builds_the_page_without_warnings(built):
    result, page = built
    assert result.returncode == 0, "rst2man failed:\n%s" % result.stderr
    assert result.stderr.strip() == "", "rst2man reported:\n%s" % result.stderr
    assert page.stat().st_size > 0


def test_groff_renders_the_page_without_warnings(built, roff):
    _, page = built
    result = _run([_groff(), "-man", "-Tutf8", "-ww", "-z", str(page)])
    assert result.returncode == 0, "groff failed:\n%s" % result.stderr
    assert result.stderr.strip() == "", "groff warned:\n%s" % result.stderr


def test_title_section_and_every_required_section(roff):
    assert re.search(r'^\.TH "DNF4-ROCM" "?8"? ', roff, re.M), "title is not dnf4-rocm(8)"
    headings = re.findall(r"^\.SH (.+)$", roff, re.M)
    headings = [h.strip().strip('"') for h in headings]
    missing = [name for name in SECTIONS if name not in headings]
    assert not missing, "sections missing from the built page: %s" % ", ".join(missing)


# -- docs and code agree ------------------------------------------------------------------

def test_every_config_key_is_documented_and_no_other(rst):
    documented = re.findall(r"^\*\*(\w+)\*\* =", _section(rst, "CONFIGURATION"), re.M)
    assert sorted(documented) == sorted(config.KEYS), (
        "CONFIGURATION documents %s; rocm_notice.settings.config.KEYS has %s"
        % (sorted(documented), sorted(config.KEYS)))


def test_every_config_default_is_stated(rst):
    keys = _section(rst, "CONFIGURATION")
    assert config.DEFAULT_REPORT in keys
    defaults = config.Settings()
    for key in ("on_major", "on_minor"):
        entry = re.search(r"^\*\*%s\*\* =.*\n\s+Default \*\*(\w+)\*\*" % key, keys, re.M)
        assert entry and entry.group(1) == getattr(defaults, key), key
    for action in config.ACTIONS:
        assert "**%s**" % action in keys, action
    for word in config.BOOLEANS:
        assert "**%s**" % word in keys, "enabled value %s not documented" % word


def test_every_subcommand_is_documented_and_no_other(rst):
    subcommands = _subcommands()
    synopsis = _section(rst, "SYNOPSIS")
    for name in subcommands:
        assert "**%s**" % name in synopsis, "%s missing from SYNOPSIS" % name
    # definition-list terms: a "**dnf rocm ..." line whose next line is indented
    terms = re.findall(r"^\*\*dnf rocm\b.*$(?=\n )", _section(rst, "COMMANDS"), re.M)
    documented = {re.sub(r"[*\[\]]", "", term).split()[2] for term in terms}
    assert documented == set(subcommands), (
        "COMMANDS documents %s; SUBCOMMANDS in %s has %s"
        % (sorted(documented), "rocm_notice/frontends/command.py", sorted(subcommands)))


def test_every_option_is_documented(rst):
    synopsis, commands = _section(rst, "SYNOPSIS"), _section(rst, "COMMANDS")
    for option in _options():
        assert "**%s**" % option in synopsis, "%s missing from SYNOPSIS" % option
        assert re.search(r"^\*\*%s\*\*$" % re.escape(option), commands, re.M), (
            "%s has no entry under COMMANDS" % option)


def test_every_check_exit_status_is_documented(rst):
    statuses = _section(rst, "EXIT STATUS")
    codes = [policy.CHECK_NOTHING, policy.CHECK_WARN, policy.CHECK_HELD,
             policy.CHECK_UNKNOWN]
    documented = [int(code) for code in re.findall(r"^\*\*(\d+)\*\*$", statuses, re.M)]
    assert documented == codes, (
        "EXIT STATUS lists %s; policy.CHECK_* are %s" % (documented, codes))


def test_every_report_key_is_documented(rst):
    section = _section(rst, "REPORT")
    data = report.describe_run(
        report.build("warn", notice.Context(releasever="10", releasever_minor="2")),
        "", "/usr/bin/dnf")
    assert data["schema"] == 2 and "currently **2**" in section
    for key in data:
        assert "**%s**" % key in section, "report key %s not documented" % key


def test_files_are_the_ones_the_code_uses(rst):
    from rocm_notice.settings import dropins
    files = _section(rst, "FILES")
    for name in (dropins.LOCK_FILE, dropins.ALLOW_FILE, config.DEFAULT_REPORT,
                 "/etc/dnf/plugins/%s.conf" % config.PLUGIN_NAME,
                 "/etc/dnf/plugins/%s.d/" % config.PLUGIN_NAME):
        assert name in files, "%s missing from FILES" % name
    environment = _section(rst, "ENVIRONMENT")
    from rocm_notice.core import gpu     # every front end reads the GPUs there
    assert "**%s**" % gpu.SYSFS_ROOT_ENV in environment
