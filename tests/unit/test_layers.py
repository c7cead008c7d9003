"""The core is pure Python: no core module imports a package manager's bindings at module
level, nor a front end's adapter module at all (the dnf 4 command, the dnf5 and libdnf
adapters import the core, never the other way round)."""

import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import rocm_epel_notice

PACKAGE = Path(rocm_epel_notice.__file__).parent
# Front ends' adapters: they may import their package manager.
ADAPTERS = {"dnf4_command", "dnf4_common", "dnf4_decision", "dnf5_actions", "dnf5_command",
            "dnf5_sack", "libdnf_helper"}
BINDINGS = ("dnf", "hawkey", "libdnf", "libdnf5", "rpm")


def _core():
    names = sorted(m.name for m in pkgutil.iter_modules([str(PACKAGE)]) if not m.ispkg)
    core = [name for name in names if name not in ADAPTERS]
    assert "analysis" in core and "dnf4_command" in names, names
    return core


def test_core_modules_load_no_package_manager_and_no_adapter():
    script = ("import importlib, sys\n"
              "for name in sys.argv[1:]:\n"
              "    importlib.import_module('rocm_epel_notice.' + name)\n"
              "print(' '.join(sorted(sys.modules)))\n")
    run = subprocess.run([sys.executable, "-c", script] + _core(), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, cwd=str(PACKAGE.parent))
    assert run.returncode == 0, run.stderr
    loaded = set(run.stdout.split())
    assert not {m for m in loaded if m.split(".")[0] in BINDINGS}
    assert not {m for m in loaded if m.split(".")[-1] in ADAPTERS}


def test_no_core_module_imports_an_adapter_even_in_a_function():
    pattern = re.compile(r"^\s*(?:from|import)\s.*\b(%s)\b" % "|".join(sorted(ADAPTERS)), re.M)
    for name in _core():
        source = (PACKAGE / ("%s.py" % name)).read_text(encoding="utf-8")
        assert not pattern.search(source), "%s imports an adapter module" % name
