"""The delivery gates judged by their effect: each rule reads the parsed workflows, the Makefile
targets CI calls, and each gate's own config and script, and reports a broken property by name.

`gate_invariants.py` holds the workflow-shape rules (a gate skipped, ignored, aimed at the wrong
stack, fed another image); this module adds what makes a gate *measure*: the tool runs its
committed scenario (no command-line or environment override), with a minimum sample count,
scanners run with no ignore path, secrets stay in the step that needs them, the deploy lane and
the dispatch trigger cannot be used to deploy something else, and the Makefile targets CI calls
do what their names say. Every finding starts with `[property]`, one of `PROPERTIES`.

`check_tree(root)` reads a checkout (the real one, or a copy a test edited) and returns findings.
What a rule cannot read (a missing file, an unparsable config) is a finding, never a pass.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from foundation.app_contract import NEXTJS_HEALTH_PATH_DEFAULT

from .gate_effects import effect_problems
from .gate_invariants import (
    check_deploy,
    check_pull_request,
    gates_in,
    gates_on,
    load_text,
    logical_lines,
    steps,
    tokens,
)

PROPERTIES: dict[str, str] = {
    "every-deploy-needs-every-gate": (
        "each deploy job waits for every gate, and each gate follows the deploy it judges"
    ),
    "gate-verdict-stops-the-job": (
        "a gate's failure fails its step and job (no `||`, `!`, `&`, trap, `set +e`, "
        "continue-on-error, condition or shell block around it)"
    ),
    "nothing-ends-the-job-before-a-gate": (
        "no exit, return or exec before a gate ends its step successfully"
    ),
    "gate-measures": (
        "each gate's tool runs its committed scenario: no command-line or environment override "
        "of k6's scenario, Lighthouse's preset, throttling or assertions, Playwright's retries "
        "or tests; k6 refuses a run that measured fewer requests than its minimum"
    ),
    "scanners-have-no-ignore-path": (
        "zizmor, pip-audit, ruff and the secret scanner run with no ignore option, no config "
        "file that disables a rule and no inline ignore comment"
    ),
    "secrets-stay-in-their-step": (
        "a secret reaches only the step env of a step that needs it, and that step never names, "
        "prints, traces or writes it"
    ),
    "deploy-lane": (
        "the deploy workflow runs in one lane (a fixed concurrency group, never cancelled)"
    ),
    "dispatch-deploys-main-head": (
        "a manual run deploys the head of main it was started on: no inputs, no other ref "
        "checked out"
    ),
    "make-targets-do-what-they-say": (
        "each Makefile target CI calls runs its whole command, with no ignored error or narrowing"
    ),
    "every-policy-pack-runs": (
        "every real `pulumi preview` and `pulumi up` runs the guardrails, cost and deploy packs "
        "with the stack's own configs, and the pull request previews every deployed stack"
    ),
    "one-release-promoted-whole": (
        "prod receives exactly the digests the staging verification saw running"
    ),
    "each-deploy-targets-its-stack": (
        "every pulumi command and verification in a deploy job names that job's stack and "
        "environment, and deploys all of it (no --target, --exclude, --replace)"
    ),
    "time-limits-fit-the-deploy": (
        "the deploy job, its AWS session and the verifier's wait outlast the deploy the program "
        "computes"
    ),
    "least-privilege": (
        "workflows start with no permissions and each job holds only what its steps use "
        "(id-token where AWS is assumed, deployments: read for the release check, "
        "pull-requests: write only in a job that runs no pull-request code); pull-request code "
        "runs only on `pull_request`"
    ),
    "rollout-can-roll-back": (
        "each stack's traffic-shifting deploy keeps a step alarms can still roll back: a canary "
        "or linear step below all traffic, held for minutes, and a bake after the shift"
    ),
    "tools-pinned": (
        "every action is pinned by commit SHA, every container image by digest, and Lighthouse "
        "runs from its lock file (`npx --no-install`)"
    ),
}

PACKS = ("guardrails", "cost", "deploy")
K6_SCRIPT = re.compile(r"perf/k6/\S+\.js")
# k6 options that keep the scenario: none is needed in CI, so any other option is a finding.
K6_ALLOWED_OPTIONS = frozenset({"--quiet", "-q", "--no-color"})
DOCKER_ENV_ALLOWED = frozenset({"BASE_URL"})
LHCI_ALLOWED_OPTIONS = ("--config=lighthouserc.json", "--collect.url=")
# The app's routes live in its own repository; the ones known here are judged (pages.json): the
# home page (the one page the owners name) in all four categories, and the web tier's health
# route, a route handler under /api/ answering JSON, in performance and best practices (SEO and
# accessibility judge HTML). The owners add pages (and API-backed pages) as they name them.
LIGHTHOUSE_CATEGORIES = {
    "pages": ("performance", "accessibility", "best-practices", "seo"),
    "endpoints": ("performance", "best-practices"),
}
LIGHTHOUSE_REQUIRED_URLS = {"pages": ("/",), "endpoints": (NEXTJS_HEALTH_PATH_DEFAULT,)}
LIGHTHOUSE_AGGREGATIONS = ("median-run", "pessimistic")
LIGHTHOUSE_PROBE_BASE = "https://staging.example.com"
PLAYWRIGHT_ALLOWED_OPTIONS: frozenset[str] = frozenset()
PLAYWRIGHT_SKIPS = re.compile(r"\b(test|describe|it)\s*\.\s*(skip|only|fixme|fail)\b|\.configure\(")
ZIZMOR_CONFIGS = (".github/zizmor.yml", ".github/zizmor.yaml", "zizmor.yml", "zizmor.yaml")
INLINE_IGNORES = {
    "zizmor": re.compile(r"zizmor:\s*ignore", re.I),
    "detect-secrets": re.compile(r"pragma:\s*allowlist", re.I),
}
SCANNER_FORBIDDEN = {
    "zizmor": (
        "--config",
        "--no-config",
        "--min-severity",
        "--min-confidence",
        "--persona=pedantic",
        "--no-exit-codes",
    ),
    "pip-audit": ("--ignore-vuln", "--skip-editable", "--no-deps"),
    "ruff": ("--exit-zero", "--ignore", "--extend-ignore", "--select", "--config", "--isolated"),
    "detect-secrets": (
        "--exclude-files",
        "--exclude-lines",
        "--exclude-secrets",
        "--disable-plugin",
    ),
}
SCANNER_REQUIRED = {"pip-audit": ("--strict", "requirements-dev.txt")}
INLINE_BLANKET_IGNORES = {"ruff": re.compile(r"#\s*ruff\s*:\s*noqa", re.I)}
"""A file-level `# ruff: noqa` silences every rule in the file (a line's `# noqa: X` is reviewed
in the diff, like any code)."""
RUFF_CONFIG = {
    "extend-exclude": [".venv"],
    "exclude": None,
    "lint.ignore": ["ANN401"],
    "lint.per-file-ignores": {"tests/**": ["ANN"]},
    "lint.extend-ignore": None,
}
"""What pyproject.toml may exclude or ignore: anything more silences ruff for code CI lints."""
RUFF_SELECTED = ("E", "F", "W", "I", "B", "UP", "ANN", "RUF", "SIM")
PYTEST_ENV = ("PYTEST_ADDOPTS", "PYTEST_PLUGINS")
PULUMI_PARTIAL = ("--target", "--exclude", "--replace", "--continue-on-error")
"""`pulumi up`/`preview` options that deploy or judge only part of the stack."""
DOCKER_K6_OPTIONS = frozenset({"--rm", "-i", "--interactive"})
PLAYWRIGHT_TEST_DIR = "./tests"
LIGHTHOUSE_SETTINGS = frozenset({"formFactor", "throttlingMethod", "chromeFlags"})
"""The only Lighthouse settings the config may hold: any other (skipAudits, onlyCategories,
emulatedUserAgent, ...) changes what is measured."""
SHELL_ENDERS = frozenset({"exit", "return", "exec", "logout"})
SECRET = re.compile(r"\$\{\{\s*secrets\.(\w+)\s*\}\}")
ENV_DUMPS = frozenset({"env", "printenv", "export", "declare", "set"})
# What the Makefile targets CI calls must run (words each recipe must contain, in order).
MAKE_TARGETS: dict[str, tuple[tuple[str, ...], ...]] = {
    "lint": (("ruff", "check", "."), ("ruff", "format", "--check", ".")),
    "lint-workflows": (
        ("zizmor", "--offline", ".github/workflows"),
        ("pytest", "tests/delivery/test_gate_invariants.py", "tests/delivery/test_workflows.py"),
    ),
    "test": (("pytest",),),
    "preview": (("tools.offline.preview", "--stack", "$(STACK)"),),
    "policy-venvs": (),
    ".venv/.installed": (("pip", "install", "-r", "requirements-dev.txt"),),
}
MAKE_PREREQUISITES = {"lint": ("lint-workflows",)}
PYTEST_NARROWING = (
    *("-k", "--deselect", "--ignore", "--ignore-glob", "-m", "--lf", "--co"),
    # options that end the run before any test executes, or run only what failed last time
    *("--collect-only", "--setup-only", "--setup-plan", "--fixtures", "--fixtures-per-test"),
    *("--markers", "--help", "-h", "--version", "-V", "--last-failed", "--sw", "--stepwise"),
)


def finding(prop: str, text: str) -> str:
    assert prop in PROPERTIES, prop
    return f"[{prop}] {text}"


# --- reading the tree --------------------------------------------------------------------


def read(root: Path, relative: str, problems: list[str], prop: str) -> str | None:
    path = root / relative
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        problems.append(finding(prop, f"{relative}: cannot read ({error.strerror})"))
        return None


def workflows(root: Path) -> dict[str, dict[str, Any]]:
    found = {}
    for path in sorted((root / ".github" / "workflows").glob("*.y*ml")):
        found[path.stem] = load_text(path.read_text(encoding="utf-8"))
    return found


def run_lines(job: dict[str, Any]) -> list[tuple[dict[str, Any], str]]:
    return [(step, line) for step in steps(job) for line in logical_lines(step.get("run", ""))]


def simple_commands(words: list[str]) -> list[list[str]]:
    """A line's simple commands, split on `;`, `&&`, `||`, `|` and `&`."""
    commands: list[list[str]] = [[]]
    for word in words:
        if word in {";", "&&", "||", "|", "&", "|&"}:
            commands.append([])
        else:
            commands[-1].append(word)
    return [c for c in commands if c]


def step_env(workflow: dict[str, Any], job: dict[str, Any], step: dict[str, Any]) -> dict:
    return {**(workflow.get("env") or {}), **(job.get("env") or {}), **(step.get("env") or {})}


# --- nothing ends a gate's step before the gate ------------------------------------------


def early_exit_problems(name: str, job: dict[str, Any]) -> list[str]:
    problems = []
    for step in steps(job):
        lines = logical_lines(step.get("run", ""))
        gate_at = [i for i, line in enumerate(lines) if gates_on(line)]
        if not gate_at:
            continue
        for index, line in enumerate(lines[: max(gate_at) + 1]):
            commands = simple_commands(tokens(line))
            if index in gate_at:  # on the gate's own line, only what comes before the gate
                first = next(i for i, c in enumerate(commands) if gates_on(" ".join(c)))
                commands = commands[:first]
            for command in commands:
                if command[0] in SHELL_ENDERS:
                    problems.append(
                        finding(
                            "nothing-ends-the-job-before-a-gate",
                            f"{name}: `{' '.join(command)}` before {gates_on(lines[max(gate_at)])} "
                            "ends the step first",
                        )
                    )
    return problems


# --- each gate measures ------------------------------------------------------------------


def k6_problems(root: Path, workflow: dict[str, Any]) -> list[str]:
    problems = []
    runs = 0
    for name, job in workflow["jobs"].items():
        for step, line in run_lines(job):
            words = tokens(line)
            script_at = [i for i, w in enumerate(words) if K6_SCRIPT.search(w)]
            if not script_at:
                continue
            runs += 1
            where = f"{name}: k6"
            run_at = max((i for i in range(script_at[0]) if words[i] == "run"), default=None)
            if run_at is None:
                problems.append(finding("gate-measures", f"{where}: no `k6 run` before the script"))
                continue
            k6_words = words[run_at + 1 : script_at[0]] + words[script_at[0] + 1 :]
            for word in k6_words:
                if word.startswith("-") and word not in K6_ALLOWED_OPTIONS:
                    problems.append(
                        finding("gate-measures", f"{where}: option {word} replaces the scenario")
                    )
            launcher = words[:run_at]
            if launcher[:1] != ["docker"]:  # k6 itself reads K6_* options from its environment
                for key in step_env(workflow, job, step):
                    if key.upper().startswith("K6_"):
                        problems.append(finding("gate-measures", f"{where}: env {key} reaches k6"))
            if launcher[:2] == ["docker", "run"]:
                problems += docker_launcher_problems(where, launcher[2:])
    if runs == 0:
        return problems  # gate_invariants reports the missing gate
    source = read(root, "perf/k6/smoke.js", problems, "gate-measures")
    if source is not None:
        problems += k6_script_problems(root, source)
    return problems


def docker_launcher_problems(where: str, options: list[str]) -> list[str]:
    """`docker run` may only remove the container, pass BASE_URL and mount perf/ read-only
    before the image: any other option (an --entrypoint, an env file, `-eK6_VUS=1`, a second
    image) changes what k6 runs or how it is configured."""
    problems = []
    index = 0
    image_seen = False
    while index < len(options):
        word = options[index]
        value = options[index + 1] if index + 1 < len(options) else ""
        if image_seen:
            problems.append(finding("gate-measures", f"{where}: `{word}` after the image"))
            index += 1
        elif word in ("-e", "--env"):
            if value not in DOCKER_ENV_ALLOWED:
                problems.append(finding("gate-measures", f"{where}: docker -e {value} reaches k6"))
            index += 2
        elif word in ("-v", "--volume"):
            if not value.endswith(":/perf:ro"):
                problems.append(finding("gate-measures", f"{where}: docker -v {value}"))
            index += 2
        elif word in DOCKER_K6_OPTIONS:
            index += 1
        elif word.startswith("-"):
            problems.append(
                finding("gate-measures", f"{where}: docker option {word} changes what k6 runs")
            )
            index += 1
        else:
            if word not in ("$K6_IMAGE", "${K6_IMAGE}"):
                problems.append(finding("gate-measures", f"{where}: image {word}, want $K6_IMAGE"))
            image_seen = True
            index += 1
    return problems


def k6_thresholds(source: str) -> dict[str, list[str]]:
    """metric{tags} -> its threshold expressions, from the script's `thresholds` block."""
    block = re.search(r"thresholds:\s*\{(?P<body>.*?)\n\s*\},", source, re.S)
    found: dict[str, list[str]] = {}
    if block is None:
        return found
    for line in block.group("body").splitlines():
        line = line.split("//", 1)[0]
        entry = re.match(r"""\s*['"]?([\w.]+(?:\{[^}]*\})?)['"]?\s*:\s*\[([^\]]*)\]""", line)
        if entry:
            found[entry.group(1)] = re.findall(r"['\"]([^'\"]+)['\"]", entry.group(2))
    return found


def k6_script_problems(root: Path, source: str) -> list[str]:
    """The script refuses a run whose scenario was replaced and counts a minimum of requests."""
    problems = []
    targets = json.loads((root / "perf" / "targets.json").read_text(encoding="utf-8"))
    minimum = targets.get("min_requests_per_run")
    thresholds = k6_thresholds(source)
    counts = [
        float(m.group(1))
        for expr in thresholds.get("http_reqs{scenario:steady}", [])
        if (m := re.fullmatch(r"\s*count\s*>=?\s*([\d.]+)\s*", expr))
    ]
    if not isinstance(minimum, int) or minimum <= 0:
        problems.append(
            finding("gate-measures", "perf/targets.json: min_requests_per_run must be > 0")
        )
    elif not counts or max(counts) < minimum:
        problems.append(
            finding(
                "gate-measures",
                f"perf/k6/smoke.js: no `http_reqs{{scenario:steady}}: count>={minimum}` "
                "threshold: a run with no traffic would pass",
            )
        )
    problems += k6_target_problems(targets, thresholds)
    guard = re.search(r"function\s+setup\s*\([^)]*\)\s*\{\s*assertScenarioIsCommitted\(\)", source)
    if not guard or "exec.test.options" not in source:
        problems.append(
            finding(
                "gate-measures",
                "perf/k6/smoke.js: setup() must first refuse a run whose scenario a CLI option "
                "replaced (assertScenarioIsCommitted reading exec.test.options)",
            )
        )
    if re.search(r"__ENV\.(RATE|DURATION)\b", source):
        problems.append(
            finding("gate-measures", "perf/k6/smoke.js: the scenario's rate or duration from __ENV")
        )
    return problems


K6_TARGETS = (
    # (metric, aggregation, target key, how the threshold's value must compare with the target)
    ("http_req_duration{scenario:steady}", "p(99)", "p99_latency_ms", "upper"),
    ("http_req_failed{scenario:steady}", "rate", "error_rate_max", "upper"),
    ("checks{scenario:steady}", "rate", "error_rate_max", "checks"),
    ("cache_hit{scenario:steady}", "rate", "cache_hit_rate_min", "lower"),
)


def k6_target_problems(targets: dict[str, Any], thresholds: dict[str, list[str]]) -> list[str]:
    """Each owners' target is a threshold at least as strict as the target (perf/targets.json):
    a p99 bound raised, an error rate widened, `checks: rate>0` or a threshold removed passes a
    failing service."""
    problems = []
    for key in ("error_rate_max", "cache_hit_rate_min"):
        value = targets.get(key)
        if not isinstance(value, int | float) or not 0 < value < 1:
            problems.append(
                finding(
                    "gate-measures",
                    f"perf/targets.json: {key} = {value!r} is a fraction at its bound (0 or 1), "
                    "which judges nothing: the gate and the alarms built from it are off",
                )
            )
    for metric, aggregation, key, kind in K6_TARGETS:
        target = targets.get(key)
        bounds = []
        for expr in thresholds.get(metric, []):
            found = re.fullmatch(rf"\s*{re.escape(aggregation)}\s*(<=?|>=?)\s*([\d.]+)\s*", expr)
            if found:
                bounds.append((found.group(1), float(found.group(2))))
        if kind == "upper":
            strict = [v for op, v in bounds if op.startswith("<") and v <= float(target or 0)]
        elif kind == "lower":
            strict = [v for op, v in bounds if op.startswith(">") and v >= float(target or 2)]
        else:  # every check must pass as often as requests must succeed
            strict = [v for op, v in bounds if op.startswith(">") and v >= 1 - float(target or 1)]
        if not isinstance(target, int | float) or not strict:
            problems.append(
                finding(
                    "gate-measures",
                    f"perf/k6/smoke.js: {metric} has no {aggregation} threshold as strict as "
                    f"{key} = {target!r} ({thresholds.get(metric)})",
                )
            )
    return problems


def lighthouse_problems(root: Path, workflow: dict[str, Any]) -> list[str]:
    problems = []
    runs = 0
    for name, job in workflow["jobs"].items():
        for step, line in run_lines(job):
            words = tokens(line)
            if "lhci" not in words:
                continue
            runs += 1
            for key in step_env(workflow, job, step):
                if key.upper().startswith("LHCI_"):
                    problems.append(
                        finding("gate-measures", f"{name}: env {key} overrides Lighthouse CI")
                    )
            options = words[words.index("lhci") + 2 :]
            for word in options:
                if word.startswith("-") and not any(
                    word == allowed or (allowed.endswith("=") and word.startswith(allowed))
                    for allowed in LHCI_ALLOWED_OPTIONS
                ):
                    problems.append(
                        finding("gate-measures", f"{name}: lhci option {word} overrides its config")
                    )
    if runs == 0:
        return problems
    raw = read(root, "lighthouse/lighthouserc.json", problems, "gate-measures")
    pages_raw = read(root, "lighthouse/pages.json", problems, "gate-measures")
    if raw is None or pages_raw is None:
        return problems
    try:
        ci = json.loads(raw)["ci"]
        listed = json.loads(pages_raw)
        urls = {kind: listed.get(kind, []) for kind in LIGHTHOUSE_CATEGORIES}
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        return [*problems, finding("gate-measures", f"lighthouse config unreadable: {error}")]
    collect = ci.get("collect") or {}
    settings = collect.get("settings") or {}
    where = "lighthouse/lighthouserc.json"
    if "preset" in settings:
        problems.append(finding("gate-measures", f"{where}: preset {settings['preset']!r}"))
    if settings.get("throttlingMethod") != "simulate":
        problems.append(
            finding(
                "gate-measures",
                f"{where}: throttlingMethod {settings.get('throttlingMethod')!r}, want 'simulate'",
            )
        )
    if settings.get("formFactor", "mobile") != "mobile" or (
        settings.get("screenEmulation") or {}
    ).get("disabled"):
        problems.append(finding("gate-measures", f"{where}: not the mobile form factor"))
    if "throttling" in settings:
        problems.append(finding("gate-measures", f"{where}: throttling overridden"))
    for key in sorted(set(settings) - LIGHTHOUSE_SETTINGS - {"preset", "throttling"}):
        if key != "screenEmulation":
            problems.append(finding("gate-measures", f"{where}: settings.{key} changes the audit"))
    if not isinstance(collect.get("numberOfRuns"), int) or collect["numberOfRuns"] < 3:
        problems.append(finding("gate-measures", f"{where}: numberOfRuns below 3"))
    for key in ("url", "staticDistDir", "startServerCommand"):
        if key in collect:
            problems.append(finding("gate-measures", f"{where}: collect.{key} replaces the pages"))
    problems += lighthouse_assertion_problems(ci.get("assert"), urls)
    return problems


def lighthouse_assertion_problems(asserting: Any, urls: dict[str, Any]) -> list[str]:
    """Each URL pages.json lists is judged by an error at 0.9 in every category its kind needs,
    through the assertMatrix entries whose pattern matches it (as Lighthouse CI applies them)."""
    where = "lighthouse/lighthouserc.json"
    if not isinstance(asserting, dict) or set(asserting) != {"assertMatrix"}:
        keys = sorted(asserting) if isinstance(asserting, dict) else asserting
        return [finding("gate-measures", f"{where}: assert has {keys}, want only assertMatrix")]
    entries = asserting["assertMatrix"]
    problems = []
    matchers: list[tuple[re.Pattern[str], dict[str, Any]]] = []
    for index, entry in enumerate(entries if isinstance(entries, list) else [None]):
        if not isinstance(entry, dict) or set(entry) != {"matchingUrlPattern", "assertions"}:
            found = sorted(entry) if isinstance(entry, dict) else entry
            problems.append(finding("gate-measures", f"{where}: assertMatrix[{index}] is {found}"))
            continue
        try:
            matchers.append((re.compile(str(entry["matchingUrlPattern"])), entry["assertions"]))
        except re.error as error:
            problems.append(finding("gate-measures", f"{where}: assertMatrix[{index}]: {error}"))
    for kind, categories in LIGHTHOUSE_CATEGORIES.items():
        paths = urls.get(kind)
        if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
            problems.append(finding("gate-measures", f"lighthouse/pages.json: {kind} {paths!r}"))
            continue
        for required in LIGHTHOUSE_REQUIRED_URLS[kind]:
            if required not in paths:
                problems.append(
                    finding("gate-measures", f"lighthouse/pages.json: {kind} lacks {required}")
                )
        for path in paths:
            url = LIGHTHOUSE_PROBE_BASE + path
            applied = [a for pattern, a in matchers if pattern.search(url)]
            for category in categories:
                levels = [a.get(f"categories:{category}") for a in applied if isinstance(a, dict)]
                if not any(_judges_at_90(level) for level in levels) or any(
                    not _judges_at_90(level) for level in levels if level is not None
                ):
                    problems.append(
                        finding(
                            "gate-measures",
                            f"{where}: {path} ({kind}) not judged by an error at 0.9 in {category}",
                        )
                    )
    return problems


def _judges_at_90(level: Any) -> bool:
    """`["error", {"minScore": >= 0.9, "aggregationMethod": median-run or pessimistic}]`."""
    if not (isinstance(level, list) and level[:1] == ["error"] and len(level) == 2):
        return False
    options = level[1] if isinstance(level[1], dict) else {}
    try:
        score = float(options.get("minScore", 0))
    except (TypeError, ValueError):
        return False
    return score >= 0.9 and options.get("aggregationMethod") in LIGHTHOUSE_AGGREGATIONS


def playwright_problems(root: Path, workflow: dict[str, Any]) -> list[str]:
    problems = []
    runs = 0
    for name, job in workflow["jobs"].items():
        for step, line in run_lines(job):
            words = tokens(line)
            if "playwright" not in words or "test" not in words:
                continue
            runs += 1
            for word in words[words.index("test") + 1 :]:
                if word.startswith("-") and word not in PLAYWRIGHT_ALLOWED_OPTIONS:
                    problems.append(finding("gate-measures", f"{name}: playwright option {word}"))
            for key in step_env(workflow, job, step):
                if key.upper().startswith(("PW_", "PWTEST_", "PLAYWRIGHT_")):
                    problems.append(finding("gate-measures", f"{name}: env {key}"))
    if runs == 0:
        return problems
    config = read(root, "e2e/playwright.config.ts", problems, "gate-measures")
    if config is not None:
        retries = re.findall(r"^\s*retries\s*:\s*([^,\n]+),", config, re.M)
        if retries != ["0"] and retries != ["1"]:
            problems.append(
                finding(
                    "gate-measures", f"e2e/playwright.config.ts: retries {retries}, want 0 or 1"
                )
            )
        if not re.search(r"^\s*forbidOnly\s*:\s*true\s*,", config, re.M):
            problems.append(finding("gate-measures", "e2e/playwright.config.ts: forbidOnly: true"))
        test_dirs = re.findall(r"^\s*testDir\s*:\s*([^,\n]+),", config, re.M)
        if test_dirs != [f"'{PLAYWRIGHT_TEST_DIR}'"]:
            problems.append(
                finding(
                    "gate-measures",
                    f"e2e/playwright.config.ts: testDir {test_dirs}, want '{PLAYWRIGHT_TEST_DIR}' "
                    "(the specs judged here)",
                )
            )
        for key in ("grep", "grepInvert", "testIgnore", "testMatch", "shard"):
            if re.search(rf"^\s*{key}\s*:", config, re.M):
                problems.append(finding("gate-measures", f"e2e/playwright.config.ts: {key}"))
    specs = sorted((root / "e2e" / "tests").glob("*.ts"))
    if not specs:
        problems.append(finding("gate-measures", "e2e/tests: no spec"))
    for spec in specs:
        text = spec.read_text(encoding="utf-8")
        if PLAYWRIGHT_SKIPS.search(text):
            problems.append(
                finding("gate-measures", f"e2e/tests/{spec.name}: skip, only, fixme or fail")
            )
        if not re.search(r"^test\(", text, re.M):
            problems.append(finding("gate-measures", f"e2e/tests/{spec.name}: no test"))
    return problems


# --- scanners -----------------------------------------------------------------------------


def scanner_problems(root: Path, commands: list[list[str]]) -> list[str]:
    """No ignore option on a scanner's command, no config file or inline comment silencing it."""
    problems = []
    for words in commands:
        for scanner, forbidden in SCANNER_FORBIDDEN.items():
            if not any(scanner in w for w in words):
                continue
            for word in words:
                if word.startswith(forbidden):
                    problems.append(
                        finding("scanners-have-no-ignore-path", f"{scanner} run with {word}")
                    )
            for required in SCANNER_REQUIRED.get(scanner, ()):
                if required not in words:
                    problems.append(
                        finding("scanners-have-no-ignore-path", f"{scanner} without {required}")
                    )
    for config in ZIZMOR_CONFIGS:
        if (root / config).exists():
            problems.append(
                finding("scanners-have-no-ignore-path", f"{config} can disable zizmor's rules")
            )
    for path in sorted((root / ".github" / "workflows").glob("*.y*ml")):
        if INLINE_IGNORES["zizmor"].search(path.read_text(encoding="utf-8")):
            problems.append(
                finding("scanners-have-no-ignore-path", f"{path.name}: inline `zizmor: ignore`")
            )
    baseline = root / ".secrets.baseline"
    if baseline.exists():
        try:
            results = json.loads(baseline.read_text(encoding="utf-8")).get("results") or {}
            unaudited = [
                f"{path}:{item.get('line_number')}"
                for path, items in results.items()
                for item in items
                if item.get("is_secret") is not False
            ]
        except (ValueError, AttributeError) as error:
            unaudited = [f"unreadable ({error})"]
        if unaudited:
            problems.append(
                finding(
                    "scanners-have-no-ignore-path",
                    f".secrets.baseline accepts findings nobody audited as false: {unaudited[:3]}",
                )
            )
    for path in tracked_text_files(root):
        content = path.read_text(encoding="utf-8", errors="replace")
        if INLINE_IGNORES["detect-secrets"].search(content):
            problems.append(
                finding(
                    "scanners-have-no-ignore-path",
                    f"{path.relative_to(root)}: an inline `pragma: allowlist secret`",
                )
            )
        if path.suffix == ".py" and INLINE_BLANKET_IGNORES["ruff"].search(content):
            problems.append(
                finding(
                    "scanners-have-no-ignore-path",
                    f"{path.relative_to(root)}: a file-level `# ruff: noqa` silences every rule",
                )
            )
    problems += ruff_config_problems(root)
    return problems


def secret_scan_input_problems(all_workflows: dict[str, dict[str, Any]]) -> list[str]:
    """The secret scanner reads every tracked file: `git ls-files -z` with no pathspec feeds it."""
    problems = []
    for name, workflow in all_workflows.items():
        for job_name, job in workflow["jobs"].items():
            for _, line in run_lines(job):
                if "detect-secrets" not in line:
                    continue
                listings = [
                    c for c in simple_commands(tokens(line)) if c[:2] == ["git", "ls-files"]
                ]
                if [c[2:] for c in listings] != [["-z"]]:
                    problems.append(
                        finding(
                            "scanners-have-no-ignore-path",
                            f"{name}/{job_name}: the secret scan reads {listings or 'no listing'}"
                            ", not every tracked file (`git ls-files -z`)",
                        )
                    )
    return problems


def ruff_config_problems(root: Path) -> list[str]:
    """pyproject.toml excludes and ignores no more than the committed set, selects no less."""
    import tomllib

    prop = "scanners-have-no-ignore-path"
    try:
        ruff = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["ruff"]
    except (OSError, KeyError, tomllib.TOMLDecodeError) as error:
        return [finding(prop, f"pyproject.toml: ruff's config unreadable ({error!r})")]
    problems = []
    for dotted, allowed in RUFF_CONFIG.items():
        section: Any = ruff
        for part in dotted.split("."):
            section = section.get(part) if isinstance(section, dict) else None
        if section is None or section == allowed:
            continue
        widened = (
            set(section) - set(allowed or ()) if isinstance(section, list | dict) else {section}
        )
        if isinstance(section, dict) and isinstance(allowed, dict):
            widened |= {k for k in section if k in allowed and section[k] != allowed[k]}
        if widened:
            problems.append(finding(prop, f"pyproject.toml: ruff {dotted} adds {sorted(widened)}"))
    lint = ruff.get("lint") or {}
    selected = lint.get("select") or []
    if missing := [rule for rule in RUFF_SELECTED if rule not in selected]:
        problems.append(finding(prop, f"pyproject.toml: ruff no longer selects {missing}"))
    return problems


SKIPPED_DIRECTORIES = {".git", ".venv", "node_modules", "venv", "__pycache__", ".pytest_cache"}
TEXT_SUFFIXES = {".py", ".json", ".yaml", ".yml", ".md", ".ts", ".js", ".mjs", ".toml", ".sh"}


RULE_FILES = {"gate_properties.py", "test_gate_properties.py"}
"""They name the ignore comments they refuse."""


def tracked_text_files(root: Path) -> list[Path]:
    """The text files a secret scanner reads: git's tracked files in a checkout, else every
    file of a copy (virtualenvs and installed packages left out)."""
    import subprocess

    done = (
        subprocess.run(["git", "-C", str(root), "ls-files", "-z"], capture_output=True, check=False)
        if (root / ".git").exists()  # a copy is no checkout: no git process for each edit
        else None
    )
    if done is not None and done.returncode == 0:
        candidates = [root / name for name in done.stdout.decode().split("\0") if name]
    else:
        candidates = [
            path
            for path in root.rglob("*")
            if not SKIPPED_DIRECTORIES & set(path.relative_to(root).parts)
        ]
    return [
        path
        for path in candidates
        if path.suffix in TEXT_SUFFIXES and path.is_file() and path.name not in RULE_FILES
    ]


# --- secrets ------------------------------------------------------------------------------


def secret_problems(name: str, workflow: dict[str, Any]) -> list[str]:
    problems = []
    prop = "secrets-stay-in-their-step"
    if SECRET.search(json.dumps(workflow.get("env") or {})):
        problems.append(finding(prop, f"{name}: a secret in the workflow env"))
    for job_name, job in workflow["jobs"].items():
        where = f"{name}/{job_name}"
        if SECRET.search(json.dumps(job.get("env") or {})):
            problems.append(finding(prop, f"{where}: a secret in the job env"))
        for step in steps(job):
            if SECRET.search(step.get("run", "")) or SECRET.search(
                json.dumps(step.get("with") or {})
            ):
                problems.append(
                    finding(prop, f"{where}: a secret expanded into a step's script or inputs")
                )
            env = step.get("env") or {}
            if any(k.startswith(("ACTIONS_STEP_DEBUG", "ACTIONS_RUNNER_DEBUG")) for k in env):
                problems.append(finding(prop, f"{where}: debug logging in a step's env"))
            holders = [key for key, value in env.items() if SECRET.search(str(value))]
            if not holders:
                continue
            for line in logical_lines(step.get("run", "")):
                for key in holders:
                    if re.search(rf"\$\{{?{key}\b", line):
                        problems.append(finding(prop, f"{where}: the script names ${key}: {line}"))
                for command in simple_commands(tokens(line)):
                    if command[0] == "set" and any(
                        w in ("-x", "-o") or (w.startswith("-") and "x" in w) for w in command[1:]
                    ):
                        if "xtrace" in command or any(
                            w.startswith("-") and "x" in w for w in command[1:]
                        ):
                            problems.append(finding(prop, f"{where}: `set -x` traces the secret"))
                    elif command[0] in ENV_DUMPS and len(command) <= 2 and command[0] != "set":
                        problems.append(finding(prop, f"{where}: `{' '.join(command)}` prints it"))
    return problems


def secret_expression_problems(name: str, workflow: dict[str, Any]) -> list[str]:
    """Only `secrets.NAME` reaches a step: `toJSON(secrets)` or `secrets[...]` hands every secret
    of the environment to one place; `--show-secrets` prints decrypted config or outputs."""
    prop = "secrets-stay-in-their-step"
    problems = []
    text = json.dumps(workflow, default=str)
    for expression in re.findall(r"\$\{\{(.*?)\}\}", text):
        if re.search(r"\bsecrets\b(?!\.\w)", expression):
            problems.append(
                finding(prop, f"{name}: `${{{{{expression.strip()}}}}}` reads every secret")
            )
    for job_name, job in workflow["jobs"].items():
        for _, line in run_lines(job):
            if "--show-secrets" in tokens(line):
                problems.append(
                    finding(prop, f"{name}/{job_name}: `{line.strip()}` prints secrets")
                )
    return problems


# --- permissions and pinned tools ----------------------------------------------------------

PR_TRIGGERS = frozenset({"pull_request"})
COMMENT_PERMISSION = ("pull-requests", "write")


def permission_problems(name: str, workflow: dict[str, Any]) -> list[str]:
    prop = "least-privilege"
    problems = []
    if workflow.get("permissions") != {}:
        problems.append(
            finding(
                prop, f"{name}: workflow permissions {workflow.get('permissions')!r}, want {{}}"
            )
        )
    if name == "pull-request" and set(workflow.get("on") or {}) != PR_TRIGGERS:
        problems.append(
            finding(prop, f"{name}: runs on {sorted(workflow.get('on') or {})}, want pull_request")
        )
    for job_name, job in workflow["jobs"].items():
        granted = job.get("permissions") or {}
        if not isinstance(granted, dict):
            problems.append(finding(prop, f"{name}/{job_name}: permissions {granted!r}"))
            continue
        text = json.dumps(job, default=str)
        allowed = {("contents", "read")}
        if "configure-aws-credentials" in text:
            allowed.add(("id-token", "write"))
        if RELEASE_CHECK.rsplit("/", 1)[-1] in text:
            allowed.add(("deployments", "read"))
        runs_pr_code = any(
            "actions/checkout" in step.get("uses", "") or gates_in(step) for step in steps(job)
        )
        if name == "pull-request" and not runs_pr_code:
            allowed.add(COMMENT_PERMISSION)
        for key, value in granted.items():
            if (key, value) not in allowed and value not in ("none",):
                problems.append(
                    finding(prop, f"{name}/{job_name}: {key}: {value} is more than it uses")
                )
    return problems


def pinning_problems(name: str, workflow: dict[str, Any]) -> list[str]:
    prop = "tools-pinned"
    problems = []
    envs = [workflow.get("env") or {}]
    for job_name, job in workflow["jobs"].items():
        where = f"{name}/{job_name}"
        envs.append(job.get("env") or {})
        container = job.get("container")
        image = container.get("image") if isinstance(container, dict) else container
        if container is not None and not re.search(r"@sha256:[0-9a-f]{64}$", str(image)):
            problems.append(finding(prop, f"{where}: container image {image!r} not by digest"))
        for step in steps(job):
            envs.append(step.get("env") or {})
            uses = str(step.get("uses", ""))
            if uses and not (
                uses.startswith("./")
                or re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", uses)
                or re.fullmatch(r"docker://\S+@sha256:[0-9a-f]{64}", uses)
            ):
                problems.append(finding(prop, f"{where}: `uses: {uses}` is not pinned by SHA"))
            for line in logical_lines(step.get("run", "")):
                words = tokens(line)
                if "lhci" in words and not _contains_in_order(words, ("npx", "--no-install")):
                    problems.append(
                        finding(prop, f"{where}: lhci run without `npx --no-install`: {line}")
                    )
                for command in simple_commands(words):
                    if command[:2] in (["npm", "install"], ["npm", "i"], ["npm", "add"]):
                        problems.append(
                            finding(
                                prop,
                                f"{where}: `{' '.join(command)}` may resolve other "
                                "versions than the lock file's; use `npm ci`",
                            )
                        )
            problems += cache_problems(where, step)
            version = (step.get("with") or {}).get("pulumi-version")
            if "pulumi/actions" in uses and version is not None:
                envs_so_far = {k: v for env in envs for k, v in env.items()}
                resolved = re.sub(
                    r"\$\{\{\s*env\.(\w+)\s*\}\}",
                    lambda m, known=envs_so_far: str(known.get(m.group(1), m.group(0))),
                    str(version),
                )
                if not re.fullmatch(r"\d+\.\d+\.\d+", resolved):
                    problems.append(
                        finding(prop, f"{where}: the Pulumi CLI version {resolved!r} is not exact")
                    )
    for env in envs:
        for key, value in env.items():
            pinned = re.search(r"@sha256:[0-9a-f]{64}$", str(value))
            if key.upper().endswith("_IMAGE") and "${{" not in str(value) and not pinned:
                problems.append(finding(prop, f"{name}: {key} {value!r} not by digest"))
    return problems


CACHED_TREES = re.compile(r"(^|/)(\.?venv|node_modules|site-packages|\.pulumi)(/|$)")


def cache_problems(where: str, step: dict[str, Any]) -> list[str]:
    """A restored interpreter or dependency tree is code no pinned requirement chose: a cache of
    one is keyed on the lock files it was installed from (hashFiles), with no fallback key."""
    if not re.match(r"actions/cache(/restore)?@", str(step.get("uses", ""))):
        return []
    given = step.get("with") or {}
    paths = str(given.get("path", "")).split()
    if not any(CACHED_TREES.search(path) for path in paths):
        return []
    if "hashFiles(" in str(given.get("key", "")) and not given.get("restore-keys"):
        return []
    return [
        finding(
            "tools-pinned",
            f"{where}: caches {paths} under {given.get('key')!r}"
            f"{' with restore-keys' if given.get('restore-keys') else ''}: a stale or foreign "
            "tree can be restored instead of the pinned requirements",
        )
    ]


# --- the deploy lane and the dispatch trigger ---------------------------------------------


def lane_problems(workflow: dict[str, Any]) -> list[str]:
    lane = workflow.get("concurrency")
    if not isinstance(lane, dict) or not lane.get("group"):
        return [finding("deploy-lane", "the deploy workflow has no concurrency group")]
    problems = []
    if re.search(r"github\.(run_id|run_number|run_attempt|sha)|\$\{\{", str(lane["group"])):
        problems.append(
            finding("deploy-lane", f"concurrency group {lane['group']!r} differs per run")
        )
    if lane.get("cancel-in-progress") is not False:
        problems.append(finding("deploy-lane", "cancel-in-progress must be false"))
    for name, job in workflow["jobs"].items():
        concurrency = job.get("concurrency")
        if isinstance(concurrency, dict) and concurrency.get("cancel-in-progress") not in (
            None,
            False,
        ):
            problems.append(finding("deploy-lane", f"{name}: cancels a deploy in progress"))
    return problems


def dispatch_problems(workflow: dict[str, Any], text: str) -> list[str]:
    prop = "dispatch-deploys-main-head"
    problems = []
    dispatch = (workflow.get("on") or {}).get("workflow_dispatch")
    if dispatch not in (None, {}):
        problems.append(finding(prop, f"workflow_dispatch takes {dispatch!r}"))
    if re.search(r"\b(inputs|github\.event\.inputs|github\.event\.client_payload)\.", text):
        problems.append(finding(prop, "a run reads dispatch inputs"))
    for name, job in workflow["jobs"].items():
        for step in steps(job):
            if "actions/checkout" in step.get("uses", ""):
                extra = set(step.get("with") or {}) - {"persist-credentials"}
                if extra:
                    problems.append(finding(prop, f"{name}: checkout with {sorted(extra)}"))
            for line in logical_lines(step.get("run", "")):
                for command in simple_commands(tokens(line)):
                    if command[:1] == ["git"] and set(command[1:2]) & {
                        "checkout",
                        "switch",
                        "reset",
                        "fetch",
                        "pull",
                        "merge",
                        "restore",
                    }:
                        problems.append(finding(prop, f"{name}: `{' '.join(command)}`"))
    return problems


# --- pulumi runs every pack ----------------------------------------------------------------


def pack_problems(name: str, workflow: dict[str, Any]) -> list[str]:
    problems = []
    for job_name, job in workflow["jobs"].items():
        for _, line in run_lines(job):
            words = tokens(line)
            for index, word in enumerate(words[:-1]):
                if word != "pulumi" or words[index + 1] not in ("up", "preview"):
                    continue
                pairs = list(itertools.pairwise(words))
                packs = [v for k, v in pairs if k == "--policy-pack"]
                configs = [v for k, v in pairs if k == "--policy-pack-config"]
                wanted = [f"policies/{p}" for p in PACKS]
                wanted_configs = [f"policies/config/$STACK.{p}.json" for p in PACKS]
                for option in words[index + 2 :]:
                    if option.split("=")[0].startswith(PULUMI_PARTIAL):
                        problems.append(
                            finding(
                                "each-deploy-targets-its-stack",
                                f"{name}/{job_name}: pulumi {words[index + 1]} {option} covers "
                                "only part of the stack",
                            )
                        )
                if packs != wanted or configs != wanted_configs:
                    problems.append(
                        finding(
                            "every-policy-pack-runs",
                            f"{name}/{job_name}: pulumi {words[index + 1]} runs packs {packs} "
                            f"with {configs}, want {wanted} with {wanted_configs}",
                        )
                    )
    return problems


# --- the Makefile targets CI calls --------------------------------------------------------


def masked_by_or(words: list[str]) -> bool:
    """`a || b` ignores a's failure, unless a is only a test (`test -x venv || make venv`)."""
    commands: list[list[str]] = [[]]
    for word in words:
        if word in {";", "&&", "||", "|", "&"}:
            command = [w for w in commands[-1] if w not in ("do", "then", "else")]
            if word == "||" and command[:1] not in (["test"], ["["]):
                return True
            commands.append([])
        else:
            commands[-1].append(word)
    return False


def makefile_targets(text: str) -> dict[str, tuple[list[str], list[str]]]:
    """target -> (prerequisites, recipe lines), continuations joined."""
    joined = re.sub(r"\\\n", " ", text)
    targets: dict[str, tuple[list[str], list[str]]] = {}
    current: list[str] = []
    for line in joined.splitlines():
        if line.startswith("\t") and current:
            for name in current:
                targets[name][1].append(line.strip())
            continue
        rule = re.match(r"^([^\s:=#][^:=]*?):(?!=)\s*(.*)$", line)
        if rule and not line.startswith((".PHONY", "#")):
            current = rule.group(1).split()
            for name in current:
                targets[name] = (rule.group(2).split("#")[0].split(), [])
        elif line.strip() and not line.startswith("#"):
            current = []
    return targets


def expand(text: str, variables: dict[str, str]) -> str:
    for _ in range(5):
        text = re.sub(
            r"\$\((\w+)\)",
            lambda m: variables.get(m.group(1), m.group(0)),
            text,
        )
    return text


def ends_successfully(command: list[str]) -> bool:
    """A command that ends the recipe with success whatever came before: `exit`/`return` with
    no status or a literal 0, `exec` of anything, `true`, `:`. `exit $$code` passes a status on."""
    if not command:
        return False
    if command[0] in ("exit", "return", "logout"):
        return len(command) == 1 or command[1] == "0"
    return command[0] in SHELL_ENDERS or command in (["true"], [":"])


def make_problems(root: Path, called: set[str]) -> list[str]:
    prop = "make-targets-do-what-they-say"
    problems: list[str] = []
    text = read(root, "Makefile", problems, prop)
    if text is None:
        return problems
    variables = dict(re.findall(r"^(\w+)\s*[:?]?=\s*(.*?)\s*$", text, re.M))
    variables = {
        k: v for k, v in variables.items() if k in {"VENV", "BIN", "STAMP", "PREVIEW_COMMAND"}
    }
    targets = {expand(k, variables): v for k, v in makefile_targets(text).items()}
    for target in sorted(called):
        if target not in MAKE_TARGETS:
            problems.append(finding(prop, f"CI calls `make {target}`, which no rule describes"))
            continue
        if target not in targets:
            problems.append(finding(prop, f"`make {target}`: no such target"))
            continue
        prerequisites, recipe = targets[target]
        for needed in MAKE_PREREQUISITES.get(target, ()):
            if needed not in prerequisites:
                problems.append(finding(prop, f"`make {target}` no longer runs {needed}"))
        words_by_line = [make_tokens(expand(line.lstrip("@"), variables)) for line in recipe]
        for line, words in zip(recipe, words_by_line, strict=True):
            if line.startswith(("-", "@-")):
                problems.append(finding(prop, f"`make {target}`: `{line}` ignores its failure"))
            if masked_by_or(words):
                problems.append(finding(prop, f"`make {target}`: `{line}` ignores its failure"))
            commands = simple_commands(words)
            if {"for", "while", "until"} & set(words) and words[:2] != ["set", "-e"]:
                problems.append(
                    finding(
                        prop, f"`make {target}`: a loop without `set -e` keeps only its last status"
                    )
                )
            if any(ends_successfully(c) for c in commands):
                problems.append(finding(prop, f"`make {target}`: `{line}` ends early"))
            if any(w.endswith("pytest") for w in words) and any(
                w in PYTEST_NARROWING or w.startswith(tuple(f + "=" for f in PYTEST_NARROWING))
                for w in words[words.index("pytest") + 1 if "pytest" in words else 0 :]
            ):
                problems.append(finding(prop, f"`make {target}`: `{line}` narrows the tests"))
        for required in MAKE_TARGETS[target]:
            if not any(_contains_in_order(words, required) for words in words_by_line):
                problems.append(
                    finding(prop, f"`make {target}` no longer runs {' '.join(required)}")
                )
        if target == "policy-venvs":
            body = " ".join(recipe)
            missing = [p for p in PACKS if not re.search(rf"\b{p}\b", body)]
            if missing:
                problems.append(finding(prop, f"`make policy-venvs` skips packs {missing}"))
        if target == "test":
            pytest_words = next((w for w in words_by_line if any("pytest" in x for x in w)), [])
            after = (
                pytest_words[next(i for i, w in enumerate(pytest_words) if "pytest" in w) + 1 :]
                if pytest_words
                else []
            )
            paths = [w for w in after if not w.startswith("-") and not w.isdigit()]
            if paths:
                problems.append(finding(prop, f"`make test` runs only {paths}"))
    return problems


def pytest_config_problems(root: Path, all_workflows: dict[str, dict[str, Any]]) -> list[str]:
    """`make test` runs every test: no PYTEST_ADDOPTS reaching it, no narrowing in pyproject."""
    import tomllib

    prop = "make-targets-do-what-they-say"
    problems = []
    for name, workflow in all_workflows.items():
        for job_name, job in workflow["jobs"].items():
            for step in steps(job):
                for key in step_env(workflow, job, step):
                    if key.upper() in PYTEST_ENV:
                        problems.append(
                            finding(prop, f"{name}/{job_name}: env {key} reaches pytest")
                        )
    try:
        config = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
        pytest_config = config["tool"]["pytest"]["ini_options"]
    except (OSError, KeyError, tomllib.TOMLDecodeError) as error:
        return [*problems, finding(prop, f"pyproject.toml: pytest config unreadable ({error!r})")]
    words = tokens(str(pytest_config.get("addopts", "")))
    narrowing = [w for w in words if w.split("=")[0] in PYTEST_NARROWING or w == "-x"]
    narrowing += [w for w in words if w.startswith(("-k", "-m")) and len(w) > 2]
    if narrowing:
        problems.append(finding(prop, f"pyproject.toml: pytest addopts narrow the run {narrowing}"))
    if pytest_config.get("testpaths") != ["tests"]:
        problems.append(
            finding(prop, f"pyproject.toml: testpaths {pytest_config.get('testpaths')!r}")
        )
    for key in ("norecursedirs", "python_files", "python_functions", "python_classes"):
        if key in pytest_config:
            problems.append(finding(prop, f"pyproject.toml: pytest {key} narrows collection"))
    return problems + conftest_problems(root)


COLLECTION_HOOKS = frozenset({"collect_ignore", "collect_ignore_glob", "pytest_ignore_collect"})


def conftest_problems(root: Path) -> list[str]:
    """No conftest.py takes tests out of the run: no collect_ignore(_glob), no
    pytest_ignore_collect, no deselection in a collection hook (a skip with a reason is
    reported by pytest, so it stays visible)."""
    import ast

    problems = []
    for path in sorted((root / "tests").rglob("conftest.py")) if (root / "tests").is_dir() else []:
        where = path.relative_to(root)
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (OSError, SyntaxError) as error:
            problems.append(finding("make-targets-do-what-they-say", f"{where}: {error}"))
            continue
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.FunctionDef):
                names = [node.name]
            elif isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                names = [t.id for t in targets if isinstance(t, ast.Name)]
            elif isinstance(node, ast.Attribute) and node.attr == "pytest_deselected":
                names = [node.attr]
            hit = set(names) & (COLLECTION_HOOKS | {"pytest_deselected"})
            if hit:
                problems.append(
                    finding(
                        "make-targets-do-what-they-say",
                        f"{where}: {sorted(hit)} takes tests out of `make test`",
                    )
                )
    return problems


def matrix_problems(workflow: dict[str, Any], stacks: set[str]) -> list[str]:
    """The pull request previews every deployed stack, and every stack file (prod-dr is deployed
    by hand, from a stack file a pull request changes), offline: no stack left out of the
    matrix or excluded from it."""
    prop = "every-policy-pack-runs"
    previewed: set[str] = set()
    for job in workflow["jobs"].values():
        if not any("offline preview" in gates_in(step) for step in steps(job)):
            continue
        matrix = (job.get("strategy") or {}).get("matrix") or {}
        listed = matrix.get("stack") if isinstance(matrix, dict) else None
        if not isinstance(listed, list):
            return [finding(prop, f"the offline preview's matrix {matrix!r} is not a list")]
        excluded = {
            str(entry.get("stack"))
            for entry in (matrix.get("exclude") or [])
            if isinstance(entry, dict)
        }
        previewed |= {str(s) for s in listed} - excluded
    missing = sorted(stacks - previewed)
    return [finding(prop, f"the pull request previews {sorted(previewed)}, not {missing}")] * bool(
        missing
    )


def make_tokens(line: str) -> list[str]:
    """A recipe line's shell words, with make's `$(VAR)` and `$(if ...)` kept as single words."""
    line = re.sub(r"\$\((\w+)\)", r"@@\1@@", line)
    line = re.sub(r"\$\((if|or|and) [^()]*\)", "@@FUNCTION@@", line)
    return [re.sub(r"@@(\w+)@@", r"$(\1)", word) for word in tokens(line)]


def _contains_in_order(words: list[str], required: tuple[str, ...]) -> bool:
    position = 0
    for word in words:
        if position < len(required) and (
            word == required[position]
            or word.endswith("/" + required[position])
            or (required[position].startswith("tools.") and word == required[position])
        ):
            position += 1
    return position == len(required)


def called_make_targets(all_workflows: dict[str, dict[str, Any]]) -> set[str]:
    called = set()
    for workflow in all_workflows.values():
        for job in workflow["jobs"].values():
            for _, line in run_lines(job):
                for command in simple_commands(tokens(line)):
                    if command[0] == "make":
                        called.update(
                            w for w in command[1:] if "=" not in w and not w.startswith("-")
                        )
    return called


def scanner_commands(root: Path, all_workflows: dict[str, dict[str, Any]]) -> list[list[str]]:
    """Every scanner command CI runs, from the workflows and the Makefile recipes."""
    found = []
    for workflow in all_workflows.values():
        for job in workflow["jobs"].values():
            for _, line in run_lines(job):
                found += simple_commands(tokens(line))
    makefile = root / "Makefile"
    if makefile.exists():
        for _, (_, recipe) in makefile_targets(makefile.read_text(encoding="utf-8")).items():
            for line in recipe:
                found += simple_commands(make_tokens(line.lstrip("@-")))
    return found


# --- time limits that follow from the deploy the program computes --------------------------

SETUP_MINUTES = 15
"""Checkout, the pinned installs, the policy packs' virtualenvs and the Pulumi CLI."""
OTHER_RESOURCES_MINUTES = 30
"""What `pulumi up` may spend on other resources before the service waits (a CloudFront
distribution update alone can take its 15-25 minutes)."""
SLACK_MINUTES = 30
"""How far a limit may exceed what it must cover: more is a limit that no longer follows."""
MAX_SESSION_SECONDS = 43200
"""The longest session AssumeRoleWithWebIdentity grants (IAM's MaxSessionDuration ceiling)."""


def service_settings(root: Path, stack: str) -> Any:
    """The validated service settings of a stack file, as the program reads them (read once per
    content of the project and stack files: the edits of the tests change other files)."""
    texts = tuple(
        (root / name).read_text(encoding="utf-8") if (root / name).exists() else None
        for name in ("Pulumi.yaml", f"Pulumi.{stack}.yaml")
    )
    key = (stack, texts)
    if key not in _SETTINGS_BY_TEXT:
        from settings.loader import settings_from_config
        from tools.offline.runner import project_name, stack_config

        flat, secret = stack_config(stack, root=root, stacks_dir=root)
        _SETTINGS_BY_TEXT[key] = settings_from_config(project_name(root), stack, flat, secret)
    return _SETTINGS_BY_TEXT[key].service


_SETTINGS_BY_TEXT: dict[tuple[str, tuple[str | None, ...]], Any] = {}
"""stack_config reads only Pulumi.yaml and the stack file: equal texts, equal settings."""


def deploy_minutes(root: Path, stack: str) -> int:
    """The service's deploy timeout the program computes for a stack (canary + bake + margin)."""
    from components.web_service import deploy_timeout

    return int(deploy_timeout(service_settings(root, stack)).removesuffix("m"))


RELEASE_CHECK = "scripts/staging_runs_release.mjs"


def release_check_alone(step: dict[str, Any]) -> bool:
    """The step runs the release check and nothing else (no `|| true`, no second command)."""
    lines = logical_lines(step.get("run", ""))
    words = tokens(lines[0]) if len(lines) == 1 else []
    return len(words) == 2 and words[0] == "node" and words[1].endswith(RELEASE_CHECK)


def release_check_problems(workflow: dict[str, Any], prod_job: str | None) -> list[str]:
    """Each staging gate, and prod's deploy, first checks that staging runs this run's release."""
    prop = "one-release-promoted-whole"
    problems = []
    for name, job in workflow["jobs"].items():
        judged = [
            i
            for i, step in enumerate(steps(job))
            if set(gates_in(step)) & {"k6", "Playwright", "Lighthouse", "pulumi up"}
        ]
        if not judged or (name != prod_job and "pulumi up" in gates_in(steps(job)[judged[0]])):
            continue
        checks = [
            i
            for i, step in enumerate(steps(job))
            if RELEASE_CHECK in step.get("run", "")
            and "if" not in step
            and step.get("continue-on-error") in (None, False)
            and step.get("shell") in (None, "bash")
            and release_check_alone(step)
        ]
        if not checks or min(checks) > min(judged):
            problems.append(
                finding(prop, f"{name}: no `{RELEASE_CHECK}` before what it judges or deploys")
            )
        elif (job.get("permissions") or {}).get("deployments") not in ("read", "write"):
            problems.append(finding(prop, f"{name}: the release check needs deployments: read"))
    return problems


def rehearsal_problems(root: Path, stacks: list[str]) -> list[str]:
    """Staging rehearses the deployment strategy prod runs (the same ECS strategy)."""
    try:
        strategies = {stack: service_settings(root, stack).deployment_strategy for stack in stacks}
    except Exception as error:  # an unreadable stack is a finding, not a pass
        return [finding("one-release-promoted-whole", f"cannot read the strategies: {error}")]
    if len(set(strategies.values())) != 1:
        return [
            finding(
                "one-release-promoted-whole",
                f"the stacks deploy with different strategies {strategies}: staging must "
                "rehearse prod's",
            )
        ]
    return []


def verifier_health_problems(
    root: Path, workflow: dict[str, Any], by_stack: dict[str, str]
) -> list[str]:
    """The verifier asks the app's own health routes (the stack's settings), not another path a
    static file or a redirect could answer."""
    problems = []
    for stack, job_name in sorted(by_stack.items()):
        try:
            service = service_settings(root, stack)
        except Exception:  # reported by time_limit_problems
            continue
        allowed = {service.nextjs.health_path, service.hono.health_path}
        for step in steps(workflow["jobs"][job_name]):
            for line in logical_lines(step.get("run", "")):
                words = tokens(line)
                if not any("verify_deployment.py" in w for w in words):
                    continue
                for index, word in enumerate(words):
                    path = word.split("=", 1)[1] if word.startswith("--health-path=") else None
                    if word == "--health-path" and index + 1 < len(words):
                        path = words[index + 1]
                    if path is not None and path not in allowed:
                        problems.append(
                            finding(
                                "gate-measures",
                                f"{job_name}: the verifier asks {path!r}, not a health route of "
                                f"the app ({sorted(allowed)})",
                            )
                        )
    return problems


def rollout_problems(root: Path) -> list[str]:
    """A canary of 100 % or a step held for 0 minutes is a deploy with nothing to roll back
    from (a control at its maximum is off): every stack file in the checkout is judged."""
    prop = "rollout-can-roll-back"
    problems = []
    for path in sorted(root.glob("Pulumi.*.yaml")):
        stack = path.name.split(".")[1]
        try:
            service = service_settings(root, stack)
        except Exception as error:  # an unreadable stack is a finding, not a pass
            problems.append(finding(prop, f"{stack}: cannot read its deploy settings: {error}"))
            continue
        if not service.shifts_traffic:
            continue
        steps_held = {"canary": service.canary_step, "linear": service.linear_step}
        percent, minutes = steps_held.get(service.deployment_strategy, (None, None))
        if percent is not None and percent >= 100:
            problems.append(
                finding(
                    prop,
                    f"{stack}: the {service.deployment_strategy} step moves {percent} % "
                    "of traffic, all of it at once",
                )
            )
        if minutes is not None and minutes <= 0:
            problems.append(
                finding(prop, f"{stack}: the {service.deployment_strategy} step is held 0 minutes")
            )
        if service.bake_minutes <= 0:
            problems.append(finding(prop, f"{stack}: no bake time after the shift"))
    return problems


def smoke_seconds() -> float:
    """The verifier's worst case for its smoke checks with its default attempts."""
    from scripts import verify_deployment as vd

    return vd.DEFAULT_HTTP_ATTEMPTS * (vd.HTTP_TIMEOUT_SECONDS + vd.DEFAULT_HTTP_RETRY_SECONDS)


def required_limits(deploy: int) -> dict[str, float]:
    """Lower bounds, in seconds (job in minutes), each derived from the deploy timeout."""
    verifier = deploy * 60
    session = (OTHER_RESOURCES_MINUTES + deploy) * 60 + verifier + smoke_seconds()
    return {"verifier": verifier, "session": session, "job": SETUP_MINUTES + session / 60}


def time_limit_problems(
    root: Path, workflow: dict[str, Any], by_stack: dict[str, str]
) -> list[str]:
    prop = "time-limits-fit-the-deploy"
    problems = []
    for stack, job_name in sorted(by_stack.items()):
        try:
            deploy = deploy_minutes(root, stack)
        except Exception as error:  # a stack the settings refuse is a finding, not a pass
            problems.append(finding(prop, f"{stack}: cannot compute its deploy timeout: {error}"))
            continue
        need = required_limits(deploy)
        job = workflow["jobs"][job_name]
        found: dict[str, float | None] = {"job": job.get("timeout-minutes"), "session": None}
        found["verifier"] = None
        for step in steps(job):
            if "configure-aws-credentials" in step.get("uses", ""):
                found["session"] = (step.get("with") or {}).get("role-duration-seconds")
            for line in logical_lines(step.get("run", "")):
                words = tokens(line)
                if any("verify_deployment.py" in w for w in words) and "--timeout" in words:
                    found["verifier"] = words[words.index("--timeout") + 1]
        slack = {
            "job": SLACK_MINUTES,
            "session": SLACK_MINUTES * 60,
            "verifier": SLACK_MINUTES * 60,
        }
        for key, lower in need.items():
            value = found[key]
            try:
                number = float(value)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                problems.append(finding(prop, f"{job_name}: {key} limit {value!r} is not a number"))
                continue
            if not lower <= number <= lower + slack[key]:
                problems.append(
                    finding(
                        prop,
                        f"{job_name}: {key} limit {number:g} does not follow from the "
                        f"{deploy}-minute deploy of {stack}: want {lower:g} to "
                        f"{lower + slack[key]:g}",
                    )
                )
        if found["session"] is not None and float(found["session"]) > MAX_SESSION_SECONDS:
            problems.append(finding(prop, f"{job_name}: a session over {MAX_SESSION_SECONDS} s"))
    return problems


# --- the whole tree ------------------------------------------------------------------------


def check_tree(root: Path) -> list[str]:
    """Every property over a checkout; an empty list means every gate is whole."""
    problems: list[str] = []
    try:
        found = workflows(root)
    except (OSError, ValueError, yaml.YAMLError) as error:
        return [finding("every-deploy-needs-every-gate", f"workflows unreadable: {error}")]
    if "deploy" not in found or "pull-request" not in found:
        return [finding("every-deploy-needs-every-gate", f"workflows {sorted(found)}")]
    deploy_text = (root / ".github" / "workflows" / "deploy.yml").read_text(encoding="utf-8")
    pr_text = (root / ".github" / "workflows" / "pull-request.yml").read_text(encoding="utf-8")
    problems += [classify(p) for p in check_deploy(deploy_text)]
    problems += [classify(p) for p in check_pull_request(pr_text)]
    for name, workflow in found.items():
        for job_name, job in workflow["jobs"].items():
            problems += early_exit_problems(f"{name}/{job_name}", job)
        problems += secret_problems(name, workflow)
        problems += secret_expression_problems(name, workflow)
        problems += permission_problems(name, workflow)
        problems += pinning_problems(name, workflow)
        problems += pack_problems(name, workflow)
    deploy = found["deploy"]
    problems += k6_problems(root, deploy)
    problems += lighthouse_problems(root, deploy)
    problems += playwright_problems(root, deploy)
    problems += lane_problems(deploy)
    problems += dispatch_problems(deploy, deploy_text)
    problems += scanner_problems(root, scanner_commands(root, found))
    problems += make_problems(root, called_make_targets(found))
    problems += secret_scan_input_problems(found)
    problems += pytest_config_problems(root, found)
    problems += effect_problems(root, found)
    from .gate_invariants import deploy_jobs

    by_stack = deploy_jobs(deploy)
    stack_files = {path.name.split(".")[1] for path in root.glob("Pulumi.*.yaml")}
    problems += matrix_problems(found["pull-request"], set(by_stack) | stack_files)
    problems += time_limit_problems(root, deploy, by_stack)
    problems += rehearsal_problems(root, sorted(by_stack))
    problems += rollout_problems(root)
    problems += verifier_health_problems(root, deploy, by_stack)
    problems += release_check_problems(deploy, by_stack.get("prod"))
    return sorted(set(problems))


# The workflow-shape rules of gate_invariants.py, by the property each one guards.
CLASSIFIED: list[tuple[str, str]] = [
    ("takes the", "gate-measures"),
    ("gate's verdict away", "gate-measures"),
    ("before a gate skips it", "nothing-ends-the-job-before-a-gate"),
    ("PULUMI_ACCESS_TOKEN", "secrets-stay-in-their-step"),
    ("curl | sh", "secrets-stay-in-their-step"),
    ("environment ", "each-deploy-targets-its-stack"),
    ("targets [", "each-deploy-targets-its-stack"),
    ("image", "one-release-promoted-whole"),
    ("does not hand on", "one-release-promoted-whole"),
    ("does not expect", "one-release-promoted-whole"),
    ("public-url", "one-release-promoted-whole"),
    ("does not wait", "every-deploy-needs-every-gate"),
    ("does not follow", "every-deploy-needs-every-gate"),
    ("not aimed at staging", "every-deploy-needs-every-gate"),
    ("no post-deploy verification", "every-deploy-needs-every-gate"),
    ("no ", "every-deploy-needs-every-gate"),
    ("deploy runs on", "dispatch-deploys-main-head"),
    ("deploy must run on push", "dispatch-deploys-main-head"),
    ("without `if: github.ref", "dispatch-deploys-main-head"),
    ("pulumi up for stacks", "each-deploy-targets-its-stack"),
    ("must not change a stack", "each-deploy-targets-its-stack"),
]


def classify(problem: str) -> str:
    """A gate_invariants problem under the property it breaks (skips and masks by default)."""
    for marker, prop in CLASSIFIED:
        if marker in problem:
            return finding(prop, problem)
    return finding("gate-verdict-stops-the-job", problem)


Edit = Callable[[Path], None]
