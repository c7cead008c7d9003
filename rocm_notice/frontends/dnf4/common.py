"""dnf 4 adapter: what the plugin's hooks (dnf-plugins/rocm_notice.py) and its `dnf rocm`
command (``command``) share: how a line reaches the user, how an error becomes one line,
where the GPUs are read from.

No dnf import: dnf's logger is a logger by name. Loaded only by runs that have something
to say or that run `dnf rocm`; no core module imports it.
"""

import contextlib
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


@contextlib.contextmanager
def _pipe_safe():
    """SIGPIPE ignored while our lines are written (in the main thread, the only one
    that may set a handler), then dnf's own handling back."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGPIPE, previous)


def say(level, lines):
    """Log our ``lines``, as one block. A reader of stderr that has gone away (a dead
    logger, a closed journal stream) must not kill dnf: dnf restores SIGPIPE's default
    action, so a write would end the process mid-run, and a failed write left in the
    stream's buffer would end it at dnf's next write. So the lines then go to dnf.log
    only (at debug level, which dnf does not show), and while the block is written
    SIGPIPE is ignored: checked and switched once for all its lines."""
    if not lines:
        return
    if _stderr_gone():
        for line in lines:
            logger.debug("%s", line)
        return
    with _pipe_safe():
        for line in lines:
            logger.log(level, "%s", line)


def warn(message, *args):
    say(logging.WARNING, [message % args if args else message])


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

