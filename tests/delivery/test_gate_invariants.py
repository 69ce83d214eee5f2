"""The delivery gates cannot be switched off quietly: the real workflows pass every rule in
gate_invariants.py, and each edit that skips or ignores a gate (the reviewed 13 and more of
their kind) is applied to a copy of the workflow text and must be reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from .gate_invariants import check_deploy, check_pull_request

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = (ROOT / ".github" / "workflows" / "deploy.yml").read_text(encoding="utf-8")
PULL_REQUEST = (ROOT / ".github" / "workflows" / "pull-request.yml").read_text(encoding="utf-8")

STAGING_UP = (
    '          pulumi up --stack "$STACK" --refresh --yes --non-interactive --diff \\\n'
    '            --policy-pack policies/guardrails --policy-pack-config "policies/config/$STACK.'
    'guardrails.json" \\\n'
    '            --policy-pack policies/cost --policy-pack-config "policies/config/'
    '$STACK.cost.json" \\\n'
    '            --policy-pack policies/deploy --policy-pack-config "policies/config/'
    '$STACK.deploy.json"\n'
    "      - name: Post-deploy verification (fails on an ECS rollback; hands on the verified"
)
STAGING_VERIFY = (
    '.venv/bin/python scripts/verify_deployment.py --stack "$STACK" --region "$AWS_REGION" \\\n'
    "            --timeout 2400 --promote nextjs"
)
K6 = """run /perf/k6/smoke.js
"""
PLAYWRIGHT = """          npx playwright test
"""
PLAYWRIGHT_RUN = "        run: |\n          set -euo pipefail\n          npx playwright"
LIGHTHOUSE = """"${urls[@]/#/--collect.url=}"
"""
PROD_NEEDS = (
    "needs: [staging, performance-gate, e2e-smoke, lighthouse]\n"
    "    if: github.ref == 'refs/heads/main'"
)

# (what the edit does, workflow, text to find, its replacement, what the report must say)
EDITS = [
    # the 13 edit kinds the review tried
    (
        "|| true after staging's pulumi up",
        "deploy",
        STAGING_UP,
        STAGING_UP.replace('$STACK.deploy.json"\n', '$STACK.deploy.json" || true\n', 1),
        "`||` after a gate ignores its failure",
    ),
    (
        "continue-on-error on the verification step",
        "deploy",
        "        id: verify\n",
        "        id: verify\n        continue-on-error: true\n",
        "continue-on-error on a gate",
    ),
    (
        "if: always() on the prod job",
        "deploy",
        PROD_NEEDS,
        PROD_NEEDS.replace("if: github.ref", "if: always() && github.ref"),
        "runs it after a failed gate",
    ),
    ("|| true after k6", "deploy", K6, "run /perf/k6/smoke.js || true\n", "`||` after a gate"),
    (
        "|| true after Playwright",
        "deploy",
        PLAYWRIGHT,
        "          npx playwright test || true\n",
        "`||` after a gate",
    ),
    (
        "staging's verification pointed at prod",
        "deploy",
        STAGING_VERIFY,
        STAGING_VERIFY.replace('--stack "$STACK"', "--stack prod"),
        "targets ['prod'], not staging",
    ),
    (
        "pipefail removed from the pull request's pulumi preview",
        "pull-request",
        "          set -euo pipefail\n          mkdir -p out\n          pulumi preview",
        "          set -eu\n          mkdir -p out\n          pulumi preview",
        "must start with `set -euo pipefail`",
    ),
    (
        "|| : after Lighthouse",
        "deploy",
        LIGHTHOUSE,
        '"${urls[@]/#/--collect.url=}" || :\n',
        "`||` after a gate",
    ),
    (
        "continue-on-error on the Lighthouse job",
        "deploy",
        "    name: Lighthouse gate (staging)\n",
        "    name: Lighthouse gate (staging)\n    continue-on-error: true\n",
        "lighthouse: continue-on-error on a gate job",
    ),
    (
        "prod no longer waits for Lighthouse",
        "deploy",
        PROD_NEEDS,
        PROD_NEEDS.replace(", lighthouse]", "]"),
        "prod does not wait for the Lighthouse gate",
    ),
    (
        "prod deployable from any branch",
        "deploy",
        PROD_NEEDS,
        PROD_NEEDS.replace("\n    if: github.ref == 'refs/heads/main'", ""),
        "deploys prod without `if: github.ref == 'refs/heads/main'`",
    ),
    (
        "prod fed an image staging never ran",
        "deploy",
        "NEXTJS_IMAGE: ${{ needs.staging.outputs.nextjs-image }}",
        "NEXTJS_IMAGE: ${{ vars.NEXTJS_IMAGE }}",
        "nextjs image comes from ['${{ vars.NEXTJS_IMAGE }}']",
    ),
    (
        "the k6 step skipped by a condition",
        "deploy",
        "      - name: k6 against staging",
        "      - if: github.event_name == 'push'\n        name: k6 against staging",
        "can skip a gate",
    ),
    # more of the same kinds
    (
        "pulumi up negated with !",
        "deploy",
        STAGING_UP,
        STAGING_UP.replace("          pulumi up", "          ! pulumi up", 1),
        "['!'] before a gate",
    ),
    (
        "strict mode switched off after the first line",
        "deploy",
        PLAYWRIGHT,
        "          set +e\n" + PLAYWRIGHT,
        "`set +e` turns strict mode off",
    ),
    (
        "a trap rewrites the exit status",
        "deploy",
        PLAYWRIGHT,
        "          trap 'exit 0' EXIT\n" + PLAYWRIGHT,
        "can replace a gate's exit status",
    ),
    (
        "the gate runs in the background",
        "deploy",
        K6,
        "run /perf/k6/smoke.js &\n",
        "in the background",
    ),
    (
        "the gate in an if condition",
        "pull-request",
        '          make preview STACK="$STACK"',
        '          if make preview STACK="$STACK"',
        "['if'] before a gate",
    ),
    (
        "a gate job skipped by a condition",
        "pull-request",
        "    name: Offline preview (${{ matrix.stack }}, both policy packs)\n",
        "    name: Offline preview (${{ matrix.stack }}, both policy packs)\n    if: false\n",
        "offline-preview: `if: False` on a gate job",
    ),
    (
        "prod runs on !cancelled()",
        "deploy",
        PROD_NEEDS,
        PROD_NEEDS.replace("if: github.ref == 'refs/heads/main'", "if: ${{ !cancelled() }}"),
        "runs it after a failed gate",
    ),
    (
        "the Pulumi token for the whole prod job",
        "deploy",
        "      STACK: prod\n",
        "      STACK: prod\n      PULUMI_ACCESS_TOKEN: ${{ secrets.PULUMI_ACCESS_TOKEN }}\n",
        "prod: job env holds PULUMI_ACCESS_TOKEN",
    ),
    (
        "the pull request's preview with the deploy token",
        "pull-request",
        "secrets.PULUMI_PREVIEW_TOKEN",
        "secrets.PULUMI_ACCESS_TOKEN",
        "want secret PULUMI_PREVIEW_TOKEN",
    ),
    (
        "the CLI from curl | sh",
        "deploy",
        "      - name: Create the policy packs' virtualenvs\n        run: make policy-venvs\n",
        "      - name: Create the policy packs' virtualenvs\n        run: make policy-venvs\n"
        "      - run: curl -fsSL https://get.pulumi.com | sh\n",
        "`curl | sh` installs unchecked code",
    ),
    (
        "prod's verification no longer checks the images",
        "deploy",
        '--expect-image "nextjs=$NEXTJS_IMAGE" ',
        "",
        "the verification does not expect nextjs",
    ),
    (
        "staging stops handing on the images it verified",
        "deploy",
        "--promote nextjs --promote hono",
        "--promote nextjs",
        "does not hand on hono",
    ),
    (
        "the gates aimed at another URL",
        "deploy",
        "BASE_URL: ${{ needs.staging.outputs.public-url }}\n" + PLAYWRIGHT_RUN,
        "BASE_URL: ${{ vars.PROD_URL }}\n" + PLAYWRIGHT_RUN,
        "the Playwright gate is not aimed at staging's URL",
    ),
    (
        "staging deploys from pull requests",
        "deploy",
        "  workflow_dispatch: {}\n",
        "  workflow_dispatch: {}\n  pull_request: {}\n",
        "only push to main and dispatch",
    ),
    (
        "the k6 command commented out",
        "deploy",
        "          docker run --rm -e BASE_URL",
        "          # docker run --rm -e BASE_URL",
        "no k6 gate in the workflow",
    ),
    (
        "the gate hidden in bash -c with its own fallback",
        "deploy",
        PLAYWRIGHT,
        "          bash -c 'npx playwright test || true'\n",
        "a gate inside a string",
    ),
    (
        "k6 without its thresholds",
        "deploy",
        " run /perf/k6/",
        " run --no-thresholds /perf/k6/",
        "--no-thresholds",
    ),
    (
        "Lighthouse assertions overridden on the command line",
        "deploy",
        LIGHTHOUSE,
        '"${urls[@]/#/--collect.url=}" --assert.preset=lighthouse:no-pwa\n',
        "takes the Lighthouse gate's verdict away",
    ),
    (
        "exit 0 before the gate",
        "deploy",
        PLAYWRIGHT,
        "          exit 0\n" + PLAYWRIGHT,
        "`exit 0` before a gate skips it",
    ),
    (
        "|| true after the unit tests",
        "pull-request",
        "          make test\n",
        "          make test || true\n",
        "`||` after a gate",
    ),
    (
        "the dependency audit may fail",
        "pull-request",
        "    name: Security scanning\n",
        "    name: Security scanning\n    continue-on-error: true\n",
        "security: continue-on-error on a gate job",
    ),
    (
        "the gate inside an if block",
        "deploy",
        PLAYWRIGHT,
        '          if [ -n "${RUN_E2E:-}" ]; then\n' + PLAYWRIGHT + "          fi\n",
        "a gate inside a shell block may be skipped",
    ),
    (
        "the gate behind a condition with &&",
        "deploy",
        "          npx playwright test\n",
        '          [ -n "${RUN_E2E:-}" ] && npx playwright test\n',
        "['&&'] before a gate",
    ),
    (
        "staging masks the account id its images name",
        "deploy",
        "          role-session-name: perfcheck-deploy-staging-${{ github.run_id }}\n",
        "          role-session-name: perfcheck-deploy-staging-${{ github.run_id }}\n"
        "          mask-aws-account-id: true\n",
        "mask-aws-account-id would drop the images",
    ),
    (
        "prod job on the staging environment",
        "deploy",
        "      name: production\n",
        "      name: staging\n",
        "environment 'staging', want 'production'",
    ),
]


def test_the_real_deploy_workflow_keeps_every_gate():
    assert check_deploy(DEPLOY) == []


def test_the_real_pull_request_workflow_keeps_every_gate():
    assert check_pull_request(PULL_REQUEST) == []


@pytest.mark.parametrize(
    ("workflow", "old", "new", "reported"),
    [edit[1:] for edit in EDITS],
    ids=[edit[0] for edit in EDITS],
)
def test_each_weakening_edit_is_reported(workflow, old, new, reported):
    text = DEPLOY if workflow == "deploy" else PULL_REQUEST
    assert text.count(old) >= 1, "the edit's anchor is gone from the workflow: update the edit"
    edited = text.replace(old, new, 1)
    assert edited != text
    check = check_deploy if workflow == "deploy" else check_pull_request
    problems = check(edited)
    assert any(reported in problem for problem in problems), problems


def test_the_reviewed_edit_kinds_are_all_here():
    assert len(EDITS) >= 13
    assert len({edit[0] for edit in EDITS}) == len(EDITS)
