"""The work behind packaging/debian-python.macros' pyproject stand-ins, on Debian only.

Fedora's pyproject-rpm-macros run helper scripts shipped in /usr/lib/rpm/redhat; Debian's
rpm has none of them. These subcommands do the same jobs for rocm-epel-notice.spec, with
the same inputs and outputs, so that the spec builds here as it does on Fedora/EL:

  buildrequires   what %pyproject_buildrequires prints (build-system.requires and the
                  backend's own wheel requirements, as python3dist(...) names)
  record          after pip installed the wheel: the files it installed (from RECORD),
                  then RECORD and REQUESTED removed and INSTALLER set to "rpm"
  save-files      %{pyproject_files} (a %files list of the named modules and the
                  dist-info) and the list of importable modules for the import check
  check-import    import every module of that list from the buildroot

Run with /usr/bin/python3 -Bs, as the macros do.
"""

import argparse
import contextlib
import fnmatch
import importlib
import json
import os
import re
import sys
from pathlib import Path

RECORD_DROPPED = re.compile(r"\.dist-info/(RECORD|REQUESTED|direct_url\.json)$|/__pycache__/")
REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*((?:[<>=!~]=?\s*[^,;\s]+\s*,?\s*)*)$")


def python3dist(requirement):
    """'setuptools >= 61' -> 'python3dist(setuptools) >= 61' (one rpm dependency per
    version clause, as Fedora's generator writes them)."""
    found = REQUIREMENT.match(requirement)
    if not found:
        sys.exit("debian-pyproject: cannot translate the requirement %r "
                 "(markers and extras are not supported here)" % requirement)
    name = "python3dist(%s)" % re.sub(r"[-_.]+", "-", found.group(1)).lower()
    clauses = [c.strip() for c in found.group(2).split(",") if c.strip()]
    if not clauses:
        return [name]
    return ["%s %s %s" % (name, *re.match(r"([<>=!~]=?)\s*(.+)", c).groups()) for c in clauses]


def buildrequires(args):
    import tomllib
    with open("pyproject.toml", "rb") as source:
        system = tomllib.load(source).get("build-system", {})
    print("python3-devel")
    print("python3dist(pip) >= 19")
    print("python3dist(packaging)")
    requirements = list(system.get("requires", []))
    backend = system.get("build-backend")
    if backend:
        sys.path.insert(0, os.getcwd())
        hook = getattr(importlib.import_module(backend), "get_requires_for_build_wheel", None)
        with contextlib.redirect_stdout(sys.stderr):     # stdout is rpm's to read
            requirements += hook() if hook else []
    for requirement in dict.fromkeys(requirements):
        for line in python3dist(requirement):
            print(line)


def _dist_infos(buildroot, sitelib):
    return sorted((Path(buildroot + sitelib)).glob("*.dist-info"))


def record(args):
    """What pip installed, as absolute paths inside the package; then the files rpm
    must not carry (RECORD names buildroot hashes, REQUESTED is pip's own note)."""
    installed = []
    for info in _dist_infos(args.buildroot, args.sitelib):
        for line in (info / "RECORD").read_text().splitlines():
            relative = line.rsplit(",", 2)[0]
            if relative:
                installed.append(os.path.normpath(os.path.join(args.sitelib, relative)))
        for unwanted in ("RECORD", "REQUESTED", "direct_url.json"):
            if (info / unwanted).exists():
                (info / unwanted).unlink()
        (info / "INSTALLER").write_text("rpm\n")
    if not installed:
        sys.exit("debian-pyproject: no dist-info with a RECORD in %s%s"
                 % (args.buildroot, args.sitelib))
    Path(args.output).write_text(json.dumps(sorted(set(installed)), indent=1) + "\n")


def _license_files(info):
    metadata = (info / "METADATA").read_text(encoding="utf-8")
    return {line.split(":", 1)[1].strip() for line in metadata.splitlines()
            if line.startswith("License-File:")}


def save_files(args):
    """Fedora's %pyproject_save_files for pure-Python packages: every installed file of
    the named top-level modules and of the dist-info, directories as %dir, licenses as
    %license, each .py with the bytecode brp-python-bytecompile makes beside it."""
    installed = json.loads(Path(args.record).read_text())
    sitelib = args.sitelib.rstrip("/")
    tag = "cpython-%d%d" % sys.version_info[:2]
    lines, modules, matched, licensed = set(), set(), set(), False
    for path in installed:
        if not path.startswith(sitelib + "/") or RECORD_DROPPED.search(path):
            continue
        parts = path[len(sitelib) + 1:].split("/")
        top = parts[0]
        if top.endswith(".dist-info"):
            info = Path(args.buildroot + sitelib) / top
            if not info.joinpath(*parts[1:]).exists():
                continue
            # Older setuptools put a License-File beside METADATA; newer ones (metadata
            # 2.4, Debian 13's) in dist-info/licenses/.
            inside = "/".join(parts[1:])
            named = _license_files(info)
            if inside in named or (parts[1] == "licenses" and "/".join(parts[2:]) in named):
                lines.add("%%license %s" % path)
                licensed = True
            else:
                lines.add(path)
            lines.add("%%dir %s/%s" % (sitelib, top))
            continue
        name = top[:-3] if top.endswith(".py") and len(parts) == 1 else top
        globs = [g for g in args.modules if fnmatch.fnmatchcase(name, g)]
        if not globs:
            continue
        matched.update(globs)
        lines.add(path)
        for depth in range(1, len(parts)):
            lines.add("%%dir %s/%s" % (sitelib, "/".join(parts[:depth])))
        if path.endswith(".py"):
            folder, stem = path[:-3].rsplit("/", 1)
            lines.add("%%dir %s/__pycache__" % folder)
            lines.add("%s/__pycache__/%s.%s{,.opt-?}.pyc" % (folder, stem, tag))
            dotted = parts[:-1] + ([] if stem.endswith("__init__") else [parts[-1][:-3]])
            modules.add(".".join(dotted))
    missing = [g for g in args.modules if g not in matched]
    if missing:
        sys.exit("debian-pyproject: no installed module matches %s" % ", ".join(missing))
    if args.l and not licensed:
        sys.exit("debian-pyproject: -l: no License-File of the dist-info was installed")
    Path(args.output_files).write_text("".join(l + "\n" for l in sorted(lines)))
    Path(args.output_modules).write_text("".join(m + "\n" for m in sorted(modules)))



def check_import(args):
    """Import each module the package installed, from the buildroot (PYTHONPATH)."""
    names = Path(args.modules_file).read_text().split()
    if args.t:
        names = [n for n in names if "." not in n]
    names = [n for n in names if not any(fnmatch.fnmatchcase(n, e) for e in args.e)]
    for name in names:
        print("Check import: %s" % name)
        module = importlib.import_module(name)
        if args.buildroot and not os.path.realpath(module.__file__).startswith(
                os.path.realpath(args.buildroot) + os.sep):
            sys.exit("debian-pyproject: %s was imported from %s, not from the buildroot"
                     % (name, module.__file__))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="debian-pyproject")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("buildrequires").set_defaults(run=buildrequires)
    rec = sub.add_parser("record")
    rec.set_defaults(run=record)
    for option in ("--buildroot", "--sitelib", "--output"):
        rec.add_argument(option, required=True)
    save = sub.add_parser("save-files")
    save.set_defaults(run=save_files)
    for option in ("--buildroot", "--sitelib", "--record", "--output-files",
                   "--output-modules"):
        save.add_argument(option, required=True)
    save.add_argument("-l", action="store_true", help="fail without a license file")
    save.add_argument("-L", action="store_true", help="do not check for a license file")
    save.add_argument("modules", nargs="+", help="top-level module names or globs")
    check = sub.add_parser("check-import")
    check.set_defaults(run=check_import)
    check.add_argument("--buildroot")
    check.add_argument("-t", action="store_true", help="top-level modules only")
    check.add_argument("-e", action="append", default=[], help="exclude names matching")
    check.add_argument("modules_file")
    args = parser.parse_args(argv)
    args.run(args)


if __name__ == "__main__":
    main()
