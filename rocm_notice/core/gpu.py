"""The machine's AMD GPUs (gfx targets) and what a ROCm line change means for them.

The kernel's KFD driver lists one topology node per CPU and GPU; a GPU node's
``gfx_target_version`` is the number LLVM names as ``gfxNNN``. Reading it needs no ROCm
userspace, so it still works when the stack is broken or half upgraded. A machine without
an AMD GPU, a container without /sys, or a file we cannot read all mean "no AMD GPU
found": the notice must never fail because of this room.
"""

import os
import re

from rocm_notice.io import files

NODES = os.path.join("sys", "class", "kfd", "kfd", "topology", "nodes")
# Another root than / for the machine's sysfs (tests): every front end reads it so.
SYSFS_ROOT_ENV = "ROCM_NOTICE_SYSFS_ROOT"

ADDED = "{gfx} is supported from ROCm {line}: staying on {installed} leaves it unsupported"
DROPPED = "{gfx} is dropped in ROCm {line}: moving to {target} leaves it unsupported"
BACK = "{gfx} is supported from ROCm {line}: going back to {target} leaves it unsupported"

# The kernel writes major*10000 + minor*100 + stepping in decimal; LLVM names have one
# decimal digit for minor and one hex digit for stepping, so anything else is not a name.
# Compiled (and cached by re) on first use: most dnf runs read no GPU.
_TARGET_LINE = r"(?am)^gfx_target_version[ \t]+(\d{1,7})[ \t]*$"


def gfx_name(version):
    """``90010`` -> ``"gfx90a"``; None for 0 (a CPU node) or a number no GPU carries."""
    major, minor, stepping = version // 10000, version // 100 % 100, version % 100
    if not 1 <= major <= 99 or minor > 9 or stepping > 15:
        return None
    return "gfx%d%d%x" % (major, minor, stepping)


def _node_target(path, root):
    """The gfx name of one topology node, or None (CPU node, unreadable, garbage; a FIFO
    or a device never blocks, see ``files``)."""
    try:
        data = files.read_bytes(path, root, limit=files.SYSFS_LIMIT)
    except (files.FileProblem, ValueError):
        return None
    match = re.search(_TARGET_LINE, (data or b"").decode("ascii", "replace"))
    return gfx_name(int(match.group(1))) if match else None


def machine_targets():
    """This machine's AMD GPU targets (``read_targets``), under ROCM_NOTICE_SYSFS_ROOT
    or /: the machine's, never an installroot's."""
    return read_targets(os.environ.get(SYSFS_ROOT_ENV) or "/")


def read_targets(root="/"):
    """Sorted, unique gfx names of the AMD GPUs under ``root`` (overridable for tests);
    links in the tree are followed inside ``root``."""
    try:
        entries = files.list_names("/" + NODES, root) or []
    except (files.FileProblem, ValueError):
        return []
    names = (_node_target("/%s/%s/properties" % (NODES, entry), root) for entry in entries)
    return sorted({name for name in names if name})


def _targets(facts, key):
    return set((facts.get(key) or "").lower().split())


def support_notes(targets, installed_line, target_line, known):
    """Short sentences on what moving installed_line -> target_line means for ``targets``.

    Upward, the lines strictly after the installed one and up to the target count: a
    target added there stays unsupported if the machine stays; one dropped there loses
    support if it moves. Downward (a downgrade, often a way back from a broken upgrade),
    the lines after the target and up to the installed one: a target added there loses
    support. Lines missing from ``known``, or with empty keys, yield nothing (never a
    guess).
    """
    if installed_line is None or target_line is None:
        return []
    machine = sorted(set(targets or ()))
    downward = target_line < installed_line
    low, high = (target_line, installed_line) if downward else (installed_line, target_line)
    notes = []
    for line in sorted(known or {}):
        if not low < line <= high:
            continue
        facts = known[line] or {}
        added, dropped = _targets(facts, "gpu_added"), _targets(facts, "gpu_dropped")
        for gfx in machine:
            if gfx in added:
                notes.append((BACK if downward else ADDED).format(
                    gfx=gfx, line=line, installed=installed_line, target=target_line))
            if gfx in dropped and not downward:
                notes.append(DROPPED.format(gfx=gfx, line=line, target=target_line))
    return notes
