"""The versionlock list that ``lock --versionlock`` also writes, behind one face: dnf 4's
versionlock plugin list (``locklist``: the file ``locklist =`` names) and dnf5's
``versionlock.toml`` (``versionlock_toml``). The command (``frontends.command``) is written
once over this face; each front end hands it the list its package manager reads.

Every method but ``status`` (which says a problem as a line of its own) raises ``ERRORS``
with one line for the user.
"""

import os

from rocm_notice.io import files
from rocm_notice.settings import locklist, versionlock_toml

ERRORS = (locklist.LockListError, versionlock_toml.VersionlockError)

MSG_NO_LIST = ("--versionlock needs the versionlock plugin's versionlock.conf with "
               "'locklist =' in %s")
MSG_UNDECODABLE = ("%s has bytes that are not UTF-8: the versionlock plugin cannot read it "
                   "and applies no lock at all, ours included")
MSG_STRAY = ("%d marker line(s) of ours in %s belong to no complete block (edited by "
             "hand?): '%s unlock' leaves them and what they enclose; remove them by hand")


class PluginList:
    """dnf 4: dnf-plugins-core's versionlock list, if versionlock.conf names one."""

    def __init__(self, confdirs, command_name):
        self.confdirs = confdirs
        self.command_name = command_name

    def path(self):
        return locklist.configured_path(self.confdirs)

    def status(self):
        """{"list", "entries", "problem"} for ``status``, or None without a list; a list
        that cannot be read is a problem line, not a failed command."""
        path = ""
        try:
            path = self.path()
            if not path:
                return None
            text = locklist.read(path)
        except locklist.LockListError as error:
            return {"list": path, "entries": [], "problem": str(error)}
        stray = locklist.stray_markers(text)
        problem = (MSG_UNDECODABLE % path if locklist.undecodable(text)
                   else MSG_STRAY % (stray, path, self.command_name) if stray else "")
        return {"list": path, "entries": locklist.our_entries(text), "problem": problem}

    def ready(self):
        """Before ``lock`` writes anything: the list exists in the configuration and
        reads."""
        path = self.path()
        if not path:
            raise locklist.LockListError(MSG_NO_LIST % ", ".join(self.confdirs))
        locklist.read(path)

    def hold(self, line, members):
        """Our block for ``line``; (path, entries written, changed, problems)."""
        path = self.path()
        entries = locklist.entries_for({line: members})
        note = "ROCm %s held by rocm-epel-notice" % (line,)
        old, new = locklist.update(path, lambda text: locklist.add_block(text, entries, note))
        problems = [MSG_UNDECODABLE % path] if locklist.undecodable(new) else []
        return path, len(entries), new != old, problems

    def readable(self):
        """Before ``unlock`` changes anything: the list, if any, reads."""
        path = self.path()
        if path:
            locklist.read(path)

    def release(self):
        """Remove our block; the list's path when something was removed, else ""."""
        path = self.path()
        if not path or not files.exists(path):
            return ""
        old, new = locklist.update(path, locklist.remove_block)
        return path if new != old else ""


class TomlList:
    """dnf5: ``/etc/dnf/versionlock.toml`` in the installroot (always configured)."""

    def __init__(self, root):
        self.file = os.path.join(root, versionlock_toml.PATH.lstrip("/"))

    def path(self):
        return self.file

    def status(self):
        try:
            entries = versionlock_toml.our_entries(versionlock_toml.read(self.file))
        except versionlock_toml.VersionlockError as error:
            return {"list": self.file, "entries": [], "problem": str(error)}
        return {"list": self.file, "entries": entries, "problem": ""}

    def ready(self):
        versionlock_toml.our_entries(versionlock_toml.read(self.file))   # it parses

    def hold(self, line, members):
        entries = [entry for entry in (versionlock_toml.entry_for(package, line) for package
                                       in sorted(members, key=lambda p: p.name)) if entry]
        old, new = versionlock_toml.update(self.file, entries)
        return self.file, len(entries), new != old, []

    readable = ready

    def release(self):
        old, new = versionlock_toml.update(self.file, [])
        return self.file if new != old else ""
