"""Real ELF files for the scan's tests, compiled here with gcc and cached by content.

Stub libraries with the sonames ``libamdhip64.so.6`` and ``.so.7`` and programs linked
against them: an executable, a shared object, a Python-extension-like module, one with a
RUNPATH into a compat tree, one with DT_RPATH, one that finds a copy bundled beside it
through ``$ORIGIN``. ``build()`` returns the directory of the built files; the cache key
covers the sources, the commands and gcc's version, so it changes with what is built.
"""

import functools
import os
import hashlib
import shutil
import subprocess
from pathlib import Path

from tests.harness.fixtures import CHECKOUT

CACHE = CHECKOUT / ".cache" / "elf-fixtures"
COMPAT_DIR = "/usr/lib64/rocm/rocm-6.4/lib"

SOURCES = {
    "stub.c": "int hip_stub(void) { return 0; }\n",
    "main.c": "extern int hip_stub(void);\nint main(void) { return hip_stub(); }\n",
    "user.c": "extern int hip_stub(void);\nint user_call(void) { return hip_stub(); }\n",
    "ext.c": "extern int hip_stub(void);\nvoid *PyInit_ext(void) { hip_stub(); return 0; }\n",
}

SO = ["-shared", "-fPIC"]
# name -> gcc arguments (run in the build directory)
BUILDS = [
    ("lib6/libamdhip64.so.6", SO + ["-Wl,-soname,libamdhip64.so.6", "stub.c"]),
    ("lib7/libamdhip64.so.7", SO + ["-Wl,-soname,libamdhip64.so.7", "stub.c"]),
    ("app", ["main.c", "-Llib6", "-l:libamdhip64.so.6"]),
    ("app7", ["main.c", "-Llib7", "-l:libamdhip64.so.7"]),
    ("libuser.so", SO + ["user.c", "-Llib6", "-l:libamdhip64.so.6"]),
    ("ext.cpython-312-x86_64-linux-gnu.so", SO + ["ext.c", "-Llib6", "-l:libamdhip64.so.6"]),
    ("app-compat", ["main.c", "-Llib6", "-l:libamdhip64.so.6",
                    "-Wl,--enable-new-dtags,-rpath," + COMPAT_DIR]),
    ("app-rpath", ["main.c", "-Llib6", "-l:libamdhip64.so.6",
                   "-Wl,--disable-new-dtags,-rpath," + COMPAT_DIR]),
    ("app-bundled", ["main.c", "-Llib6", "-l:libamdhip64.so.6",
                     "-Wl,--enable-new-dtags,-rpath,$ORIGIN/../lib"]),
    ("app-system", ["main.c", "-Llib6", "-l:libamdhip64.so.6",
                    "-Wl,--enable-new-dtags,-rpath,/usr/lib64"]),
]


@functools.lru_cache(maxsize=None)
def _gcc_version():
    gcc = shutil.which("gcc")
    if gcc is None:
        raise AssertionError("the scan's tests compile real ELF files and need gcc "
                             "(g++ pulls it in; run 'make check')")
    return subprocess.run([gcc, "--version"], stdout=subprocess.PIPE, text=True,
                          check=True).stdout.splitlines()[0]


def _key():
    text = repr((sorted(SOURCES.items()), BUILDS, _gcc_version()))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def build():
    """The directory holding every file of BUILDS (built once per cache key)."""
    done = CACHE / _key()
    if (done / ".complete").exists():
        return done
    work = CACHE / (".%s.tmp" % _key())
    shutil.rmtree(work, ignore_errors=True)
    (work / "lib6").mkdir(parents=True)
    (work / "lib7").mkdir()
    for name, text in SOURCES.items():
        (work / name).write_text(text)
    for output, args in BUILDS:
        result = subprocess.run(["gcc", "-O1", "-o", output] + args, cwd=work,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if result.returncode != 0:
            raise AssertionError("gcc failed building %s:\n%s" % (output, result.stdout))
    (work / ".complete").write_text("")
    shutil.rmtree(done, ignore_errors=True)
    work.rename(done)
    return done


def readelf_dynamic(path):
    """(needed, rpath, runpath) as binutils' readelf reads them: the reference."""
    readelf = shutil.which("readelf")
    if readelf is None:
        raise AssertionError("readelf (binutils) is needed as the reference reader")
    out = subprocess.run([readelf, "-dW", str(path)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, check=True).stdout
    needed, rpath, runpath = [], None, None
    for line in out.splitlines():
        if "[" not in line:
            continue
        value = line[line.index("[") + 1:line.rindex("]")]
        if "(NEEDED)" in line:
            needed.append(value)
        elif "(RPATH)" in line:
            rpath = value
        elif "(RUNPATH)" in line:
            runpath = value
    return needed, rpath, runpath


def install(built, root, path, name=None):
    """Copy a built file to ``root``/``path`` (a path inside the root); returns it."""
    target = Path(root) / path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(Path(built) / (name or Path(path).name), target)
    return target


def lay_out(root, built, compat=True, packaged=True):
    """A machine's /opt and /usr/local (in ``root``, a Path) with every kind of file the
    scan meets; ``compat``: with the 6.4 compat tree's copy of libamdhip64.so.6;
    ``packaged``: with the copy the ROCm 6.4 package would have put in /usr/lib64."""
    put = lambda path, name=None: install(built, root, path, name)   # noqa: E731
    put("/usr/local/bin/app")
    put("/usr/local/bin/app7")
    put("/usr/local/lib64/libuser.so")
    put("/opt/venv/lib/python3.12/site-packages/ext.cpython-312-x86_64-linux-gnu.so")
    put("/opt/compat/bin/app-compat")
    put("/opt/compat/bin/app-rpath")
    put("/opt/bundled/bin/app-bundled")
    put("/opt/bundled/lib/libamdhip64.so.6", "lib6/libamdhip64.so.6")
    put("/opt/sys/bin/app-system")
    if packaged:
        put("/usr/lib64/libamdhip64.so.6", "lib6/libamdhip64.so.6")
    if compat:
        put(COMPAT_DIR + "/libamdhip64.so.6.4.2", "lib6/libamdhip64.so.6")
        os.symlink("libamdhip64.so.6.4.2", os.path.join(str(root), COMPAT_DIR.lstrip("/"),
                                                         "libamdhip64.so.6"))
    truncated = root / "opt/broken/app-truncated"
    truncated.parent.mkdir(parents=True)
    truncated.write_bytes((built / "app").read_bytes()[:300])
    (root / "opt/notes.txt").write_text("not an ELF file\n" * 20)
    os.symlink(".", root / "opt/loop")                      # a symlink loop
    os.symlink("../loop2", root / "opt/broken/loop2")
    outside = root.parent / "outside"
    outside.mkdir(exist_ok=True)
    install(built, outside, "/app")
    os.symlink(str(outside / "app"), root / "opt/link-out")   # a link out of the tree
    os.symlink(str(outside), root / "opt/dir-out")
    os.mkfifo(root / "opt/fifo")
    with open(root / "opt/sparse.img", "wb") as out:
        out.truncate(8 << 30)
