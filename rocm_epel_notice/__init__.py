"""rocm-epel-notice: the pure-Python core of the ROCm release-crossing dnf plugin.

No core module imports dnf, so every decision it makes can be tested with plain
records. The front ends' adapters (``dnf4_*``, ``dnf5_*``, ``libdnf_helper``) read their
package manager into those records; the dnf 4 plugin itself lives in
``dnf-plugins/rocm_notice.py``. No core module imports an adapter
(tests/unit/test_layers.py).
"""

__version__ = "0.1.0"
