# rocm-epel-notice. Every target installs what it needs first (tools/ensure-deps).
PYTHON ?= /usr/bin/python3

.PHONY: all check unit e2e demo deps deps-packages clean clean-roots bench libdnf-plugin

all: check

deps:
	@sh tools/ensure-deps

deps-packages:
	@sh tools/ensure-deps --packages-only

# The whole suite on every test platform: the host's dnf, then Debian 13's (dnf 4.23) in a
# cached root (tests/harness/platforms.py). PLATFORMS=host (or debian13) runs one.
PLATFORMS ?=
check: deps libdnf-plugin
	$(PYTHON) -m tests.harness.platforms $(PLATFORMS:%=--platform %) tests

unit: deps
	$(PYTHON) -m pytest -q -p no:cacheprovider tests/unit

e2e: deps libdnf-plugin
	$(PYTHON) -m pytest -q -p no:cacheprovider tests/e2e

demo: deps
	$(PYTHON) tools/demo.py

clean:
	rm -rf .cache build dist *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

# The test platforms' Debian roots and the builds made in them, kept for every checkout
# of this machine (tests/harness/roots.py: MACHINE_CACHE): rebuilt on next use.
clean-roots:
	$(PYTHON) -c 'from tests.harness import roots; roots.clean()'

# -- the libdnf plugin (issue 14): PackageKit and microdnf ---------------------------
# build/libdnf-plugin/rocm_notice.so runs the helper at LIBDNF_HELPER (installed there
# by the RPM); tests point it elsewhere with ROCM_NOTICE_HELPER.
CXX ?= g++
LIBDNF_HELPER ?= /usr/libexec/rocm-epel-notice/rocm-epel-notice-libdnf
# ... and reads the names file there (built here: build/libdnf-plugin/names).
LIBDNF_NAMES ?= /usr/share/rocm-epel-notice/libdnf-names
# One build per libdnf version (the Debian 13 root shares this checkout): the tests use
# build/libdnf-plugin/libdnf-VERSION/rocm_notice.so; the spec builds
# build/libdnf-plugin/rocm_notice.so. The version is asked only once deps has run.

# (plain "make", not $(MAKE): "make -n check" must not run pkg-config before deps has.)
libdnf-plugin: deps
	@make -s build/libdnf-plugin/libdnf-$$(pkg-config --modversion libdnf)/rocm_notice.so

# Built under a name of its own, then renamed into place: a test platform's libdnf may
# be loading the plugin while the other platform's run rebuilds it (make check runs both).
%/rocm_notice.so: libdnf-plugin/rocm_notice.cpp
	@mkdir -p $(@D)
	$(CXX) -std=c++14 -O2 -g -Wall -Wextra -fPIC -shared $(CXXFLAGS) \
	    $$(pkg-config --cflags libdnf) '-DROCM_NOTICE_HELPER="$(LIBDNF_HELPER)"' \
	    '-DROCM_NOTICE_NAMES="$(LIBDNF_NAMES)"' \
	    -o $@.$$$$.partial $< -Wl,--as-needed $$(pkg-config --libs libdnf) -lgobject-2.0 \
	    $(LDFLAGS) && mv -f $@.$$$$.partial $@

# What may make a transaction ROCm's, for the plugin: written from the catalog
# (rocm_notice/frontends/libdnf/names.py).
build/libdnf-plugin/names: rocm_notice/catalog/package_set.py rocm_notice/catalog/catalog.py \
        rocm_notice/frontends/libdnf/names.py
	@mkdir -p $(@D)
	$(PYTHON) -m rocm_notice.frontends.libdnf.names > $@.$$$$.partial && mv -f $@.$$$$.partial $@

# -- packaging (issue 5) -------------------------------------------------------------
NAME := rocm-epel-notice
VERSION := $(shell sed -n 's/^__version__ = "\(.*\)"/\1/p' rocm_notice/__init__.py)
RPMTOP ?= $(CURDIR)/build/rpm
# Debian's rpm has none of Fedora's Python macros: supply them, and skip the
# BuildRequires check (they name Fedora packages). On Fedora/EL neither happens.
# Each macro of packaging/debian-python.macros becomes a --define: rpm 4.20 (Debian 13)
# forgets macros loaded with --load by the time it parses the spec. Recursive (=): rpm is
# asked only when a recipe runs, after tools/ensure-deps.
RPMDEBIAN = $(shell [ -n "$$(rpm --eval '%{?python3_sitelib}')" ] || { echo --nodeps \
    "--define '_debian_pyproject $(CURDIR)/packaging/debian-pyproject.py'"; \
    sed -n "/^%/{s/'/'\\\\''/g;s/^%\([^ ]*\) \(.*\)$$/--define '\1 \2'/p;}" packaging/debian-python.macros; })
RPMBUILD = rpmbuild --define '_topdir $(RPMTOP)' $(RPMDEBIAN) $(RPMFLAGS)

.PHONY: tarball srpm rpm rpmlint

# Only what git tracks (commit or 'git add' a new file before building).
tarball:
	@mkdir -p $(RPMTOP)/SOURCES
	git ls-files -z --cached | tar --null -T - --transform 's,^,$(NAME)-$(VERSION)/,' \
	    -czf $(RPMTOP)/SOURCES/$(NAME)-$(VERSION).tar.gz

srpm: tarball
	$(RPMBUILD) -bs $(NAME).spec

# One spec builds every package: the main one is arch-specific (the libdnf plugin is
# compiled), the Python ones are noarch. Offline: only the distribution's packages are
# needed (deps-packages), not the tests' PyPI tools.
ARCH = $(shell rpm --eval '%{_arch}' 2>/dev/null)

rpm: deps-packages tarball
	$(RPMBUILD) -ba $(NAME).spec
	@ls $(RPMTOP)/SRPMS/*.src.rpm $(RPMTOP)/RPMS/noarch/*.noarch.rpm $(RPMTOP)/RPMS/$(ARCH)/*.rpm

rpmlint: rpm
	rpmlint -c packaging/rpmlint.toml $(NAME).spec $(RPMTOP)/SRPMS/$(NAME)-$(VERSION)-*.src.rpm \
	    $(RPMTOP)/RPMS/noarch/*.noarch.rpm $(RPMTOP)/RPMS/$(ARCH)/*.rpm

# Benchmark (issue 6), not part of check: caches a 20,000-package sandbox in
# .cache/bench, prints figures and PASS/FAIL, writes bench/RESULTS.md. Then a row per
# front end (bench/frontends.py: dnf 4, dnf5, microdnf, PackageKit in the test roots;
# added ms and second metadata loads, issue 23), and the scan over a 100,000-file tree
# (issue 15; .cache/bench-scan): bench/SCAN-RESULTS.md.
bench:
	@sh tools/ensure-deps --bench
	$(PYTHON) bench/run.py $(BENCHFLAGS)
	$(PYTHON) bench/frontends.py
	$(PYTHON) bench/scan.py
