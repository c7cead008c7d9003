"""One line in the login banner (pam_motd reads /run/motd.d/) while a ROCm line change
is pending, so the people who log in hear of it before the next upgrade does it.

The file exists only while a crossing is pending (one that would move, or is blocked
waiting for approval); a check that finds nothing pending removes it; a check that could
not tell leaves it as it was.
"""


from rocm_notice.io import files
from rocm_notice.core import policy

MSG_UNWRITABLE = "rocm_notice: cannot update %s: %s"
LINE_MOVE = ("ROCm %s -> %s (%s) is pending: the next 'dnf upgrade' moves this machine "
             "to ROCm %s; run '%s check' (rocm-epel-notice)")
LINE_BLOCKED = ("ROCm %s -> %s (%s) is pending approval: 'dnf upgrade' is blocked until "
                "'%s allow %s' (rocm-epel-notice)")


def lines(actions, command_name="dnf rocm"):
    """The banner lines for what an upgrade would do ([] when nothing is pending);
    ``command_name``: the command that tells more (``dnf rocm``, ``rocm-epel-notice``)."""
    out = []
    for crossing, action in actions:
        if crossing.downgrade or action not in (policy.WARN, policy.BLOCK):
            continue
        if action == policy.BLOCK:
            out.append(LINE_BLOCKED % (crossing.old_line, crossing.new_line, crossing.kind,
                                       command_name, crossing.new_line))
        else:
            out.append(LINE_MOVE % (crossing.old_line, crossing.new_line, crossing.kind,
                                    crossing.new_line, command_name))
    return out


def update(path, code, actions, command_name="dnf rocm"):
    """Write, remove or keep ``path`` for this check; None, or the one-line problem."""
    if code == policy.CHECK_UNKNOWN:
        return None
    found = lines(actions, command_name)
    try:
        if not found:
            files.remove(path)
            return None
        files.write(path, ("\n".join(found) + "\n").encode("utf-8"), make_dirs=True,
                    durable=False)
    except files.FileProblem as problem:
        return MSG_UNWRITABLE % (path, problem.reason)
    return None
