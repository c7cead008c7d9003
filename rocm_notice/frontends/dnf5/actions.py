"""dnf5's front door: the program dnf5's actions plugin runs (``mode=json``).

dnf5 loads no dnf 4 plugins. Its actions plugin (man libdnf5-actions) runs this program
at two hooks, as ``dnf5-plugin/rocm_notice.actions`` says, and talks to it in JSON
requests on our stdout and replies on our stdin:

- ``repos_configured`` (before any metadata is loaded): under a lock policy, the hold --
  the NEVRAs ``hold.plan`` works out -- is added to dnf5's ``excludepkgs``, so the solver
  keeps the installed line while patch updates go on;
- ``goal_resolved`` (before the transaction table and the prompt): the transaction's
  packages become records, the engine decides, its lines go to stderr (which dnf5 leaves
  on the terminal) and a refusal becomes a ``stop`` request: dnf5 exits 1 with nothing
  changed.

- ``post_transaction``: the report written for the transaction says it was applied.

dnf5 hands over no provides, requires or source packages: they are read from a second,
read-only libdnf5 sack on the same system (``sack``). Everything else -- settings,
catalog, hold, decision, notice, report -- is ``core.run`` and the engine, as for every
front end, so dnf 4, libdnf and dnf5 decide and speak alike from the same files
(``<installroot>/etc/dnf/plugins/rocm_notice.conf`` and ``rocm_notice.d/``).
A failure is one line and the transaction goes on, except under lock or block at
``goal_resolved``, where it is refused (``engine.failed``); never a traceback.
"""

import json
import os
import subprocess
import sys

from rocm_notice import describe
from rocm_notice.core import report, run
from rocm_notice.io import clean
from rocm_notice.core.records import IN, OUT, Item, Package, from_package

HOOKS = {"repos_configured": run.CONF, "goal_resolved": run.PRE_TRANSACTION,
         "post_transaction": run.TRANSACTION}
COMMAND_NAME = "rocm-epel-notice"    # 'dnf rocm' on dnf5 (the texts tell users to run it)
PROCEED = ("  To proceed anyway, for this one run: dnf5 --disable-plugin=actions ... (no "
           "actions file is read then).")
# The actions plugin's variable that tells post_transaction whether the report written
# before the transaction is to be applied ("1") or not ("0"; always set, so that dnf5
# never meets it undefined).
REPORT_VAR = "rocm_notice_report"
FIELDS = ["name", "epoch", "version", "release", "arch", "repo_id", "direction"]
CONFDIR_ENV = "ROCM_NOTICE_CONFDIR"
NESTED_ENV = "ROCM_NOTICE_DNF5_NESTED"

MSG_USAGE = ("usage: rocm-epel-notice-dnf5 repos_configured|goal_resolved|"
             "post_transaction [0|1] (run by dnf5's actions plugin)")
MSG_CHANNEL = "dnf5's actions plugin answered %s to %s: %s"


class ChannelError(RuntimeError):
    pass


class Channel:
    """The actions plugin's JSON channel: one request a line out, one reply a line in."""

    def __init__(self, requests=None, replies=None):
        self.requests = requests or sys.stdout
        self.replies = replies or sys.stdin

    def ask(self, op, domain, args):
        self.requests.write(json.dumps({"op": op, "domain": domain, "args": args}) + "\n")
        self.requests.flush()
        line = self.replies.readline()
        if not line:
            raise ChannelError(MSG_CHANNEL % ("nothing", op, domain))
        reply = json.loads(line)
        if reply.get("status") != "OK":
            raise ChannelError(MSG_CHANNEL % (reply.get("status"), op + " " + domain,
                                              reply.get("message", "")))
        return reply.get("return") or {}

    def conf(self, key):
        values = self.ask("get", "conf", {"key": key}).get("keys_val") or []
        return values[0].get("value", "") if values else ""

    def var(self, name):
        values = self.ask("get", "vars", {"name": name}).get("vars") or []
        return values[0].get("value", "") if values else ""

    def set_conf(self, key, value):
        self.ask("set", "conf", {"key": key, "value": value})

    def set_var(self, name, value):
        self.ask("set", "actions_vars", {"name": name, "value": value})

    def stop(self, message):
        """Make dnf5 stop with ``message`` (the plugin raises; no reply comes)."""
        self.requests.write(json.dumps({"op": "stop", "domain": "",
                                        "args": {"message": message}}) + "\n")
        self.requests.flush()


def _split_list(value):
    return [v for v in value.replace(",", " ").split() if v]


class Sacks:
    """``core.run.Run.sacks``' interface over one lazily opened ``sack.Sack``."""

    def __init__(self, channel, installroot):
        self.channel, self.installroot = channel, installroot
        self._sack = None

    def get(self, with_repos=True):
        if self._sack is None:
            from rocm_notice.frontends.dnf5.sack import Sack
            ask = self.channel.conf
            variables = {v: self.channel.var(v) for v in ("releasever", "basearch", "arch")}
            self._sack = Sack(self.installroot, ask("config_file_path"),
                              _split_list(ask("reposdir")), ask("cachedir"),
                              {k: v for k, v in variables.items() if v})
        return self._sack

    def close(self):
        self._sack = None


class Run(run.Run):
    """One hook: dnf5's packages (a read-only libdnf5 sack, and the transaction's
    packages as the channel lists them), its prompt (dnf5 asks after goal_resolved,
    unless -y) and its command's name."""

    via = report.VIA_DNF5
    command_name = COMMAND_NAME

    def __init__(self, hook, outcome, channel):
        self.channel = channel
        installroot = channel.conf("installroot") or "/"
        super().__init__(hook, outcome, installroot,
                         os.environ.get(CONFDIR_ENV) or
                         os.path.join(installroot, "etc/dnf/plugins"),
                         channel.var("releasever"), "dnf5")
        self.assumeyes = channel.conf("assumeyes") in ("1", "true", "True")
        self.sacks = Sacks(channel, self.installroot)

    proceed = PROCEED

    @property
    def front_end(self):
        return ""           # dnf5 prompts after the notice, as dnf does

    def items(self):
        wanted = self.channel.ask("get", "trans_packages", {"output": FIELDS})
        items = []
        for data in wanted.get("trans_packages") or ():
            incoming = data.get("direction") == "IN"
            record = Package(name=data["name"], version=data["version"],
                             release=data["release"], epoch=int(data.get("epoch") or 0),
                             arch=data.get("arch", ""), repoid=data.get("repo_id", ""))
            found = self.sacks.get().find(record.nevra, installed=not incoming,
                                          repoid=record.repoid)
            if found is not None:       # a package file on the command line is not
                record = from_package(found, details=True, requires=incoming)
            items.append(Item(IN if incoming else OUT, record))
        return items


def applied_here(channel, installroot):
    """Whether the transaction dnf5 just ran is on the system: post_transaction runs
    after a failed rpm transaction too, so its incoming packages are looked up in the
    rpmdb (rpm -q)."""
    wanted = channel.ask("get", "trans_packages", {"output": ["full_nevra"],
                                                   "filters": [{"key": "direction",
                                                                "value": "IN"}]})
    nevras = [p["full_nevra"] for p in wanted.get("trans_packages") or ()]
    if not nevras:
        return True         # a removal: nothing to look for, and it ran
    try:
        return subprocess.run(["rpm", "--root", installroot, "-q", "--quiet"] + nevras,
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, timeout=120).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def run_hook(hook, channel, argv=()):
    """Work through one hook: messages on stderr, the hold or a stop through ``channel``.
    Returns the exit status (0: dnf5 goes on unless we asked it to stop)."""
    if hook == "post_transaction" and (not argv or argv[0] != "1"
                                       or not applied_here(channel, channel.conf(
                                           "installroot") or "/")):
        return 0        # no report of this transaction, or it did not run
    kind = HOOKS[hook]
    result = run.outcome(kind, lambda outcome: Run(kind, outcome, channel))
    try:
        if kind == run.CONF and result.excludes:
            current = _split_list(channel.conf("excludepkgs"))
            channel.set_conf("excludepkgs", ",".join(current + result.excludes))
        if kind != run.TRANSACTION:
            channel.set_var(REPORT_VAR, "1" if result.report_written else "0")
    except Exception as error:      # the channel failed: goal_resolved still checks
        result.messages.append(run.MSG_HOLD_FAILED % describe(error))
    for message in result.messages:
        for line in message.split("\n"):
            print(clean(line), file=sys.stderr)
    if result.refuse:
        lines = [clean(line) for line in result.refuse.split("\n")]
        print("\n".join(lines), file=sys.stderr)
        try:
            channel.stop(lines[0])
        except (OSError, ValueError):
            return 1            # raise_error=1: a failed action stops dnf5 too
    sys.stderr.flush()
    return 0


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in HOOKS or len(argv) > (2 if argv[0] == "post_transaction"
                                                        else 1):
        print(MSG_USAGE, file=sys.stderr)
        return 2
    if os.environ.get(NESTED_ENV):      # run by our own sack's Base: never recurse
        return 0
    os.environ[NESTED_ENV] = "1"
    return run_hook(argv[0], Channel(), argv[1:])


if __name__ == "__main__":
    sys.exit(main())
