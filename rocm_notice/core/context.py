"""What a notice says about the run beyond the findings (``notice.Context``), assembled
once for every front end: the configuration's paths, the release notes and GPU notes, the
compat packages on offer and the programs on disk a crossing breaks (the quick scan).

A front end gives what only it knows (``given``: its prompt, its name, its command, the
system's releasever...) and ``offered(names)``: which of these package names its enabled
repositories offer (asked only for findings to warn about: the compat packages; see
``offered_by`` for a sack); the rest is the same for all of them.
"""

from rocm_notice import describe
from rocm_notice.catalog import known
from rocm_notice.core import gpu, notice
from rocm_notice.scan import scan
from rocm_notice.settings import config



def _debug(message, *args):
    """A line for dnf.log under dnf, nowhere elsewhere. ``logging`` is imported only for
    it: the native plugins' helper is a process of its own, where importing it costs a
    crossing about 6 ms (make bench, the front-end rows)."""
    import logging
    logging.getLogger("dnf.plugin").debug(message, *args)


def build(confdir, settings, catalog, installroot="/", found=None, offered=None, **given):
    """The ``notice.Context``. With ``found`` (findings to warn about) also the release
    notes, the GPU notes, the compat offers (``offered``) and the quick scan."""
    if not found:
        return notice.Context(config_path=config.main_file(confdir) if confdir else "",
                              dropin_dir=config.dropin_dir(confdir) if confdir else "",
                              **given)
    facts = known.load()
    return notice.Context(
        config_path=config.main_file(confdir) if confdir else "",
        dropin_dir=config.dropin_dir(confdir) if confdir else "",
        notes=known.notes_urls(facts), gpu_notes=gpu_notes(found, facts),
        compat=compat_offers(found, catalog, offered) if offered else {},
        broken=quick_scan(found, settings, installroot), **given)


def gpu_notes(found, facts):
    """What the first upgrade crossing (or, with none, the first downgrade) means for
    this machine's AMD GPUs, if known."""
    first = found.leading_upgrade or next(iter(found.crossings), None)
    if first is None:
        return []
    return gpu.support_notes(gpu.machine_targets(), first.old_line, first.new_line, facts)


def offered_by(sack):
    """``offered`` for a front end with a sack (``sack()``, hawkey's query interface)."""
    return lambda names: {pkg.name for pkg in
                          sack().query().available().filter(name=sorted(names))}


def compat_offers(found, catalog, offered):
    """{old line: compat package names the enabled repositories offer for what moves}."""
    offers = {}
    for crossing in found.crossings:
        wanted = {catalog.compat_name(c.old.name, crossing.old_line)
                  for c in crossing.changes if c.old is not None}
        wanted.discard(None)
        if wanted:
            names = sorted(offered(wanted))
            if names:
                offers.setdefault(crossing.old_line, names)
    return offers


def quick_scan(found, settings, installroot="/"):
    """The programs on disk the upgrade breaks, as far as a scan of scan_paths finds
    them within notice_scan_seconds (``scan.brief``), or None: no upgrade crossing
    that removes a soname, the scan turned off, or a failure (never the user's: it goes
    to the debug log)."""
    seconds = settings.notice_scan_seconds
    if not (found.lost_sonames and found.leading_upgrade and seconds > 0):
        return None
    try:
        result, problem = scan.quick(found.lost_sonames, settings.scan_paths, seconds,
                                     installroot or "/")
        if problem:
            _debug("rocm_notice: scan cache not written: %s", problem)
        return scan.brief(result)
    except Exception as error:
        _debug("rocm_notice: quick scan failed: %s", describe(error))
        return None
