"""rocm_notice: tell dnf users when a transaction moves ROCm to another release line.

This module is only dnf glue: it reads dnf's state into plain records, hands them to the
``rocm_notice`` package (where every decision is made and tested) and turns the answer
back into log messages. A bug in here must never cost the user a traceback or a changed
transaction, so every hook fails open with one line.
"""

import logging
import os
import sys

import dnf
import dnf.transaction

logger = logging.getLogger("dnf.plugin")

MSG_INTERNAL = "rocm_notice: internal error: %s (transaction not affected)"
# Where the GPUs are read from: the machine's sysfs, not the installroot's.
SYSFS_ROOT_ENV = "ROCM_NOTICE_SYSFS_ROOT"

_OUT_ACTIONS = set(dnf.transaction.BACKWARD_ACTIONS) | {dnf.transaction.PKG_REINSTALLED}
_IN_ACTIONS = set(dnf.transaction.FORWARD_ACTIONS)


def _describe(error):
    text = str(error).strip().splitlines()
    return "%s: %s" % (type(error).__name__, text[0]) if text else type(error).__name__


def _record(pkg, details=False, requires=False):
    from rocm_notice.records import from_package
    return from_package(pkg, details, requires)


def _gpu_notes(findings, facts):
    """What the first upgrade crossing means for this machine's AMD GPUs (if known)."""
    from rocm_notice import gpu
    first = findings.leading_upgrade
    if first is None:
        return []
    targets = gpu.read_targets(os.environ.get(SYSFS_ROOT_ENV) or "/")
    return gpu.support_notes(targets, first.old_line, first.new_line, facts)


def _arrow():
    """'→' where stderr can show it, '->' elsewhere."""
    try:
        "\u2192".encode(sys.stderr.encoding or "ascii")
        return "\u2192"
    except (LookupError, UnicodeEncodeError):
        return "->"


class RocmNotice(dnf.Plugin):
    """Warn before dnf moves ROCm across a major or minor release."""

    name = "rocm_notice"

    def __init__(self, base, cli):
        super(RocmNotice, self).__init__(base, cli)
        self.settings = None
        self._catalog = None
        self._held = None

    # -- hooks: guard clauses, then one call into the core --------------------------

    def config(self):
        try:
            self._load_config()
        except Exception as error:  # never a traceback in the user's dnf run
            logger.warning(MSG_INTERNAL, _describe(error))

    def sack(self):
        if self.settings is None or not self._resolving():
            return
        from rocm_notice import policy
        if not policy.has_lock(self.settings):
            return
        try:
            self._hold()
        except dnf.exceptions.Error:
            raise
        except Exception as error:  # a failed hold leaves the transaction as dnf sees it
            logger.warning(MSG_INTERNAL, _describe(error))

    def resolved(self):
        if self.settings is None or not self.base.transaction:
            return
        try:
            self._check_transaction()
        except dnf.exceptions.Error:
            raise
        except Exception as error:
            from rocm_notice import notice, policy
            if policy.has_block(self.settings):   # the admin chose safety: fail closed
                raise dnf.exceptions.Error(notice.FAIL_CLOSED % _describe(error))
            logger.warning(MSG_INTERNAL, _describe(error))

    # -- helpers -------------------------------------------------------------------

    def _setopts(self):
        """``--setopt=rocm_notice.KEY=VALUE``: dnf 4 files these under repo options."""
        opts = getattr(getattr(self.cli, "command", None), "opts", None)
        ours = (getattr(opts, "repo_setopts", None) or {}).get(self.name, {})
        return {key: values[-1] for key, values in ours.items() if values}

    def _load_config(self):
        from rocm_notice import config
        self.confdirs = list(self.base.conf.pluginconfpath)
        self.settings, problems = config.load(self.confdirs, self._setopts())
        for problem in problems:
            logger.warning(problem)

    def catalog(self):
        if self._catalog is None:
            from rocm_notice.catalog import Catalog
            self._catalog = Catalog.load(self.settings.include, self.settings.exclude)
        return self._catalog

    def _transaction_items(self, catalog):
        """The transaction's ROCm-related items as records (others are not looked at)."""
        from rocm_notice.records import IN, OUT, Item
        items = []
        for tsi in self.base.transaction:
            direction = IN if tsi.action in _IN_ACTIONS else (
                OUT if tsi.action in _OUT_ACTIONS else None)
            if direction and catalog.kind(tsi.pkg.name) is not None:
                items.append(Item(direction, tsi.action_name, _record(tsi.pkg, details=True)))
        return items

    def _incoming_consumers(self, catalog):
        return [_record(tsi.pkg, requires=True) for tsi in self.base.transaction
                if tsi.action in _IN_ACTIONS and catalog.kind(tsi.pkg.name) is None]

    def _resolving(self):
        """Holds apply where dnf resolves (upgrade, install, distro-sync, dnf-automatic,
        API users), not to list or repoquery, which should show what exists."""
        return self.cli is None or bool(getattr(self.cli.demands, "resolving", False))

    def _context(self, findings=None, catalog=None):
        from rocm_notice import config, known, notice
        files = config.config_files(self.confdirs)
        facts = known.load() if findings else {}
        return notice.Context(
            config_path=files[0] if files else "",
            dropin_dir=(self.confdirs[0] + "/rocm_notice.d") if self.confdirs else "",
            assumeyes=bool(self.base.conf.assumeyes),
            releasever=getattr(self.base.conf, "releasever", "") or "",
            releasever_minor=getattr(self.base.conf, "releasever_minor", "") or "",
            arrow=_arrow(),
            notes=known.notes_urls(facts),
            compat=self._available_compat(findings, catalog) if findings else {},
            gpu_notes=_gpu_notes(findings, facts) if findings else [])

    def _hold(self):
        import hawkey
        from rocm_notice import hold, notice
        held = hold.apply(self.base.sack, self.catalog(), self.settings,
                          hawkey.IGNORE_EXCLUDES)
        if held is not None:
            self._held = held
            logger.warning(notice.hold_line(held))
            self._report("hold", self._context())

    def _check_transaction(self):
        catalog = self.catalog()
        items = self._transaction_items(catalog)
        if not items:
            return
        from rocm_notice import analysis, notice, policy
        installed = [_record(pkg, details=True) for pkg in self.base.sack.query().installed()
                     .filter(name__glob=catalog.name_globs())
                     if catalog.kind(pkg.name) is not None]
        findings = analysis.analyse(items, installed, catalog,
                                    lambda: self._incoming_consumers(catalog))
        if not findings.notable:
            return
        blocked = policy.blocked(findings, self.settings)
        if blocked:
            context = self._context()
            self._report("block", context, findings, blocked)
            raise dnf.exceptions.Error(notice.block_message(blocked, context))
        context = self._context(findings, catalog)
        logger.warning("\n".join(notice.lines(findings, context)))
        self._report("warn", context, findings)

    def _report(self, decision, context, findings=None, blocked=()):
        """Record the decision for monitoring; a failure to write costs one line."""
        from rocm_notice import report
        data = report.build(decision, context, getattr(self.cli, "cmdstring", "") or "",
                            findings, self._held, blocked)
        problem = report.write(report.path_in_root(self.settings.report,
                                                   self.base.conf.installroot), data)
        if problem:
            logger.warning(problem)

    def _available_compat(self, findings, catalog):
        """{old line: compat package names the enabled repos offer for what moves}."""
        offered = {}
        for crossing in findings.crossings:
            wanted = {catalog.compat_name(c.old.name, crossing.old_line)
                      for c in crossing.changes if c.old is not None}
            wanted.discard(None)
            if wanted:
                found = self.base.sack.query().available().filter(name=sorted(wanted))
                names = sorted({pkg.name for pkg in found})
                if names:
                    offered.setdefault(crossing.old_line, names)
        return offered
