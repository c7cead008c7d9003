"""dnf5's side of the native helper: what libdnf5's plugin (dnf5-plugin/rocm_notice.cpp)
cannot send, and how dnf5 is named in the texts.

At the transaction's gate the plugin sends everything the analysis and the notice read
(the goal's packages with their provides, requires and source packages; the installed
packages; the compat names on offer), so nothing here loads metadata. A lock's hold
(at repos_loaded, once dnf5 has loaded its repositories) works out which packages only
the newer line can satisfy: for that, a second, read-only libdnf5 sack (``sack``) over the
same install root, configuration, repositories and cache reads what dnf5 just wrote to its
cache, without downloading. Only a lock pays for it.
"""

from rocm_notice.core import report, run
from rocm_notice.frontends.native import helper

COMMAND_NAME = "rocm-epel-notice"    # 'dnf rocm' on dnf5 (the texts tell users to run it)
PROCEED = ("  To proceed anyway, for this one run: dnf5 --disable-plugin=rocm_notice ... "
           "(the policy is not read then).")
# PackageKit's dnf5 backend runs the plugin inside packagekitd, which asks nothing and
# leaves no plugin out for one run: its lines are libdnf's PackageKit's (``run.Run``'s).
PACKAGEKITD = "packagekitd"
# ... which sets a package set up (with the hold, at repos_loaded) when it starts, after a
# transaction and at a refresh, not when the policy changes: what a lock's refusal says
# where no lock was in force at that set-up (the request's lock_at_setup is false).
PACKAGEKITD_MISSED_WHY = ("packagekitd set up its package set before this lock was in "
                          "force; the next one it sets up, after this attempt or at a "
                          "refresh, holds")
# Why a lock's hold is not in dnf5's package set, as the plugin says it ("unheld", a
# comma-separated list): what the refusal of a crossing says. Else nothing: dnf5 works
# out its hold once a run, so only packages given as files can slip past it.
UNHELD_WHY = {
    "destdir": ("no hold is worked out where the command or its command line sets dnf5's "
                "destdir option: that marks a command that only downloads"),
    "disable_excludes": "excludes are disabled for this run: disable_excludes",
}


class Sacks:
    """``core.run.Run.sacks``' interface over one lazily opened ``sack.Sack``, opened on
    what the request's ``base`` says of the running dnf5 (configuration file, repository
    directories, the repositories it has enabled, those it has from its command line
    (--repofrompath), cache, variables)."""

    def __init__(self, installroot, base):
        self.installroot, self.base = installroot, base if isinstance(base, dict) else {}
        self._sack = None

    def get(self, with_repos=True):
        if self._sack is None:
            from rocm_notice.frontends.dnf5.sack import Sack
            base = self.base
            repos = base.get("repos")
            self._sack = Sack(self.installroot, str(base.get("config_file") or ""),
                              [str(d) for d in base.get("reposdirs") or ()],
                              str(base.get("cachedir") or ""),
                              {str(k): str(v) for k, v in (base.get("vars") or {}).items()
                               if v}, cacheonly=True,
                              repos=None if repos is None else [str(r) for r in repos],
                              use_host_config=base.get("use_host_config") is True,
                              repos_from_paths=_repos_from_paths(base),
                              repo_urls=_repo_urls(base))
        return self._sack

    def close(self):
        self._sack = None


def _repos_from_paths(base):
    """{repository id: [base URL, ...]} from the request: the repositories no file
    defines (--repofrompath). What is not of that shape is left out: the hold then misses
    that repository, and the gate refuses a crossing to it."""
    given = base.get("repos_from_paths")
    if not isinstance(given, dict):
        return {}
    return {str(repoid): [str(url) for url in urls] for repoid, urls in given.items()
            if isinstance(urls, list) and urls and all(isinstance(u, str) for u in urls)}


def _repo_urls(base):
    """{repository id: {"baseurl": [URL, ...], "metalink": URL, "mirrorlist": URL}} from
    the request: the repositories whose file dnf5's command line overrode. What is not of
    that shape is left out (the hold then reads that repository as its file says)."""
    given = base.get("repo_urls")
    if not isinstance(given, dict):
        return {}
    found = {}
    for repoid, urls in given.items():
        if not isinstance(urls, dict):
            continue
        baseurl, metalink, mirrorlist = (urls.get(key) for key in
                                         ("baseurl", "metalink", "mirrorlist"))
        if isinstance(baseurl, list) and all(isinstance(u, str) for u in baseurl) and \
                isinstance(metalink, str) and isinstance(mirrorlist, str):
            found[str(repoid)] = {"baseurl": baseurl, "metalink": metalink,
                                  "mirrorlist": mirrorlist}
    return found


class Run(helper.Run):
    """One request of libdnf5's plugin: dnf5 prompts after the notice (unless -y), and
    its texts name dnf5's command and how to leave the plugin out for one run; inside
    packagekitd (PackageKit's dnf5 backend) they are PackageKit's."""

    command_name = COMMAND_NAME

    def __init__(self, request, outcome):
        super().__init__(request, outcome)
        self.daemon = self.program == PACKAGEKITD
        if not self.daemon:
            self.program = "dnf5"   # invoked as dnf on Fedora: the texts say dnf5
        self.via = report.VIA_PACKAGEKIT if self.daemon else report.VIA_DNF5
        # ``late``: the gate is just before rpm runs (dnf5's pre_transaction), any prompt
        # answered: the change is applied now, whatever -y said.
        self.late = request.get("late") is True
        self.assumeyes = self.late or request.get("assumeyes") is True
        self.downloadonly = request.get("downloadonly") is True and not self.late
        self.missed_why = PACKAGEKITD_MISSED_WHY if self.daemon and \
            request.get("lock_at_setup") is False else ""
        said = request.get("unheld")
        self.unheld = "; ".join(UNHELD_WHY[key] for key in str(said).split(",")
                                if key in UNHELD_WHY) if said else ""
        self.sacks = Sacks(self.installroot, request.get("base"))

    @property
    def front_end(self):
        return self.program if self.late else ""    # else dnf5 prompts after the notice

    @property
    def proceed(self):
        return super().proceed if self.daemon else PROCEED

    def hold(self):
        """dnf5 adds a hold to its package set at set-up only (repos_loaded): the gate
        works none out (libdnf's front ends keep one for their next transaction)."""
        if self.hook == run.PRE_TRANSACTION:
            return None
        return super().hold()


def main():
    """The helper's work for this front end (native/rocm-epel-notice-helper runs it)."""
    return helper.main(Run)
