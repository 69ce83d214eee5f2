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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.policies.builders import compliant_resources, stack_run
from tests.redteam.programs import STACK, Program
from tools.offline.policy_driver import CONFIG_DIR, PolicyViolation, evaluate_packs

JUDGING_PACKS = ("guardrails", "cost")


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
    directory = Path(tempfile.mkdtemp(prefix="perfcheck-redteam-"))
    for pack in JUDGING_PACKS:
        config = copy.deepcopy(_base_config(stack, pack))
        if program.config is not None and pack == "guardrails":
            program.config(config)
        (directory / f"{stack}.{pack}.json").write_text(json.dumps(config))
    (directory / f"{stack}.deploy.json").write_text(json.dumps({"all": "disabled"}))
    return directory


@dataclass(frozen=True)
class Verdict:
    program: Program
    findings: tuple[PolicyViolation, ...]
    """Findings on the program's own resources (the compliant rest of the stack is not counted)."""

    @property
    def caught(self) -> bool:
        return any(v.enforcement_level == "mandatory" for v in self.findings)

    @property
    def flagged(self) -> bool:
        return bool(self.findings)

    @property
    def correct(self) -> bool:
        return self.caught if self.program.bad else not self.flagged


def judge(program: Program, stack: str = STACK) -> Verdict:
    resources = compliant_resources(stack)
    own = program.build(resources)
    resources.update(own)
    urns = {rec.urn for rec in own.values()}
    report = evaluate_packs(
        stack_run(resources, stack),
        stack,
        config_dir_for(program, stack),
        packs=(*JUDGING_PACKS, "deploy"),
    )
    return Verdict(program, tuple(v for v in report.violations if v.urn in urns))


def judge_together(programs: list[Program], stack: str = STACK) -> dict[str, Verdict]:
    """Every program beside the compliant stack in one evaluation, each judged on its own
    resources: one pass of the packs instead of one per program (for a corpus that runs as one
    program). Programs must not patch the config, and their resources must not collide."""
    if any(p.config is not None for p in programs):
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
        packs=(*JUDGING_PACKS, "deploy"),
    )
    findings: dict[str, list[PolicyViolation]] = {p.name: [] for p in programs}
    for violation in report.violations:
        if violation.urn in owned:
            findings[owned[violation.urn]].append(violation)
    return {p.name: Verdict(p, tuple(findings[p.name])) for p in programs}
