"""Which RPMs belong to the Fedora/EPEL ROCm stack.

The packagers' rule: "the set of ROCm packages consist of all packages co-maintained by
the rocm-packagers-sig that have EPEL branches" -- a list of SOURCE packages (dist-git
repositories). So a package is ROCm when its name is listed below (ROCM, the fast
path: dnf finds listed names by hash) OR when the source RPM it was built from is
listed in SOURCES (its rpm header's SOURCERPM, in repository metadata and in the
rpmdb; debuginfo packages share it). A new subpackage of a listed source is ROCm
before anyone lists its name here. A package built from a compat source
(<source>X.Y, e.g. rocm-runtime7.2) is compat, whatever its name.

Admins adjust the set without editing this file, in /etc/dnf/plugins/rocm_notice.conf
(or a drop-in in rocm_notice.d/):
    include = glob ...    names to treat as ROCm in addition to this list
    exclude = glob ...    names never to treat as ROCm (whatever their source)

Format: one tuple of bare names per section, nothing but literals (Python data, as
dnf-plugins-core keeps needs-restarting's package list: read from the bytecode cache in
the time a text file takes to open, on every dnf transaction; tests/unit/test_data.py
checks that the module holds nothing else). A name in ROCM also matches <name><suffix>
for one suffix in SUFFIXES (rocm-llvm-filesystem = rocm-llvm + -filesystem), optionally
with a per-GPU segment before it (rocblas-gfx950-devel) and rpm's -debuginfo after it;
so list base names, and list explicitly only subpackages whose names do not follow that
rule. Parallel-installable compat packages (<name><major>.<minor>[-suffix], e.g. rocblas7.2,
rocm-hip7.2-devel, built with the specs' "--with compat") are recognised by pattern in
the code and are not listed here.

Checked 2026-11 against every binary name the ROCm specs build (291 names, ROCm 6.4.2
to 7.14, EL10 and Fedora, optional builds on; the table is tests/data/rocm-names.tsv,
and tests/unit/test_names.py classifies every row of it). Issue 12 measured the
earlier list over Fedora's ~70,000 binary names: no false positive; the names added
since are the SIG's own subpackages.

Sources:
  [F-specs]  major/fedora-rpm-specs at 10e71f1b9 (2026-08-22), specs/<source>.spec: a
             GitHub mirror of Fedora's dist-git; every source in SOURCES has a spec
             there except hsakmt (retired, see below)
  [F-meta]   specs/rocm.spec there and r0x0d/fedora-rpm-specs specs/rocm.spec (6.4.3-4):
             the "rocm", "rocm-devel" and "rocm-test" meta packages' Requires
  [F-cs]     specs/rocm-compilersupport.spec there (22-13.rocm7.2.1, 23-1.rocm7.14.0)
  [F-clr]    specs/rocclr.spec there (7.2.2) and r0x0d/fedora-rpm-specs (6.4.1)
  [F-rt]     specs/rocm-runtime.spec and rocm-runtime7.2.spec there
  [FPKG]     packages.fedoraproject.org, pages read 2026-11 (addresses on the lines)
  [AMD-pmi]  ROCm/rocm-install-on-linux docs/how-to/native-install/package-manager-integration.rst
             = https://rocm.docs.amd.com/projects/install-on-linux/en/latest/reference/package-manager-integration.html
"""

ROCM = (
    # --- meta packages (rocm, rocm-devel, rocm-test) [F-meta]; Version = ROCm release
    "rocm",
    # --- runtime, HIP, OpenCL, core tools
    "rocm-core",
    "rocm-cmake",
    # rocm-filesystem: own source package since 7.2 ("Use rocm-filesystem via rocm-cmake"), Version = ROCm release [F-specs]
    "rocm-filesystem",
    # rocm-rpm-macros (+ rocm-rpm-macros-modules) [F-specs]; Version = ROCm release (7.2.0-3)
    "rocm-rpm-macros",
    # rocm-runtime (+ -devel, -static) [F-rt]
    "rocm-runtime",
    # kfdtest: built from rocm-runtime ("%package -n kfdtest", on by default) [F-rt]; also
    # from the compat source rocm-runtime7.2 under the same name (bcond kfdtest, off by
    # default), which makes that build compat; and from hsakmt before 2025.
    "kfdtest",
    # hsakmt (+ -devel): a source package of its own until 2025, then merged into
    # rocm-runtime (rocm-runtime-devel "Provides: hsakmt-devel"; changelog 6.3.2-3 "Fix the
    # upgrade path for hsakmt-devel") [FPKG rocm-runtime-devel/epel-10.1]. No spec any more;
    # old installs still carry it.
    "hsakmt",
    # rocclr source package builds rocm-hip(-devel), rocm-opencl(-devel), rocm-clinfo [F-clr].
    # Note: OpenCL is not built for RHEL < 11 (bcond ocl off: "No ocl-icd-devel in cs9,cs10").
    "rocclr",
    "rocm-hip",
    "rocm-opencl",
    "rocm-clinfo",
    # hip-doc: rocclr's docs subpackage (--with docs, off by default). AMD's repository uses
    # the name too; its builds are told apart by their version format, as for rocblas.
    "hip-doc",
    "rocminfo",
    "rocm-smi",
    "amdsmi",
    # (the rocm-compilersupport family: COMPILERSUPPORT below, ROCm as these are)
    # rocm-omp (+ -devel, -static): own source package, Version = ROCm release (6.4.2-1.el10_1,
    # 7.1.1-2.el10_2 [FPKG .../rocm-omp/rocm-omp-static/epel-10.1.html, epel-10.2.html]);
    # the 7.13 "preview" compilersupport build also makes rocm-omp-devel and Obsoletes rocm-omp-devel <= 7.3.
    "rocm-omp",
    # --- math, FFT, RAND, sparse, solver, primitives
    "rocblas",
    "hipblas",
    "hipblas-common",
    "hipblaslt",
    "hipsparselt",
    "rocfft",
    "hipfft",
    "rocrand",
    "hiprand",
    "rocsparse",
    "hipsparse",
    "rocsolver",
    "hipsolver",
    "rocprim",
    "hipcub",
    "rocthrust",
    "rocalution",
    "rocwmma",
    # Tensile: source python-tensile, binary python3-tensile-devel (Provides python3-tensile),
    # Version = ROCm release (6.4.0-8) [F-specs]; python-tensile for its -debugsource
    "python3-tensile",
    "python-tensile",
    # composable_kernel(-devel): EPEL 10.2 7.1.1-5.el10_2, EPEL 10.3 testing 7.2.0-2.el10_3
    # [FPKG https://packages.fedoraproject.org/pkgs/composable_kernel/composable_kernel-devel/]
    "composable_kernel",
    "hipfort",
    "mxdatagenerator",
    "rocroller",
    "rocshmem",
    "rocm-origami",
    # --- ML, communication, media, vision
    "miopen",
    "rccl",
    # rccl-tests: Version is a git snapshot ("git20251018.abc1234"), not a ROCm release:
    # such a build has an unknown release (never a crossing, never held) [F-specs]
    "rccl-tests",
    "migraphx",
    "mivisionx",
    "rocal",
    "rocm-rpp",
    "rocdecode",
    "rocjpeg",
    # --- profiling / tracing
    "roctracer",
    "rocprofiler-register",
    "aqlprofile",
    # rocdbgapi(-devel): EPEL 10.2 7.1.0-3.el10_2 [FPKG https://packages.fedoraproject.org/pkgs/rocdbgapi/rocdbgapi-devel/epel-10.2.html];
    # spec [F-specs] specs/rocdbgapi.spec (7.2.0)
    "rocdbgapi",
    # rocprofiler-sdk: named in AMD docs, but no Fedora spec for it was found (2026-11):
    # not listed, because AMD's repository uses the same name. Add it with include = if Fedora has it.
    # --- developer tools, examples, tests [F-meta]
    "hipify",
    "rocm-examples",
    "rocm-bandwidth-test",
    "rocm-validation-suite",
    "hip-tests",
    "rocm-transferbench",
    "rocm-primbench",
    # rocm-stinkytofu also builds python3-stinkytofu [F-specs]
    "rocm-stinkytofu",
    "python3-stinkytofu",
    # rocm-rdc(-devel): rocm-devel 7.2.0-3 "Add rocm-rdc" (EPEL 10.3: rocm-devel 7.2.0-4.el10_3
    # pulls it in) [FPKG https://packages.fedoraproject.org/pkgs/rocm/rocm-devel/epel-10.3.html]
    "rocm-rdc",
    # Not listed on purpose:
    #   half / half-devel: required by rocm-devel but it is the generic "half" C++ header library
    #     (version 1.12.0 in every ROCm line per AMD's compatibility matrix), not ROCm-versioned.
    #   hip-devel: Fedora dropped it at ROCm 6.0 (rocclr changelog 6.3.1-2: "We dropped the
    #     hip-devel package in 6.0"); now only a Provides of rocm-hip-devel; AMD uses the name.
)

SUFFIXES = (
    # Seen as "%package <suffix>" / "%package -n <name>-<suffix>" in the specs above.
    "-devel",
    "-static",
    "-libs",
    "-test",
    "-filesystem",
    "-macros",
    "-modules",
    # rccl-data [F-specs rccl.spec "%package data"]
    "-data",
    # rocm-clang-tools-extra-devel etc. are covered by -devel; -doc is used by hip-doc only.
    "-doc",
    # produced by rpm itself for every arch package (debuginfo repositories), not in specs
    "-debuginfo",
    "-debugsource",
)

COMPILERSUPPORT = (
    # ROCm base names listed here only (the catalog counts them as ROCM), built from
    # rocm-compilersupport.spec [F-cs]: Version = LLVM major
    # (18 for ROCm 6.2/6.3, 19 for 6.4, 20 for 7.0/7.1, 22 for 7.2 per its changelog),
    # Release = N.rocmX.Y.Z%{?dist}, e.g. 22-13.rocm7.2.1.
    # Binary packages: rocm-compilersupport-macros, rocm-device-libs, rocm-comgr(-devel),
    # hipcc, rocm-llvm(-filesystem,-libs,-devel,-static), rocm-clang(-libs,-devel),
    # rocm-clang-runtime-devel, rocm-clang-tools-extra(-devel), rocm-clang-analyzer,
    # rocm-lld, rocm-libc++(-devel,-static; only --with libcxx, Obsoleted since 22-9).
    # rocm-comgr additionally Provides rocm-comgr = <comgr API version> (3.0.0) and
    # comgr(major) = 3: the package Version is still the LLVM major.
    "rocm-compilersupport",
    "rocm-device-libs",
    "rocm-comgr",
    "hipcc",
    "rocm-llvm",
    "rocm-clang",
    "rocm-clang-runtime-devel",
    "rocm-clang-tools-extra",
    "rocm-clang-analyzer",
    "rocm-lld",
    "rocm-libc++",
    # hipcc-libomp-devel: a compilersupport subpackage, in EPEL 10.2 as 20-7.rocm7.1.0.el10_2
    # (Requires hipcc = 20-7.rocm7.1.0.el10_2)
    # [FPKG https://packages.fedoraproject.org/pkgs/rocm-compilersupport/hipcc-libomp-devel/epel-10.2.html]
    "hipcc-libomp-devel",
)

INDEPENDENT = (
    # ROCm-stack base names (or source packages) whose RPM Version is NOT the ROCm release, so
    # that Version alone never counts (the rocm-compilersupport family above is included).
    # None at present. Versions that are no ROCm release are handled per build by what the
    # Version is: aqlprofile's first Fedora builds were "0.0^git20250526.eebb229-1..3"
    # (Jul-Aug 2025), which reads as an unknown release (never a crossing, never held), and
    # from 7.0.1-1 on its Version is the ROCm release, held and counted like the rest
    # [r0x0d/fedora-rpm-specs specs/aqlprofile.spec changelog]; rccl-tests' "git<date>.<commit>"
    # likewise. Checked: Version = %{rocm_version} in every other source of SOURCES
    # [F-specs, 2026-08]: amdsmi, rocm-rpm-macros, hipblaslt, rocm-filesystem, python-tensile,
    # rocm-omp, rocm-bandwidth-test, rocm-smi, rocm-cmake, rocm-runtime, rocclr, hipfort,
    # rocm-origami, rocshmem, rocroller, rocm-transferbench, rocm-stinkytofu, mxdatagenerator,
    # rocm-primbench, rocm-examples, hip-tests, rocdbgapi, rocm-rdc, rocm-validation-suite,
    # composable_kernel, hipify, rocm.
)

AMD = (
    # Names used only by AMD's repository (repo.radeon.com / amdgpu-install), taken from
    # [AMD-pmi] (meta packages and their member packages). Their Version carries AMD's own
    # scheme (e.g. hip-runtime-amd-6.4.43484.60402, hsa-amd-aqlprofile-1.0.0.60102).
    "rocm-language-runtime",
    "rocm-developer-tools",
    "rocm-hip-runtime",
    "rocm-hip-runtime-devel",
    "rocm-hip-libraries",
    "rocm-hip-sdk",
    "rocm-opencl-runtime",
    "rocm-opencl-sdk",
    "rocm-ml-libraries",
    "rocm-ml-sdk",
    "rocm-openmp-runtime",
    "rocm-openmp-sdk",
    "hip-runtime-amd",
    "hsa-rocr",
    "hsa-rocr-devel",
    "hsakmt-roct",
    "hsakmt-roct-devel",
    "comgr",
    "hipify-clang",
    "hsa-amd-aqlprofile",
    "amd-smi-lib",
    "rocm-smi-lib",
    "miopen-hip",
    "miopen-hip-devel",
    "composablekernel-devel",
    "openmp-extras-runtime",
    "openmp-extras-devel",
    "rocprofiler-plugins",
    # Names AMD's repository uses that COLLIDE with Fedora names (so they are NOT listed here;
    # AMD's builds of them are told apart by their version format instead): rocm, rocm-core,
    # rocm-cmake, rocm-llvm, rocm-device-libs, rocminfo, rocm-opencl, rocm-opencl-devel,
    # hipcc, hip-devel, hip-doc, rocblas, hipblas, hipblaslt, hipfft, hiprand, hipsolver,
    # hipsparse, rccl, rocalution, rocfft, rocrand, rocsolver, rocsparse, rocprim, rocthrust,
    # hipcub, rocwmma, roctracer, migraphx, mivisionx and their -devel packages.
    # Not classified (no Fedora spec found, not confirmed AMD-only): rocprofiler,
    # rocprofiler-devel, rocprofiler-sdk, rocm-dbgapi (Fedora's is rocdbgapi), rocm-gdb,
    # rocm-debug-agent, hiptensor.
)

SOURCES = (
    # The rocm-packagers-sig's source packages (dist-git repositories) with EPEL or Fedora
    # branches [F-specs], plus retired ones old installs still carry. Every package built
    # from one of these is ROCm; from <source>X.Y (rocblas7.2, rocm-runtime7.2), compat.
    # The binary names of each are in ROCM above (the fast path); this list is what
    # recognises a subpackage nobody has listed yet.
    "amdsmi",
    "aqlprofile",
    "composable_kernel",
    "hip-tests",
    "hipblas",
    "hipblas-common",
    "hipblaslt",
    "hipcub",
    "hipfft",
    "hipfort",
    "hipify",
    "hiprand",
    "hipsolver",
    "hipsparse",
    "hipsparselt",
    # hsakmt: retired 2025 (merged into rocm-runtime); no spec any more [FPKG]
    "hsakmt",
    "migraphx",
    "miopen",
    "mivisionx",
    "mxdatagenerator",
    "python-tensile",
    "rccl",
    "rccl-tests",
    "rocal",
    "rocalution",
    "rocblas",
    # rocclr builds rocm-hip(-devel), rocm-opencl(-devel), rocm-clinfo, hip-doc [F-clr]
    "rocclr",
    "rocdbgapi",
    "rocdecode",
    "rocfft",
    "rocjpeg",
    # rocm: the meta packages rocm, rocm-devel, rocm-test [F-meta]
    "rocm",
    "rocm-bandwidth-test",
    "rocm-cmake",
    # rocm-compilersupport: Version = LLVM major (listed in COMPILERSUPPORT too)
    "rocm-compilersupport",
    "rocm-core",
    "rocm-examples",
    "rocm-filesystem",
    "rocm-omp",
    "rocm-origami",
    "rocm-primbench",
    "rocm-rdc",
    "rocm-rpm-macros",
    "rocm-rpp",
    "rocm-runtime",
    "rocm-smi",
    "rocm-stinkytofu",
    "rocm-transferbench",
    "rocm-validation-suite",
    "rocminfo",
    "rocprim",
    "rocprofiler-register",
    "rocrand",
    "rocroller",
    "rocshmem",
    "rocsolver",
    "rocsparse",
    "rocthrust",
    "roctracer",
    "rocwmma",
)

NOT_ROCM = (
    # Our own packages: the libdnf front end (the main package), the core, the dnf 4
    # plugin and the dnf5 front end.
    "python3-dnf-plugin-rocm-epel-notice",
    "python3-rocm-epel-notice",
    "rocm-epel-notice",
    "rocm-epel-notice-dnf5",
)
