# rocm-epel-notice. Every target installs what it needs first (tools/ensure-deps).
PYTHON ?= /usr/bin/python3

.PHONY: all check unit e2e demo deps deps-packages clean clean-roots bench libdnf-plugin \
        dnf5-plugin

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

# -- the native plugins: libdnf's (PackageKit, microdnf) and libdnf5's (dnf5) ---------------
# Both run the helper at HELPER (installed there by the RPM) and read the names file at
# NAMES (built here: build/native/names); tests point them elsewhere with
# ROCM_NOTICE_HELPER and ROCM_NOTICE_NAMES. native/helper_client.hpp is their shared part.
CXX ?= g++
HELPER ?= /usr/libexec/rocm-epel-notice/rocm-epel-notice-helper
NAMES ?= /usr/share/rocm-epel-notice/names
NATIVE_DEFINES = '-DROCM_NOTICE_HELPER="$(HELPER)"' '-DROCM_NOTICE_NAMES="$(NAMES)"'
# One build per libdnf (libdnf5) version (the test platforms' roots share this checkout):
# the tests use build/libdnf-plugin/libdnf-VERSION/rocm_notice.so and
# build/dnf5-plugin/libdnf5-VERSION/rocm_notice.so; the spec builds
# build/libdnf-plugin/rocm_notice.so and build/dnf5-plugin/rocm_notice.so. The version is
# asked only once deps has run.

# (plain "make", not $(MAKE): "make -n check" must not run pkg-config before deps has.)
libdnf-plugin: deps
	@make -s build/libdnf-plugin/libdnf-$$(pkg-config --modversion libdnf)/rocm_notice.so

# Where libdnf5 is installed (Debian unstable, Fedora): the dnf5 tests build it in their root.
dnf5-plugin:
	@make -s build/dnf5-plugin/libdnf5-$$(pkg-config --modversion libdnf5)/rocm_notice.so

# Built under a name of its own, then renamed into place: a test platform's libdnf may
# be loading the plugin while the other platform's run rebuilds it (make check runs both).
build/libdnf-plugin%rocm_notice.so: \
        libdnf-plugin/rocm_notice.cpp native/helper_client.hpp
	@mkdir -p $(@D)
	$(CXX) -std=c++14 -O2 -g -Wall -Wextra -fPIC -shared $(CXXFLAGS) \
	    $$(pkg-config --cflags libdnf) $(NATIVE_DEFINES) \
	    -o $@.$$$$.partial $< -Wl,--as-needed $$(pkg-config --libs libdnf) -lgobject-2.0 \
	    $(LDFLAGS) && mv -f $@.$$$$.partial $@

# libdnf5's headers need C++20.
build/dnf5-plugin%rocm_notice.so: \
        dnf5-plugin/rocm_notice.cpp native/helper_client.hpp
	@mkdir -p $(@D)
	$(CXX) -std=c++20 -O2 -g -Wall -Wextra -fPIC -shared $(CXXFLAGS) \
	    $$(pkg-config --cflags libdnf5 rpm) $(NATIVE_DEFINES) \
	    -o $@.$$$$.partial $< -Wl,--as-needed $$(pkg-config --libs libdnf5 rpm) \
	    $(LDFLAGS) && mv -f $@.$$$$.partial $@

# What may make a transaction ROCm's, for the plugins: written from the catalog
# (rocm_notice/frontends/native/names.py).
build/native/names: rocm_notice/catalog/package_set.py rocm_notice/catalog/catalog.py \
        rocm_notice/frontends/native/names.py
	@mkdir -p $(@D)
	$(PYTHON) -m rocm_notice.frontends.native.names > $@.$$$$.partial && mv -f $@.$$$$.partial $@

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
# The dnf5 front end's plugin builds against libdnf5: without it (Debian 12 and 13, EL10),
# the spec builds every package but rocm-epel-notice-dnf5.
RPMDNF5 = $(shell pkg-config --exists libdnf5 2>/dev/null || echo --without dnf5)
RPMBUILD = rpmbuild --define '_topdir $(RPMTOP)' $(RPMDEBIAN) $(RPMDNF5) $(RPMFLAGS)

.PHONY: tarball srpm rpm rpmlint

# Only what git tracks (commit or 'git add' a new file before building).
tarball:
	@mkdir -p $(RPMTOP)/SOURCES
	git ls-files -z --cached | tar --null -T - --transform 's,^,$(NAME)-$(VERSION)/,' \
	    -czf $(RPMTOP)/SOURCES/$(NAME)-$(VERSION).tar.gz

srpm: tarball
	$(RPMBUILD) -bs $(NAME).spec

# One spec builds every package: the main one and the dnf5 one are arch-specific (the
# plugins are compiled), the Python ones are noarch. Offline: only the distribution's packages are
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
