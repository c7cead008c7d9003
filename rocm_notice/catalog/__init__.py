"""What the ROCm stack is: release versions, the package set, per-release facts and data."""
