"""The RPMs built from rocm-epel-notice.spec, installed into an installroot, are what runs.

'make rpm' builds the packages as a packager would, %check included (the unit tests run
against the buildroot), all from the one spec: the arch-specific main package (MAIN: the
libdnf plugin, for PackageKit and microdnf) and dnf5 front end (DNF5: the libdnf5 plugin),
and the noarch core (CORE) and dnf 4 plugin (NAME). Where no libdnf5 is (the test
platforms), make rpm builds all but DNF5 (``built``); ``built_dnf5`` builds all of them in
the dnf5 root (Debian unstable), as make rpm does there. A second build, the next
release, is an upgrade target (``built_next``: built only where a test asks for it).
They are installed into a sandbox with fake providers for their requirements, with real
dnf (the dnf5 front end with real dnf5, tests/harness/dnf5.py), and run from the
installed payload: the packaged layout works, not only the source tree.
"""

import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from tests.e2e import stacks
from tests.harness.fixtures import CHECKOUT, Pkg, rpm_env
from tests.harness.sandbox import DBPATH

ALL = stacks.ROCM_NAMES + ["python3-torch", "zstd-tools"]
MAIN = "rocm-epel-notice"
CORE = "python3-rocm-epel-notice"
NAME = "python3-dnf-plugin-rocm-epel-notice"
DNF5 = "rocm-epel-notice-dnf5"
NEXT_RELEASE = "99"
# Names of the package managers' own packages: the core requires none of them; each
# front end only its own.
DNF4_NAMES = ("dnf", "python3-dnf", "python3-dnf-plugin-versionlock", "dnf-plugins-core",
              "python3-dnf-plugins-core", "yum")
DNF5_NAMES = ("dnf5", "libdnf5", "python3-libdnf5", "libdnf5-plugin-actions", "dnf5-plugins")
LIBDNF_NAMES = ("libdnf", "python3-libdnf", "python3-hawkey")


def make_rpm(top, *rpmflags, keep_tarball=False, first_failure=False):
    """'make rpm' into ``top``; with keep_tarball, the tarball already in
    top/SOURCES is built instead of a fresh one from the checkout; with first_failure,
    %check's pytest stops at its first failing test (PYTEST_ADDOPTS, which %pytest keeps)."""
    env = rpm_env(Path(top) / "home")
    if first_failure:
        env["PYTEST_ADDOPTS"] = "--exitfirst"
    return subprocess.run(
        ["make", "-s"] + (["-o", "tarball"] if keep_tarball else []) +
        ["rpm", "RPMTOP=%s" % top, "RPMFLAGS=%s" % " ".join(rpmflags)],
        cwd=CHECKOUT, env=env, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _packages(top, dnf5=False):
    """{package name: path} of the RPMs in ``top``: the arch-specific packages (the dnf5
    one only where libdnf5 is: ``dnf5``) and the noarch ones."""
    found = {_query(path, "--qf", "%{NAME}")[0]: path
             for path in (Path(top) / "RPMS").glob("*/*.rpm") if "debug" not in path.name}
    assert sorted(found) == sorted([MAIN, CORE, NAME] + ([DNF5] if dnf5 else [])), found
    return found


def _git(*args, **kwargs):
    return subprocess.run(["git", "-C", str(CHECKOUT)] + list(args), stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """{"new": {name: RPM} of make rpm as is, %check included; "top": make rpm's
    RPMTOP; "log": its output}."""
    # Under a directory named build, as make rpm's own RPMTOP (build/rpm): %check then
    # runs in .../build/BUILD/<tarball>/, where a test once took every path for a build.
    top = tmp_path_factory.mktemp("rpm") / "build" / "rpm"
    run = make_rpm(top)
    assert run.returncode == 0, "make rpm failed:\n%s" % run.stdout[-4000:]
    return {"new": _packages(top), "top": top, "log": run.stdout}


@pytest.fixture(scope="session")
def built_dnf5(tmp_path_factory):
    """{name: RPM} of make rpm in the dnf5 root (Debian unstable: libdnf5 is there), so
    with the dnf5 front end; without %check, which ``built`` runs."""
    from tests.harness import dnf5
    top = tmp_path_factory.mktemp("rpm-dnf5") / "build" / "rpm"
    made = subprocess.run(["make", "-s", "tarball", "RPMTOP=%s" % top], cwd=CHECKOUT,
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)     # from git, here
    assert made.returncode == 0, made.stdout
    run = dnf5.make_rpm(top)
    assert run.returncode == 0, "make rpm in the dnf5 root failed:\n%s" % run.stdout[-4000:]
    return _packages(top, dnf5=True)


@pytest.fixture(scope="session")
def built_next(tmp_path_factory):
    """{name: RPM} of the next release (NEXT_RELEASE, without %check): an upgrade target,
    built only where a test asks for one (tests/harness/platforms.py: NEAREST_ONLY)."""
    top = tmp_path_factory.mktemp("rpm-next")
    run = make_rpm(top, "--define 'baserelease %s'" % NEXT_RELEASE, "--nocheck", "--quiet")
    assert run.returncode == 0, "make rpm failed:\n%s" % run.stdout[-4000:]
    return _packages(top)


def _query(rpm_path, *what):
    out = subprocess.run(["rpm", "-qp", "--nosignature", "--nodigest", *what, str(rpm_path)],
                         env=rpm_env(rpm_path.parent / "home"), stdout=subprocess.PIPE,
                         text=True, check=True).stdout
    return out.splitlines()


def payload(rpm_path):
    return _query(rpm_path, "-l")


def requires(rpm_path):
    """The names ``rpm_path`` requires (no versions, no rpmlib() or file requirements)."""
    return {r.split()[0] for r in _query(rpm_path, "--requires")
            if not r.startswith(("rpmlib(", "/"))}


def evr(rpm_path):
    return _query(rpm_path, "--qf", "%{VERSION}-%{RELEASE}")[0]


def providers(rpm_path):
    """Fakes for what the packages require (the sandbox is no real EL10): python3-dnf,
    the python(abi) that rpm generated from the Python that built them, the Python of the
    helper's first line, and the /bin/sh of the systemd scriptlets. ``rpm_path``: one RPM, or {name: RPM}."""
    paths = rpm_path.values() if isinstance(rpm_path, dict) else [rpm_path]
    abi = tuple(sorted({r for path in paths for r in _query(path, "--requires")
                        if r.startswith("python(abi)")}))
    return [Pkg("python3-dnf", "4.20.0", "1.el10", provides=abi),
            Pkg("python3", "3.12.5", "1.el10", provides=abi + ("/usr/bin/python3",)),
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


def install_from_repo(sandbox, rpms, name, tmp_path):
    """``dnf install NAME`` with the built packages ``rpms`` ({name: RPM}) in a repository,
    as a mirror offers them: dnf pulls in what NAME requires. Returns the run."""
    give_shell(sandbox.root)
    sandbox.use_repos(el10=providers(rpms), plugin=repo_of(rpms, tmp_path / "plugin-repo"))
    run = sandbox.dnf("-y", "install", name)
    assert run.returncode == 0, run
    return run


def repo_of(rpms, directory):
    """A repository holding just ``rpms`` ({name: RPM}), as a mirror would offer them."""
    directory.mkdir(parents=True)
    for rpm_path in rpms.values():
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


def spec_release(spec):
    """The default Release number (baserelease) of ``spec``, a path in the checkout."""
    found = re.search(r"^%\{!\?baserelease: %global baserelease (\d+)\}",
                      (CHECKOUT / spec).read_text(), re.M)
    assert found, "no default baserelease in %s" % spec
    return found.group(1)


def _arch():
    return subprocess.run(["rpm", "--eval", "%{_arch}"], stdout=subprocess.PIPE, text=True,
                          check=True).stdout.strip()


def test_srpm_and_rpms_are_named_for_the_version(built):
    import rocm_notice
    release = spec_release("rocm-epel-notice.spec")
    for name, rpm_path in built["new"].items():
        arch = _arch() if name == MAIN else "noarch"
        assert rpm_path.name == "%s-%s-%s.%s.rpm" % (
            name, rocm_notice.__version__, release, arch), rpm_path.name
    srpms = sorted((built["top"] / "SRPMS").glob("*.src.rpm"))
    assert [s.name for s in srpms] == [
        "rocm-epel-notice-%s-%s.src.rpm" % (rocm_notice.__version__, release)]


def libdnf_plugin_rpm(built):
    return built["new"][MAIN]


def test_the_main_package_is_arch_specific_and_ships_the_libdnf_front_end(built):
    import rocm_notice
    rpm_path = libdnf_plugin_rpm(built)
    files = payload(rpm_path)
    assert "/usr/lib64/libdnf/plugins/rocm_notice.so" in files
    assert any(f.endswith("/rocm_notice/frontends/libdnf/run.py") for f in files)
    wanted = _query(rpm_path, "--requires")
    assert "%s = %s-%s" % (CORE, rocm_notice.__version__,
                           spec_release("rocm-epel-notice.spec")) in wanted
    assert "python3-hawkey" in wanted
    # the core only: PackageKit and microdnf need neither dnf's plugin nor dnf5; those
    # front ends are recommended only where their package manager is installed
    assert not requires(rpm_path) & set(DNF4_NAMES + DNF5_NAMES + (NAME, DNF5)), wanted
    # (and the dnf5 front end, where it is built: test_where_libdnf5_is_...)
    assert sorted(_query(rpm_path, "--recommends")) == ["(%s if python3-dnf)" % NAME]


def test_the_packaged_libdnf_plugin_blocks_through_libdnf(built, sandbox, tmp_path):
    """The .so and helper from the RPM's payload (the core from the checkout), driven
    through libdnf's C API: the packaged plugin refuses a blocked crossing."""
    from tests.harness.libdnf_c import Libdnf
    unpacked = tmp_path / "payload"
    unpacked.mkdir()
    for rpm_path in (libdnf_plugin_rpm(built), built["new"][CORE]):     # the helper: core's
        subprocess.run("rpm2cpio %s | cpio -idm --quiet" % rpm_path, shell=True,
                       cwd=unpacked, check=True)
    libdnf = Libdnf(sandbox,
                    helper=unpacked / "usr/libexec/rocm-epel-notice/rocm-epel-notice-helper")
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
    assert "Check import: rocm_notice.core.analysis" in check[1], check[1][:3000]
    assert re.search(r"^=+ \d+ passed", check[1], re.M), check[1][-3000:]
    assert "/BUILDROOT/" in check[1] and "PYTHONPATH=" in check[1], check[1][:3000]


def test_file_list_has_plugin_core_dist_info_config_dropin_dir_report_dir_and_man_page(built):
    core, plugin = (payload(built["new"][n]) for n in (CORE, NAME))
    assert any(f.endswith("/dnf-plugins/rocm_notice.py") for f in plugin)
    assert any("/dnf-plugins/__pycache__/rocm_notice." in f and f.endswith(".pyc")
               for f in plugin)
    assert any(f.endswith("/rocm_notice/core/analysis.py") for f in core)
    assert any(f.endswith("/rocm_notice/core/__pycache__/analysis.cpython-%d%d.pyc"
                          % sys.version_info[:2]) for f in core)
    assert any(f.endswith("/rocm_notice/catalog/data/releases.ini") for f in core)
    assert any(f.endswith("/rocm_notice/catalog/package_set.py") for f in core)
    assert any(f.endswith(".dist-info/METADATA") for f in core)
    assert not any("egg-info" in f or f.endswith("/RECORD") for f in core + plugin)
    for path in ("/etc/dnf/plugins/rocm_notice.conf", "/etc/dnf/plugins/rocm_notice.d",
                 "/var/lib/rocm-epel-notice", "/usr/libexec/rocm-epel-notice",
                 # what the program writes there, so that removal takes it away
                 "/var/lib/rocm-epel-notice/last.json", "/var/lib/rocm-epel-notice/check.json",
                 "/var/cache/rocm-epel-notice",
                 "/var/cache/rocm-epel-notice/scan-cache.json",
                 # what both native plugins run and read
                 "/usr/libexec/rocm-epel-notice/rocm-epel-notice-helper",
                 "/usr/share/rocm-epel-notice/names"):
        assert path in core, path
    assert any(f.endswith("/rocm_notice/frontends/native/helper.py") for f in core)
    assert any(f.startswith("/usr/share/man/man8/dnf4-rocm.8") for f in plugin)
    assert any(f.startswith("/usr/share/man/man8/dnf-rocm.8") for f in plugin)
    assert any(f.endswith("/rocm_notice/frontends/dnf4/decision.py") for f in plugin)
    for unit in ("rocm-epel-notice-check.service", "rocm-epel-notice-check.timer"):
        assert "/usr/lib/systemd/system/" + unit in plugin     # the timer runs 'dnf rocm'


def test_the_core_ships_no_module_of_a_front_end(built):
    """Each front end's modules (rocm_notice/frontends/NAME, the only ones that import a
    package manager) ship with it; the core has only the folder's face and what the doors
    share (command.py and the native plugins' helper, which import no package manager:
    tests/unit/test_layers.py)."""
    core = payload(built["new"][CORE])
    doors = [f for f in core if "/rocm_notice/frontends/" in f]
    shared = r"(__init__|command|native/(__init__|helper|names))"
    assert doors and all(re.search(r"/rocm_notice/frontends/(%s\.py|(native/)?__pycache__/"
                                   r"%s\.cpython-\d+(\.opt-1)?\.pyc|(native/)?__pycache__|"
                                   r"native)$" % (shared, shared.replace("native/", "")), f)
                         for f in doors), doors


def owned_once(rpms):
    """{path: [packages]} of the paths of ``rpms`` ({name: RPM}) in more than one."""
    owners = {}
    for rpm_path in rpms.values():
        for path in payload(rpm_path):
            if not path.startswith("/usr/lib/.build-id"):     # rpm's own, per build
                owners.setdefault(path, []).append(rpm_path.name)
    return {path: names for path, names in owners.items() if len(names) > 1}


def test_every_path_is_owned_by_exactly_one_package(built):
    """The core, the dnf 4 plugin and the libdnf plugin share no file or directory (the
    core owns /usr/libexec/rocm-epel-notice and the helper both native plugins run); the
    dnf 4 plugin's files are no dnf5 path."""
    assert not owned_once(built["new"])
    assert not [f for f in payload(built["new"][NAME]) if "dnf5" in f]


def test_the_core_requires_no_package_manager_and_each_front_end_only_its_own(built):
    core, plugin = (requires(built["new"][n]) for n in (CORE, NAME))
    managers = set(DNF4_NAMES + DNF5_NAMES + LIBDNF_NAMES)
    assert not core & managers, core
    assert CORE in plugin and "python3-dnf" in plugin
    assert not plugin & set(DNF5_NAMES + (DNF5,)), plugin
    assert "%s = %s" % (CORE, evr(built["new"][CORE])) in _query(built["new"][NAME],
                                                                  "--requires")


# Run from the host only (tests/harness/platforms.py HOST_ONLY): built in the dnf5 root.
def test_where_libdnf5_is_the_spec_builds_the_dnf5_front_end_too(built_dnf5):
    """make rpm where pkg-config finds libdnf5: the dnf5 package, arch-specific, with the
    libdnf5 plugin where libdnf5 looks for it, its configuration, rocm-epel-notice and
    its man page; it requires the core, the libdnf5 bindings and (through the plugin's
    library) libdnf5, nothing of dnf 4; the main package recommends it where dnf5 is."""
    dnf5 = payload(built_dnf5[DNF5])
    for path in ("/usr/lib64/libdnf5/plugins/rocm_notice.so",
                 "/etc/dnf/libdnf5-plugins/rocm_notice.conf", "/usr/bin/rocm-epel-notice"):
        assert path in dnf5, path
    assert any(f.endswith("/rocm_notice/frontends/dnf5/plugin.py") for f in dnf5)
    assert any(f.startswith("/usr/share/man/man8/rocm-epel-notice.8") for f in dnf5)
    assert not [f for f in dnf5 if "dnf-plugins" in f or "egg-info" in f]
    assert not owned_once(built_dnf5)
    wanted = requires(built_dnf5[DNF5])
    assert CORE in wanted and "python3-libdnf5" in wanted
    assert not wanted & set(DNF4_NAMES + LIBDNF_NAMES + (NAME,)), wanted
    assert "%s = %s" % (CORE, evr(built_dnf5[CORE])) in _query(built_dnf5[DNF5], "--requires")
    assert any(r.startswith("libdnf5.so.") for r in wanted), wanted    # the plugin's library
    # ... of the plugin API the plugin uses (2.1: dnf5 5.2.10), which an older one lacks
    assert "libdnf5(%s) >= 5.2.10" % _arch().replace("_", "-") in _query(
        built_dnf5[DNF5], "--requires")
    assert _query(built_dnf5[DNF5], "--qf", "%{ARCH}")[0] == _arch()
    assert sorted(_query(built_dnf5[MAIN], "--recommends")) == [
        "(%s if python3-dnf)" % NAME, "(%s if dnf5)" % DNF5]


def test_installing_the_dnf4_plugin_pulls_in_the_core_and_nothing_of_dnf5(sandbox, built,
                                                                          tmp_path):
    install_from_repo(sandbox, built["new"], NAME, tmp_path)
    names = {n.rsplit("-", 2)[0] for n in installed_names(sandbox)}
    assert {CORE, NAME} <= names and DNF5 not in names, names
    assert not names & set(DNF5_NAMES), names
    assert not (sandbox.root / "etc" / "dnf" / "libdnf5-plugins").exists()
    assert not (sandbox.root / "usr" / "lib64" / "libdnf5").exists()
    for path in _query(built["new"][CORE], "-l", "--noghost"):   # %ghost: made at run time
        assert (sandbox.root / path.lstrip("/")).exists(), path


def test_scriptlets_run_with_a_shell_and_enable_nothing(sandbox, built, built_next, tmp_path):
    """No systemctl in the root: the scriptlets skip quietly; install, upgrade and erase
    all succeed, and the timer is nowhere enabled (it ships disabled)."""
    install_from_repo(sandbox, built["new"], NAME, tmp_path)
    sandbox.use_repos(el10=providers(built_next),
                      plugin=repo_of(built_next, tmp_path / "next-repo"))
    upgrade = sandbox.dnf("-y", "upgrade")
    assert upgrade.returncode == 0 and "scriptlet" not in upgrade.stderr, upgrade
    assert "%s-%s" % (NAME, evr(built_next[NAME])) in installed_names(sandbox)
    assert not list(sandbox.root.glob("etc/systemd/system/*.wants/rocm-epel-notice*"))
    erase = sandbox.dnf("-y", "remove", NAME)
    assert erase.returncode == 0 and "scriptlet" not in erase.stderr, erase


def test_the_readme_the_shipped_config_points_to_is_in_the_package(built):
    conf = (CHECKOUT / "etc" / "dnf" / "plugins" / "rocm_notice.conf").read_text()
    named = re.search(r"(/usr/share/doc/\S+/README\.md)", conf)
    assert named, "the config names no README"
    assert named.group(1) in payload(built["new"][CORE])     # with the config itself


def test_the_dnf4_plugin_requires_a_versioned_dnf_and_no_package_replaces_another(built):
    plugin = built["new"][NAME]
    assert "python3-dnf >= 4.14.0" in _query(plugin, "--requires")
    assert "dnf-command(rocm)" in _query(plugin, "--provides")
    for name, rpm_path in built["new"].items():     # no name that nobody ever shipped
        assert not _query(rpm_path, "--obsoletes"), name


def test_installed_payload_prints_the_notice(sandbox, built, tmp_path):
    install_from_repo(sandbox, built["new"], NAME, tmp_path)
    use_payload(sandbox, payload(built["new"][NAME]) + payload(built["new"][CORE]))
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


def test_upgrading_the_package_keeps_a_locally_modified_config(sandbox, built, built_next,
                                                             tmp_path):
    install_from_repo(sandbox, built["new"], NAME, tmp_path)
    conf, modified = _modify_config(sandbox)
    sandbox.use_repos(el10=providers(built_next),
                      plugin=repo_of(built_next, tmp_path / "next-repo"))
    run = sandbox.dnf("-y", "upgrade")
    assert run.returncode == 0, run
    names = installed_names(sandbox)
    for name in (CORE, NAME):
        assert "%s-%s" % (name, evr(built_next[name])) in names, names
    assert conf.read_text() == modified
    assert not list(conf.parent.glob("rocm_notice.conf.rpm*"))
    assert _config_owner(sandbox) == [CORE]


def _config_owner(sandbox):
    owner = subprocess.run(["rpm", "--root", str(sandbox.root), "--dbpath", DBPATH, "-qf",
                            "--qf", "%{NAME}\\n", "/etc/dnf/plugins/rocm_notice.conf"],
                           env=sandbox.env, stdout=subprocess.PIPE, text=True, check=True)
    return owner.stdout.split()


def test_a_data_file_missing_from_the_package_fails_the_build(tmp_path):
    """pyproject.toml without its package-data: the wheel lacks data/*.ini, and make rpm
    fails in %check, which runs the unit tests against the buildroot (up to the first
    failure: the rest of them would say nothing more)."""
    top = tmp_path / "top"
    made = subprocess.run(["make", "-s", "tarball", "RPMTOP=%s" % top], cwd=CHECKOUT,
                          env=rpm_env(tmp_path / "home"), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    assert made.returncode == 0, made.stdout
    tarball = next((top / "SOURCES").glob("*.tar.gz"))
    with tarfile.open(tarball) as packed:
        # Python 3.12+ (and 3.11.4+) take a filter, and 3.13 warns without one; 3.11.2 has none
        safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        packed.extractall(tmp_path / "src", **safe)
    tree = next((tmp_path / "src").iterdir())
    pyproject = tree / "pyproject.toml"
    text = pyproject.read_text()
    assert '"rocm_notice.catalog.data" = ["*.ini"]\n' in text
    pyproject.write_text(text.replace('"rocm_notice.catalog.data" = ["*.ini"]\n', ""))
    with tarfile.open(tarball, "w:gz") as packed:
        packed.add(tree, arcname=tree.name)
    run = make_rpm(top, keep_tarball=True, first_failure=True)
    assert run.returncode != 0, run.stdout[-3000:]
    assert "Bad exit status" in run.stdout and "(%check)" in run.stdout, run.stdout[-3000:]
    assert "data/releases.ini" in run.stdout, run.stdout[-3000:]
    assert not list((top / "RPMS").rglob("*.rpm"))


def test_rpmlint_finds_no_error_or_warning(built):
    srpm = next((built["top"] / "SRPMS").glob("rocm-epel-notice-*.src.rpm"))   # the one
    run = subprocess.run(
        ["rpmlint", "-c", str(CHECKOUT / "packaging" / "rpmlint.toml"),
         str(CHECKOUT / "rocm-epel-notice.spec"), str(srpm)] +
        [str(p) for p in sorted(built["new"].values())],
        env=rpm_env(built["top"] / "home"), stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert run.returncode == 0, run.stdout
    assert "0 errors, 0 warnings" in run.stdout, run.stdout
    assert "%d packages and 1 specfiles checked" % (len(built["new"]) + 1) in run.stdout, run.stdout


# Run from the host only (tests/harness/platforms.py HOST_ONLY): its dnf5 is Debian
# unstable's, in a root of its own.
def test_dnf5_installs_the_dnf5_front_end_where_dnf5_reads_it_and_it_runs(built_dnf5,
                                                                          tmp_path):
    """Real dnf5 installs the dnf5 front end from a repository: it pulls in the core and
    nothing of dnf 4; the plugin and its configuration land where libdnf5 reads them;
    and the plugin, the helper, the names file and the core, all as installed (the
    helper and names file at the paths compiled into the plugin), show the notice before
    a real dnf5 upgrade."""
    from tests.harness.dnf5 import Dnf5Sandbox
    dnf5 = Dnf5Sandbox(tmp_path / "dnf5", plugin=False)     # none while ours installs
    rpms = built_dnf5
    wanted = {r for p in rpms.values() for r in _query(p, "--requires")}
    libraries = tuple(sorted(r for r in wanted if ".so" in r and not r.startswith("/")
                             or r.startswith("rtld(")))
    fedora = [Pkg("python3-libdnf5", "5.4.6.0", "1.fc43"),
              Pkg("libdnf5", "5.4.6.0", "1.fc43",
                  provides=("libdnf5(%s) = 5.4.6.0-1.fc43" % _arch().replace("_", "-"),)),
              Pkg("fedora-libraries", "43", "1.fc43", provides=libraries),   # libdnf5 & co
              Pkg("python3", "3.13.9", "1.fc43", provides=tuple(sorted(
                  r for r in wanted if r.startswith("python(abi)"))) + ("/usr/bin/python3",))]
    # inside the sandbox, which the root binds
    dnf5.use_repos(fedora=fedora, plugin=repo_of(rpms, dnf5.path / "plugin-repo"))
    run = dnf5.dnf5("-y", "install", DNF5)
    assert run.returncode == 0, run
    names = set(dnf5.installed())
    assert {CORE, DNF5} <= names and NAME not in names, names
    assert not names & set(DNF4_NAMES + LIBDNF_NAMES), names
    conf = dnf5.root / "etc" / "dnf" / "libdnf5-plugins" / "rocm_notice.conf"
    assert conf.read_text() == (CHECKOUT / "dnf5-plugin" / "rocm_notice.conf").read_text()
    # dnf5 loads the installroot's plugin (pluginpath, pluginconfpath), which runs the
    # helper and reads the names file where the package put them: the installroot's
    # /usr/libexec/rocm-epel-notice and /usr/share/rocm-epel-notice, bound where the
    # plugin looks (no ROCM_NOTICE_HELPER or ROCM_NOTICE_NAMES); the core in the
    # installroot's site-packages (pure Python: the root's Python reads it).
    (dnf5.path / "dnf.conf").write_text((dnf5.path / "dnf.conf").read_text().replace(
        "pluginpath=%s" % dnf5.plugins, "pluginpath=%s/usr/lib64/libdnf5/plugins" % dnf5.root)
        .replace("pluginconfpath=%s" % dnf5.plugins_conf,
                 "pluginconfpath=%s" % conf.parent))
    dnf5.helper = dnf5.names = None
    for directory in ("/usr/libexec/rocm-epel-notice", "/usr/share/rocm-epel-notice"):
        dnf5.binds.append((str(dnf5.root) + directory, directory, "ro"))
    core = next(f for f in payload(rpms[CORE]) if f.endswith("/rocm_notice"))
    dnf5.pythonpath = str(dnf5.root) + str(Path(core).parent)
    dnf5.use_repos(fedora=fedora, epel=stacks.epel_10_1())
    dnf5.install(*ALL)
    dnf5.use_repos(fedora=fedora, epel=stacks.epel_10_2())
    run = dnf5.dnf5("-y", "upgrade")
    assert run.returncode == 0, run
    assert "rocm_notice: this transaction moves ROCm 6.4 \u2192 7.1 (major)" in run.stderr, run
    assert "Traceback" not in run.stdout + run.stderr, run
    assert dnf5.installed()["rocblas"] == "7.1.1-1.el10_2"
