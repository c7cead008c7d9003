"""rocm-epel-notice: the pure-Python core of the ROCm release-crossing dnf plugin.

Nothing outside ``frontends/`` imports a package manager, so every decision can be
tested with plain records. Each front end (``frontends/dnf4``, ``frontends/dnf5``,
``frontends/libdnf``) reads its package manager into those records and does what the
engine (``core/engine.py``) answers; the dnf 4 plugin itself lives in
``dnf-plugins/rocm_notice.py``. Nothing outside ``frontends/`` imports a front end
(tests/unit/test_layers.py).
"""

__version__ = "0.1.0"


def describe(error):
    """``error`` in one line for the user, as every front end words it: its type and
    the first line of its message (the dnf 4 adapter also logs the traceback)."""
    text = str(error).strip().splitlines()
    return "%s: %s" % (type(error).__name__, text[0]) if text else type(error).__name__


# The base of the core's records (records, config, analysis, policy, notice...), here
# because every run that loads the core loads this file: one module fewer to find and
# load on the path every dnf transaction takes.
class Fields:
    """A mutable record with defaults: what a dataclass gives, without its cost.

    This package loads in every dnf run; creating a dataclass costs about 0.6 ms, and a
    crossing used seven. Subclasses list their fields in order in ``_defaults``; a list,
    dict or set default is fresh for every instance.
    """

    _defaults = {}

    def __init__(self, *args, **kwargs):
        names = list(self._defaults)
        if len(args) > len(names):
            raise TypeError("%s takes at most %d arguments" % (type(self).__name__, len(names)))
        values = dict(zip(names, args))
        for key in kwargs:
            if key not in self._defaults or key in values:
                raise TypeError("%s: unexpected or repeated argument %r"
                                % (type(self).__name__, key))
        values.update(kwargs)
        for name, default in self._defaults.items():
            if name in values:
                setattr(self, name, values[name])
            else:
                mutable = isinstance(default, (list, dict, set))
                setattr(self, name, type(default)() if mutable else default)

    def __eq__(self, other):
        return type(self) is type(other) and vars(self) == vars(other)

    __hash__ = None

    def __repr__(self):
        return "%s(%s)" % (type(self).__name__,
                           ", ".join("%s=%r" % (n, getattr(self, n)) for n in self._defaults))
