"""The house's rules, as paths: only the doors (``rocm_notice/frontends/dnf4``, ``dnf5``,
``libdnf``) import a package manager, and nothing outside ``frontends/`` imports a front
end (the front ends import the core, never the other way round); no door imports another
(each ships in its own RPM); what the doors share (``frontends/command.py``, the native
plugins' helper in ``frontends/native``) imports no package manager and no door."""

import ast
import subprocess
import sys
from pathlib import Path

import rocm_notice

PACKAGE = Path(rocm_notice.__file__).parent
FRONTENDS = PACKAGE / "frontends"
BINDINGS = ("dnf", "hawkey", "libdnf", "libdnf5", "rpm")
DOORS = ("dnf4", "dnf5", "libdnf")
SHARED_ROOMS = ("native",)


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
    assert rooms == {"io", "catalog", "settings", "core", "scan", "fleet", "packagers",
                     "frontends"}
    assert {path.name for path in FRONTENDS.iterdir() if path.is_dir() and
            path.name != "__pycache__"} == set(DOORS + SHARED_ROOMS)


def _shared():
    """What the doors share: the modules directly in frontends/ and in its shared rooms."""
    return [path for path in _modules(FRONTENDS) if path.parent == FRONTENDS
            or path.parent.name in SHARED_ROOMS]


def test_only_the_doors_import_a_package_manager_even_in_a_function():
    assert {FRONTENDS / "command.py", FRONTENDS / "native" / "helper.py"} <= set(_shared())
    for path in _core() + _shared():
        bound = {name for name in _imports(path) if name.split(".")[0] in BINDINGS}
        assert not bound, "%s imports %s" % (path, ", ".join(sorted(bound)))


def test_nothing_outside_frontends_imports_a_front_end():
    for path in _core():
        doors = {name for name in _imports(path) if name.startswith("rocm_notice.frontends")}
        assert not doors, "%s imports %s" % (path, ", ".join(sorted(doors)))


def _doors_named(path, but=None):
    return {name for name in _imports(path) if name.startswith("rocm_notice.frontends.")
            and name.split(".")[2] in DOORS and name.split(".")[2] != but}


def test_no_front_end_imports_another():
    for door in DOORS:
        for path in _modules(FRONTENDS / door):
            others = _doors_named(path, but=door)
            assert not others, "%s imports %s" % (path, ", ".join(sorted(others)))


def test_what_the_doors_share_imports_no_door():
    for path in _shared():
        assert not _doors_named(path), path


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
