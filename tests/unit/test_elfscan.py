"""The ELF reader against real gcc output, binutils' readelf, and broken or hostile files."""

import os
import struct

import pytest
from hypothesis import given, settings, strategies as st

from rocm_notice.scan import elfscan
from tests.harness import elf


@pytest.fixture(scope="module")
def built():
    return elf.build()


def test_reads_what_readelf_reads_for_every_real_file(built):
    for name, _ in elf.BUILDS:
        found = elfscan.read(str(built / name))
        assert found.kind == elfscan.ELF, (name, found)
        assert (list(found.needed), found.rpath, found.runpath) == elf.readelf_dynamic(
            built / name), name
        assert found.bits == 64


def test_an_executable_needs_the_old_hip_and_a_runpath_is_told_from_an_rpath(built):
    app = elfscan.read(str(built / "app"))
    assert "libamdhip64.so.6" in app.needed and app.runpath is None and app.rpath is None
    assert elfscan.read(str(built / "app-compat")).runpath == elf.COMPAT_DIR
    rpath = elfscan.read(str(built / "app-rpath"))
    assert (rpath.rpath, rpath.runpath) == (elf.COMPAT_DIR, None)
    assert elfscan.read(str(built / "app-bundled")).runpath == "$ORIGIN/../lib"


def _synthetic(bits, order, machine, needed, runpath):
    """A minimal ELF with only program headers (PT_LOAD, PT_DYNAMIC), of any class and
    byte order: gcc here builds only x86-64, readelf reads them all."""
    o = "<" if order == 1 else ">"
    strings = b"\0"
    offsets = []
    for text in needed + [runpath]:
        offsets.append(len(strings))
        strings += text.encode() + b"\0"
    if bits == 64:
        ehdr, phdr, dyn = struct.Struct(o + "HHIQQQIHHHHHH"), struct.Struct(o + "IIQQQQQQ"), "qQ"
    else:
        ehdr, phdr, dyn = struct.Struct(o + "HHIIIIIHHHHHH"), struct.Struct(o + "IIIIIIII"), "iI"
    dyn = struct.Struct(o + dyn)
    header_size = 16 + ehdr.size
    phoff = header_size
    dynoff = phoff + 2 * phdr.size
    entries = [(1, off) for off in offsets[:-1]] + [(29, offsets[-1])]
    stroff = dynoff + (len(entries) + 3) * dyn.size
    vaddr = 0x10000
    entries += [(5, vaddr + stroff), (10, len(strings)), (0, 0)]
    total = stroff + len(strings)
    ident = b"\x7fELF" + bytes([1 if bits == 32 else 2, order, 1]) + bytes(9)
    out = ident + ehdr.pack(3, machine, 1, 0, phoff, 0, 0, header_size, phdr.size, 2, 0, 0, 0)
    for p_type, off, size in ((1, 0, total), (2, dynoff, len(entries) * dyn.size)):
        if bits == 64:
            out += phdr.pack(p_type, 4, off, vaddr + off, vaddr + off, size, size, 8)
        else:
            out += phdr.pack(p_type, off, vaddr + off, vaddr + off, size, size, 4, 4)
    out += b"".join(dyn.pack(tag, value) for tag, value in entries)
    return out + strings


@pytest.mark.parametrize("bits,order,machine", [(32, 1, 3), (32, 2, 8), (64, 2, 21), (64, 1, 62)])
def test_both_classes_and_byte_orders_agree_with_readelf(tmp_path, bits, order, machine):
    path = tmp_path / "synthetic"
    path.write_bytes(_synthetic(bits, order, machine, ["libamdhip64.so.6", "libc.so.6"],
                                "$ORIGIN/../lib"))
    found = elfscan.read(str(path))
    assert (found.kind, found.bits, found.machine) == (elfscan.ELF, bits, machine)
    assert (list(found.needed), found.rpath, found.runpath) == elf.readelf_dynamic(path)
    assert found.needed == ("libamdhip64.so.6", "libc.so.6")


def test_a_truncated_elf_is_unreadable_never_an_exception(built, tmp_path):
    data = (built / "app").read_bytes()
    path = tmp_path / "cut"
    kinds = set()
    for size in list(range(0, 200, 7)) + list(range(200, len(data), 211)):
        path.write_bytes(data[:size])
        kinds.add(elfscan.read(str(path)).kind)
    path.write_bytes(data[:100])
    assert elfscan.read(str(path)).kind == elfscan.UNREADABLE    # headers cut off
    path.write_bytes(data[:40])
    assert elfscan.read(str(path)).kind == elfscan.NOT_ELF       # not even a header
    assert kinds <= {elfscan.ELF, elfscan.NOT_ELF, elfscan.UNREADABLE}


def test_not_elf_fifo_and_symlink_are_not_read_as_elf(tmp_path, built):
    (tmp_path / "text").write_text("#!/bin/sh\necho hello\n" * 10)
    assert elfscan.read(str(tmp_path / "text")).kind == elfscan.NOT_ELF
    os.mkfifo(tmp_path / "fifo")                        # would hang a blocking open
    assert elfscan.read(str(tmp_path / "fifo")).kind == elfscan.NOT_ELF
    (tmp_path / "link").symlink_to(built / "app")
    assert elfscan.read(str(tmp_path / "link")).kind == elfscan.UNREADABLE   # never followed
    assert elfscan.read(str(tmp_path / "absent")).kind == elfscan.UNREADABLE


def test_a_huge_sparse_file_costs_a_few_small_reads(tmp_path, built):
    import time
    path = tmp_path / "sparse"
    with open(path, "wb") as out:
        out.write((built / "app").read_bytes())
        out.truncate(64 << 30)                      # 64 GiB, all but the start a hole
    started = time.monotonic()
    found = elfscan.read(str(path))
    assert "libamdhip64.so.6" in found.needed
    with open(path, "r+b") as out:
        out.write(b"\0" * 64)
    assert elfscan.read(str(path)).kind == elfscan.NOT_ELF
    assert time.monotonic() - started < 1.0


def test_hostile_counts_and_offsets_are_bounded(tmp_path):
    base = bytearray(_synthetic(64, 1, 62, ["libamdhip64.so.6"], "/x"))
    path = tmp_path / "hostile"
    struct.pack_into("<H", base, 56, 65535)          # e_phnum: 65535 program headers
    path.write_bytes(bytes(base))
    assert elfscan.read(str(path)).kind == elfscan.UNREADABLE
    base = bytearray(_synthetic(64, 1, 62, ["libamdhip64.so.6"], "/x"))
    struct.pack_into("<Q", base, 32, 1 << 62)        # e_phoff far past the end
    path.write_bytes(bytes(base))
    assert elfscan.read(str(path)).kind == elfscan.UNREADABLE


@settings(max_examples=300, deadline=None)
@given(st.binary(min_size=0, max_size=400), st.integers(min_value=0, max_value=3))
def test_random_bytes_after_an_elf_ident_never_raise(tmp_path_factory, tail, variant):
    path = tmp_path_factory.getbasetemp() / "random-elf"
    ident = b"\x7fELF" + bytes([1 + variant % 2, 1 + variant // 2, 1]) + bytes(9)
    path.write_bytes(ident + tail)
    assert elfscan.read(str(path)).kind in (elfscan.ELF, elfscan.NOT_ELF, elfscan.UNREADABLE)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(min_value=0, max_value=2000),
                          st.integers(min_value=0, max_value=255)), min_size=1, max_size=8))
def test_mutated_real_files_never_raise(tmp_path_factory, changes):
    data = bytearray((elf.build() / "libuser.so").read_bytes())
    for offset, value in changes:
        data[offset % len(data)] = value
    path = tmp_path_factory.getbasetemp() / "mutated"
    path.write_bytes(bytes(data))
    assert elfscan.read(str(path)).kind in (elfscan.ELF, elfscan.NOT_ELF, elfscan.UNREADABLE)
