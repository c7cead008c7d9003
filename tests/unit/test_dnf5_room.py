"""dnf5's room of the helper (rocm_notice/frontends/dnf5/plugin.py): how it words a run
for the program that loaded the libdnf5 plugin, dnf5 itself or packagekitd (PackageKit's
dnf5 backend; tests/e2e/test_packagekit_dnf5.py runs both for real)."""

import pytest

from rocm_notice.core import report, run
from rocm_notice.frontends.dnf5 import plugin


def made(tmp_path, **request):
    confdir = tmp_path / "etc" / "dnf" / "plugins"
    confdir.mkdir(parents=True, exist_ok=True)
    (confdir / "rocm_notice.conf").write_text("[main]\non_major = lock\n")
    request = dict({"protocol": 1, "hook": run.PRE_TRANSACTION, "installroot": str(tmp_path),
                    "confdir": str(confdir)}, **request)
    return plugin.Run(request, run.Outcome())


@pytest.mark.parametrize("program", ["dnf5", "dnf", "python3"])
def test_under_dnf5_the_texts_name_dnf5(tmp_path, program):
    made_run = made(tmp_path, program=program)
    assert (made_run.program, made_run.via) == ("dnf5", report.VIA_DNF5)
    assert made_run.proceed == plugin.PROCEED and made_run.missed_why == ""


def test_inside_packagekitd_the_texts_are_packagekits(tmp_path):
    made_run = made(tmp_path, program="packagekitd", late=True)
    assert (made_run.program, made_run.via, made_run.front_end) == \
        ("packagekitd", report.VIA_PACKAGEKIT, "packagekitd")
    assert "--disable-plugin" not in made_run.proceed
    assert made_run.proceed.startswith("  To proceed anyway: approve the line or set")


def test_inside_packagekitd_a_lock_newer_than_its_package_set_is_said_only_then(tmp_path):
    """No lock was in force when the package set was set up (lock_at_setup false: under
    warn, or under block): a lock refusal says that the next one holds. Where the lock
    was there at set-up, the hold missed for another reason (a package given as a file):
    not said (before: said for every lock refusal inside packagekitd)."""
    newer = made(tmp_path, program="packagekitd", late=True, lock_at_setup=False)
    assert newer.missed_why == plugin.PACKAGEKITD_MISSED_WHY
    held = made(tmp_path, program="packagekitd", late=True)
    assert held.missed_why == ""
