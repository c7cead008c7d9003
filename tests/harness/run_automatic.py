"""Run the real dnf-automatic (``dnf.automatic.main``) against a sandbox installroot.

Debian ships the module without the ``dnf-automatic`` wrapper, and dnf-automatic has no
``--installroot``: on a real machine it reads /etc/dnf/dnf.conf. Here, before dnf reads
its main config, we point ``config_file_path`` and ``installroot`` at the sandbox and give the
releasever (as dnf's ``--installroot``/``--releasever`` would; an installroot of fake
packages has no system-release to detect it from), so logs, cache and rpmdb stay inside it. Everything else is stock.

usage: run_automatic.py DNF_CONF INSTALLROOT RELEASEVER AUTOMATIC_CONF
"""

import sys

import dnf.cli.cli
import dnf.conf
from dnf.automatic.main import main

DNF_CONF, INSTALLROOT, RELEASEVER, AUTOMATIC_CONF = sys.argv[1:5]
_read_conf_file = dnf.cli.cli.Cli._read_conf_file


def _sandboxed_read_conf_file(self, releasever=None):
    conf = self.base.conf
    conf._set_value("config_file_path", DNF_CONF, dnf.conf.PRIO_COMMANDLINE)
    conf._set_value("installroot", INSTALLROOT, dnf.conf.PRIO_COMMANDLINE)
    return _read_conf_file(self, RELEASEVER)


dnf.cli.cli.Cli._read_conf_file = _sandboxed_read_conf_file
sys.exit(main([AUTOMATIC_CONF]))
