"""Gates judged by running them: the real `make`, `bash` and the committed Makefile, `.ci/run`
and workflow steps, with the gate's tools replaced by programs that fail. A gate whose tool fails
must fail; how the failure was swallowed (an option, a special target, an environment variable,
a shell, a pipe, a trap, an exit-code mapping) does not matter, so no list of spellings to keep.

`effect_problems(root, workflows)` returns `[property] ...` findings like `gate_properties`.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from .gate_invariants import logical_lines, steps, tokens

# The programs the Makefile's gate recipes run through the virtualenv ($(BIN)/...).
VENV_TOOLS = ("python", "ruff", "zizmor", "pip", "pip-audit", "detect-secrets-hook")
# `make` targets that install rather than judge: a failing stub there proves nothing.
INSTALL_TARGETS = frozenset({".venv/.installed", "policy-venvs"})
# Exit statuses a gate's tool fails with; the preview's own codes 1-4 (README, "Exit codes").
FAILING_STATUSES = (1, 2, 3, 4)
REQUIREMENT_FILES = ("requirements.txt", "requirements-dev.txt", "policies/requirements.txt")
EXPRESSION = re.compile(r"\$\{\{.*?\}\}")
TIMEOUT_SECONDS = 20


def finding(prop: str, text: str) -> str:
    return f"[{prop}] {text}"


def _stub(path: Path, body: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    path.chmod(0o755)


def _base_env(bin_dir: Path) -> dict[str, str]:
    return {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": str(bin_dir.parent),
        "LANG": "C.UTF-8",
    }


def _plain_env(env: dict[str, Any]) -> dict[str, str]:
    """A step's env as the runner hands it over, expressions replaced by a placeholder."""
    return {str(k): EXPRESSION.sub("x", str(v)) for k, v in env.items()}


def _make_calls(all_workflows: dict[str, dict[str, Any]]) -> list[tuple[str, list[str], dict]]:
    """(where, make arguments, the step's env) for every `make` command a workflow runs."""
    calls = []
    for name, workflow in all_workflows.items():
        for job_name, job in (workflow.get("jobs") or {}).items():
            for step in steps(job):
                env = {
                    **(workflow.get("env") or {}),
                    **(job.get("env") or {}),
                    **(step.get("env") or {}),
                }
                for line in logical_lines(str(step.get("run") or "")):
                    words = tokens(line)
                    for index, word in enumerate(words):
                        if word == "make" and (index == 0 or words[index - 1] in ";&|"):
                            args = []
                            for arg in words[index + 1 :]:
                                if arg in (";", "&&", "||", "|", "&"):
                                    break
                                args.append(re.sub(r"\$\{?(\w+)\}?", "x", arg))
                            calls.append((f"{name}/{job_name}: make {' '.join(args)}", args, env))
    return calls


def _target(args: list[str]) -> str | None:
    names = [a for a in args if not a.startswith("-") and "=" not in a]
    return names[0] if names else None


def make_effect_problems(root: Path, all_workflows: dict[str, dict[str, Any]]) -> list[str]:
    """Each `make` command CI runs exits non-zero when the tool behind its target fails: the real
    make, the committed Makefile, the workflow's arguments and the step's environment
    (MAKEFLAGS included), every virtualenv program replaced by one exiting with 1 to 4."""
    makefile = root / "Makefile"
    if not makefile.is_file():
        return [finding("make-targets-do-what-they-say", "no Makefile")]
    calls = tuple(
        (where, tuple(args), tuple(sorted(_plain_env(env).items())))
        for where, args, env in _make_calls(all_workflows)
        if _target(args) not in (None, *INSTALL_TARGETS)
    )
    return list(_run_make_calls(makefile.read_text(encoding="utf-8"), calls))


@functools.lru_cache(maxsize=64)
def _run_make_calls(
    makefile: str, calls: tuple[tuple[str, tuple[str, ...], tuple[tuple[str, str], ...]], ...]
) -> tuple[str, ...]:
    """The runs behind `make_effect_problems`, once per Makefile text and set of calls (the
    property tests judge many copies that differ elsewhere)."""
    prop = "make-targets-do-what-they-say"
    make = shutil.which("make")
    if make is None:
        return (finding(prop, "GNU make is not installed here, so no Makefile target was run"),)
    problems = []
    with tempfile.TemporaryDirectory(prefix="gate-make-") as temp:
        work = Path(temp)
        (work / "Makefile").write_text(makefile, encoding="utf-8")
        for name in REQUIREMENT_FILES:
            (work / name).parent.mkdir(parents=True, exist_ok=True)
            (work / name).write_text("", encoding="utf-8")
            os.utime(work / name, (1_000_000_000, 1_000_000_000))
        venv = work / "stub-venv"
        for tool in VENV_TOOLS:
            _stub(venv / "bin" / tool, 'exit "${STUB_STATUS:-1}"')
        (venv / ".installed").write_text("", encoding="utf-8")
        for where, args, env in calls:
            for status in FAILING_STATUSES:
                run_env = {**_base_env(venv / "bin"), **dict(env), "STUB_STATUS": str(status)}
                try:
                    run = subprocess.run(
                        [make, "-f", "Makefile", *args, f"VENV={venv}"],
                        cwd=work,
                        env=run_env,
                        capture_output=True,
                        timeout=TIMEOUT_SECONDS,
                    )
                    code: int | str = run.returncode
                except subprocess.TimeoutExpired:
                    code = "a timeout"
                if code == 0:
                    problems.append(
                        finding(prop, f"{where} exits 0 when its tools fail (status {status})")
                    )
                    break
    return tuple(problems)


def ci_entry_problems(root: Path) -> list[str]:
    """`.ci/run`, what CI runs on a clean clone, exits non-zero when `make test` fails: run by
    its own interpreter line with a `make` that fails first on PATH."""
    script = root / ".ci" / "run"
    if not script.is_file():
        return [finding("gate-verdict-stops-the-job", ".ci/run is missing")]
    return list(_run_ci_entry(script.read_text(encoding="utf-8")))


@functools.lru_cache(maxsize=16)
def _run_ci_entry(text: str) -> tuple[str, ...]:
    prop = "gate-verdict-stops-the-job"
    problems = []
    with tempfile.TemporaryDirectory(prefix="gate-ci-") as temp:
        work = Path(temp)
        (work / ".ci").mkdir()
        (work / ".ci" / "run").write_text(text, encoding="utf-8")
        (work / ".ci" / "run").chmod(0o755)
        bin_dir = work / "stub-bin"
        _stub(bin_dir / "make", 'exit "${STUB_STATUS:-1}"')
        for status in FAILING_STATUSES:
            try:
                run = subprocess.run(
                    [str(work / ".ci" / "run")],
                    cwd=work,
                    env={**_base_env(bin_dir), "STUB_STATUS": str(status)},
                    capture_output=True,
                    timeout=TIMEOUT_SECONDS,
                )
            except (OSError, subprocess.TimeoutExpired) as error:
                problems.append(finding(prop, f".ci/run could not be run ({error})"))
                break
            if run.returncode == 0:
                problems.append(finding(prop, f".ci/run exits 0 when make test fails ({status})"))
                break
    return tuple(problems)


def effect_problems(root: Path, all_workflows: dict[str, dict[str, Any]]) -> list[str]:
    return [*make_effect_problems(root, all_workflows), *ci_entry_problems(root)]
