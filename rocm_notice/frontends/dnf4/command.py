"""dnf 4 adapter: the `dnf rocm` command, over the one command of ``frontends.command``.

Loaded only when `dnf rocm` runs: the plugin (dnf-plugins/rocm_notice.py) registers a
small class whose instantiation (dnf makes the command object only for the command the
user named, or for `dnf help rocm`) returns this command, bound to the plugin of the run.
Here is only what is dnf's: its argument parser and demands, its sack read into records
(``System``), its errors and exit status. No core module imports it.
"""

import logging
import os
import sys

import dnf
import dnf.cli
import dnf.exceptions

from rocm_notice.frontends import command
from rocm_notice.settings import versionlocks
from rocm_notice.frontends.dnf4 import decision as dnf4_decision
from rocm_notice.frontends.dnf4.common import describe, say

NAME = "dnf rocm"
PREFIX = "rocm_notice"
MSG_REPOS_SKIPPED = "repositories that could not be read were skipped: %s"


def bound(registered):
    """The command class for this run: named and bound to its plugin (the RocmNotice
    instance) as the class the plugin registered."""
    return type("RocmCommand", (RocmCommand,), {
        "aliases": registered.aliases, "summary": registered.summary,
        "plugin": registered.plugin})


class System(command.System):
    """dnf's sack and configuration, as the command reads them."""

    name, prefix = NAME, PREFIX
    own_errors = (dnf.exceptions.Error,)     # dnf says them as "Error: ..."

    def __init__(self, plugin, base):
        self.plugin, self.base = plugin, base
        self.root = base.conf.installroot or "/"
        self.confdirs = plugin.confdirs
        self.settings = plugin.settings
        self.versionlock = versionlocks.PluginList(plugin.confdirs, NAME)

    def catalog(self):
        return self.plugin.catalog()

    def sack(self):
        """dnf's sack; the installed packages alone when nothing was loaded (the
        repositories of check or scan failed)."""
        if self.base.sack is None:
            self.base.fill_sack(load_system_repo=True, load_available_repos=False)
        return self.base.sack

    def upgrade_findings(self):
        """Load the metadata here, not through demands, so that dnf's repository errors
        are ours to answer; a repository dnf skips (skip_if_unavailable) is one too."""
        enabled = [repo.id for repo in self.base.repos.iter_enabled()]
        self.base.fill_sack(load_system_repo="auto", load_available_repos=True)
        skipped = [repoid for repoid in enabled if not self.base.repos[repoid].enabled]
        if skipped:
            raise command.Unknown(MSG_REPOS_SKIPPED % ", ".join(skipped))
        self.base.upgrade_all()
        self.base.resolve()
        return dnf4_decision.Work(self.plugin).findings()

    def reason(self, error):
        if isinstance(error, dnf.exceptions.Error):
            return "%s: %s" % (type(error).__name__, " ".join(str(error).split()))
        return None

    def describe(self, error):
        return describe(error)      # the traceback goes to dnf.log

    def say(self, line):
        say(logging.ERROR, [line])


class RocmCommand(dnf.cli.Command):
    """dnf rocm [status|check|lock|unlock|allow X.Y|disallow X.Y|scan [PATH ...]] [--json]
    [--versionlock] [--save FILE] [--metrics DIR] [--motd FILE]"""

    plugin = None   # aliases, summary and plugin: see bound()

    @staticmethod
    def set_argparser(parser):
        command.add_arguments(parser, "lock: also write entries into the versionlock "
                                      "plugin's list")

    def configure(self):
        misplaced = command.misplaced(self.opts, NAME)
        if misplaced:
            raise dnf.exceptions.Error("%s: %s" % (PREFIX, misplaced))
        self.plugin.in_command = True
        self.plugin.read_settings()     # now, as before: their problems come first
        sub, demands = self.opts.subcommand, self.cli.demands
        # check and scan load the sack themselves, where a repository error is caught
        if sub in ("status", "lock"):
            demands.sack_activation = True
            demands.available_repos = sub != "lock"
        if sub in command.WRITES:
            demands.root_user = True
        if self.opts.json:       # stdout is for the JSON object alone
            self.cli.redirect_logger(stdout=logging.WARNING, stderr=logging.INFO)
            # to standard error, or nowhere where it is closed (dnf's default for it is
            # the stderr of when dnf was imported: None there, and the progress meter
            # failed the repository's load, so check answered 3)
            self.cli.redirect_repo_progress(sys.stderr or open(os.devnull, "w"))

    def run(self):
        try:
            code = command.Command(System(self.plugin, self.base), self.opts).run()
        except command.Failed as failed:
            raise dnf.exceptions.Error("%s: %s" % (PREFIX, failed))
        self.cli.demands.success_exit_status = code
