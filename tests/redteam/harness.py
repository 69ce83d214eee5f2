"""Judge a red-team program through the real packs (guardrails and cost) with the offline driver.

The config is prod's own, less its exemptions (bound to the real stack's resources) and with the
reviewed-type list kept whole: a resource of a reviewed type is judged as in the real stack.
Caught: a mandatory finding on one of the program's resources. Flagged: any finding on one.
"""

from __future__ import annotations

import copy
import functools
import json
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from foundation.records import ResourceRecord, StackRun
from tests.policies.builders import PROJECT, compliant_resources, stack_run
from tests.redteam.programs import STACK, Program
from tools.offline.policy_driver import (
    CONFIG_DIR,
    PolicyConfigError,
    PolicyReport,
    PolicyViolation,
    evaluate_packs,
)

JUDGING_PACKS = ("guardrails", "cost")
GUARDRAILS = "perfcheck-guardrails"


@functools.cache
def _base_config(stack: str, pack: str) -> dict[str, Any]:
    config = json.loads((CONFIG_DIR / f"{stack}.{pack}.json").read_text())
    for name, entry in list(config.items()):
        if isinstance(entry, dict) and "exemptions" in entry:
            entry = {k: v for k, v in entry.items() if k != "exemptions"}
            config[name] = entry if len(entry) > 1 else entry.get("enforcementLevel", entry)
    reviewed = config.get("resource-type-judged")
    if isinstance(reviewed, dict):
        reviewed["listReviewedTypes"] = False
    return config


def config_dir_for(program: Program, stack: str = STACK) -> Path:
    """Policy configs for `stack`: copies of `program.config_from`'s (default the stack's own),
    the guardrails one patched by `program.config` (a returned string is the file's text)."""
    directory = Path(tempfile.mkdtemp(prefix="perfcheck-redteam-"))
    for pack in JUDGING_PACKS:
        config = copy.deepcopy(_base_config(program.config_from or stack, pack))
        text = None
        if program.config is not None and pack == "guardrails":
            text = program.config(config)
        (directory / f"{stack}.{pack}.json").write_text(text or json.dumps(config))
    return directory


@dataclass(frozen=True)
class Verdict:
    program: Program
    findings: tuple[PolicyViolation, ...]
    """Findings on the program's own resources (the compliant rest of the stack is not counted);
    for a program with a config of its own, also the stack-level findings (an exemption or
    reviewed entry audited) that the unpatched config does not give."""
    rejected: tuple[str, ...] = ()
    """The config problems that stopped the run before any resource was judged (the preview
    fails: counted as caught, and as flagged for a good program)."""

    @property
    def caught(self) -> bool:
        return bool(self.rejected) or any(v.enforcement_level == "mandatory" for v in self.findings)

    @property
    def flagged(self) -> bool:
        return bool(self.rejected) or bool(self.findings)

    @property
    def correct(self) -> bool:
        return self.caught if self.program.bad else not self.flagged


def judge(program: Program, stack: str = STACK) -> Verdict:
    if program.configured:
        return judge_configured(program)
    resources = compliant_resources(stack)
    own = program.build(resources)
    resources.update(own)
    urns = {rec.urn for rec in own.values()}
    report = evaluate_packs(
        stack_run(resources, stack),
        stack,
        config_dir_for(program, stack),
        packs=JUDGING_PACKS,
    )
    return Verdict(program, tuple(v for v in report.violations if v.urn in urns))


def _run(program: Program, resources: dict[str, ResourceRecord]) -> StackRun:
    return StackRun(
        stack=program.stack,
        project=PROJECT,
        resources=tuple(resources.values()),
        outputs={},
        config=dict(program.stack_config or {}),
    )


def _evaluate_configured(
    program: Program, resources: dict[str, ResourceRecord], patched: bool
) -> PolicyReport:
    directory = config_dir_for(program if patched else replace(program, config=None), program.stack)
    return evaluate_packs(_run(program, resources), program.stack, directory, packs=JUDGING_PACKS)


def judge_configured(program: Program) -> Verdict:
    """A program that brings its own config or stack: a run of its own. A config the packs
    refuse is a verdict (rejected), not an error. A finding counts when it is on the program's
    resources or, for a patched config, at stack level (an exemption or reviewed entry audited)
    and absent from the same program under the unpatched config."""
    resources = compliant_resources(program.stack)
    own = program.build(resources)
    resources.update(own)
    urns = {rec.urn for rec in own.values()}
    try:
        report = _evaluate_configured(program, resources, patched=True)
    except PolicyConfigError as error:
        return Verdict(program, (), tuple(error.errors))
    findings = [v for v in report.violations if v.urn in urns]
    all_urns = {rec.urn for rec in resources.values()}
    stack_level = [  # only the guardrails config is patched: no other pack's can move
        v for v in report.violations if v.urn not in all_urns and v.pack == GUARDRAILS
    ]
    if program.config is not None and stack_level:
        unpatched = {
            (v.policy, v.urn, v.message)
            for v in _evaluate_configured(program, resources, patched=False).violations
        }
        findings += [v for v in stack_level if (v.policy, v.urn, v.message) not in unpatched]
    return Verdict(program, tuple(findings))


def judge_corpus(programs: list[Program]) -> dict[str, Verdict]:
    """Every program of a corpus: the plain ones that only add resources in one shared run; one
    that replaces a resource of the compliant stack, or brings its own config, alone."""
    compliant = compliant_resources(STACK)
    shared = [
        p
        for p in programs
        if not (p.configured or p.alone or set(p.build(compliant)) & set(compliant))
    ]
    verdicts = judge_together(shared) if shared else {}
    verdicts.update({p.name: judge(p) for p in programs if p.name not in verdicts})
    return verdicts


def judge_together(programs: list[Program], stack: str = STACK) -> dict[str, Verdict]:
    """Every program beside the compliant stack in one evaluation, each judged on its own
    resources: one pass of the packs instead of one per program (for a corpus that runs as one
    program). Programs must not patch the config, and their resources must not collide."""
    if any(p.configured for p in programs):
        raise ValueError("judge_together: a program patches the config; judge it alone")
    resources = compliant_resources(stack)
    owned: dict[str, str] = {}
    for program in programs:
        for key, rec in program.build(resources).items():
            if rec.urn in owned or key in resources:
                raise ValueError(f"judge_together: {rec.urn} is registered twice")
            owned[rec.urn] = program.name
            resources[key] = rec
    report = evaluate_packs(
        stack_run(resources, stack),
        stack,
        config_dir_for(programs[0], stack),
        packs=JUDGING_PACKS,
    )
    findings: dict[str, list[PolicyViolation]] = {p.name: [] for p in programs}
    for violation in report.violations:
        if violation.urn in owned:
            findings[owned[violation.urn]].append(violation)
    return {p.name: Verdict(p, tuple(findings[p.name])) for p in programs}
