"""rocm-epel-notice: the pure-Python core of the ROCm release-crossing dnf plugin.

Nothing in this package imports dnf, so every decision it makes can be tested with
plain records. The dnf glue lives in ``dnf-plugins/rocm_notice.py``.
"""

__version__ = "0.1.0"
