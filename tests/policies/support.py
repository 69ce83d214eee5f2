"""Shared helpers for the policy tests: run the packs through the driver, pick findings.

(Not a conftest.py: tests/ has no __init__.py, and a second conftest module would clash with
tests/conftest.py under pytest's default import mode.)
"""

from __future__ import annotations

import dataclasses
import functools
import json
import pickle
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from foundation.records import ResourceRecord, StackRun
from tests.policies.builders import compliant_resources, replace, stack_run
from tools.offline import runner
from tools.offline.policy_driver import (
    CONFIG_DIR,
    PACK_NAMES,
    MessageCache,
    PolicyReport,
    PolicyViolation,
    evaluate_packs,
)

Changes = Callable[[Mapping[str, ResourceRecord]], Mapping[str, ResourceRecord | None]]


@dataclasses.dataclass(frozen=True)
class OnProgram:
    """Changes to the captured prod program (the real `__main__` under the project's mocks, run
    once per session): `changes` receives the program's
    records by logical name and returns the ones it replaces (a record) or removes (None), or
    adds under a new name. Judged under the stack's own policy config without its exemptions
    (`program_config_dir`); a case's report holds what its change adds to the program's own."""

    changes: Changes

    def __call__(self, resources: Mapping[str, ResourceRecord]) -> Mapping[str, Any]:
        return self.changes(resources)


PROGRAM_ROLES: Mapping[str, str] = {
    "key": "database-key",
    "db_params": "database-params",
    "db": "database-instance",
    "cache": "cache-group",
    "secret": "app-secrets-redis-auth-token",  # a resource name
    "topic": "observability-alarms",
    "log_group": "web-nextjs-logs",
    "bucket": "cdn-logs",
    "bucket_sse": "cdn-logs-encryption",
    "execution_role": "web-execution-role",
    "task_role": "web-task-role",
    "task": "web-task",
    "cluster": "web-cluster",
    "service": "web-service",
    "app_sg": "network-service-sg",
    "alb_sg": "network-lb-sg",
    "alb_ingress": "network-lb-from-cloudfront",
    "alb": "load-balancer-alb",
    "http_listener": "load-balancer-http",
    "api_rule": "load-balancer-production",
    "cdn": "cdn-distribution",
    "budget": "observability-budget",
    "account_budget": "observability-account-budget",
}
"""Short names for the program's records (logical names) that most cases change: a case written
as `r["db"]` changes `database-instance`; a key it returns under another name is added as is."""


def by_role(changes: Changes) -> OnProgram:
    """`changes` written against the roles (`r["db"]`), applied to the program's records that
    play them (PROGRAM_ROLES); a key it adds under another name stays."""

    def apply(records: Mapping[str, ResourceRecord]) -> Mapping[str, Any]:
        view = {**records, **{role: records[name] for role, name in PROGRAM_ROLES.items()}}
        return {PROGRAM_ROLES.get(k, k): v for k, v in changes(view).items()}

    return OnProgram(apply)


def renamed(rec: ResourceRecord, name: str, **inputs: Any) -> ResourceRecord:
    """A second resource like `rec` under the logical name `name` (with some inputs changed)."""
    changed = replace(rec, **inputs) if inputs else rec
    return dataclasses.replace(changed, urn=f"{rec.urn.rsplit('::', 1)[0]}::{name}", name=name)


def on_program(changes: Changes) -> OnProgram:
    """A case's changes as a mutation of the program: written on its records' own names
    (`OnProgram`) or on the roles (a plain function)."""
    return changes if isinstance(changes, OnProgram) else by_role(changes)


def program_records(stack: str = "prod") -> dict[str, ResourceRecord]:
    """The captured program's records by logical name (a new dict; never change a record)."""
    return {record.name: record for record in program_run(stack).resources}


def program_run(stack: str) -> StackRun:
    return runner.cached_run(stack)  # tests/conftest.py: one run per stack per worker


def _without_exemptions(config: dict[str, Any]) -> dict[str, Any]:
    for name, entry in list(config.items()):
        if isinstance(entry, dict) and "exemptions" in entry:
            entry = {k: v for k, v in entry.items() if k != "exemptions"}
            config[name] = entry if len(entry) > 1 else entry.get("enforcementLevel", entry)
    return config


@functools.cache
def program_config_dir() -> Path:
    """The stacks' own policy configs without their exemptions: an exemption makes the driver
    judge every resource again on every evaluation (MessageCache reuses pure verdicts only),
    which on the program's 240 resources would double each case's cost. What an exemption
    covers is in the program's own report, which every case's report leaves out."""
    directory = Path(tempfile.mkdtemp(prefix="perfcheck-program-config-"))
    for stack in ("staging", "prod"):
        for pack in RULE_PACKS:
            config = json.loads((CONFIG_DIR / f"{stack}.{pack}.json").read_text())
            (directory / f"{stack}.{pack}.json").write_text(json.dumps(_without_exemptions(config)))
    return directory


def synthetic_config(stack: str, pack: str) -> dict[str, Any]:
    """The stack's policy config without its exemptions: those are bound to the real stack's
    resources, which the synthetic stack does not have (they would be reported as stale)."""
    config = json.loads((CONFIG_DIR / f"{stack}.{pack}.json").read_text())
    # Reviewed types are the real stack's too: keep those the synthetic stack registers (the
    # rest would be reported as stale), and leave their list out of the report (a note).
    reviewed = config.get("resource-type-judged")
    if isinstance(reviewed, dict) and reviewed.get("reviewedTypes"):
        present = {r.type for r in compliant_resources(stack).values()}
        reviewed["reviewedTypes"] = [e for e in reviewed["reviewedTypes"] if e["type"] in present]
        reviewed["listReviewedTypes"] = False
    return _without_exemptions(config)


@functools.cache
def synthetic_config_dir() -> Path:
    directory = Path(tempfile.mkdtemp(prefix="perfcheck-policy-config-"))
    for stack in ("staging", "prod"):
        for pack in PACK_NAMES:
            # The rule packs' cases judge guardrails and cost; the deploy pack's own cases (what
            # AWS refuses) live in tests/deploycheck, on a stack built for them.
            config = {"all": "disabled"} if pack == "deploy" else synthetic_config(stack, pack)
            (directory / f"{stack}.{pack}.json").write_text(json.dumps(config))
    return directory


_MESSAGES = MessageCache()
"""The program's records are shared by every case: their requests are built, and each pack's
verdict on them worked out, once per session instead of once per case."""


def judge_compliant(
    changes: Changes | None = None, stack: str = "prod", config_dir: Path | None = None
) -> PolicyReport:
    """The packs on the small hand-built compliant stack (tests/policies/builders.py) with
    `changes` applied: for the driver's own mechanics (configs, exemptions, reviewed types),
    which want a stack without the program's own exempted findings."""
    resources = compliant_resources(stack)
    for role, value in (changes(resources) if changes else {}).items():
        if value is None:
            resources.pop(role)
        else:
            resources[role] = value
    run = stack_run(resources, stack)
    return evaluate_packs(run, stack, config_dir or synthetic_config_dir(), cache=_MESSAGES)


def run_case(changes: Changes, stack: str = "prod") -> PolicyReport:
    """The rule packs' report on the captured program with `changes` applied (`on_program`),
    less the findings the unchanged program has under the same config: what the change adds.

    The program's records are shared by every case: a case that changed one in place (instead
    of replacing it) would leak into the cases after it, so that is refused here."""
    return _case_report(changes, stack)


@functools.cache
def _case_report(changes: Changes, stack: str) -> PolicyReport:
    """A case's report, evaluated once per session (a report is immutable, a case's changes a
    pure function of the program): the rule tests and the spelling test share it."""
    return _evaluate(on_program(changes), stack, None)


def _evaluate(changes: OnProgram, stack: str, config_dir: Path | None) -> PolicyReport:
    run = program_run(stack)
    resources = program_records(stack)
    before = _fingerprint(run)
    applied = changes(dict(resources))
    if _fingerprint(run) != before:
        raise AssertionError("a case changed a program record in place: use replace()")
    for name, value in applied.items():
        if value is None:
            resources.pop(name)  # KeyError for a resource the program does not register
        else:
            resources[name] = value
    changed = dataclasses.replace(run, resources=tuple(resources.values()))
    report = _judge_program(changed, stack, config_dir)
    own = {_key(v) for v in _program_report(stack, config_dir).violations}
    return dataclasses.replace(
        report, violations=tuple(v for v in report.violations if _key(v) not in own)
    )


def _fingerprint(run: StackRun) -> bytes:
    return pickle.dumps([vars(record) for record in run.resources])


def _judge_program(run: StackRun, stack: str, config_dir: Path | None) -> PolicyReport:
    directory = config_dir or program_config_dir()
    return evaluate_packs(run, stack, directory, packs=RULE_PACKS, cache=_MESSAGES)


def _program_report(stack: str, config_dir: Path | None = None) -> PolicyReport:
    """The unchanged program's report under `config_dir` (the stack's own config without its
    exemptions by default)."""
    if config_dir is None:
        return _default_program_report(stack)
    return _judge_program(program_run(stack), stack, config_dir)


@functools.cache
def _default_program_report(stack: str) -> PolicyReport:
    return _judge_program(program_run(stack), stack, None)


def _key(violation: PolicyViolation) -> tuple[str, str, str]:
    return (violation.policy, violation.urn, violation.message)


RULE_PACKS = ("guardrails", "cost")
"""The packs the rule cases judge; the deploy pack's cases live in tests/deploycheck."""


def violations(report: PolicyReport, policy: str) -> list[PolicyViolation]:
    return report.for_policy(policy)


UNPRICED_SIZE = "limit for what the estimate leaves out of the total"
"""What the cost pack says of an unpriced resource sized over its limit (monthly-estimate-within-
budget)."""


def mandatory_but_unpriced(report: PolicyReport) -> list[PolicyViolation]:
    """Mandatory findings other than the cost pack's on a costly type it cannot price: a
    compliant case of another rule may add one (an instance, a MemoryDB cluster); that finding
    is the cost pack's own property, held in tests/redteam/test_unpriced.py."""
    return [v for v in report.mandatory() if UNPRICED_SIZE not in v.message]


def messages(report: PolicyReport) -> list[str]:
    everything: list[Any] = [
        *report.violations,
        *report.exemptions,
        *report.diagnostics,
        *report.not_applicable,
    ]
    return [item.message for item in everything]
