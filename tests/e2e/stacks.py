"""Fake EPEL 10 ROCm stacks, as tables: what a repository of each EPEL minor offers.

Names, versions and sonames follow Fedora's real packages (the README's "How it tells
ROCm releases apart"; tests/e2e/real_epel.py has the real ones): most packages are
versioned with the ROCm release, the rocm-compilersupport family carries it in Release,
sonames move with the major (libamdhip64.so.6 -> .so.7, librocblas.so.4 -> .so.5).
"""

from dataclasses import replace

from tests.harness.fixtures import Pkg


def so(name):
    return "%s()(64bit)" % name


def rocm_stack(rocm, epel_minor, hip_so, rocblas_so, hipblas_so, comgr_so, llvm, build=1):
    """The core of one ROCm line as EPEL builds it (``rocm`` like "6.4.2")."""
    dist = "%d.el10_%d" % (build, epel_minor)
    cs_release = "%d.rocm%s.el10_%d" % (build, rocm, epel_minor)
    return [
        Pkg("rocm-runtime", rocm, dist, provides=(so("libhsa-runtime64.so.1"),)),
        Pkg("rocm-hip", rocm, dist, provides=(so(hip_so),),
            requires=(so("libhsa-runtime64.so.1"), so(comgr_so))),
        Pkg("rocm-hip-devel", rocm, dist, requires=("rocm-hip = %s-%s" % (rocm, dist),)),
        Pkg("rocblas", rocm, dist, provides=(so(rocblas_so),), requires=(so(hip_so),)),
        Pkg("rocblas-devel", rocm, dist, requires=("rocblas = %s-%s" % (rocm, dist),)),
        Pkg("hipblas", rocm, dist, provides=(so(hipblas_so),),
            requires=(so(rocblas_so), so(hip_so))),
        Pkg("rocm-smi", rocm, dist, provides=(so("librocm_smi64.so.7"),)),
        Pkg("rocm-comgr", llvm, cs_release, provides=(so(comgr_so),)),
        Pkg("hipcc", llvm, cs_release, requires=("rocm-comgr = %s-%s" % (llvm, cs_release),)),
    ]


ROCM_NAMES = ["rocm-runtime", "rocm-hip", "rocm-hip-devel", "rocblas", "rocblas-devel",
              "hipblas", "rocm-smi", "rocm-comgr", "hipcc"]


def unrelated(version, epel_minor):
    return [Pkg("zstd-tools", version, "1.el10_%d" % epel_minor)]


def torch(version, epel_minor, hip_so, rocblas_so):
    """A consumer: built against ROCm, versioned on its own."""
    return Pkg("python3-torch", version, "1.el10_%d" % epel_minor,
               requires=(so(hip_so), so(rocblas_so)))


def epel_10_1(patch="6.4.2"):
    """EPEL 10.1: ROCm 6.4."""
    return (rocm_stack(patch, 1, "libamdhip64.so.6", "librocblas.so.4", "libhipblas.so.2",
                       "libamd_comgr.so.3", "19")
            + unrelated("1.5.6", 1) + [torch("2.5.1", 1, "libamdhip64.so.6", "librocblas.so.4")])


def epel_10_2(patch="7.1.1"):
    """EPEL 10.2: ROCm 7.1, plus the 6.4 compat libraries."""
    return (rocm_stack(patch, 2, "libamdhip64.so.7", "librocblas.so.5", "libhipblas.so.3",
                       "libamd_comgr.so.3", "20")
            + unrelated("1.5.7", 2) + [torch("2.7.1", 2, "libamdhip64.so.7", "librocblas.so.5")]
            + [Pkg("rocblas6.4", "6.4.2", "1.el10_2"), Pkg("rocm-hip6.4", "6.4.2", "1.el10_2")])


def epel_10_3(lagging=("rocm-smi",)):
    """EPEL 10.3: ROCm 7.2, except packages that lag at 7.1 (Fedora does that)."""
    stack = rocm_stack("7.2.0", 3, "libamdhip64.so.7", "librocblas.so.5", "libhipblas.so.3",
                       "libamd_comgr.so.3", "22")
    old = {p.name: p for p in rocm_stack("7.1.1", 2, "libamdhip64.so.7", "librocblas.so.5",
                                         "libhipblas.so.3", "libamd_comgr.so.3", "20")}
    return ([old[p.name] if p.name in lagging else p for p in stack]
            + unrelated("1.5.7", 2) + [torch("2.7.1", 2, "libamdhip64.so.7", "librocblas.so.5")])


def epoch_revert():
    """Beside EPEL 10.1 at 6.4.1: rocblas rebuilt at 6.3.9 with Epoch 1, as packagers revert
    an update; `upgrade` takes it, a move back to 6.3 (install rocm-runtime, rocm-hip and
    rocblas first, as for pairing_edges)."""
    rocblas = {p.name: p for p in epel_10_1("6.4.1")}["rocblas"]
    return [replace(rocblas, version="6.3.9", epoch=1)]


REVERTED = "rocm_notice: this transaction moves ROCm 6.4 \u2192 6.3 (minor, downgrade): 1 package"
# What every front end adds when lock or block lets a move back through (% the key).
RECOVERY = ("  Not stopped by policy (%s): going back to an older line is recovery, which a "
            "lock or block never holds back or refuses.")

MIXES = "rocm_notice: this transaction mixes ROCm stacks"
REFUSES_71 = ("rocm_notice: blocked by policy (on_major = block): this transaction would move "
              "ROCm 6.4 \u2192 7.1 (major): 1 package; nothing was changed.")


def pairing_edges():
    """Offers beside EPEL 10.1 at 6.4.1 (rocm-runtime, rocm-hip and rocblas installed) that
    pair with an installed build by name but not otherwise, or replace one by another name:
    (label, packages offered, the line every front end says first under block, or None)."""
    new = {p.name: p for p in epel_10_1("6.4.2")}
    rocblas, hip = new["rocblas"], new["rocm-hip"]
    return [
        ("epoch", [replace(rocblas, epoch=1)], None),
        ("arch", [replace(rocblas, arch="x86_64")], None),
        ("amd-version", [replace(rocblas, version="6.4.43484.60402", release="1.el10")],
         MIXES),
        ("amd-name", [replace(hip, name="rocm-hip-runtime", obsoletes=("rocm-hip < 6.4.2",))],
         MIXES),
        ("other-line", [replace(hip, name="gpu-runtime-next", version="7.1.1",
                                obsoletes=("rocm-hip < 7",))], REFUSES_71),
    ]
