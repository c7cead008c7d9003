"""The real EPEL 10.1, 10.2 and 10.3 ROCm packages, as tables (issue 12, part 2).

Names, source packages, NEVRAs and sonames come from ../shared/rocm-packages/
real_epel_metadata.py and fpkg_notes.txt (packages.fedoraproject.org pages, captured
2026-11; the address of each is in that file). Values marked "confirmed" there are used
as they are. Where a value was only inferred or missing, this file fills it in and says
so in a comment "# filled in: ..." on the line. What is not taken over: file lists and
most Requires (only what dnf needs to resolve, and the sonames consumers require).

Arch: the packages pages show the x86_64 build; the meta packages rocm-devel and
hipblas-common-devel are noarch (rocm-devel became x86_64 in 7.2.0-4, "Remove noarch
build").
"""

from tests.harness.fixtures import Pkg

X86 = "x86_64"


def so(name):
    return "%s()(64bit)" % name


def pkg(name, source, evr, provides=(), requires=(), arch=X86):
    version, release = evr.rsplit("-", 1)
    return Pkg(name, version, release, arch=arch, provides=tuple(provides),
               requires=tuple(requires), source=source)


def exact(name, evr):
    return "%s = %s" % (name, evr)


# -- EPEL 10.1: ROCm 6.4 ----------------------------------------------------------------------

CS_64 = "19-15.rocm6.4.2.el10_1"          # rocm-compilersupport: LLVM 19, ROCm 6.4.2

EPEL_10_1 = [
    pkg("rocm-runtime", "rocm-runtime", "6.4.2-1.el10_1",
        [so("libhsa-runtime64.so.1")]),                                 # soname: inferred (spec)
    pkg("rocm-runtime-devel", "rocm-runtime", "6.4.2-1.el10_1",
        ["hsakmt-devel", "cmake(hsa-runtime64)"],
        [exact("rocm-runtime", "6.4.2-1.el10_1")]),
    # rocm-hip: 10.1 stable per rocm-hip-devel's row (same rocclr build); provides confirmed
    pkg("rocm-hip", "rocclr", "6.4.2-1.el10_1",
        [so("libamdhip64.so.6"), "libamdhip64.so.6(hip_4.2)(64bit)",
         "libamdhip64.so.6(hip_5.5)(64bit)", so("libhiprtc.so.6")],
        [so("libamd_comgr.so.3"), so("libhsa-runtime64.so.1")]),
    pkg("rocm-hip-devel", "rocclr", "6.4.2-1.el10_1", ["hip-devel", "cmake(hip)"],
        [exact("rocm-hip", "6.4.2-1.el10_1"), "rocm-comgr-devel", "rocm-runtime-devel",
         "hipcc"]),
    pkg("rocm-comgr", "rocm-compilersupport", CS_64, [so("libamd_comgr.so.3")]),
    pkg("rocm-comgr-devel", "rocm-compilersupport", CS_64, [],
        [exact("rocm-comgr", CS_64)]),
    pkg("rocm-device-libs", "rocm-compilersupport", CS_64),
    pkg("hipcc", "rocm-compilersupport", CS_64, [], [exact("rocm-comgr", CS_64)]),
    pkg("rocblas", "rocblas", "6.4.2-7.el10_1", [so("librocblas.so.4")],
        [so("libamdhip64.so.6")]),
    pkg("rocblas-devel", "rocblas", "6.4.2-7.el10_1", [], [exact("rocblas", "6.4.2-7.el10_1")]),
    pkg("hipblas", "hipblas", "6.4.2-2.el10_1",            # filled in: EVR (no 10.1 row read)
        [so("libhipblas.so.2")], [so("librocblas.so.4"), so("libamdhip64.so.6")]),
    pkg("hipblaslt", "hipblaslt", "6.4.3-3.el10_1", [so("libhipblaslt.so.0")],
        [so("libamdhip64.so.6")]),
    pkg("hipsolver", "hipsolver", "6.4.2-2.el10_1", [so("libhipsolver.so.0")],
        [so("libamdhip64.so.6")]),
    pkg("hipsparse", "hipsparse", "6.4.2-2.el10_1", [so("libhipsparse.so.1")],
        [so("libamdhip64.so.6")]),
    pkg("amdsmi", "amdsmi", "6.4.2-2.el10_1", [so("libamd_smi.so.25")]),
    pkg("rocdecode", "rocdecode", "6.4.0-2.el10_1",        # filled in: EVR ("6.4.x")
        [so("librocdecode.so.0")], [so("libamdhip64.so.6")]),
    pkg("rocjpeg", "rocjpeg", "6.4.0-2.el10_1",            # filled in: EVR ("6.4.x")
        [so("librocjpeg.so.0")], [so("libamdhip64.so.6")]),
    pkg("hipblas-common-devel", "hipblas-common", "6.4.0-1.el10_1", arch="noarch"),
    # aqlprofile's first Fedora builds carried no ROCm release in Version (changelog of
    # r0x0d/fedora-rpm-specs specs/aqlprofile.spec, Jul-Aug 2025).
    pkg("aqlprofile", "aqlprofile", "0.0^git20250526.eebb229-3.el10_1"),   # filled in: dist tag
    # The meta package lags its stack: rocm-devel 6.4.1 beside 6.4.2 libraries.
    pkg("rocm-devel", "rocm", "6.4.1-2.el10_1", [],
        ["rocm-hip-devel", "rocblas-devel", "rocm-runtime-devel"], arch="noarch"),
    # A consumer: built against ROCm, versioned on its own (source python-torch).
    pkg("python3-torch", "python-torch", "2.8.0-4.el10_1",
        [so("libtorch.so"), so("libc10_hip.so")], [so("libamdhip64.so.6")]),
]

# -- EPEL 10.2: ROCm 7.1 ----------------------------------------------------------------------

CS_71 = "20-12.rocm7.1.1.el10_2"          # LLVM 20, ROCm 7.1.1

EPEL_10_2 = [
    pkg("rocm-runtime", "rocm-runtime", "7.1.1-5.el10_2", [so("libhsa-runtime64.so.1")]),
    pkg("rocm-runtime-devel", "rocm-runtime", "7.1.1-5.el10_2",   # filled in: EVR of rocm-runtime
        ["hsakmt-devel", "cmake(hsa-runtime64)"], [exact("rocm-runtime", "7.1.1-5.el10_2")]),
    pkg("rocm-hip", "rocclr", "7.1.1-2.el10_2",                   # EVR: rocm-hip-devel's row
        [so("libamdhip64.so.7"), so("libhiprtc.so.7")],             # sonames: inferred (spec)
        [so("libamd_comgr.so.3"), so("libhsa-runtime64.so.1")]),
    pkg("rocm-hip-devel", "rocclr", "7.1.1-2.el10_2", ["hip-devel", "cmake(hip)"],
        [exact("rocm-hip", "7.1.1-2.el10_2"), "rocm-comgr-devel", "rocm-runtime-devel",
         "hipcc"]),
    pkg("rocm-comgr", "rocm-compilersupport", CS_71, [so("libamd_comgr.so.3")]),
    pkg("rocm-comgr-devel", "rocm-compilersupport", CS_71, [], [exact("rocm-comgr", CS_71)]),
    pkg("rocm-device-libs", "rocm-compilersupport", CS_71),
    pkg("hipcc", "rocm-compilersupport", CS_71, [], [exact("rocm-comgr", CS_71)]),
    # An older build left in the repository, requiring the hipcc of its own build.
    pkg("hipcc-libomp-devel", "rocm-compilersupport", "20-7.rocm7.1.0.el10_2", [],
        [exact("hipcc", "20-7.rocm7.1.0.el10_2")]),
    pkg("rocblas", "rocblas", "7.1.1-6.el10_2", [so("librocblas.so.5")], [so("libamdhip64.so.7")]),
    pkg("rocblas-devel", "rocblas", "7.1.1-6.el10_2", [], [exact("rocblas", "7.1.1-6.el10_2")]),
    pkg("hipblas", "hipblas", "7.1.0-5.el10_2", [so("libhipblas.so.3")],
        [so("librocblas.so.5"), so("libamdhip64.so.7")]),
    pkg("hipblaslt", "hipblaslt", "7.1.1-6.el10_2", [so("libhipblaslt.so.1")],
        [so("libamdhip64.so.7")]),
    pkg("hipsolver", "hipsolver", "7.1.0-4.el10_2",
        [so("libhipsolver.so.1"), so("libhipsolver_fortran.so.1")], [so("libamdhip64.so.7")]),
    pkg("hipsparse", "hipsparse", "7.1.1-4.el10_2", [so("libhipsparse.so.4")],
        [so("libamdhip64.so.7")]),
    pkg("amdsmi", "amdsmi", "7.1.0-2.el10_2", [so("libamd_smi.so.26")]),
    pkg("rocdecode", "rocdecode", "7.1.0-2.el10_2",        # filled in: EVR ("7.1.x")
        [so("librocdecode.so.1")], [so("libamdhip64.so.7")]),
    pkg("rocjpeg", "rocjpeg", "7.1.0-2.el10_2",            # filled in: EVR ("7.1.x")
        [so("librocjpeg.so.1")], [so("libamdhip64.so.7")]),
    pkg("hipblas-common-devel", "hipblas-common", "7.1.0-2.el10_2", arch="noarch"),
    pkg("aqlprofile", "aqlprofile", "7.1.0-1.el10_2"),     # filled in: EVR (7.0.1-1 on: ROCm)
    pkg("rocm-devel", "rocm", "7.1.0-2.el10_2", [],
        ["rocm-hip-devel", "rocblas-devel", "rocm-runtime-devel"], arch="noarch"),
    pkg("python3-torch", "python-torch", "2.9.1-1.el10_2",
        [so("libtorch.so"), so("libtorch_hip.so")], [so("libamdhip64.so.7")]),
    # New in EPEL 10.2 (missing from the seed list before issue 12):
    pkg("composable_kernel-devel", "composable_kernel", "7.1.1-5.el10_2",
        ["cmake(composable_kernel)", "composable_kernel-static"]),
    pkg("rocdbgapi-devel", "rocdbgapi", "7.1.0-3.el10_2",
        ["cmake(amd-dbgapi)", "pkgconfig(amd-dbgapi)"]),
    # ... and the 6.4 compat libraries, to keep the old line beside the new one.
    # filled in: EPEL 10.2's compat builds were not read; names follow <name>X.Y.
    pkg("rocblas6.4", "rocblas6.4", "6.4.2-1.el10_2", [so("librocblas.so.4")]),
    pkg("rocm-hip6.4", "rocclr6.4", "6.4.2-1.el10_2", [so("libamdhip64.so.6")]),
]

# -- EPEL 10.3: ROCm 7.2, with builds carried from 10.2 -----------------------------------------

CS_72 = "22-12.rocm7.2.1.el10_3"          # LLVM 22, ROCm 7.2.1


def _carried(name):
    """The 10.2 build, carried into 10.3 with its old dist tag (not rebuilt)."""
    return next(p for p in EPEL_10_2 if p.name == name)


EPEL_10_3 = [
    _carried("rocm-runtime"),                # 7.1.1-5.el10_2 in 10.3 (confirmed)
    _carried("rocm-runtime-devel"),          # filled in: carried like rocm-runtime
    pkg("rocm-hip", "rocclr", "7.2.2-2.el10_3",
        [so("libamdhip64.so.7"), "libamdhip64.so.7(hip_4.2)(64bit)"],
        [so("libamd_comgr.so.3"), so("libhsa-runtime64.so.1")]),
    pkg("rocm-hip-devel", "rocclr", "7.2.2-2.el10_3", ["hip-devel", "cmake(hip)"],
        [exact("rocm-hip", "7.2.2-2.el10_3"), "rocm-comgr-devel", "rocm-runtime-devel",
         "hipcc"]),
    pkg("rocm-comgr", "rocm-compilersupport", CS_72, [so("libamd_comgr.so.3")]),
    pkg("rocm-comgr-devel", "rocm-compilersupport", CS_72, [], [exact("rocm-comgr", CS_72)]),
    pkg("rocm-device-libs", "rocm-compilersupport", CS_72),
    pkg("hipcc", "rocm-compilersupport", CS_72, [], [exact("rocm-comgr", CS_72)]),
    # filled in: rocblas and its -devel in 10.3 (the 10.4 rocsolver row is 7.2.0-5.el10_3)
    pkg("rocblas", "rocblas", "7.2.0-5.el10_3", [so("librocblas.so.5")], [so("libamdhip64.so.7")]),
    pkg("rocblas-devel", "rocblas", "7.2.0-5.el10_3", [], [exact("rocblas", "7.2.0-5.el10_3")]),
    pkg("hipblas", "hipblas", "7.2.0-5.el10_3", [so("libhipblas.so.3")],
        [so("librocblas.so.5"), so("libamdhip64.so.7")]),
    _carried("hipblaslt"),                   # filled in: no 10.3 row read; carried
    _carried("hipsolver"),                   # filled in: no 10.3 row read; carried
    _carried("hipsparse"),                   # filled in: no 10.3 row read; carried
    _carried("amdsmi"),                      # filled in: no 10.3 row read; carried
    _carried("rocdecode"),                   # filled in
    _carried("rocjpeg"),                     # filled in
    _carried("hipblas-common-devel"),        # 7.1.0-2.el10_2 in 10.3 (confirmed)
    pkg("aqlprofile", "aqlprofile", "7.2.0-1.el10_3"),     # filled in: EVR
    pkg("rocm-devel", "rocm", "7.2.0-4.el10_3", [],
        ["rocm-hip-devel", "rocblas-devel", "rocm-runtime-devel", "rocm-rdc"]),
    pkg("rocm-rdc", "rocm-rdc", "7.2.0-2.el10_3"),        # filled in: EVR (pulled in by rocm-devel)
    _carried("python3-torch"),               # filled in: torch not rebuilt for 7.2
    _carried("composable_kernel-devel"),     # 7.1.1-5.el10_2 stable in 10.3 (confirmed)
    _carried("rocdbgapi-devel"),             # filled in
    pkg("rocm-core-devel", "rocm-core", "7.2.2-2.el10_3"),
]

# What a workstation with the EPEL 10.1 stack installed has (hipcc-libomp-devel and the
# compat packages only exist later).
INSTALLED_10_1 = [p.name for p in EPEL_10_1]
ROCM_10_1 = [n for n in INSTALLED_10_1 if n != "python3-torch"]

# The soname moves of 6.4 -> 7.1 (README.md "What it is"; real_epel_metadata.py).
LOST_AT_7_1 = ["libamd_smi.so.25", "libamdhip64.so.6", "libhipblas.so.2", "libhipblaslt.so.0",
               "libhiprtc.so.6", "libhipsolver.so.0", "libhipsparse.so.1", "librocblas.so.4",
               "librocdecode.so.0", "librocjpeg.so.0"]


def new_subpackages(stack, names):
    """Packages built from the real source of ``names``' packages under names nobody has
    listed: {existing name: new name}. Same source, version and release as the original,
    and no dependency on it: only the source ties them to the stack (a data or docs
    subpackage), so nothing but the source can hold them."""
    by_name = {p.name: p for p in stack}
    return [Pkg(new, by_name[old].version, by_name[old].release, arch=by_name[old].arch,
                source=by_name[old].source)
            for old, new in names.items()]


# rocblas-benchmarks (source rocblas), hip-samples (source rocclr), rocm-llvm-newtool
# (source rocm-compilersupport: LLVM Version, ROCm release in Release).
NEW_NAMES = {"rocblas": "rocblas-benchmarks", "rocm-hip": "hip-samples",
             "hipcc": "rocm-llvm-newtool"}
