"""What a check leaves for monitoring and the login banner (``check --save``,
``--metrics``, ``--motd``), written the same way by both commands (``dnf rocm`` on dnf 4,
``rocm-epel-notice`` on dnf5): each a file written atomically; a failure is one line and
leaves the check's answer and exit status as they were."""

import time

from rocm_notice import describe
from rocm_notice.core import report
from rocm_notice.fleet import metrics, motd

MSG_BUG = "rocm_notice: internal error: %s (the check's answer stands; not all written)"


def publish(code, actions, data, installed_line, allowed=(), save=None, metrics_dir=None,
            motd_path=None, command_name="dnf rocm"):
    """Write what was asked for; the one-line problems (none: [])."""
    problems = []
    try:
        if save:
            problems.append(report.write(save, data))
        if metrics_dir:
            problems.append(metrics.write(metrics_dir, metrics.text(
                code, actions, installed_line, time.time(), allowed)))
        if motd_path:
            problems.append(motd.update(motd_path, code, actions, command_name))
    except Exception as error:      # a bug of ours: one line, the answer stands
        problems.append(MSG_BUG % describe(error))
    return [problem for problem in problems if problem]
