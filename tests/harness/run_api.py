"""A plain dnf API program, as scripts and configuration tools use dnf: ``dnf.Base``,
``init_plugins()``, fill the sack, upgrade everything, resolve, run the transaction.

It never imports ``dnf.cli`` (the dnf command does, before plugins load; API users do
not), so the plugin meets dnf as it does under Ansible or a script. Everything stays in the
sandbox: the conf names its installroot, repos, pluginpath and pluginconfpath.

usage: run_api.py DNF_CONF INSTALLROOT RELEASEVER REPOSDIR PLUGINPATH PLUGINCONFPATH [--test]

Prints one line of JSON on stdout: {"cli_before_plugins": bool (always false: the point),
"changed": [...], "error": str|null}.
Exit status 0, or 1 when dnf raised ``dnf.exceptions.Error`` (the message in "error").
"""

import json
import sys

import dnf
import dnf.conf
import dnf.exceptions


def main(dnf_conf, installroot, releasever, reposdir, pluginpath, pluginconfpath, *flags):
    conf = dnf.conf.Conf()
    conf.config_file_path = dnf_conf
    conf.read()
    conf.installroot = installroot
    conf.releasever = releasever
    conf.reposdir = [reposdir]
    conf.pluginpath = [p for p in pluginpath.split(",") if p]
    conf.pluginconfpath = [pluginconfpath]
    for opt in ("cachedir", "logdir", "persistdir"):
        conf.prepend_installroot(opt)
    conf.assumeyes = True
    if "--test" in flags:
        conf.tsflags = list(conf.tsflags) + ["test"]
    result = {"changed": [], "error": None, "cli_before_plugins": "dnf.cli" in sys.modules}
    base = dnf.Base(conf)
    base.setup_loggers()         # as Ansible's dnf module does: dnf.log in the installroot
    try:
        base.init_plugins()
        base.pre_configure_plugins()
        base.read_all_repos()
        base.configure_plugins()
        base.fill_sack(load_system_repo=True)
        base.upgrade_all()
        if base.resolve():
            result["changed"] = sorted(str(p) for p in base.transaction.install_set)
            base.download_packages(base.transaction.install_set)
            base.do_transaction()
    except dnf.exceptions.Error as error:
        result["error"] = str(error)
    finally:
        base.close()
    print(json.dumps(result))
    return 1 if result["error"] else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
