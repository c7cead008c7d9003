"""One hook's work with the engine, for the front ends that run outside the package
manager's process: the helper of libdnf's plugin (PackageKit, microdnf) and libdnf5's
(dnf5).

The front end makes a ``Run`` of its own kind: what only it can read (its packages, as
``sacks`` and ``items()``; who it is: ``program``, ``via``, ``command_name``) over what
they all share here (the settings, the catalog, the notice's context, the decision at
each hook, the report), and does what the ``Outcome`` says: print the messages, keep the
excludes, refuse. ``outcome`` turns any failure into one line, and under lock or block
(at the transaction's gate) into a refusal: never a traceback.
"""

import os
import sys

from rocm_notice import Fields, describe
from rocm_notice.catalog.catalog import Catalog
from rocm_notice.core import engine, notice, policy, report
from rocm_notice.core.records import from_package
from rocm_notice.settings import config

# Each hook is a process of its own (the native plugins' helper), and most have
# nothing to say: ``context`` (the notice's context: scan, GPUs, release facts), the
# system log and ``traceback`` are imported where they are used, which saves about 30 ms
# of every transaction that moves no ROCm (make bench, the front-end rows).

# The hooks, as the engine sees them.
CONF = "conf"                       # the front end is set up: no package set yet
REPOS_CHANGED = "repos_changed"     # the metadata on disk changed since the hold was made
PRE_TRANSACTION = "pre_transaction"     # the goal is resolved: the transaction's gate
TRANSACTION = "transaction"         # rpm has run: the report is applied
HOOKS = (CONF, REPOS_CHANGED, PRE_TRANSACTION, TRANSACTION)
HOLD_HOOKS = (CONF, REPOS_CHANGED)

CMDLINE_LIMIT = 64 * 1024
# Why a hold worked out before depsolving can miss a crossing out here: the front end
# loaded newer metadata afterwards (said when the gate refuses it).
MISSED_WHY = ("the repositories changed after the hold was worked out; it covers them now, "
              "so the next attempt holds")
# How to go on despite a refusal: PackageKit cannot leave a plugin out for one run, so the
# policy is what the admin changes (microdnf can: frontends/libdnf/run.py).
PROCEED = ("  To proceed anyway: approve the line or set on_major and on_minor to warn in %s, "
           "then run the update again.")
# Where a bug's traceback went (said only when the system log took it).
MSG_TRACEBACK_AT = " (its traceback: journalctl -t rocm_notice)"
MSG_HOLD_FAILED = ("rocm_notice: internal error: %s (nothing held; the transaction is "
                   "still checked before it runs)")


class Outcome(Fields):
    """What the front end does now: ``fail_closed`` (policy says lock or block: refuse if
    a later hook gets no answer), ``messages`` for stderr, ``excludes`` (the whole hold,
    or None: leave it), ``refuse`` (the error to raise, "" for none), ``report_written``
    (a report describes the coming transaction: apply it once rpm has run), ``holds`` (a
    lock is in force), ``failed`` (why nothing could be decided, not even what the policy
    says: the front end then does as when no answer came, by its fallback rule). A
    ``Fields`` record, not a dataclass: importing dataclasses costs a helper process
    about 9 ms."""

    _defaults = {"fail_closed": None, "messages": [], "excludes": None, "refuse": "",
                 "report_written": False, "holds": False, "failed": ""}


def front_end_command():
    """The command line of the program that ran us (packagekitd, microdnf, dnf5: our
    parent), as the report's ``command``; "" when it cannot be read."""
    try:
        with open("/proc/%d/cmdline" % os.getppid(), "rb") as source:
            raw = source.read(CMDLINE_LIMIT)
    except OSError:
        return ""
    return " ".join(arg.decode("utf-8", "replace") for arg in raw.split(b"\0") if arg)


class Run:
    """One hook worked through. A front end sets ``sacks`` (``get(with_repos)`` gives a
    sack with hawkey's query interface; ``close()``) and gives ``items()`` (the goal's
    packages as ``records.Item``); one that has its package manager's installed packages
    and offers at hand gives ``installed()`` and ``offered()`` too, and no sack is
    loaded for them."""

    via = report.VIA_LIBDNF
    assumeyes = True        # no prompt comes after the hooks: the change is applied now
    command_name = notice.DNF_COMMAND
    missed_why = MISSED_WHY     # why a hold can miss a crossing the gate then refuses
    installer = "dnf"           # what installs a compat package (the notice names it)
    downloadonly = False        # the run only downloads its transaction (dnf5 says)
    unheld = ""                 # why no hold applies in this run at all (dnf5 says)

    def __init__(self, hook, outcome, installroot="/", confdir="", releasever="", program="",
                 conf_asked=True):
        """``conf_asked``: the front end ran the CONF hook, which says the configuration's
        problems; when it did not, PRE_TRANSACTION says them."""
        if hook not in HOOKS:
            raise ValueError("unknown hook %r" % (hook,))
        self.hook, self.outcome = hook, outcome
        self.installroot = installroot or "/"
        self.confdir = confdir or os.path.join(self.installroot, "etc/dnf/plugins")
        self.releasever, self.program = releasever, program
        self.settings, problems = config.load([self.confdir], root=self.installroot)
        if hook == CONF or (hook == PRE_TRANSACTION and not conf_asked):
            outcome.messages.extend(problems)   # once per set-up, not every transaction
        outcome.fail_closed = policy.strictest(self.settings) != policy.WARN and \
            self.settings.enabled
        outcome.holds = policy.has_lock(self.settings) and self.settings.enabled
        self.sacks = None
        self._catalog = None

    # -- what the front end gives ---------------------------------------------------------

    def items(self):
        raise NotImplementedError

    @property
    def front_end(self):
        """A program that applies the change without asking (the notice says so)."""
        return self.program

    @property
    def command(self):
        return front_end_command() or self.program

    @property
    def proceed(self):
        return PROCEED % config.main_file(self.confdir)

    # -- shared ---------------------------------------------------------------------------

    @property
    def catalog(self):
        if self._catalog is None:
            self._catalog = Catalog.load(self.settings.include, self.settings.exclude)
        return self._catalog

    def context(self, found=None):
        """The notice's context (``core.context``: the same for every front end)."""
        from rocm_notice.core import context        # see the imports at the top
        return context.build(
            self.confdir, self.settings, self.catalog, self.installroot, found,
            self.offered, assumeyes=self.assumeyes,
            front_end=self.front_end, releasever=self.releasever,
            arrow=notice.arrow(sys.stderr), via=self.via, program=self.program,
            command_name=self.command_name, missed_why=self.missed_why,
            unheld=self.unheld, proceed=self.proceed, installer=self.installer,
            downloadonly=self.downloadonly)

    def installed(self):
        """The installed ROCm-related packages, with provides (a front end that holds
        them already gives them instead)."""
        catalog = self.catalog
        return [from_package(p, details=True)
                for p in catalog.narrow(self.sacks.get(False).query().installed(), few=True)
                if catalog.kind(p.name) is not None]

    def offered(self, names):
        """Which of ``names`` the enabled repositories offer (``context.build``)."""
        from rocm_notice.core import context        # see the imports at the top
        return context.offered_by(lambda: self.sacks.get(True))(names)

    def hold(self):
        """The hold as excludepkgs patterns (exact NEVRAs, so nothing else matches)."""
        decision = engine.hold(lambda: self.sacks.get(True), self.catalog, self.settings,
                               self.context(), self.command)
        self.outcome.excludes = sorted({from_package(p).nevra
                                        for p in decision.excluded or []})
        return decision

    def decide(self):
        """The engine's decision for this hook (None: nothing to say)."""
        if self.hook == TRANSACTION:
            self.mark_applied()
            return None
        if not self.settings.enabled:
            self.outcome.excludes = []
            return None
        if self.hook in HOLD_HOOKS:
            return self.hold()
        if not policy.has_lock(self.settings):
            self.outcome.excludes = []      # a lock lifted since set-up: hold nothing more
        items = self.items()
        rocm, _ = engine.split(items, self.catalog)     # the installed stack: only for ROCm
        found = engine.findings(items, self.installed() if rocm else [], self.catalog)
        decision = engine.transaction(found, self.settings, self.context, self.command)
        if decision.kind == engine.BLOCK and engine.missed(found, self.settings):
            self.hold()             # so that the next attempt holds what slipped past
        elif decision.report is None and policy.has_lock(self.settings) and \
                self.settings.report and not self.unheld:   # the hold's report: applied now
            self.outcome.report_written = report.holds_unapplied(self.settings.report,
                                                                 self.installroot)
        return decision

    def write_report(self, decision):
        if decision is None or decision.report is None or not self.settings.report:
            return
        try:
            problem = report.write(self.settings.report, decision.report, self.installroot,
                                   system=True)
        except Exception as error:
            problem = engine.MSG_REPORT_BUG % describe(error)
        if problem:
            self.outcome.messages.append(problem)
        else:
            self.outcome.report_written = True

    def mark_applied(self):
        """The transaction that the last report described has run: the report says so
        (``applied``), as dnf 4's does after its transaction hook."""
        if not self.settings.report:
            return
        try:
            problem = report.mark_applied(self.settings.report, self.installroot)
        except Exception as error:
            problem = engine.MSG_REPORT_BUG % describe(error)
        if problem:
            self.outcome.messages.append(problem)

    def close(self):
        if self.sacks is not None:
            self.sacks.close()


def outcome(hook, make_run):
    """The ``Outcome`` of one hook: ``make_run(outcome)`` makes the front end's Run. A
    failure anywhere is one line; at the transaction's gate, under lock or block, a
    refusal (``engine.failed``). A hold that fails holds nothing: the gate still checks."""
    result = Outcome()
    run = None
    try:
        run = make_run(result)
        decision = run.decide()
        if decision is not None:
            result.messages.extend(decision.lines)
            result.refuse = decision.error
            run.write_report(decision)
    except Exception as error:
        said = describe(error) + log_traceback(error)
        if run is None:     # the settings are not known: the front end's fallback decides
            return Outcome(failed=said)
        if hook != PRE_TRANSACTION:
            result.messages.append(MSG_HOLD_FAILED % said if hook in HOLD_HOOKS
                                   else engine.MSG_INTERNAL % said)
        else:
            failed = engine.failed(said, run.settings, run.proceed)
            result.messages.extend(failed.lines)
            result.refuse = failed.error
    finally:
        if run is not None:
            run.close()
    return result


def log_traceback(error):
    """Send a bug's traceback to the system log, for a bug report (the user's terminal,
    or packagekitd's journal stream, gets one line); the words that say where it went,
    or "" when the log did not take it."""
    import traceback                            # see the imports at the top
    from rocm_notice.io import journal
    text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    sent = journal.send("traceback of %s\n%s" % (type(error).__name__, text), journal.ERROR,
                        whole=True)
    return MSG_TRACEBACK_AT if sent else ""

