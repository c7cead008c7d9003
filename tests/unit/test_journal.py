"""The system-log channel: the datagrams it sends, and a log that is not there."""

import socket

from rocm_notice.io import journal


def test_one_datagram_per_line_with_priority_tag_and_pid():
    sent = journal.datagrams("rocm_notice: ROCm held at 6.4\n  see 'dnf rocm status'\n\n",
                             journal.WARNING, pid=42)
    assert sent == [b"<12>rocm_notice[42]: ROCm held at 6.4",
                    b"<12>rocm_notice[42]: see 'dnf rocm status'"]


def test_a_block_is_an_error_and_a_long_line_is_cut():
    sent = journal.datagrams("x" * 5000, journal.ERROR, pid=1)
    assert sent[0].startswith(b"<11>rocm_notice[1]: xxx") and len(sent[0]) == journal.MAX_LINE


def test_send_reaches_a_bound_socket(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)          # a short relative path: unix sockets are ~107 bytes
    reader = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    reader.bind("log")
    monkeypatch.setenv(journal.SOCKET_ENV, "log")
    try:
        assert journal.send("rocm_notice: hello\nworld") is True
        reader.settimeout(5)
        assert reader.recv(4096).endswith(b"]: hello")
        assert reader.recv(4096).endswith(b"]: world")
    finally:
        reader.close()


def test_no_log_listening_is_false_not_an_exception(tmp_path):
    assert journal.send("hello", path=str(tmp_path / "nothing")) is False


def test_a_traceback_is_one_message_with_its_lines():
    text = "traceback of KeyError\nTraceback (most recent call last):\n  File x\nKeyError: 'y'"
    (datagram,) = journal.block(text, journal.ERROR, pid=7)
    assert datagram == ("<11>rocm_notice[7]: " + text).encode()
    assert len(journal.block("x" * 100000)[0]) == journal.MAX_BLOCK
