"""``rocm-epel-notice``: ``dnf rocm`` of dnf 4, on a dnf5 system.

dnf5 has no Python command plugins, so this is a program of its own over the one command
of ``frontends.command`` (status, check, lock, unlock, allow X.Y, disallow X.Y, scan); here is
only what is dnf5's: the program's own options (--installroot, --config, --reposdir,
--releasever), a read-only libdnf5 sack (``frontends.dnf5.sack``) read into records,
dnf5's ``/etc/dnf/versionlock.toml`` for ``lock --versionlock``, and the exit status.
Errors are one line on stderr and exit 1 (check and scan: 3), never a traceback (a bug's
goes to the system log).
"""

import argparse
import os
import sys

from rocm_notice import describe
from rocm_notice.catalog import catalog
from rocm_notice.core import engine, run
from rocm_notice.frontends import command
from rocm_notice.core.records import IN, OUT, Item, from_package
from rocm_notice.settings import config, versionlocks

NAME = "rocm-epel-notice"
CONFDIR = "etc/dnf/plugins"


def parse(argv):
    parser = argparse.ArgumentParser(
        prog=NAME, description="show, check, hold or approve ROCm release lines on a dnf5 "
        "system (rocm-epel-notice; 'dnf rocm' on dnf 4)")
    command.add_arguments(parser, "lock: also write entries into dnf5's versionlock.toml")
    parser.add_argument("--installroot", default="/")
    parser.add_argument("--config", default="", help="dnf5's configuration file")
    parser.add_argument("--reposdir", action="append", default=[])
    parser.add_argument("--releasever", default="")
    opts = parser.parse_args(argv)
    misplaced = command.misplaced(opts, NAME)
    if misplaced:       # one line and exit 1, as 'dnf rocm' (2 is check's "held")
        print("%s: %s" % (NAME, misplaced), file=sys.stderr)
        sys.exit(command.ERROR)
    return opts


class System(command.System):
    """The installroot as a read-only libdnf5 sack sees it (opened on first use)."""

    name, prefix = NAME, NAME

    def __init__(self, opts):
        self.opts = opts
        self.root = opts.installroot or "/"
        self.confdirs = [os.path.join(self.root, CONFDIR)]
        self.settings, problems = config.load(self.confdirs)
        for problem in problems:
            self.say(problem)
        self._catalog = catalog.Catalog.load(self.settings.include, self.settings.exclude)
        self.versionlock = versionlocks.TomlList(self.root)
        self._sack = None

    def sack(self):
        if self._sack is None:
            from rocm_notice.frontends.dnf5.sack import Sack
            variables = {"releasever": self.opts.releasever} if self.opts.releasever else {}
            self._sack = Sack(self.root, self.opts.config, self.opts.reposdir, "", variables)
        return self._sack

    def catalog(self):
        return self._catalog

    def upgrade_findings(self):
        return engine.findings(self.upgrade_items(), self.installed(details=True),
                               self._catalog)

    def upgrade_items(self):
        """What 'dnf5 upgrade' would do, as records (libdnf5's own goal, no hold)."""
        import libdnf5
        from rocm_notice.frontends.dnf5.sack import Package
        goal = libdnf5.base.Goal(self.sack().base)
        goal.add_rpm_upgrade()
        transaction = goal.resolve()
        if transaction.get_problems() != libdnf5.base.GoalProblem_NO_PROBLEM:
            raise command.Unknown("the upgrade does not resolve: %s" % " ".join(
                " ".join(transaction.get_resolve_logs_as_strings()).split()))
        items = []
        for item in transaction.get_transaction_packages():
            incoming = libdnf5.transaction.transaction_item_action_is_inbound(
                item.get_action())
            record = from_package(Package(item.get_package()), details=True,
                                  requires=incoming)
            items.append(Item(IN if incoming else OUT, record))
        return items

    def reason(self, error):
        """libdnf5's own errors (a repository that cannot be loaded): its words."""
        if type(error).__module__.startswith("libdnf5"):
            return " ".join(str(error).split()) or type(error).__name__
        return None

    def describe(self, error):
        return super().describe(error) + run.log_traceback(error)

    def say(self, line):
        print(line, file=sys.stderr)


def main(argv=None):
    opts = parse(sys.argv[1:] if argv is None else argv)
    try:
        return command.Command(System(opts), opts).run()
    except command.Failed as failed:
        print("%s: %s" % (NAME, failed), file=sys.stderr)
    except Exception as error:       # a bug of ours outside what the command answers: one line
        said = command.MSG_BUG % (describe(error) + run.log_traceback(error), NAME)
        print("%s: %s" % (NAME, said), file=sys.stderr)
    return command.UNKNOWN if opts.subcommand in command.LOOKS else command.ERROR


if __name__ == "__main__":
    sys.exit(main())
