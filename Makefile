# selfhosted.postiz: `make deploy` sets up and runs the playbook, `make test` runs every test.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

# The deploy venv (requirements.txt); `make test` adds the test toolchain to it
# (requirements-test.txt), so `make deploy` then `make test` on one clone share it.
VENV ?= .venv
BIN := $(VENV)/bin
# The oldest ansible-core meta/runtime.yml allows, for sanity, unit tests and syntax checks.
CORE217_VENV ?= .venv-core217
CORE217_BIN := $(CORE217_VENV)/bin
EXTRA_VARS ?=
# Two scenarios at a time (each deploys into throw-away machines of its own), started
# longest first, so that the two lanes end close together; bad_input before the last two,
# so that its second run (which waits for the first) does not end alone.
JOBS ?= 2
# A scenario@venv runs under that venv's ansible-core and Molecule (tests/run-scenarios.sh):
# bad_input, the shortest, once more under the oldest ansible-core, after its first run.
SCENARIOS ?= default upgrade swarm backup_restore multi oauth bad_input own_proxy email bad_input@$(CORE217_VENV)
COLLECTION_VERSION := $(shell sed -n 's/^version: *//p' galaxy.yml)
# Outside the clone: inside a git work tree ansible-test only sees tracked files.
BUILD ?= /tmp/selfhosted-postiz-build
# The Compose v3 schema for the Swarm stack file's checks; outside BUILD, which `collection` empties.
COMPOSE_SCHEMA_DIR ?= /tmp/selfhosted-postiz-compose-schema
export POSTIZ_COMPOSE_V3_SCHEMA := $(COMPOSE_SCHEMA_DIR)/config_schema_v3.8.json
# What the suite must leave as it found it on the host (tests/host_fingerprint.py).
FINGERPRINT ?= /tmp/selfhosted-postiz-host-fingerprint.json
# The antsibull tools (requirements-test.txt).
ANTSIBULL_CHANGELOG ?= $(BIN)/antsibull-changelog
ANTSIBULL_DOCS ?= $(BIN)/antsibull-docs

export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export ANSIBLE_COLLECTIONS_PATH := $(CURDIR)/collections
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: deploy test static venv test-venv core217-venv host-deps images lint sanity unit ee core217 molecule \
	molecule-core217 collection clean compose-schema \
	changelog changelog-lint docs-lint test-real

## deploy: create the venv and run site.yml against localhost (EXTRA_VARS=@file to add vars)
deploy: venv
	$(BIN)/ansible-playbook site.yml $(if $(EXTRA_VARS),-e $(EXTRA_VARS))

## test: lint, sanity, unit tests, then every Molecule scenario in throw-away machines
# The offline images build (mostly downloads and unpacking) beside the static checks.
# The host's fingerprint is taken before and compared after, whatever the outcome: the
# run fails, naming the difference, if anything but the suite's own objects changed.
test: test-venv host-deps
	$(BIN)/python tests/host_fingerprint.py record $(FINGERPRINT)
	rc=0; \
	$(MAKE) --no-print-directory -j2 --output-sync=target static images \
	  && $(MAKE) --no-print-directory molecule || rc=$$?; \
	$(BIN)/python tests/host_fingerprint.py compare $(FINGERPRINT) || rc=1; \
	exit $$rc

static: lint changelog-lint docs-lint sanity unit ee core217

## test-real: the default (deploy, MCP scheduling) and backup_restore scenarios with the real pinned
## images from the upstream registries, with the app's start time and memory; not part of `make test`.
## Where no registry answers it stops at once, saying so, with exit status 2 (tests/real/run.sh).
test-real:
	bash tests/real/run.sh

# Deploying needs only requirements.txt; the test toolchain goes on top, once asked for.
$(VENV)/.installed: requirements.txt constraints.txt
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet -r requirements.txt -c constraints.txt
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed requirements-test.txt requirements-unit.txt constraints.txt
	$(BIN)/pip install --quiet -r requirements-test.txt -c constraints.txt
	touch $@

# community.docker and its one dependency come from the deploy venv's `ansible` package
# (requirements.txt pins it), into this venv's site-packages, where ansible-core looks for
# collections as it does in .venv (Molecule resolves the collection's dependencies there too).
$(CORE217_VENV)/.installed: requirements-core217.txt requirements-unit.txt constraints-core217.txt $(VENV)/.installed
	python3 -m venv $(CORE217_VENV)
	$(CORE217_BIN)/pip install --quiet -r requirements-core217.txt -c constraints-core217.txt
	from=$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/ansible_collections; \
	$(CORE217_BIN)/ansible-galaxy collection install --force --no-deps \
	  -p $$($(CORE217_BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])') \
	  $$from/community/docker $$from/community/library_inventory_filtering_v1
	touch $@

## venv: the deploy venv; test-venv: it plus the test toolchain; core217-venv: ansible-core 2.17
venv: $(VENV)/.installed
test-venv: $(VENV)/.installed-test
core217-venv: $(CORE217_VENV)/.installed

## host-deps: Debian packages and a running Docker daemon for the Molecule scenarios
host-deps:
	bash tests/host-deps.sh

## images: build the offline test images (only those whose inputs changed)
images: test-venv host-deps
	bash tests/images/build.sh

lint: test-venv
	$(BIN)/ansible-lint
	$(BIN)/yamllint -s .
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

collection: venv
	rm -rf $(BUILD)
	$(BIN)/ansible-galaxy collection build --force --output-path $(BUILD) .
	$(BIN)/ansible-galaxy collection install --force --no-deps -p $(BUILD)/collections $(BUILD)/selfhosted-postiz-$(COLLECTION_VERSION).tar.gz

## changelog-lint: the changelog fragments and changelog.yaml are valid, and a change to plugins/
## or roles/ adds a fragment (base: CHANGELOG_BASE, else the merge-base with origin/main, else HEAD~1)
changelog-lint: test-venv
	$(ANTSIBULL_CHANGELOG) lint
	$(ANTSIBULL_CHANGELOG) lint-changelog-yaml changelogs/changelog.yaml
	bash tests/changelog/check_fragment.sh

## changelog: write CHANGELOG.md from changelogs/fragments/ (the version stays unreleased)
changelog: test-venv
	bash tests/changelog/generate.sh $(ANTSIBULL_CHANGELOG)

## docs-lint: the plugins' and roles' documentation markup, and the docsite (docs/docsite/)
docs-lint: test-venv
	$(ANTSIBULL_DOCS) lint-collection-docs --plugin-docs .

## sanity: ansible-test sanity on the built collection
sanity: collection test-venv
	bash tests/sanity/run.sh $(BUILD)/collections/ansible_collections/selfhosted/postiz

unit: test-venv compose-schema
	$(BIN)/pytest -q tests/unit tests/double/tests

## compose-schema: the Compose file format 3.8 schema the Swarm stack file is checked against
compose-schema: test-venv
	bash tests/swarm/compose-schema.sh $(COMPOSE_SCHEMA_DIR) $(BIN)/pip

## ee: ansible-builder finds the execution environment requirements the collection declares
ee: collection test-venv
	bash tests/ee/check.sh $(BUILD)

## core217: under ansible-core 2.17: sanity (on a copy of the built collection of its own, as
## ansible-test writes into it), the collection's unit tests, and every playbook's syntax check.
## Its Molecule scenario (molecule-core217) runs with the others, after the images are built.
core217: collection core217-venv compose-schema
	rm -rf $(BUILD)/collections-core217
	$(BIN)/ansible-galaxy collection install --force --no-deps -p $(BUILD)/collections-core217 $(BUILD)/selfhosted-postiz-$(COLLECTION_VERSION).tar.gz
	PATH=$(CURDIR)/$(CORE217_BIN):$$PATH bash tests/sanity/run.sh $(BUILD)/collections-core217/ansible_collections/selfhosted/postiz
	$(CORE217_BIN)/pytest -q -p no:cacheprovider tests/unit
	for playbook in site.yml playbooks/*.yml tests/host_instance.yml; do \
	  $(CORE217_BIN)/ansible-playbook --syntax-check $$playbook; \
	done

## molecule: every scenario, JOBS at a time (each has its own Compose project and ports)
molecule: images core217-venv
	JOBS=$(JOBS) bash tests/run-scenarios.sh $(SCENARIOS)

## molecule-core217: only bad_input, under ansible-core 2.17 and its Molecule (.venv-core217)
molecule-core217: images core217-venv
	bash tests/run-scenarios.sh bad_input@$(CORE217_VENV)

clean:
	rm -rf $(BUILD) tests/output .pytest_cache
