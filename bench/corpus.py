"""The benchmark's sandbox corpus: ~20,000 available packages, ~1,000 installed.

Everything is fake RPMs without files, built fast: one spec per chunk of up to 1,000
packages (each a ``%package -n NAME`` subpackage with its own Version, Release, Provides and
Requires), ``rpmbuild --nodeps`` with a level-1 gzip payload, one ``createrepo_c`` per
repository. Two installroots are prepared from it with real dnf and kept:

- ``rocm``: 900 unrelated packages, 60 ROCm packages of the 6.4 line (real Fedora names
  from rocm_notice/catalog/package_set.py; the compilersupport family with ``rocm6.4.2`` in
  Release) and 40 consumers requiring ROCm sonames (``libamdhip64.so.6``, ...);
- ``norocm``: the same minus the ROCm packages and their consumers.

Repositories: ``base`` (EPEL 10.1: exactly what is installed), ``updates`` (EPEL 10.2:
the 7.1 line of the same 60 packages, consumers rebuilt for ``.so.7``, 500 unrelated
upgrades, two compat packages), ``patches`` (ROCm 6.4.3: a patch release of the installed
line, the everyday case on a GPU machine) and ``bulk`` (the rest of the 20,000: packages that are
never installed, with dependency trees among themselves and on installed packages).

Built once and cached under .cache/bench/<key>/, keyed by the corpus definition below;
a second run reuses it.
"""

import concurrent.futures
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[1]
if str(CHECKOUT) not in sys.path:
    sys.path.insert(0, str(CHECKOUT))

from tests.harness.fixtures import rpm_env  # noqa: E402
from tests.harness.sandbox import DBPATH, DNF_CONF, Sandbox  # noqa: E402

FORMAT = 1                     # bump when the build (not the definition) changes
CACHE = Path(os.environ.get("ROCM_NOTICE_BENCH_CACHE", CHECKOUT / ".cache" / "bench"))
CHUNK = 1000                   # subpackages per spec / rpmbuild run
WORKERS = max(1, min(4, os.cpu_count() or 1))

TOTAL_AVAILABLE = 20000
INSTALLED_UNRELATED = 900
UPGRADED_UNRELATED = 500
CONSUMERS = 40
REPOS = ("base", "updates", "patches", "bulk")
CROSSING = ("base", "updates", "bulk")      # what the crossing and no-ROCm modes see
EVERYDAY = ("base", "patches", "bulk")      # only ROCm patch updates on offer

OLD = {"rocm": "6.4.2", "dist": "1.el10_1", "llvm": "19", "so": 0}
NEW = {"rocm": "7.1.1", "dist": "1.el10_2", "llvm": "20", "so": 1}
# The everyday case: a patch release of the installed line (same sonames, same dist tag).
PATCH = dict(OLD, rocm="6.4.3")

# Base names (from rocm_notice/catalog/package_set.py ROCM) installed with their -devel.
ROCM_BASES = [
    "rocm-core", "rocm-runtime", "rocm-hip", "rocminfo", "rocm-smi", "amdsmi", "rocblas",
    "hipblas", "hipblaslt", "rocfft", "hipfft", "rocrand", "hiprand", "rocsparse",
    "hipsparse", "rocsolver", "hipsolver", "rocprim", "hipcub", "rocthrust", "rocalution",
    "miopen", "rccl", "migraphx", "roctracer"]
# The rocm-compilersupport family ([compilersupport]): Version = LLVM major.
COMPILERSUPPORT = [
    "rocm-device-libs", "rocm-comgr", "rocm-comgr-devel", "hipcc", "rocm-llvm",
    "rocm-llvm-libs", "rocm-llvm-devel", "rocm-clang", "rocm-clang-libs", "rocm-lld"]
# Sonames that follow Fedora's real ones: (old, new); the others are lib<base>.so.1 -> .so.2
SONAMES = {"rocm-hip": ("libamdhip64.so.6", "libamdhip64.so.7"),
           "rocblas": ("librocblas.so.4", "librocblas.so.5"),
           "hipblas": ("libhipblas.so.2", "libhipblas.so.3"),
           "rocm-runtime": ("libhsa-runtime64.so.1", "libhsa-runtime64.so.1"),
           "rocm-comgr": ("libamd_comgr.so.2", "libamd_comgr.so.3")}
# Consumers: built against ROCm, versioned on their own (recognised by what they require).
CONSUMER_NAMES = (["python3-torch", "magma", "python3-cupy", "llama-cpp", "blender-hip"]
                  + ["gpuapp%02d" % i for i in range(CONSUMERS - 5)])
PREFIXES = ["lib", "python3-", "perl-", "golang-", "rust-", "texlive-", "ghc-", "nodejs-", ""]


def so(name):
    return "%s()(64bit)" % name


def _pkg(name, version, release, provides=(), requires=()):
    return {"name": name, "version": version, "release": release,
            "provides": list(provides), "requires": list(requires)}


def _soname(base, line):
    pair = SONAMES.get(base, ("lib%s.so.1" % base.replace("-", "_"),
                              "lib%s.so.2" % base.replace("-", "_")))
    return pair[line["so"]]


def rocm_line(line):
    """The 60 ROCm packages of one line (``line`` is OLD or NEW)."""
    ver, dist = line["rocm"], line["dist"]
    hip, hsa = so(_soname("rocm-hip", line)), so(_soname("rocm-runtime", line))
    pkgs = []
    for base in ROCM_BASES:
        provides = [so(_soname(base, line))]
        requires = []
        if base not in ("rocm-core", "rocm-runtime"):
            requires.append(hsa)
        if base not in ("rocm-core", "rocm-runtime", "rocm-hip", "rocminfo", "rocm-smi",
                        "amdsmi"):
            requires.append(hip)
        if base == "rocm-hip":
            requires.append(so(_soname("rocm-comgr", line)))
        if base == "hipblas":
            requires.append(so(_soname("rocblas", line)))
        pkgs.append(_pkg(base, ver, dist, provides, requires))
        pkgs.append(_pkg(base + "-devel", ver, dist, (),
                         ["%s = %s-%s" % (base, ver, dist)]))
    cs_release = dist.replace("1.", "1.rocm%s." % ver, 1)      # 1.rocm6.4.2.el10_1
    llvm = line["llvm"]
    exact = "%s-%s" % (llvm, cs_release)
    for name in COMPILERSUPPORT:
        provides, requires = [], []
        if name == "rocm-comgr":
            provides.append(so(_soname("rocm-comgr", line)))
            requires.append("rocm-llvm-libs = " + exact)
        elif name == "rocm-llvm-libs":
            provides.append(so("libLLVM.so.%s" % llvm))
        elif name in ("rocm-llvm", "rocm-lld", "rocm-clang-libs"):
            requires.append("rocm-llvm-libs = " + exact)
        elif name == "rocm-clang":
            requires.append("rocm-clang-libs = " + exact)
        elif name.endswith("-devel"):
            requires.append("%s = %s" % (name[:-len("-devel")], exact))
        elif name == "hipcc":
            requires += ["rocm-comgr = " + exact, "rocm-clang = " + exact]
        pkgs.append(_pkg(name, llvm, cs_release, provides, requires))
    return pkgs


def consumers(line):
    version = "1.0" if line is OLD else "2.0"
    hip, blas = so(_soname("rocm-hip", line)), so(_soname("rocblas", line))
    return [_pkg(name, version, line["dist"], (),
                 [hip] + ([blas] if i % 2 == 0 else []))
            for i, name in enumerate(CONSUMER_NAMES)]


def _unrelated_name(i):
    return "%sbench%04d" % (PREFIXES[i % len(PREFIXES)], i)


def unrelated(upgrade=False):
    """Installed unrelated packages (a dependency tree); ``upgrade``: their 1.1 builds,
    every 25th of which also needs a package from ``bulk`` (a new install)."""
    pkgs = []
    count = UPGRADED_UNRELATED if upgrade else INSTALLED_UNRELATED
    for i in range(count):
        requires = [so("libbench%04d.so.1" % ((i - 1) // 3))] if i else []
        if upgrade and i % 25 == 0:
            requires.append(so("libextra%05d.so.1" % (i * 7)))
        pkgs.append(_pkg(_unrelated_name(i), "1.1" if upgrade else "1.0",
                         NEW["dist"] if upgrade else OLD["dist"],
                         [so("libbench%04d.so.1" % i)], requires))
    return pkgs


def bulk(count):
    """Packages never installed: a forest of dependency trees, some leaning on installed
    packages."""
    pkgs = []
    for j in range(count):
        requires = [so("libextra%05d.so.1" % ((j - 1) // 5))] if j % 500 else []
        if j % 7 == 3:
            requires.append(so("libbench%04d.so.1" % (j % INSTALLED_UNRELATED)))
        pkgs.append(_pkg("%sextra%05d" % (PREFIXES[j % len(PREFIXES)], j), "2.0",
                         NEW["dist"], [so("libextra%05d.so.1" % j)], requires))
    return pkgs


def definition():
    """{repoid: [package dicts]}: the whole corpus (the cache key is its digest)."""
    base = rocm_line(OLD) + consumers(OLD) + unrelated()
    updates = (rocm_line(NEW) + consumers(NEW) + unrelated(upgrade=True)
               + [_pkg("rocblas6.4", OLD["rocm"], NEW["dist"]),
                  _pkg("rocm-hip6.4", OLD["rocm"], NEW["dist"])])
    patches = rocm_line(PATCH)
    return {"base": base, "updates": updates, "patches": patches,
            "bulk": bulk(TOTAL_AVAILABLE - len(base) - len(updates) - len(patches))}


def rocm_names():
    return [p["name"] for p in rocm_line(OLD)]


def installed_names(with_rocm=True):
    names = [p["name"] for p in unrelated()]
    if with_rocm:
        names = rocm_names() + CONSUMER_NAMES + names
    return names


def key():
    text = json.dumps([FORMAT, CHUNK, DNF_CONF, definition()], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# -- building ----------------------------------------------------------------------------

def _run(command, env, what):
    result = subprocess.run(command, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0:
        raise RuntimeError("%s failed (exit %d):\n%s" % (what, result.returncode,
                                                          result.stdout[-3000:]))
    return result.stdout


def _spec(chunk_name, pkgs):
    lines = ["Name: %s" % chunk_name, "Version: 0", "Release: 0", "License: MIT",
             "Summary: rocm-epel-notice benchmark chunk", "BuildArch: noarch", "",
             "%description", "Benchmark packages (no files).", ""]
    for p in pkgs:
        lines += ["%%package -n %s" % p["name"], "Version: %s" % p["version"],
                  "Release: %s" % p["release"], "Summary: benchmark package %s" % p["name"]]
        lines += ["Provides: %s" % d for d in p["provides"]]
        lines += ["Requires: %s" % d for d in p["requires"]]
        lines += ["", "%%description -n %s" % p["name"], "A package that only exists in the "
                  "rocm-epel-notice benchmark.", "", "%%files -n %s" % p["name"], ""]
    return "\n".join(lines) + "\n"


def _build_chunk(work, repo_dir, chunk_name, pkgs):
    top = work / chunk_name
    top.mkdir(parents=True)
    spec = top / "chunk.spec"
    spec.write_text(_spec(chunk_name, pkgs))
    _run(["rpmbuild", "--nodeps", "--quiet", "-bb",
          "--define", "_topdir %s" % top, "--define", "_rpmdir %s" % repo_dir,
          "--define", "_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm",
          "--define", "_build_id_links none", "--define", "_binary_payload w1.gzdio",
          "--define", "__os_install_post %{nil}", str(spec)],
         rpm_env(top / "home"), "rpmbuild " + chunk_name)
    shutil.rmtree(top, ignore_errors=True)
    return len(pkgs)


class Corpus:
    """Paths and facts of a built corpus."""

    def __init__(self, path):
        self.path = Path(path)
        self.repos = {name: self.path / "repos" / name for name in REPOS}
        self.prepared = {"rocm": self.path / "prepared" / "rocm",
                         "norocm": self.path / "prepared" / "norocm"}
        info = self.path / "built.json"
        self.info = json.loads(info.read_text()) if info.exists() else {}

    def root(self, which):
        return self.prepared[which] / "root"

    def repo_files(self, reposdir, repos=CROSSING):
        reposdir = Path(reposdir)
        reposdir.mkdir(parents=True, exist_ok=True)
        for old in reposdir.glob("*.repo"):
            old.unlink()
        for repoid in repos:
            (reposdir / ("%s.repo" % repoid)).write_text(
                "[%s]\nname=%s (rocm-epel-notice bench)\nbaseurl=file://%s\ngpgcheck=0\n"
                "enabled=1\n" % (repoid, repoid, self.repos[repoid]))


def _plugin_free_sandbox(path, empty_plugins):
    return Sandbox(path, plugin_conf=None, pluginpath=[empty_plugins])


def _dnf(sandbox, *args):
    run = sandbox.dnf(*args, timeout=3600)
    if run.returncode != 0:
        raise RuntimeError("set-up failed: %s" % str(run)[-4000:])
    return run


def build(log=print):
    """The corpus, built (about a few minutes on 2 cores) or taken from the cache."""
    path = CACHE / key()
    corpus = Corpus(path)
    if corpus.info.get("complete"):
        log("corpus %s: reused from the cache (built in %.0f s on %s)"
            % (path, corpus.info["build_seconds"], corpus.info["built"]))
        corpus.info["reused"] = True
        return corpus
    if path.exists():
        shutil.rmtree(path)
    work = path / "work"
    work.mkdir(parents=True)
    start = time.monotonic()
    defn = definition()
    jobs = []
    for repoid, pkgs in defn.items():
        corpus.repos[repoid].mkdir(parents=True)
        for n in range(0, len(pkgs), CHUNK):
            jobs.append((corpus.repos[repoid], "bench-%s-%02d" % (repoid, n // CHUNK),
                         pkgs[n:n + CHUNK]))
    log("corpus: building %d packages in %d rpmbuild runs (%d at a time)..."
        % (sum(len(p) for p in defn.values()), len(jobs), WORKERS))
    with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
        built = sum(pool.map(lambda job: _build_chunk(work, *job), jobs))
    t_rpms = time.monotonic() - start
    for repoid, repo in corpus.repos.items():
        _run(["createrepo_c", "--quiet", "--no-database", "--workers", str(WORKERS),
              str(repo)], rpm_env(work / "createrepo-home"), "createrepo_c " + repoid)
    t_repos = time.monotonic() - start
    log("corpus: %d RPMs in %.0f s, repositories in %.0f s" % (built, t_rpms, t_repos - t_rpms))

    empty = path / "no-plugins"
    empty.mkdir()
    # The ROCm root: everything in 'base' installed with dnf, in one transaction.
    rocm = _plugin_free_sandbox(corpus.prepared["rocm"], empty)
    corpus.repo_files(rocm.reposdir, ("base",))
    _dnf(rocm, "-y", "install", *installed_names(True))
    t_install = time.monotonic() - start
    log("corpus: %d packages installed with dnf in %.0f s"
        % (len(installed_names(True)), t_install - t_repos))
    # The root without ROCm: a copy, with ROCm and its consumers removed by dnf.
    shutil.copytree(corpus.root("rocm"), corpus.root("norocm"), symlinks=True)
    norocm = _plugin_free_sandbox(corpus.prepared["norocm"], empty)
    corpus.repo_files(norocm.reposdir, ("base",))
    _dnf(norocm, "-y", "remove", *(rocm_names() + CONSUMER_NAMES))
    # Warm dnf's metadata and solv caches inside both roots, with every repository.
    for sandbox in (rocm, norocm):
        corpus.repo_files(sandbox.reposdir, REPOS)
        _dnf(sandbox, "makecache")
    counts = {which: len(_rpm_qa(sandbox)) for which, sandbox
              in (("rocm", rocm), ("norocm", norocm))}
    shutil.rmtree(work, ignore_errors=True)
    seconds = time.monotonic() - start
    info = {"complete": True, "key": key(), "build_seconds": round(seconds, 1),
            "rpm_seconds": round(t_rpms, 1), "createrepo_seconds": round(t_repos - t_rpms, 1),
            "install_seconds": round(t_install - t_repos, 1),
            "built": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
            "available": {r: len(p) for r, p in defn.items()},
            "installed": counts}
    (path / "built.json").write_text(json.dumps(info, indent=2))
    corpus.info = dict(info, reused=False)
    log("corpus: built in %.0f s (%s)" % (seconds, path))
    return corpus


def _rpm_qa(sandbox):
    out = subprocess.run(["rpm", "--root", str(sandbox.root), "--dbpath", DBPATH, "-qa",
                          "--qf", "%{NAME}\\n"], env=sandbox.env, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, check=True)
    return out.stdout.split()


if __name__ == "__main__":
    c = build()
    print(json.dumps(c.info, indent=2))
