"""The catalog's data against what repositories offer: what ``tools/check-catalog`` finds,
the mechanical fixes its ``--write`` makes, and the update note for a crossing.

Pure Python, no package manager: the tool reads the repositories with dnf into
``Offered`` records and hands them here. The data is read with the catalog's own
readers (``Catalog`` for the package set, ``known`` for ``releases.ini``, ``releases``
for lines and markers); the crossing between two lines is the engine's own analysis, and
its update note the engine's own notice, generalised from "this transaction" to "this
update".

Findings follow the house's report model (Leapp's): a stable ``kind``, a ``severity``
and one line of ``summary``; ``--json`` prints ``to_json()`` of each (``"schema": 1``;
keys are only ever added). Kinds:

- ``unreadable-release``: a known ROCm package whose Version or Release no longer reads
  as a release line; under lock/block such a build fails closed (severity ``critical``);
- ``unknown-package``: built from one of the SIG's source packages under a name the data
  does not list (``attention``; ``--write`` lists it);
- ``unknown-source``: a source package the data does not list that builds listed names,
  or builds versioned with the ROCm line of the libraries they require (``attention``;
  a judgement, not written);
- ``line-without-facts``: a release line on offer without its section (notes address,
  GPU changes) in ``releases.ini`` (``attention``; ``--write`` adds the section);
- ``soname-change``: libraries that go away or appear between two lines on offer, as the
  notice reports them (``info``);
- ``not-carried``: a name of the data that no given repository carries, a candidate to
  retire (``info``).
"""

import ast
import datetime
import os
import textwrap

from rocm_notice import Fields
from rocm_notice.catalog import catalog as cat, known, releases
from rocm_notice.core import analysis, context as contexts, engine, notice
from rocm_notice.core.records import IN, OUT, Item
from rocm_notice.io import files
from rocm_notice.io import clean

SCHEMA = 1

UNREADABLE = "unreadable-release"
UNKNOWN_PACKAGE = "unknown-package"
UNKNOWN_SOURCE = "unknown-source"
NO_FACTS = "line-without-facts"
SONAMES = "soname-change"
NOT_CARRIED = "not-carried"
KINDS = (UNREADABLE, UNKNOWN_PACKAGE, UNKNOWN_SOURCE, NO_FACTS, SONAMES, NOT_CARRIED)

CRITICAL = "critical"       # breaks machines with a strict policy: fix before release
ATTENTION = "attention"     # the data is stale: a packager's change
INFO = "info"               # for the packager's eyes; never changes the exit status
NEEDS_ATTENTION = (CRITICAL, ATTENTION)

# The lists of package_set.py a reader needs, and where --write puts a new name.
LISTS = ("ROCM", "SUFFIXES", "COMPILERSUPPORT", "INDEPENDENT", "AMD", "NOT_ROCM", "SOURCES")
NAMED = ("ROCM", "COMPILERSUPPORT")     # base names, as Catalog reads them
FACT_KEYS = ("notes", "gpu_added", "gpu_dropped")
# AMD's release notes address for a line's first release: the pattern releases.ini's
# header cites (links to docs-6.4.3, docs-7.2.0 and docs-6.3.0 pages).
NOTES_PATTERN = "https://rocm.docs.amd.com/en/docs-%d.%d.0/about/release-notes.html"
SHOWN = 8   # names listed in one line of text before "(+N more)"

MSG_UNREADABLE = (
    "%s (source %s, in %s): no ROCm release line can be read from its %s: this build "
    "would fail closed under lock/block (every machine with on_major or on_minor = lock "
    "or block refuses or holds the transactions that bring it); teach "
    "rocm_notice/catalog/releases.py the new shape, or have the build fixed")
WHY_VERSION = "Version (%s)"
WHY_MARKER = "Release (%s has no rocmX.Y marker; its Version is its own)"
MSG_UNKNOWN_PACKAGE = (
    "%s (%s, in %s): built from the ROCm source package %s, but package_set.py lists no "
    "name that covers it (only its source makes it ROCm); --write adds it to %s")
MSG_UNKNOWN_SOURCE = (
    "source package %s (%s, in %s) is not in SOURCES, but %s; if the rocm-packagers-sig "
    "maintains %s, add it to SOURCES and its names to ROCM (a judgement: --write leaves it)")
MSG_LISTED_NAMES = "it builds names the data lists as ROCm (%s)"
MSG_VERSIONED_AS = ("its builds are versioned as ROCm %s, the line of the ROCm libraries "
                    "they require (%s)")
MSG_NO_SECTION = (
    "ROCm %s is on offer (%s in %s) but releases.ini has no [%s] section: a crossing to "
    "it shows no release notes and no GPU changes; --write adds the section with the "
    "notes address AMD's pattern gives and empty GPU keys to fill in")
MSG_NO_KEYS = (
    "ROCm %s is on offer (%s in %s) but releases.ini's [%s] has no %s: fill in (and cite "
    "a source for) what is missing")
MSG_SONAMES = "ROCm %s %s %s, as the notice reports it: libraries that go away: %s; that appear: %s"
MSG_NOT_CARRIED = (
    "%s (%s in package_set.py) is not in any given repository: a candidate to retire once "
    "no supported EPEL minor carries it (whether none has for a year, this tool cannot "
    "tell from the repositories it was given)")
MSG_NOT_CARRIED_ALL = (
    "%d name%s of %s in package_set.py %s in no given repository: %s; candidates to retire "
    "once no supported EPEL minor carries them (whether none has for a year, this tool "
    "cannot tell from the repositories it was given)")
MSG_WROTE_NAME = "added %s to %s in %s"
MSG_WROTE_LINE = "added [%s] to %s (notes address from AMD's pattern, unverified; GPU keys empty)"

NAME_COMMENT = ("%s: built from %s (%s in %s) [tools/check-catalog, %s]; check it and "
                "cite a source")
SECTION_COMMENT = (
    "Added by tools/check-catalog (%s): ROCm %s is on offer (%s in %s). notes: AMD's "
    "address pattern (see the header), not fetched by the tool: open it before the "
    "release. gpu_added / gpu_dropped: fill in from AMD's compatibility matrix for %s and "
    "cite it here; empty means \"nothing known\" (the notice then says nothing).")
SECTION = "\n[%s]\n%s\nnotes = %s\ngpu_added =\ngpu_dropped =\n"
WIDTH = 96      # the data files' comments wrap there


class DataError(Exception):
    """The data cannot be read (a missing or broken file); ``str()`` is one line."""


class Offered(Fields):
    """One package a repository offers: ``package`` is its ``records.Package`` (with
    provides and requires; ``repoid`` is the repository's address as given),
    ``sourcerpm`` its source RPM file name, ``buildtime`` seconds since the epoch (0 when
    the metadata has none)."""

    _defaults = {"package": None, "sourcerpm": "", "buildtime": 0}


class Finding(Fields):
    """One thing the check found: a stable ``kind``, a ``severity``, one line of
    ``summary``, the kind's own ``data`` (for --json), and ``fix`` for --write (None when
    none is mechanical)."""

    _defaults = {"kind": "", "severity": INFO, "summary": "", "data": {}, "fix": None}

    def to_json(self):
        found = dict(self.data)
        found.update(schema=SCHEMA, kind=self.kind, severity=self.severity,
                     summary=self.summary)
        return found

    def text(self):
        """One line for people; repository strings in it made safe to show."""
        return clean("%s: %s" % (self.kind, self.summary))


# -- the data ---------------------------------------------------------------------------

def shipped_directory():
    """The directory of the shipped data (package_set.py and data/releases.ini)."""
    return os.path.dirname(os.path.abspath(cat.__file__))


class Data:
    """The catalog's data in ``directory`` (laid out as rocm_notice/catalog:
    ``package_set.py``, ``data/releases.ini``): its lists, the ``Catalog`` they make and
    the per-line ``facts`` (``known.load``). package_set.py is read as literals (never
    run: a copy under review may be anyone's)."""

    def __init__(self, directory=None):
        self.directory = directory or shipped_directory()
        self.package_set = os.path.join(self.directory, "package_set.py")
        self.releases = os.path.join(self.directory, "data", "releases.ini")
        self.text = _read(self.package_set)
        self.lists = literal_lists(self.text, self.package_set)
        if not files.exists(self.releases):
            raise DataError("%s: no such file" % self.releases)
        self.facts = known.load(self.releases)
        self.catalog = cat.Catalog(
            rocm=self.lists["ROCM"], suffixes=self.lists["SUFFIXES"],
            compilersupport=self.lists["COMPILERSUPPORT"],
            independent=self.lists["INDEPENDENT"], amd=self.lists["AMD"],
            not_rocm=self.lists["NOT_ROCM"], sources=self.lists["SOURCES"])


def _read(path):
    try:
        text = files.read_text(path)
    except files.FileProblem as error:
        raise DataError(str(error)) from None
    if text is None:
        raise DataError("%s: no such file" % path)
    return text


def _assignments(text, path):
    try:
        tree = ast.parse(text, path)
    except SyntaxError as error:
        raise DataError("%s: line %s: %s" % (path, error.lineno, error.msg)) from None
    return {node.targets[0].id: node.value for node in tree.body
            if isinstance(node, ast.Assign) and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)}


def literal_lists(text, path="package_set.py"):
    """{list name: tuple of names} of ``LISTS`` in package_set.py's ``text``."""
    found = _assignments(text, path)
    lists = {}
    for name in LISTS:
        try:
            value = ast.literal_eval(found[name])
        except KeyError:
            raise DataError("%s: no %s" % (path, name)) from None
        except ValueError:
            raise DataError("%s: %s is not a tuple of literals" % (path, name)) from None
        if not isinstance(value, tuple) or not all(isinstance(v, str) for v in value):
            raise DataError("%s: %s is not a tuple of names" % (path, name))
        lists[name] = value
    return lists


# -- what repositories offer ----------------------------------------------------------

def _shown(items, shown=SHOWN):
    return notice.names(sorted(items), shown) or "none"


def _built(offers):
    """The build's date (UTC, from the metadata's build time), or "" when unknown."""
    seconds = max((o.buildtime or 0 for o in offers), default=0)
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).date().isoformat() \
        if seconds > 0 else ""


def _where(offers):
    return ", ".join(sorted({o.package.repoid for o in offers}))


def _unique(offered):
    """{nevra: [offers]}: a build carried by several repositories is one build."""
    found = {}
    for offer in offered:
        found.setdefault(offer.package.nevra, []).append(offer)
    return found


def stack(offered, catalog):
    """The offers of EPEL's stack (kind ROCM: no compat, no AMD, nothing else)."""
    return [o for o in offered if catalog.classify(o.package).kind == cat.ROCM
            and not catalog.is_foreign(o.package)]


def lines_on_offer(offered, catalog):
    """{Line: [offers]} of the stack's builds whose release line reads."""
    lines = {}
    for offer in stack(offered, catalog):
        if offer.package.rocm is not None:
            lines.setdefault(offer.package.rocm.line, []).append(offer)
    return dict(sorted(lines.items()))


def unreadable(offered, catalog):
    """Known ROCm builds whose release line cannot be read (``Catalog.unreadable``)."""
    out = []
    for nevra, offers in sorted(_unique(offered).items()):
        package = offers[0].package
        if catalog.classify(package).kind != cat.ROCM or not catalog.unreadable(package):
            continue
        versioned = catalog.versioned(package.base, package.source)
        why = WHY_VERSION % package.version if versioned else WHY_MARKER % package.release
        out.append(Finding(UNREADABLE, CRITICAL, MSG_UNREADABLE % (
            nevra, package.source, _where(offers), why),
            {"name": package.name, "nevra": nevra, "source": package.source,
             "repos": sorted({o.package.repoid for o in offers}),
             "field": "Version" if versioned else "Release", "built": _built(offers)}))
    return out


def _strip_debug(name):
    for suffix in (cat.DEBUGINFO, "-debugsource"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[:-len(suffix)]
    return name


def unknown_packages(offered, data):
    """Packages built from one of the SIG's source packages under a name no listed base
    name covers; each finding's ``fix`` is (list, base name) for --write, one per base
    (``rocblas-benchmarks-debuginfo`` is covered by ``rocblas-benchmarks``)."""
    catalog = data.catalog
    found = {}
    for nevra, offers in sorted(_unique(offered).items()):
        package = offers[0].package
        if catalog.source_kind(package.source) != cat.ROCM or package.name in catalog.not_rocm \
                or package.name in catalog.amd or catalog.base(package.name) is not None:
            continue
        found.setdefault(package.name, []).extend(offers)
    bases, fixes = set(), {}
    for name in sorted(found, key=lambda n: (len(n), n)):   # a base before its subpackages
        stem = _strip_debug(name)
        if stem in bases or any(stem == base + suffix for base in bases
                                for suffix in catalog.suffixes):
            continue
        bases.add(stem)
        fixes[name] = stem
    out = []
    for name, offers in sorted(found.items()):
        package = offers[0].package
        where = "COMPILERSUPPORT" if package.source in catalog.compilersupport else "ROCM"
        fix = (where, fixes[name], offers[0]) if name in fixes else None
        out.append(Finding(UNKNOWN_PACKAGE, ATTENTION, MSG_UNKNOWN_PACKAGE % (
            name, package.nevra, _where(offers), package.source, where),
            {"name": name, "nevra": package.nevra, "source": package.source,
             "repos": sorted({o.package.repoid for o in offers}), "list": where,
             "built": _built(offers)}, fix))
    return out


def unknown_sources(offered, catalog):
    """Source packages the data does not list whose builds are ROCm all the same, one
    finding per source: builds under a listed name (the source was renamed or split), and
    builds versioned as the line of the ROCm libraries they require (a new source). A
    consumer versioned on its own (python3-torch 2.9 requiring ROCm 7.1's
    libamdhip64.so.7) is not one, nor AMD's builds (their own sources)."""
    provider_lines = {}
    for line, offers in lines_on_offer(offered, catalog).items():
        for offer in offers:
            for dep in offer.package.provides:
                name = analysis.soname(dep)
                if name:
                    provider_lines.setdefault(name, set()).add(line)
    by_source = {}
    for nevra, offers in sorted(_unique(offered).items()):
        package = catalog.classify(offers[0].package)
        if not package.source or catalog.source_kind(package.source) is not None:
            continue
        if package.kind == cat.ROCM and not catalog.is_foreign(package):
            line, needed = package.rocm.line if package.rocm else None, []
        elif package.kind is None:
            own = releases.rocm_release(package.version, package.release)
            line = own.line if own else None
            needed = sorted({name for dep in package.requires
                             for name in [analysis.soname(dep)]
                             if name and line in provider_lines.get(name, ())})
            if not needed:
                continue
        else:
            continue
        found = by_source.setdefault(package.source, {"offers": [], "lines": set(),
                                                      "requires": set(), "listed": []})
        found["offers"].extend(offers)
        found["lines"].add(line)
        found["requires"].update(needed)
        if package.kind == cat.ROCM:
            found["listed"].append(package.name)
    out = []
    for source, found in sorted(by_source.items()):
        offers = found["offers"]
        names = sorted({o.package.name for o in offers})
        lines = sorted(str(line) for line in found["lines"] if line is not None)
        requires = sorted(found["requires"])
        why = (MSG_LISTED_NAMES % _shown(found["listed"]) if found["listed"] else
               MSG_VERSIONED_AS % ("/".join(lines), _shown(requires)))
        out.append(Finding(UNKNOWN_SOURCE, ATTENTION, MSG_UNKNOWN_SOURCE % (
            source, _shown(names), _where(offers), why, source),
            {"source": source, "names": names,
             "nevras": sorted({o.package.nevra for o in offers}),
             "repos": sorted({o.package.repoid for o in offers}), "lines": lines,
             "requires": requires}))
    return out


def without_facts(offered, data):
    """Release lines on offer whose section in releases.ini is missing or lacks a fact
    key (a notes address, or the GPU keys); ``fix`` (Line, an offer) for a missing
    section."""
    out = []
    for line, offers in lines_on_offer(offered, data.catalog).items():
        facts = data.facts.get(line)
        missing = [key for key in FACT_KEYS if facts is None or key not in facts
                   or (key == "notes" and not facts[key])]
        if not missing:
            continue
        example = min(offers, key=lambda o: o.package.nevra)
        shown = (example.package.nevra, example.package.repoid)
        if facts is None:
            summary, fix = MSG_NO_SECTION % ((line,) + shown + (line,)), (line, example)
        else:
            summary, fix = MSG_NO_KEYS % ((line,) + shown + (line, " or ".join(missing))), None
        out.append(Finding(NO_FACTS, ATTENTION, summary,
                           {"line": str(line), "missing": missing if facts is not None
                            else ["section"], "repos": sorted({o.package.repoid
                                                               for o in offers})}, fix))
    return out


def _evr(package):
    return (str(package.epoch or 0), package.version, package.release)


def newest(offers, compare):
    """The newest build of each (name, arch) among ``offers`` (``compare``: rpm's
    ``labelCompare`` of two (epoch, version, release), or one like it)."""
    by_key = {}
    for offer in offers:
        key = (offer.package.name, offer.package.arch)
        held = by_key.get(key)
        if held is None or compare(_evr(offer.package), _evr(held.package)) > 0:
            by_key[key] = offer
    return [by_key[key] for key in sorted(by_key)]


def crossing(installed, offered, catalog, compare):
    """The engine's findings (``engine.findings``) for an upgrade of ``installed`` (the
    offers of the old repositories, as if all were installed) to ``offered``: each
    installed package is replaced by the newest offered build of its name (its own arch
    first) when that is newer. None when no ROCm package would move."""
    installed = [o.package for o in newest(installed, compare)]
    candidates = {}
    for offer in newest(offered, compare):
        candidates.setdefault(offer.package.name, []).append(offer.package)
    items = []
    for old in installed:
        builds = sorted(candidates.get(old.name, ()), key=lambda p: p.arch != old.arch)
        if builds and compare(_evr(builds[0]), _evr(old)) > 0:
            items += [Item(OUT, old), Item(IN, builds[0])]
    rocm = [p for p in installed if catalog.classify(p).kind is not None]
    return engine.findings(items, rocm, catalog)


def soname_changes(offered, catalog, compare, arrow="\u2192"):
    """For each two neighbouring lines on offer: the sonames the notice would report as
    going away (the engine's findings for the crossing) and those that appear."""
    lines = lines_on_offer(offered, catalog)
    out = []
    ordered = list(lines)
    for old_line, new_line in zip(ordered, ordered[1:]):
        found = crossing(lines[old_line], lines[new_line], catalog, compare)
        if found is None or not found.crossings:
            continue
        moved = [c.new for x in found.crossings for c in x.changes]
        before = [o.package for o in newest(lines[old_line], compare)]
        gone, new = found.lost_sonames, sorted(analysis.sonames(moved) - analysis.sonames(before))
        if not gone and not new:
            continue
        out.append(Finding(SONAMES, INFO, MSG_SONAMES % (
            old_line, arrow, new_line, _shown(gone), _shown(new)),
            {"from": str(old_line), "to": str(new_line), "gone": gone, "new": new}))
    return out


def not_carried(offered, data):
    """Base names (ROCM, COMPILERSUPPORT) and SOURCES of the data that no given
    repository carries."""
    catalog = data.catalog
    bases = {catalog.base(o.package.name) for o in offered} | {o.package.name for o in offered}
    sources = {o.package.source for o in offered}
    out = []
    for where, carried in (("ROCM", bases), ("COMPILERSUPPORT", bases), ("SOURCES", sources)):
        for name in sorted(set(data.lists[where]) - carried):
            out.append(Finding(NOT_CARRIED, INFO, MSG_NOT_CARRIED % (name, where),
                               {"name": name, "list": where}))
    return out


def check(offered, data, compare, arrow="\u2192"):
    """Every finding, the ones that need attention first."""
    catalog = data.catalog
    return (unreadable(offered, catalog) + unknown_packages(offered, data)
            + unknown_sources(offered, catalog) + without_facts(offered, data)
            + soname_changes(offered, catalog, compare, arrow) + not_carried(offered, data))


def text(findings):
    """The findings for people, one line each; the many not-carried ones in one line per
    list of package_set.py (--json keeps one object per name)."""
    out = [f.text() for f in findings if f.kind != NOT_CARRIED]
    by_list = {}
    for finding in findings:
        if finding.kind == NOT_CARRIED:
            by_list.setdefault(finding.data["list"], []).append(finding.data["name"])
    for where, names in by_list.items():
        out.append(clean("%s: %s" % (NOT_CARRIED, MSG_NOT_CARRIED_ALL % (
            len(names), "" if len(names) == 1 else "s", where,
            "is" if len(names) == 1 else "are", ", ".join(names)))))
    return out


def needs_attention(findings):
    return any(f.severity in NEEDS_ATTENTION for f in findings)


# -- --write ---------------------------------------------------------------------------

def _today():
    return datetime.date.today().isoformat()


def _comment(text, indent=""):
    """``text`` as comment lines of at most WIDTH characters (a long address stays whole)."""
    return "\n".join(textwrap.wrap(text, WIDTH, initial_indent=indent + "# ",
                                    subsequent_indent=indent + "# ", break_long_words=False,
                                    break_on_hyphens=False))


def with_names(text, additions, today=None, path="package_set.py"):
    """package_set.py's ``text`` with each (list, name, offer) of ``additions`` added as the
    list's last element, after a comment citing where it was found; every other line
    (comments, sources) kept as it was."""
    lines = text.splitlines(keepends=True)
    end = files.line_end(text)
    by_list = {}
    for where, name, offer in additions:
        by_list.setdefault(where, []).append((name, offer))
    found = _assignments(text, path)
    # Bottom up, so that an insertion does not move the lines of the next.
    for where in sorted(by_list, key=lambda w: -found[w].end_lineno):
        node = found[where]
        if not isinstance(node, ast.Tuple):
            raise DataError("%s: %s is not a tuple" % (path, where))
        after = node.elts[-1].end_lineno if node.elts else node.lineno
        new = []
        for name, offer in sorted(by_list[where]):
            package = offer.package
            comment = _comment(NAME_COMMENT % (name, package.source, package.nevra,
                                               package.repoid, today or _today()), "    ")
            new.extend(line + end for line in comment.split("\n"))
            new.append('    "%s",%s' % (name, end))
        lines[after:after] = new
    return "".join(lines)


def with_sections(text, additions, today=None):
    """releases.ini's ``text`` with a section for each (Line, offer) of ``additions``
    appended (``SECTION``), every existing line kept."""
    end = files.line_end(text)
    out = text if not text or text.endswith("\n") else text + end
    for line, offer in sorted(additions, key=lambda a: a[0]):
        comment = _comment(SECTION_COMMENT % (today or _today(), line, offer.package.nevra,
                                              offer.package.repoid, line))
        section = SECTION % (line, comment, NOTES_PATTERN % line)
        out += section.replace("\n", end)
    return out


def write(findings, data, today=None):
    """Apply the mechanical fixes of ``findings`` to ``data``'s files (``files.write``:
    all or nothing each); the lines that say what changed."""
    names = [f.fix for f in findings if f.kind == UNKNOWN_PACKAGE and f.fix]
    lines = [f.fix for f in findings if f.kind == NO_FACTS and f.fix]
    said = []
    if names:
        text = with_names(data.text, names, today, data.package_set)
        literal_lists(text, data.package_set)          # still readable, or nothing written
        files.write(data.package_set, text.encode("utf-8", "surrogateescape"))
        said += [MSG_WROTE_NAME % (name, where, data.package_set) for where, name, _ in names]
    if lines:
        text = _read(data.releases)
        files.write(data.releases, with_sections(text, lines, today).encode(
            "utf-8", "surrogateescape"))
        said += [MSG_WROTE_LINE % (line, data.releases) for line, _ in lines]
    return said


# -- the update note --------------------------------------------------------------------

# The engine speaks of "this transaction" to someone at dnf's prompt; an update note
# speaks of "this update" to someone before they install it. What differs is cut from
# the engine's own lines, never reworded here.
_TRANSACTION = notice.HEADING.split(" moves ", 1)[0]       # "rocm_notice: this transaction"
_UPDATE = "This update"
_PROMPT = (notice.CONTINUE_ASK, notice.CONTINUE_YES)       # answers to dnf's prompt
_EPEL = notice.EPEL.split("%s", 1)[0]                      # "  EPEL: packages built for "
_SYSTEM = "; this system: "                                # the machine's releasever
_SONAMES = notice.SONAMES.split("%s", 1)[0]                # "  Libraries that go away: "


def note_context(found, data, offered, arrow="\u2192"):
    """The ``notice.Context`` of an update note: release notes from the data, compat
    packages from the new repositories (``context.compat_offers``, as every front end
    finds them), no machine (no GPUs, no scan, no releasever)."""
    names = {o.package.name for o in offered}
    compat = contexts.compat_offers(found, data.catalog, lambda wanted: names & set(wanted)) \
        if found is not None else {}
    return notice.Context(arrow=arrow, notes=known.notes_urls(data.facts), compat=compat,
                          advisory=True)


def update_note(found, context):
    """The notice the engine prints for the crossing in ``found``, generalised to "this
    update" for an advisory (Bodhi's notes, which PackageKit shows as an update's
    details): the heading names the update, the lines that answer dnf's prompt and the
    machine's own releasever are left out, every library that goes away is named (a
    terminal's notice shows the first few), and each line is its own paragraph (Bodhi
    reads the notes as Markdown). [] when nothing crosses."""
    out = []
    for line in notice.lines(found, context) if found is not None else []:
        if line in _PROMPT:
            continue
        if line.startswith(_TRANSACTION):
            line = _UPDATE + line[len(_TRANSACTION):]
        elif line.startswith(_EPEL) and _SYSTEM in line:
            line = line[:line.index(_SYSTEM)] + "."
        elif line.startswith(_SONAMES):
            line = notice.SONAMES % notice.names(found.lost_sonames, len(found.lost_sonames))
        out.append(line.strip())
    return out
