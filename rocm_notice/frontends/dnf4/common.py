"""dnf 4 adapter: what the plugin's hooks (dnf-plugins/rocm_notice.py) and its `dnf rocm`
command (``command``) share: how a line reaches the user, how an error becomes one line,
where the GPUs are read from.

No dnf import: dnf's logger is a logger by name. Loaded only by runs that have something
to say or that run `dnf rocm`; no core module imports it.
"""

import logging
import signal
import sys
import threading

logger = logging.getLogger("dnf.plugin")



def _stderr_gone():
    """True when standard error is a pipe whose reader has gone (poll says POLLERR)."""
    try:
        import select
        poller = select.poll()
        poller.register(sys.stderr.fileno(), select.POLLOUT)
        return any(events & (select.POLLERR | select.POLLHUP) for _, events in poller.poll(0))
    except (AttributeError, OSError, ValueError):
        return False


def say(level, message, *args):
    """Log one of our lines. A reader of stderr that has gone away (a dead logger, a
    closed journal stream) must not kill dnf: dnf restores SIGPIPE's default action, so
    the write would end the process mid-run, and a failed write left in the stream's
    buffer would end it at dnf's next write. So the line then goes to dnf.log only (at
    debug level, which dnf does not show), and while we write SIGPIPE is ignored."""
    if _stderr_gone():
        logger.debug(message, *args)
        return
    if threading.current_thread() is not threading.main_thread():
        logger.log(level, message, *args)
        return
    previous = signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    try:
        logger.log(level, message, *args)
    finally:
        signal.signal(signal.SIGPIPE, previous)


def warn(message, *args):
    say(logging.WARNING, message, *args)


def describe(error):
    """One line for the user about ``error``; its traceback goes to dnf.log at debug level
    (never to the terminal), so a bug report can carry more than that one line."""
    from rocm_notice import describe as one_line
    logger.debug("rocm_notice: traceback of %s", type(error).__name__, exc_info=error)
    return one_line(error)


def arrow():
    """The arrow of our lines, as the terminal on stderr can show it."""
    from rocm_notice.core import notice
    return notice.arrow(sys.stderr)

