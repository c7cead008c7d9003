"""`make bench`, part 2: what `dnf rocm scan` and the notice's quick scan cost on a big tree.

Builds (or reuses, .cache/bench-scan/) a tree of 100,000 files laid out like /opt and
/usr/local of a build machine: nested directories of ~100 files, mostly not ELF (text,
data, a few bytes to 16 KiB), 1,000 ELF files compiled by gcc (tests/harness/elf.py;
half need libamdhip64.so.6, some with a RUNPATH into a compat tree), 20 large files of
4 MiB of data and 20 sparse files of 64 GiB. Then measures, in this process:

1. a full scan without the cache (the files are in the page cache: the figure is the
   scan's own cost, not the disk's), files per second;
2. the notice's quick scan, first run (writes its cache under the tree's own
   /var/cache) and second run (answers from the cache), with the cache file's size;
3. the notice's budget: the quick scan with budgets of 0.2 s and 2 s must return within
   the budget plus the cache's load and save (measured apart) plus 50 ms.

Prints the figures and PASS/FAIL per target (exit 0 either way: a measurement) and
writes bench/SCAN-RESULTS.md (unless --no-results).
"""

import argparse
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHECKOUT = HERE.parent
sys.path.insert(0, str(CHECKOUT))

from rocm_notice.scan import scan, scancache  # noqa: E402
from tests.harness import elf  # noqa: E402

FILES = 100_000
ELF_FILES = 1_000
LARGE, SPARSE = 20, 20
PER_DIR = 100
TREE_FORMAT = 1          # bump when the tree's recipe changes
CACHE = CHECKOUT / ".cache" / "bench-scan"
RESULTS = HERE / "SCAN-RESULTS.md"
HIP6 = "libamdhip64.so.6"
ELF_KINDS = ["app", "libuser.so", "app7", "app-compat", "ext.cpython-312-x86_64-linux-gnu.so"]


def build_tree():
    """The root holding /opt/tree (100,000 files) and the compat tree; reused when built."""
    key = "tree-%d-%d-%s" % (TREE_FORMAT, FILES, elf._key())
    root = CACHE / key
    if (root / ".complete").exists():
        return root, False
    started = time.monotonic()
    shutil.rmtree(root, ignore_errors=True)
    built = elf.build()
    elf.install(built, root, elf.COMPAT_DIR + "/" + HIP6, "lib6/" + HIP6)
    top = root / "opt" / "tree"
    payload = os.urandom(16384)
    made = 0
    special = {}
    step = FILES // ELF_FILES
    for index in range(0, FILES, step):
        special[index] = "elf"
    for index in range(7, 7 + (LARGE + SPARSE) * 997, 997):
        special[index] = "large" if len(special) % 2 else "sparse"
    while made < FILES:
        directory = top / ("d%d" % (made // 10000)) / ("e%d" % (made // 1000 % 10)) / (
            "f%d" % (made // PER_DIR % 10))
        directory.mkdir(parents=True, exist_ok=True)
        for _ in range(PER_DIR):
            kind = special.get(made)
            path = directory / ("file%06d" % made)
            if kind == "elf":
                name = ELF_KINDS[made // step % len(ELF_KINDS)]
                shutil.copyfile(built / name, path.with_name(path.name + "-" + name))
            elif kind == "large":
                path.write_bytes(os.urandom(1 << 20) * 4)
            elif kind == "sparse":
                with open(path, "wb") as out:
                    out.truncate(64 << 30)
            else:
                size = (made * 7919) % 16384
                path.write_bytes(b"#" + payload[:size] if made % 3 else payload[:size])
            made += 1
    (root / ".complete").write_text("built in %.0f s\n" % (time.monotonic() - started))
    return root, True


def timed(function, *args, **kwargs):
    started = time.monotonic()
    value = function(*args, **kwargs)
    return value, time.monotonic() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-results", action="store_true", help="do not write the results file")
    opts = parser.parse_args()
    out = []

    def say(line=""):
        print(line, flush=True)
        out.append(line)

    (root, fresh), build_time = timed(build_tree)
    say("tree %s: %s in %.0f s" % (root.relative_to(CHECKOUT), "built" if fresh else "reused",
                                   build_time))
    cache_file = root / scancache.PATH.lstrip("/")
    if cache_file.exists():
        cache_file.unlink()
    lost = scan.Lost(pending=[HIP6])
    paths = ["/opt/tree"]

    full, seconds = timed(scan.scan, paths, lost, str(root), 600)
    say("full scan, no cache: %d files (%d ELF, %d unreadable) in %.2f s = %.0f files/s; "
        "%d broken, %d still run" % (full.files, full.elf, full.unreadable, seconds,
                                     full.files / seconds, len(full.broken), len(full.still_run)))

    (first, _), first_s = timed(scan.quick, [HIP6], paths, 600, str(root))
    (second, _), second_s = timed(scan.quick, [HIP6], paths, 600, str(root))
    loaded, load_s = timed(scancache.load, str(root))
    size = cache_file.stat().st_size
    rewrite = scancache.Cache()                  # every entry new: a full write
    rewrite.used = dict(loaded.old)
    _, save_s = timed(scancache.save, rewrite, True, str(root))
    say("quick scan (notice), first run: %.2f s = %.0f files/s (writes the cache: %d entries, "
        "%.1f MB)" % (first_s, first.files / first_s, len(loaded.old), size / 1e6))
    say("quick scan (notice), second run, from the cache: %.2f s = %.0f files/s (%.1fx); "
        "the cache's load %.3f s, a full save %.3f s (unchanged: none)" % (second_s, second.files / second_s,
                                                   first_s / second_s, load_s, save_s))
    same = [h.path for h in first.broken] == [h.path for h in second.broken] \
        == [h.path for h in full.broken]

    say()
    say("Targets")
    results = []

    def target(label, ok, detail):
        results.append(ok)
        say("%s  %s: %s" % ("PASS" if ok else "FAIL", label, detail))

    target("the cache gives the same answer", same,
           "%d broken in each of the three scans" % len(full.broken))
    target("a run from the cache is faster", second_s < first_s,
           "%.2f s vs %.2f s: the walk (a stat per file) remains" % (second_s, first_s))
    for budget in (0.2, 2.0):
        cache_file.unlink()
        (result, _), took = timed(scan.quick, [HIP6], paths, budget, str(root))
        slack = load_s + save_s + 0.05
        target("notice budget %.1f s respected" % budget, took <= budget + slack,
               "returned after %.3f s (limit %.3f s), %s after %d files"
               % (took, budget + slack, "complete" if result.complete else
                  "stopped at %s" % result.stopped_at, result.files))
    say()
    if not opts.no_results:
        text = ["# The scan over 100,000 files (bench/scan.py)", "",
                "Written by `make bench`; every figure below is from that run.", "",
                "- date: %s" % time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
                "- commit: %s" % subprocess.run(
                    ["git", "-C", str(HERE.parent), "rev-parse", "--short", "HEAD"],
                    text=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout.strip(),
                "- machine: %d CPUs; %s; Python %s" % (os.cpu_count(), platform.platform(),
                                                       platform.python_version()),
                "", "How to read it: see the docstring of `bench/scan.py`.", "", "```"] \
            + out + ["```", ""]
        RESULTS.write_text("\n".join(text))
        print("bench: wrote %s" % RESULTS.relative_to(CHECKOUT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
