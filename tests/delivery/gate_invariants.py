"""What makes a delivery gate a gate, as rules over a workflow's YAML and its shell steps.

A gate is a command whose failure must stop the pipeline: lint, unit tests and the dependency
audit, the previews with both policy packs, `pulumi up`, the post-deploy verification, k6,
Playwright and Lighthouse. Each rule below closes
one way a gate can be switched off without anyone noticing: skipped (`if:` on the step, the job
or a job it feeds), ignored (`continue-on-error`, `|| true`, `!`, a trap, `set +e`, a pipe
without pipefail), aimed at the wrong stack, deployed from another branch, or fed an image the
staging gates never judged. `check_deploy` and `check_pull_request` return one line per problem.
"""

from __future__ import annotations

import functools
import itertools
import json
import pickle
import re
import shlex
from typing import Any

import yaml

GATES = {
    "lint": r"\bmake lint\b",
    "unit tests": r"\bmake test\b",
    "dependency audit": r"\bpip-audit\b",
    "secret scan": r"\bdetect-secrets-hook\b",
    "offline preview": r"\bmake preview\b",
    "pulumi preview": r"\bpulumi preview\b",
    "pulumi up": r"\bpulumi up\b",
    "verification": r"\bscripts/verify_deployment\.py\b",
    "k6": r"\bperf/k6/\S+\.js\b",
    "Playwright": r"\bplaywright test\b",
    "Lighthouse": r"\blhci autorun\b",
}
STAGING_GATES = ("k6", "Playwright", "Lighthouse")
APPS = ("nextjs", "hono")
MAIN_GUARD = "github.ref == 'refs/heads/main'"
# The pull request's AWS preview runs only where a preview role exists, never for forks.
CLOUD_PREVIEW_GUARD = (
    "vars.AWS_PREVIEW_ROLE_ARN != '' && "
    "github.event.pull_request.head.repo.full_name == github.repository"
)
STRICT_MODE = ["set", "-euo", "pipefail"]
# Options that keep a gate's command but take its verdict away.
DISARMING_FLAGS = {
    "k6": ("--no-thresholds",),
    "Playwright": ("--pass-with-no-tests",),
    "Lighthouse": ("--assert.",),
}
STATUS_FUNCTION = re.compile(r"\b(always|failure|cancelled|success)\s*\(")
# Words before a gate on its line that make bash ignore its failure under `set -e`, or run it
# only when something else succeeded (`test && gate` skips the gate quietly).
MASKING_WORDS = {"!", "if", "elif", "while", "until", "&&"}
# Shell blocks that run their body only sometimes: a gate inside one can be skipped.
BLOCK_OPENERS = {"if", "for", "while", "until", "case"}
BLOCK_CLOSERS = {"fi", "done", "esac"}
TOKEN_STEP_COMMAND = re.compile(r"^\s*(pulumi\b|\.venv/bin/python scripts/verify_deployment\.py)")


def load_text(text: str) -> dict[str, Any]:
    """The YAML document, a fresh copy each call (callers edit it)."""
    return pickle.loads(_parsed(text))


@functools.lru_cache(maxsize=256)
def _parsed(text: str) -> bytes:
    """Parsed once per text: the gate tests read the same unchanged workflows for each of their
    edits, and building the objects costs about ten times unpickling a copy."""
    data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    if True in data:  # YAML 1.1 reads the key `on` as a boolean
        data["on"] = data.pop(True)
    return pickle.dumps(data)


def steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return job.get("steps") or []


def logical_lines(script: str) -> list[str]:
    """The script's lines with backslash continuations joined."""
    return [line for line in re.sub(r"\\\n\s*", " ", script).splitlines() if line.strip()]


def tokens(line: str) -> list[str]:
    """Shell words and operators (`||`, `&&`, `|`, `;`, `&`) of one line, quotes respected."""
    return list(_tokens(line))


@functools.lru_cache(maxsize=4096)
def _tokens(line: str) -> tuple[str, ...]:
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.commenters = "#"
    try:
        return tuple(lexer)
    except ValueError:  # unbalanced quotes: judge the raw words
        return tuple(line.split())


def gates_on(line: str) -> list[str]:
    """The gates a line runs (a comment, or text only printed by echo or printf, runs nothing)."""
    return list(_gates_on(line))


@functools.lru_cache(maxsize=8192)
def _gates_on(line: str) -> tuple[str, ...]:
    words = tokens(line)
    if words[:1] in (["echo"], ["printf"]):
        return ()
    command = " ".join(words)
    return tuple(name for name, pattern in GATES.items() if re.search(pattern, command))


def gates_in(step: dict[str, Any]) -> list[str]:
    return [gate for line in logical_lines(step.get("run", "")) for gate in gates_on(line)]


def gate_jobs(workflow: dict[str, Any]) -> dict[str, list[str]]:
    """job -> the gates it runs."""
    found: dict[str, list[str]] = {}
    for name, job in workflow["jobs"].items():
        for step in steps(job):
            if gates_in(step):
                found.setdefault(name, []).extend(gates_in(step))
    return found


def needs(job: dict[str, Any]) -> list[str]:
    value = job.get("needs") or []
    return [value] if isinstance(value, str) else list(value)


def upstream(workflow: dict[str, Any], name: str) -> set[str]:
    seen: set[str] = set()
    todo = needs(workflow["jobs"][name])
    while todo:
        current = todo.pop()
        if current not in seen and current in workflow["jobs"]:
            seen.add(current)
            todo += needs(workflow["jobs"][current])
    return seen


def acts(job: dict[str, Any]) -> bool:
    """Whether a job does anything beyond reporting: runs a gate, deploys, or holds secrets."""
    text = json.dumps(job, default=str)
    return (
        any(gates_in(step) for step in steps(job))
        or "configure-aws-credentials" in text
        or re.search(r"secrets\.(?!GITHUB_TOKEN)", text) is not None
    )


def resolve(job: dict[str, Any], step: dict[str, Any], word: str) -> set[str]:
    """What a shell word like `"$STACK"`, `prod` or `${{ matrix.stack }}` stands for."""
    word = word.strip("'\"")
    variable = re.fullmatch(r"\$\{?(\w+)\}?", word)
    if variable:
        env = {**(job.get("env") or {}), **(step.get("env") or {})}
        word = str(env.get(variable.group(1), ""))
    matrix = re.fullmatch(r"\$\{\{\s*matrix\.(\w+)\s*\}\}", word)
    if matrix:
        values = ((job.get("strategy") or {}).get("matrix") or {}).get(matrix.group(1), [])
        return {str(v) for v in values}
    return {word} if word else set()


def runs_pulumi(words: list[str], verb: str | None = None) -> bool:
    """Whether a line's words run `pulumi` (with `verb`), wherever on the line."""
    return any(
        word == "pulumi" and (verb is None or words[i + 1 : i + 2] == [verb])
        for i, word in enumerate(words)
    )


def flag_values(words: list[str], flag: str) -> list[str]:
    return [value for key, value in itertools.pairwise(words) if key == flag]


# --- one gate step, one gate job -----------------------------------------------------------


def step_problems(job_name: str, step: dict[str, Any]) -> list[str]:
    """A gate step always runs when its job runs, and its failure fails the job."""
    where = f"{job_name}: step {step.get('name') or step.get('run', '').strip()[:40]!r}"
    problems = []
    if step.get("continue-on-error") not in (None, False):
        problems.append(f"{where}: continue-on-error on a gate")
    if "if" in step:
        problems.append(f"{where}: `if: {step['if']}` can skip a gate")
    if step.get("shell") not in (None, "bash"):
        problems.append(f"{where}: shell {step['shell']!r} (gates run under bash)")
    lines = logical_lines(step.get("run", ""))
    if not lines or tokens(lines[0]) != STRICT_MODE:
        problems.append(f"{where}: must start with `set -euo pipefail`")
    gate_lines = [i for i, line in enumerate(lines) if gates_on(line)]
    depth = 0
    for index, line in enumerate(lines):
        words = tokens(line)
        if gates_on(line) and depth > 0:
            problems.append(f"{where}: a gate inside a shell block may be skipped: {line.strip()}")
        depth += sum(w in BLOCK_OPENERS for w in words) - sum(w in BLOCK_CLOSERS for w in words)
        if (
            words[:1] == ["exit"]
            and words[1:2] in ([], ["0"])
            and index < max(gate_lines, default=0)
        ):
            problems.append(f"{where}: `{line.strip()}` before a gate skips it")
        if words[:1] == ["set"] and any(w.startswith("+") for w in words[1:]):
            problems.append(f"{where}: `{line.strip()}` turns strict mode off")
        if words[:1] == ["trap"]:
            problems.append(f"{where}: `{line.strip()}` can replace a gate's exit status")
        if not gates_on(line):
            continue
        if "||" in words:
            problems.append(f"{where}: `||` after a gate ignores its failure: {line.strip()}")
        if any(" " in w and gates_on(w) for w in words):
            problems.append(
                f"{where}: a gate inside a string (bash -c, eval) escapes strict mode: "
                f"{line.strip()}"
            )
        for gate in gates_on(line):
            for flag in DISARMING_FLAGS.get(gate, ()):
                if any(w.startswith(flag) for w in words):
                    problems.append(f"{where}: {flag} takes the {gate} gate's verdict away")
        if "&" in words:
            problems.append(f"{where}: a gate in the background is not waited for: {line.strip()}")
        starts = [i for i in range(len(words)) if gates_on(" ".join(words[: i + 1]))]
        masking = MASKING_WORDS & set(words[: starts[0] if starts else len(words)])
        if masking:
            problems.append(
                f"{where}: {sorted(masking)} before a gate makes bash ignore its failure"
            )
    return problems


def job_problems(workflow: dict[str, Any], allowed_ifs: dict[str, str | None]) -> list[str]:
    """Gate jobs are not optional; jobs that act after a gate never run when it failed."""
    problems = []
    jobs = workflow["jobs"]
    gated = gate_jobs(workflow)
    for name, job in jobs.items():
        if name in gated:
            if job.get("continue-on-error") not in (None, False):
                problems.append(f"{name}: continue-on-error on a gate job")
            if job.get("if") != allowed_ifs.get(name):
                problems.append(f"{name}: `if: {job.get('if')}` on a gate job")
            for step in steps(job):
                if gates_in(step):
                    problems += step_problems(name, step)
        after_gate = upstream(workflow, name) & set(gated)
        condition = str(job.get("if", ""))
        if after_gate and acts(job) and STATUS_FUNCTION.search(condition):
            problems.append(
                f"{name}: `if: {condition}` runs it after a failed gate "
                f"({', '.join(sorted(after_gate))})"
            )
    return problems


def token_problems(workflow: dict[str, Any], secret: str) -> list[str]:
    """The Pulumi token lives only on the steps that run pulumi (or read its outputs)."""
    problems = []
    if "PULUMI_ACCESS_TOKEN" in (workflow.get("env") or {}):
        problems.append("workflow env holds PULUMI_ACCESS_TOKEN: every step would see it")
    for name, job in workflow["jobs"].items():
        if "PULUMI_ACCESS_TOKEN" in (job.get("env") or {}):
            problems.append(f"{name}: job env holds PULUMI_ACCESS_TOKEN: installs would see it")
        for step in steps(job):
            value = (step.get("env") or {}).get("PULUMI_ACCESS_TOKEN")
            if value is None:
                continue
            if value != f"${{{{ secrets.{secret} }}}}":
                problems.append(f"{name}: PULUMI_ACCESS_TOKEN is {value!r}, want secret {secret}")
            if not any(
                TOKEN_STEP_COMMAND.match(line) for line in logical_lines(step.get("run", ""))
            ):
                problems.append(f"{name}: PULUMI_ACCESS_TOKEN on a step that runs no pulumi")
        for step in steps(job):
            if re.search(r"curl[^|\n]*\|\s*(ba)?sh", step.get("run", "")):
                problems.append(f"{name}: `curl | sh` installs unchecked code")
    return problems


# --- the deploy workflow -------------------------------------------------------------------


def deploy_jobs(workflow: dict[str, Any]) -> dict[str, str]:
    """stack -> the job that runs `pulumi up` for it."""
    found: dict[str, str] = {}
    for name, job in workflow["jobs"].items():
        for step in steps(job):
            for line in logical_lines(step.get("run", "")):
                words = tokens(line)
                if runs_pulumi(words, "up"):
                    for value in flag_values(words, "--stack"):
                        for stack in resolve(job, step, value):
                            found.setdefault(stack, name)
    return found


def stack_problems(workflow: dict[str, Any], by_stack: dict[str, str]) -> list[str]:
    """Every pulumi command and verification in a deploy job names that job's stack."""
    problems = []
    environments = {"staging": "staging", "prod": "production"}
    for stack, name in by_stack.items():
        job = workflow["jobs"][name]
        env = job.get("environment")
        env_name = env.get("name") if isinstance(env, dict) else env
        if env_name != environments.get(stack):
            problems.append(f"{name}: environment {env_name!r}, want {environments.get(stack)!r}")
        order = []
        for index, step in enumerate(steps(job)):
            for line in logical_lines(step.get("run", "")):
                words = tokens(line)
                is_pulumi = runs_pulumi(words)
                is_verify = any(re.search(GATES["verification"], w) for w in words)
                if not (is_pulumi or is_verify):
                    continue
                named = set().union(*(resolve(job, step, v) for v in flag_values(words, "--stack")))
                if named != {stack}:
                    problems.append(
                        f"{name}: `{line.strip()}` targets {sorted(named)}, not {stack}"
                    )
                if runs_pulumi(words, "up"):
                    order.append(("up", index))
                if is_verify:
                    order.append(("verify", index))
        ups = [i for kind, i in order if kind == "up"]
        verifies = [i for kind, i in order if kind == "verify"]
        if not ups or not verifies or min(verifies) <= max(ups):
            problems.append(f"{name}: no post-deploy verification after pulumi up ({stack})")
    return problems


def promotion_problems(workflow: dict[str, Any], by_stack: dict[str, str]) -> list[str]:
    """Prod receives exactly the digests the staging verification saw running."""
    problems = []
    jobs = workflow["jobs"]
    staging, prod = by_stack["staging"], by_stack["prod"]
    verify = next(
        (s for s in steps(jobs[staging]) if re.search(GATES["verification"], s.get("run", ""))),
        {},
    )
    verify_words = [w for line in logical_lines(verify.get("run", "")) for w in tokens(line)]
    for app in APPS:
        if app not in flag_values(verify_words, "--promote"):
            problems.append(f"{staging}: the verification does not hand on {app} (--promote)")
        wanted = f"${{{{ steps.{verify.get('id')}.outputs.{app}-image }}}}"
        if (jobs[staging].get("outputs") or {}).get(f"{app}-image") != wanted:
            problems.append(f"{staging}: output {app}-image is not the verification's ({wanted})")
    for step in steps(jobs[staging]):
        if "configure-aws-credentials" in step.get("uses", "") and str(
            (step.get("with") or {}).get("mask-aws-account-id", "false")
        ).lower() not in ("false", ""):
            # GitHub drops a job output that holds a masked value, and the images name the account.
            problems.append(f"{staging}: mask-aws-account-id would drop the images it hands on")
    handed = {app: f"${{{{ needs.{staging}.outputs.{app}-image }}}}" for app in APPS}
    env = jobs[prod].get("env") or {}
    config_sets: dict[str, list[str]] = {app: [] for app in APPS}
    expects: list[str] = []
    up_seen = False
    for step in steps(jobs[prod]):
        step_env = {**env, **(step.get("env") or {})}
        for line in logical_lines(step.get("run", "")):
            words = tokens(line)
            if runs_pulumi(words, "up"):
                up_seen = True
                if {"-c", "--config", "--config-file"} & set(words):
                    problems.append(f"{prod}: pulumi up sets config inline: {line.strip()}")
            if runs_pulumi(words, "config") and "set" in words:
                paths = [w for w in words if w.startswith("perfcheck:")]
                for app in APPS:
                    if any(re.search(rf"\b{app}\.image", p) for p in paths):
                        value = words[-1]
                        variable = re.fullmatch(r"\$\{?(\w+)\}?", value)
                        source = step_env.get(variable.group(1)) if variable else value
                        if up_seen:
                            problems.append(f"{prod}: {app} image set after pulumi up")
                        config_sets[app].append(str(source))
                if any("image" in p.lower() for p in paths) and not any(
                    re.search(rf"\b{app}\.image$", p) for p in paths for app in APPS
                ):
                    problems.append(f"{prod}: sets an image key other than <app>.image: {line}")
            if any(re.search(GATES["verification"], w) for w in words):
                for item in flag_values(words, "--expect-image"):
                    app, _, value = item.partition("=")
                    variable = re.fullmatch(r"\$\{?(\w+)\}?", value)
                    source = step_env.get(variable.group(1)) if variable else value
                    expects.append(f"{app}={source}")
    for app in APPS:
        if config_sets[app] != [handed[app]]:
            problems.append(
                f"{prod}: {app} image comes from {config_sets[app]}, want only {handed[app]} "
                "(the digest staging verified)"
            )
        if f"{app}={handed[app]}" not in expects:
            problems.append(f"{prod}: the verification does not expect {app} = {handed[app]}")
    return problems


def check_deploy(text: str) -> list[str]:
    """Every rule over the deploy workflow."""
    workflow = load_text(text)
    jobs = workflow["jobs"]
    problems: list[str] = []
    triggers = workflow.get("on") or {}
    if set(triggers) - {"push", "workflow_dispatch"}:
        problems.append(f"deploy runs on {sorted(triggers)}; only push to main and dispatch")
    if (triggers.get("push") or {}).get("branches") != ["main"]:
        problems.append("deploy must run on push to main only")
    by_stack = deploy_jobs(workflow)
    if set(by_stack) != {"staging", "prod"}:
        return [*problems, f"pulumi up for stacks {sorted(by_stack)}, want staging and prod"]
    allowed_ifs: dict[str, str | None] = {by_stack["staging"]: MAIN_GUARD}
    allowed_ifs[by_stack["prod"]] = MAIN_GUARD
    for stack, name in by_stack.items():
        if jobs[name].get("if") != MAIN_GUARD:
            problems.append(f"{name}: deploys {stack} without `if: {MAIN_GUARD}`")
    problems += job_problems(workflow, allowed_ifs)
    problems += stack_problems(workflow, by_stack)
    problems += token_problems(workflow, "PULUMI_ACCESS_TOKEN")
    staging, prod = by_stack["staging"], by_stack["prod"]
    before_prod = upstream(workflow, prod)
    if staging not in before_prod:
        problems.append("prod does not wait for the staging deploy")
    gated = gate_jobs(workflow)
    for gate in STAGING_GATES:
        runners = [name for name, found in gated.items() if gate in found]
        if not runners:
            problems.append(f"no {gate} gate in the workflow")
        for name in runners:
            if name not in before_prod:
                problems.append(f"prod does not wait for the {gate} gate ({name})")
            if staging not in needs(jobs[name]):
                problems.append(f"{name}: the {gate} gate does not follow the staging deploy")
            for step in steps(jobs[name]):
                if gates_in(step) and (step.get("env") or {}).get("BASE_URL") != (
                    f"${{{{ needs.{staging}.outputs.public-url }}}}"
                ):
                    problems.append(f"{name}: the {gate} gate is not aimed at staging's URL")
    verify_id = next(
        (
            s.get("id")
            for s in steps(jobs[staging])
            if re.search(GATES["verification"], s.get("run", ""))
        ),
        None,
    )
    if (jobs[staging].get("outputs") or {}).get("public-url") != (
        f"${{{{ steps.{verify_id}.outputs.public-url }}}}"
    ):
        problems.append(f"{staging}: public-url does not come from the verification step")
    problems += promotion_problems(workflow, by_stack)
    return problems


def check_pull_request(text: str) -> list[str]:
    """Every rule over the pull-request workflow's gates (the previews)."""
    workflow = load_text(text)
    gated = gate_jobs(workflow)
    problems: list[str] = []
    for gate in (
        "lint",
        "unit tests",
        "dependency audit",
        "secret scan",
        "offline preview",
        "pulumi preview",
    ):
        if not any(gate in found for found in gated.values()):
            problems.append(f"no {gate} in the pull-request workflow")
    allowed_ifs = {
        name: CLOUD_PREVIEW_GUARD if "pulumi preview" in found else None
        for name, found in gated.items()
    }
    problems += job_problems(workflow, allowed_ifs)
    problems += token_problems(workflow, "PULUMI_PREVIEW_TOKEN")
    for name, job in workflow["jobs"].items():
        for step in steps(job):
            for line in logical_lines(step.get("run", "")):
                if re.search(r"\bpulumi (up|destroy|refresh|import)\b", line):
                    problems.append(f"{name}: a pull request must not change a stack: {line}")
    return problems
