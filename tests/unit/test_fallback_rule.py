"""The one rule each front end's fallback applies when the core cannot answer (the dnf 4
plugin without its core package; the native plugins' C++ ``says_safety``, shared by
libdnf's and libdnf5's in native/helper_client.hpp and driven in
tests/e2e/test_libdnf_hostile.py with the same table): any
on_major or on_minor setting that is anything but warn says "fail closed". Held here
against the core's own reader on the same inputs: for one file, the fallback fails closed
exactly when the reader's policy is not plain warn (lock, block, or a value that is not
valid, which counts as block)."""

import importlib.machinery
import importlib.util

import pytest

from rocm_notice.settings import config
from rocm_notice.core import policy
from tests.harness.fixtures import CHECKOUT

# (file text, fails closed?)
RULE_TABLE = [
    ("[main]\non_major = block\n", True),
    ("[main]\non_major: lock\n", True),
    ("[main]\nON_MINOR = Block\n", True),
    ("[main]\non_major =\n    lock\n", True),
    ("\ufeff[main]\r\non_major:lock\r\n", True),
    ("[main]\non_major = block   # keep 6.4 until the cluster is rebuilt\n", True),
    ("[main]\non_minor = lock ; ticket 42\n", True),
    ("[main]\non_major = blokc\n", True),
    ("[main]\non_major =\n", True),
    ("[main]\non_minor = lock block\n", True),
    ("[main]\non_major\u00a0= lock\n", True),          # a no-break space pasted from a page
    ("[main]\n\u00a0on_major = lock\n", True),
    ("[main]\non_minor = block\u3000\n", True),
    ("[Main]\non_major = lock\n", True),                # read as [main], said
    ("[main]\non_major = warn\u200b\n", True),          # a zero-width space: not valid
    ("[main]\non_major = \u201cwarn\u201d\n", True),     # curly quotes: not valid
    ("[main]\non-major = block\n", True),                # on_major misspelt: refused on
    ("[main]\nOnMajor: lock\n", True),
    ("[main]\non major = warn\n", False),                # misspelt, but it says warn
    ("[main]\non_m\u0130nor = block\n", True),          # a Turkish capital dotted I
    ("[main]\non_major = warn\n  block\n", True),        # a continuation: not valid
    ("[main]\non_major = warn\n  # a note\n", False),
    ("[main]\non_major = warn\n", False),
    ("[main]\non_major = warn # majors are announced only\non_minor = WARN\n", False),
    ("[main]\n# on_major = block\n", False),
    ("[main]\nenabled = 1\nreport = none\n", False),
    ("[main]\non_major = warn\u00a0\n", False),
    ("", False),
]


def _load(name, path):
    loader = importlib.machinery.SourceFileLoader(name, str(path))
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader(name, loader))
    loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def fallbacks():
    return {"dnf 4 plugin": _load("rocm_notice_dnf4_plugin",
                                  CHECKOUT / "dnf-plugins" / "rocm_notice.py")._says_safety}


@pytest.mark.parametrize("text, closed", RULE_TABLE)
def test_each_fallback_fails_closed_exactly_where_the_reader_is_not_plain_warn(
        tmp_path, fallbacks, text, closed):
    (tmp_path / "rocm_notice.conf").write_text(text, encoding="utf-8")
    settings, _ = config.load([str(tmp_path)])
    assert (policy.strictest(settings) != policy.WARN) == closed
    for name, says_safety in fallbacks.items():
        assert says_safety(text) == closed, name
