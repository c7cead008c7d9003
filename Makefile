# rocm-epel-notice. Every target installs what it needs first (tools/ensure-deps).
PYTHON ?= /usr/bin/python3

.PHONY: all check unit e2e demo deps clean

all: check

deps:
	@sh tools/ensure-deps

check: deps
	$(PYTHON) -m pytest -q -ra -p no:cacheprovider tests

unit: deps
	$(PYTHON) -m pytest -q -p no:cacheprovider tests/unit

e2e: deps
	$(PYTHON) -m pytest -q -p no:cacheprovider tests/e2e

demo: deps
	$(PYTHON) tools/demo.py

clean:
	rm -rf .cache build dist *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
