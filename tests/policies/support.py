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
from tests.policies.builders import compliant_resources, stack_run
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
    once per session) instead of the synthetic compliant stack: `changes` receives the program's
    records by logical name and returns the ones it replaces (a record) or removes (None), or
    adds under a new name. Judged under the stack's own policy config without its exemptions
    (`program_config_dir`); a case's report holds what its change adds to the program's own."""

    changes: Changes

    def __call__(self, resources: Mapping[str, ResourceRecord]) -> Mapping[str, Any]:
        return self.changes(resources)


PROGRAM_ROLES: Mapping[str, str] = {
    "db": "database-instance",
    "db_params": "database-params",
    "cache": "cache-group",
    "bucket": "cdn-logs",
    "bucket_sse": "cdn-logs-encryption",
    "topic": "observability-alarms",
    "secret": "app-secrets-redis-auth-token",  # a resource name
    "log_group": "web-nextjs-logs",
    "key": "database-key",
}
"""The program's record (logical name) that plays each role of the synthetic stack."""


def by_role(changes: Changes) -> OnProgram:
    """`changes` written against the synthetic stack's roles (`r["db"]`), applied to the
    program's records that play them (PROGRAM_ROLES); a key it adds under another name stays."""

    def apply(records: Mapping[str, ResourceRecord]) -> Mapping[str, Any]:
        view = {**records, **{role: records[name] for role, name in PROGRAM_ROLES.items()}}
        return {PROGRAM_ROLES.get(k, k): v for k, v in changes(view).items()}

    return OnProgram(apply)


def program_records(stack: str = "prod") -> dict[str, ResourceRecord]:
    """The captured program's records by logical name (a new dict; never change a record)."""
    return {record.name: record for record in _program_run(stack).resources}


def _program_run(stack: str) -> StackRun:
    return runner.cached_run(stack)  # tests/conftest.py: one run per stack per worker


def base_for(changes: Changes | None, stack: str = "prod") -> dict[str, ResourceRecord]:
    """The records `changes` is written against: the program's, or the synthetic stack's."""
    return program_records(stack) if isinstance(changes, OnProgram) else compliant_base(stack)


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
"""The compliant stack's records are shared by every case (below): their requests are built, and
each pack's verdict on them worked out, once per session instead of once per case."""


@functools.cache
def _compliant_base(stack: str) -> tuple[dict[str, ResourceRecord], bytes]:
    resources = compliant_resources(stack)
    return resources, _fingerprint(resources)


def compliant_base(stack: str) -> dict[str, ResourceRecord]:
    """The shared compliant records (a new dict: replace roles in it, never change a record)."""
    return dict(_compliant_base(stack)[0])


def _fingerprint(resources: Mapping[str, ResourceRecord]) -> bytes:
    return pickle.dumps([(role, vars(record)) for role, record in resources.items()])


def run_case(
    changes: Changes | None = None,
    stack: str = "prod",
    config_dir: Path | None = None,
) -> PolicyReport:
    """Evaluate the packs on the compliant stack with `changes(resources)` applied.

    The compliant records are built once per session and shared by every case; a case that
    changed one in place (instead of replacing it) would leak into the cases after it, so that
    is refused here."""
    if config_dir is None and changes is not None:
        return _case_report(changes, stack)
    return _evaluate(changes, stack, config_dir)


@functools.cache
def _case_report(changes: Changes, stack: str) -> PolicyReport:
    """A case's report, evaluated once per session (a report is immutable, a case's changes a
    pure function of the compliant stack): the rule tests and the spelling test share it."""
    return _evaluate(changes, stack, None)


def _evaluate(changes: Changes | None, stack: str, config_dir: Path | None) -> PolicyReport:
    if isinstance(changes, OnProgram):
        return _evaluate_on_program(changes, stack, config_dir)
    base, fingerprint = _compliant_base(stack)
    applied = dict(changes(dict(base))) if changes else {}
    if _fingerprint(base) != fingerprint:
        _compliant_base.cache_clear()
        raise AssertionError("a case changed a compliant record in place: use replace()")
    resources = dict(base)
    for role, value in applied.items():
        if value is None:
            resources.pop(role)  # KeyError for a role the stack does not have, as before
        else:
            resources[role] = value
    return evaluate_packs(
        stack_run(resources, stack), stack, config_dir or synthetic_config_dir(), cache=_MESSAGES
    )


def _evaluate_on_program(changes: OnProgram, stack: str, config_dir: Path | None) -> PolicyReport:
    run = _program_run(stack)
    resources = program_records(stack)
    for name, value in changes(dict(resources)).items():
        if value is None:
            resources.pop(name)  # KeyError for a resource the program does not register
        else:
            resources[name] = value
    report = _judge_program(dataclasses.replace(run, resources=tuple(resources.values())), stack)
    own = {_key(v) for v in _program_report(stack).violations}
    return dataclasses.replace(
        report, violations=tuple(v for v in report.violations if _key(v) not in own)
    )


def _judge_program(run: StackRun, stack: str) -> PolicyReport:
    return evaluate_packs(run, stack, program_config_dir(), packs=RULE_PACKS, cache=_MESSAGES)


@functools.cache
def _program_report(stack: str) -> PolicyReport:
    """The unchanged program's report (its exempted findings among them)."""
    return _judge_program(_program_run(stack), stack)


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


@functools.cache
def compliant_report(stack: str) -> PolicyReport:
    """The compliant stack under the stack's own config (computed once per session)."""
    return run_case(stack=stack)
