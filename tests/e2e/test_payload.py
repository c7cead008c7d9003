"""The RPM built from rocm-epel-notice.spec, installed into an installroot, is what runs.

Builds the package with 'make rpm' (release 1 and 2), installs it into a sandbox with fake
providers for its requirements, then loads the plugin from the installed payload: the
packaged layout works, not only the source tree.
"""

import subprocess
from pathlib import Path

import pytest

from tests.e2e import stacks
from tests.harness.fixtures import CHECKOUT, Pkg, rpm_env
from tests.harness.sandbox import DBPATH

ALL = stacks.ROCM_NAMES + ["python3-torch", "zstd-tools"]


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """{release: path of the built noarch RPM}, built once per test session."""
    rpms = {}
    for release in ("1", "2"):
        top = tmp_path_factory.mktemp("rpm%s" % release)
        run = subprocess.run(
            ["make", "-s", "rpm", "RPMTOP=%s" % top,
             "RPMFLAGS=--define 'baserelease %s' --nocheck --quiet" % release],
            cwd=CHECKOUT, env=rpm_env(top / "home"), stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert run.returncode == 0, "make rpm failed:\n%s" % run.stdout[-4000:]
        found = sorted((top / "RPMS" / "noarch").glob("rocm-epel-notice-*.noarch.rpm"))
        assert len(found) == 1, found
        rpms[release] = found[0]
    return rpms


def _query(rpm_path, *what):
    out = subprocess.run(["rpm", "-qp", "--nosignature", "--nodigest", *what, str(rpm_path)],
                         env=rpm_env(rpm_path.parent / "home"), stdout=subprocess.PIPE,
                         text=True, check=True).stdout
    return out.splitlines()


def payload(rpm_path):
    return _query(rpm_path, "-l")


def providers(rpm_path):
    """Fakes for what the package requires (the sandbox is no real EL10): python3-dnf,
    and the python(abi) that rpm generated from the Python that built it."""
    abi = tuple(r for r in _query(rpm_path, "--requires") if r.startswith("python(abi)"))
    return [Pkg("python3-dnf", "4.20.0", "1.el10", provides=abi),
            Pkg("python3-dnf-plugin-versionlock", "4.7.0", "1.el10")]


def use_payload(sandbox, files):
    """Point dnf at the plugin, core and config installed inside the sandbox's root."""
    plugin = next(f for f in files if f.endswith("/dnf-plugins/rocm_notice.py"))
    sitelib = str(Path(plugin).parent.parent)
    sandbox.pluginpath = [Path(str(sandbox.root) + str(Path(plugin).parent))]
    sandbox.pythonpath = str(sandbox.root) + sitelib
    sandbox.confdir = sandbox.root / "etc" / "dnf" / "plugins"


def install_package(sandbox, rpm_path):
    sandbox.use_repos(el10=providers(rpm_path))
    run = sandbox.dnf("-y", "install", str(rpm_path))
    assert run.returncode == 0, run
    return payload(rpm_path)


def test_srpm_and_rpm_are_named_for_the_version(built):
    import rocm_notice
    assert built["1"].name == "rocm-epel-notice-%s-1.noarch.rpm" % rocm_notice.__version__
    srpms = sorted((built["1"].parents[2] / "SRPMS").glob("*.src.rpm"))
    assert [s.name for s in srpms] == ["%s-%s-1.src.rpm" % (name, rocm_notice.__version__)
                                       for name in ("libdnf-plugin-rocm-epel-notice",
                                                    "rocm-epel-notice")]


def libdnf_plugin_rpm(built):
    found = [p for p in built["1"].parents[1].glob("*/libdnf-plugin-rocm-epel-notice-*.rpm")
             if "debug" not in p.name]
    assert len(found) == 1, found
    return found[0]


def test_the_libdnf_plugin_package_is_arch_specific_and_ships_plugin_and_helper(built):
    import rocm_notice
    rpm_path = libdnf_plugin_rpm(built)
    arch = subprocess.run(["rpm", "--eval", "%{_arch}"], stdout=subprocess.PIPE,
                          text=True, check=True).stdout.strip()
    assert rpm_path.name == "libdnf-plugin-rocm-epel-notice-%s-1.%s.rpm" % (
        rocm_notice.__version__, arch)
    files = payload(rpm_path)
    assert "/usr/lib64/libdnf/plugins/rocm_notice.so" in files
    assert "/usr/libexec/rocm-epel-notice/libdnf-helper" in files
    requires = _query(rpm_path, "--requires")
    assert "rocm-epel-notice = %s" % rocm_notice.__version__ in requires
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


def test_file_list_has_plugin_core_config_dropin_dir_report_dir_and_man_page(built):
    files = payload(built["1"])
    assert any(f.endswith("/dnf-plugins/rocm_notice.py") for f in files)
    assert any("/dnf-plugins/__pycache__/rocm_notice." in f and f.endswith(".pyc")
               for f in files)
    assert any(f.endswith("/rocm_notice/analysis.py") for f in files)
    assert any(f.endswith("/rocm_notice/data/packages.ini") for f in files)
    for path in ("/etc/dnf/plugins/rocm_notice.conf", "/etc/dnf/plugins/rocm_notice.d",
                 "/var/lib/rocm-epel-notice"):
        assert path in files
    assert any(f.startswith("/usr/share/man/man8/dnf4-rocm.8") for f in files)
    assert any(f.startswith("/usr/share/man/man8/dnf-rocm.8") for f in files)


def test_installed_payload_prints_the_notice(sandbox, built):
    files = install_package(sandbox, built["1"])
    use_payload(sandbox, files)
    sandbox.use_repos(el10=providers(built["1"]), epel=stacks.epel_10_1())
    sandbox.install(*ALL)
    sandbox.use_repos(el10=providers(built["1"]), epel=stacks.epel_10_2())
    run = sandbox.dnf("-y", "upgrade")
    assert run.returncode == 0, run
    assert "rocm_notice: this transaction moves ROCm 6.4 \u2192 7.1 (major)" in run.stderr, run
    assert "Traceback" not in run.stderr
    assert str(CHECKOUT) not in sandbox.pythonpath        # not the source tree


def test_upgrading_the_package_keeps_a_locally_modified_config(sandbox, built):
    install_package(sandbox, built["1"])
    conf = sandbox.root / "etc" / "dnf" / "plugins" / "rocm_notice.conf"
    modified = conf.read_text() + "# site change\non_minor = lock\n"
    conf.write_text(modified)
    run = sandbox.dnf("-y", "upgrade", str(built["2"]))
    assert run.returncode == 0, run
    release = subprocess.run(
        ["rpm", "--root", str(sandbox.root), "--dbpath", DBPATH, "-q", "--qf", "%{RELEASE}",
         "rocm-epel-notice"], env=sandbox.env, stdout=subprocess.PIPE, text=True).stdout
    assert release.startswith("2")
    assert conf.read_text() == modified


def test_rpmlint_finds_no_error_or_warning(built):
    srpm = next((built["1"].parents[2] / "SRPMS").glob("*.src.rpm"))
    run = subprocess.run(
        ["rpmlint", "-c", str(CHECKOUT / "packaging" / "rpmlint.toml"),
         str(CHECKOUT / "rocm-epel-notice.spec"), str(srpm), str(built["1"])],
        env=rpm_env(built["1"].parent / "home"), stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert run.returncode == 0, run.stdout
    assert "0 errors, 0 warnings" in run.stdout, run.stdout
