"""The house's rules, as paths: only ``rocm_notice/frontends/`` imports a package manager,
and nothing outside it imports a front end (the front ends import the core, never the
other way round); no front end imports another (each ships in its own RPM)."""

import ast
import subprocess
import sys
from pathlib import Path

import rocm_notice

PACKAGE = Path(rocm_notice.__file__).parent
FRONTENDS = PACKAGE / "frontends"
BINDINGS = ("dnf", "hawkey", "libdnf", "libdnf5", "rpm")


def _modules(under=PACKAGE):
    return sorted(path for path in under.rglob("*.py") if "__pycache__" not in path.parts)


def _dotted(path):
    return ".".join(("rocm_notice",) + path.relative_to(PACKAGE).with_suffix("").parts) \
        .removesuffix(".__init__")


def _imports(path):
    """Every module name an import statement of ``path`` names, at any depth (in a
    function too), with ``from X import Y`` counted as X and X.Y."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            assert node.level == 0, "%s: a relative import" % path
            found.add(node.module)
            found.update("%s.%s" % (node.module, alias.name) for alias in node.names)
    return found


def _core():
    return [path for path in _modules() if FRONTENDS not in path.parents]


def test_the_folders_are_the_architecture():
    rooms = {path.name for path in PACKAGE.iterdir() if path.is_dir() and
             path.name != "__pycache__"}
    assert rooms == {"io", "catalog", "settings", "core", "scan", "fleet", "frontends"}
    assert {path.name for path in FRONTENDS.iterdir() if path.is_dir() and
            path.name != "__pycache__"} == {"dnf4", "dnf5", "libdnf"}


def test_only_frontends_import_a_package_manager_even_in_a_function():
    for path in _core():
        bound = {name for name in _imports(path) if name.split(".")[0] in BINDINGS}
        assert not bound, "%s imports %s" % (path, ", ".join(sorted(bound)))


def test_nothing_outside_frontends_imports_a_front_end():
    for path in _core():
        doors = {name for name in _imports(path) if name.startswith("rocm_notice.frontends")}
        assert not doors, "%s imports %s" % (path, ", ".join(sorted(doors)))


def test_no_front_end_imports_another():
    for door in ("dnf4", "dnf5", "libdnf"):
        for path in _modules(FRONTENDS / door):
            others = {name for name in _imports(path)
                      if name.startswith("rocm_notice.frontends.")
                      and name.split(".")[2] != door}
            assert not others, "%s imports %s" % (path, ", ".join(sorted(others)))


def test_the_core_loads_without_any_package_manager():
    script = ("import importlib, sys\n"
              "for name in sys.argv[1:]:\n"
              "    importlib.import_module(name)\n"
              "print(' '.join(sorted(sys.modules)))\n")
    run = subprocess.run([sys.executable, "-c", script] + [_dotted(p) for p in _core()],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         cwd=str(PACKAGE.parent))
    assert run.returncode == 0, run.stderr
    loaded = set(run.stdout.split())
    assert not {m for m in loaded if m.split(".")[0] in BINDINGS}
    assert not {m for m in loaded if m.startswith("rocm_notice.frontends")}
