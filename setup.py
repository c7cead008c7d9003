"""Installs the pure-Python core (``rocm_notice``) with its data files.

The dnf plugin module (``dnf-plugins/rocm_notice.py``) and the configuration are placed
by the RPM spec, since they live outside a Python package.
"""

import re
from pathlib import Path

from setuptools import setup

VERSION = re.search(r'^__version__ = "([^"]+)"',
                    (Path(__file__).parent / "rocm_notice" / "__init__.py").read_text(),
                    re.M).group(1)

setup(
    name="rocm-epel-notice",
    version=VERSION,
    description="dnf plugin: notice, hold or block ROCm release crossings on EPEL 10",
    license="MIT",
    packages=["rocm_notice"],
    package_data={"rocm_notice": ["data/*.ini"]},
    python_requires=">=3.9",
)
