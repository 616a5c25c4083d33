# selfhosted.postiz: `make deploy` sets up and runs the playbook, `make test` runs every test.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

VENV ?= .venv
BIN := $(VENV)/bin
EXTRA_VARS ?=
# Two scenarios at a time (each deploys into throw-away machines of its own), started
# longest first, so that the two lanes end close together.
JOBS ?= 2
SCENARIOS ?= default backup_restore upgrade multi oauth bad_input
COLLECTION_VERSION := $(shell sed -n 's/^version: *//p' galaxy.yml)
# Outside the clone: inside a git work tree ansible-test only sees tracked files.
BUILD ?= /tmp/selfhosted-postiz-build
# What the suite must leave as it found it on the host (tests/host_fingerprint.py).
FINGERPRINT ?= /tmp/selfhosted-postiz-host-fingerprint.json

export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export ANSIBLE_COLLECTIONS_PATH := $(CURDIR)/collections
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: deploy test static venv host-deps images lint sanity unit molecule collection clean

## deploy: create the venv and run site.yml against localhost (EXTRA_VARS=@file to add vars)
deploy: venv
	$(BIN)/ansible-playbook site.yml $(if $(EXTRA_VARS),-e $(EXTRA_VARS))

## test: lint, sanity, unit tests, then every Molecule scenario in throw-away machines
# The offline images build (mostly downloads and unpacking) beside the static checks.
# The host's fingerprint is taken before and compared after, whatever the outcome: the
# run fails, naming the difference, if anything but the suite's own objects changed.
test: venv host-deps
	$(BIN)/python tests/host_fingerprint.py record $(FINGERPRINT)
	rc=0; \
	$(MAKE) --no-print-directory -j2 --output-sync=target static images \
	  && $(MAKE) --no-print-directory molecule || rc=$$?; \
	$(BIN)/python tests/host_fingerprint.py compare $(FINGERPRINT) || rc=1; \
	exit $$rc

static: lint sanity unit

$(VENV)/.installed: requirements.txt requirements-test.txt constraints.txt
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet -r requirements-test.txt -c constraints.txt
	touch $@

venv: $(VENV)/.installed

## host-deps: Debian packages and a running Docker daemon for the Molecule scenarios
host-deps:
	bash tests/host-deps.sh

## images: build the offline test images (only those whose inputs changed)
images: venv host-deps
	bash tests/images/build.sh

lint: venv
	$(BIN)/ansible-lint
	$(BIN)/yamllint -s .

collection: venv
	rm -rf $(BUILD)
	$(BIN)/ansible-galaxy collection build --force --output-path $(BUILD) .
	$(BIN)/ansible-galaxy collection install --force --no-deps -p $(BUILD)/collections $(BUILD)/selfhosted-postiz-$(COLLECTION_VERSION).tar.gz

## sanity: ansible-test sanity on the built collection
sanity: collection
	bash tests/sanity/run.sh $(BUILD)/collections/ansible_collections/selfhosted/postiz

unit: venv
	$(BIN)/pytest -q tests/unit tests/double/tests

## molecule: every scenario, JOBS at a time (each has its own Compose project and ports)
molecule: images
	JOBS=$(JOBS) bash tests/run-scenarios.sh $(SCENARIOS)

clean:
	rm -rf $(BUILD) tests/output .pytest_cache
