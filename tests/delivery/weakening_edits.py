"""Gate-weakening edits: small, valid patches a hurried or hostile engineer could make to the
delivery path (workflows, Makefile, .ci/run, test and lint config, policy configs, stack files,
gate thresholds). Each leaves its file parseable and switches a guardrail off in effect. Written
blind (before reading the gate tests' code), so the gates are judged on edits they were not
shaped around; `BENIGN_EDITS` are changes that weaken nothing and must keep passing.

`python -m tests.delivery.weakening_score` applies each edit to a copy of the repository and runs
the gate tests (and, for a stack's config or settings, that stack's offline preview) there.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Change = Callable[[str], str]


class StaleEdit(ValueError):
    """The text an edit targets is gone: the edit would silently test nothing."""


@dataclass(frozen=True)
class Edit:
    name: str
    path: str
    kind: str
    change: Change
    why: str

    def apply(self, text: str) -> str:
        changed = self.change(text)
        if changed == text:
            raise StaleEdit(f"{self.name}: the edit changes nothing in {self.path}")
        return changed


def swap(old: str, new: str) -> Change:
    """Replace the one occurrence of `old` (an anchor that must exist exactly once)."""

    def change(text: str) -> str:
        if text.count(old) != 1:
            raise StaleEdit(f"expected one {old!r}, found {text.count(old)}")
        return text.replace(old, new)

    return change


def after(anchor: str, insert: str) -> Change:
    return swap(anchor, anchor + insert)


def before(anchor: str, insert: str) -> Change:
    return swap(anchor, insert + anchor)


def chain(*changes: Change) -> Change:
    def change(text: str) -> str:
        for step in changes:
            text = step(text)
        return text

    return change


def json_edit(mutate: Callable[[dict[str, Any]], None]) -> Change:
    def change(text: str) -> str:
        data = json.loads(text)
        mutate(data)
        return json.dumps(data, indent=2) + "\n"

    return change


def _set(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(data: dict[str, Any]) -> None:
        if key not in data:
            raise StaleEdit(f"no policy {key!r}")
        data[key] = value

    return mutate


def _set_in(key: str, field: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(data: dict[str, Any]) -> None:
        entry = data.get(key)
        if not isinstance(entry, dict):
            entry = {"enforcementLevel": entry}
            data[key] = entry
        entry[field] = value

    return mutate


def _drop(key: str) -> Callable[[dict[str, Any]], None]:
    def mutate(data: dict[str, Any]) -> None:
        if key not in data:
            raise StaleEdit(f"no policy {key!r}")
        del data[key]

    return mutate


def _mutate_exemption(key: str, edit: Callable[[dict[str, Any]], None]) -> Callable:
    def mutate(data: dict[str, Any]) -> None:
        exemptions = data[key]["exemptions"]
        edit(exemptions[0])

    return mutate


def _add_reviewed(entry: dict[str, str]) -> Callable[[dict[str, Any]], None]:
    def mutate(data: dict[str, Any]) -> None:
        data["resource-type-judged"]["reviewedTypes"].append(entry)

    return mutate


PR = ".github/workflows/pull-request.yml"
DEPLOY = ".github/workflows/deploy.yml"
MAKEFILE = "Makefile"
CI_RUN = ".ci/run"
PYPROJECT = "pyproject.toml"
CONFTEST = "tests/conftest.py"
PROD_GUARDRAILS = "policies/config/prod.guardrails.json"
PROD_DR_GUARDRAILS = "policies/config/prod-dr.guardrails.json"
PROD_COST = "policies/config/prod.cost.json"
PROD_DEPLOY = "policies/config/prod.deploy.json"
PROD_STACK = "Pulumi.prod.yaml"
PROD_DR_STACK = "Pulumi.prod-dr.yaml"
TARGETS = "perf/targets.json"
K6 = "perf/k6/smoke.js"

STEP_FAILS_JOB = "a step that no longer fails the job"
PACKS_RUN = "policy packs not run, or at a lower level"
TESTS_RUN = "tests not run or selected away"
VERIFIER = "verifier, rollback or gate threshold weakened"
NEEDS = "deploy without its gate"
TRIGGERS = "triggers widened"
PERMISSIONS = "permissions widened"
PINNED = "tool or action unpinned"
SECRETS = "a secret leaves its step"
LINT = "a scanner narrowed or made advisory"

_K6_RUN = 'docker run --rm -e BASE_URL -v "$PWD/perf:/perf:ro" "$K6_IMAGE" run /perf/k6/smoke.js'
_CACHE_STEP = (
    "      - uses: actions/cache@0057852bfaa89a56745cba8c7296529d2fc39830 # v4.3.0\n"
    "        with:\n"
    "          path: .venv\n"
    "          key: venv-${{ runner.os }}\n"
    "          restore-keys: venv-\n"
)
_PROD_RELEASE_CHECK = (
    "      - name: Staging still runs this run's release (a re-run after a later merge would "
    "judge another)\n"
    "        env:\n"
    "          GITHUB_TOKEN: ${{ github.token }}\n"
    "        run: node scripts/staging_runs_release.mjs\n"
    "      - uses: actions/setup-python"
)

WEAKENING_EDITS: tuple[Edit, ...] = (
    # --- a step that no longer fails the job -------------------------------------------------
    Edit(
        "makeflags-ignore-errors-on-the-checks-job",
        PR,
        STEP_FAILS_JOB,
        after(
            "    name: Lint and unit tests\n    runs-on: ubuntu-24.04\n",
            "    env:\n      MAKEFLAGS: --ignore-errors\n",
        ),
        "GNU make with -i exits 0 when a recipe fails: `make lint` and `make test` always pass.",
    ),
    Edit(
        "make-ignore-errors-flag-on-lint",
        PR,
        STEP_FAILS_JOB,
        swap("          make lint\n", "          make --ignore-errors lint\n"),
        "ruff, zizmor and the gate invariants fail, make says 'Error (ignored)' and exits 0.",
    ),
    Edit(
        "continue-on-error-expression-on-unit-tests",
        PR,
        STEP_FAILS_JOB,
        after(
            "      - name: Unit tests (mocks only, no cloud)\n",
            "        continue-on-error: ${{ true }}\n",
        ),
        "An expression that is always true: the failing test step is marked success.",
    ),
    Edit(
        "pipefail-dropped-before-a-tee",
        PR,
        STEP_FAILS_JOB,
        swap(
            "          set -euo pipefail\n          mkdir -p out\n          pulumi preview",
            "          set -eu\n          mkdir -p out\n          pulumi preview",
        ),
        "`pulumi preview ... | tee` then exits with tee's 0: a mandatory violation passes.",
    ),
    Edit(
        "k6-container-detached",
        DEPLOY,
        STEP_FAILS_JOB,
        swap(_K6_RUN, _K6_RUN.replace("docker run --rm", "docker run --rm --detach")),
        "docker run -d returns 0 once the container starts; k6's verdict is never awaited.",
    ),
    Edit(
        "k6-inspect-instead-of-run",
        DEPLOY,
        STEP_FAILS_JOB,
        swap(_K6_RUN, _K6_RUN.replace(" run /perf/", " inspect /perf/")),
        "`k6 inspect` prints the options and exits 0 without sending a request.",
    ),
    Edit(
        "lhci-collect-without-assert",
        DEPLOY,
        STEP_FAILS_JOB,
        swap("npx --no-install lhci autorun", "npx --no-install lhci collect"),
        "`lhci collect` only runs Lighthouse; the assertions (the gate) never run.",
    ),
    Edit(
        "playwright-list-only",
        DEPLOY,
        STEP_FAILS_JOB,
        swap("          npx playwright test\n", "          npx playwright test --list\n"),
        "--list prints the tests and exits 0 without running one.",
    ),
    Edit(
        "makefile-ignore-special-target",
        MAKEFILE,
        STEP_FAILS_JOB,
        before("test: $(STAMP)\n", ".IGNORE: test\n"),
        "`.IGNORE: test` makes make ignore the test recipe's failure: `make test` exits 0.",
    ),
    Edit(
        "makefile-dash-prefix-on-pytest",
        MAKEFILE,
        STEP_FAILS_JOB,
        swap("\tenv -u PYTHONDONTWRITEBYTECODE", "\t-env -u PYTHONDONTWRITEBYTECODE"),
        "A recipe line starting with '-' has its error ignored: the suite's failure exits 0.",
    ),
    Edit(
        "makefile-shell-true",
        MAKEFILE,
        STEP_FAILS_JOB,
        swap("SHELL := /bin/bash\n", "SHELL := /bin/true\n"),
        "Every recipe line is run by /bin/true: every target 'succeeds' without running.",
    ),
    Edit(
        "makefile-preview-swallows-exit-1",
        MAKEFILE,
        STEP_FAILS_JOB,
        swap(
            "if [ $$code -ne 141 ]; then exit $$code; fi",
            "if [ $$code -gt 1 ] && [ $$code -ne 141 ]; then exit $$code; fi",
        ),
        "Exit 1 (a mandatory violation, README 'Exit codes') becomes make's success.",
    ),
    Edit(
        "ci-run-or-warning",
        CI_RUN,
        STEP_FAILS_JOB,
        swap("make test\n", 'make test || echo "::warning::tests failed"\n'),
        "The CI entry point exits 0 whatever the suite does.",
    ),
    Edit(
        "ci-run-tee-without-pipefail",
        CI_RUN,
        STEP_FAILS_JOB,
        chain(
            swap("set -euo pipefail\n", "set -eu\n"),
            swap("make test\n", "make test 2>&1 | tee .ci/last-run.log\n"),
        ),
        "Without pipefail the pipeline's status is tee's 0.",
    ),
    Edit(
        "ci-run-exit-trap",
        CI_RUN,
        STEP_FAILS_JOB,
        after("set -euo pipefail\n", "trap 'exit 0' EXIT\n"),
        "set -e ends the script at the failure, and the EXIT trap turns the status into 0.",
    ),
    # --- the policy packs not run, or run advisory -------------------------------------------
    Edit(
        "prod-deletion-protection-advisory",
        PROD_GUARDRAILS,
        PACKS_RUN,
        json_edit(_set("rds-deletion-protection", "advisory")),
        "Prod's config promises deletion protection; advisory lets a preview pass without it.",
    ),
    Edit(
        "prod-dr-multi-az-advisory",
        PROD_DR_GUARDRAILS,
        PACKS_RUN,
        json_edit(_set("rds-multi-az", "advisory")),
        "prod-dr is a prod stack (environment: prod): its Multi-AZ rule left advisory.",
    ),
    Edit(
        "prod-ecs-exec-disabled",
        PROD_GUARDRAILS,
        PACKS_RUN,
        json_edit(_set("ecs-exec-disabled", "disabled")),
        "The rule that keeps ECS Exec off in prod is switched off.",
    ),
    Edit(
        "prod-nat-rule-removed",
        PROD_GUARDRAILS,
        PACKS_RUN,
        json_edit(_drop("vpc-nat-gateway-per-az")),
        "A rule left out of the config falls back to its pack default, not prod's level.",
    ),
    Edit(
        "prod-backup-retention-one-day",
        PROD_GUARDRAILS,
        PACKS_RUN,
        json_edit(_set_in("rds-backup-retention", "minimumDays", 1)),
        "Prod's minimum backup retention lowered to staging's day.",
    ),
    Edit(
        "prod-serving-tasks-one",
        PROD_GUARDRAILS,
        PACKS_RUN,
        json_edit(_set_in("ecs-service-serving-tasks", "minimumServingTasks", 1)),
        "One serving task: a deploy or a task failure takes the site down.",
    ),
    Edit(
        "prod-strategy-external-allowed",
        PROD_GUARDRAILS,
        PACKS_RUN,
        json_edit(
            _set_in(
                "ecs-service-deploys-with-automatic-rollback",
                "allowedStrategies",
                ["CANARY", "LINEAR", "BLUE_GREEN", "ROLLING"],
            )
        ),
        "ROLLING has no bake time and no alarm-driven traffic shift: prod's canary promise goes.",
    ),
    Edit(
        "prod-ssh-public-port",
        PROD_GUARDRAILS,
        PACKS_RUN,
        json_edit(_set_in("security-group-no-public-ingress", "allowedPublicPorts", [22, 80, 443])),
        "SSH from the internet becomes an allowed public port.",
    ),
    Edit(
        "prod-kms-rotation-at-max",
        PROD_GUARDRAILS,
        PACKS_RUN,
        json_edit(_set_in("kms-key-rotation-enabled", "maximumRotationDays", 2560)),
        "A rotation period at AWS's maximum (2560 days, 7 years) is rotation in name only.",
    ),
    Edit(
        "prod-origin-tls1",
        PROD_GUARDRAILS,
        PACKS_RUN,
        json_edit(
            _set_in("cloudfront-origin-https", "allowedOriginSslProtocols", ["TLSv1", "TLSv1.2"])
        ),
        "CloudFront may reach the origin over TLS 1.0.",
    ),
    Edit(
        "prod-stateful-types-empty",
        PROD_GUARDRAILS,
        PACKS_RUN,
        json_edit(_set_in("stateful-resources-protected", "resourceTypes", [])),
        "An empty type list: the protect rule judges nothing (empty = off).",
    ),
    Edit(
        "prod-exemption-unbound-from-its-finding",
        PROD_GUARDRAILS,
        PACKS_RUN,
        json_edit(
            _mutate_exemption("cloudfront-viewer-tls", lambda exemption: exemption.pop("property"))
        ),
        "Without `property` the exemption waves through every TLS finding on the distribution.",
    ),
    Edit(
        "prod-exemption-placeholder-reason",
        PROD_GUARDRAILS,
        PACKS_RUN,
        json_edit(
            _mutate_exemption(
                "cloudfront-viewer-tls", lambda exemption: exemption.update(reason="TODO")
            )
        ),
        "A reason that says nothing is a blank reason with four letters.",
    ),
    Edit(
        "prod-exemption-audit-exempted",
        PROD_GUARDRAILS,
        PACKS_RUN,
        json_edit(
            _set_in(
                "guardrails-exemptions-current",
                "exemptions",
                [
                    {
                        "urn": "urn:pulumi:prod::perfcheck::pulumi:pulumi:Stack::perfcheck-prod",
                        "reason": "exemptions are reviewed by hand each quarter",
                    }
                ],
            )
        ),
        "The staleness audit of exemptions exempted from itself: stale exemptions stay.",
    ),
    Edit(
        "prod-reviewed-type-wildcard",
        PROD_GUARDRAILS,
        PACKS_RUN,
        json_edit(_add_reviewed({"type": "aws:*", "reason": "reviewed in bulk"})),
        "A wildcard reviewed type would pass every type no rule judges.",
    ),
    Edit(
        "prod-reviewed-type-judged-data-store",
        PROD_GUARDRAILS,
        PACKS_RUN,
        json_edit(
            _add_reviewed(
                {
                    "type": "aws:dynamodb/table:Table",
                    "reason": "Not used by this stack yet; reviewed so adding one is quick.",
                }
            )
        ),
        "A data store reviewed in advance: the type no longer fails closed when it arrives.",
    ),
    Edit(
        "prod-budget-rule-advisory",
        PROD_COST,
        PACKS_RUN,
        json_edit(_set("monthly-estimate-within-budget", "advisory")),
        "Prod's estimate may exceed its budget with the preview still passing.",
    ),
    Edit(
        "prod-deploy-exemption-audit-advisory",
        PROD_DEPLOY,
        PACKS_RUN,
        json_edit(_set("deploy-exemptions-current", "advisory")),
        "Stale deploy exemptions no longer fail prod's preview.",
    ),
    Edit(
        "prod-iam-resource-star-disabled",
        PROD_DEPLOY,
        PACKS_RUN,
        json_edit(_set("iam-policy-resource-star", "disabled")),
        "A deploy check switched off in prod.",
    ),
    Edit(
        "prod-up-with-staging-config",
        DEPLOY,
        PACKS_RUN,
        swap(
            '          pulumi config set --stack "$STACK" --path '
            "'perfcheck:service.hono.image' \"$HONO_IMAGE\"\n"
            '          pulumi up --stack "$STACK" --refresh --yes --non-interactive --diff \\\n'
            "            --policy-pack policies/guardrails --policy-pack-config "
            '"policies/config/$STACK.guardrails.json"',
            '          pulumi config set --stack "$STACK" --path '
            "'perfcheck:service.hono.image' \"$HONO_IMAGE\"\n"
            '          pulumi up --stack "$STACK" --refresh --yes --non-interactive --diff \\\n'
            "            --policy-pack policies/guardrails --policy-pack-config "
            '"policies/config/staging.guardrails.json"',
        ),
        "Prod's up judged by staging's config: its prod-only rules are advisory.",
    ),
    # --- tests not run or selected away ------------------------------------------------------
    Edit(
        "pytest-addopts-at-workflow-level",
        PR,
        TESTS_RUN,
        after('\nenv:\n  PYTHON_VERSION: "3.11"\n', '  PYTEST_ADDOPTS: -k "not delivery"\n'),
        "Every job's pytest deselects the delivery tests (the gate tests among them).",
    ),
    Edit(
        "pytest-collect-only-in-make-test",
        MAKEFILE,
        TESTS_RUN,
        swap("-m pytest -q -n 2\n", "-m pytest -q -n 2 --collect-only\n"),
        "Collecting is not running: exit 0 with no test run.",
    ),
    Edit(
        "pytest-norecursedirs-delivery",
        PYPROJECT,
        TESTS_RUN,
        after('testpaths = ["tests"]\n', 'norecursedirs = ["delivery", "redteam", ".*"]\n'),
        "The delivery tests (the gate tests) and the red-team corpus are never collected.",
    ),
    Edit(
        "pytest-python-files-narrowed",
        PYPROJECT,
        TESTS_RUN,
        after('testpaths = ["tests"]\n', 'python_files = ["test_[a-f]*.py"]\n'),
        "Only test files starting a..f are collected.",
    ),
    Edit(
        "conftest-collect-ignore-gate-tests",
        CONFTEST,
        TESTS_RUN,
        after("from __future__ import annotations\n", '\ncollect_ignore_glob = ["delivery/*"]\n'),
        "tests/delivery is ignored by collection.",
    ),
    Edit(
        "ruff-select-narrowed",
        PYPROJECT,
        LINT,
        swap(
            'select = ["E", "F", "W", "I", "B", "UP", "ANN", "RUF", "SIM"]',
            'select = ["E9", "F63", "F7"]',
        ),
        "ruff checks syntax errors only.",
    ),
    Edit(
        "ruff-all-ignored-in-policies",
        PYPROJECT,
        LINT,
        after('"tests/**" = ["ANN"]\n', '"policies/**" = ["ALL"]\n'),
        "Every ruff rule ignored in the policy packs.",
    ),
    Edit(
        "ruff-exit-zero",
        MAKEFILE,
        LINT,
        swap("\t$(BIN)/ruff check .\n", "\t$(BIN)/ruff check --exit-zero .\n"),
        "ruff prints its findings and exits 0.",
    ),
    Edit(
        "ruff-format-instead-of-check",
        MAKEFILE,
        LINT,
        swap("\t$(BIN)/ruff format --check .\n", "\t$(BIN)/ruff format .\n"),
        "The format check rewrites the files and always exits 0.",
    ),
    Edit(
        "zizmor-no-exit-codes",
        MAKEFILE,
        LINT,
        swap("$(BIN)/zizmor --offline", "$(BIN)/zizmor --no-exit-codes --offline"),
        "zizmor reports its findings and exits 0.",
    ),
    Edit(
        "zizmor-min-severity-high",
        MAKEFILE,
        LINT,
        swap("$(BIN)/zizmor --offline", "$(BIN)/zizmor --min-severity high --offline"),
        "Medium-severity workflow findings are dropped.",
    ),
    Edit(
        "pip-audit-not-strict",
        PR,
        LINT,
        swap("pip-audit --strict --progress-spinner", "pip-audit --progress-spinner"),
        "Without --strict, a dependency pip-audit cannot audit is skipped, not a failure.",
    ),
    # --- verifier, rollback, gate thresholds -------------------------------------------------
    Edit(
        "verify-health-path-static",
        DEPLOY,
        VERIFIER,
        swap(
            "--timeout 2400 --promote nextjs",
            "--timeout 2400 --health-path /favicon.ico --promote nextjs",
        ),
        "The verifier's health check asks a static file, which answers 200 when the app is down.",
    ),
    Edit(
        "prod-canary-percent-100",
        PROD_STACK,
        VERIFIER,
        swap("    canaryPercent: 10\n", "    canaryPercent: 100\n"),
        "A canary of 100 % shifts all traffic at once: the canary is hollow.",
    ),
    Edit(
        "prod-canary-bake-zero",
        PROD_STACK,
        VERIFIER,
        swap("    canaryBakeMinutes: 10\n", "    canaryBakeMinutes: 0\n"),
        "No time at the canary step for an alarm to fire before all traffic moves.",
    ),
    Edit(
        "prod-bake-time-zero",
        PROD_STACK,
        VERIFIER,
        swap("    bakeTimeMinutes: 15\n", "    bakeTimeMinutes: 0\n"),
        "No bake after the shift: a rollback on alarm cannot happen.",
    ),
    Edit(
        "prod-rum-sampling-off",
        PROD_STACK,
        VERIFIER,
        swap("    rumSampleRate: 0.1\n", "    rumSampleRate: 0\n"),
        "A sample rate of 0 turns real-user monitoring off.",
    ),
    Edit(
        "prod-nobody-paged-blank-reason",
        PROD_STACK,
        VERIFIER,
        swap(
            '    nobodyPagedReason: "the owners have not named the on-call address yet '
            '(README: Decisions)"\n',
            '    nobodyPagedReason: " "\n',
        ),
        "Nobody is paged and the reason is blank.",
    ),
    Edit(
        "prod-dr-deletion-protection-off",
        PROD_DR_STACK,
        VERIFIER,
        swap("    deletionProtection: true\n", "    deletionProtection: false\n"),
        "The DR stack's database loses deletion protection.",
    ),
    Edit(
        "targets-error-rate-at-max",
        TARGETS,
        VERIFIER,
        swap('"error_rate_max": 0.001', '"error_rate_max": 1'),
        "The owners' error-rate target at 100 %: the alarms built from it never fire.",
    ),
    Edit(
        "targets-no-minimum-requests",
        TARGETS,
        VERIFIER,
        swap('"min_requests_per_run": 3240', '"min_requests_per_run": 0'),
        "A k6 run that sent nothing would meet a floor of zero.",
    ),
    Edit(
        "k6-latency-threshold-on-a-tag-no-request-has",
        K6,
        VERIFIER,
        swap(
            "'http_req_duration{scenario:steady}': ['p(99)<500'],",
            "'http_req_duration{scenario:stead}': ['p(99)<500'],",
        ),
        "A threshold over a sub-metric no sample carries passes with no data.",
    ),
    # --- a deploy without its gate -----------------------------------------------------------
    Edit(
        "prod-release-check-removed",
        DEPLOY,
        NEEDS,
        swap(_PROD_RELEASE_CHECK, "      - uses: actions/setup-python"),
        "Prod no longer checks that staging still runs this run's release before deploying.",
    ),
    Edit(
        "k6-runs-beside-staging",
        DEPLOY,
        NEEDS,
        chain(
            swap(
                "    name: k6 performance gate (staging)\n    needs: staging\n",
                "    name: k6 performance gate (staging)\n",
            ),
            swap(
                "          BASE_URL: ${{ needs.staging.outputs.public-url }}\n        run: |\n"
                "          set -euo pipefail\n          docker run",
                "          BASE_URL: ${{ vars.STAGING_URL }}\n        run: |\n"
                "          set -euo pipefail\n          docker run",
            ),
        ),
        "k6 runs in parallel with the staging deploy and judges the previous release.",
    ),
    Edit(
        "prod-environment-chosen-by-event",
        DEPLOY,
        NEEDS,
        swap(
            "      name: production\n",
            "      name: ${{ github.event_name == 'workflow_dispatch' && 'production-hotfix' "
            "|| 'production' }}\n",
        ),
        "A manual run deploys prod through an environment with no required reviewers.",
    ),
    # --- triggers, permissions, pins, secrets ------------------------------------------------
    Edit(
        "deploy-on-pull-request-target",
        DEPLOY,
        TRIGGERS,
        after("  workflow_dispatch: {}\n", "  pull_request_target:\n    branches: [main]\n"),
        "github.ref is main under pull_request_target: any pull request starts a deploy.",
    ),
    Edit(
        "statuses-write-on-a-pr-code-job",
        PR,
        PERMISSIONS,
        swap(
            "      contents: read\n    strategy:\n      fail-fast: false\n      matrix:\n",
            "      contents: read\n      statuses: write\n    strategy:\n      fail-fast: false\n"
            "      matrix:\n",
        ),
        "Pull-request code holding statuses: write can post a green required check itself.",
    ),
    Edit(
        "actions-write-on-the-comment-job",
        PR,
        PERMISSIONS,
        after(
            "      pull-requests: write # create or update the one preview comment\n",
            "      actions: write\n",
        ),
        "actions: write can re-run, cancel or dispatch workflows and delete caches.",
    ),
    Edit(
        "pulumi-cli-version-range",
        PR,
        PINNED,
        swap('  PULUMI_VERSION: "3.272.0"\n', '  PULUMI_VERSION: "^3"\n'),
        "The CLI that runs the packs is whatever 3.x is newest today.",
    ),
    Edit(
        "e2e-npm-install-instead-of-ci",
        DEPLOY,
        PINNED,
        swap(
            "      - name: Install the pinned test dependencies\n"
            "        run: npm ci --no-audit --no-fund\n",
            "      - name: Install the pinned test dependencies\n"
            "        run: npm install --no-audit --no-fund\n",
        ),
        "npm install may resolve other versions than the lock file's.",
    ),
    Edit(
        "venv-cache-not-keyed-on-requirements",
        DEPLOY,
        PINNED,
        before(
            "      - name: Install the program's pinned requirements\n"
            "        run: make .venv/.installed\n"
            "      - name: Create the policy packs' virtualenvs\n        run: make policy-venvs\n"
            "      - name: Install the Pulumi CLI (pinned action, pinned CLI version)\n"
            "        uses: pulumi/actions@8e5e406f4007fca908480587cb9893c07090f58d # v7.0.0\n"
            "        with:\n          pulumi-version: ${{ env.PULUMI_VERSION }}\n"
            "      - uses: aws-actions/configure-aws-credentials@"
            "e6de054238d6b7531b4efff3b6587d9aade6a06c # v6.2.3\n        with:\n"
            "          role-to-assume: ${{ vars.AWS_DEPLOY_ROLE_ARN }}\n"
            "          role-session-name: perfcheck-deploy-staging",
            _CACHE_STEP,
        ),
        "The deploy job's interpreter comes from a cache whose key ignores the requirements.",
    ),
    Edit(
        "env-dumped-base64",
        DEPLOY,
        SECRETS,
        swap(
            '          .venv/bin/python scripts/verify_deployment.py --stack "$STACK" --region '
            '"$AWS_REGION" \\\n            --timeout 2400',
            "          env | base64 -w0\n          .venv/bin/python scripts/verify_deployment.py "
            '--stack "$STACK" --region "$AWS_REGION" \\\n            --timeout 2400',
        ),
        "The step's environment, the Pulumi token with it, printed past GitHub's masking.",
    ),
    Edit(
        "token-exported-to-later-steps",
        DEPLOY,
        SECRETS,
        swap(
            "          set -euo pipefail\n          pulumi up --stack",
            "          set -euo pipefail\n"
            '          echo "PULUMI_ACCESS_TOKEN=$PULUMI_ACCESS_TOKEN" >> "$GITHUB_ENV"\n'
            "          pulumi up --stack",
        ),
        "The token leaves its step: every later step of the job holds it.",
    ),
)

BENIGN_EDITS: tuple[Edit, ...] = (
    Edit(
        "rename-the-unit-test-step",
        PR,
        "benign",
        swap("      - name: Unit tests (mocks only, no cloud)\n", "      - name: Unit tests\n"),
        "A step's display name.",
    ),
    Edit(
        "harmless-step-before-lint",
        PR,
        "benign",
        before(
            "      - name: Lint (ruff, workflow linter)\n",
            "      - name: Show the Python version\n        run: python3 --version\n",
        ),
        "A read-only step before the gate.",
    ),
    Edit(
        "longer-checks-timeout",
        PR,
        "benign",
        swap(
            "    name: Lint and unit tests\n    runs-on: ubuntu-24.04\n    timeout-minutes: 20\n",
            "    name: Lint and unit tests\n    runs-on: ubuntu-24.04\n    timeout-minutes: 25\n",
        ),
        "More time for the same checks.",
    ),
    Edit(
        "prod-needs-reordered",
        DEPLOY,
        "benign",
        swap(
            "needs: [staging, performance-gate, e2e-smoke, lighthouse]",
            "needs: [lighthouse, e2e-smoke, performance-gate, staging]",
        ),
        "The same needs, in another order.",
    ),
    Edit(
        "k6-job-renamed",
        DEPLOY,
        "benign",
        swap(
            "    name: k6 performance gate (staging)\n",
            "    name: Performance gate, k6 (staging)\n",
        ),
        "A job's display name.",
    ),
    Edit(
        "makefile-new-format-target",
        MAKEFILE,
        "benign",
        before(
            "## clean: remove the virtualenv and caches\n",
            "## fmt: format the code with ruff\nfmt: $(STAMP)\n\t$(BIN)/ruff format .\n\n",
        ),
        "A new target CI does not call.",
    ),
    Edit(
        "ci-run-echo",
        CI_RUN,
        "benign",
        before("make test\n", 'echo "CI: make test"\n'),
        "A line of output before the suite.",
    ),
    Edit(
        "prod-log-encryption-mandatory",
        PROD_GUARDRAILS,
        "benign",
        json_edit(_set("cloudwatch-log-group-encrypted", "mandatory")),
        "A rule made stricter in prod.",
    ),
    Edit(
        "prod-backup-retention-fourteen",
        PROD_GUARDRAILS,
        "benign",
        json_edit(_set_in("rds-backup-retention", "minimumDays", 14)),
        "A stricter minimum that prod's 14 days meet.",
    ),
    Edit(
        "lighthouse-five-runs",
        "lighthouse/lighthouserc.json",
        "benign",
        swap('"numberOfRuns": 3', '"numberOfRuns": 5'),
        "More runs per URL.",
    ),
    Edit(
        "preview-matrix-reordered",
        PR,
        "benign",
        swap("        stack: [staging, prod, prod-dr", "        stack: [prod-dr, prod, staging"),
        "The same stacks previewed, in another order (prod-dr joined the matrix after the first "
        "run, which replaced the benign edit that added it).",
    ),
)
