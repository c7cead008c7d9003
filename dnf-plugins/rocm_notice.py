"""rocm_notice: tell dnf users when a transaction moves ROCm to another release line.

This module is only dnf glue: its hooks read dnf's state into plain values, hand them to
the ``rocm_notice`` package (where every decision is made and tested) and turn the
answer back into log messages. A bug in here must never cost the user a traceback or a
changed transaction, so every hook fails open with one line.

dnf loads this module in every run, `dnf list` and `dnf info` too, so it holds only the
hooks and the everyday answer; the core's modules are imported inside the functions that
need them, so that a run pays only for what it uses (nothing for a command that only
looks, the catalog alone for a transaction without ROCm, the catalog and releases for
the everyday patch update). The rest of the glue loads when a run has more to do:
``rocm_notice.frontends.dnf4.decision`` (the analysis, a hold, the lines, the report) and
``rocm_notice.frontends.dnf4.command`` (`dnf rocm`).
"""

import logging
import os
import re
import stat

import dnf
import dnf.cli          # API users (Ansible, scripts) load plugins before, or without, it
import dnf.transaction

MSG_INTERNAL = "rocm_notice: internal error: %s (transaction not affected)"
# The same where a file says lock or block (the fallback rule): nothing is held, and a
# transaction is refused (as the native plugins say it).
MSG_INTERNAL_CLOSED = ("rocm_notice: internal error: %s (the ROCm policy says lock or block: "
                       "the transaction will be refused unless this is fixed)")
# The core package cannot be imported (a partial removal, a broken update): this module
# then decides alone, from the one fallback rule (``_says_safety``), never a traceback.
MSG_NO_CORE = "rocm_notice: cannot load the rocm_notice package (%s); ROCm is not checked"
MSG_NO_CORE_CLOSED = (
    "rocm_notice: refused: the ROCm policy (%s) says lock or block, and the check cannot "
    "run: the rocm_notice package cannot be loaded (%s). Reinstall rocm-epel-notice, "
    "or, to go on without the check for this one run: dnf --disableplugin=rocm_notice ...")
# The settings cannot be read (a bug in their reader): the same fallback rule decides.
MSG_UNREAD_CLOSED = (
    "rocm_notice: refused: the ROCm policy (%s) says lock or block, and the check cannot "
    "run: its settings could not be read (internal error: %s). To go on without the check "
    "for this one run: dnf --disableplugin=rocm_notice ...")
CONFIG_LIMIT = 1 << 20


def _warn(message, *args):
    try:
        from rocm_notice.frontends.dnf4 import common as dnf4_common    # only runs with something to say load it
    except Exception:       # no core: the line still reaches the user, as dnf logs
        logging.getLogger("dnf.plugin").warning(message, *args)
        return
    dnf4_common.warn(message, *args)


def _describe(error):
    try:
        from rocm_notice.frontends.dnf4 import common as dnf4_common    # likewise; it logs the traceback
    except Exception:
        text = str(error).strip().splitlines()
        return "%s: %s" % (type(error).__name__, text[0]) if text else type(error).__name__
    return dnf4_common.describe(error)


def _uncommented(value):
    """``value`` without a comment after it ('#' or ';' after a blank)."""
    return re.split(r"[ \t][#;]", value, maxsplit=1)[0]


def _says_safety(text):
    """The one rule the front ends' fallbacks share (the core's reader is the full one,
    and the libdnf plugin's ``says_safety`` the same rule in C++): any on_major or
    on_minor setting that is anything but warn -- lock, block, or a value that is not
    valid, which may have meant either -- says "fail closed". Read as the core reads a
    setting: '=' or ':' (the first), any case, a comment after the value, the value on an
    indented next line, a byte order mark."""
    lines = text.lstrip("\ufeff").split("\n")
    for index, line in enumerate(lines):
        cuts = [at for at in (line.find("="), line.find(":")) if at >= 0]
        if not cuts or line.lstrip()[:1] in ("#", ";") or "".join(
                c for c in line[:min(cuts)].lower() if "a" <= c <= "z") \
                not in ("onmajor", "onminor"):      # on_major, or misspelt: on-major, onmajor
            continue
        # the value and its continuation lines (indented, up to a blank or a comment
        # line): warn only where exactly one of them says warn
        values = [_uncommented(line[min(cuts) + 1:]).strip().lower()]
        for following in lines[index + 1:]:
            if following[:1] not in (" ", "\t") or following.strip()[:1] in ("", "#", ";"):
                break
            values.append(_uncommented(following).strip().lower())
        if [value for value in values if value] != ["warn"]:
            return True
    return False


def _read_config(path):
    """A regular file's text (its first MiB), else "": opened without blocking, so a
    FIFO or a device where a file should be cannot hang dnf."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    except OSError:
        return ""
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return ""
        return os.read(fd, CONFIG_LIMIT).decode("utf-8", "replace")
    except OSError:
        return ""
    finally:
        os.close(fd)


def _strict_files(confdirs):
    """The configuration files that say "fail closed" (``_says_safety``)."""
    found = []
    for confdir in confdirs:
        paths = [os.path.join(confdir, "rocm_notice.conf")]
        dropins = os.path.join(confdir, "rocm_notice.d")
        try:
            paths += sorted(os.path.join(dropins, name) for name in os.listdir(dropins)
                            if name.endswith(".conf") and not name.startswith("."))
        except OSError:
            pass
        found += [path for path in paths if _says_safety(_read_config(path))]
    return found


class RocmCommand(dnf.cli.Command):
    """`dnf rocm`: what dnf needs to list the command (its name and summary). dnf makes
    a command object only for the command being run (or `dnf help rocm`); then the real
    one, ``rocm_notice.frontends.dnf4.command.RocmCommand``, is loaded and made instead, so
    that other dnf runs do not load its 400 lines."""

    aliases = ("rocm",)
    summary = "show, check, hold or approve ROCm release lines (rocm-epel-notice)"
    plugin = None   # the RocmNotice instance of this run, bound when registered

    def __new__(cls, cli):
        # An object of another class: Python then calls no __init__ of this one.
        try:
            from rocm_notice.frontends.dnf4 import command as dnf4_command
        except ImportError as error:    # a broken installation: one line, no traceback
            raise dnf.exceptions.Error(MSG_NO_CORE % _describe(error)) from None
        return dnf4_command.bound(cls)(cli)


class RocmNotice(dnf.Plugin):
    """Warn before dnf moves ROCm across a major or minor release."""

    name = "rocm_notice"
    IN_ACTIONS = frozenset(dnf.transaction.FORWARD_ACTIONS)
    OUT_ACTIONS = frozenset(dnf.transaction.BACKWARD_ACTIONS) | {dnf.transaction.PKG_REINSTALLED}

    def __init__(self, base, cli):
        super(RocmNotice, self).__init__(base, cli)
        self._settings = None
        self._settings_read = False
        self.confdirs = []
        self._catalog = None
        # What this run decided, read and written by dnf4_decision (the rest of the glue):
        self.held = None            # the hold.Hold made at sack time
        self.hold_failed = ""       # why a hold could not be made (a refusal says so)
        self.written = None         # the report this run wrote (its data)
        self.in_command = False     # set by `dnf rocm`: our hooks then stay out of its way
        self.no_core = ""           # why the core package cannot be imported, if it cannot
        self.unread = ""            # why the settings could not be read (a bug), if so
        if cli is not None:         # registered here, so that enabled = 0 disables it too
            cli.register_command(type("RocmCommand", (RocmCommand,), {"plugin": self}))

    # -- hooks: guard clauses, then one call into the core --------------------------

    def config(self):
        """Nothing to do yet: the files are read when a hook first needs them (see
        ``settings``), so a command that only looks (list, info, repoquery) pays nothing."""

    @property
    def settings(self):
        return self.read_settings()

    def read_settings(self):
        """The settings, read on first use, once per run: their problems are reported then,
        once. None when reading them failed (a bug: one line, and our hooks stay out)."""
        if not self._settings_read:
            self._settings_read = True
            try:
                self._load_config()
            except ImportError as error:    # no core: resolved() decides by the fallback
                self.no_core = _describe(error)
                self.confdirs = list(self.base.conf.pluginconfpath)
                _warn(MSG_NO_CORE, self.no_core)
            except Exception as error:  # never a traceback in the user's dnf run
                # Without settings, the fallback rule says whether to fail closed: then
                # nothing is held and resolved() refuses; else nothing is checked.
                self.unread = _describe(error)
                self.confdirs = list(self.base.conf.pluginconfpath)
                strict = _strict_files(self.confdirs)
                _warn(MSG_INTERNAL_CLOSED if strict else MSG_INTERNAL, self.unread)
        return self._settings

    def sack(self):
        if self.in_command or not self._resolving() or self.settings is None:
            return
        if not self.settings.has_lock:
            return
        try:
            from rocm_notice.frontends.dnf4 import decision as dnf4_decision
            dnf4_decision.Work(self).make_hold()
        except dnf.exceptions.Error:
            raise
        except Exception as error:  # nothing is excluded; resolved() refuses what crosses
            self.hold_failed = _describe(error)
            _warn(MSG_INTERNAL, self.hold_failed)

    def resolved(self):
        # No "not self.base.transaction" guard: dnf builds every item to answer it, and
        # the walk below costs nothing on an empty transaction.
        if self.in_command:
            return
        if self.settings is None:
            if self.no_core or self.unread:
                self._without_core()
            return
        try:
            self._check_transaction()
        except dnf.exceptions.Error:
            raise
        except Exception as error:
            from rocm_notice.core import notice, policy
            strictest = policy.strictest(self.settings)
            if strictest != policy.WARN:       # the admin chose safety: fail closed
                raise dnf.exceptions.Error(notice.FAIL_CLOSED % (
                    _describe(error), notice.keys_for(self.settings, (strictest,))))
            _warn(MSG_INTERNAL, _describe(error))

    def transaction(self):
        """The rpm transaction completed: the report says so (``applied``)."""
        if self.written is None or self.in_command:
            return
        try:
            from rocm_notice.frontends.dnf4 import decision as dnf4_decision
            dnf4_decision.Work(self).applied()     # its own problems are one line already
        except Exception as error:          # never a traceback in the user's dnf run
            _warn(MSG_INTERNAL, _describe(error))

    # -- helpers -------------------------------------------------------------------

    def _without_core(self):
        """No core, or no settings, to tell what crosses: where a file says lock or block
        (or a value that is not valid), every transaction is refused, as the other front
        ends refuse."""
        strict = _strict_files(self.confdirs)
        if strict and self.no_core:
            raise dnf.exceptions.Error(MSG_NO_CORE_CLOSED % (", ".join(strict), self.no_core))
        if strict:
            raise dnf.exceptions.Error(MSG_UNREAD_CLOSED % (", ".join(strict), self.unread))

    def _setopts(self, config):
        """``--setopt=rocm_notice.KEY=VALUE``: dnf 4 files these under repo options, by
        the plugin's name as written (``config.setopt_pairs`` reads every spelling)."""
        opts = getattr(getattr(self.cli, "command", None), "opts", None)
        return config.setopt_pairs(getattr(opts, "repo_setopts", None) or {})

    def _load_config(self):
        from rocm_notice.settings import config
        self.confdirs = list(self.base.conf.pluginconfpath)
        self._settings, problems = config.load(self.confdirs, self._setopts(config))
        for problem in problems:
            _warn(problem)

    def catalog(self):
        if self._catalog is None:
            from rocm_notice.catalog.catalog import Catalog
            self._catalog = Catalog.load(self.settings.include, self.settings.exclude)
        return self._catalog

    def split(self, catalog):
        """The transaction's items whose package the catalog knows, as (item, package),
        and the other items: one walk, no object made per other item (the garbage
        collector would then run over dnf's whole heap)."""
        kind = catalog.kind
        rocm, other = [], []
        for tsi in self.base.transaction:
            try:
                pkg = tsi.pkg
            except KeyError:    # a reason change (history.set_reason) has no package
                continue
            if kind(pkg.name, pkg.sourcerpm) is None:
                other.append(tsi)
            else:
                rocm.append((tsi, pkg))
        return rocm, other

    def _everyday(self, catalog, rocm):
        """Patch moves inside the installed line and no foreign package installed
        (catalog.within_line): the commonest ROCm transaction, answered from plain values."""
        moves = []
        for tsi, pkg in rocm:
            action = tsi.action
            if action == dnf.transaction.PKG_OBSOLETED:
                return False    # a replacement by another name: the analysis pairs it
            if action in self.IN_ACTIONS or action in self.OUT_ACTIONS:
                moves.append((action in self.IN_ACTIONS, pkg.name, pkg.arch, pkg.version,
                              pkg.release, pkg.sourcerpm))
        return catalog.within_line(moves) and not self._foreign_installed(catalog)

    def _resolving(self):
        """Holds apply where dnf resolves (upgrade, install, distro-sync, dnf-automatic,
        API users) and where a command asks for plugins' filters (check-update), not to
        list or repoquery, which should show what exists. As versionlock decides."""
        if self.cli is None:
            return True
        filtering = getattr(self.cli.demands, "plugin_filtering_enabled", None)
        if filtering is None:
            filtering = getattr(self.cli.demands, "resolving", False)
        return bool(filtering)

    def _foreign_installed(self, catalog):
        """Whether an installed package could be of AMD's stack (catalog.foreign_installed):
        an exact-name query and one glob over Version, not the whole installed stack."""
        from rocm_notice.catalog.catalog import AMD_VERSION_GLOB
        installed = self.base.sack.query().installed()
        found = installed.filter(version__glob=AMD_VERSION_GLOB)
        if catalog.amd:
            found = found.union(installed.filter(name=sorted(catalog.amd)))
        return catalog.foreign_installed((pkg.name, pkg.version, pkg.sourcerpm)
                                         for pkg in found)

    def _check_transaction(self):
        catalog = self.catalog()
        rocm, other = self.split(catalog)
        if not rocm:
            return          # no ROCm package in the transaction
        if self._everyday(catalog, rocm):
            return          # patch updates inside the installed line
        from rocm_notice.frontends.dnf4 import decision as dnf4_decision
        dnf4_decision.Work(self).decide(catalog, rocm, other)
