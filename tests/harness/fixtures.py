"""Fake RPM packages and repositories, built for real from a declarative table.

A test describes packages as ``Pkg`` records; ``build_repo`` turns a list of them into an
RPM repository with ``rpmbuild --nodeps`` and ``createrepo_c``. Built RPMs and repositories
are cached by content, so a table costs a build once per cache.
"""

import functools
import hashlib
import re
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("ROCM_NOTICE_FIXTURE_CACHE", CHECKOUT / ".cache" / "fixtures"))
# The core package's directory in the checkout (and its importable name): the harnesses
# that copy it (a planted bug, the overlay systems of tests/harness/system.py) name it here.
CORE_PACKAGE = "rocm_notice"
SPEC_FORMAT = 1   # bump to invalidate cached RPMs when the spec template changes


@dataclass(frozen=True)
class Pkg:
    name: str
    version: str
    release: str = "1.el10_1"
    epoch: int = 0
    arch: str = "noarch"
    provides: tuple = ()
    requires: tuple = ()
    obsoletes: tuple = ()
    conflicts: tuple = ()
    summary: str = ""
    source: str = ""     # the source package (SOURCERPM): built as "%package -n name" of it
    symlinks: tuple = ()     # (path, target) pairs the package ships as symbolic links
    pre_lua: str = ""        # a %pre scriptlet in Lua (no /bin/sh needed): error() fails it

    @property
    def nevra(self):
        epoch = "%d:" % self.epoch if self.epoch else ""
        return "%s-%s%s-%s.%s" % (self.name, epoch, self.version, self.release, self.arch)

    def spec(self):
        """The spec: Name is the package's own, or with ``source`` the source's, and the
        package a ``%package -n`` of it (rpmbuild takes SOURCERPM from the spec's Name;
        a main package without %files is not built)."""
        sub = self.source not in ("", self.name)
        summary = "Summary: %s" % (self.summary or "fake %s for rocm-epel-notice tests" % self.name)
        lines = ["Name: %s" % (self.source or self.name), "Version: %s" % self.version,
                 "Release: %s" % self.release, "License: MIT", summary,
                 "BuildArch: %s" % self.arch]
        if self.epoch:
            lines.append("Epoch: %d" % self.epoch)
        if sub:
            lines += ["", "%description", "A source package that only exists in tests.", "",
                      "%%package -n %s" % self.name, summary]
        for tag, values in (("Provides", self.provides), ("Requires", self.requires),
                            ("Obsoletes", self.obsoletes), ("Conflicts", self.conflicts)):
            lines.extend("%s: %s" % (tag, value) for value in values)
        sub = " -n %s" % self.name if sub else ""
        lines += ["", "%description" + sub, "A package that only exists in tests.", ""]
        if self.symlinks:
            lines.append("%install")
            for path, target in self.symlinks:
                lines += ["mkdir -p %%{buildroot}%s" % os.path.dirname(path),
                          "ln -s %s %%{buildroot}%s" % (target, path)]
            lines.append("")
        if self.pre_lua:
            lines += ["%pre -p <lua>" + sub, self.pre_lua, ""]
        lines += ["%files" + sub] + [path for path, _ in self.symlinks] + [""]
        return "\n".join(lines)


def _digest(*parts):
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:20]


@functools.lru_cache(maxsize=None)
def _tools():
    """The versions of rpmbuild and createrepo_c, part of every cache key: each test
    platform (the host, the Debian 13 root) builds its fixtures with its own tools."""
    versions = []
    for tool in ("rpmbuild", "createrepo_c"):
        try:
            versions.append(subprocess.run([tool, "--version"], stdin=subprocess.DEVNULL,
                                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                           text=True).stdout.strip())
        except OSError:
            versions.append("%s missing" % tool)
    return "\n".join(versions)


def rpm_env(home):
    """Environment for rpm tools: a HOME whose macros keep everything off the host."""
    home = Path(home)
    home.mkdir(parents=True, exist_ok=True)
    (home / ".rpmmacros").write_text("%_dbpath /usr/lib/sysimage/rpm\n")
    env = dict(os.environ, HOME=str(home), LC_ALL="C.UTF-8")
    env.pop("PYTHONPATH", None)
    return env


def _run(command, env):
    result = subprocess.run(command, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0:
        raise RuntimeError("%s failed (exit %d):\n%s" % (command[0], result.returncode,
                                                          result.stdout[-3000:]))
    return result.stdout


def build_rpm(pkg, cache=CACHE):
    """The path of a built RPM for ``pkg`` (built once, then taken from the cache)."""
    spec = pkg.spec()
    target = Path(cache) / "rpms" / _digest(str(SPEC_FORMAT), _tools(), spec) / (pkg.nevra + ".rpm")
    if target.exists():
        return target
    work = Path(tempfile.mkdtemp(prefix="rpmbuild-", dir=str(Path(cache).parent)
                                 if Path(cache).parent.exists() else None))
    try:
        (work / "pkg.spec").write_text(spec)
        _run(["rpmbuild", "--nodeps", "--quiet", "-bb",
              "--define", "_topdir %s" % work, "--define", "_build_id_links none",
              "--define", "_binary_payload w1.gzdio",
              "--define", "__os_install_post %{nil}", str(work / "pkg.spec")],
             rpm_env(work / "home"))
        built = next((work / "RPMS").rglob("*.rpm"))
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".partial")
        shutil.copyfile(built, partial)
        os.replace(partial, target)
        return target
    finally:
        shutil.rmtree(work, ignore_errors=True)


def build_repo(pkgs, cache=CACHE, gzip=False):
    """A directory holding an RPM repository of exactly ``pkgs`` (cached by content).
    Metadata is compressed as the platform's createrepo_c does by default (gzip before
    1.0, zstd from 1.0), or with gzip if ``gzip``."""
    pkgs = sorted(set(pkgs), key=lambda p: p.nevra)
    key = _digest(str(SPEC_FORMAT), _tools(), *(p.spec() for p in pkgs))
    key += "-gz" if gzip else ""
    repo = Path(cache) / "repos" / key
    if (repo / "repodata" / "repomd.xml").exists():
        return repo
    Path(cache).mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="repo-", dir=str(cache)))
    try:
        for pkg in pkgs:
            rpm = build_rpm(pkg, cache)
            os.link(rpm, staging / rpm.name) if _same_fs(rpm, staging) \
                else shutil.copyfile(rpm, staging / rpm.name)
        _run(["createrepo_c", "--quiet", "--no-database", str(staging)]
             + (["--general-compress-type=gz"] if gzip else []), rpm_env(staging / ".home"))
        shutil.rmtree(staging / ".home", ignore_errors=True)
        repo.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.rename(staging, repo)
        except OSError:          # built meanwhile by someone else: theirs is as good
            shutil.rmtree(staging, ignore_errors=True)
        return repo
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _same_fs(a, b):
    return os.stat(a).st_dev == os.stat(b).st_dev


def core_with_planted_bug(directory, module="core.analysis", function="analyse"):
    """A copy of the core in which ``module.function`` raises (``module`` dotted, under
    the core package): how a plugin bug looks to dnf (by default in the analysis, after
    resolving)."""
    broken = Path(directory) / "broken"
    shutil.copytree(CHECKOUT / CORE_PACKAGE, broken / CORE_PACKAGE)
    with open(broken / CORE_PACKAGE / ("%s.py" % module.replace(".", "/")), "a") as source:
        source.write("\n\ndef %s(*args, **kwargs):\n    raise KeyError('planted bug')\n"
                     % function)
    return broken


def fake_gpus(path, *versions):
    """A sysfs tree with a CPU node and one node per gfx_target_version."""
    nodes = path / "sys" / "class" / "kfd" / "kfd" / "topology" / "nodes"
    for index, version in enumerate((0,) + versions):
        node = nodes / str(index)
        node.mkdir(parents=True)
        (node / "properties").write_text("cpu_cores_count 8\ngfx_target_version %d\n" % version)
    return path


def forge_repo(pkgs, replacements, cache=CACHE):
    """A repository of ``pkgs`` whose metadata a hostile mirror rewrote.

    Each ``old -> new`` text replacement is applied to primary, filelists and other (XML
    text, so ``new`` may hold character references such as ``&#x9b;``), and repomd.xml is
    fixed to match, as a mirror serving such metadata would do. rpmbuild itself refuses
    control characters in names; metadata is where they could come from.
    """
    import gzip
    source = build_repo(pkgs, cache, gzip=True)      # Python reads gzip, not zstd
    key = _digest(str(source), *("%s\x00%s" % item for item in sorted(replacements.items())))
    forged = Path(cache) / "forged" / key
    if (forged / "repodata" / "repomd.xml").exists():
        return forged
    staging = Path(tempfile.mkdtemp(prefix="forged-", dir=str(cache)))
    for rpm in source.glob("*.rpm"):
        shutil.copyfile(rpm, staging / rpm.name)
    (staging / "repodata").mkdir()
    repomd = (source / "repodata" / "repomd.xml").read_text()
    for data in (source / "repodata").glob("*.xml.gz"):
        text = gzip.decompress(data.read_bytes()).decode("utf-8")
        for old, new in replacements.items():
            text = text.replace(old, new)
        opened = text.encode("utf-8")
        packed = gzip.compress(opened, mtime=0)
        kind = data.name.split("-", 1)[1]
        digest = hashlib.sha256(packed).hexdigest()
        (staging / "repodata" / ("%s-%s" % (digest, kind))).write_bytes(packed)
        old_digest = data.name.split("-", 1)[0]
        block_start = repomd.index("<checksum type=\"sha256\">%s" % old_digest)
        block_end = repomd.index("</data>", block_start)
        block = repomd[block_start:block_end]
        fixed = re.sub(r"(<checksum type=\"sha256\">)[0-9a-f]+", r"\g<1>" + digest, block)
        fixed = re.sub(r"(<open-checksum type=\"sha256\">)[0-9a-f]+",
                       r"\g<1>" + hashlib.sha256(opened).hexdigest(), fixed)
        fixed = fixed.replace(data.name, "%s-%s" % (digest, kind))
        fixed = re.sub(r"<size>\d+</size>", "<size>%d</size>" % len(packed), fixed)
        fixed = re.sub(r"<open-size>\d+</open-size>", "<open-size>%d</open-size>" % len(opened),
                       fixed)
        repomd = repomd[:block_start] + fixed + repomd[block_end:]
    (staging / "repodata" / "repomd.xml").write_text(repomd)
    forged.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.rename(staging, forged)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
    return forged
