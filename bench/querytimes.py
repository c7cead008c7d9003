"""What the plugin's hawkey queries cost on the benchmark corpus (a diagnostic).

cProfile cannot see inside a hawkey query: filters are evaluated lazily in C when the
query is first iterated or measured, so their time shows up as the *own* time of the
Python function that iterates it (``hold.plan``, ``installed_stack``). This script times
those queries one by one on a run's installroot, best of 3, with no plugin loaded:

    /usr/bin/python3 bench/querytimes.py RUN-SANDBOX-DIR [INSTALLROOT]

(INSTALLROOT defaults to RUN-SANDBOX-DIR/root; run with HOME=RUN-SANDBOX-DIR/home so that
rpm reads the Fedora rpmdb location).
"""

import sys
import time
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(CHECKOUT))


def main(sandbox, root=None):
    import dnf
    import dnf.conf

    from rocm_notice.settings import config
    from rocm_notice.core import hold
    from rocm_notice.catalog.catalog import Catalog

    sandbox = Path(sandbox).resolve()
    root = Path(root).resolve() if root else sandbox / "root"
    conf = dnf.conf.Conf()
    conf.installroot = str(root)
    conf.reposdir = [str(sandbox / "repos.d")]
    conf.cachedir = str(root / "var" / "cache" / "dnf")
    conf.substitutions["releasever"] = "10"
    base = dnf.Base(conf)
    base.read_all_repos()
    base.fill_sack(load_system_repo=True)
    sack = base.sack
    catalog = Catalog.load()
    exact, globs = catalog.query_names()

    def best(function, n=3):
        times = []
        for _ in range(n):
            start = time.perf_counter()
            value = function()
            times.append(time.perf_counter() - start)
        return min(times), value

    rows = [
        ("sack.query().available(): %d packages" % len(sack.query().available()), None),
        ("catalog.narrow(installed()) [%d exact names + compat glob]" % len(exact),
         lambda: len(catalog.narrow(sack.query().installed()))),
        ("catalog.narrow(available(), compat=False) (what the hold asks)",
         lambda: len(catalog.narrow(sack.query().available(), compat=False))),
        ("  for comparison: available().filter(name__glob='roc*') [1 glob]",
         lambda: len(sack.query().available().filter(name__glob="roc*"))),
        ("  for comparison: available().filter(name=[%d exact names])" % len(exact),
         lambda: len(sack.query().available().filter(name=exact))),
        ("  for comparison: every available name through catalog.kind() in Python",
         lambda: sum(1 for p in sack.query().available() if catalog.kind(p.name))),
    ]
    print("%-78s %9s %7s" % ("query (best of 3)", "ms", "result"))
    for label, function in rows:
        if function is None:
            print(label)
            continue
        seconds, value = best(function)
        print("%-78s %9.1f %7s" % (label, seconds * 1000, value))
    settings, _ = config.load([str(sandbox / "pluginconf")], {})
    settings.on_major = "lock"
    start = time.perf_counter()
    held, excluded = hold.plan(sack, catalog, settings)
    if held:
        sack.add_excludes(excluded)
    print("%-78s %9.1f %7s" % ("hold.plan() + add_excludes, as the sack hook does (lock)",
                                (time.perf_counter() - start) * 1000,
                                held.count if held else 0))


if __name__ == "__main__":
    main(*sys.argv[1:3])
