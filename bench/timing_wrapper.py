"""Run dnf in-process and account for the rocm_notice plugin's own time, per hook.

Usage (with /usr/bin/python3, the same environment as /usr/bin/dnf would get):

    timing_wrapper.py [--profile FILE] [--preimport MODULE,...] -- DNF-ARGS...

It imports dnf's CLI, patches ``dnf.plugin`` so that

- each plugin module's import is timed (``import:<module>``),
- the RocmNotice instance's ``__init__``, ``config``, ``sack`` and ``resolved`` and the
  ``dnf rocm`` command's making (its module's import) and ``run`` are wrapped with
  ``time.perf_counter`` accounting; so are the do-nothing plugin's (bench/run.py's
  BenchNoop: its modes disable ours, so the labels are the same),

and times dnf's own phases for reference (``dnf:fill_sack``, ``dnf:resolve``, ``dnf:main``;
our sack and resolved hooks run inside the first two). Then it runs
``dnf.cli.main.main(args)`` and, at exit, prints one line on stderr:

    ROCM_BENCH_TIMES {"import:rocm_notice": 0.0012, "config": ..., ...}

(seconds, summed over calls; ``calls`` counts them; ``modules`` lists the core modules
the run imported). With ``--profile FILE``, a cProfile
profile of the plugin's code only (its import and every wrapped call) is written to FILE.
With ``--preimport``, the listed modules are imported before dnf starts, so that the
hooks find them loaded: the difference to a plain run is what importing them costs.
"""

import functools
import importlib
import json
import os
import sys
import time

MARK = "ROCM_BENCH_TIMES "
PLUGIN_CLASSES = ("RocmNotice", "BenchNoop")
HOOKS = ("config", "sack", "resolved")

times = {}
calls = {}
profiler = None


def _account(label, seconds):
    times[label] = times.get(label, 0.0) + seconds
    calls[label] = calls.get(label, 0) + 1


def _timed(label, function, profiled=True):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        use = profiler is not None and profiled
        start = time.perf_counter()
        if use:
            profiler.enable()
        try:
            return function(*args, **kwargs)
        finally:
            if use:
                profiler.disable()
            _account(label, time.perf_counter() - start)
    return wrapper


def _timed_command(new):
    """The plugin registers a small class whose __new__ loads and makes the real `dnf rocm`
    command (rocm_notice.frontends.dnf4.command): time that, and the command's run."""
    timed_new = _timed("command", new)

    @functools.wraps(new)
    def __new__(cls, cli):
        made = timed_new(cls, cli)
        made.run = _timed("command", made.run)
        return made
    return __new__


def install():
    import dnf.base
    import dnf.plugin

    original_import = dnf.plugin.importlib.import_module

    def import_module(name, *args):
        return _timed("import:" + name.rsplit(".", 1)[-1], original_import)(name, *args)

    original_modules = dnf.plugin._import_modules

    def _import_modules(package, py_files):
        dnf.plugin.importlib.import_module = import_module
        try:
            return original_modules(package, py_files)
        finally:
            dnf.plugin.importlib.import_module = original_import
    dnf.plugin._import_modules = _import_modules

    original_run_init = dnf.plugin.Plugins._run_init

    def _run_init(self, base, cli=None):
        # Instantiate ours with timing, then wrap its hooks on the instance.
        for cls in list(self.plugin_cls):
            if cls.__name__ in PLUGIN_CLASSES:
                command = getattr(sys.modules[cls.__module__], "RocmCommand", None)
                if command is not None and "__new__" in vars(command) \
                        and not hasattr(command.__new__, "__wrapped__"):
                    command.__new__ = _timed_command(command.__new__)
                cls.__init__ = _timed("__init__", cls.__init__)
        original_run_init(self, base, cli)
        for plugin in self.plugins:
            if type(plugin).__name__ in PLUGIN_CLASSES:
                for hook in HOOKS:
                    setattr(plugin, hook, _timed(hook, getattr(plugin, hook)))
    dnf.plugin.Plugins._run_init = _run_init

    dnf.base.Base.fill_sack = _timed("dnf:fill_sack", dnf.base.Base.fill_sack, False)
    dnf.base.Base.resolve = _timed("dnf:resolve", dnf.base.Base.resolve, False)


def _report():
    data = {k: round(v, 6) for k, v in sorted(times.items())}
    data["calls"] = calls
    data["modules"] = sorted(m for m in sys.modules
                             if m == "rocm_notice" or m.startswith("rocm_notice."))
    sys.stderr.write(MARK + json.dumps(data, sort_keys=True) + "\n")
    sys.stderr.flush()


def main(argv):
    global profiler
    profile_path = None
    if argv[:1] == ["--profile"]:
        profile_path, argv = argv[1], argv[2:]
    if argv[:1] == ["--preimport"]:
        for name in filter(None, argv[1].split(",")):
            importlib.import_module(name)
        argv = argv[2:]
    if argv[:1] == ["--"]:
        argv = argv[1:]
    if profile_path:
        import cProfile
        profiler = cProfile.Profile()
    start = time.perf_counter()
    from dnf.cli import main as dnf_main
    _account("dnf:import", time.perf_counter() - start)
    install()
    start = time.perf_counter()
    code = 1
    try:
        code = dnf_main.main(argv)
    finally:
        _account("dnf:main", time.perf_counter() - start)
        _report()
        if profiler is not None:
            profiler.dump_stats(profile_path)
    return code


if __name__ == "__main__":
    if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
        del sys.path[0]          # like /usr/bin/dnf: no imports from the script's directory
    sys.exit(main(sys.argv[1:]))
