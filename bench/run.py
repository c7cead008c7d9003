"""`make bench`: what rocm_notice costs a real `dnf upgrade` on a 20,000-package sandbox.

1. Builds (or reuses) the corpus of bench/corpus.py: ~20,000 available packages, ~1,000
   installed, 60 of them ROCm 6.4 with the 7.1 line and rebuilt consumers available.
2. Times real `/usr/bin/dnf --assumeno upgrade` (resolves, then exits 1) in every mode,
   round-robin (each round runs every mode once, starting one mode later than the round
   before), and reports the median wall time per mode and its ratio to the baseline
   measured in the same rounds. All modes run on ONE copy (cp -a) of the prepared
   installroot with warm dnf caches (one of the ROCm root, one of the no-ROCm root):
   --assumeno changes nothing in it but logs and our report, and two copies of the
   same root measured 0.3 % apart, which would pass for overhead. Each mode has its own
   configuration, plugin path and repo files. Two untimed warm-up runs per mode come
   first (the first fills the bytecode cache), and the output of every run is checked
   (exit status, the notice/hold/block line, no traceback), so a mode cannot silently
   measure something else.
3. Runs dnf in-process (bench/timing_wrapper.py) to measure the plugin's own time per
   hook, and the do-nothing plugin's beside it, in rounds as in 2 (every mode, its
   baseline and its do-nothing plugin among them, once a round); takes peak RSS from each
   dnf child (wait4); times the plugin module's import on top of an imported dnf; counts
   the instructions of one whole run of each mode that has a target, its baseline and its
   do-nothing plugin (valgrind's callgrind, fixed hash seed): a figure that repeats
   within a few hundredths of a per cent (baseline-2 shows it), where the wall-clock
   ratios move by several per cent from run to run; times adding our block to, and
   removing it from, a versionlock list of 100,000 lines. Where the own time goes: for
   every mode with a target, the in-process runs are repeated with our core modules
   imported before dnf starts (the difference is what importing them costs inside a dnf
   run), with the floors beside it (dnf loading the do-nothing plugin's module,
   importing an empty module) that any Python plugin pays.
4. Prints the targets' table and PASS/FAIL per target (exit status 0 either way: this is
   a measurement), and a cProfile of the plugin's code in every mode that missed one.
5. Writes bench/RESULTS.md (unless --no-results), with the machine and the commit.

Modes come in threes where the question is "what does the plugin cost": the
plugin-disabled baseline, the do-nothing plugin (bench_noop: dnf's plugin machinery alone)
and ours, on the same root with the same offer, in the same rounds. Works: a crossing
(6.4 -> 7.1 on offer), the everyday case (ROCm 6.4 installed, only 6.4.3 patch updates on
offer), no ROCm installed; each on the 20,000-package corpus and on the tiny sandbox
(bench/tiny.py: the EPEL 10.1 stack of tests/e2e/stacks.py, 11 packages installed, up
to 13 on offer; a whole dnf run is 140-220 ms here, and the plugin's fixed cost shows).

The targets: the plugin's own time is within 2 % of the baseline's whole run with no
ROCm installed and on the everyday day, and within 5 % on a crossing (warn, lock and
block on the corpus; warn on the tiny sandbox), on the tiny sandbox and on the corpus,
beside the do-nothing plugin measured in the same rounds.

How a target is decided. The plugin's own time is its in-process time (module import +
__init__ + hooks, median of the in-process rounds); it is divided by the median wall time
of the baseline's whole dnf process in the same rounds (through the same wrapper: a
mode's own time and its baseline's run measured apart, hours or minutes apart, moved by
20-30 % with the machine's state and flipped verdicts). That share alone decides. Beside
it, reported and not deciding: the do-nothing plugin's own time (the same share; what
dnf's plugin machinery costs any plugin), the instructions of one whole run under
callgrind against the baseline's (ours and the do-nothing plugin's; flagged when over
the limit), and the wall overhead (median of the per-round mode / baseline ratios, with
min..max and the A/A noise of a second identical baseline "baseline-2" in every round):
what users see, but on this shared machine it moves by several per cent from run to run.
"lock no slower than versionlock" passes when the median of the per-round lock /
versionlock ratios is <= 1 + max(1 %, A/A noise); both must produce the same transaction
(checked and printed).

All runs: bytecode caches on (PYTHONDONTWRITEBYTECODE unset) in a cache directory of
their own (PYTHONPYCACHEPREFIX=.cache/bench/pycache), as on an installed system where
the RPM ships .pyc files; nothing is written into the source tree.
"""

import argparse
import json
import os
import platform
import pstats
import re
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHECKOUT = HERE.parent
sys.path.insert(0, str(CHECKOUT))
sys.path.insert(0, str(HERE))

import corpus as corpus_mod  # noqa: E402
import tiny as tiny_mod  # noqa: E402
from tests.harness.sandbox import Sandbox  # noqa: E402

PYTHON = "/usr/bin/python3"
VERSIONLOCK = "/usr/lib/python3/dist-packages/dnf-plugins/versionlock.py"
WRAPPER = HERE / "timing_wrapper.py"
RESULTS = HERE / "RESULTS.md"
WORK = corpus_mod.CACHE / "runs"
PYCACHE = corpus_mod.CACHE / "pycache"
PROFILES = corpus_mod.CACHE / "profiles"

UPGRADE = ("--assumeno", "upgrade")
WARN_CONF = "[main]\nenabled = 1\n"

LIMIT_QUIET = 0.02            # no ROCm installed, and the everyday day
LIMIT_CROSSING = 0.05         # a crossing on offer (warn, lock, block)
LIMIT_IMPORT = 0.020


@dataclass
class Mode:
    name: str
    what: str
    root: str = "rocm"             # rocm, norocm (the corpus); tiny-rocm, tiny-norocm
    repos: str = "crossing"        # what is on offer: crossing or everyday
    conf: str = WARN_CONF
    args: tuple = UPGRADE
    ours: bool = True              # False: --disableplugin=rocm_notice
    noop: bool = False             # the do-nothing plugin loaded (ours disabled)
    versionlock: bool = False
    returncode: int = 1
    stderr_has: str = "Operation aborted."
    stdout_has: str = ""
    quiet: bool = False            # no "rocm_notice" line expected on stderr
    baseline: str = "baseline"


def _trio(prefix, what, root, repos, **plugin_on):
    """The plugin-disabled baseline, the do-nothing plugin and ours, on one work."""
    base = prefix + "-baseline"
    return [Mode(base, what + ", plugin disabled", root=root, repos=repos, ours=False,
                 quiet=True, baseline=base),
            Mode(prefix + "-noop", what + ", do-nothing plugin", root=root, repos=repos,
                 ours=False, noop=True, quiet=True, baseline=base),
            Mode(prefix, what + ", plugin on (warn)", root=root, repos=repos, baseline=base,
                 **dict({"quiet": True}, **plugin_on))]


MODES = [
    Mode("baseline", "plugin disabled (--disableplugin=rocm_notice)", ours=False, quiet=True),
    Mode("baseline-2", "the same again (A/A noise)", ours=False, quiet=True),
    Mode("noop", "do-nothing plugin, crossing on offer (ours disabled)", ours=False,
         noop=True, quiet=True),
    Mode("warn", "warn, crossing 6.4 -> 7.1 present",
         stderr_has="rocm_notice: this transaction moves ROCm 6.4"),
    Mode("lock", "on_major = lock", conf="[main]\non_major = lock\n",
         stderr_has="rocm_notice: ROCm held at 6.4 by policy"),
    Mode("block", "on_major = block", conf="[main]\non_major = block\n",
         stderr_has="Error: rocm_notice: blocked by policy"),
    Mode("versionlock", "stock versionlock holds the same set, ours disabled",
         ours=False, versionlock=True, quiet=True),
] + _trio("everyday", "ROCm 6.4 installed, only 6.4.3 patch updates", "rocm", "everyday") \
  + _trio("norocm", "no ROCm installed", "norocm", "crossing") + [
    Mode("status", "dnf rocm status", args=("rocm", "status"), returncode=0,
         stderr_has="", stdout_has="6.4: 60 packages"),
    Mode("check", "dnf rocm check", args=("rocm", "check"), returncode=1,
         stderr_has="", stdout_has="7.1"),
] + _trio("tiny-crossing", "tiny: crossing 6.4 -> 7.1 on offer", "tiny-rocm", "crossing",
          quiet=False, stderr_has="rocm_notice: this transaction moves ROCm 6.4") \
  + _trio("tiny-everyday", "tiny: only 6.4.3 patch updates", "tiny-rocm", "everyday") \
  + _trio("tiny-norocm", "tiny: no ROCm installed", "tiny-norocm", "crossing")
BY_NAME = {m.name: m for m in MODES}
# The targets: (mode, limit). The mode's baseline and do-nothing plugin are measured
# with it in every round.
TARGETS = [("norocm", LIMIT_QUIET), ("everyday", LIMIT_QUIET), ("warn", LIMIT_CROSSING),
           ("lock", LIMIT_CROSSING), ("block", LIMIT_CROSSING), ("tiny-norocm", LIMIT_QUIET),
           ("tiny-everyday", LIMIT_QUIET), ("tiny-crossing", LIMIT_CROSSING)]
INPROC = ["baseline", "noop", "warn", "lock", "block", "versionlock", "everyday-baseline",
          "everyday-noop", "everyday", "norocm-baseline", "norocm-noop", "norocm", "status",
          "check", "tiny-crossing-baseline", "tiny-crossing-noop", "tiny-crossing",
          "tiny-everyday-baseline", "tiny-everyday-noop", "tiny-everyday",
          "tiny-norocm-baseline", "tiny-norocm-noop", "tiny-norocm"]
# Where the own time goes (importing the core modules vs the rest): every mode with a target.
SPLIT = [name for name, _ in TARGETS]
# The do-nothing plugin: what dnf's plugin machinery alone costs (loading a module,
# instantiating a class, calling hooks that return at once).
NOOP_PLUGIN = '''"""bench: a dnf plugin that does nothing."""
import dnf


class BenchNoop(dnf.Plugin):
    name = "bench_noop"

    def config(self):
        pass

    def sack(self):
        pass

    def resolved(self):
        pass
'''


@dataclass
class Result:
    wall: float
    cpu: float
    maxrss_kb: int
    returncode: int
    stdout: str
    stderr: str

    @property
    def transaction(self):
        found = dict((k, int(n)) for k, n in
                     re.findall(r"^(Install|Upgrade|Remove|Downgrade)\s+(\d+) Package",
                                self.stdout, re.M))
        return found


@dataclass
class Runner:
    mode: Mode
    sandbox: Sandbox
    env: dict
    results: list = field(default_factory=list)

    def command(self, root=None):
        args = list(self.mode.args)
        if not self.mode.ours:
            args.insert(0, "--disableplugin=rocm_notice")
        argv = self.sandbox.dnf_args(*args)
        if root is not None:                  # another copy of the same installroot
            argv[argv.index("--installroot") + 1] = str(root)
        return argv

    def run(self, argv=None, log=None, env=None):
        argv = argv or self.command()
        out = self.sandbox.path / "stdout"
        err = self.sandbox.path / "stderr"
        with open(out, "w") as o, open(err, "w") as e:
            start = time.perf_counter()
            proc = subprocess.Popen(argv, env=env or self.env, stdin=subprocess.DEVNULL, stdout=o,
                                    stderr=e)
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        result = Result(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss,
                        proc.returncode, out.read_text(), err.read_text())
        if log is not None:
            log.append(result)
        return result

    def check(self, result):
        """Raise when a run did not do what the mode is about (measuring it would lie)."""
        mode, problems = self.mode, []
        if result.returncode != mode.returncode:
            problems.append("exit %d, expected %d" % (result.returncode, mode.returncode))
        if mode.stderr_has and mode.stderr_has not in result.stderr:
            problems.append("stderr lacks %r" % mode.stderr_has)
        if mode.stdout_has and mode.stdout_has not in result.stdout:
            problems.append("stdout lacks %r" % mode.stdout_has)
        stderr = "\n".join(line for line in result.stderr.splitlines()
                            if not line.startswith("ROCM_BENCH_TIMES "))
        if mode.quiet and "rocm_notice" in stderr:
            problems.append("unexpected rocm_notice output")
        if "Traceback" in result.stderr:
            problems.append("a traceback")
        if problems:
            raise SystemExit("bench: mode %s: %s\n--- stdout (end)\n%s\n--- stderr (end)\n%s"
                             % (mode.name, "; ".join(problems), result.stdout[-2000:],
                                result.stderr[-3000:]))


# -- set-up ------------------------------------------------------------------------------

def bench_env(sandbox):
    env = sandbox.run_env({"PYTHONPYCACHEPREFIX": str(PYCACHE)})
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def versionlock_list(corpus, path):
    """The versionlock plugin's list, as 'dnf versionlock add' writes it, holding every
    installed ROCm package and every consumer at its current version: the set our lock
    holds (a consumer rebuilt for 7.1 would otherwise need the held 7.1 libraries, and
    dnf with best=True would stop)."""
    lines = ["# rocm-epel-notice benchmark: ROCm 6.4 and its consumers held"]
    for pkg in corpus_mod.rocm_line(corpus_mod.OLD) + corpus_mod.consumers(corpus_mod.OLD):
        lines.append("%s-0:%s-%s.*" % (pkg["name"], pkg["version"], pkg["release"]))
    path.write_text("\n".join(lines) + "\n")


class Roots:
    """The prepared installroots and repositories of the corpus and the tiny sandbox."""

    def __init__(self, corpus, tiny):
        self.corpus, self.tiny = corpus, tiny

    def root(self, which):
        if which.startswith("tiny-"):
            return self.tiny.root(which[len("tiny-"):])
        return self.corpus.root(which)

    def repo_files(self, reposdir, mode):
        if mode.root.startswith("tiny-"):
            self.tiny.repo_files(reposdir, mode.repos)
        else:
            self.corpus.repo_files(reposdir, corpus_mod.EVERYDAY if mode.repos == "everyday"
                                   else corpus_mod.CROSSING)


def prepare(corpus, modes):
    if WORK.exists():
        shutil.rmtree(WORK)
    WORK.mkdir(parents=True)
    PYCACHE.mkdir(parents=True, exist_ok=True)
    roots = {}
    for which in sorted({mode.root for mode in modes}):      # one copy per corpus root
        roots[which] = WORK / ("root-%s" % which)
        subprocess.run(["cp", "-a", str(corpus.root(which)), str(roots[which])], check=True)
    runners = {}
    for mode in modes:
        path = WORK / mode.name
        pluginpath = [CHECKOUT / "dnf-plugins"]
        if mode.versionlock:
            vl = path / "versionlock-plugin"
            vl.mkdir(parents=True)
            (vl / "versionlock.py").symlink_to(VERSIONLOCK)
            pluginpath.append(vl)
        if mode.noop:
            noop = path / "noop-plugin"
            noop.mkdir(parents=True)
            (noop / "bench_noop.py").write_text(NOOP_PLUGIN)
            pluginpath.append(noop)
        sandbox = Sandbox(path, plugin_conf=mode.conf, pluginpath=pluginpath)
        if mode.noop:
            (sandbox.confdir / "bench_noop.conf").write_text("[main]\nenabled = 1\n")
        if mode.versionlock:
            locklist = path / "versionlock.list"
            versionlock_list(corpus, locklist)
            (sandbox.confdir / "versionlock.conf").write_text(
                "[main]\nenabled = 1\nlocklist = %s\n" % locklist)
        shutil.rmtree(sandbox.root)            # the empty one Sandbox made
        sandbox.root = roots[mode.root]
        corpus.repo_files(sandbox.reposdir, mode)
        runners[mode.name] = Runner(mode, sandbox, bench_env(sandbox))
    return runners


# -- statistics --------------------------------------------------------------------------

def median(values):
    return statistics.median(values) if values else float("nan")


def quartiles(values):
    if len(values) < 2:
        return values[0], values[0]
    q = statistics.quantiles(values, n=4, method="inclusive")
    return q[0], q[2]


def paired(runners, name, against):
    a = [r.wall for r in runners[name].results]
    b = [r.wall for r in runners[against].results]
    return [x / y for x, y in zip(a, b, strict=True)]


# -- instruction counts ------------------------------------------------------------------

# Counted under callgrind: every mode with a target, its baseline and its do-nothing
# plugin; versionlock (against lock); baseline-2 (the repeatability of a count).
COUNTED = ["baseline", "baseline-2", "noop", "warn", "versionlock", "lock", "block",
           "everyday-baseline", "everyday-noop", "everyday", "norocm-baseline", "norocm-noop",
           "norocm", "tiny-crossing-baseline", "tiny-crossing-noop", "tiny-crossing",
           "tiny-everyday-baseline", "tiny-everyday-noop", "tiny-everyday",
           "tiny-norocm-baseline", "tiny-norocm-noop", "tiny-norocm"]


def count_instructions(runner, root):
    """Instructions the whole dnf run executes in user space (callgrind's total), with a
    fixed hash seed: the same run on the same root counts the same to a few thousand
    instructions in three billion, where wall time moves by several per cent. Not time
    (no I/O, no cache misses), but what our code adds to dnf's work, free of the
    machine's noise."""
    import tempfile
    with tempfile.TemporaryDirectory(prefix="rocm-bench-cg-") as tmp:
        log = os.path.join(tmp, "log")
        argv = ["valgrind", "--tool=callgrind", "--log-file=%s" % log,
                "--callgrind-out-file=%s" % os.path.join(tmp, "out"), PYTHON] \
            + runner.command(root)
        result = runner.run(argv, env=dict(runner.env, PYTHONHASHSEED="0"))
        runner.check(result)
        with open(log) as handle:
            found = re.search(r"Collected : (\d+)", handle.read())
    if not found:
        raise SystemExit("bench: callgrind printed no instruction count for %s"
                         % runner.mode.name)
    return int(found.group(1))


def instructions(corpus, runners, jobs):
    """{mode: count}. ``jobs`` workers, each running its share of the modes one after the
    other on copies of the roots of its own: two dnf runs at once on one root disturb
    each other's counts (by up to 1 %: the metadata lock, the cache). Each counted run
    comes right after a plain run of the same mode on that root: with metadata_expire=0
    a dnf run leaves the repositories it loaded marked expired in the root
    (var/cache/dnf/expired_repos.json) and the next run revalidates them, about 1 % of a
    corpus run's instructions that the first run on a fresh copy does not do; without
    the plain run, whichever mode a worker counted first on a root came out 1 % low (the
    corpus crossing's baseline and baseline-2 both did, and every other crossing mode
    looked 1 % dearer against them)."""
    import threading
    counts, errors = {}, []

    def work(index, names):
        roots = {}
        for which in sorted({runners[n].mode.root for n in names}):
            roots[which] = WORK / ("count-%d" % index) / ("root-%s" % which)
            roots[which].parent.mkdir(parents=True, exist_ok=True)
            subprocess.run(["cp", "-a", str(corpus.root(which)), str(roots[which])],
                           check=True)
        try:
            for name in names:
                runner, root = runners[name], roots[runners[name].mode.root]
                runner.check(runner.run(runner.command(root)))     # the state it leaves
                counts[name] = count_instructions(runner, root)
        except BaseException as error:      # SystemExit from a failed check, too
            errors.append(error)

    threads = [threading.Thread(target=work, args=(i, COUNTED[i::jobs])) for i in range(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return counts


# -- in-process measurements ---------------------------------------------------------------

def inprocess(runner, profile=None, preimport=()):
    argv = [PYTHON, str(WRAPPER)] + (["--profile", str(profile)] if profile else []) \
        + (["--preimport", ",".join(preimport)] if preimport else []) \
        + ["--"] + runner.command()[1:]
    result = runner.run(argv)
    runner.check(result)
    for line in result.stderr.splitlines():
        if line.startswith("ROCM_BENCH_TIMES "):
            times = json.loads(line[len("ROCM_BENCH_TIMES "):])
            times["process_wall"] = result.wall     # the whole dnf process, as timed rounds
            return times
    raise SystemExit("bench: the timing wrapper printed no times for %s:\n%s"
                     % (runner.mode.name, result.stderr[-3000:]))


HOOK_LABELS = ["__init__", "config", "sack", "resolved", "command"]
PLUGIN_IMPORTS = ["import:rocm_notice", "import:bench_noop"]


def own_time(times):
    """The plugin's own seconds in one run: its module's import, __init__ and hooks (ours,
    or the do-nothing plugin's in its modes; the timing wrapper times either)."""
    return sum(times.get(label, 0.0) for label in PLUGIN_IMPORTS + HOOK_LABELS)


def import_time(runs, modules):
    """Seconds to import dnf-plugins/rocm_notice.py with dnf's CLI already imported (what
    our module adds when dnf loads it), and to import the core modules a run loads."""
    script = r"""
import importlib, importlib.util, json, sys, time
import dnf, dnf.cli.main, dnf.plugin
t = time.perf_counter()
spec = importlib.util.spec_from_file_location("dnf.plugin.bench_rocm_notice", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
plugin = time.perf_counter() - t
t = time.perf_counter()
for name in sys.argv[3:]:
    importlib.import_module(name)
core = time.perf_counter() - t
sys.path.insert(0, sys.argv[2])
importlib.import_module("bench_empty.first")    # the package and its directory's finder
t = time.perf_counter()
importlib.import_module("bench_empty.second")
print(json.dumps({"plugin": plugin, "core": core, "empty": time.perf_counter() - t}))
"""
    env = dict(os.environ, PYTHONPATH=str(CHECKOUT), PYTHONPYCACHEPREFIX=str(PYCACHE))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    empty = corpus_mod.CACHE / "empty-modules"
    (empty / "bench_empty").mkdir(parents=True, exist_ok=True)
    for module in ("__init__", "first", "second"):
        (empty / "bench_empty" / (module + ".py")).write_text("")
    samples = []
    for i in range(runs + 1):            # the first one (bytecode check) is not counted
        out = subprocess.run([PYTHON, "-c", script, str(CHECKOUT / "dnf-plugins" /
                                                         "rocm_notice.py"), str(empty)] + modules,
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, check=True)
        if i:
            samples.append(json.loads(out.stdout))
    importtime = subprocess.run(
        [PYTHON, "-X", "importtime", "-c", "import dnf.cli.main\nimport importlib.util, sys\n"
         "s = importlib.util.spec_from_file_location('dnf.plugin.bench_rocm_notice', sys.argv[1])\n"
         "s.loader.exec_module(importlib.util.module_from_spec(s))",
         str(CHECKOUT / "dnf-plugins" / "rocm_notice.py")],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, check=True)
    return ({"plugin": median([s["plugin"] for s in samples]),
             "core": median([s["core"] for s in samples]),
             "empty": median([s["empty"] for s in samples]),
             "plugin_all": [s["plugin"] for s in samples]}, importtime.stderr)


def large_locklist(lines=100_000, runs=5):
    """Milliseconds (best of ``runs``) to add our block to, and take it out of, a
    versionlock list of ``lines`` admin lines: plain ones, and ones that carry our tag
    (the slow path of the scan). A unit test checks the result on such a list."""
    from rocm_notice.settings import locklist
    entries = ["rocblas-0:6.4.*", "hipcc-0:*-*rocm6.4.*.*"]
    plain = "".join("pkg%d-0:1.%d-1.el10.*\n" % (i, i) for i in range(lines))
    tagged = plain.replace("\n", " # rocm-epel-notice: x\n")
    figures = {}
    for label, text in (("plain", plain), ("tagged", tagged)):
        best = {"add": float("inf"), "remove": float("inf")}
        for _ in range(runs):
            start = time.perf_counter()
            locked = locklist.add_block(text, entries)
            best["add"] = min(best["add"], time.perf_counter() - start)
            start = time.perf_counter()
            back = locklist.remove_block(locked)
            best["remove"] = min(best["remove"], time.perf_counter() - start)
            if back != text:
                raise SystemExit("bench: the large lock list did not round-trip")
        figures[label] = best
    return figures


NOT_IMPORT_FRAMES = r"^(?!<frozen importlib|\{built-in method builtins\.(exec|__import__)\})"


def profile_text(path, limit=15):
    import io
    text = []
    for order in ("cumulative", "tottime"):
        stream = io.StringIO()
        stats = pstats.Stats(str(path), stream=stream)
        stats.strip_dirs().sort_stats(order)
        if order == "cumulative":     # our functions, not the import machinery's frames
            stats.print_stats(NOT_IMPORT_FRAMES, limit)
        else:
            stats.print_stats(limit)
        body = stream.getvalue()
        body = body[body.index("   ncalls"):] if "   ncalls" in body else body
        what = "top %d by %s%s" % (limit, order, " (import machinery frames left out)"
                                    if order == "cumulative" else "")
        text.append("%s:\n%s" % (what, body.rstrip()))
    return "\n\n".join(text)


# -- machine -----------------------------------------------------------------------------

def machine():
    def first(path, key):
        try:
            for line in open(path):
                if line.startswith(key):
                    return line.split(":", 1)[1].strip()
        except OSError:
            pass
        return "?"
    versions = subprocess.run(
        [PYTHON, "-c", "import dnf.const, hawkey, rpm, sys; "
         "print(dnf.const.VERSION, hawkey.VERSION, rpm.__version__, sys.version.split()[0])"],
        stdout=subprocess.PIPE, text=True).stdout.split()
    osname = "?"
    try:
        osname = dict(line.rstrip().split("=", 1) for line in open("/etc/os-release")
                      if "=" in line).get("PRETTY_NAME", "?").strip('"')
    except OSError:
        pass
    mem = first("/proc/meminfo", "MemTotal")
    return {"date": subprocess.run(["date", "-u"], stdout=subprocess.PIPE,
                                   text=True).stdout.strip(),
            "nproc": os.cpu_count(), "cpu": first("/proc/cpuinfo", "model name"),
            "memory": "%.1f GiB" % (int(mem.split()[0]) / 1048576) if mem != "?" else "?",
            "os": osname, "kernel": platform.release(),
            "dnf": versions[0], "libdnf": versions[1], "rpm": versions[2],
            "python": versions[3]}


# -- main --------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=15, help="round-robin rounds (15)")
    parser.add_argument("--inproc-runs", type=int, default=9,
                        help="in-process rounds (every mode once a round) for the per-hook times (9)")
    parser.add_argument("--import-runs", type=int, default=11,
                        help="runs of the import measurement (11)")
    parser.add_argument("--no-instructions", action="store_true",
                        help="skip the instruction counts under valgrind (about 2 minutes)")
    parser.add_argument("--profile", action="store_true",
                        help="print the cProfile of every plugin mode, not only failing ones")
    parser.add_argument("--no-results", action="store_true",
                        help="do not write bench/RESULTS.md")
    opts = parser.parse_args()
    out = []

    def say(line=""):
        print(line, flush=True)
        out.append(line)

    info = machine()
    say("rocm-epel-notice benchmark, %s" % info["date"])
    say("machine: %(nproc)s CPUs (%(cpu)s), %(memory)s, %(os)s, kernel %(kernel)s" % info)
    say("dnf %(dnf)s, libdnf %(libdnf)s, rpm %(rpm)s, python %(python)s" % info)
    start = time.monotonic()
    corpus = corpus_mod.build(log=say)
    c = corpus.info
    build_line = ("corpus build: %.0f s (rpmbuild %.0f s, createrepo_c %.0f s, dnf install "
                  "%.0f s)%s" % (c["build_seconds"], c["rpm_seconds"], c["createrepo_seconds"],
                                 c["install_seconds"],
                                 ", reused from the cache this run" if c.get("reused") else ""))
    say(build_line)
    corpus_line = ("corpus: %d available (%s), installed: %d with ROCm (60 ROCm 6.4 + 40 "
                   "consumers), %d without" % (sum(c["available"].values()),
                                              ", ".join("%s %d" % kv for kv in
                                                        c["available"].items()),
                                              c["installed"]["rocm"], c["installed"]["norocm"]))
    say(corpus_line)
    load = os.getloadavg()
    load_line = ("machine load at the start: %.2f %.2f %.2f (1, 5, 15 min) on %d CPUs, shared "
                 "with other work: wall-clock figures are noisy, targets are decided on the "
                 "plugin's own time against its baseline's run in the same rounds" % (load + (os.cpu_count() or 1,)))
    say(load_line)

    tiny = tiny_mod.build(log=say)
    say("tiny sandbox: %d packages on offer at most (the EPEL 10.1 stack of tests/e2e/stacks.py),"
        " installed: %d with ROCm, %d without" % (max(tiny.info["available"].values()),
                                                 tiny.info["installed"]["rocm"],
                                                 tiny.info["installed"]["norocm"]))
    corpus = Roots(corpus, tiny)
    runners = prepare(corpus, MODES)
    say("warm-up (two untimed runs per mode, outputs checked)...")
    for runner in runners.values():
        for _ in range(2):
            result = runner.run()
        runner.check(result)
        runner.transaction = result.transaction

    names = [m.name for m in MODES]
    say("timing: %d rounds x %d modes, round-robin..." % (opts.rounds, len(names)))
    for r in range(opts.rounds):
        order = names[r % len(names):] + names[:r % len(names)]
        for name in order:
            runner = runners[name]
            runner.check(runner.run(log=runner.results))
        print("  round %d/%d done (%.0f s)" % (r + 1, opts.rounds, time.monotonic() - start),
              flush=True)

    aa = paired(runners, "baseline-2", "baseline")
    q1, q3 = quartiles(aa)
    noise = (q3 - q1) / 2
    say()
    say("in-process: %d rounds through bench/timing_wrapper.py, every mode once a round..."
        % opts.inproc_runs)
    # Round-robin, as the timed rounds: a mode's own time, its baseline's whole run and
    # the do-nothing plugin's own time are measured in the same rounds, so the machine's
    # state drifting over the bench (its load, its clock) moves them alike. Where the own
    # time of every target mode goes: the same runs with the core modules already imported
    # (the difference is what importing them costs), and the do-nothing plugin's module
    # import (dnf's plugin machinery, which any plugin pays).
    first = {name: inprocess(runners[name]) for name in INPROC}     # warm-up: not counted
    jobs = ([(name, ()) for name in INPROC]
            + [(name, tuple(first[name].get("modules", []))) for name in SPLIT])
    samples = {job: [] for job in jobs}
    for r in range(opts.inproc_runs):
        for name, preimport in jobs[r % len(jobs):] + jobs[:r % len(jobs)]:
            samples[name, preimport].append(inprocess(runners[name], preimport=preimport))
    inproc = {}
    for name in INPROC:
        runs = samples[name, ()]
        labels = sorted({k for s in runs for k in s if k not in ("calls", "modules")})
        inproc[name] = {k: median([s.get(k, 0.0) for s in runs]) for k in labels}
        inproc[name]["own"] = median([own_time(s) for s in runs])
        inproc[name]["import"] = median([sum(s.get(k, 0.0) for k in PLUGIN_IMPORTS)
                                         for s in runs])
        inproc[name]["modules"] = runs[-1].get("modules", [])
    preloaded = {name: median([own_time(s) for s in samples[name, preimport]])
                 for name, preimport in jobs if preimport}
    noop_import = inproc["tiny-everyday-noop"].get("import:bench_noop", 0.0)
    counts, counts_note = None, ""
    if opts.no_instructions:
        counts_note = "skipped (--no-instructions)"
    elif not shutil.which("valgrind"):
        counts_note = ("skipped: valgrind is not installed (apt-get install valgrind, or "
                       "dnf install valgrind)")
    else:
        say("instruction counts: one run per mode under callgrind (%s)..." % ", ".join(COUNTED))
        counts = instructions(corpus, runners, max(1, min(2, os.cpu_count() or 1)))
    core_modules = sorted(set(inproc["warn"]["modules"]) - {"rocm_notice"})
    imp, importtime = import_time(opts.import_runs, core_modules)

    # -- the wall-clock table -----------------------------------------------------------
    say()
    say("Wall time of whole dnf runs (s), %d rounds; ratio = median of per-round mode/baseline"
        % opts.rounds)
    header = "%-22s %-64s %8s %15s %7s %15s %7s %8s %s" % (
        "mode", "what", "median", "min..max", "ratio", "ratio min..max", "cpu s", "RSS MB",
        "transaction")
    say(header)
    say("-" * len(header))
    rows = {}
    for mode in MODES:
        runner = runners[mode.name]
        walls = [r.wall for r in runner.results]
        ratios = paired(runners, mode.name, mode.baseline)
        rows[mode.name] = {"median": median(walls), "min": min(walls), "max": max(walls),
                           "ratio": median(ratios), "rmin": min(ratios), "rmax": max(ratios),
                           "cpu": median([r.cpu for r in runner.results]),
                           "rss": median([r.maxrss_kb for r in runner.results]) / 1024}
        row = rows[mode.name]
        tx = ", ".join("%s %d" % kv for kv in sorted(runner.transaction.items())) or "-"
        say("%-22s %-64s %8.3f %7.3f..%-6.3f %7.3f %7.3f..%-6.3f %7.3f %8.1f %s" % (
            mode.name, mode.what, row["median"], row["min"], row["max"],
            row["ratio"], row["rmin"], row["rmax"], row["cpu"], row["rss"], tx))
    say("(ratio: against the mode's own plugin-disabled baseline, on the same root with the "
        "same offer (baseline for the crossing modes, X-baseline for X and X-noop). A/A noise: baseline-2/baseline ratios %s, half-IQR %.1f %%)"
        % (" ".join("%.3f" % x for x in aa), noise * 100))

    # -- in-process table ---------------------------------------------------------------
    say()
    say("Plugin's own time in-process (ms, median of %d runs; ours, or the do-nothing "
        "plugin's in the -noop modes; dnf phases for reference; the last column: own time over"
        " the whole in-process run of the mode's baseline, in the same rounds)"
        % opts.inproc_runs)
    cols = ["import", "__init__", "config", "sack", "resolved", "command", "own",
            "dnf:fill_sack", "dnf:resolve", "dnf:main", "process_wall"]
    head = "%-22s" % "mode" + "".join("%14s" % col.replace("process_wall", "whole run")
                                      for col in cols) + "   own/baseline run"
    say(head)
    say("-" * len(head))
    for name in INPROC:
        values = inproc[name]
        ownshare = ("%.1f %%" % (100 * values["own"]
                                 / inproc[BY_NAME[name].baseline]["process_wall"])
                    if BY_NAME[name].ours or BY_NAME[name].noop else "-")
        say("%-22s" % name + "".join("%14.1f" % (1000 * values.get(col, 0.0)) for col in cols)
            + "   " + ownshare)
    say("(sack runs inside dnf:fill_sack, resolved inside dnf:resolve; own = import + "
        "__init__ + config + sack + resolved + command; whole run: the dnf process's wall "
        "time, through the wrapper;")
    say(" check's command includes dnf's own resolve of the upgrade, so its 'own' is not "
        "all overhead)")
    say()
    say("Where the own time goes (medians of %d runs; importing the core "
        "modules: the same runs with them imported before dnf starts, the difference)"
        % opts.inproc_runs)
    for name in SPLIT:
        values = inproc[name]
        say("%-16s own %.1f ms = importing %d core modules %.1f ms + the rest %.1f ms (loading"
            " the plugin module %.1f ms, the hooks' work %.1f ms)"
            % (name, 1000 * values["own"], len(values["modules"]),
               1000 * (values["own"] - preloaded[name]), 1000 * preloaded[name],
               1000 * values["import"], 1000 * (preloaded[name] - values["import"])))
    say("(floors: dnf loading the do-nothing plugin's module %.2f ms; importing an empty module"
        " of a package already loaded %.2f ms)" % (1000 * noop_import, 1000 * imp["empty"]))
    say()
    say("Peak RSS of the dnf process (median of the timed runs): baseline %.1f MB, warn %.1f MB"
        " (%+.1f MB), lock %.1f MB, no ROCm %.1f MB vs %.1f MB"
        % (rows["baseline"]["rss"], rows["warn"]["rss"],
           rows["warn"]["rss"] - rows["baseline"]["rss"], rows["lock"]["rss"],
           rows["norocm"]["rss"], rows["norocm-baseline"]["rss"]))
    say("Import of dnf-plugins/rocm_notice.py with dnf already imported: median %.2f ms "
        "(%d runs, %.2f..%.2f ms); the core modules a warn run imports on top (%d: %s): %.1f ms"
        % (imp["plugin"] * 1000, len(imp["plugin_all"]), min(imp["plugin_all"]) * 1000,
           max(imp["plugin_all"]) * 1000, len(core_modules),
           ", ".join(m.split(".")[-1] for m in core_modules), imp["core"] * 1000))

    big = large_locklist()
    say("A versionlock list of 100,000 admin lines: adding our block %.0f ms, taking it out "
        "%.0f ms; with our tag in every admin line (the slow path): %.0f ms, %.0f ms"
        % tuple(1000 * big[k][op] for k in ("plain", "tagged") for op in ("add", "remove")))

    # -- instruction counts ---------------------------------------------------------------
    say()
    if counts is None:
        say("Instruction counts: %s" % counts_note)
    else:
        say("Instructions executed by whole dnf runs (callgrind, user space, PYTHONHASHSEED=0,"
            " one run each)")
        for name in COUNTED:
            others = ([] if name.endswith("baseline") or name == "versionlock"
                      else [BY_NAME[name].baseline]) + (["versionlock"] if name == "lock" else [])
            say("%-22s %15s%s" % (name, "{:,}".format(counts[name]), "".join(
                "   %+.2f %% of %s" % (100.0 * (counts[name] / counts[other] - 1), other)
                for other in others)))
        say("(baseline-2 against baseline is the repeatability of a count)")

    def counted(name, other):
        if counts is None:
            return ""
        return "; instructions %+.2f %%" % (100.0 * (counts[name] / counts[other] - 1))

    # -- targets ------------------------------------------------------------------------
    say()
    say("Targets: the plugin's own time in-process (import + __init__ + hooks, median of %d "
        "rounds) over its baseline's whole dnf run in the same rounds: <= %d %% with no ROCm "
        "and on the everyday day, <= %d %% on a crossing. Beside it, not deciding: the "
        "do-nothing plugin in the same rounds, the instructions of one whole run (callgrind) "
        "and the wall time (median of %d per-round ratios), each against the same baseline."
        % (opts.inproc_runs, LIMIT_QUIET * 100, LIMIT_CROSSING * 100, opts.rounds))
    failed = []

    def target(label, ok, detail, mode=None):
        say("%s  %s: %s" % ("PASS" if ok else "FAIL", label, detail))
        if not ok and mode:
            failed.append(mode)

    def noop_of(name):
        base = BY_NAME[name].baseline
        return base[:-len("baseline")] + "noop" if base != "baseline" else "noop"

    def pct(x, digits=1):
        return "%+.*f %%" % (digits, x * 100) if x is not None else "-"

    def instr(name):
        if counts is None or name not in counts:
            return None
        return counts[name] / counts[BY_NAME[name].baseline] - 1

    table = []
    head = "%-14s %5s %8s %10s %8s %8s %9s %9s %8s %8s  %s" % (
        "mode", "limit", "own ms", "base ms", "own %", "noop %", "instr", "noop in", "wall",
        "noop wl", "verdict")
    table += [head, "-" * len(head)]
    verdicts = {}
    for name, limit in TARGETS:
        base, noop = BY_NAME[name].baseline, noop_of(name)
        base_run = inproc[base]["process_wall"]
        share, noop_share = inproc[name]["own"] / base_run, inproc[noop]["own"] / base_run
        verdicts[name] = share <= limit
        over = instr(name) is not None and instr(name) > limit
        table.append("%-14s %4d%% %8.1f %10.1f %7.2f%% %7.2f%% %9s %9s %8s %8s  %s%s" % (
            name, limit * 100, inproc[name]["own"] * 1000, base_run * 1000, share * 100,
            noop_share * 100, pct(instr(name), 2), pct(instr(noop), 2),
            pct(rows[name]["ratio"] - 1), pct(rows[noop]["ratio"] - 1),
            "PASS" if verdicts[name] else "FAIL",
            " (instructions over the limit)" if over else ""))
    for line in table:
        say(line)
    say("(own %%: own ms / base ms, the baseline's whole in-process run in the same rounds; "
        "noop %%: the do-nothing plugin's own time, the same way; instr / noop in: "
        "instructions against the baseline's; wall / noop wl: the timed rounds' median "
        "per-round ratio - 1; A/A noise of the wall figures +-%.1f %%)" % (noise * 100))
    say()
    for name, limit in TARGETS:
        row, base, noop = rows[name], BY_NAME[name].baseline, noop_of(name)
        base_run = inproc[base]["process_wall"]
        target("own time %s <= %d %%" % (name, limit * 100), verdicts[name],
               "%.1f ms = %.2f %% of %s's whole run (%.0f ms, the same rounds); do-nothing "
               "plugin %.1f ms = %.2f %%; instructions %s (do-nothing %s); wall %+.1f %% "
               "(per-round %+.1f..%+.1f %%; do-nothing %+.1f %%; A/A noise +-%.1f %%)"
               % (inproc[name]["own"] * 1000, 100 * inproc[name]["own"] / base_run, base,
                  base_run * 1000, inproc[noop]["own"] * 1000,
                  100 * inproc[noop]["own"] / base_run, pct(instr(name), 2),
                  pct(instr(noop), 2), (row["ratio"] - 1) * 100, (row["rmin"] - 1) * 100,
                  (row["rmax"] - 1) * 100, (rows[noop]["ratio"] - 1) * 100, noise * 100),
               name)
    lv = paired(runners, "lock", "versionlock")
    tol = max(0.01, noise)
    lock_tx, vl_tx = runners["lock"].transaction, runners["versionlock"].transaction
    target("lock no slower than versionlock", median(lv) <= 1 + tol,
           "lock/versionlock %.3f (per-round %.3f..%.3f; tolerance %.1f %%); medians "
           "%.3f s vs %.3f s; same transaction: %s%s"
           % (median(lv), min(lv), max(lv), tol * 100, rows["lock"]["median"],
              rows["versionlock"]["median"], "yes" if lock_tx == vl_tx else
              "NO (%s vs %s)" % (lock_tx, vl_tx), counted("lock", "versionlock")), "lock")
    target("plugin import <= %d ms" % (LIMIT_IMPORT * 1000), imp["plugin"] <= LIMIT_IMPORT,
           "%.2f ms" % (imp["plugin"] * 1000))

    # -- profiles -----------------------------------------------------------------------
    profiled = sorted(set(failed) | ({name for name, _ in TARGETS} if opts.profile
                                     else set()), key=INPROC.index)
    profiles = {}
    if profiled:
        PROFILES.mkdir(parents=True, exist_ok=True)
        say()
        say("cProfile of the plugin's code (its import and hooks only) in: %s"
            % ", ".join(profiled))
        for name in profiled:
            path = PROFILES / ("%s.prof" % name)
            inprocess(runners[name], profile=path)
            profiles[name] = profile_text(path)
            say()
            say("== %s (%s)" % (name, path))
            say(profiles[name])
    if failed:
        say()
        say("hawkey queries the plugin runs, timed one by one (bench/querytimes.py; cProfile "
            "books a query's C time as the own time of the function that iterates it):")
        sandbox = runners["lock"].sandbox
        queries = subprocess.run([PYTHON, str(HERE / "querytimes.py"), str(sandbox.path),
                                  str(sandbox.root)],
                                 env=dict(sandbox.env, PYTHONPATH=str(CHECKOUT)),
                                 stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True)
        for line in queries.stdout.rstrip().splitlines():
            say(line)
    say()
    say("machine load at the end: %.2f %.2f %.2f (1, 5, 15 min)" % os.getloadavg())
    say("bench: done in %.0f s" % (time.monotonic() - start))
    if not opts.no_results:
        write_results(info, build_line, corpus_line, out, importtime)
        print("bench: wrote %s" % RESULTS.relative_to(CHECKOUT))
    return 0


def _commit():
    """The checkout's commit (with "+ changes" when the tree differs from it)."""
    def git(*args):
        return subprocess.run(["git", "-C", str(HERE.parent)] + list(args), text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout.strip()
    head = git("rev-parse", "--short", "HEAD") or "unknown"
    return head + (" + changes" if git("status", "--porcelain", "--untracked-files=no")
                   else "")


def write_results(info, build_line, corpus_line, out, importtime):
    lines = out[3:]
    ours = [l for l in importtime.splitlines() if "bench_rocm_notice" in l or
            "rocm_notice" in l]
    text = ["# rocm-epel-notice benchmark results", "",
            "Written by `make bench` (`bench/run.py`); every figure below is from that run.",
            "", "- date: %s" % info["date"], "- commit: %s" % _commit(),
            "- machine: %(nproc)s CPUs, %(cpu)s, %(memory)s RAM; %(os)s, kernel %(kernel)s"
            % info,
            "- dnf %(dnf)s, libdnf %(libdnf)s, rpm %(rpm)s, python %(python)s" % info,
            "- %s" % corpus_line, "- %s" % build_line, "",
            "How to read it: see the docstring of `bench/run.py` (modes, pairing, noise, "
            "targets).", "", "```"] + lines + ["```", ""]
    if ours:
        text += ["`python3 -X importtime` line of the plugin module (self us | cumulative us):",
                 "", "```"] + ours + ["```", ""]
    RESULTS.write_text("\n".join(text))


if __name__ == "__main__":
    sys.exit(main())
