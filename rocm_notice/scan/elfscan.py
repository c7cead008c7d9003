"""What an ELF file asks the dynamic loader for: DT_NEEDED, DT_RPATH, DT_RUNPATH.

A small reader of the dynamic section, written with the standard library because EL10
has no well-kept ELF library to lean on: python3-pyelftools is built for Fedora and EPEL 8
only, not for EL10 nor EPEL 10 (packages.fedoraproject.org/pkgs/pyelftools/python3-pyelftools,
read 2026-11).

It reads what the loader reads, not what a linker or a debugger would: the program
headers, the PT_DYNAMIC segment and the strings that DT_STRTAB points at (mapped through
the PT_LOAD segments), so a stripped file or one without section headers reads the same.
32 and 64-bit, little and big-endian. Nothing is ever executed.

Every read is a bounded ``pread`` of an open descriptor: a huge, sparse, truncated or
hostile file costs a few small reads, never the machine's memory, and no exception
escapes ``read``: a bad file is NOT_ELF or UNREADABLE.
"""

import os
import stat
import struct

ELF = "elf"
NOT_ELF = "not-elf"
UNREADABLE = "unreadable"

HEADER_SIZE = 64                 # the 64-bit ELF header; the 32-bit one is 52
MAX_PHDRS = 256                  # real files have ~13; the format allows 65535
MAX_DYNAMIC = 4096               # entries of PT_DYNAMIC read at most (~40 in real files)
MAX_STRING = 4096                # one DT_NEEDED/RPATH string, bytes
MAX_NEEDED = 512                 # DT_NEEDED entries kept

_PT_LOAD, _PT_DYNAMIC = 1, 2
_DT_NULL, _DT_NEEDED, _DT_STRTAB, _DT_STRSZ, _DT_RPATH, _DT_RUNPATH = 0, 1, 5, 10, 15, 29
_ET_EXEC, _ET_DYN = 2, 3

# (class, data) -> struct formats: header fields after e_ident, one program header,
# one dynamic entry.
_LAYOUT = {}
for _class, _word, _addr, _dyn, _phdr in ((1, "I", "I", "iI", "IIIIIIII"),
                                            (2, "Q", "Q", "qQ", "IIQQQQQQ")):
    for _data, _order in ((1, "<"), (2, ">")):
        _LAYOUT[(_class, _data)] = (
            struct.Struct(_order + "HHI" + _addr + _word + _word + "IHHHHHH"),
            struct.Struct(_order + _phdr), struct.Struct(_order + _dyn))


class Dynamic:
    """What one ELF file asks for. ``kind`` is ELF, NOT_ELF or UNREADABLE; for ELF,
    ``bits`` (32/64), ``machine`` (e_machine), ``needed`` (DT_NEEDED names in order),
    ``rpath`` and ``runpath`` (the strings, or None when absent); ``reason`` says why a
    file is UNREADABLE."""

    __slots__ = ("kind", "bits", "machine", "needed", "rpath", "runpath", "reason")

    def __init__(self, kind, reason="", bits=0, machine=0, needed=(), rpath=None,
                 runpath=None):
        self.kind, self.reason, self.bits, self.machine = kind, reason, bits, machine
        self.needed, self.rpath, self.runpath = tuple(needed), rpath, runpath

    def __repr__(self):
        return "Dynamic(%s)" % ", ".join("%s=%r" % (n, getattr(self, n)) for n in self.__slots__)


class _Bad(Exception):
    """The file is ELF but its dynamic data cannot be read."""


def _pread(fd, size, offset, file_size):
    if offset < 0 or size < 0 or offset + size > file_size:
        raise _Bad("reaches past the end of the file")
    data = os.pread(fd, size, offset)
    if len(data) != size:
        raise _Bad("short read (the file changed?)")
    return data


def _string(fd, offset, file_size):
    """The NUL-terminated string at ``offset``, at most MAX_STRING bytes."""
    if offset < 0 or offset >= file_size:
        raise _Bad("a string lies outside the file")
    data = os.pread(fd, min(MAX_STRING, file_size - offset), offset)
    end = data.find(b"\0")
    if end < 0:
        raise _Bad("a string has no end")
    return data[:end].decode("utf-8", "surrogateescape")


def read_fd(fd, file_size=None):
    """The Dynamic of the open file ``fd`` (a regular file, read with pread only)."""
    try:
        if file_size is None:
            file_size = os.fstat(fd).st_size
        head = os.pread(fd, HEADER_SIZE, 0)
        if len(head) < 52 or head[:4] != b"\x7fELF":
            return Dynamic(NOT_ELF)
        layout = _LAYOUT.get((head[4], head[5]))
        if layout is None or head[6] != 1:
            return Dynamic(NOT_ELF)
        return _read(fd, head, layout, head[4] * 32, file_size)
    except _Bad as bad:
        return Dynamic(UNREADABLE, str(bad))
    except OSError as error:
        return Dynamic(UNREADABLE, error.strerror or str(error))
    except (struct.error, ValueError, OverflowError) as error:   # cannot happen; never escapes
        return Dynamic(UNREADABLE, "malformed (%s)" % error)


def read(path, dir_fd=None):
    """The Dynamic of ``path`` (relative to ``dir_fd`` if given); a symbolic link, a
    FIFO or a device is never opened as a file."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC
                     | os.O_NOCTTY, dir_fd=dir_fd)
    except OSError as error:
        return Dynamic(UNREADABLE, error.strerror or str(error))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return Dynamic(NOT_ELF)
        return read_fd(fd, info.st_size)
    except OSError as error:
        return Dynamic(UNREADABLE, error.strerror or str(error))
    finally:
        os.close(fd)


def _read(fd, head, layout, bits, file_size):
    header, phdr, dyn = layout
    if len(head) < 16 + header.size:
        return Dynamic(NOT_ELF)
    (e_type, machine, _version, _entry, phoff, _shoff, _flags, _ehsize, phentsize, phnum,
     _she, _shn, _shs) = header.unpack_from(head, 16)
    if e_type not in (_ET_EXEC, _ET_DYN):
        return Dynamic(ELF, bits=bits, machine=machine)      # an object file, a core
    if phnum == 0:
        return Dynamic(ELF, bits=bits, machine=machine)      # nothing to load: static
    if phentsize < phdr.size or phnum > MAX_PHDRS:
        raise _Bad("unusable program headers")
    table = _pread(fd, phentsize * phnum, phoff, file_size)
    loads, dynamic = [], None
    for index in range(phnum):
        fields = phdr.unpack_from(table, index * phentsize)
        if bits == 64:
            p_type, _pflags, offset, vaddr, _paddr, filesz, _memsz, _align = fields
        else:
            p_type, offset, vaddr, _paddr, filesz, _memsz, _pflags, _align = fields
        if p_type == _PT_LOAD:
            loads.append((vaddr, filesz, offset))
        elif p_type == _PT_DYNAMIC and dynamic is None:
            dynamic = (offset, filesz)
    if dynamic is None:
        return Dynamic(ELF, bits=bits, machine=machine)      # statically linked
    count = min(dynamic[1] // dyn.size, MAX_DYNAMIC)
    entries = _pread(fd, count * dyn.size, dynamic[0], file_size)
    needed, strtab, strsz, rpath, runpath = [], None, None, None, None
    for index in range(count):
        tag, value = dyn.unpack_from(entries, index * dyn.size)
        if tag == _DT_NULL:
            break
        if tag == _DT_NEEDED and len(needed) < MAX_NEEDED:
            needed.append(value)
        elif tag == _DT_STRTAB:
            strtab = value
        elif tag == _DT_STRSZ:
            strsz = value
        elif tag == _DT_RPATH and rpath is None:
            rpath = value
        elif tag == _DT_RUNPATH and runpath is None:
            runpath = value
    if not (needed or rpath is not None or runpath is not None):
        return Dynamic(ELF, bits=bits, machine=machine)
    if strtab is None:
        raise _Bad("a dynamic section without a string table")
    base = _file_offset(strtab, loads)

    def text(offset):
        if strsz is not None and offset >= strsz:
            raise _Bad("a string lies outside the string table")
        return _string(fd, base + offset, file_size)

    return Dynamic(ELF, bits=bits, machine=machine, needed=[text(v) for v in needed],
                   rpath=None if rpath is None else text(rpath),
                   runpath=None if runpath is None else text(runpath))


def _file_offset(address, loads):
    """Where the virtual ``address`` lies in the file (through the PT_LOAD segments)."""
    for vaddr, filesz, offset in loads:
        if vaddr <= address < vaddr + filesz:
            return address - vaddr + offset
    raise _Bad("the string table is in no loaded segment")
