"""The RPMs built from rocm-epel-notice.spec, installed into an installroot, are what runs.

'make rpm' builds the packages as a packager would, %check included (the unit tests run
against the buildroot); a second build, the next release, is an upgrade target; and the
binary package main shipped before the rename (``rocm-epel-notice``, commit OLD_COMMIT) is
built from git with its own spec, to upgrade from. Each is installed into a sandbox with
fake providers for its requirements, and the plugin is loaded from the installed payload:
the packaged layout works, not only the source tree.
"""

import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import pytest

from tests.e2e import stacks
from tests.harness.fixtures import CACHE, CHECKOUT, Pkg, rpm_env
from tests.harness.sandbox import DBPATH

ALL = stacks.ROCM_NAMES + ["python3-torch", "zstd-tools"]
NAME = "python3-dnf-plugin-rocm-epel-notice"
OLD_NAME = "rocm-epel-notice"
# main before issue 13: the last commit whose spec built the binary package OLD_NAME
OLD_COMMIT = "8f545e5"
NEXT_RELEASE = "99"


def make_rpm(top, *rpmflags, keep_tarball=False):
    """'make rpm' into ``top``; with keep_tarball, the tarball already in
    top/SOURCES is built instead of a fresh one from the checkout."""
    return subprocess.run(
        ["make", "-s"] + (["-o", "tarball"] if keep_tarball else []) +
        ["rpm", "RPMTOP=%s" % top, "RPMFLAGS=%s" % " ".join(rpmflags)],
        cwd=CHECKOUT, env=rpm_env(Path(top) / "home"), stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _one(top):
    found = sorted((Path(top) / "RPMS" / "noarch").glob("*.noarch.rpm"))
    assert len(found) == 1, found
    return found[0]


def _git(*args, **kwargs):
    return subprocess.run(["git", "-C", str(CHECKOUT)] + list(args), stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)


def _fedora_python_macros():
    out = subprocess.run(["rpm", "--eval", "%{?python3_sitelib}"], stdout=subprocess.PIPE,
                         text=True, env=rpm_env(Path(tempfile.gettempdir()) / "rpm-eval-home"))
    return bool(out.stdout.strip())


def build_old_package(cache=CACHE):
    """The noarch RPM main built at OLD_COMMIT, from that commit's own spec, setup.py and
    Debian macros (git archive): today's package, to upgrade from. Cached per commit and
    Python version."""
    if _git("cat-file", "-e", OLD_COMMIT + "^{commit}").returncode != 0:
        pytest.fail("the upgrade test builds the package main shipped at commit %s, which "
                    "this clone lacks (shallow?): run 'git fetch --unshallow'" % OLD_COMMIT)
    target = Path(cache) / "old-package" / ("%s-py%d.%d" % ((OLD_COMMIT,) + sys.version_info[:2]))
    if target.is_dir() and list(target.glob("*.rpm")):
        return next(target.glob("*.rpm"))
    work = Path(tempfile.mkdtemp(prefix="old-package-"))
    try:
        spec = _git("show", "%s:rocm-epel-notice.spec" % OLD_COMMIT, check=True).stdout
        version = re.search(rb"^Version:\s*(\S+)", spec, re.M).group(1).decode()
        (work / "SOURCES").mkdir()
        (work / "old.spec").write_bytes(spec)
        _git("archive", "--format=tar.gz", "--prefix=%s-%s/" % (OLD_NAME, version),
             "-o", str(work / "SOURCES" / ("%s-%s.tar.gz" % (OLD_NAME, version))), OLD_COMMIT,
             check=True)
        command = ["rpmbuild", "-bb", "--quiet", "--nocheck", "--define", "_topdir %s" % work]
        if not _fedora_python_macros():
            macros = _git("show", "%s:packaging/debian-python.macros" % OLD_COMMIT,
                          check=True).stdout.decode()
            # One --define a macro, as the Makefile does: rpm 4.20 drops --load'ed ones.
            for line in macros.splitlines():
                if line.startswith("%") and " " in line:
                    command += ["--define", line[1:]]
            command += ["--nodeps"]
        run = subprocess.run(command + [str(work / "old.spec")], cwd=work,
                             env=rpm_env(work / "home"), stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert run.returncode == 0, "building %s's package failed:\n%s" % (
            OLD_COMMIT, run.stdout[-4000:])
        built = _one(work)
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(built, target / (built.name + ".partial"))
        (target / (built.name + ".partial")).rename(target / built.name)
        return target / built.name
    finally:
        shutil.rmtree(work, ignore_errors=True)


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """{"new": make rpm as is, %check included; "next": the same at release
    NEXT_RELEASE, without %check; "old": OLD_COMMIT's package; "log": make rpm's output}."""
    top = tmp_path_factory.mktemp("rpm")
    run = make_rpm(top)
    assert run.returncode == 0, "make rpm failed:\n%s" % run.stdout[-4000:]
    result = {"new": _one(top), "log": run.stdout}
    top = tmp_path_factory.mktemp("rpm-next")
    run = make_rpm(top, "--define 'baserelease %s'" % NEXT_RELEASE, "--nocheck", "--quiet")
    assert run.returncode == 0, "make rpm failed:\n%s" % run.stdout[-4000:]
    result["next"] = _one(top)
    result["old"] = build_old_package()
    return result


def _query(rpm_path, *what):
    out = subprocess.run(["rpm", "-qp", "--nosignature", "--nodigest", *what, str(rpm_path)],
                         env=rpm_env(rpm_path.parent / "home"), stdout=subprocess.PIPE,
                         text=True, check=True).stdout
    return out.splitlines()


def payload(rpm_path):
    return _query(rpm_path, "-l")


def providers(rpm_path):
    """Fakes for what the package requires (the sandbox is no real EL10): python3-dnf,
    the python(abi) that rpm generated from the Python that built it, and the /bin/sh of
    the systemd scriptlets."""
    abi = tuple(r for r in _query(rpm_path, "--requires") if r.startswith("python(abi)"))
    return [Pkg("python3-dnf", "4.20.0", "1.el10", provides=abi),
            Pkg("python3-dnf-plugin-versionlock", "4.7.0", "1.el10"),
            Pkg("bash", "5.2.26", "1.el10", provides=("/bin/sh",))]


def use_payload(sandbox, files):
    """Point dnf at the plugin, core and config installed inside the sandbox's root."""
    plugin = next(f for f in files if f.endswith("/dnf-plugins/rocm_notice.py"))
    sitelib = str(Path(plugin).parent.parent)
    sandbox.pluginpath = [Path(str(sandbox.root) + str(Path(plugin).parent))]
    sandbox.pythonpath = str(sandbox.root) + sitelib
    sandbox.confdir = sandbox.root / "etc" / "dnf" / "plugins"


def give_shell(root):
    """The host's dash as the root's /bin/sh, with the libraries it loads: rpm runs the
    package's systemd scriptlets with /bin/sh inside the root, as on a real machine."""
    import re
    import shutil
    dash = shutil.which("dash") or "/bin/sh"
    needed = re.findall(r"(/\S+) \(0x", subprocess.run(["ldd", dash], stdout=subprocess.PIPE,
                                                       text=True, check=True).stdout)
    for path in [dash] + needed:
        target = Path(str(root) + path)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target)
    (root / "bin").mkdir(exist_ok=True)
    if not (root / "bin" / "sh").exists():
        (root / "bin" / "sh").symlink_to(dash)


def install_package(sandbox, rpm_path):
    give_shell(sandbox.root)
    sandbox.use_repos(el10=providers(rpm_path))
    run = sandbox.dnf("-y", "install", str(rpm_path))
    assert run.returncode == 0, run
    return payload(rpm_path)


def repo_of(rpm_path, directory):
    """A repository holding just ``rpm_path``, as a mirror would offer an update."""
    directory.mkdir(parents=True)
    shutil.copyfile(rpm_path, directory / rpm_path.name)
    subprocess.run(["createrepo_c", "--quiet", "--no-database", str(directory)],
                   env=rpm_env(directory.parent / "createrepo-home"), check=True,
                   stdin=subprocess.DEVNULL)
    return directory


def installed_names(sandbox):
    out = subprocess.run(["rpm", "--root", str(sandbox.root), "--dbpath", DBPATH, "-qa",
                          "--qf", "%{NAME}-%{VERSION}-%{RELEASE}\\n"], env=sandbox.env,
                         stdout=subprocess.PIPE, text=True, check=True).stdout
    return out.split()


def test_srpm_and_rpm_are_named_for_the_version(built):
    import rocm_epel_notice
    release = re.search(r"-%s-(\d+)\.noarch\.rpm$" % re.escape(rocm_epel_notice.__version__),
                        built["new"].name)
    assert built["new"].name.startswith(NAME + "-") and release, built["new"].name
    srpms = sorted((built["new"].parents[2] / "SRPMS").glob("*.src.rpm"))
    assert [s.name for s in srpms] == [
        "libdnf-plugin-rocm-epel-notice-%s-1.src.rpm" % rocm_epel_notice.__version__,
        "rocm-epel-notice-%s-%s.src.rpm" % (rocm_epel_notice.__version__, release.group(1))]


def libdnf_plugin_rpm(built):
    found = [p for p in built["new"].parents[1].glob("*/libdnf-plugin-rocm-epel-notice-*.rpm")
             if "debug" not in p.name]
    assert len(found) == 1, found
    return found[0]


def test_the_libdnf_plugin_package_is_arch_specific_and_ships_plugin_and_helper(built):
    import rocm_epel_notice
    rpm_path = libdnf_plugin_rpm(built)
    arch = subprocess.run(["rpm", "--eval", "%{_arch}"], stdout=subprocess.PIPE,
                          text=True, check=True).stdout.strip()
    assert rpm_path.name == "libdnf-plugin-rocm-epel-notice-%s-1.%s.rpm" % (
        rocm_epel_notice.__version__, arch)
    files = payload(rpm_path)
    assert "/usr/lib64/libdnf/plugins/rocm_notice.so" in files
    assert "/usr/libexec/rocm-epel-notice/libdnf-helper" in files
    requires = _query(rpm_path, "--requires")
    assert "rocm-epel-notice = %s" % rocm_epel_notice.__version__ in requires
    assert "python3-hawkey" in requires


def test_the_packaged_libdnf_plugin_blocks_through_libdnf(built, sandbox, tmp_path):
    """The .so and helper from the RPM's payload (the core from the checkout), driven
    through libdnf's C API: the packaged plugin refuses a blocked crossing."""
    from tests.harness.libdnf_c import Libdnf
    unpacked = tmp_path / "payload"
    unpacked.mkdir()
    subprocess.run("rpm2cpio %s | cpio -idm --quiet" % libdnf_plugin_rpm(built), shell=True,
                   cwd=unpacked, check=True)
    libdnf = Libdnf(sandbox, helper=unpacked / "usr/libexec/rocm-epel-notice/libdnf-helper")
    (libdnf.plugins / "rocm_notice.so").unlink()
    (libdnf.plugins / "rocm_notice.so").symlink_to(
        unpacked / "usr/lib64/libdnf/plugins/rocm_notice.so")
    sandbox.use_repos(epel=stacks.epel_10_1())
    sandbox.install(*ALL)
    before = sandbox.installed()
    sandbox.use_repos(epel=stacks.epel_10_2())
    libdnf.write_conf("[main]\non_major = block\n")
    result = libdnf.run("upgrade-all")
    assert result.returncode == 1, result
    assert result.stdout.startswith("run: FALSE: rocm_notice: blocked by policy"), result
    assert sandbox.installed() == before


def test_make_rpm_runs_the_unit_tests_against_the_buildroot(built):
    """%check imports every module from the buildroot and runs tests/unit there
    (test_packaging checks that the buildroot's copy is the one imported)."""
    check = built["log"].split("Executing(%check)", 1)
    assert len(check) == 2, "no %%check in make rpm's output:\n%s" % built["log"][-3000:]
    assert "Check import: rocm_epel_notice.analysis" in check[1], check[1][:3000]
    assert re.search(r"^=+ \d+ passed", check[1], re.M), check[1][-3000:]
    assert "/BUILDROOT/" in check[1] and "PYTHONPATH=" in check[1], check[1][:3000]


def test_file_list_has_plugin_core_dist_info_config_dropin_dir_report_dir_and_man_page(built):
    files = payload(built["new"])
    assert any(f.endswith("/dnf-plugins/rocm_notice.py") for f in files)
    assert any("/dnf-plugins/__pycache__/rocm_notice." in f and f.endswith(".pyc")
               for f in files)
    assert any(f.endswith("/rocm_epel_notice/analysis.py") for f in files)
    assert any(f.endswith("/rocm_epel_notice/__pycache__/analysis.cpython-%d%d.pyc"
                          % sys.version_info[:2]) for f in files)
    assert any(f.endswith("/rocm_epel_notice/data/packages.ini") for f in files)
    assert any(f.endswith(".dist-info/METADATA") for f in files)
    assert not any("egg-info" in f or f.endswith("/RECORD") for f in files)
    for path in ("/etc/dnf/plugins/rocm_notice.conf", "/etc/dnf/plugins/rocm_notice.d",
                 "/var/lib/rocm-epel-notice"):
        assert path in files
    assert any(f.startswith("/usr/share/man/man8/dnf4-rocm.8") for f in files)
    assert any(f.startswith("/usr/share/man/man8/dnf-rocm.8") for f in files)
    for unit in ("rocm-epel-notice-check.service", "rocm-epel-notice-check.timer"):
        assert "/usr/lib/systemd/system/" + unit in files


def test_scriptlets_run_with_a_shell_and_enable_nothing(sandbox, built):
    """No systemctl in the root: the scriptlets skip quietly; install, upgrade and erase
    all succeed, and the timer is nowhere enabled (it ships disabled)."""
    install_package(sandbox, built["new"])
    upgrade = sandbox.dnf("-y", "upgrade", str(built["next"]))
    assert upgrade.returncode == 0 and "scriptlet" not in upgrade.stderr, upgrade
    assert not list(sandbox.root.glob("etc/systemd/system/*.wants/rocm-epel-notice*"))
    erase = sandbox.dnf("-y", "remove", NAME)
    assert erase.returncode == 0 and "scriptlet" not in erase.stderr, erase


def test_the_readme_the_shipped_config_points_to_is_in_the_package(built):
    conf = (CHECKOUT / "etc" / "dnf" / "plugins" / "rocm_notice.conf").read_text()
    named = re.search(r"(/usr/share/doc/\S+/README\.md)", conf)
    assert named, "the config names no README"
    assert named.group(1) in payload(built["new"])


def test_package_replaces_the_old_name_and_requires_a_versioned_dnf(built):
    evr = _query(built["new"], "--qf", "%{VERSION}-%{RELEASE}")[0]
    assert "%s = %s" % (OLD_NAME, evr) in _query(built["new"], "--provides")
    assert _query(built["new"], "--obsoletes") == ["%s < %s" % (OLD_NAME, evr)]
    assert "python3-dnf >= 4.14.0" in _query(built["new"], "--requires")
    assert "dnf-command(rocm)" in _query(built["new"], "--provides")


def test_installed_payload_prints_the_notice(sandbox, built):
    files = install_package(sandbox, built["new"])
    use_payload(sandbox, files)
    sandbox.use_repos(el10=providers(built["new"]), epel=stacks.epel_10_1())
    sandbox.install(*ALL)
    sandbox.use_repos(el10=providers(built["new"]), epel=stacks.epel_10_2())
    run = sandbox.dnf("-y", "upgrade")
    assert run.returncode == 0, run
    assert "rocm_notice: this transaction moves ROCm 6.4 \u2192 7.1 (major)" in run.stderr, run
    assert "Traceback" not in run.stderr
    assert str(CHECKOUT) not in sandbox.pythonpath        # not the source tree


def _modify_config(sandbox):
    conf = sandbox.root / "etc" / "dnf" / "plugins" / "rocm_notice.conf"
    modified = conf.read_text() + "# site change\non_minor = lock\n"
    conf.write_text(modified)
    return conf, modified


def test_upgrading_the_package_keeps_a_locally_modified_config(sandbox, built):
    install_package(sandbox, built["new"])
    conf, modified = _modify_config(sandbox)
    run = sandbox.dnf("-y", "upgrade", str(built["next"]))
    assert run.returncode == 0, run
    assert "%s-%s" % (NAME, _query(built["next"], "--qf", "%{VERSION}-%{RELEASE}")[0]) \
        in installed_names(sandbox)
    assert conf.read_text() == modified


def test_upgrading_from_the_old_package_replaces_it_and_keeps_a_modified_config(
        sandbox, built, tmp_path):
    """Today's rocm-epel-notice installed, its config edited by the admin; 'dnf upgrade'
    with the renamed package in a repository: the new name replaces the old, the edit
    stays, and the plugin runs from the new payload."""
    files = install_package(sandbox, built["old"])
    assert any(n.startswith(OLD_NAME + "-") for n in installed_names(sandbox))
    conf, modified = _modify_config(sandbox)
    sandbox.use_repos(el10=providers(built["new"]),
                      plugin=repo_of(built["new"], tmp_path / "plugin-repo"))
    run = sandbox.dnf("-y", "upgrade")
    assert run.returncode == 0, run
    names = installed_names(sandbox)
    assert "%s-%s" % (NAME, _query(built["new"], "--qf", "%{VERSION}-%{RELEASE}")[0]) in names
    assert not any(n.startswith(OLD_NAME + "-") for n in names), names
    assert conf.read_text() == modified
    assert not [f for f in files if "egg-info" in f and (sandbox.root / f.lstrip("/")).exists()]
    use_payload(sandbox, payload(built["new"]))
    run = sandbox.dnf("rocm", "status")
    assert run.returncode == 0 and "Traceback" not in run.stderr, run
    assert "on_minor = lock" in run.stdout + run.stderr, run


def test_a_data_file_missing_from_the_package_fails_the_build(tmp_path):
    """pyproject.toml without its package-data: the wheel lacks data/*.ini, and make rpm
    fails in %check, which runs the unit tests against the buildroot."""
    top = tmp_path / "top"
    made = subprocess.run(["make", "-s", "tarball", "RPMTOP=%s" % top], cwd=CHECKOUT,
                          env=rpm_env(tmp_path / "home"), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    assert made.returncode == 0, made.stdout
    tarball = next((top / "SOURCES").glob("*.tar.gz"))
    with tarfile.open(tarball) as packed:
        packed.extractall(tmp_path / "src")
    tree = next((tmp_path / "src").iterdir())
    pyproject = tree / "pyproject.toml"
    text = pyproject.read_text()
    assert '"rocm_epel_notice.data" = ["*.ini"]\n' in text
    pyproject.write_text(text.replace('"rocm_epel_notice.data" = ["*.ini"]\n', ""))
    with tarfile.open(tarball, "w:gz") as packed:
        packed.add(tree, arcname=tree.name)
    run = make_rpm(top, keep_tarball=True)
    assert run.returncode != 0, run.stdout[-3000:]
    assert "Bad exit status" in run.stdout and "(%check)" in run.stdout, run.stdout[-3000:]
    assert "data/packages.ini" in run.stdout, run.stdout[-3000:]
    assert not list((top / "RPMS").rglob("*.rpm"))


def test_rpmlint_finds_no_error_or_warning(built):
    srpm = next((built["new"].parents[2] / "SRPMS").glob("*.src.rpm"))
    run = subprocess.run(
        ["rpmlint", "-c", str(CHECKOUT / "packaging" / "rpmlint.toml"),
         str(CHECKOUT / "rocm-epel-notice.spec"), str(srpm), str(built["new"])],
        env=rpm_env(built["new"].parent / "home"), stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert run.returncode == 0, run.stdout
    assert "0 errors, 0 warnings" in run.stdout, run.stdout
