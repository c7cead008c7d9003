"""rocm-epel-notice's build: the core package rocm_notice (its metadata and the list of its
packages are in pyproject.toml; the spec builds it with the pyproject macros)."""

from setuptools import setup

setup()
