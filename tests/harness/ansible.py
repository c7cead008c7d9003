"""Real ansible-core (from the pinned venv that tools/ensure-deps builds) running
``ansible.builtin.dnf`` against a sandbox's installroot, as a fleet admin runs it.

The controller is the venv's Python; the module runs under /usr/bin/python3 (where the
dnf bindings live) on localhost. HOME is the sandbox's (rpm reads its dbpath from
``.rpmmacros`` there), Ansible's own temp files stay in the sandbox, and the dnf
configuration the module reads (``conf_file``) names our pluginpath, pluginconfpath and
the sandbox's repos in [main].
"""

import json
import sys
import subprocess

from tests.harness.fixtures import CHECKOUT
from tests.harness.sandbox import DNF_CONF, Run

# One per Python version (tools/ensure-deps): each test platform has its own.
VENV = CHECKOUT / ".cache" / ("venv-%d.%d" % sys.version_info[:2])
INVENTORY = "localhost ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n"


def require_venv():
    if not (VENV / "bin" / "ansible-playbook").exists():
        raise AssertionError("ansible-core is missing from %s: run 'make check' "
                             "(tools/ensure-deps installs tests/requirements-venv.txt)" % VENV)


def dnf_conf(sandbox, best=True):
    """The dnf.conf given to the module as conf_file (and to dnf as -c)."""
    path = sandbox.path / "ansible-dnf.conf"
    text = DNF_CONF.replace("best=True", "best=%s" % best)
    text += "reposdir=%s\npluginpath=%s\npluginconfpath=%s\n" % (
        sandbox.reposdir, ",".join(str(p) for p in sandbox.pluginpath), sandbox.confdir)
    path.write_text(text)
    return path


def env(sandbox):
    require_venv()
    tmp = sandbox.path / "ansible-tmp"
    tmp.mkdir(exist_ok=True)
    (sandbox.path / "inventory").write_text(INVENTORY)
    return sandbox.run_env({"ANSIBLE_LOCAL_TEMP": str(tmp), "ANSIBLE_REMOTE_TEMP": str(tmp),
                            "ANSIBLE_HOME": str(sandbox.path / "ansible-home"),
                            "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0",
                            "ANSIBLE_DEPRECATION_WARNINGS": "0",
                            "ANSIBLE_LOCALHOST_WARNING": "0"})


def dnf_module(sandbox, check_mode=False, best=True, timeout=300, **extra):
    """``ansible localhost -m ansible.builtin.dnf`` with state=latest name='*' in the
    sandbox's installroot: (Run, the module's result as a dict)."""
    args = {"name": "*", "state": "latest", "use_backend": "dnf4",
            "installroot": str(sandbox.root), "conf_file": str(dnf_conf(sandbox, best)),
            "releasever": sandbox.releasever, "disable_gpg_check": True}
    args.update(extra)
    command = [str(VENV / "bin" / "ansible"), "localhost", "-i",
               str(sandbox.path / "inventory"), "-m", "ansible.builtin.dnf",
               "-a", json.dumps(args), "--one-line"] + (["--check"] if check_mode else [])
    result = subprocess.run(command, env=env(sandbox), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            timeout=timeout, cwd=str(sandbox.path))
    run = Run(["ansible", "-m", "ansible.builtin.dnf"] + (["--check"] if check_mode else []),
              result.returncode, result.stdout, result.stderr)
    _, _, payload = result.stdout.partition(" => ")
    try:
        return run, json.loads(payload)
    except ValueError:
        raise AssertionError("no module result in ansible's output:\n%s" % run)


def playbook(sandbox, path, extra_vars, inventory=None, timeout=300):
    """``ansible-playbook PATH -e EXTRA_VARS`` (on localhost, or on ``inventory``)."""
    environment = env(sandbox)
    command = [str(VENV / "bin" / "ansible-playbook"),
               "-i", str(inventory or sandbox.path / "inventory"),
               str(path), "-e", json.dumps(extra_vars)]
    result = subprocess.run(command, env=environment, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            timeout=timeout, cwd=str(sandbox.path))
    return Run(["ansible-playbook", str(path)], result.returncode, result.stdout,
               result.stderr)
