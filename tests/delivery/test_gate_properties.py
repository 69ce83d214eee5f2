"""Each gate is judged by its effect: weakening edits of every class, applied to a copy of the real
files, are reported by the property they break, and unrelated edits are not reported at all.

The edits locate what they change by what it does (the step that runs k6, the Makefile target CI
calls, the key of a config), not by the text around it, so an unrelated change to a workflow does
not make this test ask for an update.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from .gate_invariants import gates_in, load_text
from .gate_properties import PROPERTIES, check_tree

ROOT = Path(__file__).resolve().parents[2]
COPIED = (
    ".github",
    ".secrets.baseline",
    "Makefile",
    "perf/k6",
    "perf/targets.json",
    "lighthouse/lighthouserc.json",
    "lighthouse/pages.json",
    "e2e/playwright.config.ts",
    "e2e/tests",
    "Pulumi.yaml",
    "Pulumi.staging.yaml",
    "Pulumi.prod.yaml",
    "Pulumi.prod-dr.yaml",
    "pyproject.toml",
    ".ci/run",
)

Edit = Callable[[Path], None]


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("pristine")
    for relative in COPIED:
        source = ROOT / relative
        if source.is_dir():
            shutil.copytree(source, root / relative, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            (root / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, root / relative)
    return root


@pytest.fixture
def tree(pristine, tmp_path) -> Path:
    root = tmp_path / "tree"
    shutil.copytree(pristine, root)
    return root


# --- edits located by effect --------------------------------------------------------------


def workflow(name: str, change: Callable[[dict[str, Any]], None]) -> Edit:
    """Load a workflow, change the parsed document, write it back (comments do not survive)."""

    def edit(root: Path) -> None:
        path = root / ".github" / "workflows" / f"{name}.yml"
        data = load_text(path.read_text(encoding="utf-8"))
        change(data)
        dumped = yaml.dump(data, Dumper=yaml.CSafeDumper, sort_keys=False, width=200)
        path.write_text(dumped, encoding="utf-8")

    return edit


def gate_step(data: dict[str, Any], gate: str) -> dict[str, Any]:
    for job in data["jobs"].values():
        for step in job.get("steps") or []:
            if gate in gates_in(step):
                return step
    raise AssertionError(f"no step runs {gate}")


def gate_job(data: dict[str, Any], gate: str) -> dict[str, Any]:
    for job in data["jobs"].values():
        if any(gate in gates_in(step) for step in job.get("steps") or []):
            return job
    raise AssertionError(f"no job runs {gate}")


def on_gate_line(gate: str, change: Callable[[str], str], name: str = "deploy") -> Edit:
    """Rewrite the line of the gate's step that runs the gate."""

    def apply(data: dict[str, Any]) -> None:
        step = gate_step(data, gate)
        lines = step["run"].split("\n")
        index = max(i for i, line in enumerate(lines) if gates_in({"run": line}))
        lines[index] = change(lines[index])
        step["run"] = "\n".join(lines)

    return workflow(name, apply)


def before_gate(gate: str, line: str, name: str = "deploy") -> Edit:
    return on_gate_line(gate, lambda gate_line: f"{line}\n{gate_line}", name)


def step_env(gate: str, key: str, value: str) -> Edit:
    return workflow(
        "deploy", lambda d: gate_step(d, gate).setdefault("env", {}).update({key: value})
    )


def token_step(change: Callable[[dict[str, Any]], None], job: str = "prod") -> Edit:
    """Change the first step of a deploy job that holds the Pulumi token."""

    def apply(data: dict[str, Any]) -> None:
        for step in data["jobs"][job]["steps"]:
            if "PULUMI_ACCESS_TOKEN" in (step.get("env") or {}):
                change(step)
                return
        raise AssertionError("no token step")

    return workflow("deploy", apply)


def append_run(line: str) -> Callable[[dict[str, Any]], None]:
    return lambda step: step.update(run=step["run"].rstrip("\n") + f"\n{line}\n")


def text(relative: str, pattern: str, replacement: str, count: int = 1) -> Edit:
    """A regex substitution in a file that must match (the edit is located by what it means)."""

    def edit(root: Path) -> None:
        path = root / relative
        before = path.read_text(encoding="utf-8")
        after, made = re.subn(pattern, replacement, before, count=count, flags=re.M)
        assert made, f"{relative}: {pattern!r} matches nothing"
        path.write_text(after, encoding="utf-8")

    return edit


def json_file(relative: str, change: Callable[[Any], None]) -> Edit:
    def edit(root: Path) -> None:
        path = root / relative
        data = json.loads(path.read_text(encoding="utf-8"))
        change(data)
        path.write_text(json.dumps(data, indent=2), encoding="utf-8")

    return edit


def new_file(relative: str, content: str) -> Edit:
    def edit(root: Path) -> None:
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(content, encoding="utf-8")

    return edit


def make_recipe(target: str, change: Callable[[str], str]) -> Edit:
    """Rewrite the first recipe line of a Makefile target."""

    def edit(root: Path) -> None:
        path = root / "Makefile"
        lines = path.read_text(encoding="utf-8").split("\n")
        start = next(i for i, line in enumerate(lines) if re.match(rf"^{re.escape(target)}:", line))
        index = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("\t"))
        lines[index] = "\t" + change(lines[index][1:])
        path.write_text("\n".join(lines), encoding="utf-8")

    return edit


def k6_settings(change: Callable[[dict[str, Any]], None]) -> Edit:
    return json_file(
        "lighthouse/lighthouserc.json", lambda d: change(d["ci"]["collect"]["settings"])
    )


def drop_pack(data: dict[str, Any], job: str, pack: str) -> None:
    for step in data["jobs"][job]["steps"]:
        if "--policy-pack" in step.get("run", ""):
            step["run"] = re.sub(
                rf'\s*--policy-pack policies/{pack} --policy-pack-config "[^"]+"', "", step["run"]
            )


# (property, edit id, edit): my own members of each class the review found.
WEAKENINGS: list[tuple[str, str, Edit]] = [
    # nothing ends a gate's step before the gate
    (
        "nothing-ends-the-job-before-a-gate",
        "exit-0-after-a-test",
        before_gate("k6", '[ -n "${SKIP_PERF:-}" ] && exit 0'),
    ),
    ("nothing-ends-the-job-before-a-gate", "exec-true", before_gate("Playwright", "exec true")),
    (
        "nothing-ends-the-job-before-a-gate",
        "exit-on-the-gate-line",
        on_gate_line("Lighthouse", lambda line: f"exit; {line}"),
    ),
    (
        "nothing-ends-the-job-before-a-gate",
        "return-before-up",
        before_gate("pulumi up", "return 0 2>/dev/null"),
    ),
    # k6 measures its committed scenario
    (
        "gate-measures",
        "k6-duration-override",
        on_gate_line("k6", lambda line: line.replace(" run ", " run --duration 5s ")),
    ),
    (
        "gate-measures",
        "k6-one-vu",
        on_gate_line("k6", lambda line: line.replace(" run ", " run -u 1 -i 1 ")),
    ),
    (
        "gate-measures",
        "k6-env-after-the-script",
        on_gate_line("k6", lambda line: line + " -e WARMUP_REQUESTS=0"),
    ),
    (
        "gate-measures",
        "k6-option-through-docker-env",
        on_gate_line(
            "k6", lambda line: line.replace("-e BASE_URL", "-e BASE_URL -e K6_ITERATIONS=1")
        ),
    ),
    (
        "gate-measures",
        "k6-env-file",
        on_gate_line(
            "k6",
            lambda line: line.replace("-e BASE_URL", "-e BASE_URL --env-file perf/override.env"),
        ),
    ),
    (
        "gate-measures",
        "k6-count-threshold-removed",
        text("perf/k6/smoke.js", r"^\s*'http_reqs\{scenario:steady\}'.*\n", ""),
    ),
    (
        "gate-measures",
        "k6-count-threshold-lowered",
        text("perf/k6/smoke.js", r"count>=\d+", "count>=1"),
    ),
    (
        "gate-measures",
        "k6-scenario-guard-removed",
        text("perf/k6/smoke.js", r"^\s*assertScenarioIsCommitted\(\);\n", ""),
    ),
    (
        "gate-measures",
        "k6-duration-from-env",
        text(
            "perf/k6/smoke.js",
            r"^const DURATION = '1m';",
            "const DURATION = __ENV.DURATION || '1m';",
        ),
    ),
    (
        "gate-measures",
        "k6-minimum-zeroed",
        json_file("perf/targets.json", lambda d: d.update(min_requests_per_run=0)),
    ),
    # Lighthouse measures the committed pages on a throttled phone
    (
        "gate-measures",
        "lighthouse-desktop-on-the-cli",
        on_gate_line("Lighthouse", lambda line: line + " --collect.settings.preset=desktop"),
    ),
    (
        "gate-measures",
        "lighthouse-preset-through-env",
        step_env("Lighthouse", "LHCI_COLLECT__SETTINGS__PRESET", "desktop"),
    ),
    (
        "gate-measures",
        "lighthouse-desktop-preset",
        k6_settings(lambda s: s.update(preset="desktop")),
    ),
    (
        "gate-measures",
        "lighthouse-provided-throttling",
        k6_settings(lambda s: s.update(throttlingMethod="provided")),
    ),
    (
        "gate-measures",
        "lighthouse-throttling-unpinned",
        k6_settings(lambda s: s.pop("throttlingMethod")),
    ),
    (
        "gate-measures",
        "lighthouse-no-screen-emulation",
        k6_settings(lambda s: s.update(screenEmulation={"disabled": True})),
    ),
    (
        "gate-measures",
        "lighthouse-one-run",
        json_file(
            "lighthouse/lighthouserc.json", lambda d: d["ci"]["collect"].update(numberOfRuns=1)
        ),
    ),
    (
        "gate-measures",
        "lighthouse-performance-a-warning",
        json_file(
            "lighthouse/lighthouserc.json",
            lambda d: d["ci"]["assert"]["assertMatrix"][0]["assertions"][
                "categories:performance"
            ].__setitem__(0, "warn"),
        ),
    ),
    (
        "gate-measures",
        "lighthouse-assert-preset",
        json_file(
            "lighthouse/lighthouserc.json",
            lambda d: d["ci"]["assert"].update(preset="lighthouse:no-pwa"),
        ),
    ),
    (
        "gate-measures",
        "lighthouse-config-url",
        json_file(
            "lighthouse/lighthouserc.json",
            lambda d: d["ci"]["collect"].update(url=["https://example.com/"]),
        ),
    ),
    (
        "gate-measures",
        "lighthouse-no-home-page",
        json_file("lighthouse/pages.json", lambda d: d.update(pages=["/about"])),
    ),
    # Playwright runs every test, with pinned retries
    (
        "gate-measures",
        "playwright-retries-on-the-cli",
        on_gate_line("Playwright", lambda line: line + " --retries=5"),
    ),
    (
        "gate-measures",
        "playwright-grep",
        on_gate_line("Playwright", lambda line: line + " --grep @fast"),
    ),
    (
        "gate-measures",
        "playwright-retries-in-config",
        text("e2e/playwright.config.ts", r"retries: \d+,", "retries: 4,"),
    ),
    (
        "gate-measures",
        "playwright-retries-from-env",
        text(
            "e2e/playwright.config.ts",
            r"retries: \d+,",
            "retries: Number(process.env.RETRIES ?? 0),",
        ),
    ),
    (
        "gate-measures",
        "playwright-only-allowed",
        text("e2e/playwright.config.ts", r"forbidOnly: true,", "forbidOnly: !!process.env.CI,"),
    ),
    (
        "gate-measures",
        "playwright-test-skipped",
        text("e2e/tests/smoke.spec.ts", r"^test\('API", "test.skip('API"),
    ),
    (
        "gate-measures",
        "playwright-conditional-skip",
        text(
            "e2e/tests/smoke.spec.ts",
            r"^(test\('home[^\n]*\n)",
            r"\1  test.skip(!process.env.FULL, 'slow');\n",
        ),
    ),
    (
        "gate-measures",
        "playwright-grep-invert",
        text("e2e/playwright.config.ts", r"^(\s*)testDir:", r"\1grepInvert: /API/,\n\1testDir:"),
    ),
    # scanners have no ignore path
    (
        "scanners-have-no-ignore-path",
        "pip-audit-ignores-a-vulnerability",
        workflow(
            "pull-request",
            lambda d: gate_step(d, "dependency audit").update(
                run=gate_step(d, "dependency audit")["run"].replace(
                    "--strict", "--strict --ignore-vuln GHSA-xxxx-yyyy-zzzz"
                )
            ),
        ),
    ),
    (
        "scanners-have-no-ignore-path",
        "pip-audit-not-strict",
        workflow(
            "pull-request",
            lambda d: gate_step(d, "dependency audit").update(
                run=gate_step(d, "dependency audit")["run"].replace("--strict ", "")
            ),
        ),
    ),
    (
        "scanners-have-no-ignore-path",
        "zizmor-config-file",
        new_file(".github/zizmor.yml", "rules:\n  unpinned-uses:\n    disable: true\n"),
    ),
    (
        "scanners-have-no-ignore-path",
        "zizmor-inline-ignore",
        text(
            ".github/workflows/deploy.yml",
            r"(uses: actions/checkout@\w+ # v[\d.]+)",
            r"\1 # zizmor: ignore[unpinned-uses]",
        ),
    ),
    (
        "scanners-have-no-ignore-path",
        "zizmor-config-on-the-command",
        make_recipe(
            "lint-workflows", lambda line: line.replace("--offline", "--offline --config /dev/null")
        ),
    ),
    (
        "scanners-have-no-ignore-path",
        "ruff-exit-zero",
        text("Makefile", r"ruff check \.", "ruff check --exit-zero ."),
    ),
    (
        "scanners-have-no-ignore-path",
        "ruff-extend-ignore",
        text("Makefile", r"ruff check \.", "ruff check --extend-ignore E501 ."),
    ),
    (
        "scanners-have-no-ignore-path",
        "secret-baseline-accepts-a-real-secret",
        json_file(
            ".secrets.baseline",
            lambda d: next(iter(d["results"].values()))[0].update(is_secret=True),
        ),
    ),
    (
        "scanners-have-no-ignore-path",
        "secret-scanner-told-to-skip-files",
        workflow(
            "pull-request",
            lambda d: gate_step(d, "secret scan").update(
                run=gate_step(d, "secret scan")["run"].replace(
                    "--baseline", "--exclude-files 'tests/.*' --baseline"
                )
            ),
        ),
    ),
    (
        "scanners-have-no-ignore-path",
        "inline-allowlist-comment",
        text("perf/k6/smoke.js", r"^import http", "// pragma: allowlist secret\nimport http"),
    ),
    # secrets stay in their step
    (
        "secrets-stay-in-their-step",
        "token-into-github-env",
        token_step(append_run('echo "PULUMI_ACCESS_TOKEN=$PULUMI_ACCESS_TOKEN" >> "$GITHUB_ENV"')),
    ),
    (
        "secrets-stay-in-their-step",
        "token-into-a-file",
        token_step(append_run('printf %s "${PULUMI_ACCESS_TOKEN}" > .pulumi-token')),
    ),
    (
        "secrets-stay-in-their-step",
        "xtrace-in-a-token-step",
        token_step(lambda s: s.update(run="set -x\n" + s["run"])),
    ),
    ("secrets-stay-in-their-step", "printenv-in-a-token-step", token_step(append_run("printenv"))),
    (
        "secrets-stay-in-their-step",
        "secret-expanded-into-the-script",
        token_step(append_run("pulumi login --token ${{ secrets.PULUMI_ACCESS_TOKEN }}")),
    ),
    (
        "secrets-stay-in-their-step",
        "secret-as-an-action-input",
        workflow(
            "deploy",
            lambda d: (
                gate_job(d, "Playwright")["steps"][0]
                .setdefault("with", {})
                .update(token="${{ secrets.PULUMI_ACCESS_TOKEN }}")
            ),
        ),
    ),
    (
        "secrets-stay-in-their-step",
        "secret-in-a-gate-jobs-env",
        workflow(
            "deploy",
            lambda d: (
                gate_job(d, "k6")
                .setdefault("env", {})
                .update(API_KEY="${{ secrets.K6_CLOUD_TOKEN }}")
            ),
        ),
    ),
    (
        "secrets-stay-in-their-step",
        "step-debug-logging",
        token_step(lambda s: s["env"].update(ACTIONS_STEP_DEBUG="true")),
    ),
    # the deploy lane
    ("deploy-lane", "workflow-lane-removed", workflow("deploy", lambda d: d.pop("concurrency"))),
    (
        "deploy-lane",
        "one-lane-per-run",
        workflow("deploy", lambda d: d["concurrency"].update(group="deploy-${{ github.run_id }}")),
    ),
    (
        "deploy-lane",
        "newer-merge-cancels-the-deploy",
        workflow("deploy", lambda d: d["concurrency"].update({"cancel-in-progress": True})),
    ),
    (
        "deploy-lane",
        "prod-job-cancellable",
        workflow(
            "deploy",
            lambda d: d["jobs"]["prod"]["concurrency"].update({"cancel-in-progress": True}),
        ),
    ),
    # a manual run deploys the head of main
    (
        "dispatch-deploys-main-head",
        "dispatch-input-ref",
        workflow(
            "deploy",
            lambda d: d["on"].update(workflow_dispatch={"inputs": {"ref": {"required": False}}}),
        ),
    ),
    (
        "dispatch-deploys-main-head",
        "checkout-another-ref",
        workflow(
            "deploy",
            lambda d: d["jobs"]["staging"]["steps"][0]["with"].update(
                ref="${{ github.event.inputs.ref }}"
            ),
        ),
    ),
    (
        "dispatch-deploys-main-head",
        "git-checkout-in-a-step",
        workflow(
            "deploy",
            lambda d: d["jobs"]["prod"]["steps"].insert(
                1, {"run": 'git fetch origin "$OLD" && git checkout FETCH_HEAD'}
            ),
        ),
    ),
    (
        "dispatch-deploys-main-head",
        "checkout-another-repository",
        workflow(
            "deploy",
            lambda d: d["jobs"]["prod"]["steps"][0]["with"].update(repository="someone/fork"),
        ),
    ),
    # Makefile targets CI calls
    (
        "make-targets-do-what-they-say",
        "lint-without-the-workflow-audit",
        text("Makefile", r"^lint: \$\(STAMP\) lint-workflows", "lint: $(STAMP)"),
    ),
    (
        "make-targets-do-what-they-say",
        "lint-ignores-ruff",
        text("Makefile", r"^\t\$\(BIN\)/ruff check \.", "\t-$(BIN)/ruff check ."),
    ),
    (
        "make-targets-do-what-they-say",
        "format-check-dropped",
        text("Makefile", r"^\t\$\(BIN\)/ruff format --check \.\n", ""),
    ),
    (
        "make-targets-do-what-they-say",
        "test-deselects",
        make_recipe("test", lambda line: line + " -k 'not slow'"),
    ),
    (
        "make-targets-do-what-they-say",
        "test-one-directory",
        make_recipe("test", lambda line: line + " tests/delivery"),
    ),
    (
        "make-targets-do-what-they-say",
        "test-or-true",
        make_recipe("test", lambda line: line + " || true"),
    ),
    (
        "make-targets-do-what-they-say",
        "preview-ends-early",
        make_recipe("preview", lambda line: "exit 0; " + line),
    ),
    (
        "make-targets-do-what-they-say",
        "lint-workflows-without-zizmor",
        make_recipe("lint-workflows", lambda line: "true"),
    ),
    (
        "make-targets-do-what-they-say",
        "policy-venvs-loses-a-pack",
        text("Makefile", r"for pack in guardrails cost deploy", "for pack in guardrails cost"),
    ),
    (
        "make-targets-do-what-they-say",
        "policy-venvs-loop-keeps-only-the-last-status",
        text("Makefile", r"@set -e; for pack", "@for pack"),
    ),
    # every policy pack runs on the real previews and deploys
    (
        "every-policy-pack-runs",
        "staging-up-without-the-deploy-pack",
        workflow("deploy", lambda d: drop_pack(d, "staging", "deploy")),
    ),
    (
        "every-policy-pack-runs",
        "prod-up-without-the-cost-pack",
        workflow("deploy", lambda d: drop_pack(d, "prod", "cost")),
    ),
    (
        "every-policy-pack-runs",
        "preview-without-the-deploy-pack",
        workflow("pull-request", lambda d: drop_pack(d, "cloud-preview", "deploy")),
    ),
    (
        "every-policy-pack-runs",
        "prod-judged-by-stagings-config",
        workflow(
            "deploy",
            lambda d: gate_step(d, "pulumi up").update(
                run=gate_step(d, "pulumi up")["run"].replace(
                    "$STACK.deploy.json", "staging.deploy.json"
                )
            ),
        ),
    ),
]

WEAKENINGS += [
    # time limits follow from the deploy the program computes
    (
        "time-limits-fit-the-deploy",
        "prod-job-shorter-than-its-deploy",
        workflow("deploy", lambda d: d["jobs"]["prod"].update({"timeout-minutes": 60})),
    ),
    (
        "time-limits-fit-the-deploy",
        "session-left-at-the-default-hour",
        workflow(
            "deploy",
            lambda d: [
                s["with"].pop("role-duration-seconds")
                for s in d["jobs"]["staging"]["steps"]
                if "configure-aws-credentials" in s.get("uses", "")
            ],
        ),
    ),
    (
        "time-limits-fit-the-deploy",
        "verifier-gives-up-during-the-bake",
        workflow(
            "deploy",
            lambda d: gate_step(d, "verification").update(
                run=re.sub(r"--timeout \d+", "--timeout 1800", gate_step(d, "verification")["run"])
            ),
        ),
    ),
    (
        "time-limits-fit-the-deploy",
        "prod-bakes-longer-without-new-limits",
        text("Pulumi.prod.yaml", r"bakeTimeMinutes: \d+", "bakeTimeMinutes: 60"),
    ),
    (
        "time-limits-fit-the-deploy",
        "job-limit-far-beyond-the-deploy",
        workflow("deploy", lambda d: d["jobs"]["staging"].update({"timeout-minutes": 360})),
    ),
    # every gate first checks that staging runs the release it judges
    (
        "one-release-promoted-whole",
        "k6-judges-whatever-staging-runs",
        workflow(
            "deploy",
            lambda d: gate_job(d, "k6")["steps"].remove(
                next(
                    s
                    for s in gate_job(d, "k6")["steps"]
                    if "staging_runs_release" in s.get("run", "")
                )
            ),
        ),
    ),
    (
        "one-release-promoted-whole",
        "lighthouse-checks-the-release-only-after-judging",
        workflow(
            "deploy",
            lambda d: gate_job(d, "Lighthouse")["steps"].append(
                gate_job(d, "Lighthouse")["steps"].pop(
                    next(
                        i
                        for i, s in enumerate(gate_job(d, "Lighthouse")["steps"])
                        if "staging_runs_release" in s.get("run", "")
                    )
                )
            ),
        ),
    ),
    (
        "one-release-promoted-whole",
        "prod-release-check-skippable",
        workflow(
            "deploy",
            lambda d: next(
                s for s in d["jobs"]["prod"]["steps"] if "staging_runs_release" in s.get("run", "")
            ).update({"continue-on-error": True}),
        ),
    ),
    # staging rehearses prod's strategy
    (
        "one-release-promoted-whole",
        "staging-back-on-blue-green",
        text(
            "Pulumi.staging.yaml", r"deploymentStrategy: canary", "deploymentStrategy: blue-green"
        ),
    ),
]


def pr_workflow(change: Callable[[dict[str, Any]], None]) -> Edit:
    return workflow("pull-request", change)


def job_of(data: dict[str, Any], gate: str) -> dict[str, Any]:
    return gate_job(data, gate)


def release_step(job: dict[str, Any]) -> dict[str, Any]:
    return next(s for s in job["steps"] if "staging_runs_release" in s.get("run", ""))


def run_of(data: dict[str, Any], gate: str, change: Callable[[str], str]) -> None:
    step = gate_step(data, gate)
    step["run"] = change(step["run"])


def lighthouse_matrix(change: Callable[[list[dict[str, Any]]], None]) -> Edit:
    return json_file(
        "lighthouse/lighthouserc.json", lambda d: change(d["ci"]["assert"]["assertMatrix"])
    )


# The second red team (engineer "delivery", issue 24 item "judged again with edits you have not
# seen"): edits of my own, each reported by the property it breaks; those the first round's rules
# missed each led to a rule in gate_properties.py (docs/delivery.md lists which).
RED_TEAM: list[tuple[str, str, Edit]] = [
    (
        "least-privilege",
        "pull-request-target-runs-fork-code-with-secrets",
        pr_workflow(lambda d: d.update(on={"pull_request_target": {"branches": ["main"]}})),
    ),
    (
        "least-privilege",
        "workflow-write-all",
        workflow("deploy", lambda d: d.update(permissions="write-all")),
    ),
    (
        "least-privilege",
        "checks-job-may-push",
        pr_workflow(lambda d: d["jobs"]["checks"]["permissions"].update(contents="write")),
    ),
    (
        "least-privilege",
        "k6-job-may-assume-aws-roles",
        workflow("deploy", lambda d: job_of(d, "k6")["permissions"].update({"id-token": "write"})),
    ),
    (
        "least-privilege",
        "pr-code-may-comment",
        pr_workflow(
            lambda d: d["jobs"]["checks"]["permissions"].update({"pull-requests": "write"})
        ),
    ),
    (
        "tools-pinned",
        "checkout-pinned-to-a-tag",
        text(
            ".github/workflows/deploy.yml", r"actions/checkout@[0-9a-f]{40}", "actions/checkout@v5"
        ),
    ),
    (
        "tools-pinned",
        "k6-image-by-tag",
        workflow("deploy", lambda d: d["env"].update(K6_IMAGE="grafana/k6:1.7.1")),
    ),
    (
        "tools-pinned",
        "lighthouse-container-by-tag",
        workflow(
            "deploy",
            lambda d: job_of(d, "Lighthouse")["container"].update(image="debian:trixie-slim"),
        ),
    ),
    (
        "tools-pinned",
        "lhci-fetched-from-the-registry",
        on_gate_line("Lighthouse", lambda line: line.replace("npx --no-install", "npx --yes")),
    ),
    (
        "secrets-stay-in-their-step",
        "every-secret-as-json",
        token_step(lambda s: s["env"].update(ALL_SECRETS="${{ toJSON(secrets) }}")),
    ),
    (
        "secrets-stay-in-their-step",
        "stack-outputs-decrypted-into-the-log",
        token_step(append_run('pulumi stack output --stack "$STACK" --show-secrets')),
    ),
    (
        "gate-measures",
        "k6-entrypoint-replaced",
        on_gate_line(
            "k6", lambda line: line.replace("docker run --rm", "docker run --rm --entrypoint true")
        ),
    ),
    (
        "gate-measures",
        "k6-env-attached-to-the-flag",
        on_gate_line("k6", lambda line: line.replace("-e BASE_URL", "-e BASE_URL -eK6_VUS=1")),
    ),
    (
        "gate-measures",
        "k6-p99-bound-raised",
        text("perf/k6/smoke.js", r"p\(99\)<\d+", "p(99)<5000"),
    ),
    (
        "gate-measures",
        "k6-checks-pass-at-any-rate",
        text("perf/k6/smoke.js", r"rate>0\.999", "rate>0"),
    ),
    (
        "gate-measures",
        "k6-error-rate-threshold-removed",
        text("perf/k6/smoke.js", r"^\s*'http_req_failed\{scenario:steady\}'.*\n", ""),
    ),
    (
        "gate-measures",
        "lighthouse-skips-an-audit",
        k6_settings(lambda s: s.update(skipAudits=["largest-contentful-paint"])),
    ),
    (
        "gate-measures",
        "lighthouse-optimistic-aggregation",
        lighthouse_matrix(
            lambda m: m[0]["assertions"]["categories:seo"][1].update(aggregationMethod="optimistic")
        ),
    ),
    (
        "gate-measures",
        "lighthouse-health-route-dropped",
        json_file("lighthouse/pages.json", lambda d: d.update(endpoints=[])),
    ),
    (
        "gate-measures",
        "lighthouse-pattern-misses-the-pages",
        lighthouse_matrix(lambda m: m[0].update(matchingUrlPattern="^https?://[^/]+/nothing$")),
    ),
    (
        "gate-measures",
        "playwright-test-dir-moved",
        text("e2e/playwright.config.ts", r"testDir: '\./tests',", "testDir: './tests/none',"),
    ),
    (
        "each-deploy-targets-its-stack",
        "prod-deploys-only-the-task-definition",
        workflow(
            "deploy",
            lambda d: run_of(
                d, "pulumi up", lambda r: r.replace("--diff", "--diff --target 'urn:pulumi:x'", 1)
            ),
        ),
    ),
    (
        "each-deploy-targets-its-stack",
        "staging-up-continues-past-failures",
        workflow(
            "deploy",
            lambda d: run_of(
                d, "pulumi up", lambda r: r.replace("--yes", "--yes --continue-on-error", 1)
            ),
        ),
    ),
    (
        "make-targets-do-what-they-say",
        "pytest-addopts-deselects-through-the-env",
        pr_workflow(lambda d: d["jobs"]["checks"].update(env={"PYTEST_ADDOPTS": "-k 'not slow'"})),
    ),
    (
        "make-targets-do-what-they-say",
        "pyproject-addopts-ignores-a-directory",
        text(
            "pyproject.toml",
            r'addopts = "-p no:cacheprovider"',
            'addopts = "-p no:cacheprovider --ignore=tests/policies"',
        ),
    ),
    (
        "make-targets-do-what-they-say",
        "pyproject-testpaths-narrowed",
        text("pyproject.toml", r'testpaths = \["tests"\]', 'testpaths = ["tests/delivery"]'),
    ),
    (
        "scanners-have-no-ignore-path",
        "pip-audit-reads-only-the-runtime-requirements",
        pr_workflow(
            lambda d: run_of(
                d,
                "dependency audit",
                lambda r: r.replace("requirements-dev.txt", "requirements.txt"),
            )
        ),
    ),
    (
        "scanners-have-no-ignore-path",
        "secret-scan-reads-only-python",
        pr_workflow(
            lambda d: run_of(
                d,
                "secret scan",
                lambda r: r.replace("git ls-files -z", "git ls-files -z -- '*.py'"),
            )
        ),
    ),
    (
        "scanners-have-no-ignore-path",
        "ruff-blanket-noqa-in-a-file",
        new_file("tools/quiet.py", "# ruff: noqa\nimport os\n"),
    ),
    (
        "scanners-have-no-ignore-path",
        "ruff-config-excludes-the-packs",
        text(
            "pyproject.toml",
            r'extend-exclude = \[".venv"\]',
            'extend-exclude = [".venv", "policies"]',
        ),
    ),
    (
        "scanners-have-no-ignore-path",
        "ruff-config-ignores-bugbear",
        text("pyproject.toml", r'ignore = \["ANN401"\]', 'ignore = ["ANN401", "B"]'),
    ),
    (
        "one-release-promoted-whole",
        "release-check-ignored-with-or-true",
        workflow(
            "deploy",
            lambda d: release_step(d["jobs"]["prod"]).update(
                run=release_step(d["jobs"]["prod"])["run"] + " || true"
            ),
        ),
    ),
    (
        "every-policy-pack-runs",
        "prod-excluded-from-the-offline-preview",
        pr_workflow(
            lambda d: d["jobs"]["offline-preview"]["strategy"]["matrix"].update(
                exclude=[{"stack": "prod"}]
            )
        ),
    ),
    (
        "every-policy-pack-runs",
        "prod-dropped-from-the-offline-preview",
        pr_workflow(
            lambda d: d["jobs"]["offline-preview"]["strategy"]["matrix"].update(stack=["staging"])
        ),
    ),
]
RED_TEAM_ALREADY_CAUGHT: list[tuple[str, str, Edit]] = [
    # members of the issue's classes the first round's rules already reported
    (
        "every-deploy-needs-every-gate",
        "k6-job-renamed-out-of-needs",
        workflow(
            "deploy",
            lambda d: d.update(
                jobs={
                    ("perf-gate" if k == "performance-gate" else k): v for k, v in d["jobs"].items()
                }
            ),
        ),
    ),
    (
        "gate-verdict-stops-the-job",
        "if-false-on-the-playwright-step",
        workflow("deploy", lambda d: gate_step(d, "Playwright").update({"if": "false"})),
    ),
    (
        "gate-verdict-stops-the-job",
        "set-plus-e-before-lighthouse",
        before_gate("Lighthouse", "set +e"),
    ),
    (
        "make-targets-do-what-they-say",
        "workflow-audit-or-true",
        make_recipe("lint-workflows", lambda line: line + " || true"),
    ),
    (
        "dispatch-deploys-main-head",
        "dispatch-input-through-the-env",
        workflow(
            "deploy",
            lambda d: d["jobs"]["prod"]["env"].update(RELEASE="${{ github.event.inputs.sha }}"),
        ),
    ),
    (
        "gate-measures",
        "lhci-env-at-job-level",
        workflow(
            "deploy",
            lambda d: job_of(d, "Lighthouse").update(env={"LHCI_COLLECT__NUMBER_OF_RUNS": "1"}),
        ),
    ),
]
# Edits that kill the survivors of a mutation sample over the rules above.
MUTANT_FOLLOWUPS: list[tuple[str, str, Edit]] = [
    (
        "gate-measures",
        "lighthouse-health-route-judged-at-half",
        lighthouse_matrix(
            lambda m: m[1]["assertions"]["categories:performance"][1].update(minScore=0.5)
        ),
    ),
    (
        "scanners-have-no-ignore-path",
        "ruff-config-selects-less",
        text("pyproject.toml", r'select = \["E", "F", ', 'select = ["E", '),
    ),
    (
        "tools-pinned",
        "lighthouse-container-digest-truncated",
        workflow(
            "deploy",
            lambda d: job_of(d, "Lighthouse")["container"].update(
                image=job_of(d, "Lighthouse")["container"]["image"][:-1]
            ),
        ),
    ),
]
# The blind corpus (weakening_edits.py, test_weakening_edits.py) found a rollout with nothing to
# roll back from in the stack files: members of that class of our own.
BLIND_CORPUS_FOLLOWUPS: list[tuple[str, str, Edit]] = [
    (
        "rollout-can-roll-back",
        "staging canary of all traffic",
        text("Pulumi.staging.yaml", r"canaryPercent: \d+", "canaryPercent: 100"),
    ),
    (
        "rollout-can-roll-back",
        "prod canary step held 0 minutes",
        text("Pulumi.prod.yaml", r"canaryBakeMinutes: \d+", "canaryBakeMinutes: 0"),
    ),
    (
        "every-policy-pack-runs",
        "prod-dr left out of the pull request's previews",
        text(
            ".github/workflows/pull-request.yml",
            r"stack: \[staging, prod, prod-dr\b",  # a stack added later stays in the list
            "stack: [staging, prod",
        ),
    ),
    (
        "tools-pinned",
        "the virtualenv cached with a fallback key",
        text(
            ".github/workflows/deploy.yml",
            r"(      - name: Install the program's pinned requirements\n)",
            "      - uses: actions/cache@0057852bfaa89a56745cba8c7296529d2fc39830 # v4.3.0\n"
            "        with:\n          path: .venv\n"
            "          key: venv-${{ hashFiles('requirements-dev.txt') }}\n"
            "          restore-keys: venv-\n"
            r"\1",
        ),
    ),
    (
        "rollout-can-roll-back",
        "staging bake time 0",
        text("Pulumi.staging.yaml", r"bakeTimeMinutes: \d+", "bakeTimeMinutes: 0"),
    ),
]

WEAKENINGS += RED_TEAM + RED_TEAM_ALREADY_CAUGHT + MUTANT_FOLLOWUPS + BLIND_CORPUS_FOLLOWUPS

UNRELATED: list[tuple[str, Edit]] = [
    ("the workflows re-serialised without comments", workflow("deploy", lambda d: None)),
    ("the pull-request workflow re-serialised", workflow("pull-request", lambda d: None)),
    (
        "every step renamed",
        workflow(
            "deploy",
            lambda d: [
                s.update(name=f"step {i}")
                for j in d["jobs"].values()
                for i, s in enumerate(j["steps"])
            ],
        ),
    ),
    ("a harmless line before a gate", before_gate("k6", 'echo "k6 against $BASE_URL"')),
    (
        "an extra step in a gate job",
        workflow(
            "deploy",
            lambda d: gate_job(d, "Lighthouse")["steps"].insert(
                1, {"name": "Show the runner", "run": "uname -a"}
            ),
        ),
    ),
    (
        "a new unrelated job",
        workflow(
            "pull-request",
            lambda d: d["jobs"].update(
                docs={
                    "runs-on": "ubuntu-24.04",
                    "timeout-minutes": 5,
                    "permissions": {"contents": "read"},
                    "steps": [{"run": "echo docs"}],
                }
            ),
        ),
    ),
    (
        "a comment in the k6 script",
        text("perf/k6/smoke.js", r"^import http", "// reviewed\nimport http"),
    ),
    ("another key page", json_file("lighthouse/pages.json", lambda d: d["pages"].append("/about"))),
    (
        "another Playwright test",
        text(
            "e2e/tests/smoke.spec.ts",
            r"\Z",
            "\ntest('about renders', async ({ page }) => {\n  await page.goto('/about');\n});\n",
        ),
    ),
    (
        "the Makefile help reworded",
        text("Makefile", r"^## test: .*$", "## test: every test, offline"),
    ),
    (
        "another endpoint judged",
        json_file("lighthouse/pages.json", lambda d: d["endpoints"].append("/api/version")),
    ),
    (
        "a SHA-pinned action added to a gate job",
        workflow(
            "deploy",
            lambda d: gate_job(d, "Playwright")["steps"].insert(
                1, {"uses": "actions/cache@" + "0123456789" * 4, "with": {"path": "e2e/.cache"}}
            ),
        ),
    ),
    ("one more ruff rule selected", text("pyproject.toml", r'"SIM"\]', '"SIM", "N"]')),
    (
        "a longer Lighthouse job timeout",
        workflow("deploy", lambda d: gate_job(d, "Lighthouse").update({"timeout-minutes": 25})),
    ),
]


def test_the_real_tree_keeps_every_property():
    assert check_tree(ROOT) == []


def test_the_copy_keeps_every_property(tree):
    assert check_tree(tree) == []


@pytest.mark.parametrize(
    ("prop", "edit"),
    [(prop, edit) for prop, _, edit in WEAKENINGS],
    ids=[ident for _, ident, _ in WEAKENINGS],
)
def test_a_weakening_edit_is_reported_by_the_property_it_breaks(tree, prop, edit):
    edit(tree)
    found = check_tree(tree)
    assert any(problem.startswith(f"[{prop}]") for problem in found), found


@pytest.mark.parametrize("edit", [e for _, e in UNRELATED], ids=[i for i, _ in UNRELATED])
def test_an_unrelated_edit_is_not_reported(tree, edit):
    edit(tree)
    assert check_tree(tree) == []


def test_every_property_has_weakening_edits_of_its_own():
    covered = {prop for prop, _, _ in WEAKENINGS}
    old_style = {"gate-verdict-stops-the-job", "every-deploy-needs-every-gate"}
    old_style |= {"one-release-promoted-whole", "each-deploy-targets-its-stack"}
    assert set(PROPERTIES) - covered <= old_style
    assert len({ident for _, ident, _ in WEAKENINGS}) == len(WEAKENINGS)


def test_an_unreadable_config_is_a_finding_not_a_pass(tree):
    (tree / "lighthouse" / "lighthouserc.json").write_text("{not json", encoding="utf-8")
    assert any(p.startswith("[gate-measures]") for p in check_tree(tree))
    (tree / "Makefile").unlink()
    assert any(p.startswith("[make-targets-do-what-they-say]") for p in check_tree(tree))


# --- the table in docs/delivery.md: each gate, the properties that keep it honest, the tests ---

GATE_PROPERTIES: dict[str, tuple[str, ...]] = {
    "lint, unit tests, dependency audit (PR)": (
        "gate-verdict-stops-the-job",
        "scanners-have-no-ignore-path",
        "make-targets-do-what-they-say",
    ),
    "offline preview (PR)": ("gate-verdict-stops-the-job", "make-targets-do-what-they-say"),
    "`pulumi preview` (PR)": ("every-policy-pack-runs", "secrets-stay-in-their-step"),
    "`pulumi up` (staging, prod)": (
        "every-policy-pack-runs",
        "each-deploy-targets-its-stack",
        "dispatch-deploys-main-head",
        "deploy-lane",
        "secrets-stay-in-their-step",
        "time-limits-fit-the-deploy",
    ),
    "post-deploy verification": (
        "nothing-ends-the-job-before-a-gate",
        "one-release-promoted-whole",
        "time-limits-fit-the-deploy",
        "rollout-can-roll-back",
        "gate-measures",
    ),
    "every job of both workflows": ("least-privilege", "tools-pinned"),
    "k6, Playwright, Lighthouse (staging)": (
        "gate-measures",
        "every-deploy-needs-every-gate",
        "nothing-ends-the-job-before-a-gate",
        "gate-verdict-stops-the-job",
    ),
}
TABLE_COMMAND = ".venv/bin/python -m tests.delivery.test_gate_properties"


def edits_by_property() -> dict[str, list[str]]:
    """property -> the weakening edits (both lists) that must be reported under it."""
    from .gate_properties import classify
    from .test_gate_invariants import EDITS

    found: dict[str, list[str]] = {prop: [] for prop in PROPERTIES}
    for prop, ident, _ in WEAKENINGS:
        found[prop].append(ident)
    for name, _, _, _, reported in EDITS:
        found[classify(reported)[1:].split("]")[0]].append(name)
    return found


def property_table() -> str:
    """The markdown table docs/delivery.md carries (regenerate with TABLE_COMMAND)."""
    edits = edits_by_property()
    lines = [
        "| gate | property (`[id]` in the report) | edits that must be reported | test |",
        "| --- | --- | --- | --- |",
    ]
    for gate, props in GATE_PROPERTIES.items():
        for prop in props:
            tests = "`test_a_weakening_edit_is_reported_by_the_property_it_breaks`"
            if any(prop == p for p, _, _ in WEAKENINGS) is False:
                tests = "`test_each_weakening_edit_is_reported`"
            lines.append(
                f"| {gate} | `{prop}`: {PROPERTIES[prop]} | {len(edits[prop])} | {tests} |"
            )
    return "\n".join(lines) + "\n"


def test_every_property_is_in_the_table_and_has_edits():
    listed = {prop for props in GATE_PROPERTIES.values() for prop in props}
    assert listed == set(PROPERTIES)
    assert all(edits_by_property()[prop] for prop in PROPERTIES), edits_by_property()


def test_the_delivery_doc_carries_the_generated_table():
    doc = (ROOT / "docs" / "delivery.md").read_text(encoding="utf-8")
    assert property_table() in doc, f"regenerate the table: {TABLE_COMMAND}"


if __name__ == "__main__":
    print(property_table(), end="")
