# One entry point. The virtualenv is created from the pinned requirements on first use.
SHELL := /bin/bash
STACK ?= staging
.DEFAULT_GOAL := help
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
REQUIREMENTS := requirements.txt requirements-dev.txt policies/requirements.txt

.PHONY: help preview test lint bench clean policy-venvs package-policy-packs new-stack regen doc-commands

## help: this list of targets (the default)
help:
	@grep -hE '^## [a-z-]+:' $(MAKEFILE_LIST) | sed -E 's/^## ([a-z-]+): /  \1\t/' | expand -t 24

$(STAMP): $(REQUIREMENTS)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

## preview: offline preview of STACK (default staging) with the three packs; JSON=, MARKDOWN= files
# make exits 2 whenever a recipe fails and names the program's own code in its last line
# ("Error 1"); scripts that branch on the code run the command itself (README, Exit codes).
# 141 is the preview's quiet exit when the reader closes the pipe (`make preview | head`): done.
PREVIEW_COMMAND = $(BIN)/python -m tools.offline.preview --stack $(STACK) $(if $(JSON),--json $(JSON)) $(if $(MARKDOWN),--markdown $(MARKDOWN))
preview: $(STAMP)
	@echo '$(PREVIEW_COMMAND)' >&2
	@$(PREVIEW_COMMAND); code=$$?; if [ $$code -ne 141 ]; then exit $$code; fi

## test: the whole test suite (mocks only, no cloud)
# Bytecode is cached (in the ignored __pycache__ directories) even where PYTHONDONTWRITEBYTECODE
# is set: without it each worker recompiles the project and pytest rewrites every test module's
# asserts again on every run (about 10 s of CPU, half the collection).
test: $(STAMP)
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest -q -n 2

## doc-commands: every command in README and docs/: offline ones run in a copy, the rest checked
doc-commands: $(STAMP)
	$(BIN)/python -m tools.doc_commands

## bench: timings on this machine (medians; QUICK=1 for fewer runs), JSON=file too
bench: $(STAMP)
	$(BIN)/python -m tools.bench.run $(if $(QUICK),--quick) $(if $(JSON),--json $(JSON))

## regen: refresh every generated file (cost figures, diagram, policy tables, bench counts)
regen: $(STAMP)
	$(BIN)/python -m tools.regen
	@git status --short -- docs README.md policies

## lint: ruff (lint and format check) and the workflow audit
lint: $(STAMP) lint-workflows
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## policy-venvs: each pack's own venv, which `pulumi preview --policy-pack <dir>` needs
# (PulumiPolicy.yaml names it; the CLI installs only published packs).
policy-venvs:
	@set -e; for pack in guardrails cost deploy; do \
	  test -x policies/$$pack/venv/bin/python || $(PYTHON) -m venv policies/$$pack/venv; \
	  policies/$$pack/venv/bin/python -m pip install --quiet --disable-pip-version-check \
	    -r policies/$$pack/requirements.txt; \
	done

## package-policy-packs: self-contained pack directories for `pulumi policy publish`
package-policy-packs: $(STAMP)
	$(BIN)/python -m tools.package_policy_packs

## new-stack: NAME=dev FROM=staging: Pulumi.NAME.yaml and its policy configs, copied from FROM
new-stack: $(STAMP)
	@test -n "$(NAME)" || { echo 'make new-stack: NAME=<stack> is required (FROM=staging by default)' >&2; exit 2; }
	$(BIN)/python -m tools.new_stack --name $(NAME) --from $(or $(FROM),staging)

## clean: remove the virtualenv and caches
clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

.PHONY: lint-workflows
## lint-workflows: zizmor (offline audits) over the GitHub Actions workflows, then the gate
# invariants and pins (no gate can be skipped or ignored; docs/delivery.md). actionlint is not
# run: no registry this project installs from ships a current build (docs/delivery.md).
lint-workflows: $(STAMP)
	$(BIN)/zizmor --offline --no-progress .github/workflows
	$(BIN)/python -m pytest -q -p no:xdist tests/delivery/test_gate_invariants.py tests/delivery/test_workflows.py
