"""The native plugins' helper: libdnf's (PackageKit, microdnf) and libdnf5's (dnf5) C++
plugins run ``helper`` with what their package manager holds in memory, and do what it
answers. ``names`` writes the file by which they start it only for a transaction that may
move ROCm."""
